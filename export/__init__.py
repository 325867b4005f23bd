"""Convert trained Keras models to verified, self-describing ONNX files, optionally int8.

    from export import export, to_onnx
"""

from export.convert import ExportError, describe, export, to_onnx
from export.verify import verify

__all__ = ["ExportError", "describe", "export", "to_onnx", "verify"]
