"""Find candidate digit regions in a camera frame: frame -> ink map -> mask -> regions.

Each step is a small function so it can be inspected on its own:

1. ``ink_map``: ink darkness relative to the local paper, which cancels uneven light and shadow;
2. ``remove_rules``: subtract ruled and squared paper lines that run across the page;
3. ``ink_mask``: a low threshold that keeps faint strokes;
4. ``regions``: connected components with some clearly dark ink (hysteresis), strokes of
   one digit merged, specks and lines dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge_infer.group import union

WEAK, STRONG = 0.13, 0.26  # ink-map levels: a region grows over WEAK pixels but needs STRONG ones to exist
FAINT = 0.07  # paper lines are traced at this level, where they are unbroken
MIN_HEIGHT = 10  # pixels; the smallest digits we aim at are about 15 px tall
RULE_SHRINK = 4  # paper lines are searched on a copy this many times shorter along them
RULE_SPAN = 0.55  # a straight stroke spanning this fraction of the frame is a paper line, not a digit
_BACKGROUND = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13))  # on a quarter-size copy: wider than strokes


def _level(fraction: float) -> int:
    """An ink-map fraction as a uint8 level (ink maps are uint8, 255 = black ink on white paper)."""
    return round(fraction * 255)


@dataclass(frozen=True)
class Region:
    """A candidate digit: ``box`` (x, y, w, h) in frame pixels and its ``ink`` map, float32 (h, w) in [0, 1]."""

    box: tuple[int, int, int, int]
    ink: np.ndarray


def ink_map(gray: np.ndarray, dark_ink: bool = True) -> np.ndarray:
    """uint8 (H, W) grey -> uint8 (H, W) ink, 0 = paper, 255 = ink as dark as black on white.

    The paper's brightness is estimated on a quarter-size copy by a maximum filter wider
    than any pen stroke (a minimum filter for light ink), which erases the ink and keeps
    the lighting; dividing by it flattens gradients and shadows. All in uint8, where
    OpenCV is fastest.
    """
    gray = cv2.GaussianBlur(gray, (3, 3), 0)
    small = cv2.resize(gray, (max(gray.shape[1] // 4, 1), max(gray.shape[0] // 4, 1)), interpolation=cv2.INTER_AREA)
    paper = cv2.dilate(small, _BACKGROUND) if dark_ink else cv2.erode(small, _BACKGROUND)
    paper = cv2.resize(cv2.GaussianBlur(paper, (0, 0), 2.0), (gray.shape[1], gray.shape[0]),
                       interpolation=cv2.INTER_LINEAR)
    if dark_ink:  # (paper - grey) / paper
        return cv2.divide(cv2.subtract(paper, gray), cv2.max(paper, 1), scale=255)
    return cv2.divide(cv2.subtract(gray, paper), cv2.max(cv2.subtract(255, paper), 1), scale=255)


def ink_mask(ink: np.ndarray, level: float = WEAK) -> np.ndarray:
    """uint8 (H, W) mask (255 = ink) of ink-map pixels above ``level`` (a fraction of full ink)."""
    return cv2.threshold(ink, _level(level), 255, cv2.THRESH_BINARY)[1]


def remove_rules(ink: np.ndarray) -> np.ndarray:
    """Subtract long, faint, nearly horizontal or vertical lines (ruled or squared paper) from an ink map.

    Working on grey levels rather than a mask keeps the strokes that cross a line: a stroke
    is much darker than a paper line, so it survives the subtraction. Lines are searched on
    a copy that keeps every RULE_SHRINK-th pixel along their direction (a line is there in
    every one, and the long opening gets cheap), with a smear across it so a slightly
    tilted line still passes; only openings whose outline spans RULE_SPAN of the frame
    count as lines, which no digit does. The amount subtracted is capped at the lines'
    typical darkness, so a thick stroke lying on a line keeps most of its ink.
    """
    height, width = ink.shape
    lines = None
    for horizontal in (True, False):
        along = width if horizontal else height
        short = max(along // RULE_SHRINK, 1)
        across = (1, 5) if horizontal else (5, 1)  # kernel sizes are (width, height)
        run = (max(short // 10, 4), 1) if horizontal else (1, max(short // 10, 4))
        shrunk = cv2.resize(ink, (short, height) if horizontal else (width, short), interpolation=cv2.INTER_NEAREST)
        smeared = cv2.dilate(shrunk, cv2.getStructuringElement(cv2.MORPH_RECT, across))
        response = cv2.morphologyEx(smeared, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, run))
        traced = ink_mask(response, FAINT)
        contours, _ = cv2.findContours(traced, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        extent = 2 if horizontal else 3  # index of width or height in a bounding rect
        lines_here = [c for c in contours if cv2.boundingRect(c)[extent] >= RULE_SPAN * short]
        if not lines_here:
            continue
        on_line = cv2.drawContours(np.zeros_like(traced), lines_here, -1, 255, cv2.FILLED)
        on_line = cv2.bitwise_and(on_line, traced)
        level = int(np.median(response[on_line > 0]))
        found = cv2.resize(cv2.bitwise_and(cv2.min(response, level), on_line), (width, height),
                           interpolation=cv2.INTER_NEAREST)
        lines = found if lines is None else cv2.max(lines, found)
    return ink if lines is None else cv2.subtract(ink, lines)


def regions(ink: np.ndarray, mask: np.ndarray, min_height: int = MIN_HEIGHT) -> list[Region]:
    """Connected components of ``mask`` that hold some STRONG ink, with the pieces of one digit merged.

    The STRONG test is hysteresis: faint specks and grain never make a region, while the
    faint edges of a real stroke stay attached to it. A digit written in two strokes (a 4,
    5 or 7) comes apart into pieces stacked in one column; pieces whose boxes overlap
    mostly in x and touch in y are merged. Regions too small, too flat or too long to be a
    digit are dropped.
    """
    labels, ids, boxes = _seeded_pieces(ink, mask)
    height, width = mask.shape
    found = []
    for members in _merge_pieces(boxes):
        x0, y0, w, h = union(boxes[m] for m in members)
        x1, y1 = x0 + w, y0 + h
        if h < min_height or h > 0.9 * height or w > 2.0 * h or w > 0.6 * width:
            continue
        own = np.isin(labels[y0:y1, x0:x1], [ids[m] for m in members])
        area = int(np.count_nonzero(own))
        if area < 0.04 * w * h or (area > 0.85 * w * h and w > 0.5 * h):  # a hairline or a solid blob
            continue
        found.append(Region((x0, y0, w, h), np.where(own, ink[y0:y1, x0:x1] * np.float32(1 / 255), np.float32(0))))
    return found


def _seeded_pieces(ink: np.ndarray, mask: np.ndarray):
    """Label the mask's 8-connected components; return (labels, ids, boxes) of those with STRONG ink.

    Boxes come from the components' outer contours rather than OpenCV's labelling with
    statistics, which costs four times a plain labelling on a full frame.
    """
    count, labels = cv2.connectedComponentsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    seeded = np.zeros(count, bool)
    seeded[labels[ink > _level(STRONG)]] = True
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    ids, boxes = [], []
    for contour, (_, _, _, parent) in zip(contours, hierarchy[0] if hierarchy is not None else []):
        x, y = contour[0, 0]
        label = labels[y, x]
        if parent == -1 and seeded[label]:  # an outer boundary (not a hole's) of a seeded component
            box = cv2.boundingRect(contour)
            if box[2] * box[3] >= 6:
                ids.append(int(label))
                boxes.append(box)
    return labels, ids, boxes


def _merge_pieces(boxes: list[tuple[int, int, int, int]]) -> list[list[int]]:
    """Union-find over boxes: merge pairs that overlap mostly in x and are close in y."""
    parent = list(range(len(boxes)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    for a_pos, a in enumerate(order):
        ax, ay, aw, ah = boxes[a]
        for b in order[a_pos + 1:]:
            bx, by, bw, bh = boxes[b]
            if bx >= ax + aw:
                break  # sorted by x: no later box overlaps a in x
            overlap_x = min(ax + aw, bx + bw) - bx
            gap_y = max(ay, by) - min(ay + ah, by + bh)
            tall = max(ah, bh)
            small = min(max(aw, ah), max(bw, bh))  # the smaller piece's size
            if overlap_x >= 0.5 * min(aw, bw) and gap_y <= min(0.2 * tall, 0.5 * small):
                parent[root(b)] = root(a)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def ink_and_mask(gray: np.ndarray, dark_ink: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (H, W) grey -> (uint8 ink map without paper lines, uint8 mask of ink above WEAK)."""
    ink = remove_rules(ink_map(gray, dark_ink))
    return ink, ink_mask(ink)


def segment(gray: np.ndarray, dark_ink: bool = True, min_height: int = MIN_HEIGHT) -> list[Region]:
    """uint8 (H, W) grey -> candidate digit regions, in no particular order."""
    return regions(*ink_and_mask(gray, dark_ink), min_height)
