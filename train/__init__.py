"""Train and evaluate the edge-digits Keras models on real MNIST.

    from train import load_mnist, build_model, list_models, train, evaluate

``train.data`` needs only numpy, so loading MNIST never imports TensorFlow; the names
that do are imported on first use.
"""

from importlib import import_module

from train.data import DataError, Mnist, load_mnist

_LAZY = {"train": "train.fit", "evaluate": "train.evaluate", "build_model": "train.zoo", "list_models": "train.zoo",
         "gate_activity": "train.zoo", "Highway": "train.zoo"}
__all__ = ["DataError", "Mnist", "load_mnist", *_LAZY]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'train' has no attribute {name!r}")
    module = import_module(_LAZY[name])
    return getattr(module, "write_report" if name == "evaluate" else name)
