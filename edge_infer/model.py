"""Load an ONNX digit classifier into onnxruntime and check it meets the runtime's input contract."""

from __future__ import annotations

import logging
import os
import re
from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort

from edge_infer import contract
from edge_infer.errors import ModelError

FLOAT_MODEL = "digits-cnn.onnx"  # the shipped model as digits-export converts and verifies it
CPU = "CPUExecutionProvider"
CHUNK = 32  # crops a model call: the shipped model's float first layer writes 2.4 MB for 32 (24 x 28 x 28 floats each),
# and 170 crops at once took 1.3 times as long as 32 at a time, with the cache cold as a page leaves it (one thread)
log = logging.getLogger("edge_infer")


def float_model_path() -> Path:
    """The shipped float32 model, as trained and exported."""
    return Path(str(resources.files("edge_infer") / "models" / FLOAT_MODEL))


def int8_path(model: str | os.PathLike) -> Path:
    """Where the int8 copy of the float model at ``model`` lies: ``<stem>.int8.onnx`` beside it."""
    model = Path(model)
    return model.with_name(model.stem + ".int8.onnx")


def default_model_path() -> Path:
    """The model the runtime loads when given none: the shipped int8 copy if there is one, else the float model.

    The int8 copy ships only if it reads MNIST's test set within 0.2 points of the float model
    (``edge_export.quantize``); it reads a crop 1.5 to 1.8 times as fast (``digits-bench``).
    """
    int8 = int8_path(float_model_path())
    return int8 if int8.is_file() else float_model_path()


def _short(err: Exception) -> str:
    """onnxruntime's message without its status prefix and source paths."""
    text = (str(err).strip().splitlines() or [type(err).__name__])[0]
    text = re.sub(r"\[ONNXRuntimeError\] : \d+ : \w+ : ", "", text)
    text = re.sub(r"/onnxruntime_src/\S+ \S+\)?\s*", "", text)
    return text[:160] or type(err).__name__


class OnnxModel:
    """An onnxruntime session for a model that maps float32 (N, 28, 28, 1) in [0, 1] to (N, 10) probabilities,
    or (N, 11) with "non-digit" last.

    The file is read as bytes, so onnxruntime never follows external-data paths from it;
    an ONNX graph holds operators, not code, and no custom-op library is registered.

    ``providers`` are onnxruntime execution providers in order of preference, as
    ``InferenceSession`` takes them (names, or (name, options) pairs); default: the CPU.
    ``session_options`` is an ``onnxruntime.SessionOptions`` used as given, instead of the
    one made from ``threads``. The provider that runs is logged (logger ``edge_infer``).
    """

    def __init__(self, path: str | os.PathLike | None = None, threads: int = 1, providers: list | None = None,
                 session_options: ort.SessionOptions | None = None):
        self.path = Path(path) if path is not None else default_model_path()
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
            raise ModelError(f"threads must be a whole number >= 0 (0 lets onnxruntime choose), got {threads!r}")
        if session_options is not None and not isinstance(session_options, ort.SessionOptions):
            raise ModelError(f"session_options must be an onnxruntime.SessionOptions, got "
                             f"{type(session_options).__name__}")
        providers = list(providers) if providers is not None else [CPU]
        available = ort.get_available_providers()
        unknown = [p for p in providers if (p[0] if isinstance(p, tuple) else p) not in available]
        if unknown or not providers:
            raise ModelError(f"execution providers {unknown or providers} are not available in this onnxruntime; "
                             f"choose from {available}")
        try:
            blob = self.path.read_bytes()
        except OSError as err:
            raise ModelError(f"cannot read model file {self.path} ({err.strerror or err}); "
                             "pass the path of an exported .onnx model, or none for the shipped one") from None
        if not blob:
            raise ModelError(f"model file {self.path} is empty; re-export it with digits-export")
        options = session_options or self._options(threads)
        try:
            self.session = ort.InferenceSession(blob, options, providers=providers)
        except Exception as err:
            reason = _short(err)
            raise ModelError(f"{self.path} is not a valid ONNX model (corrupt, truncated or not ONNX: {reason}); "
                             "re-export it with digits-export") from None
        self.metadata = contract.read_metadata(self.session.get_modelmeta().custom_metadata_map)
        self._check_contract()
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        self.labels = self.metadata["labels"].split(",")
        self.version = self._version()
        self.providers = self.session.get_providers()
        log.info("model %s (version %d) runs on %s", self.path.name, self.version, self.providers[0])

    def _version(self) -> int:
        """The model's version from its metadata, else ONNX's ``model_version``; 0 when it has none."""
        stated = self.metadata.get("model_version", "")
        if stated.isdigit():
            return int(stated)
        version = int(self.session.get_modelmeta().version)
        return version if 0 < version < 2**63 - 1 else 0  # onnxruntime reports an unset field as -1 or int64 max

    @staticmethod
    def _options(threads: int) -> ort.SessionOptions:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return options

    def _check_contract(self) -> None:
        problems = contract.mismatches(self.metadata)
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            problems.append(f"it has {len(inputs)} inputs and {len(outputs)} outputs, not 1 and 1")
        else:
            shape_in, shape_out = list(inputs[0].shape), list(outputs[0].shape)
            if inputs[0].type != "tensor(float)" or shape_in[1:] != [contract.INPUT_SIZE, contract.INPUT_SIZE, 1]:
                problems.append(f"its input is {inputs[0].type}{shape_in}, not float (N, 28, 28, 1)")
            classes = len(self.metadata.get("labels", ",".join(contract.LABELS)).split(","))
            if len(shape_out) != 2 or shape_out[1] != classes:
                problems.append(f"its output has shape {shape_out}, not (N, {classes}) for its labels")
        if problems:
            raise ModelError(f"{self.path} does not fit edge_infer's input contract: {'; '.join(problems)}. "
                             "Export a 28x28 MNIST-style digit model with digits-export")

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """float32 (N, 28, 28, 1) in [0, 1] -> float32 (N, 10 or 11) probabilities, in the order of ``labels``.

        A page's hundreds of crops are run CHUNK at a time, so that a layer's output stays in the cache."""
        batch = np.ascontiguousarray(batch, np.float32)
        if len(batch) <= CHUNK:
            return self.session.run([self.output_name], {self.input_name: batch})[0]
        return np.concatenate([self.session.run([self.output_name], {self.input_name: batch[i:i + CHUNK]})[0]
                               for i in range(0, len(batch), CHUNK)])
