"""digits-batch on real files: sources, records, bad files, resume after a kill, Parquet, and the same answers from
one process, several processes and a real local Ray."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_infer import SourceError
from edge_infer import batch
from edge_infer.group import iou
from edge_infer.scenes import SceneGenerator

BIN = Path(sys.executable).parent
BROKEN = ("empty.png", "text.jpg", "truncated.png", "missing.png")


def _without_ms(records):
    return sorted(({k: v for k, v in r.items() if k != "ms"} for r in records), key=lambda r: r["path"])


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> list[str]:
    """30 generated camera frames in two folders, and one of each kind of bad file."""
    root = tmp_path_factory.mktemp("images")
    (root / "sub").mkdir()
    generator = SceneGenerator(seed=31)
    paths = []
    for i in range(30):
        path = root / ("sub" if i % 3 == 0 else "") / f"frame {i:02d}.png"
        cv2.imencode(".png", generator.scene().frame)[1].tofile(str(path))
        paths.append(str(path))
    (root / "empty.png").write_bytes(b"")
    (root / "text.jpg").write_text("not an image")
    data = (root / "sub" / "frame 00.png").read_bytes()
    (root / "truncated.png").write_bytes(data[:len(data) // 3])
    return paths + [str(root / name) for name in BROKEN]


@pytest.fixture(scope="module")
def ray_local():
    """A real Ray, started here on loopback, shared by the tests of this module. Four logical CPUs on this
    2-core machine: two actors hold two, and read_images needs one for its read tasks. Tests that use it are
    marked ``ray``: ``make test`` runs them in a network namespace of their own (``scripts/loopback.sh``)."""
    pytest.importorskip("ray")
    ray, _ = batch.start_ray(cpus=4)
    yield ray
    ray.shutdown()


def _cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "digits-batch"), *args], capture_output=True, text=True, timeout=600, **kwargs)


def test_sources_expand_to_images(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/1.png", "a/b/2.JPG", "a/notes.txt", "c.png"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "list.txt").write_text("# scans\nc.png\n\na/1.png\n/abs/z.png\n")
    found = batch.expand([str(tmp_path / "a"), str(tmp_path / "*.png"), f"@{tmp_path / 'list.txt'}",
                          str(tmp_path / "gone.png")])
    assert found == [str(tmp_path / "a/1.png"), str(tmp_path / "a/b/2.JPG"), str(tmp_path / "c.png"),
                     "/abs/z.png", str(tmp_path / "gone.png")]  # each once; a missing file stays for its record
    for source, message in ((f"@{tmp_path / 'nolist.txt'}", "cannot read manifest"),
                            (str(tmp_path / "*.tif"), "no file matches")):
        with pytest.raises(SourceError, match=message):
            batch.expand([source])
    (tmp_path / "d").mkdir()
    with pytest.raises(SourceError, match="holds no images"):
        batch.expand([str(tmp_path / "d")])


def test_records_and_bad_files(images):
    records = {r["path"]: r for r in batch.read_files(images, workers=1)}
    assert set(records) == set(images)
    good = records[images[0]]
    assert good["error"] is None and (good["width"], good["height"]) == (640, 480) and good["ms"] > 0
    assert good["numbers"] and good["numbers"][0]["digits"] and len(good["numbers"][0]["box"]) == 4
    assert sum(len(n["digits"]) for n in good["numbers"]) == len(good["detections"])
    for name in BROKEN:
        bad = records[next(p for p in images if p.endswith(name))]
        assert bad["error"] and "\n" not in bad["error"] and bad["numbers"] == [] and bad["width"] is None
    assert json.loads(json.dumps(list(records.values()))) == list(records.values())  # JSON-ready


def _big_jpeg(path: Path, scene, factor: float, exif_turn: bool = False, progressive: bool = False) -> None:
    """``scene``'s frame enlarged ``factor`` times as a JPEG, progressive or not; with ``exif_turn``, stored a
    quarter turn anticlockwise with an EXIF orientation of 6 (show it turned a quarter clockwise), as a phone
    held upright stores its photos."""
    big = cv2.resize(scene.frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    big = cv2.rotate(big, cv2.ROTATE_90_COUNTERCLOCKWISE) if exif_turn else big
    data = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_PROGRESSIVE, int(progressive)])[1]
    data = data.tobytes()
    if exif_turn:  # APP1: "Exif", a big-endian TIFF header and one IFD entry, Orientation (0x0112) = 6
        tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00" \
            + b"\x00\x00\x00\x00"
        segment = b"Exif\x00\x00" + tiff
        data = data[:2] + b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment + data[2:]
    path.write_bytes(data)


def test_a_big_jpeg_is_decoded_smaller_and_its_boxes_given_in_its_own_pixels(tmp_path):
    """digits-batch decodes a big JPEG at the size the recognizer reads it at (libjpeg's scaled decoding),
    reads the same numbers as from the whole decoding, and gives their boxes in the file's pixels."""
    from edge_infer.capture import read_image, read_photo
    from edge_infer.recognizer import DigitRecognizer

    rec = DigitRecognizer()
    scenes = SceneGenerator(seed=12)
    for i, (turned, progressive) in enumerate(((False, False), (False, True), (True, False))):
        path = tmp_path / f"photo{i}.jpg"
        _big_jpeg(path, scenes.scene(), 4.5, turned, progressive)  # 2880x2160: decoded at half size, 1440x1080
        whole = read_image(path)
        photo = read_photo(path, 1280)
        assert photo.step == 2 and photo.size == whole.shape[:2] == (2160, 2880)  # as shown, turned or not
        assert photo.image.shape[:2] == (whole.shape[0] // 2, whole.shape[1] // 2)
        assert np.abs(cv2.resize(whole, photo.image.shape[1::-1], interpolation=cv2.INTER_AREA).astype(int)
                      - photo.image).mean() < 2  # the same picture, smoothed by the decoder
        record = batch.read_file(rec, str(path))
        assert (record["height"], record["width"]) == whole.shape[:2]
        expected = rec.read_numbers(whole)
        assert sorted(n["text"] for n in record["numbers"]) == sorted(n.text for n in expected) != []
        for number in expected:
            box = next(n["box"] for n in record["numbers"] if n["text"] == number.text)
            assert iou(tuple(box), number.box) > 0.8, (box, number.box)
    assert read_photo(path, 0).step == 1 and read_photo(path, 3000).step == 1  # not asked, or not big enough
    png = tmp_path / "photo.png"
    cv2.imwrite(str(png), read_image(path))
    assert read_photo(png, 1280).step == 1  # only a JPEG's decoder scales
    (tmp_path / "fake.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with pytest.raises(SourceError, match="cannot read image"):
        read_photo(tmp_path / "fake.jpg", 1280)


@pytest.mark.slow
@pytest.mark.ray
def test_same_answers_from_every_engine(images, ray_local, tmp_path):
    """One process, two processes, Ray with two actors, and the command line: identical records but for ms."""
    one = _without_ms(batch.read_files(images, workers=1))
    assert _without_ms(batch.read_files(images, workers=2)) == one
    assert _without_ms(batch.read_files_ray(images, workers=2)) == one
    out = tmp_path / "cli.jsonl"
    result = _cli(*images, "--out", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert _without_ms(map(json.loads, out.read_text().splitlines())) == one
    assert f"read {len(images)} images" in result.stderr and f"{len(BROKEN)} errors" in result.stderr


@pytest.mark.slow
@pytest.mark.ray
def test_ray_recognizer_in_a_user_pipeline(images, ray_local):
    """As a user would: ray.data.read_images gives an `image` column (RGB), and the actor reads it."""
    import ray.data

    folder = str(Path(images[0]).parent)  # sub/: only good frames
    ds = ray.data.read_images(folder, include_paths=True, file_extensions=["png"], mode="RGB")
    rows = ds.map_batches(batch.RayRecognizer, concurrency=2, batch_size=4).take_all()
    by_name = {Path(r["path"]).name: json.loads(r["detections"]) for r in rows}
    direct = {Path(r["path"]).name: r["detections"] for r in batch.read_files(images, workers=1)
              if Path(r["path"]).parent == Path(folder) and r["error"] is None}
    assert by_name == direct and len(direct) == 10


@pytest.mark.slow
def test_exit_codes_and_one_line_errors(images, tmp_path):
    assert _cli(*images, "--out", str(tmp_path / "a.jsonl"), "--workers", "1").returncode == 0
    strict = _cli(*images, "--out", str(tmp_path / "b.jsonl"), "--workers", "1", "--strict")
    assert strict.returncode == 1
    again = _cli(*images, "--out", str(tmp_path / "b.jsonl"), "--strict")  # nothing left to read, errors remain
    assert again.returncode == 1 and f"skipped {len(images)}" in again.stderr
    for args, needle in ((["@" + str(tmp_path / "none.txt")], "cannot read manifest"),
                         ([images[0], "--model", str(tmp_path / "none.onnx")], "cannot read model file"),
                         ([images[0], "--workers", "0"], "workers must be")):
        result = _cli(*args, "--out", str(tmp_path / "c.jsonl"))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert needle in [line for line in result.stderr.splitlines() if line.startswith("error:")][0]


def test_ray_engine_without_ray_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(SourceError, match=r"pip install 'edge-digits\[ray\]'"):
        list(batch.read_files_ray(["x.png"]))


@pytest.mark.slow
def test_a_killed_run_leaves_whole_records_and_resumes(tmp_path):
    """Kill -9 a run mid-way: the file holds only whole records; the same command again reads only the rest."""
    folder = tmp_path / "many"
    folder.mkdir()
    generator = SceneGenerator(seed=32, size=(1280, 960))
    for i in range(40):
        cv2.imwrite(str(folder / f"{i:03d}.png"), generator.scene().frame)
    out = tmp_path / "r.jsonl"
    process = subprocess.Popen([str(BIN / "digits-batch"), str(folder), "--out", str(out), "--workers", "1"],
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 5):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with out.open("ab") as fh:
        fh.write(b'{"path": "half a reco')  # what a kill in the middle of a write would leave
    first = [json.loads(line) for line in out.read_text().splitlines()[:-1]]
    assert 5 <= len(first) < 40
    result = _cli(str(folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"skipped {len(first)} already" in result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["path"] for r in records) == sorted(str(p) for p in folder.iterdir())
    assert records[:len(first)] == first


@pytest.mark.slow
def test_parquet_records_and_checkpoints(images, tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "r.parquet"
    result = _cli(*images, "--out", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert _without_ms(pq.read_table(out).to_pylist()) == _without_ms(batch.read_files(images, workers=1))
    assert not out.with_name(out.name + ".journal.jsonl").exists()
    # A run killed between checkpoints: the Parquet file is valid with the checkpointed records, the journal
    # holds the rest, and the next run counts both as done.
    monkeypatch.setattr(batch, "CHECKPOINT", 2)
    partial = tmp_path / "partial.parquet"
    records = list(batch.read_files(images[:3], workers=1))
    writer = batch.output(partial).__enter__()
    for record in records:
        writer.write(record)  # no __exit__: killed here
    assert len(pq.read_table(partial)) == 2
    assert set(batch.output(partial).done) == {batch._key(p) for p in images[:3]}


@pytest.mark.slow
def test_memory_stays_flat_over_10000_images(tmp_path):
    """10,000 small image files through two workers: the parent's and the workers' memory do not grow."""
    folder = tmp_path / "small"
    folder.mkdir()
    digit = np.full((48, 64), 235, np.uint8)
    cv2.putText(digit, "4", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 3)
    data = cv2.imencode(".png", digit)[1].tobytes()
    for i in range(10_000):
        (folder / f"{i:05d}.png").write_bytes(data)
    code = f"""
import psutil, sys
from edge_infer.batch import expand, read_files
me = psutil.Process()
rss = []
for i, record in enumerate(read_files(expand([{str(folder)!r}]), workers=2)):
    if i in (1000, 9999):
        rss.append(me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True)))
print(i + 1, rss[0], rss[1])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, out.stderr
    count, early, late = map(int, out.stdout.split())
    assert count == 10_000
    assert late - early < 40 * 2**20, f"memory grew by {(late - early) / 2**20:.0f} MiB from image 1,000 to 10,000"


@pytest.mark.slow
@pytest.mark.ray
def test_bench_batch_reports_rates_and_goals(ray_local):
    """digits-bench --batch's figures on a few pages (the goals are measured on 1,000): every engine read every
    page, and the goals are computed from the rates."""
    from edge_infer.bench import _goals, bench_batch

    rows = bench_batch(6)
    rates = {r["name"]: r for r in rows if "images_per_second" in r}
    assert set(rates) >= {"digits-batch, local, 1 worker", "digits-batch, local, 2 workers"}
    assert all(r["images"] == 6 and r["images_per_second"] > 0 for r in rates.values())
    ceiling = next(r for r in rows if "efficiency" in r)
    assert 0.2 < ceiling["efficiency"] < 1.5
    figures = {"recognize": [{"name": "recognize() 640x480", "median_us": 1.0}], "alternatives": [],
               "runtime": [{"name": "model only, batch 1", "median_us": 1.0}],
               "process": [{"name": "cold start, edge_infer", "median_s": 0.1}], "batch": rows}
    goals = _goals(figures)
    one, two = rates["digits-batch, local, 1 worker"], rates["digits-batch, local, 2 workers"]
    assert goals["batch_scaling_efficiency"]["measured"] == pytest.approx(
        two["images_per_second"] / one["images_per_second"] / 2)
    assert goals["batch_ray_overhead"]["measured"] == pytest.approx(
        1 - rates["digits-batch, Ray, 2 actors"]["images_per_second"] / two["images_per_second"])


def _on_a_terminal(*args: str) -> bytes:
    """What digits-batch writes when it runs on a terminal (a pseudo-terminal 100 columns wide)."""
    import fcntl
    import pty
    import struct
    import termios

    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal's size
    process = subprocess.Popen([str(BIN / "digits-batch"), *args], stderr=secondary, stdout=secondary)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=300) == 0, seen.decode(errors="replace")
    return seen


def test_progress_bar_only_on_a_terminal(images, tmp_path):
    """On a terminal, stderr shows a progress bar; in a pipe or a log, only the summary line."""
    seen = _on_a_terminal(*images[:3], "--out", str(tmp_path / "t.jsonl"), "--workers", "1")
    assert b"3/3" in seen and (b"image/s" in seen or b"s/image" in seen)
    piped = _cli(*images[:3], "--out", str(tmp_path / "p.jsonl"), "--workers", "1")
    assert piped.stderr.strip().splitlines() == [line for line in piped.stderr.strip().splitlines()
                                                 if line.startswith("digits-batch: read 3 images")]


@pytest.mark.ray
def test_the_ray_engine_on_a_terminal_shows_one_bar(images, ray_local, tmp_path):
    """Ray Data draws bars of its own on a terminal; under digits-batch, whose bar counts the same records,
    they would interleave with it. Here digits-batch joins the test's Ray with --ray-address."""
    address = ray_local.get_runtime_context().gcs_address
    seen = _on_a_terminal(*images, "--out", str(tmp_path / "t.jsonl"), "--engine", "ray", "--workers", "2",
                          "--ray-address", address)
    assert b"34/34" in seen
    assert b"Tasks:" not in seen and b"Running" not in seen, seen.decode(errors="replace")
