"""Train and evaluate the edge-digits Keras models on real MNIST.

    from edge_train import load_mnist, build_model, list_models, train, evaluate

``edge_train.data`` needs only numpy, so loading MNIST never imports TensorFlow; the names
that do are imported on first use.
"""

from importlib import import_module

from edge_train.data import DataError, Mnist, load_mnist

_LAZY = {"train": "edge_train.fit", "evaluate": "edge_train.evaluate", "build_model": "edge_train.zoo",
         "list_models": "edge_train.zoo", "gate_activity": "edge_train.zoo", "Highway": "edge_train.zoo"}
__all__ = ["DataError", "Mnist", "load_mnist", *_LAZY]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'edge_train' has no attribute {name!r}")
    module = import_module(_LAZY[name])
    return getattr(module, "write_report" if name == "evaluate" else name)
