"""Train a zoo model on MNIST and write a run folder: model, history, metrics and plots.

    digits-train --model cnn --out runs/cnn
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import keras

from edge_infer.files import atomic_path, write_text
from edge_train.augment import AugmentedBatches
from edge_train.data import Mnist, load_mnist, model_input
from edge_train import zoo
from edge_infer.commands import add_version, run

MODEL_FILE = "model.keras"


class _KeepBest(keras.callbacks.Callback):
    """Save ``model`` atomically whenever validation loss improves.

    Unlike ModelCheckpoint it saves a model other than the one being fitted (mlp-tiny
    fits its logits but ships probabilities) and never leaves a half-written file.
    """

    def __init__(self, model: keras.Model, path: Path):
        super().__init__()
        self.keep, self.path, self.best = model, path, math.inf

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("val_loss", math.inf)
        if loss < self.best:
            self.best = loss
            with atomic_path(self.path) as tmp:
                self.keep.save(tmp)


def train(name: str, out: str | Path | None = None, *, epochs: int | None = None, batch_size: int | None = None,
          limit: int | None = None, seed: int = 0, data: Mnist | None = None, patience: int = 6,
          verbose: int | str = "auto") -> dict:
    """Train model ``name``, evaluate it on the test set and write the run folder ``out``.

    Returns the metrics dict also written to ``out/metrics.json``.
    """
    from edge_train.evaluate import write_report

    recipe = zoo.recipe(name)
    out = Path(out or f"runs/{name}")
    epochs, batch_size = epochs or recipe.epochs, batch_size or recipe.batch_size
    keras.utils.set_random_seed(seed)
    data = data or load_mnist()
    (x_train, y_train), (x_val, y_val) = data.split(seed=seed)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_val, y_val = x_val[:max(limit // 5, 100)], y_val[:max(limit // 5, 100)]

    model = recipe.build()
    fitted = recipe.train_model(model) if recipe.train_model else model
    steps = -(-len(x_train) // batch_size) * epochs
    rate = recipe.learning_rate
    if recipe.cosine:
        rate = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, steps)
    fitted.compile(optimizer=keras.optimizers.Adam(rate), loss=recipe.loss, metrics=["accuracy"])

    outputs = model.output_shape[-1]

    def targets(y):
        return keras.utils.to_categorical(y, outputs) if recipe.one_hot else y

    val = (model_input(x_val), targets(y_val))
    if recipe.augment:
        inputs = dict(x=AugmentedBatches(x_train, y_train, batch_size, seed=seed, negatives=recipe.negatives))
    else:
        inputs = dict(x=model_input(x_train), y=targets(y_train), batch_size=batch_size, shuffle=True)
    out.mkdir(parents=True, exist_ok=True)
    callbacks = [_KeepBest(model, out / MODEL_FILE)]
    if not recipe.cosine:  # a cosine schedule sets its own length: its last, slow epochs are where it gains most
        callbacks += [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
                      keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                        patience=max(patience // 3, 1), min_lr=1e-5)]
    started = time.perf_counter()
    history = fitted.fit(**inputs, validation_data=val, epochs=epochs, callbacks=callbacks, verbose=verbose)
    seconds = time.perf_counter() - started
    write_text(out / "history.json", json.dumps({k: [float(v) for v in vs] for k, vs in history.history.items()}))
    training = {"model": name, "epochs_run": len(history.history["loss"]), "epochs_max": epochs,
                "batch_size": batch_size, "train_seconds": round(seconds, 1), "train_images": int(len(x_train)),
                "validation_images": int(len(x_val)), "seed": seed, "data_source": data.source,
                "recipe": recipe.describe}
    return write_report(keras.saving.load_model(out / MODEL_FILE), data, out, history=history.history,
                        extra={"training": training})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="digits-train", description=__doc__.splitlines()[0])
    add_version(parser)
    parser.add_argument("--model", default="cnn", choices=zoo.list_models())
    parser.add_argument("--epochs", type=int, help="maximum epochs (early stopping may end sooner)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--out", type=Path, help="run folder (default runs/MODEL)")
    parser.add_argument("--limit", type=int, help="train on the first N training images only, for a quick run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", help="path to mnist.npz or a folder of IDX files")
    args = parser.parse_args(argv)
    return run(lambda: _summary(train(args.model, args.out, epochs=args.epochs, batch_size=args.batch_size,
                                      limit=args.limit, seed=args.seed,
                                      data=load_mnist(args.data) if args.data else None)))


def _summary(metrics: dict) -> None:
    t = metrics["training"]
    print(f"{t['model']}: test accuracy {metrics['accuracy']:.4%}, loss {metrics['loss']:.4f}, "
          f"{t['epochs_run']} epochs in {t['train_seconds']:.0f} s -> {metrics['out']}")
