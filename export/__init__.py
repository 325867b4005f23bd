"""Convert trained Keras models to verified, self-describing ONNX files, optionally int8.

    from edge_export import export, to_onnx

The names are imported on first use, so the package (and ``digits-export``'s entry point) can be
imported where the train extra is not installed.
"""

from importlib import import_module

_LAZY = {"ExportError": "edge_export.convert", "describe": "edge_export.convert", "export": "edge_export.convert",
         "to_onnx": "edge_export.convert", "verify": "edge_export.verify"}
__all__ = list(_LAZY)


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'edge_export' has no attribute {name!r}")
    return getattr(import_module(_LAZY[name]), name)
