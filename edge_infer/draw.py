"""Draw recognition results and the app's status onto a frame (in place, BGR uint8).

Labels never overlap one another, a digit or the app's status banners (``banners``): each goes to
the first free spot around its box (above, below, right, left), else to the nearest free spot, with
a thin line to its box; number labels are placed first. Labels keep one readable size whatever the
size of the digit they name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from edge_infer.recognizer import Detection, Prediction

BOX = (40, 200, 40)  # BGR: digit boxes and labels
NUMBER = (200, 90, 20)  # BGR: number labels
TEXT = (255, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX
NUMBER_SCALE, DIGIT_SCALE = 0.7, 0.45  # font scales: readable at 640x480 for a digit of any size
KEYS = "q/Esc quit  space pause  s snapshot  d digit labels  t threshold view  +/- confidence"

Rect = tuple[int, int, int, int]  # x, y, w, h


def _height(scale: float) -> int:
    (_, h), base = cv2.getTextSize("0123456789", FONT, scale, 1)
    return h + base + 2


LABEL_HEIGHT = {scale: _height(scale) for scale in (NUMBER_SCALE, DIGIT_SCALE)}  # one height for every label of a size


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def place(size: tuple[int, int], box: Rect, shape: tuple[int, ...], taken: list[Rect]) -> Rect | None:
    """Where a label of ``size`` (w, h) for ``box`` goes in an image of ``shape``: of the spots just above,
    below, right and left of the box, then on a grid around it nearest first, the first that lies inside the
    image and overlaps no rectangle in ``taken``; None when there is none. The place is appended to ``taken``."""
    (w, h), (x, y, bw, bh) = size, box
    height, width = shape[:2]
    if w > width or h > height:
        return None
    near = [(x, y - h - 2), (x, y + bh + 2), (x + bw + 2, y), (x - w - 2, y)]
    for sx, sy in near:  # the usual case, cheaply
        rect = (sx, sy, w, h)
        if 0 <= sx <= width - w and 0 <= sy <= height - h and not any(_overlaps(rect, t) for t in taken):
            taken.append(rect)
            return rect
    dx, dy = np.meshgrid(np.arange(-width, width + 1, max(w // 2, 1)), np.arange(-height, height + 1, h + 2))
    grid = np.stack([x + dx.ravel(), y - h - 2 + dy.ravel()], 1)
    grid = grid[np.argsort(np.hypot(dx.ravel(), 2 * dy.ravel()), kind="stable")]  # near first, rows before columns
    spots = grid[(grid[:, 0] >= 0) & (grid[:, 1] >= 0) & (grid[:, 0] + w <= width) & (grid[:, 1] + h <= height)]
    if taken:
        t = np.array(taken)
        clash = ((spots[:, None, 0] < t[:, 0] + t[:, 2]) & (t[:, 0] < spots[:, None, 0] + w)
                 & (spots[:, None, 1] < t[:, 1] + t[:, 3]) & (t[:, 1] < spots[:, None, 1] + h)).any(1)
        spots = spots[~clash]
    if not len(spots):
        return None
    rect = (int(spots[0, 0]), int(spots[0, 1]), w, h)
    taken.append(rect)
    return rect


@dataclass(frozen=True)
class Label:
    """A label's ``text`` on a filled ``rect`` (x, y, w, h) of ``colour``, naming the thing at ``box``."""

    text: str
    rect: Rect
    box: Rect
    colour: tuple[int, int, int]
    scale: float


def layout(shape: tuple[int, ...], found: Sequence[Detection], numbers: Sequence = (),
           digit_labels: bool = True, keep_off: Sequence[Rect] = ()) -> list[Label]:
    """The labels for an image of ``shape``: each number's text (a ``Number`` or ``TrackedNumber``), then with
    ``digit_labels`` each digit's "digit confidence"; no label overlaps another, a digit's box or a rectangle
    (x, y, w, h) of ``keep_off`` (the status banners, say)."""
    taken: list[Rect] = [_rect(d.box) for d in found] + [_rect(r) for r in keep_off]  # labels keep off the digits
    wanted = [(n.text, _rect(n.box), NUMBER, NUMBER_SCALE) for n in numbers]
    if digit_labels:
        wanted += [(f"{d.digit} {d.confidence:.2f}", _rect(d.box), BOX, DIGIT_SCALE) for d in found]
    labels = []
    for text, box, colour, scale in wanted:
        rect = place((cv2.getTextSize(text, FONT, scale, 1)[0][0] + 4, LABEL_HEIGHT[scale]), box, shape, taken)
        if rect is not None:  # no room left anywhere: the label is left out rather than drawn over another
            labels.append(Label(text, rect, box, colour, scale))
    return labels


def detections(image: np.ndarray, found: Sequence[Detection], numbers: Sequence = (),
               digit_labels: bool = True, keep_off: Sequence[Rect] = ()) -> np.ndarray:
    """A box per digit and the labels of ``layout``; a label put away from its box has a line to it."""
    for d in found:
        x, y, w, h = d.box
        cv2.rectangle(image, (x, y), (x + w, y + h), BOX, 2)
    for label in layout(image.shape, found, numbers, digit_labels, keep_off):
        x, y, w, h = label.rect
        bx, by, bw, bh = label.box
        if not _overlaps((x - 3, y - 3, w + 6, h + 6), label.box):  # away from its box: say whose label it is
            centre = (x + w // 2, y + h // 2)
            cv2.line(image, centre, (min(max(centre[0], bx), bx + bw), min(max(centre[1], by), by + bh)),
                     label.colour, 1, cv2.LINE_AA)
        cv2.rectangle(image, (x, y), (x + w - 1, y + h - 1), label.colour, -1)
        base = cv2.getTextSize(label.text, FONT, label.scale, 1)[1]
        cv2.putText(image, label.text, (x + 2, y + h - base - 1), FONT, label.scale, TEXT, 1, cv2.LINE_AA)
    return image


def _rect(box) -> Rect:
    return tuple(int(v) for v in box)


def status(image: np.ndarray, fps: float, infer_ms: float, threshold: float, paused: bool = False,
           keys: str = KEYS) -> np.ndarray:
    """FPS, inference time and threshold at the top left; the key help along the bottom (see ``banners``)."""
    line = f"{fps:4.1f} FPS  recognize {infer_ms:5.1f} ms  min confidence {threshold:.2f}"
    for text, scale, (x, y, w, h) in _banners(image.shape, line + ("  PAUSED" if paused else ""), keys):
        cv2.rectangle(image, (x, y), (x + w - 1, y + h - 1), (30, 30, 30), -1)
        base = cv2.getTextSize(text, FONT, scale, 1)[1]
        cv2.putText(image, text, (x + 2, y + h - base - 2), FONT, scale, TEXT, 1, cv2.LINE_AA)
    return image


def banners(shape: tuple[int, ...], keys: str = KEYS) -> list[Rect]:
    """The rectangles (x, y, w, h) that ``status`` covers in an image of ``shape`` (as wide as the status line can
    get), for labels to keep off."""
    widest = f"{999.9:4.1f} FPS  recognize {9999.9:5.1f} ms  min confidence {0.99:.2f}  PAUSED"  # fast pad, slow photo
    return [rect for _, _, rect in _banners(shape, widest, keys)]


def _banners(shape: tuple[int, ...], line: str, keys: str) -> list[tuple[str, float, Rect]]:
    """(text, font scale, rectangle) of the status line at the top left and the key help at the bottom left."""
    out = []
    for text, scale, top in ((line, 0.5, True), (keys, 0.42, False)):
        (w, h), base = cv2.getTextSize(text, FONT, scale, 1)
        height = h + base + 3
        out.append((text, scale, (6, 4 if top else shape[0] - height - 5, w + 5, height)))
    return out


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
