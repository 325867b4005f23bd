"""A seeded generator of camera-like photographs of handwritten numbers, with ground truth, and its metrics.

MNIST *test* digits are written onto textured, tinted paper, each number with one pen of
varied colour and width, sometimes over ruled or squared lines; the sheet is then lit
unevenly, shadowed, tilted, blurred, made noisy and JPEG-compressed.

    python -m edge_infer.scenes --frames 200          # recognizer metrics on 200 frames
    python -m edge_infer.scenes --frames 8 --save DIR  # write the frames as PNG, with truth.json
    python -m edge_infer.scenes --handheld-clip edge_infer/data/demo.mp4 --clip-frames 180 --seed 1  # the demo
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edge_infer import glyphs
from edge_infer.group import Box, match, union
from edge_infer.mnist import load_mnist
from edge_infer.recognizer import INK
from edge_infer.commands import add_version, run

# Italic Hershey fonts: the cnn learns letters from Debian's handwriting and printed fonts, so these are held out.
_ITALIC_FONTS = [cv2.FONT_HERSHEY_COMPLEX_SMALL, cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_TRIPLEX]
MNIST_STROKE = 2.5 / 20  # an MNIST stroke's width, as a share of its digit's height
MIN_PEN = 1.2  # px: the finest pen line a photo shows whole (a 0.5 mm ballpoint on a digit 15 px tall)
INKS = {"black": (35, 30, 30), "blue": (140, 45, 20), "navy": (95, 35, 25)}


@dataclass
class Scene:
    """One frame, BGR uint8 (H, W, 3), with its truth: a (box, digit) per digit and a (box, text) per number."""

    frame: np.ndarray
    digits: list[tuple[Box, int]] = field(default_factory=list)
    numbers: list[tuple[Box, str]] = field(default_factory=list)


class SceneGenerator:
    """Renders MNIST test digits (never training digits) into photographs of paper.

    ``digits``/``labels`` default to the MNIST test set. The same seed gives the same frames.
    """

    def __init__(self, seed: int = 0, size: tuple[int, int] = (640, 480), digits: np.ndarray | None = None,
                 labels: np.ndarray | None = None, min_height: int = 15, max_numbers: int = 4, max_length: int = 4):
        if digits is None:
            test = load_mnist()
            digits, labels = test.x_test, test.y_test
        self.digits, self.labels = digits, labels
        self.rng = np.random.default_rng(seed)
        self.width, self.height = size
        self.min_height, self.max_numbers, self.max_length = min_height, max_numbers, max_length

    def blank(self) -> Scene:
        """A frame of paper with lines, light, shadow and noise, but no digits."""
        return self._photograph(self.paper(), [], [])

    def letters(self, count: int = 5) -> Scene:
        """A frame with ``count`` written letters that are not digits (in fonts held out from training)."""
        layer = np.zeros((self.height, self.width), np.uint8)
        text = " ".join(self.rng.choice(list(glyphs.LETTERS), count))
        font = _ITALIC_FONTS[self.rng.integers(len(_ITALIC_FONTS))] | cv2.FONT_ITALIC
        cv2.putText(layer, text, (30, int(self.rng.integers(120, self.height - 60))), font,
                    self.rng.uniform(3.0, 4.0), 255, int(self.rng.integers(4, 9)), cv2.LINE_AA)
        return self._photograph(self._ink(self.paper(), layer), [], [])

    def scribble(self) -> Scene:
        """A frame with one random tangled pen scribble, which is no digit."""
        layer = np.zeros((self.height, self.width), np.uint8)
        points = np.cumsum(self.rng.normal(0, 20, (20, 2)), 0) + [self.width / 2, self.height / 2]
        cv2.polylines(layer, [points.astype(np.int32)], False, 255, int(self.rng.integers(3, 7)), cv2.LINE_AA)
        return self._photograph(self._ink(self.paper(), layer), [], [])

    def _ink(self, paper: np.ndarray, layer: np.ndarray) -> np.ndarray:
        """Write a uint8 coverage ``layer`` onto ``paper`` in a random ink."""
        ink = np.array(INKS[self.rng.choice(list(INKS))], np.float32)
        return _blend(paper, layer.astype(np.float32) / 255, ink)

    def scene(self) -> Scene:
        """A frame with 1..max_numbers numbers of 1..max_length digits each."""
        paper = self.paper()
        occupied: list[Box] = []
        digits, numbers = [], []
        for _ in range(self.rng.integers(1, self.max_numbers + 1)):
            placed = self.write_number(paper, occupied)
            if placed:
                numbers.append(placed[0])
                digits.extend(placed[1])
        return self._photograph(paper, digits, numbers)

    # -- paper and ink ----------------------------------------------------------------------------
    def paper(self, plain: bool = False) -> np.ndarray:
        """A sheet of tinted, grainy paper: float32 BGR (H, W, 3); ruled or squared unless ``plain``."""
        rng, h, w = self.rng, self.height, self.width
        tint = np.array([rng.uniform(200, 245), rng.uniform(210, 248), rng.uniform(215, 250)], np.float32)
        grain = cv2.resize(rng.normal(0, 1, (h // 8 + 1, w // 8 + 1)).astype(np.float32), (w, h))
        paper = tint * (1 + 0.02 * grain[..., None] + rng.normal(0, 0.01, (h, w, 1)).astype(np.float32))
        style = "plain" if plain else rng.choice(["plain", "ruled", "squared"], p=[0.4, 0.35, 0.25])
        if style != "plain":
            colour = np.array([rng.uniform(150, 215), rng.uniform(150, 205), rng.uniform(120, 200)], np.float32)
            spacing = int(rng.integers(22, 48))
            thickness = int(rng.integers(1, 3))
            ys = range(int(rng.integers(5, spacing)), h, spacing)
            layer = np.zeros((h, w), np.uint8)
            for y in ys:
                cv2.line(layer, (0, y), (w, y), 255, thickness, cv2.LINE_AA)
            if style == "squared":
                for x in range(int(rng.integers(5, spacing)), w, spacing):
                    cv2.line(layer, (x, 0), (x, h), 255, thickness, cv2.LINE_AA)
            paper = _blend(paper, layer.astype(np.float32) / 255 * rng.uniform(0.5, 0.9), colour)
        return paper

    def _glyph(self, index: int, height: int, stroke: float) -> np.ndarray:
        """MNIST digit ``index`` as an ink alpha map, float32, scaled so its ink is ``height`` px tall and drawn with
        a pen ``stroke`` x MNIST's typical stroke wide (see ``pen``)."""
        image = self.digits[index]
        ys, xs = np.nonzero(image > 30)
        crop = image[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255
        scale = height / crop.shape[0]
        size = (max(1, round(crop.shape[1] * scale)), height)
        alpha = cv2.resize(np.pad(crop, 2), (size[0] + round(4 * scale), size[1] + round(4 * scale)),
                           interpolation=cv2.INTER_CUBIC)
        return pen(alpha, max(stroke * MNIST_STROKE * height, MIN_PEN))

    def write_number(self, paper: np.ndarray, occupied: list[Box], spacing: float = 0.6):
        """Write a random number where it keeps ``spacing`` x its height from the ``occupied`` boxes; return
        ((box, text), [(box, digit), ...]) or None when there is no room."""
        rng = self.rng
        length = int(rng.integers(1, self.max_length + 1))
        top = max(self.min_height + 1, min(int(self.height * 0.5), 200))
        height = int(np.exp(rng.uniform(np.log(self.min_height), np.log(top))))
        stroke = rng.choice([rng.uniform(0.55, 1.0), rng.uniform(1.0, 1.8)])
        picks = rng.integers(0, len(self.digits), length)
        images = [self._glyph(i, height, stroke) for i in picks]
        gaps = [int(rng.uniform(0.2, 0.6) * height) for _ in range(length - 1)]  # between the visible ink, as a
        # writer spaces digits and as the pages space them: a glyph's image has faint margins of its own
        jitter = [int(rng.uniform(-0.06, 0.06) * height) for _ in range(length)]
        ink = [glyphs.ink_box(image) for image in images]
        starts = [0]  # of each glyph's image, from the number's left
        for before, after, gap in zip(ink, ink[1:], gaps):
            starts.append(starts[-1] + before[0] + before[2] + gap - after[0])
        total_w = starts[-1] + images[-1].shape[1]
        total_h = max(image.shape[0] for image in images) + 2 * max(abs(j) for j in jitter)
        margin = 8
        for _attempt in range(30):
            x = int(rng.integers(margin, max(margin + 1, self.width - total_w - margin)))
            y = int(rng.integers(margin, max(margin + 1, self.height - total_h - margin)))
            box = (x, y, total_w, total_h)
            if x + total_w < self.width - margin and y + total_h < self.height - margin \
                    and not any(_overlaps(box, o, pad=spacing * height) for o in occupied):
                break
        else:
            return None
        occupied.append(box)
        colour = np.array(INKS[rng.choice(list(INKS))], np.float32) + rng.uniform(-15, 15, 3).astype(np.float32)
        opacity = rng.uniform(0.75, 1.0)
        truth = []
        for glyph, (ix, iy, iw, ih), index, dy, start in zip(images, ink, picks, jitter, starts):
            gy, cursor = y + max(abs(j) for j in jitter) + dy, x + start
            gh, gw = glyph.shape
            region = paper[gy:gy + gh, cursor:cursor + gw]
            region[:] = _blend(region, glyph * opacity, colour)
            truth.append(((cursor + ix, gy + iy, iw, ih), int(self.labels[index])))
        text = "".join(str(d) for _, d in truth)
        return (union(b for b, _ in truth), text), truth

    # -- the camera -------------------------------------------------------------------------------
    def _photograph(self, paper: np.ndarray, digits, numbers) -> Scene:
        rng, h, w = self.rng, self.height, self.width
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * (xx / w - 0.5) + np.sin(angle) * (yy / h - 0.5))
        light = 1.0 - rng.uniform(0.0, 0.45) * (ramp + 0.5)
        if rng.random() < 0.5:  # a soft shadow, as of a hand or a phone
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(0.2, 0.5) * w
            shade = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))
            light *= 1 - rng.uniform(0.15, 0.4) * shade
        image = np.clip(paper * light[..., None], 0, 255)
        for _ in range(int(rng.integers(0, 6))):  # specks of dirt
            cv2.circle(image, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(1, 3)),
                       tuple(float(v) for v in rng.uniform(60, 140, 3)), -1, cv2.LINE_AA)
        # a mild perspective tilt of the sheet
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = (src + rng.uniform(-0.03, 0.03, (4, 2)) * [w, h]).astype(np.float32)
        warp = cv2.getPerspectiveTransform(src, dst)
        image = cv2.warpPerspective(image, warp, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        digits = [(warp_box(warp, b), d) for b, d in digits]
        numbers = [(warp_box(warp, b), t) for b, t in numbers]
        blur = rng.choice(["none", "defocus", "motion"], p=[0.4, 0.35, 0.25])
        if blur == "defocus":
            image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 1.1))
        elif blur == "motion":
            length = int(rng.integers(3, 6))
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2] = 1.0 / length
            rotation = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1)
            kernel = cv2.warpAffine(kernel, rotation, (length, length))
            image = cv2.filter2D(image, -1, kernel / max(kernel.sum(), 1e-6))
        image += rng.normal(0, rng.uniform(1.5, 7), image.shape).astype(np.float32)
        image = np.clip(image, 0, 255).astype(np.uint8)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(45, 95))])
        return Scene(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), digits, numbers)


def pen(alpha: np.ndarray, width: float) -> np.ndarray:
    """A glyph's alpha map (float32 (H, W), ink > 0.5) redrawn with strokes ``width`` px wide, with a 1 px soft edge.

    One writer's pen draws every digit of a number equally wide, while MNIST's writers each
    used their own: scaling each digit's strokes by a factor would leave a thin-stroked digit
    faint beside its neighbours. So the outline moves by half the difference between the
    stroke's own width (twice its area over its outline's length) and ``width``, along the
    signed distance to the outline. Where that would break a stroke (thinning) or close a loop
    (thickening), as no pen's fine line breaks and a writer with a marker keeps a 6's loop
    open, the outline moves half as far, and so on.
    """
    mask = (alpha > 0.5).astype(np.uint8)
    inside = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    outside = cv2.distanceTransform(1 - mask, cv2.DIST_L2, 5)
    signed = np.where(mask > 0, inside - 0.5, 0.5 - outside)  # px from the outline, which runs between pixels
    pieces, loops = _pieces_and_loops(mask)
    grow = (width - _stroke_width(mask)) / 2  # px the outline moves out (in, when negative)
    for _ in range(4):
        drawn = np.clip(signed + grow + 0.5, 0, 1).astype(np.float32)
        now = _pieces_and_loops((drawn > 0.5).astype(np.uint8))
        if now[0] <= pieces and now[1] >= loops:
            return drawn
        grow /= 2
    return mask.astype(np.float32)


def _stroke_width(mask: np.ndarray) -> float:
    """The mean width in px of the strokes of a uint8 0/1 mask: twice their area over their outline's length."""
    outlines, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    return 2 * float(mask.sum()) / max(sum(cv2.arcLength(c, True) for c in outlines), 1.0)


def _pieces_and_loops(mask: np.ndarray) -> tuple[int, int]:
    """How many separate strokes a uint8 0/1 mask has, and how many loops (holes larger than a pinhole: 3 px)."""
    outlines, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hierarchy is None:
        return 0, 0
    holes = hierarchy[0][:, 3] >= 0
    return int(np.count_nonzero(~holes)), sum(cv2.contourArea(c) >= 3 for c, hole in zip(outlines, holes) if hole)


def _blend(paper: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Paint ``colour`` onto float BGR ``paper`` with per-pixel coverage ``alpha`` (H, W) in [0, 1]."""
    alpha = alpha[..., None]
    return paper * (1 - alpha) + colour * alpha


def _overlaps(a: Box, b: Box, pad: float = 0.0) -> bool:
    return not (a[0] + a[2] + pad <= b[0] or b[0] + b[2] + pad <= a[0]
                or a[1] + a[3] + pad <= b[1] or b[1] + b[3] + pad <= a[1])


def warp_box(matrix: np.ndarray, box: Box) -> Box:
    """The (x, y, w, h) box around ``box`` moved by the 3x3 homography ``matrix``."""
    x, y, w, h = box
    corners = np.float32([[[x, y]], [[x + w, y]], [[x + w, y + h]], [[x, y + h]]])
    moved = cv2.perspectiveTransform(corners, matrix)[:, 0]
    x0, y0 = np.floor(moved.min(0)).astype(int)
    x1, y1 = np.ceil(moved.max(0)).astype(int)
    return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


@dataclass
class Tally:
    """Counts of digits and numbers found right over a series of scenes; ``add`` one, ``metrics`` at the end."""

    frames: int = 0
    digits: int = 0
    detections: int = 0
    matched: int = 0
    right: int = 0
    frames_right: int = 0
    numbers: int = 0
    numbers_right: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, recognizer, scene: Scene) -> None:
        """Read ``scene`` with ``recognizer`` and count how it did against the truth."""
        start = time.perf_counter()
        detections = recognizer.recognize(scene.frame)
        self.seconds.append(time.perf_counter() - start)
        pairs = match([b for b, _ in scene.digits], [d.box for d in detections])
        right = sum(scene.digits[i][1] == detections[j].digit for i, j in pairs)
        self.frames += 1
        self.digits += len(scene.digits)
        self.detections += len(detections)
        self.matched += len(pairs)
        self.right += right
        self.frames_right += right == len(scene.digits) == len(detections)
        read = recognizer.numbers(detections)
        for i, j in match([b for b, _ in scene.numbers], [n.box for n in read]):
            self.numbers_right += scene.numbers[i][1] == read[j].text
        self.numbers += len(scene.numbers)

    @staticmethod
    def total(tallies) -> "Tally":
        """One tally of several."""
        out = Tally()
        for t in tallies:
            for name, value in vars(t).items():
                setattr(out, name, getattr(out, name) + value)
        return out

    def metrics(self) -> dict:
        return {
            "frames": self.frames, "digits": self.digits, "detections": self.detections,
            "recall": self.matched / max(self.digits, 1),
            "precision": self.matched / max(self.detections, 1),
            "digit_accuracy": self.right / max(self.matched, 1),
            "end_to_end_accuracy": self.frames_right / max(self.frames, 1),
            "number_accuracy": self.numbers_right / max(self.numbers, 1),
            "median_ms_per_frame": 1000 * float(np.median(self.seconds)) if self.seconds else 0.0,
        }


def measure(recognizer, generator: SceneGenerator, frames: int, blanks: int | None = None,
            distractors: int | None = None) -> dict:
    """Run ``recognizer`` on ``frames`` generated scenes, ``blanks`` blank frames and ``distractors`` frames
    each of letters and of scribbles; return the metrics."""
    blanks = frames // 4 if blanks is None else blanks
    distractors = frames // 10 if distractors is None else distractors
    tally = Tally()
    for _ in range(frames):
        tally.add(recognizer, generator.scene())
    false_on_blank = sum(len(recognizer.recognize(generator.blank().frame)) for _ in range(blanks))
    on_letters = sum(len(recognizer.recognize(generator.letters().frame)) for _ in range(distractors))
    on_scribbles = sum(len(recognizer.recognize(generator.scribble().frame)) for _ in range(distractors))
    result = tally.metrics()
    timing = result.pop("median_ms_per_frame")
    return {
        **result,
        "blank_frames": blanks,
        "false_detections_per_blank_frame": false_on_blank / max(blanks, 1),
        "letters_shown": 5 * distractors,
        "detections_per_letter": on_letters / max(5 * distractors, 1),
        "detections_per_scribble_frame": on_scribbles / max(distractors, 1),
        "median_ms_per_frame": timing,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_infer.scenes", description=__doc__.splitlines()[0])
    add_version(parser)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--blanks", type=int, help="blank frames for the false-detection rate (default frames/4)")
    parser.add_argument("--distractors", type=int, help="frames of letters and of scribbles each (default frames/10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", help="ONNX model (default: the shipped one)")
    parser.add_argument("--min-confidence", type=float, default=0.5)
    parser.add_argument("--ink", choices=list(INK), default="dark",
                        help="the recognizer's ink; --pages reads the layouts written in it (auto: all)")
    parser.add_argument("--save", type=Path, help="write the frames and their truth here instead of measuring")
    parser.add_argument("--clip", type=Path, help="write a short video (.mp4) of --frames scenes and its truth")
    parser.add_argument("--pages", type=int, default=0,
                        help="also read this many generated pages of each layout (grid, boxes, ...) and report each")
    parser.add_argument("--handheld", type=int, default=0, metavar="CLIPS",
                        help="also read this many handheld clips (--clip-frames each, 30 fps) with and without "
                             "tracking: reads_right, flips per number-minute, shown within 3 frames")
    parser.add_argument("--clip-frames", type=int, default=300)
    parser.add_argument("--handheld-clip", type=Path, metavar="MP4",
                        help="write one handheld clip of --clip-frames frames and its truth instead of measuring")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = parser.parse_args(argv)
    def job():
        generator = SceneGenerator(args.seed)
        if args.save:
            save(generator, args.frames, args.save)
            return
        if args.clip:
            write_clip(generator, args.clip, scenes=args.frames)
            return
        if args.handheld_clip:
            from edge_infer import handheld

            clip = handheld.HandheldGenerator(args.seed, digits=generator.digits, labels=generator.labels)
            handheld.write_clip(clip.clip(args.clip_frames), args.handheld_clip)
            return
        from edge_infer import DigitRecognizer

        recognizer = DigitRecognizer(args.model, min_confidence=args.min_confidence, ink=args.ink)
        wanted = args.frames or args.blanks or args.distractors  # --frames 0 with --pages alone reads pages only
        result = measure(recognizer, generator, args.frames, args.blanks, args.distractors) if wanted else {}
        if args.pages:
            from edge_infer.pages import PageGenerator, measure_pages

            result["pages"] = measure_pages(recognizer, PageGenerator(args.seed, digits=generator.digits,
                                                                      labels=generator.labels), args.pages)
        if args.handheld:
            from edge_infer.handheld import measure_clips

            result["handheld"] = measure_clips(recognizer, args.seed, args.handheld, args.clip_frames,
                                               generator.digits, generator.labels)
        if args.json:
            print(json.dumps(result, indent=1))
            return
        for key, value in result.items():
            if key not in ("pages", "handheld"):
                print(f"{key:34s} {value:.4f}" if isinstance(value, float) else f"{key:34s} {value}")
        if args.pages:
            print(f"\n{'layout':14s} {'digits':>7s} {'recall':>7s} {'precision':>9s} {'accuracy':>8s} {'numbers':>8s}")
            for layout, m in result["pages"].items():
                print(f"{layout:14s} {m['digits']:7d} {m['recall']:7.3f} {m['precision']:9.3f} "
                      f"{m['digit_accuracy']:8.3f} {m['number_accuracy']:8.3f}")
        if args.handheld:
            print(f"\n{'handheld clips':14s} {'reads_right':>11s} {'long':>6s} {'flips/num-min':>13s} {'shown<=3':>8s}")
            for mode, m in result["handheld"].items():
                print(f"{mode:14s} {m['reads_right']:11.3f} {m['reads_right_long']:6.3f} "
                      f"{m['flips_per_number_minute']:13.1f} {m['shown_within_3']:8.3f}")

    return run(job)


def write_clip(generator: SceneGenerator, path: Path, scenes: int = 3, frames_per_scene: int = 12,
               fps: float = 8.0) -> list[dict]:
    """Write a short MPEG-4 video of ``scenes`` scenes, each held for ``frames_per_scene`` frames while the
    camera drifts a few pixels; return (and store as ``<path>.json``) the truth of every frame."""
    from edge_infer.capture import VideoFile
    from edge_infer.files import write_text

    truth = []
    with VideoFile(path, fps) as writer:
        for _ in range(scenes):
            scene = generator.scene()
            dx, dy = generator.rng.uniform(-1.5, 1.5, 2)
            for step in range(frames_per_scene):
                shift = (round(dx * step), round(dy * step))
                matrix = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
                writer.write(cv2.warpAffine(scene.frame, matrix, (generator.width, generator.height),
                                            borderMode=cv2.BORDER_REFLECT))
                truth.append({"digits": [[_moved(b, shift), d] for b, d in scene.digits],
                              "numbers": [[_moved(b, shift), t] for b, t in scene.numbers]})
    write_text(path.with_suffix(".json"), json.dumps(truth))
    return truth


def _moved(box: Box, shift: tuple[int, int]) -> Box:
    return (box[0] + shift[0], box[1] + shift[1], box[2], box[3])


def save(generator: SceneGenerator, frames: int, folder: Path) -> None:
    """Write ``frames`` scenes as PNG files plus ``truth.json``."""
    from edge_infer.capture import write_image
    from edge_infer.files import write_text

    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i in range(frames):
        scene = generator.scene()
        name = f"scene-{i:04d}.png"
        write_image(folder / name, scene.frame)
        truth[name] = {"digits": scene.digits, "numbers": scene.numbers}
    write_text(folder / "truth.json", json.dumps(truth, indent=1))


if __name__ == "__main__":
    raise SystemExit(main())
