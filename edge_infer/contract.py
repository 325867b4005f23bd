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
INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
LAYOUT = "NHWC"
POLARITY = "white-on-black"
VALUE_RANGE = (0.0, 1.0)
RECIPE = "mnist-fit20-com28-v1"  # bump when the crop normalisation changes

_KEY = "edge_digits."


def metadata(**extra: str) -> dict[str, str]:
    """The metadata_props an exported model must carry, plus ``extra`` facts."""
    facts = {
        "labels": ",".join(LABELS),
        "input_name": INPUT_NAME,
        "output_name": OUTPUT_NAME,
        "layout": LAYOUT,
        "input_shape": f"N,{INPUT_SIZE},{INPUT_SIZE},1",
        "value_range": f"{VALUE_RANGE[0]:g},{VALUE_RANGE[1]:g}",
        "polarity": POLARITY,
        "recipe": RECIPE,
    }
    facts.update(extra)
    return {_KEY + k: str(v) for k, v in facts.items()}


def read_metadata(props: dict[str, str]) -> dict[str, str]:
    """Strip the key prefix from a model's metadata_props; foreign keys are dropped."""
    return {k[len(_KEY):]: v for k, v in props.items() if k.startswith(_KEY)}


def mismatches(facts: dict[str, str]) -> list[str]:
    """Which facts of a model's metadata this runtime cannot honour (empty when all fit)."""
    wanted = read_metadata(metadata())
    problems = []
    for key in ("labels", "layout", "input_shape", "value_range", "polarity", "recipe"):
        if key not in facts:
            problems.append(f"'{key}' is missing")
        elif facts[key] != wanted[key]:
            problems.append(f"'{key}' is {facts[key]!r}, this runtime needs {wanted[key]!r}")
    return problems
