"""Static int8 quantization with onnxruntime's own tools, calibrated on MNIST training images."""

from __future__ import annotations

import tempfile
import timeit
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from edge_infer import contract
from edge_infer.files import atomic_path
from edge_infer.model import OnnxModel
from edge_export.metadata import set_metadata
from edge_train.data import Mnist, model_input
from edge_train.metrics import read_digits

MAX_DROP = 0.002  # keep int8 only if it loses at most 0.2 percentage points of test accuracy
CALIBRATION_IMAGES = 1000
ROUNDS = 5  # latency rounds per format, interleaved, so that their spread measures the machine's noise
PREFERRED = "QDQ"  # onnxruntime's recommended format, which other execution providers also read


class _Calibration(CalibrationDataReader):
    def __init__(self, images: np.ndarray, batch: int = 50):
        x = model_input(images)
        self.batches = iter([{contract.INPUT_NAME: x[i:i + batch]} for i in range(0, len(x), batch)])

    def get_next(self):
        return next(self.batches, None)


def _latencies(paths: dict[str, Path], batch: np.ndarray) -> dict[str, np.ndarray]:
    """Median seconds per ``predict(batch)`` of each model, one value per round; rounds interleave the models."""
    models = {name: OnnxModel(path, threads=1) for name, path in paths.items()}
    out: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(ROUNDS):
        for name, model in models.items():
            model.predict(batch)  # warm-up
            out[name].append(float(np.median(timeit.repeat(lambda: model.predict(batch), number=1, repeat=40))))
    return {name: np.array(times) for name, times in out.items()}


def _choose(latency: dict[str, np.ndarray]) -> tuple[str, str]:
    """The faster format only when it wins by more than the spread of repeated rounds; otherwise PREFERRED."""
    medians = {name: float(np.median(t)) for name, t in latency.items()}
    noise = max(float(t.max() - t.min()) for t in latency.values())
    fastest = min(medians, key=medians.get)
    gap = max(medians.values()) - medians[fastest]
    figures = ", ".join(f"{k} {v * 1e6:.0f} us" for k, v in medians.items())
    if gap > noise:
        return fastest, f"{fastest} is faster by {gap * 1e6:.0f} us, more than the {noise * 1e6:.0f} us spread " \
                        f"between rounds ({figures}, median batch-8 latency, one thread)"
    return PREFERRED, f"the formats differ by {gap * 1e6:.0f} us, within the {noise * 1e6:.0f} us spread between " \
                      f"rounds ({figures}), so {PREFERRED}: onnxruntime's recommended format, read by other providers"


def quantize_int8(float_model: Path, data: Mnist, out: Path | None = None) -> dict:
    """Quantize ``float_model`` both as QOperator and QDQ, keep the faster (see ``_choose``), and write it if
    accurate enough.

    The int8 model is written to ``out`` (default ``<stem>.int8.onnx``) only when its test accuracy is
    within MAX_DROP of the float model's; its metadata carries its own test accuracy. Returns a report of
    sizes, accuracies and latencies.
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
        rounds = _latencies({"float": float_model, **candidates}, probe)
        float_latency = float(np.median(rounds.pop("float")))
        chosen, why_format = _choose(rounds)
        float_acc = _accuracy(OnnxModel(float_model), x_test, data.y_test)
        int8_acc = _accuracy(OnnxModel(candidates[chosen]), x_test, data.y_test)
        kept = float_acc - int8_acc <= MAX_DROP
        if kept:
            proto = onnx.load(str(candidates[chosen]))
            props = {p.key: p.value for p in proto.metadata_props}
            set_metadata(proto, {**props, contract.key("test_accuracy"): f"{int8_acc:.6f}"})
            with atomic_path(out) as target:
                onnx.save(proto, str(target))
        elif out.exists():
            out.unlink()  # an older int8 file would no longer match the float model
        return {
            "format": chosen,
            "why_format": why_format,
            "float_accuracy": float_acc, "int8_accuracy": int8_acc, "accuracy_drop": float_acc - int8_acc,
            "float_bytes": float_model.stat().st_size, "int8_bytes": candidates[chosen].stat().st_size,
            "latency_batch8_us": {"float": float_latency * 1e6,
                                  **{k: float(np.median(v)) * 1e6 for k, v in rounds.items()}},
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
