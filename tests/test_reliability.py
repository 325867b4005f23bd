"""Reliability: a long soak, shared use from threads, hostile arrays, hostile model files, interrupted writes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import onnx
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import ROOT
from edge_infer import Detection, DigitRecognizer, DigitsError, InputError, ModelError, Number, Prediction, \
    SourceError
from edge_infer.files import atomic_path, write_bytes
from edge_infer.scenes import SceneGenerator


@pytest.fixture(scope="module")
def rec():
    return DigitRecognizer()


@pytest.mark.slow
def test_soak_2000_frames_memory_and_determinism(rec):
    generator = SceneGenerator(seed=21)
    reference = generator.scene().frame
    expected = rec.recognize(reference)
    assert expected
    process = psutil.Process()
    baseline = None
    for i in range(2000):
        rec.recognize(generator.scene().frame)
        if i % 100 == 99:
            assert rec.recognize(reference) == expected  # the same frame always gives the same detections
        if i == 199:
            baseline = process.memory_info().rss
    growth = process.memory_info().rss - baseline
    assert growth < 25 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MiB over 1,800 frames"


@pytest.mark.slow
def test_shared_by_four_threads_matches_serial(rec):
    generator = SceneGenerator(seed=22)
    frames = [generator.scene().frame for _ in range(24)]
    serial = [rec.recognize(f) for f in frames]
    digits = [f[100:200, 100:200] for f in frames]
    serial_classify = [rec.classify(d).digit for d in digits]
    results: dict[int, list] = {}

    def work(worker):
        results[worker] = [(rec.recognize(f), rec.classify(d).digit) for f, d in zip(frames, digits)]

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for worker in range(4):
        assert [r for r, _ in results[worker]] == serial
        assert [c for _, c in results[worker]] == serial_classify


DTYPES = st.sampled_from([np.uint8, np.uint16, np.int8, np.int32, np.int64, np.float16, np.float32, np.float64,
                          np.bool_, np.complex64])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=40)


@st.composite
def arrays(draw):
    """Random arrays, including NaN/inf and huge values, as copies or as strided, reversed or transposed views."""
    array = draw(hnp.arrays(DTYPES, SHAPES))  # floats include NaN, inf and huge values
    view = draw(st.sampled_from(["plain", "reversed", "strided", "transposed", "fortran"]))
    if array.ndim >= 2 and view == "reversed":
        array = array[::-1]
    elif array.ndim >= 2 and view == "strided":
        array = array[:, ::2]
    elif array.ndim >= 2 and view == "transposed":
        array = array.swapaxes(0, 1)
    elif view == "fortran":
        array = np.asfortranarray(array)
    return array


def _valid(result):
    return isinstance(result, Prediction) and 0 <= result.digit <= 9 and 0.0 <= result.confidence <= 1.0 \
        and result.probabilities.shape == (10,)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays())
def test_fuzz_arrays(rec, array):
    for call in (rec.classify, lambda a: rec.classify_batch([a])[0], rec.recognize, rec.read_numbers):
        try:
            result = call(array)
        except InputError as err:
            assert str(err) and "\n" not in str(err)
            continue
        if isinstance(result, list):
            assert all(isinstance(item, (Detection, Number)) for item in result)
        else:
            assert _valid(result)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.integers(), st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)))
def test_fuzz_wrong_types(rec, value):
    """Nothing that is not an image is read: each call refuses it with one line, except that an empty list is an
    empty batch."""
    for call in (rec.classify, rec.recognize, rec.read_numbers, rec.classify_batch):
        if call == rec.classify_batch and value == []:
            assert call(value) == []
            continue
        with pytest.raises(InputError) as err:
            call(value)
        assert str(err.value) and "\n" not in str(err.value)


def test_model_loading_never_reads_external_files(tmp_path, small_onnx_model):
    """An ONNX file can point its weights at any path; loading from bytes refuses to follow it."""
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.zeros(784 * 128, np.float32).tobytes())
    model = onnx.load(str(small_onnx_model))
    biggest = max(model.graph.initializer, key=lambda t: np.prod(t.dims))
    onnx.external_data_helper.set_external_data(biggest, location=str(secret))
    biggest.data_location = onnx.TensorProto.EXTERNAL
    biggest.ClearField("raw_data")
    biggest.ClearField("float_data")
    (tmp_path / "external.onnx").write_bytes(model.SerializeToString())
    with pytest.raises(ModelError, match="not a valid ONNX model"):
        DigitRecognizer(tmp_path / "external.onnx")


def test_one_except_catches_every_failure_a_user_can_act_on(rec, tmp_path):
    """Bad models, bad inputs and bad sources all raise DigitsError, so `except DigitsError` is enough."""
    from edge_infer.capture import read_image

    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    (tmp_path / "junk.png").write_bytes(b"not an image")
    for failing in (lambda: DigitRecognizer(tmp_path / "junk.onnx"), lambda: rec.classify("seven"),
                    lambda: rec.recognize(np.zeros((3, 3, 7))), lambda: read_image(tmp_path / "junk.png")):
        with pytest.raises(DigitsError) as err:
            failing()
        assert isinstance(err.value, (ModelError, InputError, SourceError)) and "\n" not in str(err.value)


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "model.onnx"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half of a new fi")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and oct(target.stat().st_mode & 0o777) != "0o600"


def test_killed_writer_leaves_the_previous_file(tmp_path):
    """A writer killed with SIGKILL half-way: the target still holds the complete old file."""
    target = tmp_path / "report.json"
    target.write_text('{"complete": true}')
    code = textwrap.dedent(f"""
        import sys, time
        from edge_infer.files import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b'{{"complete": fal')
                fh.flush()
                print("writing", flush=True)
                time.sleep(60)
                fh.write(b'se}}')
    """)
    writer = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    assert target.read_text() == '{"complete": true}'
