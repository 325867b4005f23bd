"""The shipped default model: its card tells the truth about it on the real MNIST test set."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edge_train.data import model_input
from edge_train.metrics import read_digits
from edge_infer.model import OnnxModel, default_model_path, float_model_path, int8_path

CARD = float_model_path().with_name("digits-cnn.card.json")


def _accuracy(path, mnist):
    model = OnnxModel(path)
    x = model_input(mnist.x_test)
    predicted = read_digits(np.concatenate([model.predict(x[i:i + 2500]) for i in range(0, len(x), 2500)]))
    return float(np.mean(predicted == mnist.y_test))


def test_float_model_matches_its_card(mnist):
    card = json.loads(CARD.read_text())
    accuracy = _accuracy(float_model_path(), mnist)
    assert accuracy == pytest.approx(card["model"]["test_accuracy"], abs=1e-4)  # 0.01 percentage point
    assert accuracy >= 0.996
    assert float_model_path().stat().st_size == card["model"]["bytes"] < 1_000_000


def test_int8_model_matches_its_card(mnist):
    card = json.loads(CARD.read_text())
    if "int8" not in card:
        pytest.skip("no int8 model passed its accuracy check")
    path = float_model_path().with_name(card["int8"]["file"])
    accuracy = _accuracy(path, mnist)
    assert accuracy == pytest.approx(card["int8"]["test_accuracy"], abs=1e-4)
    assert accuracy >= card["model"]["test_accuracy"] - 0.002
    assert accuracy >= 0.996  # the runtime's default model, so it meets the shipped model's bar too


def test_the_runtime_loads_the_int8_model_when_one_ships():
    shipped = int8_path(float_model_path())
    assert default_model_path() == (shipped if shipped.is_file() else float_model_path())
    assert "int8" in json.loads(CARD.read_text()) or not shipped.is_file()


def test_card_records_each_shipped_file_s_hash_and_version():
    import hashlib

    card = json.loads(CARD.read_text())
    for entry in (card["model"], card.get("int8")):
        if entry:
            path = float_model_path().with_name(entry["file"])
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], f"{path.name} is not its card's"
            assert OnnxModel(path).version == entry["model_version"] >= 1
    shipped = {p.name for p in float_model_path().parent.glob("*.onnx")}
    assert shipped == {e["file"] for e in (card["model"], card.get("int8")) if e}, "every shipped model has a card"


def test_card_markdown_states_the_measured_figures():
    card = json.loads(CARD.read_text())
    text = CARD.with_suffix(".md").read_text()
    assert f"{card['model']['test_accuracy']:.2%}" in text
    assert "digits-train --model cnn" in text and "digits-export" in text
    assert int(card["model"]["metadata"]["multiply_adds"]) <= 3_500_000


def test_a_batch_of_several_chunks_reads_as_its_crops_do_one_by_one(mnist):
    """``predict`` runs a page's crops model.CHUNK at a time; the probabilities are each crop's own, in order."""
    from edge_infer.model import CHUNK

    model = OnnxModel(default_model_path())
    x = model_input(mnist.x_test[:2 * CHUNK + 5])
    alone = np.concatenate([model.predict(x[i:i + 1]) for i in range(len(x))])
    np.testing.assert_allclose(model.predict(x), alone, atol=1e-5)
