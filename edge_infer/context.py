"""Use what the page says around a glyph: a digit-like glyph inside a word is a letter.

An O, I, S or Z written alone is as likely 0, 1, 5 or 2; written among letters it is a letter.
Glyphs are grouped into lines and words as numbers are (``group``), with the wider gap of
letters written one to a box; in a word of two letters at least (glyphs not read as digits) and
no fewer letters than digits (a glyph of letters written joined counting one for each height of
its width), the digits are read as letters too, but for digits a word space from the
words beside them, which are a number of their own. Only glyphs as tall as the word's digits,
not narrow, and not reaching above and below them count as letters, so the smaller x, + and = of
a sum and the brackets around it leave its digits alone. A digit-like glyph written joined to
letters on both sides, though taller than they are (the f of a cursive word), is a letter too,
and so is one no taller than the x-height of a letter rising above it beside it on the same
baseline (the o of "do"), which runs leave apart as they differ so in size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge_infer import group
from edge_infer.group import Box

WORD_GAP = 2.0  # glyphs closer than this many heights belong to one word (letters in boxes are far apart)
TALL = 0.8  # a glyph not read as a digit counts as a letter of a word if at least this tall for its digits ...
BROAD = 0.35  # ... and at least this wide for its height (bars are not, nor a font's brackets) ...
BRACKET = 0.1  # ... and not reaching this share of the digits' height above and below them, as a bracket does
JOINED = 0.1  # a glyph this close (in its heights) to letters on both sides is written joined to them: a letter
ASCENDER = 1.6  # a letter this many times as tall as the glyph beside it rises above that glyph's x-height (d, h, t
# stand about twice as tall as o, a and e), ...
BASELINE = 0.25  # ... when their feet are level to this share of the small glyph's height (a raised power is not)
SPACE = 0.4  # digits set off by a gap this many of their heights wide from a word written joined beside them ...
JOINED_WORD = 1.5  # ... (a glyph this many times wider than tall: letters run together) are a number of their own,
LETTER_SPACES = 2.0  # ... and so are digits set off by this many times the space between the word's letters beside
# them (printed or block letters stand apart, but closer; block capitals written one to a box are evenly spaced) ...
LEVEL = 0.88  # ... when they are as tall as one another to this share (each as their upper median: of two, the
# taller; in a longer number one short digit, a 2 drawn wide, is no outlier), and as the letter beside them (the o
# and f of a printed "of" are not; nor are "so" and "is", x-height beside capitals and ascenders), and are not a lone I


@dataclass(frozen=True)
class Glyph:
    """One classified region: ``box`` (x, y, w, h) in frame pixels, ``probabilities``, float32 (10,) over the
    digits (what they leave to 1 is the probability that the glyph is no digit), and the ``cell`` of a row of boxes
    it is written in, (x, y, w, h) in frame pixels, or None."""

    box: Box
    probabilities: np.ndarray
    cell: Box | None = None

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())


def in_words(glyphs: list[Glyph], min_confidence: float) -> set[int]:
    """Indices of the glyphs read as digits (confidence >= ``min_confidence``) that stand in a word."""
    digit = [g.confidence >= min_confidence for g in glyphs]
    index = {id(g): i for i, g in enumerate(glyphs)}
    wordy: set[int] = set()
    lines = group.lines(glyphs)
    for line in lines:
        wordy.update(_lowercase(line, digit, index))
        for run in group.runs(line, WORD_GAP):
            apart = _set_apart(run, digit, index)
            for words in _between(run, apart, index):  # a number set apart parts the words on its two sides
                digits = [index[id(g)] for g in words if digit[index[id(g)]]]
                if not digits:
                    continue
                tall = TALL * float(np.median([glyphs[i].box[3] for i in digits]))
                top = float(np.median([glyphs[i].box[1] for i in digits]))
                foot = float(np.median([glyphs[i].box[1] + glyphs[i].box[3] for i in digits]))
                reach = BRACKET * (foot - top)  # a glyph reaching this far above and below the digits is a bracket
                letters = [g for g in words if not digit[index[id(g)]] and g.box[3] >= tall
                           and g.box[2] >= BROAD * g.box[3]
                           and not (g.box[1] <= top - reach and g.box[1] + g.box[3] >= foot + reach)]
                # a word has two letters at least; with two, a glyph of letters written joined counts one a height
                # of its width (a lone wide glyph is as likely two digits written together)
                if len(letters) >= 2 and sum(max(1, g.box[2] // g.box[3]) for g in letters) >= len(digits):
                    wordy.update(digits)
    while True:  # a digit-like glyph joined on both sides to letters, or to glyphs taken for letters, is one too
        still = [d and i not in wordy for i, d in enumerate(digit)]  # digits not yet taken for letters
        joined = {i for line in lines for i in _joined(line, still, index)} - wordy
        if not joined:
            return wordy
        wordy |= joined


def _between(run: list[Glyph], apart: set[int], index: dict[int, int]) -> list[list[Glyph]]:
    """The stretches of ``run`` between the glyphs in ``apart`` (indices), each a list of glyphs left to right."""
    stretches: list[list[Glyph]] = [[]]
    for g in run:
        if index[id(g)] in apart:
            stretches.append([])
        else:
            stretches[-1].append(g)
    return [s for s in stretches if s]


def _set_apart(run: list[Glyph], digit: list[bool], index: dict[int, int]) -> set[int]:
    """Indices of the digit glyphs of ``run`` (left to right) in a group of consecutive digits set off by a word
    space (SPACE of the group's height) from each glyph beside it, where that glyph is a word written joined
    (JOINED_WORD times wider than tall), "year 1997" in running hand, or where the space is LETTER_SPACES times the
    space between the word's letters there, "YORK 93 Ref" in block or printed letters, and the group's digits are
    level with one another and with the letter beside them (LEVEL), and not a lone narrow I. Block capitals one to a
    box stand evenly apart, and a digit-like O among them stays in its word; a digit-like glyph at the group's end as
    close to a word's letters as they are to one another is a letter of that word (``_peeled``)."""
    apart: set[int] = set()
    for start, end in _digit_groups([digit[index[id(g)]] for g in run]):
        start, end = _peeled(run, start, end)
        number = run[start:end + 1]
        height = max(g.box[3] for g in number)
        typical = sorted(g.box[3] for g in number)[len(number) // 2]  # the upper median: of two, the taller
        level = all(LEVEL * typical <= g.box[3] <= typical / LEVEL for g in number) and (
            len(number) > 1 or number[0].box[2] >= BROAD * number[0].box[3])
        sides = []  # (the gap to the word beside, its glyph there, the space between that glyph and the next, or None)
        if start:
            sides.append((_gap(run[start - 1], run[start]), run[start - 1],
                          _gap(run[start - 2], run[start - 1]) if start > 1 else None))
        if end + 1 < len(run):
            sides.append((_gap(run[end], run[end + 1]), run[end + 1],
                          _gap(run[end + 1], run[end + 2]) if end + 2 < len(run) else None))
        if all(word.box[2] >= JOINED_WORD * word.box[3] and gap >= SPACE * height
               or level and spacing is not None and _word_space(gap, spacing, height) and word.box[3] * LEVEL <= height
               for gap, word, spacing in sides):
            apart.update(index[id(g)] for g in number)
    return apart


def _digit_groups(is_digit: list[bool]) -> list[tuple[int, int]]:
    """(first, last) index of each stretch of consecutive True in ``is_digit``."""
    groups, start = [], None
    for i, flag in enumerate([*is_digit, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            groups.append((start, i - 1))
            start = None
    return groups


def _peeled(run: list[Glyph], start: int, end: int) -> tuple[int, int]:
    """The group of digit glyphs ``run[start:end + 1]`` less a glyph at either end that is as close to the letters
    beside it as they are to one another, and a word space from the rest of the group: a letter of that word, as the
    S of "RUPEES 716" is."""
    height = max(g.box[3] for g in run[start:end + 1])
    if 0 < start < end and _word_space(_gap(run[start], run[start + 1]), _gap(run[start - 1], run[start]), height):
        start += 1
    if start < end < len(run) - 1 and _word_space(_gap(run[end - 1], run[end]), _gap(run[end], run[end + 1]), height):
        end -= 1
    return start, end


def _gap(left: Glyph, right: Glyph) -> int:
    """The space between two glyphs of a line, ``left`` before ``right``, in px (less than 0 where they overlap)."""
    return right.box[0] - (left.box[0] + left.box[2])


def _word_space(gap: int, spacing: int, height: int) -> bool:
    """Whether ``gap`` parts two words whose letters stand ``spacing`` apart: SPACE of ``height`` (the digits') wide
    at least, and LETTER_SPACES times ``spacing``."""
    return gap >= SPACE * height and gap >= LETTER_SPACES * max(spacing, 1)


def _joined(line: list[Glyph], digit: list[bool], index: dict[int, int]) -> list[int]:
    """Indices of the digit glyphs of ``line`` (left to right) written joined to a glyph that is no digit on each
    side, closer than JOINED of their height: the f of a cursive "useful", which is taller than the letters
    around it and so in no run with them."""
    joined = []
    for left, middle, right in zip(line, line[1:], line[2:]):
        i = index[id(middle)]
        if digit[i] and not digit[index[id(left)]] and not digit[index[id(right)]]:
            x, _, w, h = middle.box
            if x - (left.box[0] + left.box[2]) <= JOINED * h and right.box[0] - (x + w) <= JOINED * h:
                joined.append(i)
    return joined


def _lowercase(line: list[Glyph], digit: list[bool], index: dict[int, int]) -> list[int]:
    """Indices of the digit glyphs of ``line`` (left to right) written beside a letter (a glyph that is no digit, and
    not narrow) ASCENDER times as tall, standing on the same baseline, within WORD_GAP of their height: an x-height
    letter of a lowercase word, as the o beside the d of "do". A tall glyph with such digits on both sides, as close
    to it as the digits of a number are (group.GAP), is no ascender but more likely a digit of their number run into
    something (writing showing through from the back)."""
    def rises(small: Glyph, tall: Glyph, space: int) -> bool:
        _, y, w, h = small.box
        _, ty, tw, th = tall.box
        return digit[index[id(small)]] and not digit[index[id(tall)]] and tw >= BROAD * th and th >= ASCENDER * h \
            and abs((y + h) - (ty + th)) <= BASELINE * h and space <= WORD_GAP * h

    lower = []
    ends = [None, *line, None]
    for before, tall, after in zip(ends, ends[1:], ends[2:]):
        sides = [(g, max(g.box[0] - (tall.box[0] + tall.box[2]), tall.box[0] - (g.box[0] + g.box[2])))
                 for g in (before, after) if g is not None]  # each neighbour, with the gap to it on its side
        small = [(g, space) for g, space in sides if rises(g, tall, space)]
        if len(small) < 2 or any(space > group.GAP * g.box[3] for g, space in small):
            lower.extend(index[id(g)] for g, _ in small)
    return lower
