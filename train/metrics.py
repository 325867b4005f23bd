"""Classification metrics from predicted probabilities, in plain numpy."""

from __future__ import annotations

import numpy as np

from edge_infer.contract import NUM_CLASSES


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int = NUM_CLASSES) -> np.ndarray:
    """(classes, classes) int64 counts; row = true class, column = predicted class."""
    return np.bincount(np.asarray(y_true, np.int64) * classes + np.asarray(y_pred, np.int64),
                       minlength=classes * classes).reshape(classes, classes)


def read_digits(probabilities: np.ndarray) -> np.ndarray:
    """The digit each row of (N, 10) or (N, 11) probabilities reads as: (N,) int64, the most likely of the ten
    digits, as ``DigitRecognizer.classify`` answers (a "non-digit" output, if any, is the 11th column)."""
    return np.asarray(probabilities)[:, :NUM_CLASSES].argmax(1)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(num.shape, np.float64), where=den > 0)


def report(y_true: np.ndarray, probabilities: np.ndarray) -> dict:
    """Accuracy, log loss, per-class precision/recall/F1, macro and weighted averages, confusion matrix.

    ``y_true`` is (N,) integers 0-9; ``probabilities`` is (N, 10) floats summing to 1 per row, or (N, 11)
    with a "non-digit" column, whose share of argmaxes is reported as ``non_digit_rate``.
    """
    y_true = np.asarray(y_true, np.int64)
    probabilities = np.asarray(probabilities, np.float64)
    cm = confusion_matrix(y_true, read_digits(probabilities), min(probabilities.shape[1], NUM_CLASSES))
    tp, support, predicted = np.diag(cm), cm.sum(1), cm.sum(0)
    precision, recall = _ratio(tp, predicted), _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    picked = probabilities[np.arange(len(y_true)), y_true]

    def averages(weights):
        return {name: float(np.average(v, weights=weights))
                for name, v in (("precision", precision), ("recall", recall), ("f1", f1))}

    return {
        "samples": int(len(y_true)),
        "accuracy": float(tp.sum() / max(len(y_true), 1)),
        "loss": float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0)))),
        "per_class": {str(c): {"precision": float(precision[c]), "recall": float(recall[c]), "f1": float(f1[c]),
                               "support": int(support[c])} for c in range(len(cm))},
        "macro_avg": averages(None),
        "weighted_avg": averages(support),
        "confusion_matrix": cm.tolist(),
        "non_digit_rate": float(np.mean(probabilities.argmax(1) == NUM_CLASSES)),
    }
