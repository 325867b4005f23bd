"""Generated pages of the kinds real photos and scans show, with the truth of every handwritten digit.

Each layout is one thing the recognizer meets on real pages; MNIST *test* digits are the
handwriting, and everything around them is what must not be read as a digit:

- ``grid``: a sudoku-like grid, thin printed, thick marker or wobbly hand-drawn lines, digits
  in some cells, a few touching a wall;
- ``boxes``: a field of one box per digit (a date) with printed captions, and an amount box;
- ``table``: ruled rows and columns with numbers and handwritten words in the cells;
- ``touching``: numbers whose digits touch or overlap, written fast and cramped;
- ``pencil``: faint grey pencil numbers;
- ``words``: handwritten words and numbers on the same lines, a word at times ending in ? or !;
- ``math``: sums with x, +, =, brackets and raised powers between the digits, and at times an
  empty field printed in dashes or dashes and dots, as worksheets have for a name;
- ``marks``: X marks and ticks in an answer grid, beside numbers;
- ``print``: printed text lines beside handwritten numbers, some ending in an empty field or tick box;
- ``show-through``: writing from the back of the sheet, mirrored and faint, behind numbers;
- ``desk``: a torn or cut sheet lying on a desk, lighter or darker than the paper, so that the
  photo shows the sheet's edges and its shadow, with the thin line the edge casts, darker in
  stretches; a dark desk may be a laptop's keyboard, and strips of sticky tape may hold the
  sheet down. At times the photo cuts the sheet, whose edge then runs round the writing open
  on one or two sides, and at times the sheet's corners are round.
- ``board``: light writing on a dark ground, as chalk on a blackboard or a greenboard or a digit
  drawn in white on black, numbers among words, over the haze of writing wiped off.

    PageGenerator(seed=3).page("grid")   # a Scene: frame, digit boxes, number boxes
"""

from __future__ import annotations

import cv2
import numpy as np

from edge_infer import glyphs
from edge_infer.group import Box, union
from edge_infer.scenes import INKS, Scene, SceneGenerator, Tally, _blend

LAYOUTS = ("grid", "boxes", "table", "touching", "pencil", "words", "math", "marks", "print", "show-through", "desk",
           "board")
PENCIL = (105, 105, 110)  # BGR of graphite on paper
PRINT = (40, 40, 40)  # BGR of printer's ink
BOARDS = ((40, 45, 40), (50, 75, 45), (22, 22, 22))  # BGR of a blackboard, a greenboard and a dark screen or card
CHALKS = ((225, 230, 230), (150, 225, 240), (235, 215, 200))  # BGR of white and yellow chalk, and a light pen
LIGHT_INK = ("board",)  # the layouts written light on a dark ground; the others are dark ink on paper
OFF_FRAME = 0.4  # of desk pages show a sheet the photo cuts
ROUNDED = 0.5  # of desk sheets have round corners


class PageGenerator(SceneGenerator):
    """Pages of each layout in ``LAYOUTS``, photographed like ``SceneGenerator``'s scenes; same seed, same pages."""

    def page(self, layout: str | None = None) -> Scene:
        """One page of ``layout`` (default: a random one)."""
        layout = layout or LAYOUTS[self.rng.integers(len(LAYOUTS))]
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
        paper = self.paper(plain=layout in ("grid", "boxes", "table", "marks", "show-through", "board"))
        digits: list[tuple[Box, int]] = []
        numbers: list[tuple[Box, str]] = []
        getattr(self, "_" + layout.replace("-", "_"))(paper, digits, numbers)
        return self._photograph(paper, digits, numbers)

    # -- writing --------------------------------------------------------------------------------
    def _pen(self) -> tuple[np.ndarray, float]:
        """A random ballpoint or marker colour and stroke width (1 = MNIST's)."""
        colour = np.array(INKS[self.rng.choice(list(INKS))], np.float32) + self.rng.uniform(-15, 15, 3)
        return colour.astype(np.float32), float(self.rng.choice([self.rng.uniform(0.55, 1.0),
                                                                 self.rng.uniform(1.0, 1.6)]))

    def _put(self, paper: np.ndarray, alpha: np.ndarray, x: int, y: int, colour) -> Box | None:
        """Paint ``alpha`` (float32 (h, w) ink coverage) at (x, y); the box of its ink, or None if off the page."""
        h, w = alpha.shape
        if x < 0 or y < 0 or x + w > paper.shape[1] or y + h > paper.shape[0]:
            return None
        region = paper[y:y + h, x:x + w]
        region[:] = _blend(region, alpha, np.asarray(colour, np.float32))
        bx, by, bw, bh = glyphs.ink_box(alpha)
        return (x + bx, y + by, bw, bh) if bw else None

    def _digit(self, paper, x: int, y: int, height: int, stroke: float, colour, digits,
               opacity: float = 1.0) -> tuple[Box, int] | None:
        """Write one random MNIST test digit ``height`` px tall at (x, y); record and return its truth."""
        index = int(self.rng.integers(len(self.digits)))
        box = self._put(paper, self._glyph(index, height, stroke) * opacity, x, y, colour)
        if box is None:
            return None
        digits.append((box, int(self.labels[index])))
        return digits[-1]

    def _number(self, paper, x: int, y: int, height: int, length: int, digits, numbers, colour=None,
                stroke: float | None = None, gap: tuple[float, float] = (0.2, 0.5), opacity: float = 1.0) -> int:
        """Write a ``length``-digit number with its top-left at (x, y); record its truth; return its right end."""
        pen, width = self._pen()
        colour, stroke = pen if colour is None else colour, width if stroke is None else stroke
        written = []
        for _ in range(length):
            truth = self._digit(paper, x, y + int(self.rng.uniform(-0.05, 0.05) * height), height, stroke, colour,
                                digits, opacity)
            if truth is None:
                break
            written.append(truth)
            x = truth[0][0] + truth[0][2] + int(self.rng.uniform(*gap) * height)
        if written:
            numbers.append((union(b for b, _ in written), "".join(str(d) for _, d in written)))
        return x

    def _text(self, paper, text: str, x: int, y: int, height: int, kind: str = "handwriting", colour=None) -> int:
        """Write ``text`` (no truth: it is not digits); return its right end."""
        alpha = glyphs.render(text, height, self.rng, kind=kind, stroke=self.rng.uniform(0.7, 1.4))
        self._put(paper, alpha, x, y + height - alpha.shape[0] if text.islower() else y,
                  PRINT if colour is None and kind == "printed" else (colour if colour is not None else self._pen()[0]))
        return x + alpha.shape[1]

    def _bracket(self, paper, char: str, x: int, y: int, height: int, colour) -> int:
        """A bracket around digits ``height`` px tall at (x, y), reaching above and below them, as wide as a font's
        or up to twice that (a hand's round bracket is as wide for its height as a letter); its right end."""
        alpha = glyphs.render(char, int(height * self.rng.uniform(1.1, 1.4)), self.rng,
                              stroke=self.rng.uniform(0.7, 1.4))
        alpha = cv2.resize(alpha, (max(1, int(alpha.shape[1] * self.rng.uniform(1.0, 2.0))), alpha.shape[0]),
                           interpolation=cv2.INTER_LINEAR)
        self._put(paper, alpha, x, y - (alpha.shape[0] - height) // 2, colour)
        return x + alpha.shape[1]

    def _rect(self, layer: np.ndarray, box: Box, thickness: int, wobble: float) -> None:
        """Draw a box's outline into ``layer`` (uint8), straight or hand-drawn with ``wobble`` px of waver."""
        x, y, w, h = box
        corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]
        for a, b in zip(corners, corners[1:]):
            self._line(layer, a, b, thickness, wobble)

    def _line(self, layer: np.ndarray, a, b, thickness: int, wobble: float) -> None:
        steps = max(2, int(np.hypot(b[0] - a[0], b[1] - a[1]) // 12))
        t = np.linspace(0, 1, steps + 1)[:, None]
        points = (1 - t) * np.float32(a) + t * np.float32(b)
        if wobble:
            normal = np.float32([a[1] - b[1], b[0] - a[0]]) / max(np.hypot(b[0] - a[0], b[1] - a[1]), 1)
            bend = np.sin(np.pi * t) * self.rng.uniform(-wobble, wobble) + self.rng.normal(0, wobble / 4, t.shape)
            points = points + bend * normal
        cv2.polylines(layer, [np.round(points).astype(np.int32)], False, 255, thickness, cv2.LINE_AA)

    def _lines_style(self) -> tuple[int, float, np.ndarray]:
        """Thickness, waver and colour of a grid's or box's lines: thin print, thick marker or hand-drawn."""
        style = self.rng.integers(3)
        if style == 0:
            return int(self.rng.integers(1, 3)), 0.0, np.float32(PRINT)
        if style == 1:
            return int(self.rng.integers(3, 6)), float(self.rng.uniform(0, 1.5)), self._pen()[0]
        return int(self.rng.integers(2, 4)), float(self.rng.uniform(1.5, 4.0)), self._pen()[0]

    # -- layouts --------------------------------------------------------------------------------
    def _grid(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        n = int(rng.integers(4, 10))
        cell = int(min(rng.uniform(32, 56), (min(h, w) - 30) / n))
        x0, y0 = int(rng.integers(10, w - n * cell - 10)), int(rng.integers(10, h - n * cell - 10))
        thickness, wobble, colour = self._lines_style()
        layer = np.zeros((h, w), np.uint8)
        for i in range(n + 1):
            bold = thickness + (2 if n == 9 and i % 3 == 0 else 0)
            self._line(layer, (x0 + i * cell, y0), (x0 + i * cell, y0 + n * cell), bold, wobble)
            self._line(layer, (x0, y0 + i * cell), (x0 + n * cell, y0 + i * cell), bold, wobble)
        paper[:] = _blend(paper, layer.astype(np.float32) / 255, colour)
        pen, stroke = self._pen()
        for row in range(n):
            for col in range(n):
                if rng.random() < 0.45:
                    self._in_cell(paper, (x0 + col * cell, y0 + row * cell, cell, cell), pen, stroke, digits, numbers,
                                  thickness // 2 + int(wobble) + 2)

    def _in_cell(self, paper, cell: Box, colour, stroke: float, digits, numbers, wall: int = 3) -> None:
        """One digit in a cell whose walls are ``wall`` px thick: clear of them, or now and then written against one."""
        rng = self.rng
        x, y, w, h = cell
        inner = min(w, h) - 2 * wall
        index = int(rng.integers(len(self.digits)))
        alpha = self._glyph(index, max(8, int(inner * rng.uniform(0.55, 0.8))), stroke)
        slack_x, slack_y = max(w - 2 * wall - alpha.shape[1], 0), max(h - 2 * wall - alpha.shape[0], 0)
        if rng.random() < 0.12:  # against the left or right wall
            left = x + wall - 2 if rng.random() < 0.5 else x + w - wall - alpha.shape[1] + 2
        else:
            left = x + wall + int(rng.uniform(0.2, 0.8) * slack_x)
        box = self._put(paper, alpha, left, y + wall + int(rng.uniform(0.2, 0.8) * slack_y), colour)
        if box:
            digits.append((box, int(self.labels[index])))
            numbers.append((box, str(digits[-1][1])))

    def _boxes(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        thickness, wobble, colour = self._lines_style()
        layer = np.zeros((h, w), np.uint8)
        size = int(rng.uniform(30, 48))
        count = int(rng.integers(6, 11))
        x0, y0 = int(rng.integers(10, max(11, w - count * size - 10))), int(rng.integers(10, h // 2 - size))
        shared = rng.random() < 0.6  # boxes that share their sides, or stand apart
        step = size if shared else int(size * 1.25)
        cells = [(x0 + i * step, y0, size, size) for i in range(count)]
        for cell in cells:
            self._rect(layer, cell, thickness, wobble)
        amount = (int(rng.integers(10, max(11, w - 300))), int(rng.integers(h // 2 + 20, h - 80)),
                  int(rng.integers(200, 290)), int(rng.integers(44, 60)))
        self._rect(layer, amount, thickness, wobble)
        if rng.random() < 0.35:  # a form's shaded field, as a worksheet's grey box for the pupil's number
            x, y, bw, bh = amount
            paper[y:y + bh, x:x + bw] *= np.float32(1 - rng.uniform(0.1, 0.3))
        paper[:] = _blend(paper, layer.astype(np.float32) / 255, colour)
        for i, (x, y, _, _) in enumerate(cells):  # printed captions under the boxes, as on cheques
            self._text(paper, "DDMMYYYY"[i % 8], x + size // 3, y + size + 4, 10, kind="printed")
        pen, stroke = self._pen()
        written = []
        for cell in cells:
            before = len(digits)
            self._in_cell(paper, cell, pen, stroke, digits, [], thickness // 2 + int(wobble) + 2)
            written.extend(digits[before:])
        if written:
            numbers.append((union(b for b, _ in written), "".join(str(d) for _, d in written)))
        x, y, _, bh = amount
        self._number(paper, x + 10, y + int(0.2 * bh), int(0.6 * bh), int(rng.integers(3, 7)), digits, numbers,
                     pen, stroke)

    def _table(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        thickness, wobble, colour = self._lines_style()
        rows, cols = int(rng.integers(3, 7)), int(rng.integers(2, 5))
        row_h = int(min(rng.uniform(38, 56), (h - 40) / rows))
        col_w = int(min(rng.uniform(110, 180), (w - 20) / cols))
        x0, y0 = int(rng.integers(5, w - cols * col_w - 5)), int(rng.integers(5, h - rows * row_h - 5))
        layer = np.zeros((h, w), np.uint8)
        for r in range(rows + 1):
            self._line(layer, (x0, y0 + r * row_h), (x0 + cols * col_w, y0 + r * row_h), thickness, wobble)
        for c in range(cols + 1):
            self._line(layer, (x0 + c * col_w, y0), (x0 + c * col_w, y0 + rows * row_h), thickness, wobble)
        paper[:] = _blend(paper, layer.astype(np.float32) / 255, colour)
        pen, stroke = self._pen()
        for c in range(cols):
            self._text(paper, glyphs.WORDS[rng.integers(len(glyphs.WORDS))], x0 + c * col_w + 8, y0 + row_h // 3,
                       int(row_h * 0.35), kind="printed")
        for r in range(1, rows):
            for c in range(cols):
                x, y = x0 + c * col_w + int(rng.uniform(6, 20)), y0 + r * row_h + int(row_h * 0.2)
                height = int(row_h * rng.uniform(0.5, 0.62))
                if rng.random() < 0.7:
                    length = int(rng.integers(1, min(5, max(2, col_w // height))))
                    self._number(paper, x, y, height, length, digits, numbers, pen, stroke)
                else:
                    self._text(paper, glyphs.WORDS[rng.integers(len(glyphs.WORDS))][:5], x, y, height, colour=pen)

    def _touching(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        for line in range(int(rng.integers(2, 5))):
            height = int(rng.uniform(28, 60))
            y = int(20 + line * (h - 40) / 4)
            if y + height * 1.2 >= h:
                break
            self._number(paper, int(rng.integers(10, w // 3)), y, height, int(rng.integers(2, 6)), digits, numbers,
                         gap=(-0.12, 0.02))

    def _desk(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        top = int(rng.uniform(0.15, 0.3) * h)
        for line in range(int(rng.integers(2, 4))):
            height = int(rng.uniform(24, 50))
            y = top + line * int(1.6 * 50)
            if y + height >= 0.85 * h:
                break
            self._number(paper, int(rng.uniform(0.2, 0.45) * w), y, height, int(rng.integers(1, 5)), digits, numbers)
        if not numbers:
            return
        x0, y0, bw, bh = union(b for b, _ in numbers)
        margin = rng.uniform(0.04, 0.12, 4) * [w, h, w, h]  # the sheet reaches this far past the writing
        left, up = max(x0 - margin[0], 2), max(y0 - margin[1], 2)
        right, down = min(x0 + bw + margin[2], w - 3), min(y0 + bh + margin[3], h - 3)
        if rng.random() < OFF_FRAME:  # the photo cuts the sheet: its edge shows on the other sides only, an L or a U
            beyond = [-20, -20, w + 20, h + 20]
            sides = [left, up, right, down]
            for side in rng.choice(4, int(rng.integers(1, 3)), replace=False):
                sides[side] = beyond[side]
            left, up, right, down = sides
        corners = [(left, up), (right, up), (right, down), (left, down)]
        outline = []
        for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1]):  # each side torn or cut straight
            steps = int(max(abs(bx - ax), abs(by - ay)) // 6) if rng.random() < 0.6 else 1
            t = np.linspace(0, 1, steps, endpoint=False)[:, None]
            side = (1 - t) * np.float32([ax, ay]) + t * np.float32([bx, by])
            inward = np.float32([by - ay, ax - bx]) / max(float(np.hypot(bx - ax, by - ay)), 1.0)
            side += np.abs(np.cumsum(rng.normal(0, 1.5, (steps, 1)), 0)) * -inward  # tears only take paper away
            outline.append(side)
        sheet = np.zeros((h, w), np.uint8)
        cv2.fillPoly(sheet, [np.round(np.concatenate(outline)).astype(np.int32)], 255, cv2.LINE_AA)
        if rng.random() < ROUNDED:  # a note's or a worn sheet's corners are round: its edge is no straight rule
            radius = int(min(rng.uniform(1.5, 3.0) * margin.min(),  # a round corner takes 0.3 of it off the writing's
                             0.4 * min(right - left, down - up)))  # margin; a narrow strip stays a strip
            sheet = cv2.morphologyEx(sheet, cv2.MORPH_OPEN,
                                     cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2))
        sheet = sheet.astype(np.float32)[..., None] / 255
        # a dark desk (or a keyboard), a mid-grey one, or a light one a shade off the paper, where the sheet
        # shows by its edge's shadow alone
        tone = rng.choice([rng.uniform(35, 90), rng.uniform(120, 175), rng.uniform(180, 215)])
        desk = tone + rng.uniform(-20, 20, 3).astype(np.float32) \
            + cv2.GaussianBlur(rng.normal(0, 12, (h, w)).astype(np.float32), (0, 0), 3)[..., None]
        if tone < 100 and rng.random() < 0.6:
            self._keys(desk, tone)
        shadow = 1 - 0.35 * cv2.GaussianBlur(sheet, (0, 0), 3)[..., None] * (1 - sheet)  # the sheet's shadow ...
        rim = cv2.dilate(sheet, np.ones((3, 3), np.uint8))[..., None] - sheet  # ... and the thin dark line its edge
        stretches = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 10)  # casts, darker in
        stretches = 0.35 + 0.65 * np.clip(stretches / (stretches.std() + 1e-6), 0, 1)[..., None]  # stretches
        shadow *= 1 - rim * rng.uniform(0.3, 0.6) * stretches
        paper[:] = sheet * paper + (1 - sheet) * desk * shadow
        for _ in range(int(rng.integers(0, 3))):
            self._tape(paper, corners)

    def _keys(self, desk: np.ndarray, tone: float) -> None:
        """A laptop's keys on a dark ``desk`` (float BGR, changed in place): rounded squares in rows, each with a
        light printed letter or arrow, as photos of a note on a keyboard show."""
        rng, (h, w) = self.rng, desk.shape[:2]
        size = int(rng.uniform(0.07, 0.12) * w)
        gap = max(2, size // 8)
        ox, oy = -int(rng.integers(0, size)), -int(rng.integers(0, size))
        keys, labels = np.zeros((h, w), np.uint8), np.zeros((h, w), np.uint8)
        for y in range(oy, h, size + gap):
            shift = int(rng.integers(0, size // 2))  # rows of keys are staggered
            for x in range(ox - shift, w, size + gap):
                cv2.rectangle(keys, (x, y), (x + size, y + size), 255, -1, cv2.LINE_AA)
                cv2.rectangle(desk, (x, y), (x + size, y + size), tone + 8, max(1, size // 10), cv2.LINE_AA)
                if rng.random() < 0.7:
                    text = str(rng.choice(list(glyphs.LETTERS) + ["<", ">", "^", "Alt", "Ctrl", "PgUp"]))
                    cv2.putText(labels, text, (x + size // 5, y + size // 2), cv2.FONT_HERSHEY_SIMPLEX,
                                size / 90, 255, max(1, size // 30), cv2.LINE_AA)
        lit = cv2.GaussianBlur(keys.astype(np.float32) / 255, (0, 0), 1.0)[..., None]
        desk[:] = desk * (1 - 0.25 * lit) + lit * 0.25 * (tone - 25)  # key tops a shade darker than the gaps
        desk[:] = _blend(desk, labels.astype(np.float32) / 255 * rng.uniform(0.5, 0.9), np.float32([200, 200, 200]))

    def _tape(self, paper: np.ndarray, corners) -> None:
        """A strip of coloured or clear sticky tape across one side of the sheet (``corners``, clockwise)."""
        rng, (h, w) = self.rng, paper.shape[:2]
        side = int(rng.integers(4))
        (ax, ay), (bx, by) = corners[side], corners[(side + 1) % 4]
        t = rng.uniform(0.2, 0.8)
        centre = ((1 - t) * ax + t * bx, (1 - t) * ay + t * by)
        along = side % 2 == 1  # across a left or right side, the strip runs across it horizontally
        length, breadth = rng.uniform(0.12, 0.3) * h, rng.uniform(0.04, 0.09) * w
        size = (length, breadth) if along else (breadth, length)
        strip = cv2.boxPoints((centre, size, rng.uniform(-8, 8)))
        layer = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(layer, np.round(strip).astype(np.int32), 255, cv2.LINE_AA)
        colour = np.float32(rng.choice([[90, 160, 80], [200, 140, 60], [120, 200, 230], [225, 225, 225]], axis=0))
        paper[:] = _blend(paper, layer.astype(np.float32) / 255 * rng.uniform(0.35, 0.9),
                          colour + rng.uniform(-20, 20, 3).astype(np.float32))

    def _pencil(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        colour = np.float32(PENCIL) + rng.uniform(-15, 15, 3).astype(np.float32)
        for line in range(int(rng.integers(2, 5))):
            height = int(rng.uniform(22, 60))
            self._number(paper, int(rng.integers(10, w // 2)), int(20 + line * (h - 40) / 4), height,
                         int(rng.integers(1, 5)), digits, numbers, colour, rng.uniform(0.5, 0.9),
                         opacity=rng.uniform(0.55, 0.85))

    def _words(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        pen, stroke = self._pen()
        for line in range(int(rng.integers(3, 6))):
            height = int(rng.uniform(22, 40))
            x, y = int(rng.integers(10, 60)), int(20 + line * (h - 40) / 5)
            while x < w - 200:
                if rng.random() < 0.35:
                    x = self._number(paper, x, y, height, int(rng.integers(1, 5)), digits, numbers, pen, stroke)
                else:  # a word, at times ending a question or an exclamation
                    end = str(rng.choice(["", "?", "!"], p=[0.8, 0.1, 0.1]))
                    x = self._text(paper, glyphs.WORDS[rng.integers(len(glyphs.WORDS))] + end, x, y, height, colour=pen)
                x += int(rng.uniform(0.6, 1.2) * height)

    def _math(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        pen, stroke = self._pen()
        for line in range(int(rng.integers(2, 5))):
            height = int(rng.uniform(24, 42))
            x, y = int(rng.integers(20, 120)), int(30 + line * (h - 60) / 4)
            for term in range(int(rng.integers(2, 4))):
                if term:  # an operator, drawn at the digits' size: its own shape makes it smaller
                    x = self._text(paper, str(rng.choice(["+", "x", "=", "-", "×"])), x + height // 3,
                                   y + height // 8, int(height * 0.9), colour=pen) + height // 3
                bracketed = rng.random() < 0.3
                if bracketed:
                    x = self._bracket(paper, "(", x, y, height, pen) + height // 8
                x = self._number(paper, x, y, height, int(rng.integers(1, 3)), digits, numbers, pen, stroke)
                if rng.random() < 0.3:  # a power, raised and smaller
                    x = self._number(paper, x - height // 8, y - height // 3, int(height * 0.55), 1, digits,
                                     numbers, pen, stroke)
                if bracketed and rng.random() < 0.7:  # closed, at times after another term inside
                    if rng.random() < 0.4:
                        x = self._text(paper, str(rng.choice(["+", "x", "-"])), x + height // 4, y + height // 8,
                                       int(height * 0.9), colour=pen) + height // 4
                        x = self._number(paper, x, y, height, int(rng.integers(1, 3)), digits, numbers, pen, stroke)
                    x = self._bracket(paper, ")", x + height // 8, y, height, pen)
                if x > w - 150:
                    break
        if rng.random() < 0.5:  # an empty printed field in dashes, or dashes and dots, below the sums, for a name
            layer = np.zeros((h, w), np.uint8)
            box = (int(rng.integers(w - 230, w - 170)), int(rng.integers(h - 75, h - 60)),
                   int(rng.integers(120, 160)), int(rng.integers(30, 45)))
            self._dashed(layer, box, int(rng.integers(1, 3)), dots=rng.random() < 0.6)
            paper[:] = _blend(paper, layer.astype(np.float32) / 255, np.float32(PRINT))

    def _dashed(self, layer: np.ndarray, box: Box, thickness: int, dots: bool) -> None:
        """Draw a box's outline into ``layer`` (uint8) in dashes (as long as a short digit is tall), each followed by
        a dot if ``dots``."""
        x, y, w, h = box
        dash, gap = int(self.rng.integers(8, 15)), int(self.rng.integers(3, 6))
        corners = np.float32([(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)])
        for a, b in zip(corners, corners[1:]):
            length = float(np.hypot(*(b - a)))
            step, along = (b - a) / length, 0.0
            while along < length:
                end = min(along + dash, length)
                start, stop = (tuple(np.round(a + t * step).astype(int)) for t in (along, end))
                cv2.line(layer, start, stop, 255, thickness, cv2.LINE_AA)
                along = end + gap
                if dots and along < length:
                    cv2.circle(layer, tuple(np.round(a + along * step).astype(int)), max(1, thickness // 2), 255, -1,
                               cv2.LINE_AA)
                    along += gap
                along += gap

    def _marks(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        thickness, wobble, colour = self._lines_style()
        cell = int(rng.uniform(34, 48))
        cols, rows = int(rng.integers(3, 7)), int(rng.integers(2, 5))
        x0, y0 = int(rng.integers(10, w - cols * cell - 10)), int(rng.integers(10, h // 2))
        layer = np.zeros((h, w), np.uint8)
        for r in range(rows):
            for c in range(cols):
                self._rect(layer, (x0 + c * cell, y0 + r * cell, cell, cell), thickness, wobble)
        paper[:] = _blend(paper, layer.astype(np.float32) / 255, colour)
        pen, stroke = self._pen()
        marks = np.zeros((h, w), np.uint8)
        for r in range(rows):
            for c in range(cols):
                x, y, pick = x0 + c * cell, y0 + r * cell, rng.random()
                m = int(cell * 0.2)
                if pick < 0.35:  # an X
                    self._line(marks, (x + m, y + m), (x + cell - m, y + cell - m), 3, 1.0)
                    self._line(marks, (x + cell - m, y + m), (x + m, y + cell - m), 3, 1.0)
                elif pick < 0.6:  # a tick
                    self._line(marks, (x + m, y + cell // 2), (x + cell // 2 - 2, y + cell - m), 3, 0.5)
                    self._line(marks, (x + cell // 2 - 2, y + cell - m), (x + cell - m, y + m), 3, 0.5)
                elif pick < 0.85:
                    wall = thickness // 2 + int(wobble) + 2
                    self._in_cell(paper, (x, y, cell, cell), pen, stroke, digits, numbers, wall)
        paper[:] = _blend(paper, marks.astype(np.float32) / 255, pen)
        self._number(paper, int(rng.integers(10, w // 2)), int(y0 + rows * cell + 20), int(rng.uniform(26, 40)),
                     int(rng.integers(2, 5)), digits, numbers, pen, stroke)

    def _print(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        fields = np.zeros((h, w), np.uint8)  # the empty fields and tick boxes, printed at the end in one go
        y = int(rng.integers(10, 40))
        while y < h - 60:
            height = int(rng.uniform(10, 22))
            if rng.random() < 0.35:
                height = int(rng.uniform(26, 44))
                self._number(paper, int(rng.integers(20, w // 2)), y, height, int(rng.integers(1, 6)), digits,
                             numbers)
            else:
                x = int(rng.integers(10, 60))
                while x < w - 150:
                    x = self._text(paper, glyphs.WORDS[rng.integers(len(glyphs.WORDS))], x, y, height,
                                   kind="printed") + int(height * 0.6)
                if rng.random() < 0.5:  # an empty field or tick box after the caption, flat as they are
                    tall = int(height * rng.uniform(0.8, 1.4))
                    wide = int(tall * rng.uniform(1.5, 3.0))
                    self._rect(fields, (min(x, w - wide - 10), y, wide, tall), int(rng.integers(1, 3)), 0.0)
            y += int(height * rng.uniform(1.6, 2.4))
        paper[:] = _blend(paper, fields.astype(np.float32) / 255, np.float32(PRINT))

    def _show_through(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        back = self.paper(plain=True)
        self._words(back, [], [])  # the other side of the sheet: writing whose truth belongs to no one here
        seen = cv2.GaussianBlur(cv2.flip(back, 1), (0, 0), rng.uniform(1.0, 2.5))
        paper_tone = np.median(back.reshape(-1, 3), 0)
        fade = rng.uniform(0.12, 0.3)  # how much of the back's ink shows through the paper
        paper[:] = paper - fade * np.maximum(paper_tone - seen, 0)
        for line in range(int(rng.integers(2, 4))):
            self._number(paper, int(rng.integers(10, w // 2)), int(30 + line * (h - 60) / 3), int(rng.uniform(26, 50)),
                         int(rng.integers(1, 5)), digits, numbers)

    def _board(self, paper, digits, numbers) -> None:
        rng, (h, w) = self.rng, paper.shape[:2]
        ground = np.float32(BOARDS[rng.integers(len(BOARDS))]) + rng.uniform(-8, 8, 3).astype(np.float32)
        paper[:] = ground * (paper / paper.mean((0, 1)))  # the paper's grain, as the board's
        wiped = np.zeros((h, w), np.float32)  # writing wiped off: a haze of chalk in its place
        for _ in range(int(rng.integers(0, 4))):
            alpha = glyphs.render(glyphs.WORDS[rng.integers(len(glyphs.WORDS))], int(rng.uniform(30, 60)), rng)
            x, y = int(rng.integers(0, max(w - alpha.shape[1], 1))), int(rng.integers(0, max(h - alpha.shape[0], 1)))
            wiped[y:y + alpha.shape[0], x:x + alpha.shape[1]] = np.maximum(
                wiped[y:y + alpha.shape[0], x:x + alpha.shape[1]], alpha[:h - y, :w - x])
        chalk = np.float32(CHALKS[rng.integers(len(CHALKS))])
        paper[:] = _blend(paper, cv2.GaussianBlur(wiped, (0, 0), rng.uniform(3, 8)) * rng.uniform(0.1, 0.3), chalk)
        stroke = float(rng.uniform(0.8, 1.6))
        for line in range(int(rng.integers(2, 5))):
            height = int(rng.uniform(26, 50))
            x, y = int(rng.integers(10, 60)), int(20 + line * (h - 60) / 4)
            while x < w - 200:
                if rng.random() < 0.6:
                    x = self._number(paper, x, y, height, int(rng.integers(1, 5)), digits, numbers, chalk, stroke,
                                     opacity=float(rng.uniform(0.75, 1.0)))  # chalk leaves the board showing
                else:
                    x = self._text(paper, glyphs.WORDS[rng.integers(len(glyphs.WORDS))], x, y, height, colour=chalk)
                x += int(rng.uniform(0.6, 1.2) * height)


def measure_pages(recognizer, generator: PageGenerator, pages: int, layouts=LAYOUTS) -> dict[str, dict]:
    """Read ``pages`` pages of each of ``layouts`` written in the ink the recognizer reads (its ``ink``: "dark" reads
    the pages on paper, "light" the boards of LIGHT_INK, "auto" both); the metrics of each (as ``Tally.metrics``)
    and of all (``"all"``).

    Each layout's pages come from a random stream of its own, spawned from the generator's (which is left on the
    last), so that a change to how one layout is drawn leaves the pages of the others as they were, and a layout
    read alone gets the pages it gets among all.
    """
    tallies = {}
    for layout, stream in zip(LAYOUTS, generator.rng.spawn(len(LAYOUTS))):
        if layout not in layouts or (recognizer.ink != "auto" and (layout in LIGHT_INK) != (recognizer.ink == "light")):
            continue
        generator.rng = stream
        tallies[layout] = Tally()
        for _ in range(pages):
            tallies[layout].add(recognizer, generator.page(layout))
    return {**{layout: t.metrics() for layout, t in tallies.items()}, "all": Tally.total(tallies.values()).metrics()}
