"""Shared fixtures: real MNIST, a small model trained here, and the shipped ONNX model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mnist():
    from edge_train.data import load_mnist

    return load_mnist()


@pytest.fixture(scope="session")
def small_keras_model(mnist, tmp_path_factory):
    """mlp-small trained for one epoch on 5,000 real MNIST images and saved as .keras."""
    import keras

    from edge_train.data import model_input
    from edge_train.zoo import build_model

    keras.utils.set_random_seed(0)
    model = build_model("mlp-small")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(model_input(mnist.x_train[:5000]), mnist.y_train[:5000], epochs=1, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("small") / "small.keras"
    model.save(path)
    return path


@pytest.fixture(scope="session")
def small_onnx_model(small_keras_model, mnist):
    from edge_export import export

    out = small_keras_model.with_suffix(".onnx")
    export(small_keras_model, out, data=mnist)
    return out


def run_cli(*args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m ARGS`` in a fresh process, as a user would, and capture its output."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **kwargs.pop("env", {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=kwargs.pop("cwd", ROOT), env=env, **kwargs)


def assert_clean_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    """A failed command: non-zero exit, one 'error:' line naming the problem, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle.lower() in errors[0].lower(), errors[0]
