"""digits-cam: read handwritten digits live from a camera, a stream, a video, images or a drawing pad.

    digits-cam [SOURCE]                 camera index (default 0), video file, image, folder or stream URL
    digits-cam --headless SOURCE        one JSON line per frame instead of a window
    digits-cam image PATH... [--out D]  read image files and write annotated copies
    digits-cam --draw                   draw digits with the mouse and watch them being read
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from edge_infer import draw
from edge_infer.files import write_text
from edge_infer.capture import Frame, Grabber, ImageSource, Source, VideoFile, open_source, write_image
from edge_infer.crop import as_gray8
from edge_infer.errors import SourceError
from edge_infer.recognizer import INK, Detection, DigitRecognizer, Number
from edge_infer.segment import MAX_SIDE, layers
from edge_infer.track import frame_weight
from edge_infer.commands import add_version, run

WINDOW = "edge-digits"
ESC = 27


def demo_clip() -> Path:
    """The bundled demo video, made by the scene generator from MNIST test digits."""
    return Path(str(resources.files("edge_infer") / "data" / "demo.mp4"))


def _window() -> None:
    """Open the app window without OpenCV's Qt toolbar, pointing Qt at the system fonts it no longer ships."""
    fonts = Path("/usr/share/fonts/truetype/dejavu")
    if fonts.is_dir():
        os.environ.setdefault("QT_QPA_FONTDIR", str(fonts))
    cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)


def has_display() -> bool:
    """Whether a window can be opened (OpenCV's Qt backend aborts the process without one)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def record(frame: Frame, found: list[Detection], numbers: list, ms: float, raw: list[Number] | None = None) -> dict:
    """The JSON-ready result of one frame (with the file it came from, for image sources): ``numbers`` as shown
    (tracked, when ``raw`` holds the frame's own reading, which goes to ``raw_numbers``). Boxes are in the
    source's pixels: a file's, for a big photo read smaller (``Frame.step``)."""
    return {
        "frame": frame.index, "time": round(frame.time, 3), **({"image": frame.name} if frame.name else {}),
        "ms": round(ms, 2),
        "detections": [d.to_dict(frame.step) for d in found],
        "numbers": [n.to_dict(frame.step) for n in numbers],
        **({"raw_numbers": [n.to_dict(frame.step) for n in raw]} if raw is not None else {}),
    }


def _read(rec: DigitRecognizer, image: np.ndarray) -> tuple[list[Detection], list[Number], float]:
    """Detections, numbers and the milliseconds it took to find them."""
    start = time.perf_counter()
    found = rec.recognize(image)
    return found, rec.numbers(found), (time.perf_counter() - start) * 1000


def _open(spec: str | None) -> Source:
    if spec is not None:
        return open_source(spec, MAX_SIDE)  # a big photo is read at the size the recognizer reads it
    try:
        return open_source(0)
    except SourceError:
        print(f"no camera at index 0; playing the bundled demo clip {demo_clip()} "
              "(pass a camera index, video, image or folder to choose)", file=sys.stderr)
        return open_source(str(demo_clip()))


def live(args: argparse.Namespace, rec: DigitRecognizer) -> None:
    source = _open(args.source)
    window = not args.headless and has_display()
    if not window and not args.headless:
        print("no display found; running headless (one JSON line per frame)", file=sys.stderr)
    video = not isinstance(source, ImageSource)
    tracker = rec.tracker() if video and not args.no_track else None  # images are read one by one
    # In a window, files play at their own speed like a camera; headless, every file frame is read.
    drop = source.live or (window and video)
    pace = source.fps if window and video and not source.live else (1.0 if window and not video else 0.0)
    with contextlib.ExitStack() as stack:
        grabber = Grabber(source, drop=drop, pace=pace)
        stack.callback(grabber.close)
        out = stack.enter_context(VideoFile(args.save_video, source.fps)) if args.save_video else None
        if window:
            _window()
            stack.callback(cv2.destroyAllWindows)
        shown, last, mask, paused, threshold_view, digit_labels = 0, None, None, False, False, False
        interval, tick = 0.0, time.perf_counter()
        while not (args.max_frames and shown >= args.max_frames):
            if not paused:
                frame = grabber.next()
                if frame is None:
                    break
                found, raw, ms = _read(rec, frame.image)
                numbers = tracker.observe(raw, frame_weight(frame.image), frame.image.shape[:2]) if tracker else raw
                now = time.perf_counter()
                interval = 0.9 * interval + 0.1 * (now - tick) if interval else now - tick  # smoothed s/frame
                tick, shown = now, shown + 1
                if not window:
                    print(json.dumps(record(frame, found, numbers, ms, raw if tracker else None)), flush=True)
                if out:
                    out.write(draw.detections(frame.image.copy(), found, numbers))
                last, mask = (frame, found, numbers, ms), None
            if window:
                frame, found, numbers, ms = last
                background = frame.image
                if threshold_view:
                    if mask is None:  # once per frame, not once per redraw while paused
                        mask = cv2.cvtColor(cv2.resize(layers(as_gray8(frame.image), INK[rec.ink]).mask,
                                                       frame.image.shape[1::-1], interpolation=cv2.INTER_NEAREST),
                                            cv2.COLOR_GRAY2BGR)
                    background = mask
                view = draw.detections(background.copy(), found, numbers, digit_labels,
                                       keep_off=draw.banners(background.shape))  # the status drawn over it
                fps = 1 / interval if interval else 0.0
                cv2.imshow(WINDOW, draw.status(view, fps, ms, rec.min_confidence, paused))
                key = cv2.waitKey(1 if not paused else 30) & 0xFF
                if key in (ord("q"), ESC) or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                    break
                if key == ord(" "):
                    paused = not paused
                elif key == ord("t"):
                    threshold_view = not threshold_view
                elif key == ord("d"):
                    digit_labels = not digit_labels
                elif key in (ord("+"), ord("=")):
                    rec.min_confidence = min(1.0, round(rec.min_confidence + 0.05, 2))
                elif key == ord("-"):
                    rec.min_confidence = max(0.0, round(rec.min_confidence - 0.05, 2))
                elif key == ord("s"):
                    _snapshot(args.snapshots, frame, found, numbers, ms,
                              draw.detections(frame.image.copy(), found, numbers))
    if isinstance(source, ImageSource):
        for problem in source.skipped:
            print(f"skipped: {problem}", file=sys.stderr)


def _snapshot(folder: Path, frame: Frame, found, numbers, ms: float, annotated: np.ndarray) -> None:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    png = folder / f"snapshot-{stamp}.png"
    write_image(png, annotated)
    write_text(png.with_suffix(".json"), json.dumps(record(frame, found, numbers, ms), indent=1))
    print(f"saved {png}", file=sys.stderr)


def images(paths: list[Path], out: Path, rec: DigitRecognizer, as_json: bool) -> int:
    """Read each image, print what was read, write ``out/<name>.annotated.png`` (a big photo's at the size it was
    read, ``capture.read_photo``); 2 if any image failed."""
    source = ImageSource(paths, "the arguments", skip_unreadable=True, min_side=MAX_SIDE)
    for frame in source.frames():
        found, numbers, ms = _read(rec, frame.image)
        target = out / f"{Path(frame.name).stem}.annotated.png"
        write_image(target, draw.detections(frame.image.copy(), found, numbers))
        if as_json:
            print(json.dumps({**record(frame, found, numbers, ms), "annotated": str(target)}))
        else:
            texts = " ".join(n.text for n in numbers) or "(no digits)"
            print(f"{frame.name}: {texts}  [{len(found)} digits, {ms:.1f} ms] -> {target}")
    for problem in source.skipped:
        print(f"error: {problem}", file=sys.stderr)
    return 2 if source.skipped else 0


def drawing_pad(rec: DigitRecognizer) -> None:
    """A canvas to draw digits on with the mouse; the digits are read live. c clears, q or Esc quits."""
    if not has_display():
        raise SourceError("the drawing pad needs a display (set DISPLAY, or run it on a desktop)")
    canvas = np.full((480, 640, 3), 255, np.uint8)
    pen = {"down": False, "last": None}

    def on_mouse(event, x, y, flags, _):
        if event == cv2.EVENT_LBUTTONDOWN:
            pen.update(down=True, last=(x, y))
        elif event == cv2.EVENT_LBUTTONUP:
            pen.update(down=False, last=None)
        if pen["down"] and event in (cv2.EVENT_MOUSEMOVE, cv2.EVENT_LBUTTONDOWN):
            cv2.line(canvas, pen["last"], (x, y), (0, 0, 0), 14, cv2.LINE_AA)
            pen["last"] = (x, y)

    _window()
    cv2.setMouseCallback(WINDOW, on_mouse)
    previous = time.perf_counter()
    try:
        while True:
            start = time.perf_counter()
            fps, previous = 1 / max(start - previous, 1e-6), start
            found = rec.recognize(canvas)
            ms = (time.perf_counter() - start) * 1000
            keys = "draw with the mouse  c clear  q quit"
            view = draw.detections(canvas.copy(), found, rec.numbers(found), keep_off=draw.banners(canvas.shape, keys))
            if len(found) == 1:
                x, y, w, h = found[0].box
                pad = max(w, h) // 4
                draw.top3(view, rec.classify(canvas[max(y - pad, 0):y + h + pad, max(x - pad, 0):x + w + pad]))
            cv2.imshow(WINDOW, draw.status(view, fps, ms, rec.min_confidence, keys=keys))
            key = cv2.waitKey(20) & 0xFF
            if key in (ord("q"), ESC) or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                break
            if key == ord("c"):
                canvas[:] = 255
    finally:
        cv2.destroyAllWindows()


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="ONNX model (default: the shipped one)")
    parser.add_argument("--min-confidence", type=float, default=0.5)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads (1 is fastest here)")
    parser.add_argument("--ink", choices=list(INK), default="dark",
                        help="dark ink on paper, light ink on a dark ground, or auto: read from each frame")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our own messages say what failed
    if argv[:1] == ["image"]:
        parser = argparse.ArgumentParser(prog="digits-cam image", description="Read digits in image files.")
        add_version(parser)
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--out", type=Path, default=Path("annotated"), help="folder for annotated copies")
        parser.add_argument("--json", action="store_true", help="one JSON line per image")
        _common(parser)
        args = parser.parse_args(argv[1:])
        status = {}
        code = run(lambda: status.update(code=images(args.paths, args.out, _recognizer(args), args.json)))
        return code or status.get("code", 0)
    parser = argparse.ArgumentParser(prog="digits-cam", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    add_version(parser)
    parser.add_argument("source", nargs="?", help="camera index, video, image, folder or stream URL (default 0)")
    parser.add_argument("--headless", action="store_true", help="no window: print one JSON line per frame")
    parser.add_argument("--save-video", type=Path, help="write the annotated video here (.mp4)")
    parser.add_argument("--max-frames", type=int, default=0, help="stop after N frames")
    parser.add_argument("--no-track", action="store_true",
                        help="show each frame's own reading (tracking is on for cameras, videos and streams)")
    parser.add_argument("--snapshots", type=Path, default=Path("snapshots"), help="folder for 's' snapshots")
    parser.add_argument("--draw", action="store_true", help="open the drawing pad")
    _common(parser)
    args = parser.parse_args(argv)
    return run(lambda: drawing_pad(_recognizer(args)) if args.draw else live(args, _recognizer(args)))


def _recognizer(args: argparse.Namespace) -> DigitRecognizer:
    return DigitRecognizer(args.model, threads=args.threads, min_confidence=args.min_confidence, ink=args.ink)
