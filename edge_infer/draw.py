"""Draw recognition results and the app's status onto a frame (in place, BGR uint8)."""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from edge_infer.recognizer import Detection, Number, Prediction

BOX = (40, 200, 40)  # BGR: digit boxes
NUMBER = (200, 90, 20)  # BGR: number labels
TEXT = (255, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
KEYS = "q/Esc quit  space pause  s snapshot  t threshold view  +/- confidence"


def _label(image: np.ndarray, text: str, origin: tuple[int, int], colour, scale: float = 0.5) -> None:
    """Text on a filled box, so it stays legible on any background."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, 1)
    x, y = max(origin[0], 0), max(origin[1], h + base + 2)
    cv2.rectangle(image, (x, y - h - base - 2), (x + w + 4, y), colour, -1)
    cv2.putText(image, text, (x + 2, y - base), FONT, scale, TEXT, 1, cv2.LINE_AA)


def detections(image: np.ndarray, found: Sequence[Detection], numbers: Sequence[Number] = ()) -> np.ndarray:
    """A box per digit labelled "digit confidence", and each number's text above its box."""
    for d in found:
        x, y, w, h = d.box
        cv2.rectangle(image, (x, y), (x + w, y + h), BOX, 2)
        _label(image, f"{d.digit} {d.confidence:.2f}", (x, y + h + 18), BOX, 0.45)
    for n in numbers:
        x, y, _, _ = n.box
        _label(image, n.text, (x, y - 4), NUMBER, 0.7)
    return image


def status(image: np.ndarray, fps: float, infer_ms: float, threshold: float, paused: bool = False,
           keys: str = KEYS) -> np.ndarray:
    """FPS, inference time and threshold at the top left; the key help along the bottom."""
    line = f"{fps:4.1f} FPS  recognize {infer_ms:5.1f} ms  min confidence {threshold:.2f}"
    _label(image, line + ("  PAUSED" if paused else ""), (6, 4), (30, 30, 30))
    _label(image, keys, (6, image.shape[0] - 6), (30, 30, 30), 0.42)
    return image


def top3(image: np.ndarray, prediction: Prediction, origin: tuple[int, int] = (10, 40)) -> np.ndarray:
    """The three most probable digits as horizontal bars."""
    x, y = origin
    for rank, (digit, p) in enumerate(prediction.top(3)):
        top = y + rank * 26
        cv2.rectangle(image, (x + 24, top), (x + 24 + int(160 * p), top + 18), NUMBER, -1)
        cv2.rectangle(image, (x + 24, top), (x + 184, top + 18), (90, 90, 90), 1)
        cv2.putText(image, str(digit), (x, top + 15), FONT, 0.6, (0, 0, 0), 2, cv2.LINE_AA)
        cv2.putText(image, f"{p:.1%}", (x + 192, top + 15), FONT, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return image
