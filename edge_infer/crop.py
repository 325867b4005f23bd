"""Turn an arbitrary digit image into the 28x28 crop the model expects, the way MNIST was made.

MNIST fitted each digit's ink into 20x20 keeping its aspect ratio, then placed it in a
28x28 field so that its centre of mass sits at the centre. Camera crops get the same
treatment, plus a stretch of contrast so that their strokes saturate like MNIST's.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge_infer.contract import FIT_SIZE, INPUT_SIZE
from edge_infer.errors import InputError

FAINTEST = 0.03  # of full contrast (8 grey levels): ink fainter than this over the background is noise, not a digit


def as_gray(image, what: str = "image") -> np.ndarray:
    """Validate ``image`` and return it as float32 (H, W) grey in [0, 1].

    Accepts (H, W), (H, W, 1), (H, W, 3) BGR or (H, W, 4) BGRA arrays, uint8 (0-255),
    uint16 (0-65535), or float in [0, 1] (a float image whose maximum exceeds 1 is read
    as 0-255). Anything else raises InputError.
    """
    if image is None:
        raise InputError(f"{what} is None; pass a numpy array such as cv2.imread() returns (check the file path)")
    if not isinstance(image, np.ndarray):
        raise InputError(f"{what} must be a numpy array, got {type(image).__name__}")
    if image.ndim == 3 and image.shape[2] in (1, 3, 4):
        channels = image.shape[2]
    elif image.ndim == 2:
        channels = 0
    else:
        raise InputError(f"{what} has shape {image.shape}; expected (H, W) grey, (H, W, 3) BGR or (H, W, 4) BGRA")
    if image.shape[0] < 2 or image.shape[1] < 2:
        raise InputError(f"{what} is {image.shape[0]}x{image.shape[1]} pixels; it needs at least 2x2")
    kind = image.dtype.kind
    if image.dtype == np.uint8:
        gray = image.astype(np.float32) * (1 / 255)
    elif image.dtype == np.uint16:
        gray = image.astype(np.float32) * (1 / 65535)
    elif kind == "f":  # checked before the cast, so huge float64 values cannot overflow float32
        if not np.isfinite(image).all():
            raise InputError(f"{what} contains NaN or infinite values; clean it before recognition")
        if image.min() < 0:
            raise InputError(f"{what} has negative values; expected floats in [0, 1] or 0-255")
        peak = float(image.max())
        if peak > 255:
            raise InputError(f"{what} has float values above 255; expected [0, 1] or 0-255")
        gray = image.astype(np.float32) * (1 / 255 if peak > 1.0 else 1.0)
    elif kind in "iu":
        if image.min() < 0 or image.max() > 255:
            raise InputError(f"{what} is {image.dtype} with values outside 0-255; convert it to uint8")
        gray = image.astype(np.float32) * (1 / 255)
    else:
        raise InputError(f"{what} has dtype {image.dtype}; expected uint8, uint16 or float")
    if channels == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    elif channels == 4:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGRA2GRAY)
    elif channels == 1:
        gray = gray[:, :, 0]
    return np.ascontiguousarray(gray)


def as_gray8(image, what: str = "frame") -> np.ndarray:
    """Validate ``image`` like ``as_gray`` and return uint8 (H, W) grey, 0-255.

    A uint8 frame, the usual camera output, is converted without a detour through floats.
    """
    if isinstance(image, np.ndarray) and image.dtype == np.uint8 and min(image.shape[:2], default=0) >= 2:
        if image.ndim == 2:
            return np.ascontiguousarray(image)
        if image.ndim == 3 and image.shape[2] in (3, 4):
            return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    return (as_gray(image, what) * 255 + 0.5).astype(np.uint8)


def ink_of(gray: np.ndarray) -> np.ndarray:
    """Ink map of a single-digit image of either polarity: float32 (H, W), 1 = darkest ink, 0 = background.

    The background is whatever fills the border; ink pulls the mean of the inside away
    from it, so an inside darker than the border means dark ink on light paper. The
    border's own spread (3 median absolute deviations) is taken off as noise, so only ink
    is left above 0: a clean MNIST image keeps every grey level it has. Ink fainter than FAINTEST is none.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    noise = 3.0 * float(np.median(np.abs(border - background)))
    ink = background - gray if float(gray.mean()) < background else gray - background
    ink = ink - noise
    peak = float(ink.max())
    return np.maximum(ink * (1.0 / peak), 0.0) if peak >= FAINTEST else np.zeros_like(gray)


def fit_mnist(ink: np.ndarray) -> np.ndarray:
    """Fit an ink map (float32 (H, W), larger = more ink, 0 = none) into MNIST's frame: float32 (28, 28) in [0, 1].

    MNIST's own recipe: the box around all the ink is scaled to fit 20x20 keeping its aspect
    ratio, then placed in 28x28 with its centre of mass on the centre, moved by whole pixels
    (a sub-pixel move would blur it). Contrast is stretched so the darkest stroke is 1, as
    MNIST's strokes saturate. An MNIST image goes through unchanged; an image with no ink
    gives zeros.
    """
    out = np.zeros((INPUT_SIZE, INPUT_SIZE), np.float32)
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 1e-6:
        return out
    x, y, width, height = cv2.boundingRect((ink > 0).astype(np.uint8))
    scale = FIT_SIZE / max(height, width)
    small = np.asarray(ink[y:y + height, x:x + width], np.float32)
    if scale != 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(small, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    small = small * (1.0 / max(float(small.max()), 1e-6))  # downscaling greys out thin strokes; MNIST's saturate
    rows, cols = small.shape
    mass = float(small.sum())  # not cv2.moments: it takes an (N, 2) array for N points, not an image 2 px wide
    if mass <= 0:  # specks that resizing averaged away: no ink left
        return out
    left = round(INPUT_SIZE / 2 - float(small.sum(0) @ np.arange(cols, dtype=np.float32)) / mass)
    top = round(INPUT_SIZE / 2 - float(small.sum(1) @ np.arange(rows, dtype=np.float32)) / mass)
    x0, y0, x1, y1 = max(left, 0), max(top, 0), min(left + cols, INPUT_SIZE), min(top + rows, INPUT_SIZE)
    out[y0:y1, x0:x1] = small[y0 - top:y1 - top, x0 - left:x1 - left]
    return out


def normalize(image, what: str = "image") -> np.ndarray:
    """Any single-digit image (any size, grey/BGR/BGRA, either polarity) -> float32 (28, 28) in [0, 1], MNIST style."""
    return fit_mnist(ink_of(as_gray(image, what)))
