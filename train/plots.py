"""PNG plots of a training run, drawn with matplotlib's non-interactive backend."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from edge_infer.files import atomic_path  # noqa: E402


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def curves(history: dict[str, list[float]], path: Path) -> Path:
    """Loss and accuracy per epoch, training against validation."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for prefix, label in (("", "training"), ("val_", "validation")):
            if prefix + metric in history:
                values = history[prefix + metric]
                ax.plot(range(1, len(values) + 1), values, marker=".", label=label)
        ax.set(xlabel="epoch", ylabel=metric, title=metric)
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)


def confusion(matrix: list[list[int]], path: Path) -> Path:
    """The confusion matrix with counts; rows are true digits, columns predicted."""
    cm = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(6, 5.4))
    ax.imshow(np.log1p(cm), cmap="Blues")
    for (i, j), n in np.ndenumerate(cm):
        ax.text(j, i, str(n), ha="center", va="center", fontsize=7, color="white" if i == j else "black")
    ax.set(xticks=range(len(cm)), yticks=range(len(cm)), xlabel="predicted", ylabel="true", title="confusion matrix")
    return _save(fig, path)


def misclassified(images: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, path: Path, limit: int = 64) -> Path:
    """A grid of up to ``limit`` wrongly read test digits, titled true -> predicted."""
    wrong = np.flatnonzero(y_true != y_pred)[:limit]
    cols = 8
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.25), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[i].reshape(images.shape[1], images.shape[2]), cmap="gray")
        ax.set_title(f"{y_true[i]} -> {y_pred[i]}", fontsize=8, color="crimson")
    fig.suptitle(f"{len(np.flatnonzero(y_true != y_pred))} misclassified (true -> predicted)", fontsize=9)
    return _save(fig, path)


def gates(activity: list[float], path: Path) -> Path:
    """Mean transform-gate activity T(x) per highway layer; near 0 means the layer mostly carries its input."""
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(range(1, len(activity) + 1), activity, color="teal")
    ax.set(xlabel="highway layer", ylabel="mean T(x)", ylim=(0, 1), title="highway gate activity (test set)")
    return _save(fig, path)
