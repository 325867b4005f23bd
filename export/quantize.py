"""Static int8 quantization with onnxruntime's own tools, calibrated on MNIST training images."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from edge_infer import contract
from edge_infer._io import atomic_path
from edge_infer.bench import timed
from edge_infer.model import OnnxModel
from export.convert import set_metadata
from train.data import Mnist, model_input
from train.metrics import read_digits

MAX_DROP = 0.002  # keep int8 only if it loses at most 0.2 percentage points of test accuracy
CALIBRATION_IMAGES = 1000


class _Calibration(CalibrationDataReader):
    def __init__(self, images: np.ndarray, batch: int = 50):
        x = model_input(images)
        self.batches = iter([{contract.INPUT_NAME: x[i:i + batch]} for i in range(0, len(x), batch)])

    def get_next(self):
        return next(self.batches, None)


def _median_latency(path: Path, batch: np.ndarray) -> float:
    model = OnnxModel(path, threads=1)
    return float(np.median(timed(lambda: model.predict(batch), runs=200, warmup=20)))


def quantize_int8(float_model: Path, data: Mnist, out: Path | None = None) -> dict:
    """Quantize ``float_model`` both as QOperator and QDQ, keep the faster, and write it if accurate enough.

    The int8 model is written to ``out`` (default ``<stem>.int8.onnx``) only when its test accuracy is
    within MAX_DROP of the float model's. Returns a report of sizes, accuracies and latencies.
    """
    out = out or float_model.with_name(float_model.stem + ".int8.onnx")
    x_test = model_input(data.x_test)
    calibration = data.x_train[np.random.default_rng(0).permutation(len(data.x_train))[:CALIBRATION_IMAGES]]
    probe = x_test[:8]  # about one camera frame's worth of digits
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_model), str(prepared))
        candidates = {}
        for fmt in (QuantFormat.QOperator, QuantFormat.QDQ):
            path = Path(tmp) / f"{fmt.name}.onnx"
            quantize_static(str(prepared), str(path), _Calibration(calibration), quant_format=fmt, per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
            proto = onnx.load(str(path))
            _copy_metadata(float_model, proto, f"int8-static-{fmt.name}")
            onnx.save(proto, str(path))
            candidates[fmt.name] = path
        float_latency = _median_latency(float_model, probe)
        latency = {name: _median_latency(path, probe) for name, path in candidates.items()}
        chosen = min(latency, key=latency.get)
        float_acc = _accuracy(OnnxModel(float_model), x_test, data.y_test)
        int8_acc = _accuracy(OnnxModel(candidates[chosen]), x_test, data.y_test)
        kept = float_acc - int8_acc <= MAX_DROP
        if kept:
            with atomic_path(out) as target:
                target.write_bytes(candidates[chosen].read_bytes())
        elif out.exists():
            out.unlink()  # an older int8 file would no longer match the float model
        return {
            "format": chosen,
            "why_format": "median batch-8 latency, one thread: " + ", ".join(
                f"{k} {v * 1e6:.0f} us" for k, v in latency.items()) + f", float {float_latency * 1e6:.0f} us",
            "float_accuracy": float_acc, "int8_accuracy": int8_acc, "accuracy_drop": float_acc - int8_acc,
            "float_bytes": float_model.stat().st_size, "int8_bytes": candidates[chosen].stat().st_size,
            "latency_batch8_us": {"float": float_latency * 1e6, **{k: v * 1e6 for k, v in latency.items()}},
            "kept": kept, "model": str(out) if kept else None,
            "why": "" if kept else f"accuracy drop {float_acc - int8_acc:.2%} exceeds {MAX_DROP:.1%}",
        }


def _copy_metadata(source: Path, proto: onnx.ModelProto, quantization: str) -> None:
    props = {p.key: p.value for p in onnx.load(str(source)).metadata_props}
    outputs = len(contract.read_metadata(props)["labels"].split(","))
    set_metadata(proto, {**props, **contract.metadata(outputs, quantization=quantization)})


def _accuracy(model: OnnxModel, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(read_digits(np.concatenate([model.predict(x[i:i + 2000]) for i in range(0, len(x), 2000)]))
                         == y))
