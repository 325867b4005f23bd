"""The input contract shared by training, export and the runtime.

Every constant about what a model sees lives here once. The exporter writes these
facts into the ONNX file's metadata and the runtime reads them back, so a model
carries its own preprocessing recipe and nothing is guessed at load time.
"""

from __future__ import annotations

INPUT_SIZE = 28  # model input is INPUT_SIZE x INPUT_SIZE x 1
FIT_SIZE = 20  # MNIST fits the ink's bounding box into 20x20 ...
# ... then centres it by centre of mass inside the 28x28 field.
LABELS: tuple[str, ...] = tuple(str(d) for d in range(10))
NUM_CLASSES = len(LABELS)
# A model may have one more output after the digits: the probability that a crop holds no single
# digit (a letter, a symbol, a grid fragment, two touching digits). Its labels then end with this.
NON_DIGIT = "non-digit"
INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
LAYOUT = "NHWC"
POLARITY = "white-on-black"
VALUE_RANGE = (0.0, 1.0)
RECIPE = "mnist-fit20-com28-v2"  # bump when the crop normalisation changes

_KEY = "edge_digits."


def labels(outputs: int) -> tuple[str, ...]:
    """The labels of a model with ``outputs`` classes: the digits, then NON_DIGIT if it has that output."""
    return LABELS + (NON_DIGIT,) if outputs == NUM_CLASSES + 1 else LABELS


def metadata(outputs: int = NUM_CLASSES, **extra: str) -> dict[str, str]:
    """The metadata_props an exported model with ``outputs`` classes must carry, plus ``extra`` facts."""
    facts = {
        "labels": ",".join(labels(outputs)),
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "layout": LAYOUT,
        "input_shape": f"N,{INPUT_SIZE},{INPUT_SIZE},1",
        "value_range": f"{VALUE_RANGE[0]:g},{VALUE_RANGE[1]:g}",
        "polarity": POLARITY,
        "recipe": RECIPE,
    }
    facts.update(extra)
    return {key(k): str(v) for k, v in facts.items()}


def key(fact: str) -> str:
    """The metadata_props key under which a model carries ``fact``."""
    return _KEY + fact


def read_metadata(props: dict[str, str]) -> dict[str, str]:
    """Strip the key prefix from a model's metadata_props; foreign keys are dropped."""
    return {k[len(_KEY):]: v for k, v in props.items() if k.startswith(_KEY)}


def mismatches(facts: dict[str, str]) -> list[str]:
    """Which facts of a model's metadata this runtime cannot honour (empty when all fit)."""
    outputs = len(facts.get("labels", "").split(","))
    wanted = read_metadata(metadata(outputs if outputs == NUM_CLASSES + 1 else NUM_CLASSES))
    problems = []
    for key in ("labels", "layout", "input_shape", "value_range", "polarity", "recipe"):
        if key not in facts:
            problems.append(f"'{key}' is missing")
        elif facts[key] != wanted[key]:
            problems.append(f"'{key}' is {facts[key]!r}, this runtime needs {wanted[key]!r}")
    return problems
