"""Split a region that holds touching digits into one region per digit, letting the classifier choose the cuts.

Recognition-driven segmentation: the columns where the ink is thinnest are candidate cuts;
every piece between two cuts is read by the model; dynamic programming finds the sequence
of pieces whose digits are most probable together, and the region is split only if that
beats reading it whole and every part is a clear digit, as tall as digits written together
are. A model that knows "non-digit" gives a touching pair a low digit probability, so a pair
is never read confidently as one digit.

    glyphs = split([(region, probabilities), ...], read)   # read: float32 (N, 28, 28) -> (N, 10) digit probabilities
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from edge_infer.crop import fit_mnist
from edge_infer.segment import Region

WIDE = 0.9  # a region wider than this for its height may hold more than one digit (a pair rarely is narrower)
SURE = 0.9  # a region read as one digit this surely is not split; every part of a split must be read this surely

MAX_CUTS = 8  # candidate cuts per region: the thinnest columns
NARROWEST, WIDEST = 0.12, 1.4  # a piece's width, as a fraction of the region's height, for one digit (1 in 80
# MNIST digits is wider than 1.4 x its height, 1 in 13 wider than 1.1)
SHORTEST = 0.7  # a piece's ink less tall than this share of the region's is a stroke, not a digit: digits written
# together share their height (a tick's short arm is about 0.6 of it)

Reader = Callable[[np.ndarray], np.ndarray]


def worth_splitting(region: Region, best: float) -> bool:
    """Whether ``region`` (read whole as a digit with probability ``best``) may be touching digits."""
    height, width = region.ink.shape
    return width > WIDE * height and best < SURE


def cuts(ink: np.ndarray) -> list[int]:
    """Candidate cut columns of a region's ink map (float32 (h, w)): local minima of the column ink, thinnest first,
    at least NARROWEST x h from either side and from each other."""
    height, width = ink.shape
    profile = cv2.GaussianBlur(ink.sum(0, dtype=np.float32)[None, :], (0, 0), max(height / 40, 0.8))[0]
    margin = max(int(NARROWEST * height), 1)
    inside = np.arange(margin, width - margin)
    if len(inside) == 0:
        return []
    left, here, right = profile[inside - 1], profile[inside], profile[inside + 1]
    minima = inside[(here <= left) & (here <= right)]
    chosen: list[int] = []
    for x in minima[np.argsort(profile[minima], kind="stable")]:
        if all(abs(int(x) - c) >= margin for c in chosen):
            chosen.append(int(x))
        if len(chosen) == MAX_CUTS:
            break
    return sorted(chosen)


def split(found: list[tuple[Region, np.ndarray]], read: Reader) -> list[tuple[Region, np.ndarray]]:
    """Each region with its (10,) digit probabilities -> the same, with touching digits split into one region each.

    ``read`` maps float32 (N, 28, 28) crops to float32 (N, 10) digit probabilities. As every part
    of a split must be a clear digit, a region's pieces are read left to right: first those
    from its left edge, then those from where a clear digit ended, and so on, with the pieces
    of all regions in one batch per step; the best sequence of clear digits is chosen (see
    the module's doc). Boxes of the parts are in frame pixels, like the regions'.
    """
    plans = {i: _Plan(region) for i, (region, p) in enumerate(found) if worth_splitting(region, float(p.max()))}
    while todo := [(plan, span) for plan in plans.values() for span in plan.next_spans()]:
        probabilities = read(np.stack([fit_mnist(plan.pieces[span][2]) for plan, span in todo]))
        for (plan, span), p in zip(todo, probabilities):
            plan.take(span, p)
    out = []
    for i, (region, probabilities) in enumerate(found):
        parts = plans[i].best(float(probabilities.max())) if i in plans else None
        out.extend(parts or [(region, probabilities)])
    return out


class _Plan:
    """The candidate pieces of one region, and those read so far."""

    def __init__(self, region: Region):
        self.region = region
        height, width = region.ink.shape
        self.edges = [0, *cuts(region.ink), width]
        self.spans = [(i, j) for i in range(len(self.edges)) for j in range(i + 1, len(self.edges))
                      if NARROWEST * height <= self.edges[j] - self.edges[i] <= WIDEST * height]
        self.pieces: dict[tuple[int, int], tuple[int, int, np.ndarray] | None] = {}  # cut out when first needed
        self.read: dict[tuple[int, int], np.ndarray] = {}
        self.starts = {0}  # the left edge, and where each clear digit read so far ends
        self.inked = np.concatenate([np.zeros((height, 1), np.int32), np.cumsum(region.ink > 0, 1, np.int32)], 1)

    def take(self, span: tuple[int, int], probabilities: np.ndarray) -> None:
        """Note the piece ``span`` read as (10,) ``probabilities``."""
        self.read[span] = probabilities
        if self._clear(span):
            self.starts.add(span[1])

    def next_spans(self) -> list[tuple[int, int]]:
        """The pieces not yet read that start at the left edge or where a clear digit ends, and whose ink is tall
        enough (SHORTEST) for a clear digit: no reading of a shorter one could count."""
        todo = [span for span in self.spans if span[0] in self.starts and span not in self.pieces]
        for i, j in todo:
            self.pieces[(i, j)] = self._piece(self.edges[i], self.edges[j])
        least = SHORTEST * self.region.ink.shape[0]
        return [span for span in todo if self.pieces[span] is not None
                and self.pieces[span][1] - self.pieces[span][0] >= least]

    def _piece(self, start: int, stop: int) -> tuple[int, int, np.ndarray] | None:
        """The ink between columns ``start`` and ``stop``, cropped to its rows: (top, bottom, ink) or None if empty
        (the rows with ink there come from the count of inked pixels left of each column, row by row)."""
        rows = np.flatnonzero(self.inked[:, stop] > self.inked[:, start])
        if len(rows) == 0:
            return None
        return int(rows[0]), int(rows[-1]) + 1, self.region.ink[rows[0]:rows[-1] + 1, start:stop]

    def _clear(self, span: tuple[int, int]) -> bool:
        """Whether the piece ``span``, read, is a clear digit: read SURE (``next_spans`` reads only pieces SHORTEST
        of the region tall at least)."""
        return self.read[span].max() >= SURE

    def best(self, whole: float) -> list[tuple[Region, np.ndarray]] | None:
        """The most probable sequence of clear-digit pieces, if there is one and it beats the region read whole."""
        score = {span: np.log(float(p.max())) for span, p in self.read.items() if self._clear(span)}
        ends = len(self.edges)
        total = [0.0] + [-np.inf] * (ends - 1)  # total[j]: best log probability of columns 0..edges[j] as digits
        came = [-1] * ends
        for j in range(1, ends):
            for i in range(j):
                if (i, j) in score and total[i] + score[(i, j)] > total[j]:
                    total[j], came[j] = total[i] + score[(i, j)], i
        if came[-1] <= 0 or total[-1] <= np.log(max(whole, 1e-6)):
            return None  # no way through clear digits (a word has none), the whole region, or the whole reads better
        path, j = [], ends - 1
        while j > 0:
            path.append((came[j], j))
            j = came[j]
        return [(_part(self.region, self.edges[i], self.pieces[(i, j)]), self.read[(i, j)]) for i, j in reversed(path)]


def _part(region: Region, start: int, piece: tuple[int, int, np.ndarray]) -> Region:
    """A piece of ``region`` as a region of its own, its box in frame pixels."""
    top, bottom, ink = piece
    x, y, w, h = region.box
    sx, sy = w / region.ink.shape[1], h / region.ink.shape[0]
    cols = np.nonzero(ink.max(0) > 0)[0]
    left, right = start + int(cols[0]), start + int(cols[-1]) + 1
    box = (x + int(left * sx), y + int(top * sy),
           max(1, round((right - left) * sx)), max(1, round((bottom - top) * sy)))
    return Region(box, ink[:, cols[0]:cols[-1] + 1], region.cell)
