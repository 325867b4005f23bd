"""Handheld clips: a camera moving over one generated page, with the truth of every frame, and the live metrics.

    clip = HandheldGenerator(seed=1).clip(frames=150)     # 30 fps: pan, zoom, roll, tilt, motion blur, light
    measure_clip(DigitRecognizer(), clip)                  # reads_right, flips per number-minute, frames to show

The page is written like the scenes (MNIST test digits on ruled or squared paper). The camera's
path is a sum of slow swings and a faster hand tremor; each frame is blurred along the motion of
the page across it during the exposure, lit by a slowly changing light, then noised and JPEG'd.
A frame's truth is every number wholly inside it, with its id on the page, its box and its text.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import cv2
import numpy as np

from edge_infer.group import Box, match
from edge_infer.scenes import SceneGenerator, warp_box

PAGE = (1280, 960)  # the sheet the camera moves over, in page pixels
FPS = 30.0
NUMBERS = 14  # numbers written on the page
SPACING = 1.2  # ... this many heights apart, more than group.GAP, so that two numbers never read as one
VIEW = 0.55  # the frame shows about this share of the page's width at the mean zoom
EXPOSURE = 0.5  # the shutter is open for this share of a frame interval: blur is this share of a frame's motion
SEEN_LONG = 5  # "numbers seen in more than 5 frames" have their own reads_right
SHOW_WITHIN = 3  # frames after entering the view within which a number should be shown
COUNTS = ("frames", "pairs", "right", "pairs_long", "right_long", "flips", "entering", "shown_in_time")


@dataclass
class Clip:
    """Frames, BGR uint8 (H, W, 3), at ``fps``, and per frame the truth: (number id, box, text) of each number
    wholly inside it."""

    frames: list[np.ndarray]
    truth: list[list[tuple[int, Box, str]]]
    fps: float


class HandheldGenerator:
    """Clips of a handheld camera over generated pages; the same seed gives the same clips."""

    def __init__(self, seed: int = 0, size: tuple[int, int] = (640, 480), digits: np.ndarray | None = None,
                 labels: np.ndarray | None = None):
        self.rng = np.random.default_rng(seed)
        self.width, self.height = size
        self.writer = SceneGenerator(int(self.rng.integers(2**31)), size=PAGE, digits=digits, labels=labels,
                                     min_height=28, max_length=4)

    def clip(self, frames: int = 150, fps: float = FPS) -> Clip:
        """``frames`` frames of one page at ``fps``."""
        paper, numbers = self._page()
        phase = self.rng.uniform(0, 2 * np.pi, 8)  # of the camera's swings, tremor and light
        path = [self._camera(t / fps, phase) for t in range(frames + 1)]
        shade = self._light_field()
        out, truth = [], []
        for t in range(1, frames + 1):
            matrix = path[t]
            image = cv2.warpPerspective(paper, matrix, (self.width, self.height), flags=cv2.INTER_LINEAR,
                                        borderMode=cv2.BORDER_REPLICATE)
            image = self._blur(image, path[t - 1], matrix)
            gain = 1.0 + 0.15 * np.sin(2 * np.pi * 0.2 * t / fps + phase[4])
            image = image * (shade * gain)[..., None] + self.rng.normal(0, 3.0, image.shape).astype(np.float32)
            quality = int(self.rng.integers(70, 92))
            jpeg = cv2.imencode(".jpg", np.clip(image, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
            out.append(cv2.imdecode(jpeg, cv2.IMREAD_COLOR))
            truth.append([(i, warp_box(matrix, box), text) for i, (box, text) in enumerate(numbers)
                          if self._inside(matrix, box)])
        return Clip(out, truth, fps)

    def _page(self) -> tuple[np.ndarray, list[tuple[Box, str]]]:
        paper, occupied, numbers = self.writer.paper(), [], []
        for _ in range(NUMBERS):
            placed = self.writer.write_number(paper, occupied, SPACING)
            if placed:
                numbers.append(placed[0])
        return paper.astype(np.float32), numbers

    def _camera(self, t: float, p: np.ndarray) -> np.ndarray:
        """The 3x3 page-to-frame homography at time ``t`` seconds for swings of phases ``p``: pan, zoom, roll and
        a slight tilt."""
        pw, ph = PAGE
        centre = np.array([pw / 2 + 0.22 * pw * np.sin(2 * np.pi * 0.11 * t + p[0]),
                           ph / 2 + 0.2 * ph * np.sin(2 * np.pi * 0.17 * t + p[1])])
        centre += 4.0 * np.array([np.sin(2 * np.pi * 1.3 * t + p[2]), np.cos(2 * np.pi * 1.7 * t + p[3])])  # tremor
        scale = self.width / (VIEW * pw) * (1 + 0.15 * np.sin(2 * np.pi * 0.09 * t + p[5]))
        roll = 0.08 * np.sin(2 * np.pi * 0.07 * t + p[6])
        tilt = 1.5e-4 * np.sin(2 * np.pi * 0.05 * t + p[7])
        c, s = np.cos(roll) * scale, np.sin(roll) * scale
        to_origin = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]])
        turn = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        lean = np.array([[1, 0, 0], [0, 1, 0], [tilt, 0.5 * tilt, 1]])
        to_frame = np.array([[1, 0, self.width / 2], [0, 1, self.height / 2], [0, 0, 1]])
        return to_frame @ lean @ turn @ to_origin

    def _blur(self, image: np.ndarray, before: np.ndarray, now: np.ndarray) -> np.ndarray:
        """Blur along the motion of the frame's centre over the page during the exposure."""
        centre = np.float32([[[self.width / 2, self.height / 2]]])
        on_page = cv2.perspectiveTransform(centre, np.linalg.inv(now))
        moved = (cv2.perspectiveTransform(on_page, before) - centre)[0, 0]
        length = float(np.hypot(*moved)) * EXPOSURE
        if length < 1.5:
            return image
        size = int(np.ceil(length)) | 1
        kernel = np.zeros((size, size), np.float32)
        kernel[size // 2, :] = 1.0
        angle = np.degrees(np.arctan2(moved[1], moved[0]))
        kernel = cv2.warpAffine(kernel, cv2.getRotationMatrix2D(((size - 1) / 2, (size - 1) / 2), -angle, 1),
                                (size, size))
        return cv2.filter2D(image, -1, kernel / max(float(kernel.sum()), 1e-6))

    def _light_field(self) -> np.ndarray:
        """A light ramp across the frame, as from a window: float32 (H, W) around 1."""
        yy, xx = np.mgrid[0:self.height, 0:self.width].astype(np.float32)
        angle = self.rng.uniform(0, 2 * np.pi)
        ramp = np.cos(angle) * (xx / self.width - 0.5) + np.sin(angle) * (yy / self.height - 0.5)
        return 1.0 - self.rng.uniform(0.0, 0.35) * (ramp + 0.5)

    def _inside(self, matrix: np.ndarray, box: Box) -> bool:
        x, y, w, h = warp_box(matrix, box)
        return x >= 0 and y >= 0 and x + w <= self.width and y + h <= self.height


def measure_clip(recognizer, clip: Clip, track: bool = True) -> dict:
    """Live metrics of ``recognizer`` on ``clip``, with its tracker (``track``) or reading each frame alone.

    reads_right: the share of (visible number, frame) pairs whose shown text is right; reads_right_long: the
    same for numbers visible in more than SEEN_LONG frames; flips_per_number_minute: switches of a visible
    number between right and wrong (a right reading that vanishes counts; a number first appearing does not),
    per minute of numbers in view; shown_within_3: the share of numbers entering the view that are shown
    (with any text) within SHOW_WITHIN frames. The counts behind them are returned too.
    """
    return rates(_counts(recognizer, clip, track), clip.fps)


def _counts(recognizer, clip: Clip, track: bool) -> Counter:
    """What ``measure_clip`` counts on ``clip``, read by ``recognizer`` with its tracker or frame by frame."""
    tracker = recognizer.tracker() if track else None
    shown = ([(n.box, n.text) for n in (tracker.update(f) if tracker else recognizer.read_numbers(f))]
             for f in clip.frames)
    return count(shown, clip.truth)


def count(shown: Iterable[Sequence[tuple[Box, str]]], truth: Sequence[Sequence[tuple[int, Box, str]]]) -> Counter:
    """The counts behind the live metrics (see ``rates``) of the numbers ``shown`` in each frame, as (box, text),
    against each frame's ``truth``, as (number id, box, text): pairs and right readings, flips, numbers entering
    the view and shown in time."""
    visible = Counter(i for frame in truth for i, _, _ in frame)
    counts = Counter()
    state: dict[int, bool | None] = {}  # right, wrong, or None when not shown
    entered: dict[int, int] = {}
    shown_after: dict[int, int] = {}
    frames = 0
    for t, (readings, frame) in enumerate(zip(shown, truth)):
        frames += 1
        found = {i: readings[j][1] for i, j in match([b for _, b, _ in frame], [b for b, _ in readings])}
        now = {}
        for k, (number, _, text) in enumerate(frame):
            ok = found.get(k) == text
            long = visible[number] > SEEN_LONG
            counts.update(right=ok, pairs=1, right_long=ok and long, pairs_long=long)
            shown_now = ok if k in found else None
            before = state.get(number)
            counts["flips"] += before is not None and before != shown_now and (shown_now is not None or before)
            now[number] = shown_now
            entered.setdefault(number, t)
            if k in found and number not in shown_after:
                shown_after[number] = t - entered[number] + 1
        state = now  # a number that leaves the view starts afresh when it comes back
    entering = [n for n in entered if visible[n] >= SHOW_WITHIN]
    counts.update(frames=frames, entering=len(entering),
                  shown_in_time=sum(shown_after.get(n, SHOW_WITHIN + 1) <= SHOW_WITHIN for n in entering))
    return counts


def rates(counts: Counter, fps: float) -> dict:
    """The metrics of ``measure_clip`` from its counts (of one clip, or summed over clips)."""
    minutes = counts["pairs"] / fps / 60
    return {**{key: counts[key] for key in COUNTS}, "number_frames": counts["pairs"],
            "reads_right": counts["right"] / max(counts["pairs"], 1),
            "reads_right_long": counts["right_long"] / max(counts["pairs_long"], 1),
            "flips_per_number_minute": counts["flips"] / minutes if minutes else 0.0,
            "shown_within_3": counts["shown_in_time"] / counts["entering"] if counts["entering"] else 1.0}


def write_clip(clip: Clip, path: Path) -> None:
    """Write ``clip`` as an MPEG-4 video at ``path`` and its truth as ``<path>.json``: per frame a list of
    [number id, [x, y, w, h], text] (see ``read_truth``)."""
    from edge_infer.capture import VideoFile
    from edge_infer.files import write_text

    with VideoFile(path, clip.fps) as video:
        for frame in clip.frames:
            video.write(frame)
    write_text(Path(path).with_suffix(".json"),
               json.dumps([[[i, [int(v) for v in box], text] for i, box, text in frame] for frame in clip.truth]))


def read_truth(path: Path) -> list[list[tuple[int, Box, str]]]:
    """The per-frame truth that ``write_clip`` stored beside the video at ``path``."""
    frames = json.loads(Path(path).with_suffix(".json").read_text())
    return [[(i, tuple(box), text) for i, box, text in frame] for frame in frames]


def measure_clips(recognizer, seed: int, clips: int, frames: int, digits=None, labels=None) -> dict:
    """``measure_clip`` over ``clips`` clips of ``frames`` frames, read frame by frame ("raw") and tracked
    ("tracked"), from the counts summed over all clips."""
    generator = HandheldGenerator(seed, digits=digits, labels=labels)
    runs = [generator.clip(frames) for _ in range(clips)]
    out = {}
    for mode, track in (("raw", False), ("tracked", True)):
        out[mode] = {"clips": clips, **rates(sum((_counts(recognizer, clip, track) for clip in runs), Counter()),
                                             FPS)}
    return out
