"""Write the model card (Markdown and JSON) of a shipped ONNX model from measurements made now.

    python -m edge_export.card edge_infer/models/digits-cnn.onnx --run runs/cnn
"""

from __future__ import annotations

import argparse
import json
import hashlib
import platform
import timeit
from pathlib import Path

import numpy as np

from edge_infer.files import write_text
from edge_infer.model import OnnxModel, int8_path
from edge_train.data import load_mnist, model_input
from edge_train.metrics import read_digits
from edge_infer.commands import add_version, run

COMMANDS = [
    "scripts/setup.sh dev",
    "digits-train --model cnn --out runs/cnn",
    "digits-export runs/cnn/model.keras --out edge_infer/models/digits-cnn.onnx --quantize int8 "
    "--model-version {version}",
    "python -m edge_export.card edge_infer/models/digits-cnn.onnx --run runs/cnn",
]


def latency_us(model: OnnxModel, batch: np.ndarray) -> float:
    """Median wall time of one ``model.predict(batch)`` in microseconds, after a warm-up."""
    for _ in range(30):
        model.predict(batch)
    return float(np.median(timeit.repeat(lambda: model.predict(batch), number=1, repeat=300)) * 1e6)


def measure(path: Path, x: np.ndarray, y: np.ndarray) -> dict:
    model = OnnxModel(path, threads=1)
    read = read_digits(np.concatenate([model.predict(x[i:i + 2000]) for i in range(0, len(x), 2000)]))
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "model_version": model.version,
        "test_accuracy": float(np.mean(read == y)),
        "test_errors": int(np.sum(read != y)),
        "latency_us_batch1_median": round(latency_us(model, x[:1]), 1),
        "latency_us_per_image_batch32_median": round(latency_us(model, x[:32]) / 32, 1),
        "metadata": model.metadata,
    }


def write_card(float_model: Path, run: Path | None = None) -> dict:
    """Measure the float model (and ``<stem>.int8.onnx`` beside it, if any); write ``<stem>.card.{json,md}``.

    The training facts come from the ``run`` folder, or without one from the card being replaced, if it is of the
    same float model."""
    data = load_mnist()
    x = model_input(data.x_test)
    model = measure(float_model, x, data.y_test)
    card = {"model": model, "commands": [c.format(version=model["model_version"]) for c in COMMANDS],
            "measured_on": f"{platform.machine()} {platform.processor() or ''}".strip() + ", onnxruntime, 1 thread",
            "data": data.source.split(":")[0]}
    int8 = int8_path(float_model)
    if int8.is_file():
        card["int8"] = measure(int8, x, data.y_test)
    path = float_model.with_name(float_model.stem + ".card.json")
    if run and (run / "metrics.json").is_file():
        card["training"] = json.loads((run / "metrics.json").read_text()).get("training", {})
    elif path.is_file():  # re-measured (after quantizing anew, say) without its run: its training is as it was
        before = json.loads(path.read_text())
        if before.get("model", {}).get("sha256") == model["sha256"] and "training" in before:
            card["training"] = before["training"]
    write_text(path, json.dumps(card, indent=1))
    write_text(float_model.with_name(float_model.stem + ".card.md"), _markdown(card))
    return card


def _markdown(card: dict) -> str:
    m, meta = card["model"], card["model"]["metadata"]
    rows = [("float32", card["model"])] + ([("int8 (" + card["int8"]["metadata"].get("quantization", "") + ")",
                                             card["int8"])] if "int8" in card else [])
    table = "\n".join(f"| {name} | `{r['file']}` | {r['test_accuracy']:.2%} ({r['test_errors']} errors) | "
                      f"{r['bytes'] / 1024:.0f} KiB | {r['latency_us_batch1_median']:.0f} µs | "
                      f"{r['latency_us_per_image_batch32_median']:.1f} µs |" for name, r in rows)
    training = card.get("training", {})
    trained = (f"{training.get('epochs_run')} epochs (max {training.get('epochs_max')}), batch "
               f"{training.get('batch_size')}, {training.get('train_seconds')} s on {training.get('train_images')} "
               f"images, validation {training.get('validation_images')}, seed {training.get('seed')}"
               if training else "see the run folder")
    loads = (f" `DigitRecognizer()` loads `{card['int8']['file']}` (static int8, calibrated on augmented training"
             " digits and non-digits; the first layer, over the grey image, and the output layer stay float)."
             if "int8" in card else "")
    return f"""# Model card: {m['file']}

A compact CNN ({meta.get('source_model')}) that reads one handwritten digit from a 28x28 crop.

- **Input**: `{meta['input_name']}`, float32 {meta['input_shape']} ({meta['layout']}), values {meta['value_range']},
  {meta['polarity']} (MNIST polarity), crops made by recipe `{meta['recipe']}`.
- **Output**: `{meta['output_name']}`, float32 (N, {len(meta['labels'].split(','))}) softmax probabilities for labels
  {meta['labels']}.
- **Version**: {m['model_version']} (ONNX `model_version`; `DigitRecognizer().model_version` reports it).
- **Files**: {"; ".join(f"`{r['file']}` sha256 `{r['sha256']}`" for _, r in rows)}.{loads}
- **Cost**: {int(meta.get('multiply_adds', 0)):,} multiply-adds per image.
- **Training**: real MNIST ({card['data']}); {trained}. Augmented with shifts, rotations, scale, shear,
  stroke thickness, blur and noise so it reads camera crops.
- **Made with**: TensorFlow {meta.get('tensorflow')}, tf2onnx {meta.get('tf2onnx')}, onnx {meta.get('onnx')},
  opset {meta.get('opset')}, exported {meta.get('exported')}.

## Measured on the MNIST test set (10,000 images)

| variant | file | accuracy | size | latency, batch 1 | per image, batch 32 |
|---|---|---|---|---|---|
{table}

Latencies are medians of 300 runs on {card['measured_on']}; machines differ, so rerun the
last command below to measure yours.

## Reproduce

```bash
{chr(10).join(card['commands'])}
```

`make model` runs these from a fresh clone.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_export.card", description=__doc__.splitlines()[0])
    add_version(parser)
    parser.add_argument("model", type=Path)
    parser.add_argument("--run", type=Path, help="the training run folder, for its epochs and time")
    args = parser.parse_args(argv)
    return run(lambda: print(_markdown(write_card(args.model, args.run))))


if __name__ == "__main__":
    raise SystemExit(main())
