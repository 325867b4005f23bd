"""Written text that is not a handwritten digit, as ink: letters, words, symbols and print.

The scene generator writes it onto its pages and training shows it to the model as
"not a digit". Handwriting and printed fonts are read with Pillow from the system's font
folders (``scripts/setup.sh dev`` installs Debian's handwriting fonts); without Pillow or
the fonts, OpenCV's Hershey fonts stand in, so the runtime never needs either.

    render("x", height=40, rng=rng)   # float32 (h, w) ink alpha in [0, 1], the ink ``height`` px tall
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

INK_SEEN = 0.25  # an alpha from which ink shows: a glyph's box, its truth box, and the ink digits are spaced by
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
# Debian's handwriting fonts (fonts-bwht, -dkg-handwriting, -breip, -femkeklaver, -humor-sans, -klee,
# -kristi, -dancingscript), by file name stem.
HANDWRITING = ("BecauseWeLearn-Regular", "BecauseWeOrganize-Regular", "BecauseWeMentor-Regular",
               "BecauseWeConnect-Regular", "BecauseWeBuild-Regular", "BecauseWeCreate-Regular", "dkg", "dkgIt",
               "dkgBd", "dkgBI", "Breip", "femkeklaver", "Humor-Sans", "KleeOne-Regular", "KleeOne-SemiBold",
               "Kristi", "DancingScript-Regular", "DancingScript-Bold")
PRINTED = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSansCondensed",
           "DejaVuSans-Oblique", "DejaVuSerif-Italic", "DejaVuSansMono", "LiberationSans-Regular",
           "LiberationSerif-Regular", "LiberationSans-Bold", "LiberationMono-Regular")
_HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
            cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX, cv2.FONT_HERSHEY_PLAIN)

# Letters that a reader would not take for a digit even alone; O, I, l, S, Z, B, G, b, g, q and T
# are left out because written alone they are as often 0, 1, 5, 2, 8, 6 or 9 (or 7).
LETTERS = "ACEFHKLMNPRUVWXYacdefhkmnprtuvwxy"
# Marks found beside numbers on worksheets, forms and tables. A slash is left out: in most fonts it
# leans no more than a handwritten 1 does.
SYMBOLS = "+-=x×^()*#%&@÷"
WORDS = ("the", "and", "name", "date", "total", "Pay", "Rupees", "Bearer", "who", "think", "stronger", "only",
         "form", "block", "letters", "address", "phone", "email", "college", "year", "evaluation", "of",
         "performance", "average", "answer", "sum", "check", "amount", "March", "signed", "Mark", "work",
         "Hello", "world", "Keep", "calm", "page", "Ref", "New", "York", "camera", "write", "here")


@functools.cache
def fonts(kind: str) -> tuple[str, ...]:
    """Paths of the installed ``"handwriting"`` or ``"printed"`` fonts Pillow can read (empty without Pillow)."""
    try:
        import PIL.ImageFont  # noqa: F401  (Pillow is a training and test tool, not a runtime dependency)
    except ImportError:
        return ()
    stems = set(HANDWRITING if kind == "handwriting" else PRINTED)
    found = {}
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.suffix.lower() in (".ttf", ".otf") and path.stem in stems:
                    found.setdefault(path.stem, str(path))
    return tuple(sorted(found.values()))


@functools.lru_cache(maxsize=64)
def _font(path: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size)


@functools.lru_cache(maxsize=4096)
def _has(path: str, char: str) -> bool:
    """Whether the font at ``path`` draws ``char`` as itself, not as its stand-in for missing glyphs (or nothing)."""
    if char.isspace():
        return True
    drawn = _pil_text(char, path)
    return bool(drawn.max() > INK_SEEN) and not np.array_equal(drawn, _pil_text("\U000fffff", path))


def _pil_text(text: str, path: str, size: int = 64) -> np.ndarray:
    from PIL import Image, ImageDraw

    font = _font(path, size)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 8, bottom - top + 8))
    ImageDraw.Draw(image).text((4 - left, 4 - top), text, font=font, fill=255)
    return np.asarray(image, np.float32) * (1 / 255)


def _hershey_text(text: str, font: int, thickness: int) -> np.ndarray:
    text = text.replace("×", "x").replace("÷", "/").replace("√", "v")  # Hershey fonts are ASCII
    (width, height), base = cv2.getTextSize(text, font, 2.0, thickness)
    canvas = np.zeros((height + base + 2 * thickness + 8, width + 2 * thickness + 8), np.uint8)
    cv2.putText(canvas, text, (thickness + 4, height + thickness + 4), font, 2.0, 255, thickness, cv2.LINE_AA)
    return canvas.astype(np.float32) * (1 / 255)


def ink_box(alpha: np.ndarray) -> tuple[int, int, int, int]:
    """The (x, y, w, h) box of the ink that shows (above INK_SEEN) in a float32 (h, w) alpha; w is 0 if none does."""
    return cv2.boundingRect((alpha > INK_SEEN).astype(np.uint8))


def render(text: str, height: int, rng: np.random.Generator, kind: str = "handwriting",
           stroke: float = 1.0) -> np.ndarray:
    """``text`` in a random font of ``kind`` (``"handwriting"`` or ``"printed"``): float32 (h, w) ink alpha in [0, 1].

    Capital letters come out ``height`` px tall, and everything else in proportion (an x
    smaller, a dash flat), cropped to its ink with 2 px to spare. ``stroke`` > 1 thickens
    the strokes and < 1 thins them, as pens differ. Only fonts that have every character of
    ``text`` are chosen; OpenCV's Hershey fonts stand in when Pillow or such fonts are missing.
    """
    choices = [path for path in fonts(kind) if all(_has(path, char) for char in text)]
    if choices:
        path = choices[rng.integers(len(choices))]
        draw = functools.partial(_pil_text, path=path)
    else:
        draw = functools.partial(_hershey_text, font=_HERSHEY[rng.integers(len(_HERSHEY))],
                                 thickness=int(rng.integers(2, 6)))
    alpha = draw(text)
    x, y, w, h = ink_box(alpha)
    if w == 0:
        return np.zeros((height, max(1, height // 2)), np.float32)
    scale = max(height, 2) / max(ink_box(draw("H"))[3], 1)
    alpha = alpha[y:y + h, x:x + w]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    change = int(round((stroke - 1.0) * max(height, 8) / 16))
    if change:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(change) + 1,) * 2)
        alpha = cv2.dilate(alpha, kernel) if change > 0 else cv2.erode(alpha, kernel)
    return np.pad(np.clip(alpha, 0, 1), 2)
