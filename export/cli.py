"""Entry point of ``digits-export``: a runtime-only install gets one line saying what to install instead of a
traceback."""

from __future__ import annotations

from edge_infer.commands import needing

NEEDS = ("tensorflow", "keras", "tf2onnx", "onnx")  # the train extra's modules that conversion imports


def export() -> int:
    return needing("digits-export", "edge_export.convert", NEEDS, "train")
