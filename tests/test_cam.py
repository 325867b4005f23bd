"""digits-cam on real video files, images and an X display, against the scene generator's ground truth."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from conftest import ROOT, assert_clean_error, run_cli
from edge_infer.capture import Grabber, VideoFile, VideoSource, open_source
from edge_infer.cli import demo_clip
from edge_infer.errors import SourceError
from edge_infer.group import match
from edge_infer.handheld import FPS, count, rates, read_truth
from edge_infer.scenes import SceneGenerator, write_clip


def _lines(result):
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def _agreement(lines, truth):
    """Fraction of true digits found and read right, and of frames whose numbers are all read right."""
    right = total = frames_ok = 0
    for line in lines:
        frame = truth[line["frame"]]
        found = line["detections"]
        pairs = match([tuple(b) for b, _ in frame["digits"]], [tuple(d["box"]) for d in found])
        right += sum(frame["digits"][i][1] == found[j]["digit"] for i, j in pairs)
        total += len(frame["digits"])
        frames_ok += sorted(t for _, t in frame["numbers"]) == sorted(n["text"] for n in line["numbers"])
    return right / total, frames_ok / len(lines)


def _live_metrics(lines, truth):
    shown = [[(tuple(n["box"]), n["text"]) for n in line["numbers"]] for line in lines]
    return rates(count(shown, truth), FPS)


def test_headless_demo_clip_matches_its_truth():
    """The bundled demo is a handheld clip with per-frame truth: digits-cam reads its numbers right, frame by frame
    (--no-track) and tracked (each number is shown from its second frame on)."""
    truth = read_truth(demo_clip())
    raw_lines = _lines(run_cli("edge_infer", "--headless", "--no-track", str(demo_clip())))
    assert [line["frame"] for line in raw_lines] == list(range(len(truth)))  # headless reads every file frame
    assert all("raw_numbers" not in line for line in raw_lines)
    lines = _lines(run_cli("edge_infer", "--headless", str(demo_clip())))
    raw, tracked = _live_metrics(raw_lines, truth), _live_metrics(lines, truth)
    assert raw["reads_right"] >= 0.97 and tracked["reads_right"] >= 0.95  # regression alarms: measured 0.997, 0.983
    assert tracked["shown_within_3"] == 1.0


def test_a_reader_that_stops_reading_ends_the_app_quietly():
    """digits-cam --headless piped into a reader that takes two lines and goes (``| head -2``): the app ends with
    141, as a program killed by SIGPIPE does, and no traceback."""
    app = subprocess.Popen([sys.executable, "-m", "edge_infer", "--headless", str(demo_clip())], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [app.stdout.readline() for _ in range(2)]
    app.stdout.close()
    _, stderr = app.communicate(timeout=300)
    assert [json.loads(line)["frame"] for line in lines] == [0, 1]
    assert app.returncode == 141 and "Traceback" not in stderr, stderr


def test_headless_video_carries_tracked_and_raw_numbers():
    """A video is tracked by default: `numbers` are tracked (id, frames_seen), `raw_numbers` each frame's own; a
    number on the page keeps its id while it stays in view."""
    truth = read_truth(demo_clip())
    lines = _lines(run_cli("edge_infer", "--headless", str(demo_clip())))
    tracked = [n for line in lines for n in line["numbers"]]
    assert tracked and all({"id", "text", "box", "confidence", "frames_seen"} <= set(n) for n in tracked)
    assert all("raw_numbers" in line for line in lines)
    assert max(n["frames_seen"] for n in tracked) >= 5
    spans: dict[int, list[set[int]]] = {}  # page number -> per stretch of frames wholly in view, the ids shown
    last: dict[int, int] = {}
    for t, (line, frame) in enumerate(zip(lines, truth)):
        for number, _, _ in frame:
            if last.get(number) != t - 1:
                spans.setdefault(number, []).append(set())
            last[number] = t
        for k, j in match([b for _, b, _ in frame], [tuple(n["box"]) for n in line["numbers"]]):
            spans[frame[k][0]][-1].add(line["numbers"][j]["id"])
    stretches = [ids for stretch in spans.values() for ids in stretch]
    assert len(stretches) >= 10 and all(len(ids) == 1 for ids in stretches)  # one id while in view


def test_no_camera_falls_back_to_the_demo_clip():
    result = run_cli("edge_infer", "--headless", "--max-frames", "5")
    assert "no camera at index 0; playing the bundled demo clip" in result.stderr
    assert len(_lines(result)) == 5


@pytest.mark.slow
def test_headless_generated_video_and_saved_video(tmp_path):
    clip = tmp_path / "scenes.mp4"
    truth = write_clip(SceneGenerator(seed=99), clip, scenes=4, frames_per_scene=6)
    saved = tmp_path / "annotated.mp4"
    lines = _lines(run_cli("edge_infer", "--headless", "--no-track", str(clip), "--save-video", str(saved)))
    assert len(lines) == 24
    digits, numbers = _agreement(lines, truth)
    assert digits >= 0.89 and numbers >= 0.7  # regression alarms: measured 0.917 and 0.75 on these scenes since each
    # number is written with one pen (0.806 and 0.25 when each digit kept its MNIST writer's stroke width)
    video = cv2.VideoCapture(str(saved))
    assert video.get(cv2.CAP_PROP_FRAME_COUNT) == 24
    ok, first = video.read()
    assert ok and first.shape == (480, 640, 3)
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.slow
def test_image_mode_writes_annotated_copies(tmp_path):
    generator = SceneGenerator(seed=5)
    paths, texts = [], []
    for i in range(3):
        scene = generator.scene()
        paths.append(tmp_path / f"page{i}.png")
        cv2.imwrite(str(paths[-1]), scene.frame)
        texts.append(sorted(t for _, t in scene.numbers))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    out = tmp_path / "out"
    result = run_cli("edge_infer", "image", *map(str, paths), str(tmp_path / "broken.png"), "--out", str(out), "--json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot read image" in result.stderr and "broken.png" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 3
    read_right = sum(sorted(n["text"] for n in r["numbers"]) == t for r, t in zip(records, texts))
    assert read_right >= 2
    for path in paths:
        annotated = cv2.imread(str(out / f"{path.stem}.annotated.png"))
        original = cv2.imread(str(path))
        assert annotated.shape == original.shape and np.any(annotated != original)


def test_image_mode_reads_a_big_jpeg_smaller_with_boxes_in_its_pixels(tmp_path):
    """A 2880x2160 JPEG is decoded at half size, annotated at that size, and its boxes given in its own pixels,
    the numbers and boxes digits-batch gives."""
    from edge_infer import batch
    from edge_infer.recognizer import DigitRecognizer

    scene = SceneGenerator(seed=12).scene()
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), cv2.resize(scene.frame, None, fx=4.5, fy=4.5, interpolation=cv2.INTER_CUBIC))
    result = run_cli("edge_infer", "image", str(path), "--out", str(tmp_path / "out"), "--json")
    assert result.returncode == 0, result.stderr
    (read,) = [json.loads(line) for line in result.stdout.splitlines()]
    expected = batch.read_file(DigitRecognizer(), str(path))
    assert read["numbers"] == expected["numbers"] and read["numbers"]
    assert cv2.imread(read["annotated"]).shape == (1080, 1440, 3)


@pytest.mark.slow
def test_folder_source(tmp_path):
    generator = SceneGenerator(seed=6)
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i}.jpg"), generator.scene().frame)
    (tmp_path / "notes.txt").write_text("not an image")
    assert len(_lines(run_cli("edge_infer", "--headless", str(tmp_path)))) == 3


def test_missing_camera_file_and_corrupt_video(tmp_path):
    assert_clean_error(run_cli("edge_infer", "--headless", "7"), "cannot open camera 7", "another index")
    assert_clean_error(run_cli("edge_infer", "--headless", str(tmp_path / "nope.mp4")), "no such file")
    (tmp_path / "corrupt.mp4").write_bytes(np.random.default_rng(0).bytes(20_000))
    assert_clean_error(run_cli("edge_infer", "--headless", str(tmp_path / "corrupt.mp4")), "cannot open video")
    assert_clean_error(run_cli("edge_infer", "image", str(tmp_path / "nope.png")), "cannot read image")


def _frames(video) -> int:
    return int(cv2.VideoCapture(str(video)).get(cv2.CAP_PROP_FRAME_COUNT))


def _truncated_avi(tmp_path):
    """A real video file cut in half: its header promises all the demo's frames, its data holds fewer."""
    source = cv2.VideoCapture(str(demo_clip()))
    path = tmp_path / "full.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 8, (640, 480))
    while True:
        ok, frame = source.read()
        if not ok:
            break
        writer.write(frame)
    writer.release()
    blob = path.read_bytes()
    truncated = tmp_path / "truncated.avi"
    truncated.write_bytes(blob[: len(blob) // 2])
    return truncated


@pytest.mark.slow
def test_source_that_fails_midway_is_retried_then_exits_cleanly(tmp_path):
    truncated = _truncated_avi(tmp_path)
    source = VideoSource(str(truncated), retries=2, backoff=0.01)
    frames = []
    with pytest.raises(SourceError, match="failed at frame .* did not recover after 2 retries"):
        for frame in source.frames():
            frames.append(frame.index)
    assert 10 < len(frames) < _frames(demo_clip()) and frames == list(range(len(frames)))
    result = run_cli("edge_infer", "--headless", str(truncated))
    assert_clean_error(result, "did not recover after 4 retries")
    assert len(result.stdout.splitlines()) == len(frames)  # every readable frame was still processed


def test_grabber_drops_stale_frames_for_a_slow_recognizer():
    """Play the demo clip at 40 fps, as a camera would deliver it, and consume it slowly."""
    slow = 0.25  # seconds per frame: a recognizer ten times slower than the camera
    total = _frames(demo_clip())
    grabber = Grabber(open_source(str(demo_clip())), drop=True, pace=40.0)
    start, seen = time.monotonic(), []
    try:
        while (frame := grabber.next()) is not None:
            elapsed = time.monotonic() - start
            assert frame.index >= int(elapsed * 40) - 3  # what we get is the newest frame, never a queued one
            seen.append(frame.index)
            time.sleep(slow)
    finally:
        grabber.close()
    assert len(seen) < total / 40 / slow + 3 and grabber.dropped >= total - len(seen) - 1
    assert seen == sorted(seen) and seen[-1] >= total - 4

    keep_all = Grabber(open_source(str(demo_clip())), drop=False)
    indices = []
    while (frame := keep_all.next()) is not None:
        indices.append(frame.index)
    keep_all.close()
    assert indices == list(range(total)) and keep_all.dropped == 0


@pytest.fixture
def xvfb(tmp_path):
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (scripts/setup.sh dev installs it)")
    display = f":{90 + os.getpid() % 100}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_display(display)
    yield display
    server.terminate()
    server.wait(5)


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    """The demo clip eight times over (48 s): the window tests' source. The demo clip itself ends 6 s after the app
    starts, which on a loaded machine (CI's) can be before the screen shows a tracked number or a key is typed."""
    path = tmp_path_factory.mktemp("clip") / "demo4.mp4"
    capture = cv2.VideoCapture(str(demo_clip()))
    frames = []
    while (got := capture.read())[0]:
        frames.append(got[1])
    with VideoFile(path, fps=capture.get(cv2.CAP_PROP_FPS)) as video:
        for frame in frames * 8:
            video.write(frame)
    capture.release()
    return path


def _wait_for_display(display: str, seconds: float = 20.0) -> None:
    """Wait until the X server on ``display`` answers: an app started before that cannot open its window, and a
    loaded machine (CI's) can take more than a second to start the server."""
    from PIL import ImageGrab

    deadline = time.monotonic() + seconds
    while True:
        try:
            ImageGrab.grab(xdisplay=display)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _screen_until(display: str, shown, seconds: float = 45.0) -> np.ndarray:
    """Grab the screen (RGB) every half second until ``shown(pixels)`` holds or ``seconds`` pass; the last grab.
    The window shows its first reading within a frame or two, but a loaded machine (CI's, say) can take
    many seconds to start the app and open its first window (a fresh machine builds its font cache then), so
    one grab after a fixed sleep is a race."""
    from PIL import ImageGrab

    deadline = time.monotonic() + seconds
    while True:
        time.sleep(0.5)
        pixels = np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB"))
        if shown(pixels) or time.monotonic() > deadline:
            return pixels


def _painted_app(command: list[str], env: dict, display: str) -> subprocess.Popen:
    """Start the app and wait until its window shows a picture. Under a loaded X server without a window manager
    (Xvfb in CI) Qt at times maps the window and never paints it: black for good while the app runs on (seen in
    2 of 6 starts under a 3-process load here). Such a start is ended and the app started once more."""
    def painted(pixels):
        return np.mean(pixels.max(axis=-1) > 0) > 0.2

    app = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if painted(_screen_until(display, painted, seconds=20)):
        return app
    app.kill()
    app.communicate()
    app = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _screen_until(display, painted)  # if still black, the checks that follow say what the screen showed
    return app


def _count(pixels: np.ndarray, rgb: tuple[int, int, int]) -> int:
    return int(np.all(pixels == rgb, axis=-1).sum())


@pytest.mark.slow
def test_window_mode_under_xvfb(xvfb, tmp_path, long_clip):
    env = {**os.environ, "DISPLAY": xvfb, "TF_CPP_MIN_LOG_LEVEL": "2"}
    app = _painted_app([sys.executable, "-m", "edge_infer", str(long_clip)], env, xvfb)

    def annotated(pixels):  # draw.BOX boxes and draw.NUMBER labels, in RGB
        return _count(pixels, (40, 200, 40)) > 500 and _count(pixels, (20, 90, 200)) > 100

    try:
        pixels = _screen_until(xvfb, annotated)
        cv2.imwrite(str(tmp_path / "window.png"), pixels[..., ::-1])
        app.send_signal(signal.SIGINT)  # Ctrl-C mid-clip
        out, err = app.communicate(timeout=15)
    finally:
        app.kill()
    assert annotated(pixels), f"no annotation on screen; see {tmp_path / 'window.png'}; the app said: {err[-400:]}"
    assert out == ""  # a window, not JSON lines
    assert app.returncode == 130 and "interrupted" in err and "Traceback" not in err


@pytest.mark.slow
def test_window_keys_under_xvfb(xvfb, tmp_path, long_clip):
    """t shows the threshold view, s saves a snapshot, q quits cleanly; keys typed with xdotool."""
    if not shutil.which("xdotool"):
        pytest.skip("xdotool is not installed (scripts/setup.sh dev installs it)")
    env = {**os.environ, "DISPLAY": xvfb}
    app = _painted_app([sys.executable, "-m", "edge_infer", str(long_clip), "--snapshots", str(tmp_path / "snaps")],
                       env, xvfb)

    def press(key):
        subprocess.run(["xdotool", "search", "--sync", "--name", "edge-digits", "windowfocus", "--sync", "key", key],
                       env=env, check=True, timeout=10, capture_output=True)
        time.sleep(0.6)

    def threshold_view(pixels):  # a black mask with white ink where the frame was
        return np.mean(pixels[40:440, 0:640].max(axis=-1) < 30) > 0.7

    try:
        time.sleep(1.0)
        press("t")
        pixels = _screen_until(xvfb, threshold_view)
        press("s")
        press("q")
        out, err = app.communicate(timeout=15)
    finally:
        app.kill()
    assert app.returncode == 0, err
    assert threshold_view(pixels), "the threshold view shows a black mask with white ink"
    snaps = sorted((tmp_path / "snaps").iterdir())
    assert [p.suffix for p in snaps] == [".json", ".png"]
    snapshot = json.loads(snaps[0].read_text())
    assert snapshot["detections"] and cv2.imread(str(snaps[1])).shape == (480, 640, 3)


@pytest.mark.slow
def test_drawing_pad_reads_a_drawn_seven(xvfb, tmp_path):
    """Draw a 7 with the mouse (xdotool): it is boxed and read, with the top-3 probability bars."""
    if not shutil.which("xdotool"):
        pytest.skip("xdotool is not installed (scripts/setup.sh dev installs it)")
    env = {**os.environ, "DISPLAY": xvfb}
    app = _painted_app([sys.executable, "-m", "edge_infer", "--draw"], env, xvfb)

    def xdo(*args):
        subprocess.run(["xdotool", *args], env=env, check=True, timeout=10, capture_output=True)

    try:
        window = subprocess.run(["xdotool", "search", "--sync", "--name", "edge-digits"], env=env, timeout=45,
                                capture_output=True, text=True, check=True).stdout.split()[0]
        xdo("windowfocus", "--sync", window)
        stroke = [(x, 120) for x in range(200, 340, 10)] + [(330 - i // 2, 120 + i) for i in range(0, 210, 10)]
        xdo("mousemove", "--window", window, "200", "120", "mousedown", "1")
        for x, y in stroke:
            xdo("mousemove", "--window", window, str(x), str(y))
        xdo("mouseup", "1")
        pixels = _screen_until(xvfb, lambda p: _count(p, (40, 200, 40)) > 300 and _count(p, (20, 90, 200)) > 1000)
        boxed, bars = _count(pixels, (40, 200, 40)), _count(pixels, (20, 90, 200))
        cv2.imwrite(str(tmp_path / "pad.png"), pixels[..., ::-1])
        xdo("key", "q")
        app.communicate(timeout=15)
    finally:
        app.kill()
    assert boxed > 300, "no box around the drawn digit"
    assert bars > 1000, "no probability bars"
    assert app.returncode == 0


def test_overlay_labels_never_overlap_and_stay_readable():
    """A crowded frame: rows of tiny digits, numbers close together and digits at the image's edges. Every
    label lies whole in the image, overlaps no other label and no digit, and has the same readable height
    whatever the digit's size."""
    from edge_infer import draw
    from edge_infer.recognizer import Detection, Number

    rng = np.random.default_rng(0)
    found, numbers = [], []
    for row in range(6):
        for start in (0, 150, 300, 500):
            size = int(rng.integers(6, 40))
            digits = [Detection((start + k * (size + 2), 20 + row * 75, size, size), int(rng.integers(10)), 0.9)
                      for k in range(3)]
            found += digits
            box = (start, 20 + row * 75, 3 * size + 4, size)
            numbers.append(Number("".join(str(d.digit) for d in digits), box, tuple(digits), 0.7))
    labels = draw.layout((480, 640, 3), found, numbers)
    assert len(labels) == len(numbers) + len(found)  # room for all of them
    rects = [label.rect for label in labels]
    for i, (x, y, w, h) in enumerate(rects):
        assert 0 <= x and 0 <= y and x + w <= 640 and y + h <= 480
        assert not any(draw._overlaps(rects[i], other) for other in rects[i + 1:] + [d.box for d in found])
    heights = {label.scale: set() for label in labels}
    for label in labels:
        heights[label.scale].add(label.rect[3])
    assert all(len(h) == 1 for h in heights.values()) and min(min(h) for h in heights.values()) >= 12
    image = draw.detections(np.full((480, 640, 3), 255, np.uint8), found, numbers)
    assert np.all(image == draw.NUMBER, axis=-1).sum() > 100 * len(numbers)  # every number label is drawn


def test_overlay_labels_keep_off_the_status_banners():
    """In the window, the status line and the key help are drawn over the frame: a label the layout would put
    under them (a number at the top left, whose label goes above it) goes elsewhere."""
    from edge_infer import draw
    from edge_infer.recognizer import Detection, Number

    digits = (Detection((20, 30, 20, 30), 4, 0.9), Detection((42, 30, 20, 30), 2, 0.9))
    bottom = (Detection((20, 420, 20, 30), 7, 0.9),)
    numbers = [Number("42", (20, 30, 42, 30), digits, 0.81), Number("7", (20, 420, 20, 30), bottom, 0.9)]
    banners = draw.banners((480, 640, 3))
    assert len(banners) == 2 and banners[0][1] < 30 and banners[1][1] + banners[1][3] > 450
    plain = draw.layout((480, 640, 3), [*digits, *bottom], numbers)
    assert any(draw._overlaps(label.rect, banners[0]) for label in plain)  # where it would go without them
    labels = draw.layout((480, 640, 3), [*digits, *bottom], numbers, keep_off=banners)
    assert len(labels) == len(plain) and not any(draw._overlaps(label.rect, b) for label in labels for b in banners)
    image = draw.status(draw.detections(np.full((480, 640, 3), 255, np.uint8), [*digits, *bottom], numbers,
                                        keep_off=banners), 30.0, 5.0, 0.5)
    assert np.all(image == draw.NUMBER, axis=-1).sum() > 100 * len(numbers)  # the number labels show whole
