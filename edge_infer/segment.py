"""Find candidate digit regions in a photo or scan: frame -> working scale -> ink map -> lines out -> regions.

Each step is a small function so it can be inspected on its own (``layers`` runs 1-4):

1. ``glyph_height`` and ``shrink``: the frame is read on a copy ANALYSIS_SIDE px long, or on
   a larger one (up to MAX_SIDE, never enlarged) if its glyphs are too small there to read
   well: one that brings them to TARGET_HEIGHT px. Photos of any size read alike;
2. ``ink_map``: ink darkness relative to the local paper, which cancels uneven light and shadow;
   a form's shaded field, once the glyph height is known, is paper of its own. Unless told, the
   ink's polarity (dark on paper, or light on a board) is read from the frame (``_polarity``);
3. ``remove_lines``: boxes, grids and tables are taken out whole, keeping what is written in
   their cells (the cells of a row of boxes are kept, for a number written a digit to a box);
   ``remove_rules`` subtracts faint paper rules and finds the other long straight lines, which
   go too;
4. ``ink_mask``: a low threshold that keeps faint strokes;
5. ``regions``: connected components with some clearly dark ink (hysteresis), strokes of
   one digit merged, specks, box sides, long strokes and pieces of longer lines dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edge_infer.group import scaled, union

WEAK, STRONG = 0.13, 0.26  # ink-map levels: a region grows over WEAK pixels but needs STRONG ones to exist
FAINT = 0.07  # paper lines are traced at this level, where they are unbroken
MIN_HEIGHT = 10  # pixels; the smallest digits we aim at are about 15 px tall
RULE_SHRINK = 4  # paper lines are searched on a copy this many times shorter along them
RULE_OWN = 3  # px of that copy: a run this long along a paper rule is its own ink, which alone is subtracted (not the
# band the search smears it to, where a pencil stroke crossing it went too); a stroke crossing it is narrower, and a
# rule 1 px thick, tilted by LINE_TILT, runs 3 px on a row of the copy ...
RULE_EDGE = 2  # ... and so is this many px of its blurred edge either side (with 1, a small 9 beside what was left of a
# rule read as a 1)
RULE_SPAN = 0.55  # a straight stroke spanning this fraction of the frame is a paper line, not a digit
PAPER_RULE = 0.6  # ... if fainter than this: darker ones are grids and tables, which remove_lines takes whole
TARGET_HEIGHT = 32  # px: glyphs smaller than 3/4 of this on the analysis copy are read on a larger one
MAX_SIDE = 1280  # px: the longest side a photo is read at; an 8 MP photo reads like its 1280 px copy
ANALYSIS_SIDE = 640  # px: the glyph height is measured on a copy this long, which is cheap
LINE_RUN = 4  # a straight stroke longer than this many glyph heights is a rule, not a digit ...
THIN = 0.04  # ... if no thicker than this fraction of its length (a marker digit's stroke is thicker) ...
LINE_TILT = 0.07  # ... even when tilted by up to 4 degrees (tan 4° = 0.07), as on a photographed page
FILLED = 0.2  # a grid with glyphs in this share of its cell-sized holes, or empty boxes there, holds writing;
# squared and ruled paper is written across
BOXY = 0.85  # an empty hole filling this much of its rotated bounding rectangle is a box, not a loop
ONE_HOLE = 0.25  # a box's other holes (a speck's or a tick's) are smaller than this share of its own
CORNER = 0.04  # a box's outline simplified to within this share of its length keeps its 4 corners; a loop keeps more
WHOLE = 0.7  # a piece this many glyph heights tall is a glyph of its own, not a stroke of one
BAR = 0.3  # a piece at most this wide for its height (or flat for its width) is a straight bar
SIDE = 0.45  # ... and a stubbier one still, if it runs from one removed line to another: a box's side ...
SHORT = 0.8  # ... when it is shorter than this many glyph heights
BEYOND = (5, 12)  # px past a bar's end, beyond the line it meets, where a grid's line goes on ...
ALIGNED = 0.5  # ... under this share of the bar's breadth at least, give or take 2 px (a rule crossing a 1
# covers less of it)
ONWARD = 0.5  # a straight stroke whose faint ink goes on this many of its lengths past both ends ...
UNBROKEN = 0.8  # ... along this share of the way at least is a piece of a longer line: a sheet's edge, its shadow
BEND = 0.36  # ... which may bend away from the stroke's axis by up to 20 degrees (tan 20° = 0.36); "faint" is
GRAIN = 10  # ... FAINT above this percentile of the ink there: the paper's own level, not 0 in a dim, grainy photo
FROM_END = 0.2  # ... and the line goes on from the stroke's end, unbroken over this share of the way
MAX_RUN = 4.5  # a region up to this many times wider than tall may be touching digits, to be split
IN_CELL = 0.8  # a region with this share of its box inside a cell's box is written in that cell
_MEND = np.ones((17, 1), np.uint8)  # closes a cut across a run (found on a copy shrunk along it, so up to 16 px wide)
_BACKGROUND = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (13, 13))  # on a quarter-size copy: wider than strokes
SHADE_WINDOW = 0.6  # glyph heights: a shaded field's own paper is found within this (see _shaded) ...
SHADED = 0.9  # ... where it is darker than this share of the paper around ...
SHADE_DARKEST = 0.6  # ... but not darker than this share (ink is; a field shaded darker would hide its writing) ...
SHADE_TALL = 0.8  # ... over an area this many glyph heights across at least, the frame's edge not touched
_AROUND = cv2.getStructuringElement(cv2.MORPH_RECT, (39, 39))  # on a quarter-size copy: wider than a shaded field


Outlines = tuple[tuple[np.ndarray, ...], np.ndarray]  # what ``outlines`` returns: contours, hierarchy links


def _level(fraction: float) -> int:
    """An ink-map fraction as a uint8 level (ink maps are uint8, 255 = black ink on white paper)."""
    return round(fraction * 255)


@dataclass(frozen=True)
class Region:
    """A candidate digit: ``box`` (x, y, w, h) in frame pixels, its ``ink`` map, float32 (h, w) in [0, 1], and the
    ``cell`` of a row of boxes it is written in (a date's boxes), (x, y, w, h) in frame pixels, or None."""

    box: tuple[int, int, int, int]
    ink: np.ndarray
    cell: tuple[int, int, int, int] | None = None


def ink_map(gray: np.ndarray, dark_ink: bool | None = True, glyph: float = 0.0) -> np.ndarray:
    """uint8 (H, W) grey -> uint8 (H, W) ink, 0 = paper, 255 = ink as dark as black on white.

    The paper's brightness is estimated on a quarter-size copy by a maximum filter wider
    than any pen stroke (a minimum filter for light ink), which erases the ink and keeps
    the lighting; dividing by it flattens gradients and shadows. All in uint8, where
    OpenCV is fastest. ``dark_ink`` None: the polarity is read from the frame (``_polarity``).
    Given the typical ``glyph`` height (px), a shaded area writing is done in, as a form's
    grey field, is paper of its own (``_shaded``).
    """
    smooth, small, paper, dark_ink = _paper(gray, dark_ink)
    lifted = _shaded(small, paper, glyph, dark_ink) if glyph else None
    return _against(smooth, paper if lifted is None else lifted, dark_ink)


def _paper(gray: np.ndarray, dark_ink: bool | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """uint8 (H, W) grey -> (it smoothed, its quarter-size copy, the paper's brightness there, whether the ink is
    dark): ``ink_map``'s first steps. ``dark_ink`` None: the polarity is read from the frame (``_polarity``)."""
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    small = cv2.resize(smooth, (max(gray.shape[1] // 4, 1), max(gray.shape[0] // 4, 1)), interpolation=cv2.INTER_AREA)
    if dark_ink is None:
        return smooth, small, *_polarity(small)
    return smooth, small, cv2.dilate(small, _BACKGROUND) if dark_ink else cv2.erode(small, _BACKGROUND), dark_ink


def _polarity(small: np.ndarray) -> tuple[np.ndarray, bool]:
    """The paper's brightness on a quarter-size grey copy, and whether the ink is dark on it (True) or light, as
    chalk on a board or a digit drawn in white on black is.

    Read the wrong way round, the paper beside each stroke passes for ink, in a band as wide as
    the filter that finds the paper, much more of the frame than the strokes themselves: the
    polarity whose ink map holds less STRONG ink is the frame's (dark when they tie, as on a
    blank frame). A dark desk round a sheet is no help to either: its edge is a band in both.
    """
    dark, light = cv2.dilate(small, _BACKGROUND), cv2.erode(small, _BACKGROUND)
    as_dark, as_light = (cv2.countNonZero(ink_mask(_contrast(small, paper, is_dark), STRONG))
                         for paper, is_dark in ((dark, True), (light, False)))
    return (dark, True) if as_dark <= as_light else (light, False)


def _against(gray: np.ndarray, paper: np.ndarray, dark_ink: bool) -> np.ndarray:
    """The ink of uint8 (H, W) ``gray`` against the quarter-size ``paper``, smoothed and brought to its size:
    ``ink_map``'s last step."""
    return _contrast(gray, cv2.resize(cv2.GaussianBlur(paper, (0, 0), 2.0), (gray.shape[1], gray.shape[0]),
                                      interpolation=cv2.INTER_LINEAR), dark_ink)


def _contrast(gray: np.ndarray, paper: np.ndarray, dark_ink: bool) -> np.ndarray:
    """The ink of uint8 (H, W) ``gray`` against ``paper`` of its size, uint8: how far it is from the paper towards
    black (dark ink) or white (light ink), as a share of the way."""
    if dark_ink:  # (paper - grey) / paper
        return cv2.divide(cv2.subtract(paper, gray), cv2.max(paper, 1), scale=255)
    return cv2.divide(cv2.subtract(gray, paper), cv2.max(cv2.subtract(255, paper), 1), scale=255)


def _shaded(small: np.ndarray, paper: np.ndarray, glyph: float, dark_ink: bool) -> np.ndarray | None:
    """The quarter-size ``paper`` with each shaded area writing is done in taken for paper of its own, or None if
    there is none (most frames). ``small`` is the quarter-size grey copy the paper was found on.

    The filter that finds the paper is about as wide as a shaded field one glyph tall, so it sees
    the white around the field, and the field's writing merges with its shade. A filter
    SHADE_WINDOW of a ``glyph`` (px) wide, still wider than strokes, finds the field's own level.
    That level is the paper where it is SHADED darker than the paper further around (_AROUND) but
    lighter than ink (SHADE_DARKEST), over an area SHADE_TALL of a glyph across at least, within the
    frame (a desk or a shadow running off its edge stays as it was), and brighter paper lies all
    round it: most of its rim, a window wide, is lighter by as much (a desk round a sheet is as dark beyond).
    """
    window, tall = (max(3, int(share * glyph / 4) | 1) for share in (SHADE_WINDOW, SHADE_TALL))  # odd, quarter size
    if window >= _BACKGROUND.shape[0]:
        return None  # glyphs so big that the wide filter is the narrow one
    grow = cv2.dilate if dark_ink else cv2.erode
    near = grow(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (window, window)))
    level = _lightness(near, dark_ink) / np.maximum(_lightness(grow(small, _AROUND), dark_ink), 1)  # near, for around
    darker = ((level < SHADED) & (level >= SHADE_DARKEST)).astype(np.uint8)
    shade = cv2.morphologyEx(darker, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (tall, tall)))
    if not cv2.countNonZero(shade):
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats(shade, 4)
    lifted = np.zeros(count, bool)
    for i in range(1, count):
        x, y, w, h = stats[i, :4]
        if x == 0 or y == 0 or x + w == shade.shape[1] or y + h == shade.shape[0]:
            continue  # runs off the frame
        if min(w, h) < SHADE_TALL * glyph / 4:
            continue  # a small kernel's opening let a narrower patch through: the dark body of bold print
        x0, y0, x1, y1 = max(x - window, 0), max(y - window, 0), x + w + window, y + h + window
        area = (labels[y0:y1, x0:x1] == i).astype(np.uint8)
        rim = cv2.dilate(area, np.ones((2 * window + 1,) * 2, np.uint8)) > area  # out past a field's frame
        inside = _lightness(near[y0:y1, x0:x1], dark_ink)
        lifted[i] = _quantile(inside[rim], 0.25) * SHADED >= _quantile(inside[area > 0], 0.5)
    if not lifted.any():
        return None
    return np.where(lifted[labels], near, paper)


def _lightness(paper: np.ndarray, dark_ink: bool) -> np.ndarray:
    """How far uint8 ``paper`` stands from ink, float32: its grey level under dark ink, 255 less it under light."""
    return paper.astype(np.float32) if dark_ink else 255 - paper.astype(np.float32)


def ink_mask(ink: np.ndarray, level: float = WEAK) -> np.ndarray:
    """uint8 (H, W) mask (255 = ink) of ink-map pixels above ``level`` (a fraction of full ink)."""
    return cv2.threshold(ink, _level(level), 255, cv2.THRESH_BINARY)[1]


def remove_rules(ink: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    """Find straight lines at least ``length`` px long across and down an ink map; subtract the faint paper rules.

    Lines are searched on a copy that keeps every RULE_SHRINK-th pixel along their direction
    (a line is there in every one, and the long opening gets cheap), smeared across so that a
    line tilted by up to LINE_TILT still passes. Lines that span RULE_SPAN of the frame and are
    fainter than PAPER_RULE are the rules of ruled or squared paper: they are subtracted in
    grey levels, capped at their typical darkness, so that a stroke crossing one, being much
    darker, survives, and only on the rule's own pixels (runs RULE_OWN long along it), so that
    a pencil stroke crossing one, as faint, loses no more than the rule's breadth. The other
    lines (a table's rules, underlines, a grid's sides) are left for ``remove_lines``. Returns
    (ink without paper rules, uint8 mask of the other lines, or None if there are none).
    """
    height, width = ink.shape
    rules = others = None  # most frames have neither, and full-size masks cost more than the search
    drift = max(3, int(LINE_TILT * length)) | 1  # how far a tilted line wanders across over its length
    run = max(int(length) // RULE_SHRINK, 4)
    widest = drift + max(2, int(THIN * length))  # a line is no thicker than this (plus its smear)
    for horizontal in (True, False):
        along = width if horizontal else height
        short = max(along // RULE_SHRINK, 1)
        size = (short, height) if horizontal else (width, short)
        shrunk = cv2.resize(ink, size, interpolation=cv2.INTER_NEAREST)
        across, along_line = ((1, drift), (run, 1)) if horizontal else ((drift, 1), (1, run))  # (width, height)
        smeared = cv2.dilate(shrunk, cv2.getStructuringElement(cv2.MORPH_RECT, across))
        response = cv2.morphologyEx(smeared, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along_line))
        traced = ink_mask(response, FAINT)
        if not cv2.countNonZero(traced):
            continue  # no line this way at all, as in most camera frames
        contours, _ = cv2.findContours(traced, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        extent = 2 if horizontal else 3  # index of width or height in a bounding rect
        spanning = [c for c in contours if cv2.boundingRect(c)[extent] >= RULE_SPAN * short]
        paper = [c for c, level in zip(spanning, _medians(response, spanning)) if level < _level(PAPER_RULE)]
        on_rule = cv2.bitwise_and(cv2.drawContours(np.zeros_like(traced), paper, -1, 255, cv2.FILLED), traced)
        if paper:
            level = int(_median(np.cumsum(cv2.calcHist([response], [0], on_rule, [256], [0, 256]).ravel())))
            edge = 2 * RULE_EDGE + 1
            along_rule, edges = ((RULE_OWN, 1), (1, edge)) if horizontal else ((1, RULE_OWN), (edge, 1))  # (w, h)
            own = ink_mask(cv2.morphologyEx(shrunk, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                                              along_rule)), FAINT)
            own = cv2.dilate(own, cv2.getStructuringElement(cv2.MORPH_RECT, edges))
            found = cv2.bitwise_and(cv2.min(response, level), cv2.bitwise_and(on_rule, own))
            found = cv2.resize(found, (width, height), interpolation=cv2.INTER_NEAREST)
            rules = found if rules is None else cv2.max(rules, found)
        lines = ink_mask(response)
        thick = cv2.morphologyEx(lines, cv2.MORPH_OPEN,  # strokes too thick for their length: no rule
                                 cv2.getStructuringElement(cv2.MORPH_RECT, (1, widest) if horizontal else (widest, 1)))
        other = cv2.subtract(cv2.subtract(lines, on_rule), thick)
        if cv2.countNonZero(other):
            other = cv2.resize(other, (width, height), interpolation=cv2.INTER_NEAREST)
            others = other if others is None else cv2.max(others, other)
    return (ink if rules is None else cv2.subtract(ink, rules)), others


def outlines(mask: np.ndarray) -> Outlines:
    """Every boundary of a uint8 mask with its place in the nesting: (contours, int (N, 4) links: next, previous,
    first child, parent). Outer boundaries lie at even depths, holes at odd ones."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    return contours, (hierarchy[0] if hierarchy is not None else np.zeros((0, 4), np.int32))


def glyph_height(ink: np.ndarray, found: Outlines | None = None) -> float:
    """The typical glyph height in an ink map, in px (0.0 when there are fewer than three glyphs to go by).

    Over the inked blobs shaped like a character (any outer boundary, so blobs inside boxes and
    grids count, with at most two holes, so boxes and grids themselves do not, and none around
    other such blobs, as a sheet's outline or a ring drawn round a number is), the median
    height weighted by the blob's box area, so that a scatter of specks cannot outvote the
    writing. ``found`` is the ``outlines`` of ``ink_mask(ink)``, if already traced.
    """
    contours, links = found or outlines(ink_mask(ink))
    if not len(links):
        return 0.0
    holes = np.bincount(links[:, 3][links[:, 3] >= 0], minlength=len(links))  # an outer boundary's children
    outer = np.nonzero((_depths(links) % 2 == 0) & (holes <= 2))[0]  # glyphs have at most two holes
    boxes = np.array([cv2.boundingRect(contours[i]) for i in outer], np.int32).reshape(-1, 4)
    width, height = boxes[:, 2], boxes[:, 3]
    glyph = (height >= 8) & (width <= 1.5 * height) & (width >= 0.15 * height) & (height < 0.5 * max(ink.shape))
    glyph[_around_others(boxes, glyph)] = False
    if np.count_nonzero(glyph) < 3:  # too few to tell (on a grid whose lines touch every digit, say)
        return 0.0
    order = np.argsort(height[glyph], kind="stable")
    weight = np.cumsum((width[glyph] * height[glyph])[order].astype(np.float64))
    return float(height[glyph][order][np.searchsorted(weight, weight[-1] / 2)])


def _around_others(boxes: np.ndarray, glyph: np.ndarray) -> np.ndarray:
    """Indices of the ``glyph`` blobs whose box (int (N, 4)) holds another glyph blob's box whole: a frame around
    writing (a torn sheet's outline, a ring drawn round a number), not a character."""
    index = np.nonzero(glyph)[0]
    if len(index) < 2:
        return index[:0]
    x, y, w, h = boxes[index].T
    right, bottom, area = x + w, y + h, w * h
    holds = (x[None, :] >= x[:, None]) & (y[None, :] >= y[:, None]) & (right[None, :] <= right[:, None]) \
        & (bottom[None, :] <= bottom[:, None]) & (area[None, :] < area[:, None])  # (G, G): row's box holds column's
    return index[holds.any(axis=1)]


def shrink(gray: np.ndarray, scale: float) -> np.ndarray:
    """``gray`` resized by ``scale`` <= 1 with pixel-area averaging (which keeps thin strokes' ink).

    By a whole number of times (a 1280 px frame's 640 px analysis copy), whole blocks are averaged and a last
    row or column that does not fill one is left out: OpenCV's fast path, far quicker than its general one.
    """
    if scale >= 1.0:
        return gray
    step = round(1 / scale)
    if abs(1 / scale - step) < 1e-6:
        height, width = max(gray.shape[0] // step, 1), max(gray.shape[1] // step, 1)
        return cv2.resize(gray[:height * step, :width * step], (width, height), interpolation=cv2.INTER_AREA)
    size = (max(round(gray.shape[1] * scale), 1), max(round(gray.shape[0] * scale), 1))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def remove_lines(ink: np.ndarray, height: float, found: Outlines | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Take grids, boxes, table rules, underlines and paper rules out of an ink map, keeping what is written in them.

    ``height`` is the typical glyph height in px. Three kinds of line go, whatever their
    thickness or tilt:

    - a component whose holes hold glyphs (FILLED of the cell-sized ones at least) is a box, a
      row of boxes, a table or a grid; its empty box-shaped holes count as cells too. Its pixels
      outside the convex hulls of its holes (the cells, which a digit touching a wall reaches
      into) are its walls, and go. This runs before the paper rules go, so a faint printed form
      spanning the page stays whole until it is recognised as one;
    - faint rules of ruled and squared paper are subtracted in grey levels (``remove_rules``),
      so that strokes crossing them survive;
    - a thin straight run longer than LINE_RUN glyph heights goes whole.
    Returns (ink, mask, walls, cells, rules): the ink map and its mask (above WEAK) without the lines,
    the pixels of the lines taken out (of a squared paper's grid, only where its rules went), the
    cells of single rows of boxes (``_row_of_boxes``), int (N, 4) boxes (x, y, w, h), and the
    paper rules' share of the walls. ``found`` is the ``outlines`` of ``ink_mask(ink)``, if already traced.
    """
    walls, cells = _walls(ink, height, found)
    ink = cv2.bitwise_and(ink, cv2.bitwise_not(walls))
    ruled = ink_mask(ink)
    ink, runs = remove_rules(ink, max(LINE_RUN * height, 2 * MIN_HEIGHT))
    mask = ink_mask(ink)
    rules = cv2.subtract(ruled, mask)
    walls = cv2.bitwise_or(walls, rules)  # with the paper rules taken
    if runs is None:
        return ink, mask, walls, cells, rules
    runs = _mend(mask, cv2.bitwise_and(runs, mask))
    if not cv2.countNonZero(runs):
        return ink, mask, walls, cells, rules
    walls = cv2.bitwise_or(walls, runs)
    keep = cv2.bitwise_not(runs)
    return cv2.bitwise_and(ink, keep), cv2.bitwise_and(mask, keep), walls, cells, rules


def _mend(mask: np.ndarray, runs: np.ndarray) -> np.ndarray:
    """The ``runs`` (uint8 mask of straight lines going out) less where they cross a stroke thicker than themselves,
    which the ``mask`` inks on both sides: a line through a digit cuts nothing."""
    x, y, w, h = cv2.boundingRect(runs)
    if not w:
        return runs
    reach = _MEND.shape[0] // 2
    x0, y0, x1, y1 = max(x - reach, 0), max(y - reach, 0), x + w + reach, y + h + reach  # all that closing can touch
    rest = cv2.bitwise_and(mask[y0:y1, x0:x1], cv2.bitwise_not(runs[y0:y1, x0:x1]))
    across = cv2.bitwise_or(cv2.morphologyEx(rest, cv2.MORPH_CLOSE, _MEND),
                            cv2.morphologyEx(rest, cv2.MORPH_CLOSE, _MEND.T))
    out = runs.copy()
    out[y0:y1, x0:x1] = cv2.subtract(runs[y0:y1, x0:x1], across)
    return out


def _walls(ink: np.ndarray, height: float, found: Outlines | None = None) -> tuple[np.ndarray, np.ndarray]:
    """uint8 mask of the walls of boxes and grids in a uint8 ink map (see ``remove_lines``), and the cells of those
    that are a single row of boxes, int (N, 4) (``_row_of_boxes``).

    A grid whose cells hold glyphs (at least FILLED of them) is a form, a table or a puzzle:
    its walls go whole and separate the cells. One whose cells hardly ever hold a whole glyph
    is squared or ruled paper, written across, whose faint lines ``remove_rules`` subtracts.
    A cell's hull also reaches into its walls wherever they waver, so it is shrunk by half the
    walls' thickness (their area over their outline's length) before it keeps pixels. Shrunk by
    the whole thickness, a small cell between thick walls kept nothing of a digit written
    against them.
    """
    mask = ink_mask(ink)
    walls, rooms = np.zeros_like(mask), []  # rooms: the cells of rows of boxes
    contours, links = found or outlines(mask)
    depth = _depths(links)
    for index in np.nonzero((depth % 2 == 0) & (links[:, 2] >= 0))[0]:  # outer boundaries with holes
        holes = list(_siblings(links, links[index][2]))
        cells = [_cell(contours, links, hole, height, ink) for hole in holes]
        if "filled" not in cells:  # no glyph in any cell: a big loop, or rules crossed by a digit, not a box, ...
            if _empty_box(contours, index, holes):  # ... but for an empty field or tick box, which goes whole
                x, y, w, h = cv2.boundingRect(contours[index])
                box = cv2.drawContours(np.zeros((h, w), np.uint8), contours, int(index), 255, cv2.FILLED,
                                       offset=(-x, -y))
                walls[y:y + h, x:x + w] |= box & mask[y:y + h, x:x + w]
            continue
        roomy = sum(cv2.contourArea(contours[hole]) >= 0.5 * height * height for hole in holes)  # cell-sized
        if sum(c != "" for c in cells) < FILLED * roomy:
            continue  # squared or ruled paper, written across: remove_rules takes its faint lines
        area = cv2.contourArea(contours[index]) - sum(cv2.contourArea(contours[h]) for h in holes)
        outline = cv2.arcLength(contours[index], True) + sum(cv2.arcLength(contours[h], True) for h in holes)
        margin = max(2, round(area / max(outline, 1)))
        x, y, w, h = cv2.boundingRect(contours[index])  # everything happens inside the box's own rectangle
        pixels = cv2.drawContours(np.zeros((h, w), np.uint8), contours, int(index), 255, cv2.FILLED, offset=(-x, -y))
        inside = np.zeros((h, w), np.uint8)
        shrink_by = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1,) * 2)
        for hole in holes:  # each hull shrunk on its own: two cells' hulls meet across a wall as thin as 2 px
            hx, hy, hw, hh = cv2.boundingRect(contours[hole])  # the hull's box too
            if min(hw, hh) <= 2 * margin:
                continue  # shrunk by the margin, nothing is left of it (most of a cheque's holes: loops of print)
            hull = cv2.convexHull(contours[hole]) - (x, y)
            hx, hy = hx - x, hy - y
            shape = cv2.fillConvexPoly(np.zeros((hh, hw), np.uint8), hull - (hx, hy), 255)
            inside[hy:hy + hh, hx:hx + hw] |= cv2.erode(shape, shrink_by, borderValue=0)
        rooms += _row_of_boxes([cv2.boundingRect(contours[hole]) for hole in holes])
        wall = cv2.bitwise_and(cv2.bitwise_and(pixels, mask[y:y + h, x:x + w]), cv2.bitwise_not(inside))
        walls[y:y + h, x:x + w] = cv2.bitwise_or(walls[y:y + h, x:x + w], wall)
    return walls, np.array(rooms, np.int64).reshape(-1, 4)


def _empty_box(contours, outer: int, holes: list[int]) -> bool:
    """Whether the component bounded by contour ``outer``, whose ``holes`` hold no glyph, is one empty box (a printed
    field, a tick box, a rectangle drawn on the page): its outline is a quadrilateral (``_quadrilateral``), and its
    largest hole fills BOXY of its tightest rotated rectangle (a hole a few pixels across has too many steps for
    corners to count) and is the only hole of its size (ONE_HOLE), as ruled paper's strips and a table's cells are
    not. Of MNIST's 10,000 test digits drawn 20 px tall, one (an 8) is such a box; none drawn 40 or 80 px tall."""
    if not _quadrilateral(contours[outer]):  # first: it turns away a digit's round outline soonest
        return False
    areas = sorted((cv2.contourArea(contours[h]), h) for h in holes)
    area, hole = areas[-1]
    return (len(areas) == 1 or areas[-2][0] < ONE_HOLE * area) and _rect_fill(contours[hole])[0] >= BOXY


def _quadrilateral(contour: np.ndarray) -> bool:
    """Whether ``contour`` is a box's: it fills BOXY of its tightest rotated rectangle and has 4 corners (CORNER)."""
    return _rect_fill(contour)[0] >= BOXY \
        and len(cv2.approxPolyDP(contour, CORNER * cv2.arcLength(contour, True), True)) == 4


def _rect_fill(contour: np.ndarray) -> tuple[float, float]:
    """The share of its tightest rotated rectangle that ``contour`` fills, in [0, 1] (about pi/4 for a loop, near 1
    for a box), and that rectangle's longer side in px."""
    (_, _), (a, b), _ = cv2.minAreaRect(contour)
    return (cv2.contourArea(contour) / (a * b) if a * b > 0 else 0.0), max(a, b)


def _row_of_boxes(holes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The cells of a box or form whose holes' boxes are ``holes``, if it is one row: its holes at least half as
    tall as the tallest, all level with one another (a date's or an account number's boxes, written a digit to a
    box, drawn apart or sharing their sides); none for a grid or a table of several rows. Smaller holes are loops
    of digits touching a wall and the like."""
    tallest = max(h for _, _, _, h in holes)
    cells = [box for box in holes if box[3] >= 0.5 * tallest]
    top, bottom = max(y for _, y, _, _ in cells), min(y + h for _, y, _, h in cells)
    return cells if bottom - top >= 0.5 * tallest else []


def _depths(links: np.ndarray) -> np.ndarray:
    """How deep each contour of a RETR_TREE hierarchy is nested: 0 for outer boundaries, 1 for their holes, ..."""
    depth = np.zeros(len(links), np.int32)
    above = links[:, 3].copy()  # each contour's ancestor being counted, -1 past the outermost
    while (inside := above >= 0).any():
        depth += inside
        above[inside] = links[above[inside], 3]
    return depth


def _siblings(links: np.ndarray, first: int):
    while first >= 0:
        yield first
        first = links[first][0]


def _cell(contours, links: np.ndarray, hole: int, height: float, ink: np.ndarray) -> str:
    """What a hole says of its component: "filled", a cell holding a glyph (a blob 0.3 glyph heights tall at
    least, with some STRONG ink in it as a region needs: a fragment of a squared paper's faint lines, left in a
    hole where the lines broke, is none); "empty", a cell bigger than a digit's loop, box-shaped (it fills BOXY
    of its tightest rotated rectangle; a loop fills about pi/4) and no longer than a few glyphs (the strip
    between two paper rules is); or "" (none)."""
    if any(cv2.boundingRect(contours[inner])[3] >= 0.3 * height and _darkest(ink, contours[inner]) > _level(STRONG)
           for inner in _siblings(links, links[hole][2])):
        return "filled"
    area = cv2.contourArea(contours[hole])
    if area < 1.5 * height * height:
        return ""
    fill, longest = _rect_fill(contours[hole])
    return "empty" if fill >= BOXY and longest <= 4 * height else ""


def _within(ink: np.ndarray, contour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``ink`` in ``contour``'s bounding rectangle, and a uint8 mask of the contour's inside there."""
    x, y, w, h = cv2.boundingRect(contour)
    return ink[y:y + h, x:x + w], cv2.drawContours(np.zeros((h, w), np.uint8), [contour - (x, y)], -1, 255, cv2.FILLED)


def _darkest(ink: np.ndarray, contour: np.ndarray) -> int:
    """The darkest ink level (uint8) inside ``contour``."""
    return int(cv2.minMaxLoc(*_within(ink, contour))[1])


def _medians(ink: np.ndarray, contours: list[np.ndarray]) -> np.ndarray:
    """The median ink level (uint8 scale) inside each of ``contours``, outer contours that do not overlap: float (N,).

    Each from a histogram of its levels within its own bounding box: paper rules are long and thin, and
    their boxes hold fewer pixels than the frame a numbered map of them all would span.
    """
    counts = np.zeros((len(contours), 256), np.float32)
    for k, contour in enumerate(contours):
        x, y, w, h = cv2.boundingRect(contour)
        inside = cv2.drawContours(np.zeros((h, w), np.uint8), [contour], -1, 255, cv2.FILLED, offset=(-x, -y))
        counts[k] = cv2.calcHist([ink[y:y + h, x:x + w]], [0], inside, [256], [0, 256]).ravel()
    return _median(np.cumsum(counts, axis=1))


def _quantile(values: np.ndarray, share: float) -> float:
    """The value ``share`` of the way up the sorted 1-D ``values``, between neighbours as np.quantile has it, from a
    partition instead of its sort (a tenth of the time on a few hundred values)."""
    at = share * (len(values) - 1)
    low, high = int(np.floor(at)), int(np.ceil(at))
    part = np.partition(values, [low, high])
    return float(part[low] + (part[high] - part[low]) * (at - low))


def _median(below: np.ndarray) -> np.ndarray:
    """The median level from the count of pixels at or below each level, (..., 256): np.median's (the middle pair's
    mean)."""
    size = below[..., -1:]
    return ((below <= (size - 1) // 2).sum(-1) + (below <= size // 2).sum(-1)) / 2


def regions(ink: np.ndarray, mask: np.ndarray, walls: np.ndarray | None = None,
            min_height: int = MIN_HEIGHT, glyph: float = 0.0, cells: np.ndarray | None = None,
            found: Outlines | None = None, rules: np.ndarray | None = None) -> list[Region]:
    """Connected components of ``mask`` that hold some STRONG ink, with the pieces of one digit merged.

    The STRONG test is hysteresis: faint specks and grain never make a region, while the
    faint edges of a real stroke stay attached to it. A digit written in two strokes (a 4,
    5 or 7) comes apart into pieces stacked in one column; pieces whose boxes overlap
    mostly in x and touch in y are merged, unless a removed line (``walls``, a uint8 mask)
    runs between them: then they sit in two cells. A paper rule (``rules``, the walls' share
    that was ruled or squared paper) parts only glyphs: a fragment of a digit it cut is merged
    across it (``_merge_pieces``). Regions too small, too flat or too long
    to be up to MAX_RUN touching digits are dropped, and so is a straight stroke, at any angle,
    longer than 2 x LINE_RUN typical glyph heights (``glyph``, in px), or whose faint ink goes on
    past both its ends (``_goes_on``): a paper edge or a rule. Each region gets the cell it is written in
    (``_cells_of``), of the ``cells``, int (N, 4) boxes. ``found`` is the ``outlines`` of ``mask``, if already traced.
    """
    labels, ids, boxes, outlines = _seeded_pieces(ink, mask, found)
    height, width = mask.shape
    kept = []
    groups = _merge_pieces(boxes, walls, glyph, rules)
    spans = np.array([boxes[m[0]] if len(m) == 1 else union(boxes[i] for i in m) for m in groups],
                     np.int64).reshape(-1, 4)
    for members, (x0, y0, w, h) in zip(groups, spans.tolist()):
        x1, y1 = x0 + w, y0 + h
        if h < min_height or h > 0.9 * height or w > MAX_RUN * h or w > 0.6 * width:
            continue
        if _box_side(walls, (x0, y0, w, h), glyph, spans):
            continue
        window = labels[y0:y1, x0:x1]
        if len(members) == 1:
            own, outline = window == ids[members[0]], outlines[members[0]]
        else:
            own, outline = np.isin(window, [ids[m] for m in members]), np.concatenate([outlines[m] for m in members])
        rect = cv2.minAreaRect(outline)  # the pieces' hull's tightest box
        if _straight(rect) and (glyph and max(w, h) > 2 * LINE_RUN * glyph or _goes_on(ink, rect)):
            continue
        area = int(np.count_nonzero(own))
        if area < 0.04 * w * h or (area > 0.85 * w * h and w > 0.5 * h):  # a hairline or a solid blob
            continue
        kept.append(((x0, y0, w, h), np.where(own, ink[y0:y1, x0:x1] * np.float32(1 / 255), np.float32(0))))
    return [Region(box, inked, cell) for (box, inked), cell in zip(kept, _cells_of(cells, [b for b, _ in kept]))]


def _cells_of(cells: np.ndarray | None, boxes: list[tuple[int, int, int, int]]
              ) -> list[tuple[int, int, int, int] | None]:
    """For each of ``boxes``, the smallest of the ``cells`` (int (N, 4) boxes) that holds most of it (IN_CELL of its
    area), or None: a box drawn round a row of boxes holds their cells, which are smaller."""
    if cells is None or not len(cells) or not boxes:
        return [None] * len(boxes)
    b, c = np.array(boxes, np.int64)[:, None, :], np.asarray(cells, np.int64)[None, :, :]  # (B, 1, 4), (1, C, 4)
    shared = [np.minimum(b[..., k] + b[..., k + 2], c[..., k] + c[..., k + 2]) - np.maximum(b[..., k], c[..., k])
              for k in (0, 1)]
    holds = np.maximum(shared[0], 0) * np.maximum(shared[1], 0) >= IN_CELL * b[..., 2] * b[..., 3]  # (B, C)
    size = np.where(holds, c[..., 2] * c[..., 3], np.iinfo(np.int64).max)
    first = size.argmin(1)  # the first of the smallest, as min() picks
    return [tuple(cells[j].tolist()) if holds[i, j] else None for i, j in enumerate(first.tolist())]


def _seeded_pieces(ink: np.ndarray, mask: np.ndarray, found: Outlines | None = None):
    """Label the mask's 8-connected components; return (labels, ids, boxes, outer contours) of those with STRONG
    ink. ``found`` is the ``outlines`` of ``mask``, if already traced.

    Boxes come from the components' outer contours rather than OpenCV's labelling with
    statistics, which costs four times a plain labelling on a full frame.
    """
    count, labels = cv2.connectedComponentsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_GRANA)
    seeded = np.zeros(count, bool)
    seeded[labels[ink > _level(STRONG)]] = True
    if found is None:
        contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        outer = np.flatnonzero(hierarchy[0][:, 3] == -1) if hierarchy is not None else np.zeros(0, np.int64)
    else:
        contours, links = found
        outer = np.flatnonzero(_depths(links) % 2 == 0)
    start = np.array([contours[i][0, 0] for i in outer], np.int64).reshape(-1, 2)  # a point on each boundary
    label = labels[start[:, 1], start[:, 0]]
    ids, boxes, outlines = [], [], []
    for i, component in zip(outer[seeded[label]].tolist(), label[seeded[label]].tolist()):  # seeded ones only
        box = cv2.boundingRect(contours[i])
        if box[2] * box[3] >= 6:
            ids.append(component)
            boxes.append(box)
            outlines.append(contours[i])
    return labels, ids, boxes, outlines


def _merge_pieces(boxes: list[tuple[int, int, int, int]], walls: np.ndarray | None = None,
                  glyph: float = 0.0, rules: np.ndarray | None = None) -> list[list[int]]:
    """Union-find over boxes: merge pairs that overlap mostly in x and are close in y, with no wall between, unless
    both are most of a glyph (``glyph`` px) tall: then they are two glyphs, one above the other.

    A paper rule between them (``rules``, a part of ``walls``) parts them unless they are two pieces of one digit
    that the rule crossed: neither a straight bar (BAR; a table's side, or what is left of a rule's ends), the
    smaller less than WHOLE of a glyph, the larger no taller than a glyph. Subtracting the rule's grey cut the
    stroke that lay along it, as the base of a 2 written on a squared page's line."""
    cells = walls if walls is None or rules is None else cv2.subtract(walls, rules)  # the walls that part cells
    parent = list(range(len(boxes)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in _stacked(np.array(boxes, np.int64).reshape(-1, 4), glyph).tolist():
        if not _wall_between(cells, boxes[a], boxes[b]) and (_pieces_of_one(boxes[a], boxes[b], glyph)
                                                              or not _wall_between(rules, boxes[a], boxes[b])):
            parent[root(b)] = root(a)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _pieces_of_one(a: tuple[int, int, int, int], b: tuple[int, int, int, int], glyph: float) -> bool:
    """Whether stacked boxes ``a`` and ``b`` may be two pieces of one digit that a paper rule cut (see
    ``_merge_pieces``): neither is a straight bar, the smaller is less than WHOLE of a ``glyph`` (px) tall and the
    larger no taller than one. Unknown without a glyph height."""
    short, tall = sorted((a[3], b[3]))
    return bool(glyph) and short < WHOLE * glyph and tall <= glyph and not _bar(a[2], a[3]) and not _bar(b[2], b[3])


def _stacked(boxes: np.ndarray, glyph: float) -> np.ndarray:
    """Pairs (a, b) of int (N, 4) ``boxes``, a starting left of b (or level with it, and first), that overlap mostly in
    x and are close in y, unless both are most of a glyph (``glyph`` px) tall: int (P, 2) indices."""
    order = np.argsort(boxes[:, 0], kind="stable")
    x, y, w, h = boxes[order].T
    ends = np.searchsorted(x, x + w, side="left")  # sorted by x: the boxes after a up to here start inside it
    count = np.maximum(ends - np.arange(len(x)) - 1, 0)
    a = np.repeat(np.arange(len(x)), count)
    b = np.arange(len(a)) - np.repeat(np.cumsum(count) - count, count) + a + 1  # a + 1, ..., ends[a] - 1
    overlap_x = np.minimum(x[a] + w[a], x[b] + w[b]) - x[b]
    gap_y = np.maximum(y[a], y[b]) - np.minimum(y[a] + h[a], y[b] + h[b])
    tall = np.maximum(h[a], h[b])
    small = np.minimum(np.maximum(w[a], h[a]), np.maximum(w[b], h[b]))  # the smaller piece's size
    close = (overlap_x >= 0.5 * np.minimum(w[a], w[b])) & (gap_y <= np.minimum(0.2 * tall, 0.5 * small))
    if glyph:
        close &= ~((gap_y >= 0) & (np.minimum(h[a], h[b]) >= WHOLE * glyph))
    return np.stack([order[a[close]], order[b[close]]], axis=1)


def _straight(rect: tuple) -> bool:
    """Whether a stroke whose tightest rotated box is ``rect`` (OpenCV's ((cx, cy), (a, b), angle)) is one thin
    straight stroke at any angle."""
    return _bar(*rect[1])


def _bar(a: float, b: float) -> bool:
    """Whether a box whose sides are ``a`` and ``b`` (upright or rotated) is a straight bar's: BAR as wide as long."""
    return min(a, b) <= BAR * max(a, b)


def _goes_on(ink: np.ndarray, rect: tuple) -> bool:
    """Whether the straight stroke whose tightest rotated box is ``rect`` (as OpenCV gives it) in the uint8 ``ink``
    map is a piece of a longer line: past each of its ends, for ONWARD of its length, faint ink (FAINT above the
    GRAIN percentile of the ink there) lies on UNBROKEN of the steps along its axis, within its breadth of the
    axis plus a widening of BEND per step. A torn sheet's edge and its shadow come and go along their length, and their
    darker stretches are straight bars like 1s; a 1 ends in paper. The line must go on from the stroke's end,
    unbroken over the first FROM_END of the way: a line crossing past a 1's end, as a table's rule above it,
    is no continuation. Steps past the frame's edge count as going on."""
    (cx, cy), (a, b), angle = rect
    length, breadth = max(a, b), min(a, b)
    theta = np.deg2rad(angle if a >= b else angle + 90)
    axis, across = np.array([np.cos(theta), np.sin(theta)]), np.array([-np.sin(theta), np.cos(theta)])
    steps = np.arange(1, max(int(ONWARD * length), 2) + 1)
    reach = int(breadth / 2) + 2 + np.ceil(BEND * steps).astype(int)  # (steps,) px either side of the axis
    offsets = np.arange(-reach[-1], reach[-1] + 1)
    within = np.abs(offsets)[None, :] <= reach[:, None]  # (steps, offsets)
    height, width = ink.shape
    for sign in (1, -1):
        centres = np.array([cx, cy]) + sign * np.outer(length / 2 + steps, axis)  # (steps, 2) past this end
        samples = np.rint(centres[:, None, :] + offsets[None, :, None] * across).astype(int)  # (steps, offsets, 2)
        sx, sy = samples[..., 0], samples[..., 1]
        inside = (sx >= 0) & (sx < width) & (sy >= 0) & (sy < height)
        inked = within & inside
        if inked.any():
            px, py = sx[inked], sy[inked]
            values = ink[py, px]
            paper = np.partition(values, len(values) * GRAIN // 100)[len(values) * GRAIN // 100]  # GRAIN percentile
            inked[inked] = values > int(paper) + _level(FAINT)
        beyond = ~inside[:, offsets.size // 2]  # past the frame's edge, where the line may go on unseen
        went = inked.any(axis=1) | beyond
        if not went[:max(2, int(FROM_END * len(steps)))].all() or np.count_nonzero(went) < UNBROKEN * len(steps):
            return False
    return True


def _box_side(walls: np.ndarray | None, box: tuple[int, int, int, int], glyph: float,
              spans: np.ndarray | None = None) -> bool:
    """Whether ``box`` is what is left of a line taken out around it: a thin straight bar that runs from one
    removed line to another, and either the line it lies on goes on past both its ends, under ALIGNED of its
    breadth (a piece of a grid's or a frame's line that was darker or thicker than the rest), or it is
    shorter than the writing beside it (a box's side, as a 1 is as tall as the digits of its number):
    ``_writing_beside`` among the region boxes ``spans``, else the page's ``glyph`` height. Without a
    known glyph height only the first holds: on ruled paper, a 1 runs from rule to rule and stops there."""
    if walls is None:
        return False
    x, y, w, h = box
    if w <= SIDE * h:
        ends = walls[max(y - 2, 0):y + 1, max(x - 1, 0):x + w + 1], walls[y + h - 1:y + h + 2, max(x - 1, 0):x + w + 1]
        past = (walls[max(y - BEYOND[1], 0):max(y - BEYOND[0], 0), max(x - 2, 0):x + w + 2],
                walls[y + h + BEYOND[0]:y + h + BEYOND[1], max(x - 2, 0):x + w + 2])
        length, breadth = h, w
    elif h <= SIDE * w:
        ends = walls[max(y - 1, 0):y + h + 1, max(x - 2, 0):x + 1], walls[max(y - 1, 0):y + h + 1, x + w - 1:x + w + 2]
        past = (walls[max(y - 2, 0):y + h + 2, max(x - BEYOND[1], 0):max(x - BEYOND[0], 0)],
                walls[max(y - 2, 0):y + h + 2, x + w + BEYOND[0]:x + w + BEYOND[1]])
        length, breadth = w, h
    else:
        return False
    if not all(end.any() for end in ends):
        return False
    along = 0 if w <= SIDE * h else 1  # the axis of the windows past the ends that runs along the bar
    goes_on = all(p.size and np.count_nonzero(p.any(axis=along)) >= ALIGNED * breadth for p in past)
    if goes_on or not glyph:
        return goes_on
    return length < SHORT * (glyph if spans is None else _writing_beside(spans, box, glyph))


def _writing_beside(spans: np.ndarray, box: tuple[int, int, int, int], glyph: float) -> float:
    """How tall the writing is beside ``box``: the tallest of the ``spans`` (int (N, 4) region boxes) on its line
    and within two of its heights, that are no bar; ``glyph`` (the page's typical height) if there is none. A 1
    in a number is as tall as its neighbours, though bigger writing elsewhere may set the page's height."""
    x, y, w, h = box
    sx, sy, sw, sh = spans.T
    near = (np.minimum(sy + sh, y + h) - np.maximum(sy, y) >= 0.5 * np.minimum(sh, h)) \
        & (sx < x + w + 2 * h) & (sx + sw > x - 2 * h) & (sw > SIDE * sh) & (sh > SIDE * sw) & (sh >= 0.5 * h)
    return float(sh[near].max()) if near.any() else glyph


def _wall_between(walls: np.ndarray | None, a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether a removed line crosses the band between two stacked boxes (or where they meet)."""
    if walls is None:
        return False
    top, bottom = sorted((a, b), key=lambda box: box[1])
    x0, x1 = max(a[0], b[0]), min(a[0] + a[2], b[0] + b[2])
    y0, y1 = min(top[1] + top[3], bottom[1]) - 1, max(top[1] + top[3], bottom[1]) + 1
    return x1 > x0 and bool(walls[max(y0, 0):y1, x0:x1].any())


@dataclass(frozen=True)
class Layers:
    """A frame read at its working scale: the ``ink`` map and ``mask`` (uint8, lines taken out), the line pixels
    taken out (``walls``), the typical ``glyph`` height in working px (0.0 if unknown), ``factor``, frame px
    per working px, the ``cells`` of boxes and grids, int (N, 4) boxes in working px, and the ``outlines`` of
    ``mask`` (as ``outlines`` gives them), or None when the lines taken out changed it since they were traced, and
    the ``rules`` of ruled or squared paper among the walls (uint8), or None."""

    ink: np.ndarray
    mask: np.ndarray
    walls: np.ndarray
    glyph: float
    factor: float
    cells: np.ndarray
    outlines: Outlines | None = None
    rules: np.ndarray | None = None


def layers(gray: np.ndarray, dark_ink: bool | None = True) -> Layers:
    """uint8 (H, W) grey -> its ink map, mask and lines at the working scale (steps 1-5); ``dark_ink`` None: the
    ink's polarity is read from the frame."""
    scale = min(1.0, MAX_SIDE / max(gray.shape))
    gray = shrink(gray, scale)
    working = min(1.0, ANALYSIS_SIDE / max(gray.shape))
    smooth, small, paper, dark_ink = _paper(shrink(gray, working), dark_ink)  # decided here, if not given
    ink = _against(smooth, paper, dark_ink)
    found = outlines(ink_mask(ink))  # traced once for the glyph height and the walls, when read at this scale
    height = glyph_height(ink, found) / working
    wanted = min(1.0, TARGET_HEIGHT / height) if height else 1.0
    if wanted > working / 0.75:  # glyphs too small on the analysis copy: read a larger one
        working = wanted
        smooth, small, paper, _ = _paper(shrink(gray, working), dark_ink)
        ink, found = _against(smooth, paper, dark_ink), None
    height *= working  # 0 when there were too few glyphs to tell: the rules that compare with it then hold back
    lifted = _shaded(small, paper, height or TARGET_HEIGHT, dark_ink)  # ink_map(..., glyph=height), done once
    if lifted is not None:
        ink = _against(smooth, lifted, dark_ink)
        found = outlines(ink_mask(ink))
        height = height or glyph_height(ink, found)  # a shade joining all the writing hid every glyph
    if found is None:  # the larger copy read, or a shade lifted, since the last tracing
        found = outlines(ink_mask(ink))
    ink, mask, walls, cells, rules = remove_lines(ink, height or TARGET_HEIGHT, found)
    unchanged = not cv2.countNonZero(walls)  # no line taken out: the mask is the one traced (most camera frames)
    return Layers(ink, mask, walls, height, 1.0 / (scale * working), cells, found if unchanged else None, rules)


def segment(gray: np.ndarray, dark_ink: bool | None = True, min_height: int = MIN_HEIGHT) -> list[Region]:
    """uint8 (H, W) grey -> candidate digit regions, in no particular order.

    Region boxes are in ``gray``'s pixels; their ink maps are at the working scale (see the
    module's doc). ``dark_ink``: dark ink on light paper (True), light ink on a dark ground (False),
    or read from the frame (None). ``min_height`` is in working pixels.
    """
    read = layers(gray, dark_ink)
    found = regions(read.ink, read.mask, read.walls, min_height, read.glyph, read.cells, read.outlines, read.rules)
    return [Region(scaled(r.box, read.factor), r.ink, r.cell and scaled(r.cell, read.factor)) for r in found]

