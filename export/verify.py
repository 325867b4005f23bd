"""Prove an ONNX model gives the Keras model's answers on the whole MNIST test set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from edge_train.data import Mnist, model_input
from edge_train.metrics import read_digits

TOLERANCE = 1e-4  # largest allowed |p_keras - p_onnx| for any image and class


def onnx_predict(proto: onnx.ModelProto, x: np.ndarray, batch: int = 2048) -> np.ndarray:
    """Run an in-memory ONNX model on float32 (N, 28, 28, 1); returns (N, 10) or (N, 11) float32."""
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: x[i:i + batch]})[0] for i in range(0, len(x), batch)])


def verify(model, proto: onnx.ModelProto, data: Mnist) -> dict:
    """Compare Keras and onnxruntime on every test image: argmax must agree and |dp| stay under TOLERANCE."""
    x = model_input(data.x_test)
    keras_p = np.asarray(model.predict(x, batch_size=2048, verbose=0))
    onnx_p = onnx_predict(proto, x)
    disagreements = int(np.sum(keras_p.argmax(1) != onnx_p.argmax(1)))
    max_diff = float(np.max(np.abs(keras_p - onnx_p)))
    return {
        "images": int(len(x)),
        "disagreements": disagreements,
        "max_abs_diff": max_diff,
        "tolerance": TOLERANCE,
        "passed": disagreements == 0 and max_diff < TOLERANCE,
        "keras_accuracy": float(np.mean(read_digits(keras_p) == data.y_test)),
        "onnx_accuracy": float(np.mean(read_digits(onnx_p) == data.y_test)),
    }


def sidecar(model: Path) -> Path:
    """The verification report's path beside ``model``."""
    return model.with_name(model.stem + ".verification.json")
