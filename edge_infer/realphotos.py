"""Measure the recognizer on a folder of labelled real photos and scans.

    python -m edge_infer.realphotos ../shared/realphotos              # per image, then the totals
    python -m edge_infer.realphotos ../shared/realphotos --max-side 0  # at full size
    python -m edge_infer.realphotos FOLDER --max-side 1100,1280,1600  # at several sizes, side by side
    python -m edge_infer.realphotos FOLDER --json                     # the totals as JSON (a list, for several)

The folder holds ``labels.json`` and ``images/``. Each label gives the handwritten digits as
``lines`` (top to bottom, each left to right), and says whether the image also holds printed
digits, which are not labelled. Per image, the digits read in reading order are joined into
one string and compared with the truth joined likewise:

- recall = matched / true over all images, where matched is the count-wise overlap of the two
  strings (the sum over 0-9 of the smaller count);
- precision = matched / read, and CER = edit distance / true length, over the images without
  printed digits;
- detections per negative page: digits read on images with no handwritten digit;
- exact lines: the share of true lines that some line of the reading equals;
- ms: the median time of ``recognize()`` per image, after it is shrunk to ``--max-side``.

Read at several sizes, each image is shown with its matched digits and edits at each: a page's
reading can rest on its size more than the totals do.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge_infer import group
from edge_infer.capture import read_image
from edge_infer.errors import SourceError
from edge_infer.commands import add_version, run

DEFAULT_SIDE = 1280


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1]


@dataclass(frozen=True)
class Page:
    """One labelled image and what was read on it."""

    file: str
    truth: list[str]
    read: list[str]
    printed_digits: bool
    ms: float

    @property
    def matched(self) -> int:
        return sum((Counter("".join(self.read)) & Counter("".join(self.truth))).values())

    @property
    def errors(self) -> int:
        return edit_distance("".join(self.read), "".join(self.truth))

    @property
    def exact_lines(self) -> int:
        return sum((Counter(self.truth) & Counter(self.read)).values())


def load_labels(folder: Path) -> list[dict]:
    """The entries of ``folder/labels.json``, checked to name images that exist."""
    path = folder / "labels.json"
    try:
        labels = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise SourceError(f"cannot read {path} ({err}); pass a folder with labels.json and images/") from None
    for entry in labels:
        if not (folder / "images" / entry["file"]).is_file():
            raise SourceError(f"{folder / 'images' / entry['file']} is listed in labels.json but missing")
    return labels


def shrink_to(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` shrunk (pixel-area averaging) so its longer side is at most ``max_side``; 0 keeps it whole."""
    scale = max_side / max(image.shape[:2]) if max_side else 1.0
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image


def read_page(recognizer, image: np.ndarray) -> tuple[list[str], float]:
    """The digit lines ``recognizer`` reads on ``image`` (top to bottom), and the milliseconds it took."""
    start = time.perf_counter()
    detections = recognizer.recognize(image)
    ms = (time.perf_counter() - start) * 1000
    return ["".join(str(d.digit) for d in line) for line in group.lines(detections, raised=True)], ms


def measure(recognizer, folder: str | Path, max_side: int = DEFAULT_SIDE) -> tuple[list[Page], dict]:
    """Read every labelled image in ``folder``; return the pages and the totals (see the module's doc)."""
    return measure_sizes(recognizer, folder, [max_side])[0]


def measure_sizes(recognizer, folder: str | Path, sides: list[int]) -> list[tuple[list[Page], dict]]:
    """``measure`` at each of ``sides`` (0: full size), each image decoded once: (pages, totals) for each side."""
    folder = Path(folder)
    runs: list[list[Page]] = [[] for _ in sides]
    for entry in load_labels(folder):
        image = read_image(folder / "images" / entry["file"])
        for pages, side in zip(runs, sides):
            read, ms = read_page(recognizer, shrink_to(image, side))
            pages.append(Page(entry["file"], list(entry["lines"]), read, bool(entry.get("printed_digits")), ms))
    return [(pages, totals(pages, side)) for pages, side in zip(runs, sides)]


def totals(pages: list[Page], max_side: int = DEFAULT_SIDE) -> dict:
    """The folder's metrics from its pages."""
    clean = [p for p in pages if not p.printed_digits]
    negatives = [p for p in pages if not "".join(p.truth)]
    true_all = sum(len("".join(p.truth)) for p in pages)
    true_clean = sum(len("".join(p.truth)) for p in clean)
    read_clean = sum(len("".join(p.read)) for p in clean)
    return {
        "images": len(pages),
        "digits": true_all,
        "recall": sum(p.matched for p in pages) / max(true_all, 1),
        "precision": sum(p.matched for p in clean) / max(read_clean, 1),
        "cer": sum(p.errors for p in clean) / max(true_clean, 1),
        "detections_per_negative": (sum(len("".join(p.read)) for p in negatives) / len(negatives)
                                    if negatives else 0.0),
        "exact_lines": sum(p.exact_lines for p in pages) / max(sum(len(p.truth) for p in pages), 1),
        "median_ms": float(np.median([p.ms for p in pages])) if pages else 0.0,
        "max_side": max_side,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_infer.realphotos", description=__doc__.splitlines()[0])
    add_version(parser)
    parser.add_argument("folder", type=Path, help="a folder with labels.json and images/")
    parser.add_argument("--max-side", type=_sides, default=[DEFAULT_SIDE], help="shrink images so their longer side "
                        f"is at most this (default {DEFAULT_SIDE}; 0: full size), or several sizes, comma-separated")
    parser.add_argument("--model", help="ONNX model (default: the shipped one)")
    parser.add_argument("--json", action="store_true", help="print only the totals, as JSON")
    args = parser.parse_args(argv)
    def job():
        from edge_infer import DigitRecognizer

        runs = measure_sizes(DigitRecognizer(args.model), args.folder, args.max_side)
        if args.json:
            print(json.dumps(runs[0][1] if len(runs) == 1 else [result for _, result in runs]))
        elif len(runs) == 1:
            pages, result = runs[0]
            for p in pages:
                true, read = "".join(p.truth), "".join(p.read)
                print(f"{p.file[:58]:58s} {p.matched:3d}/{len(true):3d} read {len(read):3d}  edits {p.errors:3d}  "
                      f"lines {p.exact_lines}/{len(p.truth)}  {p.ms:6.1f} ms{'  (printed digits)' * p.printed_digits}")
            print()
            for key, value in result.items():
                print(f"{key:24s} {_shown(value)}")
        else:  # an image a row, a size a column: its matched digits / edits
            print(f"{'':58s} true" + "".join(f"{side or 'full':>12}" for side in args.max_side))
            for row in zip(*(pages for pages, _ in runs)):
                p = row[0]
                print(f"{p.file[:58]:58s} {len(''.join(p.truth)):4d}" + "".join(f"{f'{q.matched}/{q.errors}':>12}"
                                                                              for q in row)
                      + "  (printed digits)" * p.printed_digits)
            print()
            for key in runs[0][1]:
                print(f"{key:63s}" + "".join(f"{_shown(result[key]):>12}" for _, result in runs))

    return run(job)


def _shown(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _sides(text: str) -> list[int]:
    """``--max-side``: one size in px or several, comma-separated, each 0 (full size) or more."""
    try:
        sides = [int(part) for part in text.split(",")]
    except ValueError:
        sides = []
    if not sides or min(sides) < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is no size; give px such as 1280, or 1100,1280,0 (0: full size)")
    return sides


if __name__ == "__main__":
    raise SystemExit(main())
