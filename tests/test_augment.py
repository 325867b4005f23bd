"""Training data: camera-style digits, and the non-digits the model learns as an eleventh class."""

from __future__ import annotations

import numpy as np
import pytest

from edge_infer import glyphs
from edge_infer.contract import NUM_CLASSES
from edge_train.augment import AugmentedBatches, as_crop, non_digit


def test_batches_with_non_digits_have_eleven_classes(mnist):
    batches = AugmentedBatches(mnist.x_train[:512], mnist.y_train[:512], batch_size=64, seed=1, negatives=0.5)
    x, y = batches[0]
    assert x.shape == (96, 28, 28, 1) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert y.shape == (96, NUM_CLASSES + 1) and np.all(y.sum(1) == 1)
    assert np.count_nonzero(y[:, NUM_CLASSES]) == 32  # the extra non-digits, one-hot in the last class
    assert all(x[i].max() > 0.3 for i in range(96))  # every image holds ink (no font without the glyph was used)


def test_non_digits_are_varied_ink(mnist):
    rng = np.random.default_rng(3)
    inks = [non_digit(mnist.x_test, rng) for _ in range(200)]
    assert all(ink.dtype == np.float32 and ink.ndim == 2 and ink.max() > 0.5 for ink in inks)
    crops = np.stack([as_crop(ink) for ink in inks])
    assert crops.shape == (200, 28, 28) and crops.dtype == np.uint8
    assert len({c.tobytes() for c in crops}) >= 190  # varied (one font's + at one stroke width is one image)


def test_glyphs_render_at_the_asked_height():
    rng = np.random.default_rng(0)
    for kind in ("handwriting", "printed"):
        alpha = glyphs.render("H", 40, rng, kind=kind)
        ys = np.nonzero(alpha.max(1) > 0.25)[0]
        assert abs((ys[-1] - ys[0] + 1) - 40) <= 3, kind
    assert glyphs.render("x", 40, rng).shape[0] < glyphs.render("A", 40, rng).shape[0]  # an x is smaller


@pytest.mark.skipif(not glyphs.fonts("handwriting"), reason="handwriting fonts are not installed")
def test_handwriting_fonts_are_found():
    assert len(glyphs.fonts("handwriting")) >= 8 and glyphs.fonts("printed")
