"""edge_infer: find and read handwritten digits in camera frames on a CPU, with onnxruntime and OpenCV.

    from edge_infer import DigitRecognizer
    rec = DigitRecognizer()                  # the shipped model
    rec.read_numbers(cv2.imread("page.jpg"))

It never imports TensorFlow.
"""

from edge_infer.errors import DigitsError, InputError, ModelError, SourceError
from edge_infer.crop import normalize
from edge_infer.recognizer import Detection, DigitRecognizer, Number, Prediction

__all__ = ["Detection", "DigitRecognizer", "DigitsError", "InputError", "ModelError", "Number", "Prediction",
           "SourceError", "normalize"]
