"""Entry points of ``digits-train`` and ``digits-evaluate``: a runtime-only install gets one line saying what
to install instead of a traceback."""

from __future__ import annotations

from edge_infer.commands import needing

NEEDS = ("tensorflow", "keras", "matplotlib")  # the train extra's modules that training and evaluation import


def train() -> int:
    return needing("digits-train", "edge_train.fit", NEEDS, "train")


def evaluate() -> int:
    return needing("digits-evaluate", "edge_train.evaluate", NEEDS, "train")
