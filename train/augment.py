"""Camera-style augmentation, so the CNN reads normalised camera crops and not only MNIST, and
the things a page holds besides digits (letters, words, symbols, marks, grid fragments, touching
digits), taught as one more class, "non-digit", so the runtime can tell them apart."""

from __future__ import annotations

import cv2
import keras
import numpy as np

from edge_infer import glyphs
from edge_infer.contract import INPUT_SIZE, NUM_CLASSES
from edge_infer.crop import fit_mnist

_CENTRE = (INPUT_SIZE / 2 - 0.5, INPUT_SIZE / 2 - 0.5)
_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2, 2))


def augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random variant of a uint8 (28, 28) digit: shift, rotation, scale, shear, stroke width, blur, noise.

    Returns float32 (28, 28) in [0, 1].
    """
    angle = rng.uniform(-12, 12)
    scale = rng.uniform(0.85, 1.12)
    shear = rng.uniform(-0.25, 0.25)
    matrix = cv2.getRotationMatrix2D(_CENTRE, angle, scale)
    matrix[0, 1] += shear * matrix[1, 1]
    matrix[:, 2] += rng.uniform(-2.0, 2.0, size=2) - [shear * _CENTRE[1], 0]
    out = cv2.warpAffine(image, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR)
    stroke = rng.random()
    if stroke < 0.2:
        out = cv2.erode(out, _KERNEL)
    elif stroke < 0.45:
        out = cv2.dilate(out, _KERNEL)
    out = out.astype(np.float32) / 255.0
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.0))
    out *= rng.uniform(0.75, 1.0)  # ink that does not quite saturate
    if rng.random() < 0.3:
        out += rng.normal(0.0, rng.uniform(0.01, 0.06), out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0)


def _mnist_ink(image: np.ndarray) -> np.ndarray:
    """A uint8 (28, 28) MNIST digit cropped to its ink, as float32 in [0, 1]."""
    ys, xs = np.nonzero(image > 30)
    return image[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255


def _side_by_side(left: np.ndarray, right: np.ndarray, overlap: float) -> np.ndarray:
    """Two ink maps of equal height written next to each other, ``overlap`` of the right one's width over the left."""
    shift = max(0, left.shape[1] - int(overlap * right.shape[1]))
    out = np.zeros((left.shape[0], max(shift + right.shape[1], left.shape[1])), np.float32)
    out[:, :left.shape[1]] = left
    out[:, shift:shift + right.shape[1]] = np.maximum(out[:, shift:shift + right.shape[1]], right)
    return out


def _pair(images: np.ndarray, rng: np.random.Generator, overlap: tuple[float, float] = (-0.05, 0.3)):
    """Two MNIST digits written touching or overlapping: one region, but never one digit.

    Returns the pair's ink map and the width of the left digit.
    """
    a, b = (_mnist_ink(images[i]) for i in rng.integers(0, len(images), 2))
    b = cv2.resize(b, (max(1, round(b.shape[1] * a.shape[0] / b.shape[0])), a.shape[0]))
    return _side_by_side(a, b, rng.uniform(*overlap)), a.shape[1]


def _wrong_cut(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A touching pair cut in the wrong place: one whole digit plus a quarter to a half of its neighbour."""
    for _ in range(20):
        pair, split = _pair(images, rng, (0.0, 0.15))
        if min(split, pair.shape[1] - split) > 0.5 * pair.shape[0]:  # both wide enough that a part is no digit
            break
    fraction = rng.uniform(0.25, 0.5)
    if rng.random() < 0.5:
        return pair[:, :split + int(fraction * (pair.shape[1] - split))]
    return pair[:, split - int(fraction * split):]


def _word_piece(rng: np.random.Generator) -> np.ndarray:
    """One connected piece of a written word, as the runtime's segmentation cuts words: a letter, or letters
    joined by the pen (cursive writing joins most of them). The word is made of LETTERS only: a lone o or l
    cut from a real word would be a 0 or a 1 to anyone."""
    word = "".join(rng.choice(list(glyphs.LETTERS), int(rng.integers(3, 8))))
    ink = glyphs.render(word, 48, rng, stroke=rng.uniform(0.6, 1.8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > glyphs.INK_SEEN).astype(np.uint8), connectivity=8)
    pieces = [i for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] >= 0.3 * ink.shape[0]
              and stats[i, cv2.CC_STAT_WIDTH] >= 0.3 * stats[i, cv2.CC_STAT_HEIGHT]]  # a bare stem is a 1
    if not pieces:
        return ink
    pick = pieces[rng.integers(len(pieces))]
    x, y, w, h = stats[pick, :4]
    return np.where(labels[y:y + h, x:x + w] == pick, ink[y:y + h, x:x + w], 0).astype(np.float32)


def _rule_piece(rng: np.random.Generator) -> np.ndarray:
    """A fragment of a grid, box or table: a box, a corner, a T, a cross or a dash, thin or thick."""
    canvas = np.zeros((64, 64), np.float32)
    thick = int(rng.integers(2, 9))
    a, b = int(rng.integers(4, 20)), int(rng.integers(44, 60))
    shape = rng.integers(5)
    if shape == 0:  # a box, sometimes open on one side
        cv2.rectangle(canvas, (a, a), (b, b), 1.0, thick)
        if rng.random() < 0.4:
            canvas[a + thick:b - thick, b - thick:b + thick] = 0
    elif shape == 1:  # a corner
        cv2.line(canvas, (a, a), (a, b), 1.0, thick)
        cv2.line(canvas, (a, b), (b, b), 1.0, thick)
    elif shape == 2:  # a T
        cv2.line(canvas, (a, a), (b, a), 1.0, thick)
        cv2.line(canvas, ((a + b) // 2, a), ((a + b) // 2, b), 1.0, thick)
    elif shape == 3:  # a crossing
        cv2.line(canvas, (a, 32), (b, 32), 1.0, thick)
        cv2.line(canvas, (32, a), (32, b), 1.0, thick)
    else:  # a dash
        cv2.line(canvas, (a, 32), (b, 32), 1.0, thick)
    return canvas


def _mark(rng: np.random.Generator) -> np.ndarray:
    """A hand-drawn X, tick or scribble."""
    canvas = np.zeros((96, 96), np.uint8)
    thick = int(rng.integers(3, 9))
    kind = rng.integers(3)
    if kind == 0:  # an X mark
        j = rng.uniform(-10, 10, 8).astype(int)
        cv2.line(canvas, (18 + j[0], 18 + j[1]), (78 + j[2], 78 + j[3]), 255, thick, cv2.LINE_AA)
        cv2.line(canvas, (78 + j[4], 18 + j[5]), (18 + j[6], 78 + j[7]), 255, thick, cv2.LINE_AA)
    elif kind == 1:  # a tick
        points = np.int32([[18, 50], [38, 75], [80, 15]]) + rng.integers(-8, 9, (3, 2))
        cv2.polylines(canvas, [points], False, 255, thick, cv2.LINE_AA)
    else:  # a tangled scribble
        points = np.cumsum(rng.normal(0, 12, (int(rng.integers(8, 15)), 2)), 0) + 48
        cv2.polylines(canvas, [points.astype(np.int32)], False, 255, thick, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255


def non_digit(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Something a page holds that is not one digit, as an ink map: float32 (h, w) in [0, 1].

    Handwritten and printed letters, words and symbols, marks, fragments of grids and boxes, and
    touching digits or wrong pieces of them (``images``: uint8 (N, 28, 28) MNIST digits to pair).
    """
    pick = rng.random()
    stroke = rng.uniform(0.6, 1.8)
    if pick < 0.2:
        ink = glyphs.render(glyphs.LETTERS[rng.integers(len(glyphs.LETTERS))], 48, rng, stroke=stroke)
    elif pick < 0.3:
        ink = glyphs.render(glyphs.SYMBOLS[rng.integers(len(glyphs.SYMBOLS))], 48, rng, stroke=stroke)
    elif pick < 0.5:
        ink = _word_piece(rng)
    elif pick < 0.55:
        text = glyphs.LETTERS + glyphs.SYMBOLS
        ink = glyphs.render(text[rng.integers(len(text))], 48, rng, kind="printed", stroke=stroke)
    elif pick < 0.62:
        ink = _rule_piece(rng)
    elif pick < 0.75:
        ink = _mark(rng)
    elif pick < 0.9:
        ink = _pair(images, rng)[0]
    else:
        ink = _wrong_cut(images, rng)
    return ink


def as_crop(ink: np.ndarray) -> np.ndarray:
    """An ink map (float32 (h, w) in [0, 1]) fitted the way the runtime fits regions: uint8 (28, 28)."""
    return (fit_mnist(ink) * 255 + 0.5).astype(np.uint8)


FONT_DIGITS = 0.08  # of a batch's digits are drawn in a handwriting font instead: more styles than MNIST's


class AugmentedBatches(keras.utils.PyDataset):
    """Batches of freshly augmented images, (B, 28, 28, 1) float32, and their labels; reshuffled every epoch.

    With ``negatives`` > 0, that fraction of extra non-digits joins each batch, FONT_DIGITS of the
    digits are replaced by digits in handwriting fonts, and the labels become (B, 11) one-hot float32
    targets whose last class is "non-digit".
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0,
                 negatives: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.images, self.labels, self.batch_size, self.negatives = images, labels, batch_size, negatives
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(images))

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        rng = self.rng
        pick = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        if not self.negatives:
            return np.stack([augment(self.images[i], rng) for i in pick])[..., None], self.labels[pick]
        images, labels = list(self.images[pick]), list(self.labels[pick])
        for i in np.nonzero(rng.random(len(pick)) < FONT_DIGITS)[0]:
            labels[i] = int(rng.integers(NUM_CLASSES))
            images[i] = as_crop(glyphs.render(str(labels[i]), 48, rng, stroke=rng.uniform(0.6, 1.8)))
        for _ in range(max(1, round(self.negatives * len(pick)))):
            images.append(as_crop(non_digit(self.images, rng)))
            labels.append(NUM_CLASSES)
        batch = np.stack([augment(image, rng) for image in images])
        return batch[..., None], np.eye(NUM_CLASSES + 1, dtype=np.float32)[labels]

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.images))
