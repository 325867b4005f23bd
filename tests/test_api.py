"""The public API's details: providers, batch shapes, value semantics, JSON, no-digit inputs, logging."""

from __future__ import annotations

import ast
import json
import logging

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from conftest import ROOT
from edge_infer import DigitRecognizer, InputError, ModelError
from edge_infer.scenes import SceneGenerator

CLI_MODULES = {"cli", "bench", "batch", "scenes", "pages", "realphotos", "commands", "__main__"}  # commands print


@pytest.fixture(scope="module")
def rec():
    return DigitRecognizer()


def test_providers_and_session_options_pass_through(caplog):
    with caplog.at_level(logging.INFO, logger="edge_infer"):
        rec = DigitRecognizer(providers=["CPUExecutionProvider"])
    assert rec.model.providers == ["CPUExecutionProvider"]
    assert any("runs on CPUExecutionProvider" in r.getMessage() for r in caplog.records)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    rec = DigitRecognizer(session_options=options)
    assert rec.model.session.get_session_options().intra_op_num_threads == 2
    with pytest.raises(ModelError, match="not available in this onnxruntime; choose from"):
        DigitRecognizer(providers=["NoSuchExecutionProvider"])
    with pytest.raises(ModelError, match="session_options must be"):
        DigitRecognizer(session_options={"threads": 1})


def test_classify_batch_takes_arrays_of_images(rec, mnist):
    grey = mnist.x_test[:6]
    by_list = rec.classify_batch(list(grey))
    assert rec.classify_batch(grey) == by_list  # (N, H, W)
    colour = np.stack([cv2.cvtColor(g, cv2.COLOR_GRAY2BGR) for g in grey])
    assert [p.digit for p in rec.classify_batch(colour)] == [p.digit for p in by_list]  # (N, H, W, 3)
    assert len(rec.classify_batch(grey[..., None])) == 6  # (N, H, W, 1)
    for single in (colour[0], grey[0], grey[0][..., None]):
        with pytest.raises(InputError, match="use classify\\(image\\) or pass \\[image\\]"):
            rec.classify_batch(single)
    with pytest.raises(InputError, match="got shape \\(2, 28, 28, 5\\)"):
        rec.classify_batch(np.zeros((2, 28, 28, 5), np.uint8))


def test_results_compare_by_value_hash_and_serialise(rec, mnist):
    a, b = rec.classify(mnist.x_test[0]), rec.classify(mnist.x_test[0].copy())
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != rec.classify(mnist.x_test[1])
    with pytest.raises(ValueError):
        a.probabilities[0] = 1.0  # read-only, so the hash cannot change
    frame = SceneGenerator(seed=3).scene().frame
    numbers, again = rec.read_numbers(frame), rec.read_numbers(frame.copy())
    assert numbers and numbers == again and len(set(numbers) | set(again)) == len(numbers)
    assert all(isinstance(n.digits, tuple) for n in numbers)
    record = json.loads(json.dumps([n.to_dict() for n in numbers]))
    assert [r["text"] for r in record] == [n.text for n in numbers]
    assert record[0]["digits"][0] == numbers[0].digits[0].to_dict()
    assert record[0]["box"] == list(numbers[0].box)
    assert json.loads(json.dumps(a.to_dict()))["probabilities"] == pytest.approx(a.probabilities.tolist())


def test_labels_and_ranking(rec, mnist):
    p = rec.classify(mnist.x_test[0])  # a 7
    assert p.label == "7" and p.top(1) == [(7, p.confidence)]
    ranking = p.top(10)
    assert [d for d, _ in ranking] == sorted(range(10), key=lambda d: -p.probabilities[d])
    assert sorted(d for d, _ in ranking) == list(range(10))
    letter = np.full((60, 60), 255, np.uint8)
    cv2.putText(letter, "W", (5, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.8, 0, 5)
    assert rec.classify(letter).label == "non-digit"  # the model's eleventh label wins


def _specks():
    """Three faint dots that resizing averages away (found by test_fuzz_arrays)."""
    image = np.ones((30, 8), np.uint8)
    image[0, 4] = image[3, 2] = image[29, 4] = 0
    return image


@pytest.mark.parametrize("blank", [np.zeros((28, 28), np.uint8), np.full((50, 40, 3), 255, np.uint8),
                                   np.full((64, 64), 0.5, np.float32), np.full((28, 28), 137, np.uint8), _specks()])
def test_an_image_without_ink_gets_no_confidence(rec, blank):
    p = rec.classify(blank)
    assert p.confidence == 0.0 and p.label == "non-digit" and not p.probabilities.any()


@pytest.mark.slow
def test_classify_matches_the_model_on_all_of_mnist(rec, mnist):
    """The public API's crops are MNIST's own: its accuracy on the 10,000 test images is the model's, within
    0.05 points."""
    direct = rec.model.predict(mnist.x_test[..., None].astype(np.float32) / 255)[:, :10].argmax(1)
    model = float(np.mean(direct == mnist.y_test))
    api = float(np.mean(np.array([p.digit for p in rec.classify_batch(mnist.x_test)]) == mnist.y_test))
    assert abs(api - model) <= 0.0005, (api, model)


def test_model_version_is_reported(rec):
    card = json.loads((ROOT / "edge_infer" / "models" / "digits-cnn.card.json").read_text())
    assert rec.model_version == card["model"]["model_version"] >= 1


def test_the_library_logs_and_leaves_opencv_alone():
    """Library modules never print (the commands do), and using the recognizer does not change OpenCV's
    process-wide log level."""
    for path in sorted((ROOT / "edge_infer").glob("*.py")):
        if path.stem in CLI_MODULES:
            continue
        calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == "print"]
        assert not calls, f"edge_infer/{path.name} prints; use logging.getLogger('edge_infer')"
    before = cv2.utils.logging.getLogLevel()
    DigitRecognizer().read_numbers(SceneGenerator(seed=4).scene().frame)
    assert cv2.utils.logging.getLogLevel() == before


def test_the_readme_one_liner_reads_any_path(rec, tmp_path):
    from edge_infer import read_image

    path = tmp_path / "página número 7.png"
    frame = SceneGenerator(seed=5).scene().frame
    cv2.imencode(".png", frame)[1].tofile(str(path))
    assert np.array_equal(read_image(path), frame)
    assert rec.recognize(read_image(path)) == rec.recognize(frame)


def test_images_are_written_atomically_to_any_path(tmp_path):
    from edge_infer import SourceError
    from edge_infer.capture import read_image, write_image

    frame = SceneGenerator(seed=6).scene().frame
    target = tmp_path / "Ergebnis über alles.png"
    target.write_bytes(b"previous")
    write_image(target, frame)
    assert np.array_equal(read_image(target), frame)
    with pytest.raises(SourceError, match="cannot encode"):
        write_image(tmp_path / "x.unknown", frame)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]
