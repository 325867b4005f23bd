"""digits-batch: read every handwritten number in a collection of images, on all cores or on a Ray cluster.

    digits-batch scans/ --out results.jsonl                     # a folder (recursive), on every core
    digits-batch 'forms/**/*.png' @more.txt --out results.parquet  # globs, manifests; Parquet by the suffix
    digits-batch scans/ --out results.jsonl --engine ray --workers 4 [--ray-address auto]

Each image gives one record: path, width, height, numbers (text, box, confidence, digits),
detections, ms and error (null, or one line saying why the image could not be read). Boxes are
in the file's pixels, though a big JPEG is decoded at the size the recognizer reads it at. Records
go to the output as they finish, so a killed run leaves a valid file with every finished
record, and running the same command again skips the images already recorded. A bad file
gets a record with its error and the run goes on; the exit code is 0, or 1 with --strict
when some image had an error.

A SOURCE is an image file, a folder (searched recursively for the image types OpenCV reads),
a glob (quote it; ** searches folders) or @FILE, a manifest of one path per line (relative
paths are taken from the manifest's folder; blank lines and # comments are skipped).
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np

from edge_infer.capture import IMAGE_SUFFIXES, Photo, read_photo
from edge_infer.commands import add_version, run
from edge_infer.errors import DigitsError, SourceError
from edge_infer.files import appending, atomic_path, complete_lines
from edge_infer.recognizer import INK, DigitRecognizer
from edge_infer.segment import MAX_SIDE

FIELDS = ("path", "width", "height", "numbers", "detections", "ms", "error")
GLOB = set("*?[")
CHECKPOINT = 500  # Parquet output is rewritten (atomically) after this many new records, and at the end
RAY_BATCH = 16  # images per Ray Data batch: each batch costs Ray some milliseconds (with 4, digits-bench --batch
# gave Ray 24% fewer images/s than local workers; with 16, 9%), and 16 still streams records out as they finish
RAY_EXTRA = "install the Ray engine with: pip install 'edge-digits[ray]'"


# -- what to read ------------------------------------------------------------------------------
def expand(sources: Iterable[str]) -> list[str]:
    """Image paths from SOURCE arguments, in the order given (a folder's and a glob's sorted), each once.

    A path that does not exist is kept, so that it gets a record with its error; a missing
    manifest, or a folder or glob with no image, raises SourceError.
    """
    paths: list[str] = []
    for source in sources:
        if source.startswith("@"):
            paths += _manifest(Path(source[1:]))
        elif Path(source).is_dir():
            found = sorted(str(p) for p in Path(source).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
                           and p.is_file())
            if not found:
                raise SourceError(f"folder {source} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
            paths += found
        elif GLOB & set(source) and not Path(source).exists():
            found = sorted(p for p in glob.glob(source, recursive=True) if Path(p).is_file())
            if not found:
                raise SourceError(f"no file matches {source!r}")
            paths += found
        else:
            paths.append(source)
    return list(dict.fromkeys(paths))


def _manifest(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"cannot read manifest {path}: {getattr(err, 'strerror', None) or err}; "
                          "give @FILE with one image path per line") from None
    entries = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [entry if Path(entry).is_absolute() else str(path.parent / entry) for entry in entries]


# -- one image ---------------------------------------------------------------------------------
def read_file(rec: DigitRecognizer, path: str, image: np.ndarray | None = None) -> dict:
    """The record of one image file (decoded here unless ``image``, BGR, is given): never raises for a bad file.

    A big JPEG is decoded at the size the recognizer reads it at (``capture.read_photo``); its boxes are given
    in the file's pixels all the same.
    """
    start = time.perf_counter()
    record = {"path": path, "width": None, "height": None, "numbers": [], "detections": [], "ms": 0.0,
              "error": None}
    try:
        photo = read_photo(path, MAX_SIDE) if image is None else Photo(image, image.shape[:2], 1)
        record["height"], record["width"] = (int(v) for v in photo.size)
        found = rec.recognize(photo.image)
        record["numbers"] = [n.to_dict(photo.step) for n in rec.numbers(found)]
        record["detections"] = [d.to_dict(photo.step) for d in found]
    except DigitsError as err:
        record["error"] = str(err)
    except Exception as err:  # a decoder or a library failing on one odd file must not stop the run
        record["error"] = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
    record["ms"] = round((time.perf_counter() - start) * 1000, 2)
    return record


# -- local engine ------------------------------------------------------------------------------
_worker: DigitRecognizer | None = None


def _start_worker(options: dict) -> None:
    global _worker
    cv2.setNumThreads(1)  # this process is one worker on one core: OpenCV's own threads would only contend
    _worker = DigitRecognizer(threads=1, **options)


def _read_in_worker(path: str) -> dict:
    return read_file(_worker, path)


def read_files(paths: Iterable[str], workers: int | None = None, **options) -> Iterator[dict]:
    """Read ``paths`` with ``workers`` processes (default: the cores), each with its own recognizer on one
    onnxruntime thread and one OpenCV thread; yields each image's record (see ``read_file``) as it finishes, in
    completion order. With ``workers=1`` the images are read in this process, whose settings are left as
    they are.

    ``options`` go to ``DigitRecognizer`` (``model``, ``min_confidence``, ``ink``, ``min_height``). Images are
    decoded in the workers, so this process never holds them.
    """
    workers = _workers(workers)
    rec = DigitRecognizer(threads=1, **options)  # here first: a bad model is one clear error, not dead workers
    if workers == 1:
        yield from (read_file(rec, path) for path in paths)
        return
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no onnxruntime threads forked
    with context.Pool(workers, _start_worker, (options,)) as pool:
        yield from pool.imap_unordered(_read_in_worker, paths)


def _workers(workers: int | None) -> int:
    workers = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    return workers


# -- Ray engine --------------------------------------------------------------------------------
class RayRecognizer:
    """A Ray Data actor that holds one ``DigitRecognizer`` (one onnxruntime thread) and reads batches of images.

        ds = ray.data.read_images("s3://bucket/scans", include_paths=True)   # or a dataset with a "path" column
        ds.map_batches(RayRecognizer, concurrency=4, batch_size=16)

    A batch needs a ``path`` column (files decoded in the actor) or an ``image`` column of RGB uint8 (H, W, 3)
    or grey (H, W) arrays, as ``ray.data.read_images`` gives; ``path`` is kept with it when present. The
    output batch has the record's columns: ``path``, ``width``, ``height``, ``ms`` and ``error``, with
    ``numbers`` and ``detections`` as JSON text (``json.loads`` gives the lists ``read_file`` makes).
    Constructor keywords go to ``DigitRecognizer``.
    """

    def __init__(self, **options):
        cv2.setNumThreads(1)  # an actor holds one CPU: OpenCV's own threads would only contend with the others
        self.rec = DigitRecognizer(threads=1, **options)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if "image" in batch:
            paths = batch.get("path", [""] * len(batch["image"]))
            records = [read_file(self.rec, str(path), _bgr(image)) for path, image in zip(paths, batch["image"])]
        elif "path" in batch:
            records = [read_file(self.rec, str(path)) for path in batch["path"]]
        else:
            raise SourceError(f"RayRecognizer needs a 'path' or an 'image' column, got {sorted(batch)}")
        out = {key: np.array([r[key] for r in records], dtype=object) for key in FIELDS}
        for key in ("numbers", "detections"):
            out[key] = np.array([json.dumps(r[key]) for r in records], dtype=object)
        return out


def _bgr(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    return image[..., ::-1] if image.ndim == 3 and image.shape[2] == 3 else image  # Ray Data decodes to RGB


def read_files_ray(paths: list[str], workers: int | None = None, address: str | None = None,
                   **options) -> Iterator[dict]:
    """Like ``read_files``, on Ray Data: ``workers`` ``RayRecognizer`` actors (default: the cores), on the
    cluster at ``address`` ("auto", or host:port), on the Ray this process already joined, or on a Ray
    started here (see ``start_ray``) and shut down at the end."""
    workers = _workers(workers)
    DigitRecognizer(threads=1, **options)  # a bad model is one clear error here, not a failed actor there
    if not paths:
        return
    ray, started = start_ray(address, workers)
    try:
        rows = ray.data.from_items([{"path": p} for p in paths])
        out = rows.map_batches(RayRecognizer, fn_constructor_kwargs=options, batch_size=RAY_BATCH, num_cpus=1,
                               compute=ray.data.ActorPoolStrategy(size=workers))
        out.context.enable_progress_bars = False  # the caller reports progress (digits-batch draws its own bar)
        for row in out.iter_rows():
            yield _from_ray(row)
    finally:
        if started:
            ray.shutdown()


def start_ray(address: str | None = None, cpus: int | None = None):
    """Join the Ray cluster at ``address``, or start Ray on this machine with ``cpus`` CPUs (default: the
    cores) and its node address on loopback (127.0.0.1); nothing when this process already joined one.
    Returns (the ray module, whether this call started or joined it)."""
    ray = _import_ray()
    if ray.is_initialized():
        return ray, False
    local = {} if address else {"num_cpus": max(cpus or 1, os.cpu_count() or 1), "_node_ip_address": "127.0.0.1"}
    ray.init(address=address, include_dashboard=False, configure_logging=False, log_to_driver=False, **local)
    return ray, True


def _import_ray():
    try:
        import logging

        import ray
        import ray.data

        for name in ("ray", "ray.data"):  # this command reports progress and results itself
            logging.getLogger(name).setLevel(logging.ERROR)
        return ray
    except ImportError:
        raise SourceError(f"--engine ray needs Ray, which this install lacks; {RAY_EXTRA}") from None


def _from_ray(row: dict) -> dict:
    """A Ray output row as the record ``read_file`` gives."""
    record = {key: row[key] for key in FIELDS}
    for key in ("numbers", "detections"):
        record[key] = json.loads(record[key])
    for key in ("width", "height"):
        record[key] = None if record[key] is None else int(record[key])
    record["ms"] = float(record["ms"])
    return record


# -- where records go --------------------------------------------------------------------------
class JsonLines:
    """Records as JSON lines, appended whole as they finish: the file is valid JSON Lines at every moment."""

    def __init__(self, path: Path):
        self.path = self.lines = path
        self.done = {_key(r["path"]): r["error"] is not None for r in self._read()}

    def _read(self) -> list[dict]:
        try:
            return [json.loads(line) for line in complete_lines(self.lines) if line.strip()]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise SourceError(f"{self.lines} is not a file of digits-batch records ({err}); give another --out") \
                from None

    def __enter__(self):
        self._opened = appending(self.lines)
        self._append = self._opened.__enter__()
        return self

    def write(self, record: dict) -> None:
        self._append(json.dumps(record, ensure_ascii=False))

    def __exit__(self, *exc):
        return self._opened.__exit__(*exc)


class Parquet(JsonLines):
    """Records as Parquet. Each record is first appended to a JSON-lines journal beside the file
    (``OUT.journal.jsonl``); every CHECKPOINT records and at the end, the Parquet file is rewritten atomically
    with all of them and the journal emptied. A killed run leaves a valid Parquet file and the journal, and a
    rerun finishes both."""

    def __init__(self, path: Path):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise SourceError("--format parquet needs pyarrow: pip install 'edge-digits[parquet]'") from None
        self.path, self.lines = path, path.with_name(path.name + ".journal.jsonl")
        self.records = {_key(r["path"]): r for r in self._stored() + self._read()}
        self.done = {key: r["error"] is not None for key, r in self.records.items()}
        self.pending = 0

    def _stored(self) -> list[dict]:
        import pyarrow.parquet as pq

        if not self.path.exists():
            return []
        try:
            return pq.read_table(self.path).to_pylist()
        except Exception as err:
            raise SourceError(f"{self.path} is not a Parquet file of digits-batch records ({err}); "
                              "give another --out") from None

    def write(self, record: dict) -> None:
        super().write(record)
        self.records[_key(record["path"])] = record
        self.pending += 1
        if self.pending >= CHECKPOINT:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(list(self.records.values()), schema=_schema(pa))
        with atomic_path(self.path) as tmp:
            pq.write_table(table, tmp)
        os.truncate(self.lines, 0)  # everything in the journal is in the Parquet file now
        self.pending = 0

    def __exit__(self, *exc):
        try:
            self._flush()
        finally:
            super().__exit__(*exc)
        self.lines.unlink(missing_ok=True)


def _schema(pa):
    box = pa.list_(pa.int64())
    detection = pa.struct([("digit", pa.int64()), ("confidence", pa.float64()), ("box", box),
                           ("cell", box)])  # null for a digit in no row of boxes
    number = pa.struct([("text", pa.string()), ("confidence", pa.float64()), ("box", box),
                        ("digits", pa.list_(detection))])
    return pa.schema([("path", pa.string()), ("width", pa.int64()), ("height", pa.int64()),
                      ("numbers", pa.list_(number)), ("detections", pa.list_(detection)), ("ms", pa.float64()),
                      ("error", pa.string())])


def _key(path: str) -> str:
    """The identity of an image across runs: its absolute path, so a rerun from another folder still skips it."""
    return os.path.abspath(path)


def output(path: Path, fmt: str | None = None) -> JsonLines | Parquet:
    """The writer for ``path``: ``fmt`` "jsonl" or "parquet", or chosen by the suffix (.parquet, else JSON lines)."""
    fmt = fmt or ("parquet" if path.suffix.lower() in (".parquet", ".pq") else "jsonl")
    return Parquet(path) if fmt == "parquet" else JsonLines(path)


# -- the command -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="digits-batch", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    add_version(parser)
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="image files, folders, globs or @manifests")
    parser.add_argument("--out", type=Path, required=True, help="the results file (.jsonl, or .parquet)")
    parser.add_argument("--format", choices=["jsonl", "parquet"], help="default: from the suffix of --out")
    parser.add_argument("--workers", type=int, help="processes or Ray actors (default: the cores)")
    parser.add_argument("--engine", choices=["local", "ray"], default="local")
    parser.add_argument("--ray-address", help="join this Ray cluster ('auto' or host:port); default: start Ray here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any image had an error")
    parser.add_argument("--model", help="ONNX model (default: the shipped one)")
    parser.add_argument("--min-confidence", type=float, default=0.5)
    parser.add_argument("--ink", choices=list(INK), default="dark")
    args = parser.parse_args(argv)
    errors = []

    def job():
        errors.append(batch(args))

    code = run(job)
    return 1 if code == 0 and args.strict and errors[0] else code


def batch(args: argparse.Namespace) -> int:
    """Run the command and print its summary on stderr; return how many images in the output have an error
    (read in this run or in an earlier one)."""
    from tqdm import tqdm

    if args.ray_address and args.engine != "ray":
        raise ValueError("--ray-address needs --engine ray")
    paths = expand(args.sources)
    options = {"model": args.model, "min_confidence": args.min_confidence, "ink": args.ink}
    start, read = time.perf_counter(), {"images": 0, "numbers": 0, "errors": 0}
    with output(args.out, args.format) as out:
        todo = [p for p in paths if _key(p) not in out.done]
        earlier = sum(out.done.get(_key(p), False) for p in paths)
        records = read_files_ray(todo, args.workers, args.ray_address, **options) if args.engine == "ray" \
            else read_files(todo, args.workers, **options)
        with tqdm(total=len(todo), unit="image", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
            for record in records:
                out.write(record)
                read["images"] += 1
                read["numbers"] += len(record["numbers"])
                read["errors"] += record["error"] is not None
                bar.update()
    seconds = time.perf_counter() - start
    skipped = len(paths) - len(todo)
    print(f"digits-batch: read {read['images']} images ({read['images'] / max(seconds, 1e-9):.1f} per second), "
          f"found {read['numbers']} numbers, {read['errors']} errors"
          + (f"; skipped {skipped} already in {args.out} ({earlier} of them with errors)" if skipped else "")
          + f"; wrote {args.out}", file=sys.stderr)
    return read["errors"] + earlier


if __name__ == "__main__":
    raise SystemExit(main())
