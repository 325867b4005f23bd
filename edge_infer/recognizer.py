"""The public recognizer: frame -> regions -> 28x28 crops -> probabilities -> detections -> numbers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from edge_infer import context, group
from edge_infer.contract import INPUT_SIZE, NON_DIGIT, NUM_CLASSES
from edge_infer.crop import as_gray8, fit_mnist, normalize
from edge_infer.errors import InputError
from edge_infer.group import Box
from edge_infer.model import OnnxModel
from edge_infer.segment import MIN_HEIGHT, segment
from edge_infer.split import SURE, split

MAX_PIXELS = 50_000_000  # larger frames are refused rather than risking a swap storm
WIDEST = 1.5  # a glyph wider than this for its height that did not split is mostly a dash or a box, seldom a wide
# digit (a block capital's): it is kept only when read split.SURE
INK = {"dark": True, "light": False, "auto": None}  # ink= -> segment's dark_ink (None: read from each frame)


@dataclass(frozen=True, eq=False)
class Prediction:
    """One classified digit image: ``digit`` 0-9, its ``confidence`` in [0, 1], and ``probabilities``,
    float32 (10,) over the digits, read-only. They sum to 1 for a model without a "non-digit" output;
    with one, what they leave to 1 is the probability that the image holds no single digit. An image
    with no ink gets all-zero probabilities and confidence 0.

    ``label`` is the most probable of the model's labels (contract.labels): the digit as text, or
    "non-digit". ``top(k)`` ranks the digits. Predictions compare equal by value and are hashable.
    """

    digit: int
    confidence: float
    probabilities: np.ndarray = field(repr=False)
    label: str = ""

    def __post_init__(self):
        probabilities = np.array(self.probabilities, np.float32)
        probabilities.setflags(write=False)  # frozen: the hash must not change under it
        object.__setattr__(self, "probabilities", probabilities)
        if not self.label:
            rest = 1.0 - float(probabilities.sum())
            object.__setattr__(self, "label", NON_DIGIT if rest > float(probabilities.max()) else str(self.digit))

    def _key(self) -> tuple:
        return self.digit, self.confidence, self.label, self.probabilities.tobytes()

    def __eq__(self, other) -> bool:
        return isinstance(other, Prediction) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most probable digits as (digit, probability) pairs, most probable first."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(d), float(self.probabilities[d])) for d in order]

    def to_dict(self) -> dict:
        """JSON-ready: ``digit``, ``confidence``, ``label`` and ``probabilities`` as a list of 10 floats."""
        return {"digit": self.digit, "confidence": self.confidence, "label": self.label,
                "probabilities": [float(p) for p in self.probabilities]}


@dataclass(frozen=True)
class Detection:
    """A digit found in a frame: ``box`` (x, y, w, h) in frame pixels, ``digit`` 0-9, ``confidence`` in [0, 1],
    and the ``cell`` (x, y, w, h) of a row of boxes it is written in (a date's boxes), or None."""

    box: Box
    digit: int
    confidence: float
    cell: Box | None = None

    def to_dict(self, scale: float = 1) -> dict:
        """JSON-ready: ``digit``, ``confidence``, ``box`` as [x, y, w, h], and ``cell`` likewise (or None); boxes in
        pixels ``scale`` times larger (those of the file a photo was read smaller from: ``capture.Frame.step``)."""
        return {"digit": self.digit, "confidence": self.confidence, "box": group.box_list(self.box, scale),
                "cell": None if self.cell is None else group.box_list(self.cell, scale)}


@dataclass(frozen=True)
class Number:
    """Neighbouring digits on one line read left to right: ``text`` such as "2026", the ``box`` around them,
    the ``digits`` themselves (a tuple of Detection) and a ``confidence`` (the product of theirs)."""

    text: str
    box: Box
    digits: tuple[Detection, ...]
    confidence: float

    def __post_init__(self):
        object.__setattr__(self, "digits", tuple(self.digits))  # a tuple keeps the number hashable

    def to_dict(self, scale: float = 1) -> dict:
        """JSON-ready: ``text``, ``confidence``, ``box`` as [x, y, w, h] and ``digits`` as Detection dicts; boxes in
        pixels ``scale`` times larger (see ``Detection.to_dict``)."""
        return {"text": self.text, "confidence": self.confidence, "box": group.box_list(self.box, scale),
                "digits": [d.to_dict(scale) for d in self.digits]}


class DigitRecognizer:
    """Find and read handwritten digits with an ONNX model in onnxruntime.

    Parameters
    ----------
    model : path to an ONNX model exported by ``digits-export``; default: the shipped model.
    threads : onnxruntime intra-op threads; 1 is fastest for this tiny model.
    min_confidence : detections whose top probability is below this are dropped, in [0, 1].
    ink : ``"dark"`` for dark ink on light paper (default), ``"light"`` for light ink on a dark surface (chalk on
        a board, a digit drawn in white on black), or ``"auto"`` to read it from each frame, which fails where
        most of a frame is of the other kind (a note lying on a keyboard's light letters reads as light).
    min_height : the smallest digit height in pixels that ``recognize`` looks for.
    providers : onnxruntime execution providers in order of preference (default: the CPU), e.g.
        ``["CUDAExecutionProvider", "CPUExecutionProvider"]`` with onnxruntime-gpu.
    session_options : an ``onnxruntime.SessionOptions`` to use as given instead of ``threads``.

    OpenCV's own thread count is left as the process has it (the library never changes
    process-wide settings); ``digits-bench`` measures with ``cv2.setNumThreads(1)``.

    A recognizer is thread-safe: its methods keep no per-call state, and onnxruntime
    sessions may be run from several threads at once.
    """

    def __init__(self, model: str | os.PathLike | None = None, threads: int = 1, min_confidence: float = 0.5,
                 ink: str = "dark", min_height: int = MIN_HEIGHT, providers: list | None = None,
                 session_options=None):
        if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float)) \
                or not 0.0 <= min_confidence <= 1.0:
            raise InputError(f"min_confidence must be a number in [0, 1], got {min_confidence!r}")
        if ink not in INK:
            raise InputError(f"ink must be 'dark', 'light' or 'auto', got {ink!r}")
        if isinstance(min_height, bool) or not isinstance(min_height, int) or min_height < 4:
            raise InputError(f"min_height must be a whole number of pixels >= 4, got {min_height!r}")
        if model is not None and not isinstance(model, (str, os.PathLike)):
            raise InputError(f"model must be a path to an .onnx file, got {type(model).__name__}")
        self.model = OnnxModel(model, threads, providers, session_options)
        self.min_confidence = float(min_confidence)
        self.ink = ink
        self.min_height = min_height

    @property
    def model_version(self) -> int:
        """The model's version (ONNX ``model_version``, set by ``digits-export --model-version``)."""
        return self.model.version

    # -- single digits -------------------------------------------------------------------------
    def classify(self, image: np.ndarray) -> Prediction:
        """Read one image of one digit: any size, grey/BGR/BGRA, uint8 or float, either polarity."""
        return self.classify_batch([image])[0]

    def classify_batch(self, images) -> list[Prediction]:
        """Read single-digit images in one model call: a list of images, an (N, H, W) grey array or an
        (N, H, W, C) array with C = 1, 3 (BGR) or 4 (BGRA)."""
        if isinstance(images, np.ndarray) and images.dtype != object:
            single = images.ndim == 2 or (images.ndim == 3 and images.shape[-1] in (1, 3, 4))
            if single or images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3, 4)):
                raise InputError(f"classify_batch takes a list of images, an (N, H, W) grey array or an "
                                 f"(N, H, W, C) array, got shape {images.shape}"
                                 + ("; for one image use classify(image) or pass [image]" if single else ""))
        if not isinstance(images, (list, tuple, np.ndarray)):
            raise InputError(f"classify_batch takes a list of images, got {type(images).__name__}")
        if len(images) == 0:
            return []
        crops = np.stack([normalize(image, f"image {i}") for i, image in enumerate(images)])
        return self._predict(crops)

    def _predict(self, crops: np.ndarray) -> list[Prediction]:
        probabilities = self._digit_probabilities(crops)
        probabilities[crops.reshape(len(crops), -1).max(1) <= 0] = 0.0  # no ink: nothing to read
        digits = probabilities.argmax(1)
        return [Prediction(int(d), float(p[d]), p) for d, p in zip(digits, probabilities)]

    def _digit_probabilities(self, crops: np.ndarray) -> np.ndarray:
        """float32 (N, 28, 28) crops -> float32 (N, 10) digit probabilities (a "non-digit" output is left out)."""
        return self.model.predict(crops.reshape(-1, INPUT_SIZE, INPUT_SIZE, 1))[:, :NUM_CLASSES]

    # -- frames --------------------------------------------------------------------------------
    def recognize(self, frame: np.ndarray) -> list[Detection]:
        """Every digit in a photo, scan or camera frame (BGR, grey or BGRA, any resolution), in reading order.

        Regions are found at a working scale chosen from the glyphs' size, touching digits are
        split where the model reads the parts better than the whole, digit-like glyphs
        inside words are taken for letters, and a glyph too wide for a digit is kept only when
        the model is sure of it.
        """
        glyphs = self.glyphs(frame)
        wordy = context.in_words(glyphs, self.min_confidence)
        wide = max(self.min_confidence, SURE)  # the confidence a glyph wider than WIDEST needs
        detections = [Detection(g.box, g.digit, g.confidence, g.cell) for i, g in enumerate(glyphs) if i not in wordy
                      and g.confidence >= (self.min_confidence if g.box[2] <= WIDEST * g.box[3] else wide)]
        return [d for line in group.lines(detections, raised=True) for d in line]  # a power after its base

    def glyphs(self, frame: np.ndarray) -> list[context.Glyph]:
        """Every glyph-sized region of ``frame`` with its digit probabilities, before any is kept or dropped."""
        found = segment(self._frame(frame), dark_ink=INK[self.ink], min_height=self.min_height)
        if not found:
            return []
        read = self._digit_probabilities
        whole = read(np.stack([fit_mnist(r.ink) for r in found]))
        return [context.Glyph(r.box, p, r.cell) for r, p in split(list(zip(found, whole)), read)]

    def read_numbers(self, frame: np.ndarray) -> list[Number]:
        """Group the digits of ``frame`` into numbers: neighbours on a line, read left to right, line by line."""
        return self.numbers(self.recognize(frame))

    def tracker(self):
        """A new ``edge_infer.track.Tracker`` that follows numbers over a stream of frames with this recognizer:
        ``tracker.update(frame) -> list[TrackedNumber]``."""
        from edge_infer.track import Tracker

        return Tracker(self)

    def stream(self, source, track: bool | None = None):
        """Read every frame of ``source``: a camera index, a video file, a stream URL, an image file or a folder
        (or an ``edge_infer.capture.Source``). Yields an ``edge_infer.track.StreamResult`` per frame, in order.

        ``track`` (default: on for cameras, videos and streams, off for images) follows the numbers over
        frames, so ``numbers`` holds TrackedNumber; without it, each frame's own Number list.
        """
        from edge_infer.capture import ImageSource, Source, open_source
        from edge_infer.track import StreamResult, frame_weight

        opened = source if isinstance(source, Source) else open_source(source)
        tracker = self.tracker() if (not isinstance(opened, ImageSource) if track is None else track) else None
        try:
            for frame in opened.frames():
                raw = self.read_numbers(frame.image)
                shown = tracker.observe(raw, frame_weight(frame.image), frame.image.shape[:2]) if tracker else raw
                yield StreamResult(frame, shown, raw)
        finally:
            opened.close()

    @staticmethod
    def numbers(detections: list[Detection]) -> list[Number]:
        """Group already recognized ``detections`` into numbers (see ``read_numbers``)."""
        out = []
        for line in group.lines(detections):
            for run in group.runs(line):
                out.append(Number("".join(str(d.digit) for d in run), group.union(d.box for d in run), run,
                                  float(np.prod([d.confidence for d in run]))))
        return out

    @staticmethod
    def _frame(frame) -> np.ndarray:
        if isinstance(frame, np.ndarray) and frame.ndim >= 2 and frame.shape[0] * frame.shape[1] > MAX_PIXELS:
            raise InputError(f"frame is {frame.shape[1]}x{frame.shape[0]}, over {MAX_PIXELS // 1_000_000} MP; "
                             "resize it first (cv2.resize)")
        return as_gray8(frame, "frame")
