"""Order detections into lines and split lines into numbers: pure geometry on boxes (and on the cells of a row of
boxes that digits are written in)."""

from __future__ import annotations

import math
from typing import Callable, Iterable, Protocol, Sequence, TypeVar

Box = tuple[int, int, int, int]


class _Boxed(Protocol):
    box: Box


T = TypeVar("T", bound=_Boxed)

LEVEL = 0.3  # a box joins a line whose last box overlaps this share of the smaller one's height at least
GAP = 0.9  # digits closer than GAP x their height belong to one number
SIZE_RATIO = 1.8  # ... and no more than this ratio apart in height
RAISED = 0.75  # a box at most this tall for a line may be a power raised above it ...
POWER = 2  # ... in a line of at most this many boxes
CELL_WIDE = 1.5  # a box of a form at most this many times wider than tall holds one character ...
CELL_GAP = 0.5  # ... and the next box of its row is no further than this many of their heights, ...
CELL_LEVEL = 0.25  # ... and differs from it in height and top by no more than this share of the taller one's height


def union(boxes: Iterable[Box]) -> Box:
    """The smallest (x, y, w, h) box holding all ``boxes``."""
    boxes = list(boxes)
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def scaled(box: Box, factor: float) -> Box:
    """An (x, y, w, h) box in pixels ``factor`` times larger: the box holding every pixel the scaled box touches."""
    if factor == 1:
        return box
    x0, y0 = int(box[0] * factor), int(box[1] * factor)
    x1, y1 = math.ceil((box[0] + box[2]) * factor), math.ceil((box[1] + box[3]) * factor)
    return (x0, y0, x1 - x0, y1 - y0)


def box_list(box: Box, scale: float = 1) -> list[int]:
    """A box as JSON has it, [x, y, w, h] in ints, ``scaled`` by ``scale``."""
    return [int(v) for v in scaled(box, scale)]


def lines(items: Sequence[T], raised: bool = False) -> list[list[T]]:
    """Split boxes into text lines, top to bottom, each sorted left to right.

    Boxes are taken left to right; each joins the line whose last box (its right end so far)
    overlaps it most in height, by at least LEVEL of the smaller one's height. A line may so slope
    or bend, and a tall glyph cannot draw in the writing above and below the rest of its line.
    Then, with ``raised``, a line of up to POWER boxes RAISED small for the line below it, sitting just
    above that line or on its upper half, right of its start and at most half its height past its
    end, joins it in reading order: a power (which is still a number of its own: ``runs`` splits
    lines at changes of size).
    """
    rows: list[list[T]] = []
    ends: list[tuple[int, int]] = []  # top and bottom of each row's last box
    for item in sorted(items, key=lambda d: d.box[0]):
        _, y, _, h = item.box
        best, most = -1, 0.0
        for index, (top, bottom) in enumerate(ends):
            overlap = (min(bottom, y + h) - max(top, y)) / max(min(h, bottom - top), 1)
            if overlap >= LEVEL and overlap > most:
                best, most = index, overlap
        if best < 0:
            rows.append([item])
            ends.append((y, y + h))
        else:
            rows[best].append(item)
            ends[best] = (y, y + h)
    rows.sort(key=lambda row: min(d.box[1] + d.box[3] / 2 for d in row))
    spans = [[x, y, x + w, y + h] for x, y, w, h in (union(d.box for d in row) for row in rows)]  # left, top,
    # right and bottom
    for i in reversed(range(len(rows)) if raised else ()):  # the lowest first: a line takes every one above it
        left, top, right, bottom = spans[i]
        for j, (l2, t2, r2, b2) in enumerate(spans):
            tall = b2 - t2
            if j != i and len(rows[i]) <= POWER and bottom - top <= RAISED * tall \
                    and t2 - 0.3 * tall <= bottom <= t2 + 0.5 * tall and l2 < left <= r2 + 0.5 * tall:
                rows[j] += rows[i]
                spans[j] = [min(left, l2), min(top, t2), max(right, r2), max(bottom, b2)]
                del rows[i], spans[i]
                break
    return [sorted(row, key=lambda d: d.box[0]) for row in rows]


def runs(line: Sequence[T], gap: float = GAP) -> list[list[T]]:
    """Split one left-to-right line into runs of neighbouring, similarly sized boxes: closer than ``gap`` times
    the taller one's height, or written in neighbouring cells of one row of boxes (``next_cells``)."""
    out: list[list[T]] = []
    for item in line:
        if out:
            last = out[-1][-1]
            space = item.box[0] - (last.box[0] + last.box[2])
            tall = max(item.box[3], last.box[3])
            near = space <= gap * tall or next_cells(getattr(last, "cell", None), getattr(item, "cell", None))
            if near and tall <= SIZE_RATIO * min(item.box[3], last.box[3]):
                out[-1].append(item)
                continue
        out.append([item])
    return out


def next_cells(a: Box | None, b: Box | None) -> bool:
    """Whether cell ``b`` is the next one right of cell ``a`` (each (x, y, w, h), or None) in a row of boxes that each
    hold one character (no wider than CELL_WIDE times their height), so that what is written in them is one field,
    as a date in eight boxes: about as tall, level (CELL_LEVEL), and apart by no more than a wall (CELL_GAP)."""
    if a is None or b is None or a == b:
        return False
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    tall = max(ah, bh)
    return aw <= CELL_WIDE * ah and bw <= CELL_WIDE * bh and abs(ah - bh) <= CELL_LEVEL * tall \
        and abs(ay - by) <= CELL_LEVEL * tall and 0 <= bx - (ax + aw) <= CELL_GAP * tall


def intersection(a: Box, b: Box) -> float:
    """The area two (x, y, w, h) boxes share (0 when they do not meet)."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return iw * ih if iw > 0 and ih > 0 else 0


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    inter = intersection(a, b)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter) if inter else 0.0


def match(truth: list[Box], found: list[Box], threshold: float = 0.5,
          score: Callable[[Box, Box], float] | None = None) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of boxes by ``score`` (default: IoU) >= threshold; returns (truth index, found
    index) pairs."""
    score = score or iou
    pairs = sorted(((value, i, j) for i, t in enumerate(truth) for j, f in enumerate(found)
                    if (value := score(t, f)) >= threshold), reverse=True)
    used_t, used_f, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            out.append((i, j))
    return out
