"""digits-train and digits-evaluate end to end, in fresh processes, on real MNIST."""

from __future__ import annotations

import json

import pytest

from conftest import assert_clean_error, run_cli

pytestmark = pytest.mark.slow  # trains or exports with TensorFlow

PLOTS = {"curves.png", "confusion_matrix.png", "misclassified.png"}


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000


def test_train_writes_a_full_run_folder(tmp_path):
    out = tmp_path / "run"
    result = run_cli("edge_train", "--model", "highway", "--limit", "3000", "--epochs", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "test accuracy" in result.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["samples"] == 10_000 and 0.5 < metrics["accuracy"] <= 1.0
    assert set(metrics["per_class"]) == {str(d) for d in range(10)}
    assert sum(map(sum, metrics["confusion_matrix"])) == 10_000
    assert metrics["training"]["epochs_run"] == 2 and metrics["training"]["train_images"] == 3000
    assert len(metrics["highway_gate_activity"]) == 6
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == len(history["val_loss"]) == 2
    for name in PLOTS | {"gates.png"}:
        assert _is_png(out / name), name
    assert (out / "model.keras").is_file()
    assert not list(out.glob(".*tmp*")), "a temporary file was left behind"

    evaluated = run_cli("edge_train.evaluate", str(out / "model.keras"), "--out", str(tmp_path / "eval"))
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    again = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert abs(again["accuracy"] - metrics["accuracy"]) < 1e-9
    for name in PLOTS - {"curves.png"}:
        assert _is_png(tmp_path / "eval" / name)


def test_evaluate_onnx_gives_the_same_report(small_keras_model, small_onnx_model, tmp_path):
    for model, out in ((small_keras_model, tmp_path / "k"), (small_onnx_model, tmp_path / "o")):
        result = run_cli("edge_train.evaluate", str(model), "--out", str(out))
        assert result.returncode == 0, result.stderr[-2000:]
    keras_report = json.loads((tmp_path / "k" / "metrics.json").read_text())
    onnx_report = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert keras_report["confusion_matrix"] == onnx_report["confusion_matrix"]


def test_evaluate_bad_model_files(tmp_path):
    assert_clean_error(run_cli("edge_train.evaluate", str(tmp_path / "missing.keras")), "does not exist")
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    assert_clean_error(run_cli("edge_train.evaluate", str(tmp_path / "junk.keras")), "not a loadable keras model")
    (tmp_path / "junk.onnx").write_bytes(b"\x08\x01garbage")
    assert_clean_error(run_cli("edge_train.evaluate", str(tmp_path / "junk.onnx")), "not a valid onnx model")


def test_unknown_model_name(tmp_path):
    result = run_cli("edge_train", "--model", "resnet", "--out", str(tmp_path))
    assert result.returncode == 2 and "invalid choice" in result.stderr and "Traceback" not in result.stderr
