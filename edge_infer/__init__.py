"""edge_infer: find and read handwritten digits in camera frames on a CPU, with onnxruntime and OpenCV.

    from edge_infer import DigitRecognizer, read_image
    rec = DigitRecognizer()                  # the shipped model
    rec.read_numbers(read_image("page.jpg"))  # or any BGR/grey numpy frame

It never imports TensorFlow.
"""

from importlib.metadata import PackageNotFoundError, version as _version

from edge_infer.errors import DigitsError, InputError, ModelError, SourceError
from edge_infer.capture import read_image
from edge_infer.crop import normalize
from edge_infer.recognizer import Detection, DigitRecognizer, Number, Prediction

try:
    __version__ = _version("edge-digits")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["Detection", "DigitRecognizer", "DigitsError", "InputError", "ModelError", "Number", "Prediction",
           "SourceError", "__version__", "normalize", "read_image"]
