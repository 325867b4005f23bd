"""The edge_infer API on real MNIST digits and generated camera scenes, through the shipped model."""

from __future__ import annotations

import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from edge_infer import Detection, DigitRecognizer, InputError, ModelError, Number, Prediction
from edge_infer.scenes import SceneGenerator, _pieces_and_loops, _stroke_width, measure, pen

SUBSET = slice(0, 1000)  # a fixed subset of the MNIST test set


@pytest.fixture(scope="module")
def rec():
    return DigitRecognizer()


def _accuracy(predictions, labels):
    return float(np.mean([p.digit for p in predictions] == np.asarray(labels)))


def test_classify_mnist_polarity(rec, mnist):
    predictions = rec.classify_batch(list(mnist.x_test[SUBSET]))
    assert all(isinstance(p, Prediction) and p.probabilities.shape == (10,) for p in predictions)
    assert _accuracy(predictions, mnist.y_test[SUBSET]) >= 0.99


def test_classify_dark_ink_on_paper(rec, mnist):
    """Photographed polarity, in colour, larger and in float: the same digits are read."""
    images = [cv2.cvtColor(cv2.resize(255 - img, (84, 84)), cv2.COLOR_GRAY2BGR).astype(np.float32) / 255
              for img in mnist.x_test[SUBSET]]
    assert _accuracy(rec.classify_batch(images), mnist.y_test[SUBSET]) >= 0.99


def test_batch_matches_single(rec, mnist):
    images = list(mnist.x_test[:40])
    batch = rec.classify_batch(images)
    for image, b in zip(images, batch):
        single = rec.classify(image)
        assert single.digit == b.digit
        np.testing.assert_allclose(single.probabilities, b.probabilities, atol=1e-5)
    assert batch[0].confidence == pytest.approx(float(batch[0].probabilities.max()))
    assert rec.classify_batch([]) == []


@pytest.mark.slow
def test_scene_metrics(rec):
    """The camera scenes (seed 7, 150 frames), where the shipped model measures recall 0.987, precision 0.997 and
    digit accuracy 0.996. The target is 0.99 each: precision and accuracy are asserted at the target, recall (the
    gap: MNIST's most ambiguous digits, tiny touching pairs) by a regression alarm. No detection on blank frames
    is a target."""
    result = measure(rec, SceneGenerator(seed=7), frames=150, blanks=40)
    print(result)
    assert result["recall"] >= 0.98
    assert result["precision"] >= 0.99
    assert result["digit_accuracy"] >= 0.99
    assert result["false_detections_per_blank_frame"] == 0


def test_the_generator_writes_a_number_with_one_pen(mnist):
    """MNIST's writers' strokes differ in width, but one pen draws each digit of a number equally wide: thinned,
    no stroke breaks, and thickened, no loop closes."""
    generator = SceneGenerator(seed=0, digits=mnist.x_test, labels=mnist.y_test)
    images = range(60)
    own = [_stroke_width((cv2.resize(mnist.x_test[i], (56, 56)) > 127).astype(np.uint8)) for i in images]
    drawn = [_stroke_width((generator._glyph(i, 40, 1.0) > 0.5).astype(np.uint8)) for i in images]  # a 5 px pen
    assert max(own) / min(own) > 2.5  # the writers' own widths vary (measured 3.5; 90th over 10th percentile 1.8)
    assert np.median(np.abs(np.array(drawn) / 5.0 - 1)) < 0.15 and np.percentile(drawn, 90) / np.percentile(
        drawn, 10) < 1.5  # measured 0.066 and 1.27
    for i in range(200):
        for scale, width in ((1.0, 1.2), (4.0, 18.0)):  # a fine pen on small digits, a marker on big ones
            alpha = cv2.resize(mnist.x_test[i].astype(np.float32) / 255, None, fx=scale, fy=scale,
                               interpolation=cv2.INTER_CUBIC)
            pieces, loops = _pieces_and_loops((alpha > 0.5).astype(np.uint8))
            drawn = _pieces_and_loops((pen(alpha, width) > 0.5).astype(np.uint8))
            assert drawn[0] <= pieces and drawn[1] >= loops, (i, width)


@pytest.mark.slow
def test_read_numbers_groups_digits_into_numbers(rec):
    generator = SceneGenerator(seed=11, max_numbers=3, max_length=4)
    matched = total = 0
    for _ in range(20):
        scene = generator.scene()
        numbers = rec.read_numbers(scene.frame)
        assert all(isinstance(n, Number) and n.text == "".join(str(d.digit) for d in n.digits) for n in numbers)
        texts = {n.text for n in numbers}
        matched += sum(text in texts for _, text in scene.numbers)
        total += len(scene.numbers)
    assert matched / total >= 0.85  # regression alarm: the shipped model measures 0.872 (scenes target 0.95)


def _paper(height=480, width=640):
    return np.full((height, width, 3), 235, np.uint8)


def _write(frame, image, x, y, height):
    """Write an MNIST digit as dark ink, ``height`` px tall, at (x, y)."""
    ys, xs = np.nonzero(image > 30)
    crop = image[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    width = max(1, round(crop.shape[1] * height / crop.shape[0]))
    alpha = cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)[..., None] / 255
    region = frame[y:y + height, x:x + width]
    region[:] = (region * (1 - alpha) + np.array([40, 30, 30]) * alpha).astype(np.uint8)
    return (x, y, width, height)


@pytest.mark.parametrize("digit", [4, 5, 7])
def test_digit_written_in_two_strokes_is_one_detection(rec, mnist, digit):
    found = 0
    for index in np.flatnonzero(mnist.y_test == digit)[:10]:
        frame = _paper()
        x, y, w, h = _write(frame, mnist.x_test[index], 200, 100, 120)
        cut = y + int(0.35 * h)
        frame[cut:cut + 4, x:x + w] = 235  # a gap across the strokes, as when the pen is lifted
        detections = rec.recognize(frame)
        found += len(detections) == 1 and detections[0].digit == digit
    assert found >= 9


def test_reading_order_and_heights(rec, mnist):
    frame = _paper(600, 800)
    indices = [int(np.flatnonzero(mnist.y_test == d)[0]) for d in (2, 0, 2, 6, 1, 5)]
    for i, index in enumerate(indices[:4]):
        _write(frame, mnist.x_test[index], 60 + i * 70, 60, 60)  # "2026" on the first line
    _write(frame, mnist.x_test[indices[4]], 100, 300, 16)  # a small "1" ...
    _write(frame, mnist.x_test[indices[5]], 400, 250, 300)  # ... and a "5" half the frame tall
    detections = rec.recognize(frame)
    assert [d.digit for d in detections] == [2, 0, 2, 6, 1, 5]
    assert all(isinstance(d, Detection) and len(d.box) == 4 for d in detections)
    assert [n.text for n in rec.read_numbers(frame)] == ["2026", "1", "5"]


def _light_threes(mnist) -> np.ndarray:
    """Three MNIST 3s drawn light on a dark ground, as MNIST's own digits are: BGR (300, 400, 3)."""
    frame = np.full((300, 400, 3), 30, np.uint8)
    x = 40
    for index in np.flatnonzero(mnist.y_test == 3)[:3]:
        digit = cv2.resize(mnist.x_test[index], (84, 84))
        frame[100:184, x:x + 84] = np.maximum(frame[100:184, x:x + 84], digit[..., None])
        x += 110
    return frame


def test_light_ink_on_dark_option(mnist):
    assert [d.digit for d in DigitRecognizer(ink="light").recognize(_light_threes(mnist))] == [3, 3, 3]


def test_auto_ink_reads_the_polarity_from_each_frame(mnist):
    """With ink="auto", light digits on a dark ground and dark ones on paper both read. Told the wrong polarity (the
    default is dark ink), the recognizer takes the ground beside the strokes for ink and reads no 3."""
    light = _light_threes(mnist)
    auto = DigitRecognizer(ink="auto")
    assert [d.digit for d in auto.recognize(light)] == [3, 3, 3]
    assert [d.digit for d in auto.recognize(255 - light)] == [3, 3, 3]
    assert 3 not in [d.digit for d in DigitRecognizer().recognize(light)]


def test_rejects_what_is_not_a_digit(rec):
    rng = np.random.default_rng(0)
    frame = _paper()
    frame = np.clip(frame + rng.normal(0, 4, frame.shape), 0, 255).astype(np.uint8)  # paper texture
    for _ in range(40):  # specks
        cv2.circle(frame, (int(rng.integers(0, 640)), int(rng.integers(0, 480))), 1, (90, 90, 90), -1)
    cv2.line(frame, (20, 400), (620, 410), (60, 60, 60), 2)  # a long pen line
    cv2.line(frame, (600, 20), (605, 460), (60, 60, 60), 2)
    assert rec.recognize(frame) == []
    assert rec.recognize(np.full((480, 640, 3), 128, np.uint8)) == []  # a uniform frame
    assert rec.recognize(np.zeros((480, 640), np.uint8)) == []


@pytest.mark.slow
def test_rejects_letters_and_scribbles(rec):
    """Photographed letters in fonts the model never trained on, and random scribbles: most are not read.

    Regression alarms pinned just above what this seed measures (0.064 detections per letter, 0.23 per
    scribble frame; the previous model, without a non-digit class, measured 0.28 and 0.71).
    """
    result = measure(rec, SceneGenerator(seed=7), frames=0, blanks=0, distractors=100)
    assert result["letters_shown"] == 500
    assert result["detections_per_letter"] <= 0.1
    assert result["detections_per_scribble_frame"] <= 0.35


def test_huge_frame(rec, mnist):
    frame = np.full((6000, 8000, 3), 230, np.uint8)
    _write(frame, mnist.x_test[0], 4000, 3000, 400)  # a 7
    assert [d.digit for d in rec.recognize(frame)] == [7]
    with pytest.raises(InputError, match="resize it first"):
        rec.recognize(np.zeros((8000, 8000, 3), np.uint8))


BAD_IMAGES = {
    "None": (None, "is None"),
    "empty": (np.zeros((0, 0), np.uint8), "at least 2x2"),
    "zero rows": (np.zeros((0, 5, 3), np.uint8), "at least 2x2"),
    "one pixel": (np.zeros((1, 1), np.uint8), "at least 2x2"),
    "bool": (np.zeros((28, 28), bool), "dtype bool"),
    "complex": (np.zeros((28, 28), complex), "dtype complex"),
    "object": (np.empty((28, 28), object), "dtype object"),
    "NaN": (np.full((28, 28), np.nan, np.float32), "NaN"),
    "inf": (np.full((28, 28), np.inf), "NaN or infinite"),
    "4-D": (np.zeros((2, 28, 28, 3), np.uint8), "shape (2, 28, 28, 3)"),
    "5 channels": (np.zeros((28, 28, 5), np.uint8), "shape (28, 28, 5)"),
    "string": ("digit.png", "numpy array, got str"),
    "list": ([[0, 1], [1, 0]], "numpy array, got list"),
    "negative": (np.full((28, 28), -1.0), "negative"),
}


@pytest.mark.parametrize("name", list(BAD_IMAGES))
def test_bad_images_get_clear_errors(rec, name):
    image, message = BAD_IMAGES[name]
    for call in (rec.classify, rec.recognize, rec.read_numbers, lambda im: rec.classify_batch([im])):
        with pytest.raises(InputError, match=re.escape(message)):
            call(image)


def test_bad_arguments(rec):
    with pytest.raises(InputError, match="list of images"):
        rec.classify_batch(42)
    with pytest.raises(InputError, match="min_confidence"):
        DigitRecognizer(min_confidence=2)
    with pytest.raises(InputError, match="ink must be"):
        DigitRecognizer(ink="red")
    with pytest.raises(InputError, match="model must be a path"):
        DigitRecognizer(model=3.5)


def test_bad_model_files(tmp_path, small_onnx_model):
    with pytest.raises(ModelError, match="cannot read model file"):
        DigitRecognizer(tmp_path / "missing.onnx")
    (tmp_path / "empty.onnx").write_bytes(b"")
    with pytest.raises(ModelError, match="is empty"):
        DigitRecognizer(tmp_path / "empty.onnx")
    (tmp_path / "random.onnx").write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(ModelError, match="not a valid ONNX model"):
        DigitRecognizer(tmp_path / "random.onnx")
    blob = small_onnx_model.read_bytes()
    (tmp_path / "truncated.onnx").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ModelError, match="not a valid ONNX model"):
        DigitRecognizer(tmp_path / "truncated.onnx")


def test_model_of_another_contract_is_refused(tmp_path):
    """A real 3-class model with another input size, built with onnx's helpers."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(np.zeros((32 * 32, 3), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["image"], ["flat"]), helper.make_node("MatMul", ["flat", "w"], ["logits"]),
         helper.make_node("Softmax", ["logits"], ["probabilities"])], "other",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 32, 32, 1])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 3])], [weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8)
    onnx.save(model, str(tmp_path / "other.onnx"))
    with pytest.raises(ModelError, match="'labels' is missing.*input is tensor\\(float\\)\\['N', 32, 32, 1\\]"):
        DigitRecognizer(tmp_path / "other.onnx")


def test_import_does_not_load_tensorflow():
    code = ("import sys, edge_infer; edge_infer.DigitRecognizer(); "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_classify_follows_mnist_s_own_recipe(rec, mnist):
    """An MNIST test image through classify() is the model's own input: the crop recipe boxes all ink, fits it
    into 20x20 and centres it by mass by whole pixels, as MNIST did, so nothing changes it."""
    from edge_infer.crop import normalize

    images = mnist.x_test[:2000]
    same = np.mean([np.allclose(normalize(image), image / 255, atol=1e-5) for image in images])
    assert same >= 0.85  # measured 0.90; the rest move by one pixel, where MNIST rounded its centre of mass its own way
    direct = rec.model.predict(images[..., None].astype(np.float32) / 255)[:, :10].argmax(1)
    assert np.mean(np.array([p.digit for p in rec.classify_batch(list(images))]) == direct) >= 0.999


@pytest.mark.parametrize("shape", [(40, 5), (5, 40), (30, 1), (1, 30), (2, 2), (1, 1)])
def test_thin_strokes_are_centred_by_their_mass(shape):
    """A stroke a few pixels thin shrinks to an (N, 2) or (2, N) array, which cv2.moments would take for N points:
    it lands whole, centred by mass, in the 28x28 frame."""
    from edge_infer.crop import FIT_SIZE, fit_mnist

    ink = np.full(shape, 0.3, np.float32)
    ink[:, 0] = 0.9  # lopsided: the mass sits left of the box's centre
    out = fit_mnist(ink)
    rows, cols = np.nonzero(out)
    assert out.max() == pytest.approx(1.0) and max(np.ptp(rows), np.ptp(cols)) + 1 <= FIT_SIZE
    mass = out.sum()
    assert abs((out.sum(0) @ np.arange(28)) / mass - 14) <= 1 and abs((out.sum(1) @ np.arange(28)) / mass - 14) <= 1
