"""Static int8 quantization with onnxruntime's own tools, calibrated on augmented MNIST training images (and
non-digits, for a model that has that output).

    python -m edge_export.quantize edge_infer/models/digits-cnn.onnx   # an exported float model

``digits-export --quantize int8`` runs this step after converting; the command above runs it on a
model exported before. Either way the report goes into the model's verification sidecar.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import timeit
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from edge_infer import contract
from edge_infer.commands import add_version, run
from edge_infer.errors import ModelError
from edge_infer.files import atomic_path, write_text
from edge_infer.model import OnnxModel, int8_path
from edge_export.metadata import set_metadata
from edge_export.verify import sidecar
from edge_train.augment import AugmentedBatches
from edge_train.data import Mnist, load_mnist, model_input
from edge_train.metrics import read_digits

MAX_DROP = 0.002  # keep int8 only if it loses at most 0.2 percentage points of test accuracy
CALIBRATION_IMAGES = 1000
NON_DIGITS = 0.4  # non-digits per calibration digit, for a model that has that output: pages hold many
ROUNDS = 5  # latency rounds per format, interleaved, so that their spread measures the machine's noise
PREFERRED = "QDQ"  # onnxruntime's recommended format, which other execution providers also read


class _Calibration(CalibrationDataReader):
    def __init__(self, x: np.ndarray, batch: int = 50):
        self.batches = iter([{contract.INPUT_NAME: x[i:i + batch]} for i in range(0, len(x), batch)])

    def get_next(self):
        return next(self.batches, None)


def calibration_images(data: Mnist, non_digits: bool, count: int = CALIBRATION_IMAGES) -> np.ndarray:
    """float32 (count, 28, 28, 1) model inputs like the runtime's crops, whose activation ranges int8 must hold.

    Training images augmented as in training (shifted, stroked, blurred, noisy), and for a model with a
    "non-digit" output, its training non-digits too (letters, symbols, marks, grid pieces, touching
    digits). Calibrated on clean digits alone, ten dashes and strokes on a real worksheet were read 0.05 to
    0.1 more surely as digits than by the float model, and one passed as a 1 (their activations
    presumably lie outside the ranges clean digits give, which int8 then clips).
    """
    batches = AugmentedBatches(data.x_train, data.y_train, 50, seed=0, negatives=NON_DIGITS if non_digits else 0.0)
    x = np.concatenate([batches[i][0] for i in range(-(-count // 50))])
    return x[np.random.default_rng(0).permutation(len(x))[:count]]


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
    out = out or int8_path(float_model)
    x_test = model_input(data.x_test)
    calibration = calibration_images(data, contract.NON_DIGIT in OnnxModel(float_model).labels)
    probe = x_test[:8]  # about one camera frame's worth of digits
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_model), str(prepared))
        graph = onnx.load(str(prepared))
        kept_float = _stem(graph) + _head(graph)  # stay float: the first layer and the output layer
        candidates = {}
        for fmt in (QuantFormat.QOperator, QuantFormat.QDQ):
            path = Path(tmp) / f"{fmt.name}.onnx"
            quantize_static(str(prepared), str(path), _Calibration(calibration), quant_format=fmt, per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            nodes_to_exclude=kept_float)
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


def _stem(proto: onnx.ModelProto) -> list[str]:
    """The names of the convolutions over one input channel (the first layer, over the grey image).

    They stay float: int8 kernels gain nothing on a 3x3x1 window. Quantized, the shipped model's
    first layer took 61 % of its time for 5 % of its multiply-adds, 30 us an image against 7 us
    in float, and the whole model read a batch of 32 crops 1.2 times as slowly (onnxruntime's
    profiler, one thread).
    """
    channels = {t.name: list(t.dims)[1:2] for t in proto.graph.initializer}  # (out, in / groups, kh, kw)
    groups = {n.name: next((a.i for a in n.attribute if a.name == "group"), 1) for n in proto.graph.node}
    return [n.name for n in proto.graph.node if n.op_type == "Conv" and len(n.input) > 1
            and channels.get(n.input[1]) == [1] and groups[n.name] == 1]


def _head(proto: onnx.ModelProto) -> list[str]:
    """The names of the output layer's nodes: the last matrix product and what follows it (bias, softmax).

    They are a sliver of the work and stay float, so the probabilities keep their resolution:
    quantized, they came in steps of 1/255 and topped out at 0.996.
    """
    nodes = proto.graph.node  # in topological order
    last = max((i for i, node in enumerate(nodes) if node.op_type in ("MatMul", "Gemm")), default=len(nodes))
    return [node.name for node in nodes[last:]]


def _copy_metadata(source: Path, proto: onnx.ModelProto, quantization: str) -> None:
    props = {p.key: p.value for p in onnx.load(str(source)).metadata_props}
    outputs = len(contract.read_metadata(props)["labels"].split(","))
    set_metadata(proto, {**props, **contract.metadata(outputs, quantization=quantization)})


def _accuracy(model: OnnxModel, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(read_digits(np.concatenate([model.predict(x[i:i + 2000]) for i in range(0, len(x), 2000)]))
                         == y))


def summary(report: dict) -> str:
    """One line on a ``quantize_int8`` report: the accuracies, the size, and whether the int8 model was kept."""
    return (f"int8 ({report['format']}): accuracy {report['int8_accuracy']:.4%} vs float {report['float_accuracy']:.4%}, "
            f"{report['int8_bytes'] / 1024:.0f} KiB, "
            + (f"kept at {report['model']}" if report["kept"] else f"not kept: {report['why']}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_export.quantize",
                                     description="Quantize an exported float ONNX model to int8, kept only if accurate.")
    add_version(parser)
    parser.add_argument("model", type=Path, help="a float .onnx model from digits-export")
    parser.add_argument("--data", help="path to mnist.npz or a folder of IDX files")
    args = parser.parse_args(argv)

    def job():
        model = OnnxModel(args.model)  # a clear error for a missing file or a model that is not ours
        if "quantization" in model.metadata:
            raise ModelError(f"{args.model} is already an int8 model; pass the float model digits-export wrote")
        report = quantize_int8(args.model, load_mnist(args.data))
        path = sidecar(args.model)
        verification = json.loads(path.read_text()) if path.is_file() else {}
        write_text(path, json.dumps({**verification, "quantization": report}, indent=1))
        print(summary(report))

    return run(job)


if __name__ == "__main__":
    raise SystemExit(main())
