"""Evaluate a saved model (.keras or .onnx) on the MNIST test set and write its report and plots.

    digits-evaluate runs/cnn/model.keras [--out DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

import numpy as np

from edge_infer.files import write_text
from edge_train import metrics, plots
from edge_train.data import Mnist, load_mnist, model_input
from edge_infer.commands import add_version, run

Predict = Callable[[np.ndarray], np.ndarray]


def write_report(model, data: Mnist, out: str | Path, history: dict | None = None, extra: dict | None = None) -> dict:
    """Score ``model`` on ``data``'s test set; write ``metrics.json`` and PNG plots into ``out``.

    ``model`` is a Keras model or a function mapping float32 (N, 28, 28, 1) in [0, 1] to (N, 10)
    probabilities. Returns the metrics dict.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    x_test = model_input(data.x_test)
    predict = _predictor(model)
    probabilities = predict(x_test)
    report = metrics.report(data.y_test, probabilities)
    y_pred = metrics.read_digits(probabilities)
    figures = [plots.confusion(report["confusion_matrix"], out / "confusion_matrix.png"),
               plots.misclassified(data.x_test, data.y_test, y_pred, out / "misclassified.png")]
    if history:
        figures.append(plots.curves(history, out / "curves.png"))
    if hasattr(model, "layers"):
        from edge_train.zoo import gate_activity

        activity = gate_activity(model, x_test)
        if activity:
            report["highway_gate_activity"] = activity
            figures.append(plots.gates(activity, out / "gates.png"))
    report.update(extra or {})
    report["data_source"] = data.source
    report["plots"] = [f.name for f in figures]
    write_text(out / "metrics.json", json.dumps(report, indent=1))
    report["out"] = str(out)
    return report


def _predictor(model) -> Predict:
    if callable(getattr(model, "predict", None)) and hasattr(model, "layers"):
        return lambda x: np.asarray(model.predict(x, batch_size=1024, verbose=0))
    return model


def load_predictor(path: str | Path):
    """A Keras model for ``.keras``, or an onnxruntime predictor for ``.onnx``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} does not exist; train one with digits-train first")
    if path.suffix == ".onnx":
        from edge_infer.model import OnnxModel

        return OnnxModel(path).predict
    if path.suffix == ".keras":
        return load_keras(path)
    raise ValueError(f"{path} is neither a .keras nor an .onnx model file")


def load_keras(path: str | Path):
    """Load a ``.keras`` file, turning Keras' deep errors into one clear line."""
    import keras

    import edge_train.zoo  # noqa: F401  (registers the Highway layer for deserialisation)

    try:
        return keras.saving.load_model(path)
    except Exception as err:
        raise ValueError(f"{path} is not a loadable Keras model ({type(err).__name__}: {str(err)[:200]})") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="digits-evaluate", description=__doc__.splitlines()[0])
    add_version(parser)
    parser.add_argument("model", type=Path, help="a .keras or .onnx model")
    parser.add_argument("--out", type=Path, help="report folder (default: MODEL's folder/eval-MODELNAME)")
    parser.add_argument("--data", help="path to mnist.npz or a folder of IDX files")
    args = parser.parse_args(argv)
    def job():
        out = args.out or args.model.parent / f"eval-{args.model.stem}{args.model.suffix.replace('.', '-')}"
        report = write_report(load_predictor(args.model), load_mnist(args.data), out)
        print(f"{args.model}: test accuracy {report['accuracy']:.4%}, loss {report['loss']:.4f}, "
              f"macro F1 {report['macro_avg']['f1']:.4f} -> {out}")

    return run(job)


if __name__ == "__main__":
    raise SystemExit(main())
