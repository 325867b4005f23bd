"""Camera-style augmentation, so the CNN reads normalised webcam crops and not only MNIST."""

from __future__ import annotations

import cv2
import keras
import numpy as np

from edge_infer.contract import INPUT_SIZE

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


class AugmentedBatches(keras.utils.PyDataset):
    """Batches of freshly augmented images, (B, 28, 28, 1) float32, and their labels; reshuffled every epoch."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(images))

    def __len__(self):
        return -(-len(self.images) // self.batch_size)

    def __getitem__(self, index):
        pick = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        batch = np.stack([augment(self.images[i], self.rng) for i in pick])
        return batch[..., None], self.labels[pick]

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.images))
