"""Follow numbers from frame to frame: a stable id each, and a reading voted over recent frames.

    numbers of each frame -> tracks (matched by box overlap after motion) -> TrackedNumber

A handheld camera moves the whole page. Each track keeps its own velocity, and the camera's
motion in each frame, a shift, zoom and roll fitted to the tracks that moved steadily (a zoom
moves a number near the frame's edge faster than its width), moves the tracks missed in the
frame and those read short of a digit, and starts each new track where it appears. A reading that
lies mostly in a number followed in the frame is a part of it read apart (a digit lost between,
or cut by the frame's edge), not a new number; a missed track that lies so followed such a part,
and goes. A number is shown once read in MIN_FRAMES frames, or at once when its
first reading is sure. A track's text is a vote, digit by digit, over its recent readings, each
weighted by its confidence, by the frame's sharpness (motion blur counts for little) and by its
age; the shown text changes only when another reading's support is clearly larger (hysteresis).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from statistics import median
from typing import Callable

import cv2
import numpy as np

from edge_infer.crop import as_gray8
from edge_infer.group import Box, box_list, intersection, match
from edge_infer.recognizer import Detection, Number

MIN_FRAMES = 2  # a number is shown once it was read in this many frames: within 3 frames of entering the view ...
SURE_FIRST = 0.9  # ... or at once, when its first reading is this sure of every digit, in a sharp frame (weight) and
# clear of the frame's edges: a glimpse is what MIN_FRAMES guards against, and a glimpse is blurred, cut off or unsure
MAX_MISSED = 8  # frames a track lives on unseen, for a blurred or covered frame or two
MATCH_IOU = 0.25  # a number continues a track when their boxes overlap this much after the motion ...
HELD = 0.6  # ... or when one box holds this much of the other: a number read a digit longer or shorter
HISTORY = 15  # readings that vote
DECAY = 0.9  # a reading's weight per frame of age
SWITCH = 1.5  # another text is shown only when its support is this many times the shown text's
SHARPNESS_STEP = 4  # sharpness is measured on every 4th pixel of every 4th row: a 640x480 frame in 0.05 ms
SHARP = 1070.0  # variance of the Laplacian of a sharp frame so sampled; blurrier frames weigh (var / SHARP) ** 2
# (calibrated on handheld clips to weigh frames as the Laplacian of a 320 px area-averaged copy did, at a
# quarter of its cost: sampling without averaging keeps the fine detail that blur takes away)
EDGE = 3  # a number whose box comes this close (px) to the frame's edge may be cut off by it ...
EDGE_WEIGHT = 0.1  # ... so its reading counts this much in the vote, unless it is wider than the number read clear of
# the edge (COMPLETE): a cut takes digits away, it never adds one, so the part read clear of the edge was not all
COMPLETE = 0.85  # a reading shorter, or narrower (width / height), than this share of the number read whole misses
# part of it


@dataclass(frozen=True)
class TrackedNumber:
    """A number followed across frames: a stable ``id``, the voted ``text``, its latest ``box`` (x, y, w, h) in
    frame pixels, the ``digits`` of its latest reading, ``confidence`` in [0, 1] (the share of the recent,
    weighted readings that agree with ``text``) and ``frames_seen``, the frames it was read in."""

    id: int
    text: str
    box: Box
    confidence: float
    digits: tuple[Detection, ...]
    frames_seen: int

    def to_dict(self, scale: float = 1) -> dict:
        """JSON-ready: ``id``, ``text``, ``box`` as [x, y, w, h], ``confidence``, ``frames_seen``, ``digits``; boxes
        in pixels ``scale`` times larger (see ``Detection.to_dict``)."""
        return {"id": self.id, "text": self.text, "box": box_list(self.box, scale), "confidence": self.confidence,
                "frames_seen": self.frames_seen, "digits": [d.to_dict(scale) for d in self.digits]}


@dataclass(frozen=True)
class StreamResult:
    """One frame of a stream: the ``frame`` (index, time, image, name), the ``numbers`` to show (TrackedNumber
    when tracking, else Number) and the frame's own reading, ``raw``."""

    frame: object
    numbers: list
    raw: list[Number]


def sharpness(frame: np.ndarray) -> float:
    """Variance of the Laplacian of a grey, BGR or BGRA uint8 frame (of its green channel), sampled every
    SHARPNESS_STEP px."""
    if not (isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and (frame.ndim == 2 or (
            frame.ndim == 3 and frame.shape[2] in (3, 4)))):
        frame = as_gray8(frame, "frame")  # anything else is converted, or refused with a clear error
    green = frame[..., 1] if frame.ndim == 3 else frame
    sample = np.ascontiguousarray(green[::SHARPNESS_STEP, ::SHARPNESS_STEP])
    laplacian = cv2.Laplacian(sample, cv2.CV_16S)
    mean = cv2.sumElems(laplacian)[0] / laplacian.size  # E[x^2] - E[x]^2: cv2.norm and sumElems take 2 us on
    # a 640x480 frame's sample, where cv2.meanStdDev takes 17
    return max(0.0, cv2.norm(laplacian, cv2.NORM_L2SQR) / laplacian.size - mean * mean)


def frame_weight(frame: np.ndarray) -> float:
    """How much a frame's readings count, in [0, 1]: 1 when sharp, near 0 when blurred by motion."""
    return min(1.0, sharpness(frame) / SHARP) ** 2


@dataclass
class _Reading:
    text: str
    cells: tuple[int, ...]  # where the vote counts each digit: 10 x its position + the digit
    confidences: tuple[float, ...]
    weight: float
    aspect: float  # width / height of the number's box
    height: float  # of the number's box, px
    whole: bool  # clear of the frame's edges


@dataclass
class _Track:
    id: int
    box: list[float]  # x, y, w, h: plain floats, as a few numbers cost numpy more than Python
    number: Number
    velocity: tuple[float, float] = (0.0, 0.0)
    readings: deque = field(default_factory=lambda: deque(maxlen=HISTORY))
    shown: str = ""
    seen: int = 0
    missed: int = 0
    needs: int = MIN_FRAMES  # frames read before it is shown: 1 when its first reading was sure (SURE_FIRST)
    voted: tuple[str, float] | None = None  # the vote of these readings: the same until one joins them (decay
    # scales every weight alike)
    measured: tuple[float, float] | None = None  # size() of these readings, likewise

    def size(self) -> tuple[float, float]:
        """The number's size read whole: (height px, width / height), the median height of the track's readings
        clear of the frame's edges, and the widest of its readings (at the edge or not) not much shorter than that
        (COMPLETE); (0.0, 0.0) if no reading is clear of the edges."""
        if self.measured is None:
            whole = [r.height for r in self.readings if r.whole]
            height = median(whole) if whole else 0.0
            self.measured = (height, max((r.aspect for r in self.readings if r.height >= COMPLETE * height),
                                         default=0.0)) if whole else (0.0, 0.0)
        return self.measured

    def misses_part(self, reading: _Reading) -> bool:
        """Whether ``reading`` misses part of the number: it is shorter than COMPLETE x its height (a piece of a
        digit, as when a 5's bar comes apart from its bowl), or narrower than COMPLETE x its width (a digit
        short)."""
        height, aspect = self.size()
        return reading.height < COMPLETE * height or reading.aspect < COMPLETE * aspect

    def add(self, reading: _Reading) -> None:
        self.readings.append(reading)
        self.voted = self.measured = None

    def vote(self) -> tuple[str, float]:
        """The digit-by-digit vote: (text, share of the weighted readings that agree with it).

        Readings that miss part of the number (``misses_part``: it was entering the view, or a digit or part of
        one was lost) do not vote. The length with the most weight wins, then the digit with
        the most weight x confidence at each position. A text other than the shown one replaces it only when
        the evidence where they differ (their lengths' weights, or their digits' scores at the differing
        positions) is SWITCH times the shown one's.
        """
        height, aspect = self.size()
        short, narrow = COMPLETE * height, COMPLETE * aspect  # misses_part, inlined: a vote runs once a frame a track
        readings = [r for r in self.readings if r.height >= short and r.aspect >= narrow] or list(self.readings)
        counts = [r.weight if r.whole or r.aspect * COMPLETE > aspect > 0 else r.weight * EDGE_WEIGHT
                  for r in readings]  # a reading at the edge counts little, unless it shows more than one within it
        total = sum(counts)
        by_length: dict[int, float] = {}
        for r, count in zip(readings, counts):
            by_length[len(r.cells)] = by_length.get(len(r.cells), 0.0) + count
        length = max(by_length, key=by_length.get)
        scores = [0.0] * (10 * length)  # by cell (_Reading.cells); plain floats: a few dozen additions, cheaper
        weights = [0.0] * (10 * length)  # than numpy's; the same without the confidences, for the agreement
        for r, count in zip(readings, counts):
            if len(r.cells) == length:
                for cell, confidence in zip(r.cells, r.confidences):
                    scores[cell] += count * confidence
                    weights[cell] += count
        best = [cells.index(max(cells))  # the first of equals wins
                for cells in (scores[i:i + 10] for i in range(0, 10 * length, 10))]
        shown = [ord(digit) - 48 for digit in self.shown]
        if shown and shown != best:
            if len(shown) != length:
                keep = by_length[length] < SWITCH * by_length.get(len(shown), 0.0)
            else:
                differ = [i for i in range(length) if best[i] != shown[i]]
                keep = sum(scores[10 * i + best[i]] for i in differ) < SWITCH * sum(scores[10 * i + shown[i]]
                                                                                    for i in differ)
            best = shown if keep else best
        text = "".join(map(str, best))
        if len(best) != length:  # the shown text kept its length: count its agreement afresh
            agree = sum(count * sum(a == b for a, b in zip(r.text, text)) for r, count in zip(readings, counts)
                        if len(r.text) == len(text))
        else:
            agree = sum(weights[10 * i + digit] for i, digit in enumerate(best))
        return text, agree / (len(best) * total) if total > 0 else 0.0


class Tracker:
    """Numbers tracked over a stream of frames; ``update(frame)`` reads a frame and returns the tracked numbers
    shown for it. ``recognizer`` is a DigitRecognizer. One tracker follows one stream; it is not thread-safe."""

    def __init__(self, recognizer):
        self.recognizer = recognizer
        self._tracks: list[_Track] = []
        self._next_id = 1

    def update(self, frame: np.ndarray) -> list[TrackedNumber]:
        """Read ``frame`` (BGR or grey) and return the numbers shown for it, each with a stable id."""
        return self.observe(self.recognizer.read_numbers(frame), frame_weight(frame), frame.shape[:2])

    def observe(self, numbers: list[Number], weight: float, size: tuple[int, int]) -> list[TrackedNumber]:
        """Advance by one frame of ``size`` (height, width) whose reading is ``numbers``, counted with ``weight``
        in [0, 1] (see ``frame_weight``); returns the numbers shown for it."""
        for track in self._tracks:
            _move(track.box, track.velocity)
        pairs = match([tuple(t.box) for t in self._tracks], [n.box for n in numbers], MATCH_IOU, _continues)
        if numbers and self._tracks and not pairs:
            self._tracks = []  # not one number continues: the view changed (a cut, or the camera turned away)
        readings = [_reading(numbers[j], weight, size) for _, j in pairs]
        whole = [not self._tracks[i].misses_part(r) for (i, _), r in zip(pairs, readings)]
        moves = [_motion(self._tracks[i].box, numbers[j].box) for i, j in pairs]
        steady = [w and _same_size(self._tracks[i].box, numbers[j].box) for (i, j), w in zip(pairs, whole)]
        flow = None
        if len(pairs) < max(len(numbers), len(self._tracks)) or not all(whole):  # the camera's motion over the
            # frame, which moves the unmatched tracks, those read short of a digit, and starts the new ones; a reading
            # short of a digit, or one that grew a digit, is off centre: no motion of its own
            flow = _flow([(numbers[j].box, self._tracks[i].velocity, m) for (i, j), m, s in zip(pairs, moves, steady)
                          if s])
        matched_tracks, matched_numbers = {i for i, _ in pairs}, {j for _, j in pairs}
        for (i, j), (dx, dy), reading, complete, same in zip(pairs, moves, readings, whole, steady):
            track, number = self._tracks[i], numbers[j]
            if complete:
                if same:
                    vx, vy = track.velocity
                    track.velocity = (vx + 0.5 * dx, vy + 0.5 * dy)  # half the old velocity, half the motion since
                track.box, track.number = [float(v) for v in number.box], number
            elif flow:  # one that lacks a digit keeps its box, moved with the camera as a missed track is: its own
                # velocity goes stale while it is read short (a number leaving the view)
                _follow(track, flow)
            track.missed = 0
            track.seen += 1
            track.add(reading)
        for i, track in enumerate(self._tracks):
            if i not in matched_tracks:
                if flow:
                    _follow(track, flow)
                track.missed += 1
        followed = [tuple(self._tracks[i].box) for i in matched_tracks]  # a reading mostly inside one is a part
        height, width = size
        # a missed track lying mostly in a number followed now followed a part of it (its first digit to come into
        # view, say), which is read with the rest now: it goes
        self._tracks = [t for t in self._tracks if t.missed <= MAX_MISSED and _inside(t.box, width, height)
                        and not (t.missed and any(_part_of(tuple(t.box), box) for box in followed))]
        for j, number in enumerate(numbers):
            if j not in matched_numbers and not any(_part_of(number.box, box) for box in followed):
                reading = _reading(number, weight, size)
                sure = reading.whole and weight >= SURE_FIRST and min(reading.confidences) >= SURE_FIRST
                track = _Track(self._next_id, [float(v) for v in number.box], number,
                               flow(number.box) if flow else (0.0, 0.0), seen=1, needs=1 if sure else MIN_FRAMES)
                track.add(reading)
                self._next_id += 1
                self._tracks.append(track)
        shown = []
        for track in self._tracks:
            for reading in track.readings:
                reading.weight *= DECAY
            if track.seen < track.needs:
                continue
            if track.voted is None:
                track.voted = track.vote()
            track.shown, confidence = track.voted
            box = tuple(int(round(v)) for v in track.box)
            shown.append(TrackedNumber(track.id, track.shown, box, float(confidence), track.number.digits,
                                       track.seen))
        return shown


def _reading(number: Number, weight: float, size: tuple[int, int]) -> _Reading:
    """A frame's reading of a number with its vote weight, frame weight x confidence (less at the frame's edge: see
    ``_Track.vote``)."""
    x, y, w, h = number.box
    height, width = size
    whole = min(x, y, width - x - w, height - y - h) >= EDGE
    return _Reading(number.text, tuple(10 * i + d.digit for i, d in enumerate(number.digits)),
                    tuple(d.confidence for d in number.digits),
                    weight * number.confidence, w / max(h, 1), float(h), whole)


def _continues(track: Box, number: Box) -> float:
    """How well the box of a reading continues a track's (predicted) box: their IoU, or MATCH_IOU when one holds
    HELD of the other, as a number coming into view, or read with a digit more or less, does."""
    shared = intersection(track, number)  # once: it is most of the matching's cost
    if not shared:
        return 0.0
    small, large = sorted((track[2] * track[3], number[2] * number[3]))
    overlap = shared / (small + large - shared)
    if overlap >= MATCH_IOU:
        return overlap
    return MATCH_IOU if shared >= HELD * small else overlap  # one holds HELD of the other (see _part_of)


def _part_of(piece: Box, whole: Box) -> bool:
    """Whether the box ``piece`` lies mostly (HELD of it) in ``whole``: a number read in two parts in one frame
    (a digit lost between them, or cut by the frame's edge), whose other part continues the number's track, is
    that number, not one of its own."""
    return intersection(piece, whole) >= HELD * piece[2] * piece[3]


def _same_size(before, after) -> bool:
    """Whether boxes ``before`` and ``after`` (x, y, w, h each) are within COMPLETE of each other's size, so that
    the shift of their centres is motion, not growth."""
    return COMPLETE * before[2] <= after[2] <= before[2] / COMPLETE and COMPLETE * before[3] <= after[3] <= \
        before[3] / COMPLETE


def _centre(box) -> tuple[float, float]:
    """The centre of an (x, y, w, h) box."""
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def _motion(before, after) -> tuple[float, float]:
    """How far the centre of box ``before`` moved to that of box ``after`` (x, y, w, h each)."""
    (x0, y0), (x1, y1) = _centre(before), _centre(after)
    return x1 - x0, y1 - y0


def _flow(seen: list[tuple[Box, tuple[float, float], tuple[float, float]]]) \
        -> Callable[[Box], tuple[float, float]] | None:
    """The frame's motion field from ``seen``: (box now, velocity predicted, motion beyond it) of the tracks that
    moved steadily. A function of a box (x, y, w, h), returning the (dx, dy) of its centre per frame: a shift, zoom
    and roll fitted by least squares from three tracks on (a zoom moves numbers near the frame's edge most), the
    median shift from fewer; None from none."""
    if not seen:
        return None
    centres = [_centre(box) for box, _, _ in seen]
    motion = [(vx + dx, vy + dy) for _, (vx, vy), (dx, dy) in seen]
    if len(seen) < 3:
        shift = (median(m[0] for m in motion), median(m[1] for m in motion))
        return lambda box: shift
    mx, my = sum(c[0] for c in centres) / len(seen), sum(c[1] for c in centres) / len(seen)
    a, b = sum(m[0] for m in motion) / len(seen), sum(m[1] for m in motion) / len(seen)
    # dx = a + c x - d y, dy = b + d x + c y about the centroid: its normal equations fall apart into these sums
    spread = sum((x - mx) ** 2 + (y - my) ** 2 for x, y in centres) or 1.0
    c = sum((x - mx) * u + (y - my) * v for (x, y), (u, v) in zip(centres, motion)) / spread
    d = sum((x - mx) * v - (y - my) * u for (x, y), (u, v) in zip(centres, motion)) / spread

    def field(box: Box) -> tuple[float, float]:
        px, py = _centre(box)
        return a + c * (px - mx) - d * (py - my), b + d * (px - mx) + c * (py - my)
    return field


def _follow(track: _Track, flow: Callable[[Box], tuple[float, float]]) -> None:
    """Move ``track``'s box, which moved by its own velocity already, the rest of the way the camera's motion
    (``flow``, see ``_flow``) took it there."""
    dx, dy = flow(track.box)
    _move(track.box, (dx - track.velocity[0], dy - track.velocity[1]))


def _move(box: list[float], shift: tuple[float, float]) -> None:
    box[0] += shift[0]
    box[1] += shift[1]


def _inside(box: list[float], width: int, height: int) -> bool:
    """Whether any part of ``box`` is still in the frame."""
    x, y, w, h = box
    return x + w > 0 and y + h > 0 and x < width and y < height
