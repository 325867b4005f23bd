"""Keras -> ONNX with real tf2onnx and onnxruntime: parity, atomic writes, metadata, int8, clear errors."""

from __future__ import annotations

import json

import keras
import numpy as np
import onnx
import pytest

from conftest import assert_clean_error, run_cli
from edge_train.data import model_input
from edge_infer import ModelError
from edge_infer.contract import mismatches, read_metadata
from edge_infer.model import OnnxModel
from edge_export import ExportError, export

pytestmark = pytest.mark.slow  # trains or exports with TensorFlow


def test_round_trip_gives_the_same_predictions(small_keras_model, small_onnx_model, mnist):
    x = model_input(mnist.x_test[:2000])
    keras_p = keras.saving.load_model(small_keras_model).predict(x, verbose=0)
    onnx_p = OnnxModel(small_onnx_model).predict(x)
    assert (keras_p.argmax(1) == onnx_p.argmax(1)).all()
    assert np.abs(keras_p - onnx_p).max() < 1e-4
    report = json.loads(small_onnx_model.with_name("small.verification.json").read_text())
    assert report["passed"] and report["images"] == 10_000 and report["disagreements"] == 0


def test_batch_dimension_is_dynamic(small_onnx_model, mnist):
    model = OnnxModel(small_onnx_model)
    assert isinstance(model.session.get_inputs()[0].shape[0], str)
    for n in (1, 7, 64):
        assert model.predict(model_input(mnist.x_test[:n])).shape == (n, 10)


def test_metadata_is_written_and_read_back(small_onnx_model):
    props = {p.key: p.value for p in onnx.load(str(small_onnx_model)).metadata_props}
    facts = read_metadata(props)
    assert facts["labels"] == "0,1,2,3,4,5,6,7,8,9"
    assert facts["input_shape"] == "N,28,28,1" and facts["polarity"] == "white-on-black"
    assert facts["source_model"] == "mlp-small" and 0.5 < float(facts["test_accuracy"]) <= 1
    for tool in ("tensorflow", "tf2onnx", "onnx", "exported", "recipe"):
        assert facts[tool]
    assert mismatches(facts) == []
    assert OnnxModel(small_onnx_model).metadata == facts


def test_failed_verification_leaves_no_file(small_keras_model, mnist, tmp_path, monkeypatch):
    """Tamper with a weight between conversion and verification: the export must refuse to write."""
    import edge_export.convert as convert

    real = convert.to_onnx

    def tampered(model, opset):
        proto = real(model, opset)
        biggest = max(proto.graph.initializer, key=lambda t: np.prod(t.dims))
        weights = onnx.numpy_helper.to_array(biggest).copy()
        weights *= 1.05
        biggest.CopyFrom(onnx.numpy_helper.from_array(weights, biggest.name))
        return proto

    monkeypatch.setattr(convert, "to_onnx", tampered)
    out = tmp_path / "bad.onnx"
    with pytest.raises(ExportError, match="disagrees with Keras.*nothing written"):
        export(small_keras_model, out, data=mnist)
    assert list(tmp_path.iterdir()) == []


def test_failed_export_keeps_the_previous_model(small_keras_model, mnist, tmp_path):
    out = tmp_path / "model.onnx"
    out.write_bytes(b"previous model")
    with pytest.raises(ExportError):
        export(small_keras_model, out, opset=99, data=mnist)
    assert out.read_bytes() == b"previous model"


def test_quantized_model_keeps_accuracy(small_onnx_model, mnist, tmp_path):
    from edge_export.quantize import quantize_int8

    target = tmp_path / "small.int8.onnx"
    report = quantize_int8(small_onnx_model, mnist, out=target)
    assert report["format"] in ("QOperator", "QDQ")
    assert report["int8_bytes"] < report["float_bytes"] / 2
    assert report["kept"] == (report["accuracy_drop"] <= 0.002)
    if report["kept"]:
        int8 = OnnxModel(target)
        accuracy = (int8.predict(model_input(mnist.x_test[:2000])).argmax(1) == mnist.y_test[:2000]).mean()
        float_accuracy = (OnnxModel(small_onnx_model).predict(model_input(mnist.x_test[:2000])).argmax(1)
                          == mnist.y_test[:2000]).mean()
        assert accuracy >= float_accuracy - 0.01
        assert int8.metadata["quantization"].startswith("int8-static-")
        assert float(int8.metadata["test_accuracy"]) == pytest.approx(report["int8_accuracy"], abs=1e-6)
    assert report["why_format"]


def test_quantize_command_writes_the_int8_model_beside_an_exported_one(small_onnx_model, mnist, tmp_path):
    import shutil

    from edge_export.verify import sidecar

    model = tmp_path / "small.onnx"
    shutil.copy(small_onnx_model, model)
    result = run_cli("edge_export.quantize", str(model))
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(sidecar(model).read_text())["quantization"]
    assert result.stdout.startswith(f"int8 ({report['format']}): accuracy")
    int8 = tmp_path / "small.int8.onnx"
    assert report["kept"] and report["model"] == str(int8) and int8.is_file()
    graph = onnx.load(str(int8)).graph.node
    head = max(i for i, node in enumerate(graph) if node.op_type in ("MatMul", "Gemm"))
    assert not any(node.op_type == "QuantizeLinear" for node in graph[head:])  # the output layer stays float ...
    probabilities = OnnxModel(int8).predict(model_input(mnist.x_test[:200]))
    assert np.abs(probabilities * 255 - np.round(probabilities * 255)).max() > 0.1  # ... so no 1/255 steps
    assert_clean_error(run_cli("edge_export.quantize", str(tmp_path / "missing.onnx")), "cannot read model file")
    assert_clean_error(run_cli("edge_export.quantize", str(int8)), "already an int8 model")


def test_quantization_leaves_the_output_layer_float_and_a_model_without_one_whole():
    from onnx import TensorProto, helper

    from edge_export.quantize import _head

    def graph(*ops):
        nodes = [helper.make_node(op, [f"t{i}"], [f"t{i + 1}"], name=f"{op}{i}") for i, op in enumerate(ops)]
        return helper.make_model(helper.make_graph(nodes, "g", [helper.make_tensor_value_info("t0", TensorProto.FLOAT,
                                                                                                [1])],
                                                   [helper.make_tensor_value_info(f"t{len(ops)}", TensorProto.FLOAT,
                                                                                  [1])]))

    assert _head(graph("Conv", "Relu", "MatMul", "Relu", "MatMul", "Add", "Softmax")) == ["MatMul4", "Add5", "Softmax6"]
    assert _head(graph("Conv", "Relu", "Softmax")) == []


def test_quantization_leaves_the_first_layer_float():
    """A convolution over the one grey channel stays float (int8 gains nothing on a 3x3x1 window); one over more
    channels, or a depthwise one, is quantized."""
    from onnx import TensorProto, helper, numpy_helper

    from edge_export.quantize import _stem

    def conv(name, x, y, shape, **attributes):
        weight = numpy_helper.from_array(np.zeros(shape, np.float32), name + "_w")
        return helper.make_node("Conv", [x, weight.name], [y], name=name, **attributes), weight

    layers = [conv("first", "x", "a", (4, 1, 3, 3)), conv("second", "a", "b", (8, 4, 3, 3)),
              conv("depthwise", "b", "c", (8, 1, 3, 3), group=8)]
    graph = helper.make_graph([n for n, _ in layers], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
                              [helper.make_tensor_value_info("c", TensorProto.FLOAT, None)],
                              initializer=[w for _, w in layers])
    assert _stem(helper.make_model(graph)) == ["first"]


def test_quantization_format_is_chosen_only_beyond_noise():
    from edge_export.quantize import PREFERRED, _choose

    noisy = {"QOperator": np.array([100e-6, 130e-6, 110e-6]), "QDQ": np.array([115e-6, 105e-6, 125e-6])}
    assert _choose(noisy)[0] == PREFERRED  # 110 vs 115 us, while rounds spread by 30 us
    clear = {"QOperator": np.array([60e-6, 62e-6, 61e-6]), "QDQ": np.array([115e-6, 118e-6, 116e-6])}
    chosen, why = _choose(clear)
    assert chosen == "QOperator" and "faster by 55 us" in why


def test_model_version_is_written(small_keras_model, mnist, tmp_path):
    out = tmp_path / "v3.onnx"
    export(small_keras_model, out, data=mnist, version=3)
    assert onnx.load(str(out)).model_version == 3
    assert OnnxModel(out).version == 3 and OnnxModel(out).metadata["model_version"] == "3"
    with pytest.raises(ExportError, match="whole number >= 1"):
        export(small_keras_model, tmp_path / "v0.onnx", data=mnist, version=0)


def test_cli_errors(tmp_path):
    assert_clean_error(run_cli("edge_export", str(tmp_path / "missing.keras")), "does not exist")
    (tmp_path / "notes.txt").write_text("hello")
    assert_clean_error(run_cli("edge_export", str(tmp_path / "notes.txt")), "not a .keras file")
    (tmp_path / "fake.keras").write_text("hello")
    assert_clean_error(run_cli("edge_export", str(tmp_path / "fake.keras")), "not a loadable keras model")


def test_wrong_input_shape_is_refused(tmp_path, mnist):
    model = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    model.save(tmp_path / "wide.keras")
    with pytest.raises(ExportError, match=r"\(None, 32, 32, 1\).*edge_infer needs"):
        export(tmp_path / "wide.keras", tmp_path / "wide.onnx", data=mnist)
    assert not (tmp_path / "wide.onnx").exists()


def test_runtime_refuses_a_model_with_the_wrong_contract(tmp_path, small_onnx_model):
    proto = onnx.load(str(small_onnx_model))
    for prop in proto.metadata_props:
        if prop.key.endswith(".polarity"):
            prop.value = "black-on-white"
    onnx.save(proto, str(tmp_path / "inverted.onnx"))
    with pytest.raises(ModelError, match="'polarity' is 'black-on-white'"):
        OnnxModel(tmp_path / "inverted.onnx")
