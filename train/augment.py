"""Camera-style augmentation, so the CNN reads normalised webcam crops and not only MNIST,
and non-digits (letters, scribbles) taught to get no confident answer (outlier exposure,
Hendrycks, Mazeika and Dietterich, 2019), so the runtime's confidence threshold rejects them."""

from __future__ import annotations

import cv2
import keras
import numpy as np

from edge_infer.contract import INPUT_SIZE, NUM_CLASSES
from edge_infer.crop import fit_mnist
from edge_infer.scenes import LETTERS

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


_FONTS = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
          cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX, cv2.FONT_HERSHEY_PLAIN]


def non_digit(rng: np.random.Generator) -> np.ndarray:
    """A random letter or scribble as the runtime would crop it: float32 (28, 28) in [0, 1], white on black."""
    canvas = np.zeros((96, 96), np.uint8)
    if rng.random() < 0.7:
        font = _FONTS[rng.integers(len(_FONTS))]
        cv2.putText(canvas, LETTERS[rng.integers(len(LETTERS))], (18, 72), font, rng.uniform(1.6, 2.4), 255,
                    int(rng.integers(3, 9)), cv2.LINE_AA)
    else:
        points = np.cumsum(rng.normal(0, 12, (int(rng.integers(8, 15)), 2)), 0) + 48  # too tangled for a digit
        cv2.polylines(canvas, [points.astype(np.int32)], False, 255, int(rng.integers(3, 9)), cv2.LINE_AA)
    matrix = cv2.getRotationMatrix2D((48, 48), rng.uniform(-15, 15), 1.0)
    matrix[0, 1] += rng.uniform(-0.3, 0.3)
    return fit_mnist(cv2.warpAffine(canvas, matrix, (96, 96)).astype(np.float32) / 255)


class AugmentedBatches(keras.utils.PyDataset):
    """Batches of freshly augmented images, (B, 28, 28, 1) float32, and their labels; reshuffled every epoch.

    With ``negatives`` > 0, that fraction of extra non-digits joins each batch and the labels become
    (B, 10) float32 targets: one-hot for digits, uniform for non-digits.
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
        pick = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        batch = np.stack([augment(self.images[i], self.rng) for i in pick])
        if not self.negatives:
            return batch[..., None], self.labels[pick]
        extra = np.stack([non_digit(self.rng) for _ in range(max(1, round(self.negatives * len(pick))))])
        targets = np.concatenate([np.eye(NUM_CLASSES, dtype=np.float32)[self.labels[pick]],
                                  np.full((len(extra), NUM_CLASSES), 1 / NUM_CLASSES, np.float32)])
        return np.concatenate([batch, extra])[..., None], targets

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.images))
