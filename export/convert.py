"""Convert a trained Keras model to ONNX with tf2onnx, verify it, and write it atomically.

    digits-export runs/cnn/model.keras --out model.onnx [--opset 18] [--quantize int8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import onnx

from edge_infer import contract
from edge_infer.files import atomic_path, write_text
from edge_infer.errors import ModelError
from edge_export.metadata import set_metadata, set_version
from edge_export.verify import sidecar, verify
from edge_train.data import Mnist, load_mnist
from edge_infer.commands import add_version, run

MAX_OPSET = 18  # tf2onnx 1.17 supports up to opset 18


class ExportError(ModelError):
    """The conversion failed or the ONNX model does not give the Keras model's answers."""


def to_onnx(model, opset: int = MAX_OPSET) -> onnx.ModelProto:
    """Convert a Keras model to ONNX with a dynamic batch: input 'image' (N, 28, 28, 1), output 'probabilities'
    (N, 10), or (N, 11) with "non-digit" last.

    Uses ``tf2onnx.convert.from_function``: ``from_keras`` fails on Keras 3 Sequential models.
    """
    import tensorflow as tf
    import tf2onnx

    if not 7 <= opset <= MAX_OPSET:
        raise ExportError(f"opset {opset} is not supported; tf2onnx 1.17 writes opsets 7 to {MAX_OPSET}")
    _check_shapes(model)
    signature = [tf.TensorSpec([None, contract.INPUT_SIZE, contract.INPUT_SIZE, 1], tf.float32,
                               name=contract.INPUT_NAME)]

    @tf.function(input_signature=signature)
    def serve(image):
        return {contract.OUTPUT_NAME: model(image, training=False)}

    proto, _ = tf2onnx.convert.from_function(serve, input_signature=signature, opset=opset)
    return proto


def _check_shapes(model) -> None:
    want_in, want_out = (None, contract.INPUT_SIZE, contract.INPUT_SIZE, 1), (None, contract.NUM_CLASSES)
    got_in, got_out = tuple(model.input_shape), tuple(model.output_shape)
    if got_in != want_in or got_out not in (want_out, (None, contract.NUM_CLASSES + 1)):
        raise ExportError(f"the model maps {got_in} to {got_out}; edge_infer needs {want_in} to {want_out} "
                          "(a zoo model from digits-train)")


def multiply_adds(model) -> int:
    """Multiply-adds per image of a Keras model's Conv2D and Dense layers (the rest is negligible)."""
    import keras

    from edge_train.zoo import Highway

    total = 0
    for layer in model.layers:
        if isinstance(layer, Highway):
            total += 2 * layer.input.shape[-1] ** 2  # transform and gate
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw = layer.kernel_size
            total += h * w * kh * kw * layer.input.shape[-1] * c_out // layer.groups
        elif isinstance(layer, keras.layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return int(total)


def describe(proto: onnx.ModelProto, outputs: int, version: int = 1, **facts: str) -> onnx.ModelProto:
    """Write the runtime contract of a model with ``outputs`` classes, its ``version`` (ONNX ``model_version``,
    a whole number >= 1) and ``facts`` into its metadata_props (replacing older ones)."""
    import tensorflow as tf
    import tf2onnx

    props = contract.metadata(
        outputs, tensorflow=tf.__version__, tf2onnx=tf2onnx.__version__, onnx=onnx.__version__,
        exported=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **facts)
    set_metadata(proto, props)
    set_version(proto, version)
    proto.producer_name, proto.doc_string = "edge-digits", "MNIST-style digit classifier for edge_infer"
    return proto


def export(model_path: str | Path, out: str | Path, opset: int = MAX_OPSET, quantize: str | None = None,
           data: Mnist | None = None, version: int = 1) -> dict:
    """Convert, check and verify ``model_path``; write ``out`` and ``<out stem>.verification.json``.

    Nothing is written at ``out`` unless the ONNX model agrees with Keras on every test image.
    Returns the verification report (with a ``quantization`` entry when ``quantize='int8'``).
    """
    from edge_train.evaluate import load_keras

    model_path, out = Path(model_path), Path(out)
    if not model_path.is_file():
        raise ExportError(f"model file {model_path} does not exist; train one with digits-train first")
    if model_path.suffix != ".keras":
        raise ExportError(f"{model_path} is not a .keras file; digits-export converts Keras models")
    model = load_keras(model_path)
    data = data or load_mnist()
    proto = to_onnx(model, opset)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as err:
        raise ExportError(f"onnx.checker rejected the converted model: {err}") from None
    report = verify(model, proto, data)
    report["opset"] = opset
    if not report["passed"]:
        raise ExportError(f"the ONNX model disagrees with Keras: {report['disagreements']} argmax differences, "
                          f"max |dp| {report['max_abs_diff']:.2e} (limit {report['tolerance']:.0e}); nothing written")
    report["multiply_adds"] = multiply_adds(model)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ExportError(f"the model version must be a whole number >= 1, got {version!r}")
    describe(proto, model.output_shape[-1], version, source_model=model.name, source_file=model_path.name,
             test_accuracy=f"{report['onnx_accuracy']:.6f}", opset=str(opset),
             multiply_adds=str(report["multiply_adds"]))
    with atomic_path(out) as tmp:
        onnx.save(proto, tmp)
    report["model"], report["bytes"] = str(out), out.stat().st_size
    if quantize == "int8":
        from edge_export.quantize import quantize_int8

        report["quantization"] = quantize_int8(out, data)
    write_text(sidecar(out), json.dumps(report, indent=1))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="digits-export", description=__doc__.splitlines()[0])
    add_version(parser)
    parser.add_argument("model", type=Path, help="a .keras model from digits-train")
    parser.add_argument("--out", type=Path, help="the .onnx file to write (default: beside MODEL)")
    parser.add_argument("--opset", type=int, default=MAX_OPSET)
    parser.add_argument("--quantize", choices=["int8"], help="also write a static int8 model, kept only if accurate")
    parser.add_argument("--data", help="path to mnist.npz or a folder of IDX files")
    parser.add_argument("--model-version", type=int, default=1,
                        help="the model's version (ONNX model_version; the recognizer reports it), default 1")
    args = parser.parse_args(argv)
    def job():
        out = args.out or args.model.with_suffix(".onnx")
        report = export(args.model, out, args.opset, args.quantize, load_mnist(args.data) if args.data else None,
                        args.model_version)
        print(json.dumps({k: v for k, v in report.items() if k != "quantization"}, indent=1))
        print(f"verified: {report['images']} test images, argmax agrees on all, max |dp| "
              f"{report['max_abs_diff']:.2e}; wrote {out} ({report['bytes'] / 1024:.0f} KiB)")
        if "quantization" in report:
            from edge_export.quantize import summary

            print(summary(report["quantization"]))

    return run(job)
