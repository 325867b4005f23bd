"""The package as a user installs it and a reviewer reads it: layering, versions, commands, the wheel."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import edge_infer
from conftest import ROOT

BIN = Path(sys.executable).parent
COMMANDS = ["digits-cam", "digits-bench", "digits-batch", "digits-train", "digits-evaluate", "digits-export"]
MODULE_COMMANDS = ["edge_infer.scenes", "edge_infer.realphotos", "edge_export.card"]
FOLDERS = {"edge_infer": ROOT / "edge_infer", "edge_train": ROOT / "train", "edge_export": ROOT / "export"}


def _imports(folder: Path) -> dict[str, set[str]]:
    """Every module of ``folder`` -> the absolute module names it imports (at any depth, lazily or not)."""
    found = {}
    for path in sorted(folder.glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        found[path.stem] = names
    return found


def test_packages_depend_one_way():
    """edge_infer never imports training or export; they use only edge_infer's public modules; export's
    steps never import each other in a circle."""
    for module, names in _imports(FOLDERS["edge_infer"]).items():
        wrong = {n for n in names if n.split(".")[0] in ("edge_train", "edge_export", "train", "export",
                                                          "tensorflow", "keras", "tf2onnx")}
        assert not wrong, f"edge_infer/{module}.py imports {wrong}"
    for package in ("edge_train", "edge_export"):
        for module, names in _imports(FOLDERS[package]).items():
            private = {n for n in names if n.startswith("edge_infer.") and n.split(".")[1].startswith("_")}
            assert not private, f"{package}/{module}.py imports private {private}"
            assert not {n for n in names if n.split(".")[0] in ("train", "export")}, (package, module)
    export = _imports(FOLDERS["edge_export"])
    edges = {(m, n.split(".")[1]) for m, names in export.items() for n in names
             if n.startswith("edge_export.") and n.split(".")[1] in export}
    assert not {(a, b) for a, b in edges if (b, a) in edges}, f"edge_export modules import each other: {edges}"
    train = {n for names in _imports(FOLDERS["edge_train"]).values() for n in names}
    assert not {n for n in train if n.startswith("edge_export")}, "training must not depend on export"


@pytest.mark.slow
def test_the_runtime_loads_no_training_module():
    """Import every edge_infer module, generate a scene and a page and read them: nothing of training, export,
    TensorFlow or Keras is loaded."""
    code = """
import importlib, pkgutil, sys
import edge_infer
for info in pkgutil.iter_modules(edge_infer.__path__):
    if info.name != "__main__":  # that one runs digits-cam
        importlib.import_module("edge_infer." + info.name)
from edge_infer import DigitRecognizer
from edge_infer.pages import PageGenerator
from edge_infer.scenes import SceneGenerator
rec = DigitRecognizer()
assert rec.recognize(SceneGenerator(seed=1).scene().frame)
rec.recognize(PageGenerator(seed=1).page("grid").frame)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("train", "export", "edge_train", "edge_export",
                                                          "tensorflow", "keras", "tf2onnx")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]"]


def test_version_is_the_distribution_s():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert edge_infer.__version__ == importlib.metadata.version("edge-digits") == declared


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_reports_its_version(command):
    out = subprocess.run([str(BIN / command), "--version"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{command} {edge_infer.__version__}"


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULE_COMMANDS)
def test_every_module_command_reports_its_version(module):
    out = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith(f"{module} {edge_infer.__version__}")


def test_license_matches_the_project():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"]["text"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert (ROOT / "edge_infer" / "py.typed").is_file()


def test_files_speak_of_the_repository_only():
    """No tracked file points at a document or a tool that is not in the repository."""
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    for name in tracked:
        path = ROOT / name
        if name == "tests/test_package.py" or path.suffix in (".onnx", ".png", ".mp4", ".npz", ".gz") \
                or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for outside in ("DEVELOPERS.md", "shared/tools"):
            assert outside not in text, f"{name} refers to {outside}"


@pytest.mark.slow
def test_runtime_only_wheel(tmp_path):
    """Build the wheel and install it without extras in a fresh environment, as `pip install edge-digits` would:
    it holds edge_infer, edge_train and edge_export (no bare `train` or `export`), the runtime reads a frame from
    outside the checkout, and the training commands say in one line what to install."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(wheels.glob("edge_digits-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if "dist-info" not in n} == {"edge_infer", "edge_train", "edge_export"}
    assert "edge_infer/py.typed" in names and any(n.endswith("dist-info/LICENSE") for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-c", str(ROOT / "constraints.txt"), str(wheel)], check=True, capture_output=True,
                   timeout=900)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for command in ("digits-train", "digits-evaluate", "digits-export"):
        out = subprocess.run([str(venv / "bin" / command), "--help"], capture_output=True, text=True, cwd=tmp_path,
                             env=env, timeout=120)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        assert out.stderr.strip().splitlines() == [out.stderr.strip()]
        assert "pip install 'edge-digits[train]'" in out.stderr
    code = ("import sys, numpy as np, edge_infer; from edge_infer import DigitRecognizer; "
            "frame = np.full((120, 200), 230, np.uint8); "
            "import cv2; cv2.putText(frame, '7', (80, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.5, 20, 6); "
            "print(edge_infer.__version__, edge_infer.__file__.startswith(sys.prefix), "
            "len(DigitRecognizer().recognize(frame)))")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:2] == [edge_infer.__version__, "True"]
    assert shutil.which("digits-cam", path=str(venv / "bin"))
