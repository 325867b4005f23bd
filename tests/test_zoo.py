"""Every model builds, trains a short epoch on real MNIST, and keeps the shared input contract."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from edge_train.data import model_input
from edge_train.zoo import MODELS, Highway, build_model, gate_activity, list_models

pytestmark = pytest.mark.slow  # trains or exports with TensorFlow


def test_registry_lists_the_five_models():
    assert list_models() == ["mlp-small", "mlp-dropout-bn", "highway", "mlp-tiny", "cnn"]
    with pytest.raises(ValueError, match="unknown model 'resnet'.*mlp-small"):
        build_model("resnet")


@pytest.mark.parametrize("name", list(MODELS))
def test_builds_trains_and_predicts(name, mnist):
    keras.utils.set_random_seed(0)
    recipe = MODELS[name]
    model = build_model(name)
    outputs = 11 if recipe.negatives else 10  # a model that learns "non-digit" has it as an eleventh output
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, outputs)
    fitted = recipe.train_model(model) if recipe.train_model else model
    fitted.compile(keras.optimizers.Adam(1e-3), recipe.loss, metrics=["accuracy"])
    y = keras.utils.to_categorical(mnist.y_train[:2000], outputs) if recipe.one_hot else mnist.y_train[:2000]
    history = fitted.fit(model_input(mnist.x_train[:2000]), y, epochs=3, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    assert history.history["accuracy"][-1] > 0.5  # it learnt something (training mode: BatchNorm warms up slowly)
    probabilities = model.predict(model_input(mnist.x_test[:300]), verbose=0)
    assert probabilities.shape == (300, outputs)
    np.testing.assert_allclose(probabilities.sum(1), 1.0, atol=1e-5)  # softmax, also for mlp-tiny


def test_mlp_tiny_trains_on_logits_and_outputs_probabilities():
    model = build_model("mlp-tiny")
    logits_model = MODELS["mlp-tiny"].train_model(model)
    x = np.random.default_rng(0).random((4, 28, 28, 1), np.float32)
    logits = logits_model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), keras.ops.softmax(logits).numpy(), rtol=1e-5, atol=1e-6)
    assert MODELS["mlp-tiny"].loss.get_config()["from_logits"] is True


def test_highway_layer_computes_the_gated_sum():
    layer = Highway(gate_bias=-2.0)
    x = np.random.default_rng(1).normal(size=(3, 8)).astype(np.float32)
    y = layer(x).numpy()
    t = layer.gate(x).numpy()
    h = layer.transform(x).numpy()
    np.testing.assert_allclose(y, h * t + x * (1 - t), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.gate_dense.bias.numpy(), -2.0)


def test_highway_survives_save_and_load(tmp_path, mnist):
    keras.utils.set_random_seed(0)
    model = build_model("highway")
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(model_input(mnist.x_train[:500]), mnist.y_train[:500], epochs=1, verbose=0)
    model.save(tmp_path / "h.keras")
    loaded = keras.saving.load_model(tmp_path / "h.keras")
    x = model_input(mnist.x_test[:64])
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    activity = gate_activity(loaded, x)
    assert len(activity) == 6 and all(0.0 < a < 1.0 for a in activity)
    assert gate_activity(build_model("mlp-small"), x) == []


def test_cnn_is_small():
    model = build_model("cnn")
    assert model.count_params() * 4 < 1_000_000  # float32 bytes: under 1 MB
