"""The model zoo: every model maps (N, 28, 28, 1) float32 in [0, 1] to (N, 10) softmax probabilities over the
digits, or (N, 11) with "non-digit" last."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import keras
from keras import layers

from edge_infer.contract import INPUT_SIZE, NUM_CLASSES


@keras.saving.register_keras_serializable(package="edge_digits")
class Highway(layers.Layer):
    """A highway layer (Srivastava, Greff and Schmidhuber, 2015): y = H(x) * T(x) + x * (1 - T(x)).

    H is a ReLU dense transform and T a sigmoid gate whose bias starts at ``gate_bias``
    (negative, so each layer begins by carrying its input through). ``gate(x)`` exposes T
    for inspection.
    """

    def __init__(self, gate_bias: float = -2.0, **kwargs):
        super().__init__(**kwargs)
        self.gate_bias = gate_bias

    def build(self, input_shape):
        width = input_shape[-1]
        self.transform = layers.Dense(width, activation="relu", name="transform")
        self.gate_dense = layers.Dense(width, activation="sigmoid", name="gate",
                                       bias_initializer=keras.initializers.Constant(self.gate_bias))
        self.transform.build(input_shape)
        self.gate_dense.build(input_shape)

    def gate(self, x):
        return self.gate_dense(x)

    def call(self, x):
        t = self.gate_dense(x)
        return self.transform(x) * t + x * (1.0 - t)

    def get_config(self):
        return {**super().get_config(), "gate_bias": self.gate_bias}


@dataclass(frozen=True)
class Recipe:
    """How a model is built and trained by default."""

    build: Callable[[], keras.Model]
    loss: str | keras.losses.Loss
    epochs: int
    batch_size: int
    one_hot: bool = False  # categorical rather than sparse labels
    augment: bool = False
    learning_rate: float = 1e-3
    cosine: bool = False  # anneal the learning rate to zero over the epochs instead of cutting it on plateaus
    negatives: float = 0.0  # extra non-digits per batch, as a fraction, taught as an eleventh class
    describe: str = ""
    train_model: Callable[[keras.Model], keras.Model] | None = field(default=None)


def _input(name="image"):
    return keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name=name)


def _mlp_small():
    x = inp = _input()
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    return keras.Model(inp, layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x), name="mlp-small")


def _mlp_dropout_bn():
    x = inp = _input()
    x = layers.Flatten()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    return keras.Model(inp, layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x),
                       name="mlp-dropout-bn")


def _highway(width: int = 64, depth: int = 6):
    x = inp = _input()
    x = layers.Flatten()(x)
    x = layers.Dense(width, activation="relu", name="projection")(x)
    for i in range(depth):
        x = Highway(name=f"highway_{i}")(x)
    return keras.Model(inp, layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x), name="highway")


def _mlp_tiny():
    x = inp = _input()
    x = layers.Flatten()(x)
    x = layers.Dense(25, activation="relu")(x)
    x = layers.Dense(15, activation="relu")(x)
    logits = layers.Dense(NUM_CLASSES, name="logits")(x)
    return keras.Model(inp, layers.Softmax(name="probabilities")(logits), name="mlp-tiny")


def _logits_of(model: keras.Model) -> keras.Model:
    """The same weights without the final softmax, for a from_logits loss."""
    return keras.Model(model.inputs, model.get_layer("logits").output, name=model.name + "-logits")


def _cnn():
    """About 3.4 M multiply-adds per image: convolutions stride down early, where pixels are cheap.

    Eleven outputs: the ten digits and "non-digit" (see ``edge_infer.contract.NON_DIGIT``).
    """

    def conv(x, filters, strides=1, padding="same"):
        x = layers.Conv2D(filters, 3, strides=strides, padding=padding, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    x = inp = _input()
    x = conv(x, 24)  # 28x28
    x = conv(x, 32, strides=2)  # 14x14
    x = conv(x, 64, strides=2)  # 7x7
    x = conv(x, 64, padding="valid")  # 5x5
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(inp, layers.Dense(NUM_CLASSES + 1, activation="softmax", name="probabilities")(x), name="cnn")


MODELS: dict[str, Recipe] = {
    "mlp-small": Recipe(_mlp_small, "categorical_crossentropy", epochs=5, batch_size=32, one_hot=True,
                        describe="Dense 128-64-10, Adam, categorical cross-entropy, 5 epochs, batch 32"),
    "mlp-dropout-bn": Recipe(_mlp_dropout_bn, "sparse_categorical_crossentropy", epochs=20, batch_size=128,
                             describe="Dense 256, Dropout 0.5, Dense 128-128, BatchNorm, Dense 10"),
    "highway": Recipe(_highway, "sparse_categorical_crossentropy", epochs=20, batch_size=128,
                      describe="projection to 64, 6 highway layers (gate bias -2), Dense 10"),
    "mlp-tiny": Recipe(_mlp_tiny, keras.losses.SparseCategoricalCrossentropy(from_logits=True), epochs=20,
                       batch_size=128, train_model=_logits_of,
                       describe="Dense 25-15-10 trained on logits; softmax applied after"),
    "cnn": Recipe(_cnn, "categorical_crossentropy", epochs=30, batch_size=128, one_hot=True, augment=True,
                  learning_rate=3e-3, cosine=True, negatives=0.4,
                  describe="4 conv layers with BatchNorm, camera-style augmentation, letters, symbols, marks, "
                           "grid fragments and touching digits as an eleventh class, cosine-annealed Adam"),
}


def list_models() -> list[str]:
    """The names ``build_model`` accepts."""
    return list(MODELS)


def recipe(name: str) -> Recipe:
    """The build and training recipe of model ``name``."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name]


def build_model(name: str) -> keras.Model:
    """Build an untrained model by name: input (N, 28, 28, 1) float32 in [0, 1], output (N, 10) probabilities,
    or (N, 11) for a model that also learns "non-digit"."""
    return recipe(name).build()


def gate_activity(model: keras.Model, x) -> list[float]:
    """Mean transform-gate activity T(x) of each highway layer over ``x`` (empty for other models)."""
    highways = [layer for layer in model.layers if isinstance(layer, Highway)]
    if not highways:
        return []
    probe = keras.Model(model.inputs, [layer.input for layer in highways])
    inputs = probe.predict(x, batch_size=1024, verbose=0)
    inputs = inputs if isinstance(inputs, list) else [inputs]
    return [float(keras.ops.mean(layer.gate(h))) for layer, h in zip(highways, inputs)]
