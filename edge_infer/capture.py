"""Frame sources (camera, stream, video, image, folder) and a grabber thread that keeps only the newest frame.

Every source is read with ``cv2.VideoCapture`` or ``read_photo`` (bytes and ``cv2.imdecode``, a big JPEG at a
fraction of its size when asked); the rest sees only ``Frame`` objects.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from edge_infer.errors import SourceError
from edge_infer.files import atomic_path, write_bytes

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"}
_REDUCED = {8: cv2.IMREAD_REDUCED_COLOR_8, 4: cv2.IMREAD_REDUCED_COLOR_4, 2: cv2.IMREAD_REDUCED_COLOR_2}  # libjpeg
# scales a JPEG by these steps as it decodes it, far quicker than decoding it whole and shrinking it after
_FRAME_HEADERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # a JPEG's SOF markers
_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}  # markers without a segment after them (TEM, RSTn)
RETRIES = 4  # reconnection attempts for a live source that stops delivering
BACKOFF_S = 0.25  # first wait between attempts; doubles each time


@dataclass(frozen=True)
class Frame:
    """One frame: its ``index`` in the source, capture ``time`` in seconds since the start, BGR ``image``,
    and for image sources the file ``name`` it came from and its ``step``: the file's pixels per pixel of
    ``image``, 1, or 2, 4 or 8 for a big JPEG read smaller (see ``read_photo``)."""

    index: int
    time: float
    image: np.ndarray
    name: str = ""
    step: int = 1


class Source:
    """Something that yields frames. ``live`` sources (cameras, streams) drop frames when the reader is slow."""

    live = False
    fps = 0.0
    name = ""

    def frames(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the device or file."""


class VideoSource(Source):
    """A camera index, a stream URL or a video file, through ``cv2.VideoCapture``.

    A live source that stops delivering is re-opened up to RETRIES times with doubling
    waits. A file that fails before its last frame (truncated or corrupt) gets the same
    retries from where it stopped, then a SourceError; a file that simply ends just ends.
    """

    def __init__(self, spec: int | str, retries: int = RETRIES, backoff: float = BACKOFF_S):
        self.spec, self.retries, self.backoff = spec, retries, backoff
        self.live = isinstance(spec, int) or "://" in str(spec)
        self.name = f"camera {spec}" if isinstance(spec, int) else str(spec)
        self.capture = self._open()
        if not self.capture.isOpened():
            raise SourceError(self._cannot_open())
        self.fps = self.capture.get(cv2.CAP_PROP_FPS) or 0.0
        self.length = 0 if self.live else int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)

    def _open(self) -> cv2.VideoCapture:
        return cv2.VideoCapture(self.spec)

    def _cannot_open(self) -> str:
        if isinstance(self.spec, int):
            return (f"cannot open camera {self.spec}: try another index (0, 1, ...), check that no other program "
                    "uses it and that you may access it (on Linux, membership of the 'video' group), "
                    "or pass a video file")
        if self.live:
            return f"cannot open stream {self.spec}: check the URL and that the stream is up"
        return f"cannot open video {self.spec}: the file is not a video OpenCV can decode, or it is corrupt"

    def frames(self) -> Iterator[Frame]:
        start, index, failures = time.monotonic(), 0, 0
        while True:
            ok, image = self.capture.read()
            if ok and image is not None and image.size:
                failures = 0
                yield Frame(index, time.monotonic() - start if self.live else index / (self.fps or 30.0), image)
                index += 1
                continue
            if not self.live and index >= self.length - 1:
                return  # the video ended (the container's frame count may be one too high)
            if failures == self.retries:
                what = "stopped delivering frames" if self.live else f"failed at frame {index} of {self.length}"
                raise SourceError(f"{self.name} {what} and did not recover after {self.retries} retries; "
                                  "check the cable or connection, or the file")
            time.sleep(self.backoff * 2 ** failures)
            failures += 1
            self.capture.release()
            self.capture = self._open()
            if not self.live:
                self.capture.set(cv2.CAP_PROP_POS_FRAMES, index)

    def close(self) -> None:
        self.capture.release()


class ImageSource(Source):
    """One image file or a folder of them, through ``read_photo`` (``min_side``: see there).

    With ``skip_unreadable``, a file that cannot be read is skipped and its problem kept in
    ``skipped``; otherwise it raises SourceError.
    """

    def __init__(self, paths: list[Path], name: str, skip_unreadable: bool, min_side: int = 0):
        if not paths:
            raise SourceError(f"{name} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        self.paths, self.name, self.skip_unreadable, self.min_side = paths, name, skip_unreadable, min_side
        self.skipped: list[str] = []

    def frames(self) -> Iterator[Frame]:
        for index, path in enumerate(self.paths):
            try:
                photo = read_photo(path, self.min_side)
            except SourceError as err:
                if not self.skip_unreadable:
                    raise
                self.skipped.append(str(err))
                continue
            yield Frame(index, float(index), photo.image, str(path), photo.step)


@dataclass(frozen=True)
class Photo:
    """An image file as read: BGR uint8 ``image`` (H, W, 3), the file's ``size`` (height, width) as it is shown
    (turned as its EXIF orientation says), and ``step``, the file's pixels per pixel of ``image`` (1, 2, 4 or 8)."""

    image: np.ndarray
    size: tuple[int, int]
    step: int


def read_photo(path: str | Path, min_side: int = 0) -> Photo:
    """An image file, decoded as ``read_image`` decodes it, but a JPEG at least twice ``min_side`` px long is
    decoded at 1/2, 1/4 or 1/8 of its size, the smallest whose longer side is ``min_side`` at least: libjpeg
    scales it as it decodes, several times quicker than decoding it whole (a 16 MP photo's whole decoding
    takes longer than reading its digits). The recognizer reads a photo at ``segment.MAX_SIDE`` px anyway, so
    with that ``min_side`` it sees nearly the same copy, smoothed by the decoder rather than by pixel-area
    averaging. A box found on ``image`` is in the file's pixels made ``step`` times larger (``group.scaled``)."""
    data = _file_bytes(path)
    size = _jpeg_size(data) if min_side > 0 else None
    step = max((k for k in _REDUCED if size and -(-max(size) // k) >= min_side), default=1)
    image = _decode(path, data, _REDUCED[step] if step > 1 else cv2.IMREAD_COLOR)
    if step == 1:
        return Photo(image, image.shape[:2], 1)
    turned = (image.shape[0] > image.shape[1]) != (size[0] > size[1])  # an EXIF orientation turned it
    return Photo(image, size[::-1] if turned else size, step)


def read_image(path: str | Path) -> np.ndarray:
    """An image file as BGR uint8 (H, W, 3). The file is read as bytes and decoded by ``cv2.imdecode``, so paths
    with any characters work on every OS; a missing, unreadable or non-image file raises SourceError."""
    return _decode(path, _file_bytes(path), cv2.IMREAD_COLOR)


def _file_bytes(path: str | Path) -> np.ndarray:
    try:
        return np.fromfile(path, np.uint8)
    except OSError as err:
        raise SourceError(f"cannot read image {path}: {err.strerror or err}") from None


def _decode(path: str | Path, data: np.ndarray, flags: int) -> np.ndarray:
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise SourceError(f"cannot read image {path}: the file is empty, truncated or not an image")
    return image


def _jpeg_size(data: np.ndarray) -> tuple[int, int] | None:
    """(height, width) in a JPEG's frame header, before any EXIF turn; None for a file that is no JPEG (or whose
    segments run off its end)."""
    if data.size < 4 or data[0] != 0xFF or data[1] != 0xD8:
        return None
    at = 2
    while at + 9 <= data.size and data[at] == 0xFF:
        marker = int(data[at + 1])
        if marker == 0xFF or marker in _NO_LENGTH:  # a fill byte, or a marker standing alone
            at += 1 if marker == 0xFF else 2
        elif marker in _FRAME_HEADERS:
            height, width = (int(data[at + i]) << 8 | int(data[at + i + 1]) for i in (5, 7))
            return (height, width) if height and width else None
        else:
            at += 2 + (int(data[at + 2]) << 8 | int(data[at + 3]))
    return None


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write ``image`` atomically in the format of ``path``'s suffix. It is encoded by ``cv2.imencode`` and written
    as bytes, so paths with any characters work on every OS; a failed encoding raises SourceError."""
    try:
        ok, data = cv2.imencode(Path(path).suffix or ".png", image)
    except cv2.error:
        ok = False
    if not ok:
        raise SourceError(f"cannot encode an image for {path}; use a suffix OpenCV writes, such as .png or .jpg")
    write_bytes(path, data.tobytes())


class VideoFile:
    """A context manager that writes BGR uint8 frames to an MPEG-4 file, which appears at ``path`` only when the
    block ends without an error; the frame size is the first frame's.

        with VideoFile("out.mp4", fps=30) as video:
            video.write(frame)
    """

    def __init__(self, path: str | Path, fps: float):
        self.path, self.fps = Path(path), fps or 10.0
        self._stack = contextlib.ExitStack()
        self._writer = None

    def __enter__(self) -> "VideoFile":
        return self

    def write(self, image: np.ndarray) -> None:
        if self._writer is None:  # opened on the first frame, whose size it needs
            tmp = self._stack.enter_context(atomic_path(self.path))
            self._writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), self.fps,
                                           (image.shape[1], image.shape[0]))
            self._stack.callback(self._writer.release)  # runs before the temporary file is moved into place
            if not self._writer.isOpened():
                raise SourceError(f"cannot write video {self.path}: use an .mp4 path in a writable folder")
        self._writer.write(image)

    def __exit__(self, *exc) -> None:
        self._stack.__exit__(*exc)


def open_source(spec: str | int, min_side: int = 0) -> Source:
    """Open a camera index, a stream URL, a video file, an image file or a folder of images (which are read with
    ``min_side``, see ``read_photo``)."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return VideoSource(int(spec))
    if "://" in spec:
        return VideoSource(spec)
    path = Path(spec)
    if path.is_dir():
        images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        return ImageSource(images, f"folder {path}", skip_unreadable=True, min_side=min_side)
    if not path.exists():
        raise SourceError(f"no such file or folder: {path}; pass a camera index, a video, an image or a folder")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path], str(path), skip_unreadable=False, min_side=min_side)
    return VideoSource(str(path))


class Grabber:
    """Reads a source on its own thread and hands out only the newest frame.

    With ``drop=True`` (live sources, or files played in real time) a slow consumer skips
    the frames it had no time for, so what it sees is never stale; ``dropped`` counts them.
    With ``drop=False`` every frame is handed out in order. ``pace`` > 0 plays a file at that
    many frames per second, as a camera would deliver it. ``arrived`` is the ``time.monotonic()`` at which
    the frame last handed out came off the source: the start of its capture-to-result latency.
    """

    def __init__(self, source: Source, drop: bool, pace: float = 0.0):
        self.source, self.drop, self.pace = source, drop, pace
        self.dropped = 0
        self.arrived = 0.0
        self._slot: Frame | None = None
        self._arrived = 0.0
        self._done = False
        self._error: Exception | None = None
        self._stop = threading.Event()
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="edge-digits-capture", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        try:
            for n, frame in enumerate(self.source.frames()):
                if self.pace:
                    time.sleep(max(0.0, start + n / self.pace - time.monotonic()))
                with self._ready:
                    while not self.drop and self._slot is not None and not self._stop.is_set():
                        self._ready.wait(0.1)
                    if self._stop.is_set():
                        return
                    self.dropped += self._slot is not None
                    self._slot, self._arrived = frame, time.monotonic()
                    self._ready.notify_all()
        except Exception as err:  # handed to the consumer, which reports it
            self._error = err
        finally:
            with self._ready:
                self._done = True
                self._ready.notify_all()

    def next(self) -> Frame | None:
        """The newest frame not yet handed out; None once the source has ended. Re-raises source errors."""
        with self._ready:
            while self._slot is None and not self._done:
                self._ready.wait(0.1)
            frame, self._slot, self.arrived = self._slot, None, self._arrived
            self._ready.notify_all()
        if frame is None and self._error is not None:
            raise self._error
        return frame

    def close(self) -> None:
        """Stop the thread and release the source."""
        self._stop.set()
        with self._ready:
            self._ready.notify_all()
        self._thread.join(timeout=2.0)
        self.source.close()
