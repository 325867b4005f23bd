#!/usr/bin/env bash
# Rebuild the shipped default model from scratch: train, export with proof of parity, quantize, describe.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2
VERSION=2  # the shipped model's version: bump it whenever the model is retrained
.venv/bin/digits-train --model cnn --out runs/cnn
.venv/bin/digits-export runs/cnn/model.keras --out edge_infer/models/digits-cnn.onnx --quantize int8 --model-version $VERSION
.venv/bin/python -m edge_export.card edge_infer/models/digits-cnn.onnx --run runs/cnn
