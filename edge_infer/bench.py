"""digits-bench: how fast is the recognizer here, against the alternatives, measured side by side in one run.

    digits-bench                      # the table
    digits-bench --json bench.json    # also the figures, for tooling
    digits-bench --quick              # fewer repetitions
    digits-bench --photos ../shared/realphotos   # also real photos, at 1280 px and at full size
    digits-bench --batch 1000         # also digits-batch: images/s on 1 and 2 workers and on Ray with 2 actors

Speeds are medians and 95th percentiles over many runs on one onnxruntime thread (and one
OpenCV thread) unless --threads says otherwise. Machines and their load differ: compare
figures from one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from edge_infer.crop import as_gray8, fit_mnist
from edge_infer.errors import SourceError
from edge_infer.mnist import load_mnist
from edge_infer.model import OnnxModel, float_model_path, int8_path
from edge_infer.recognizer import DigitRecognizer
from edge_infer.segment import MAX_SIDE, segment
from edge_infer.commands import add_version, run as run_cli

GOALS = {  # the project's speed goals (README), checked in the summary
    "recognize_640x480_ms": 3.0,
    "classify_batch1_us": 60.0,
    "cold_start_s": 0.5,
    "speedup_vs_keras_batch1": 20.0,
    "real_photo_1280_ms": 12.0,  # median over the labelled real photos (--photos), shrunk to 1280 px
    "real_photo_8mp_ms": 40.0,  # ... and at full size (8 to 16 MP)
    "tracking_ms": 0.2,  # the tracker's own cost per frame (sharpness, matching, voting)
    "latency_640x480_p95_ms": 2000 / 30,  # capture to annotated result within 2 frame intervals of a 30 fps camera
    "latency_1280x720_p95_ms": 2000 / 30,
    "batch_scaling_efficiency": 0.9,  # digits-batch on 2 local workers: speed-up over 1 worker, per worker
    "batch_ray_overhead": 0.15,  # ... and how much slower Ray with 2 actors is than 2 local workers
}
HIGHER_IS_BETTER = {"speedup_vs_keras_batch1", "batch_scaling_efficiency"}


def timed(fn, runs: int, warmup: int = 10) -> np.ndarray:
    """Seconds per call of ``fn()`` over ``runs`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    out = np.empty(runs)
    for i in range(runs):
        start = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - start
    return out


def row(name: str, seconds: np.ndarray, items: int = 1, unit: str = "image") -> dict:
    per = seconds / items
    return {"name": name, "median_us": float(np.median(per) * 1e6), "p95_us": float(np.percentile(per, 95) * 1e6),
            "per_second": float(items / np.median(seconds)), "unit": unit, "runs": int(len(seconds))}


def _frames(count: int, seed: int = 3) -> list:
    """640x480 generated scenes with 7 to 9 digits each."""
    from edge_infer.scenes import SceneGenerator

    generator, frames = SceneGenerator(seed, max_numbers=3, max_length=4), []
    while len(frames) < count:
        scene = generator.scene()
        if 7 <= len(scene.digits) <= 9:
            frames.append(scene)
    return frames


def bench_runtime(rec: DigitRecognizer, runs: int, digits: np.ndarray, crops: np.ndarray) -> list[dict]:
    rows = [
        row("classify(), 1 image (normalise + model)", timed(lambda: rec.classify(digits[0]), runs)),
        row("model only, batch 1", timed(lambda: rec.model.predict(crops[:1]), runs)),
        row("model only, batch 32", timed(lambda: rec.model.predict(crops), runs // 4), 32),
        row("classify_batch(), 32 images", timed(lambda: rec.classify_batch(list(digits[:32])), runs // 4), 32),
    ]
    shipped = {float_model_path(): "float32", int8_path(float_model_path()): "int8"}
    if rec.model.path in shipped:  # the other shipped variant, for comparison
        for path, name in shipped.items():
            if path != rec.model.path and path.is_file():
                other = OnnxModel(path, threads=rec.model.session.get_session_options().intra_op_num_threads)
                rows += [row(f"{name} model ({other.metadata.get('quantization', 'float32')}), batch 1",
                             timed(lambda: other.predict(crops[:1]), runs)),
                         row(f"{name} model, batch 32", timed(lambda: other.predict(crops), runs // 4), 32)]
    return rows


def bench_recognize(rec: DigitRecognizer, frames: list, runs: int) -> list[dict]:
    images = [s.frame for s in frames]
    found = [segment(as_gray8(f)) for f in images]
    crops = [np.stack([fit_mnist(r.ink) for r in regions])[..., None] for regions in found]
    total, seg, norm, infer = [], [], [], []

    def once(fn, *args) -> float:
        start = time.perf_counter()
        fn(*args)
        return time.perf_counter() - start

    for _ in range(max(1, runs // len(images))):
        for image, regions, batch in zip(images, found, crops):
            total.append(once(rec.recognize, image))
            seg.append(once(lambda im: segment(as_gray8(im)), image))
            norm.append(once(lambda rs: [fit_mnist(r.ink) for r in rs], regions))
            infer.append(once(rec.model.predict, batch))
    n = np.mean([len(s.digits) for s in frames])
    return [row(f"recognize(), 640x480 frame, {n:.1f} digits", np.array(total), unit="frame"),
            row("  segmentation (grey, ink map, lines, regions)", np.array(seg), unit="frame"),
            row("  normalisation (28x28 crops)", np.array(norm), unit="frame"),
            row("  inference (one batch)", np.array(infer), unit="frame")]


def bench_real_photos(rec: DigitRecognizer, folder: Path, repeats: int) -> list[dict]:
    """recognize() on each labelled real photo in ``folder``, shrunk to 1280 px and at full size, and each photo
    that ``capture.read_photo`` decodes smaller (twice MAX_SIDE long at least) read from its file to its digits,
    decoded whole and decoded smaller as digits-batch and digits-cam read it: the median over images of each
    image's best time of ``repeats`` (the images differ far more than the runs)."""
    from edge_infer.capture import read_image, read_photo
    from edge_infer.realphotos import DEFAULT_SIDE, load_labels, shrink_to

    paths = [folder / "images" / entry["file"] for entry in load_labels(folder)]
    images = [read_image(path) for path in paths]
    pixels = np.median([image.shape[0] * image.shape[1] for image in images])
    rows = []
    for side, name in ((DEFAULT_SIDE, f"recognize(), real photo at {DEFAULT_SIDE} px"),
                       (0, "recognize(), real photo at full size")):
        shrunk = [shrink_to(image, side) for image in images]
        best = np.array([min(timed(lambda im=im: rec.recognize(im), repeats, warmup=1)) for im in shrunk])
        rows.append(row(name + (f" (median {pixels / 1e6:.0f} MP)" if not side else f", {len(images)} images"),
                        best, unit="image"))
    big = [path for path, image in zip(paths, images) if max(image.shape[:2]) >= 2 * MAX_SIDE]  # read smaller
    readers = (("whole", read_image), ("smaller", lambda path: read_photo(path, MAX_SIDE).image)) if big else ()
    for name, read in readers:
        best = np.array([min(timed(lambda p=p: rec.recognize(read(p)), repeats, warmup=1)) for p in big])
        rows.append(row(f"file to digits, {len(big)} photos {2 * MAX_SIDE}+ px, decoded {name}", best,
                        unit="image"))
    return rows


def bench_opencv_dnn(path: Path, runs: int, crops: np.ndarray) -> list[dict]:
    try:
        net = cv2.dnn.readNetFromONNX(str(path))
        rows = []
        for batch in (1, 32):
            blob = np.ascontiguousarray(crops[:batch])

            def forward():
                net.setInput(blob)
                return net.forward()

            forward()
            repeats = runs if batch == 1 else runs // 4
            rows.append(row(f"cv2.dnn.readNetFromONNX, batch {batch}", timed(forward, repeats),
                            batch))
        return rows
    except cv2.error as err:
        return [{"name": "cv2.dnn.readNetFromONNX", "skipped": str(err).strip().splitlines()[-1][:100]}]


def bench_tracking(rec: DigitRecognizer, frames: int = 60) -> list[dict]:
    """The tracker's own cost per frame on a generated handheld clip (the frames are read before the clock):
    the frame's sharpness plus matching, voting and the tracks' upkeep."""
    from edge_infer.handheld import HandheldGenerator
    from edge_infer.track import frame_weight

    clip = HandheldGenerator(seed=3).clip(frames)
    readings = [rec.read_numbers(frame) for frame in clip.frames]
    tracker, seconds = rec.tracker(), []
    for frame, numbers in zip(clip.frames, readings):
        start = time.perf_counter()
        tracker.observe(numbers, frame_weight(frame), frame.shape[:2])
        seconds.append(time.perf_counter() - start)
    per_frame = np.mean([len(n) for n in readings])
    return [row(f"tracking per frame ({per_frame:.1f} numbers), handheld 640x480", np.array(seconds[5:]),
                unit="frame")]


def bench_latency(rec: DigitRecognizer, seconds: float = 4.0) -> list[dict]:
    """Capture to annotated result, as digits-cam does it: a handheld clip at 640x480 and at 1280x720 played as a
    30 fps camera (newest frame only), each frame read, tracked and drawn. The clock starts when the frame
    comes off the source."""
    from edge_infer import draw
    from edge_infer.capture import Grabber, VideoSource
    from edge_infer.handheld import FPS, HandheldGenerator, write_clip
    from edge_infer.track import frame_weight

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in ((640, 480), (1280, 720)):
            path = Path(tmp) / f"{width}x{height}.mp4"
            write_clip(HandheldGenerator(seed=4, size=(width, height)).clip(int(seconds * FPS)), path)
            grabber, tracker, latencies = Grabber(VideoSource(str(path)), drop=True, pace=FPS), rec.tracker(), []
            try:
                while (frame := grabber.next()) is not None:
                    found = rec.recognize(frame.image)
                    numbers = tracker.observe(rec.numbers(found), frame_weight(frame.image), frame.image.shape[:2])
                    draw.detections(frame.image.copy(), found, numbers, digit_labels=False)
                    latencies.append(time.monotonic() - grabber.arrived)
            finally:
                grabber.close()
            rows.append(row(f"capture to annotated result, {FPS:.0f} fps camera {width}x{height}",
                            np.array(latencies[FPS_WARMUP:]), unit="frame"))
    return rows


FPS_WARMUP = 5  # the first frames of a stream pay for warming caches


def bench_batch(count: int, seed: int = 5) -> list[dict]:
    """digits-batch on ``count`` generated 1280x960 pages saved as JPEG: images per second on 1 and 2 local
    workers and on Ray with 2 actors. Ray is started, and has run a first job, before the clock, as a running
    cluster would be; the job's own actors start on the clock, as the local workers do."""
    from edge_infer.batch import read_files, read_files_ray, start_ray
    from edge_infer.capture import write_image
    from edge_infer.pages import PageGenerator

    generator = PageGenerator(seed, size=(1280, 960))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(count):
            paths.append(str(Path(tmp) / f"{i:05d}.jpg"))
            write_image(paths[-1], generator.page().frame)

        def rate(name, records):
            start = time.perf_counter()
            found = sum(1 for _ in records)
            seconds = time.perf_counter() - start
            rows.append({"name": name, "images": found, "seconds": seconds, "images_per_second": found / seconds})

        rate("digits-batch, local, 1 worker", read_files(paths, workers=1))
        rate("digits-batch, local, 2 workers", read_files(paths, workers=2))
        rows.append(_ceiling(paths[:CEILING_IMAGES]))
        start = time.perf_counter()
        try:
            ray, started = start_ray(cpus=2)  # before the clock, as a running cluster would be ...
        except SourceError as err:  # Ray is not installed
            rows.append({"name": "digits-batch, Ray", "skipped": str(err)})
            return rows
        if started:  # ... with the cluster-wide actors Ray Data starts on a cluster's first job (stats, autoscaling)
            first = ray.data.range(1).map_batches(lambda batch: batch)
            first.context.enable_progress_bars = False
            first.take_all()
            rows.append({"name": "Ray start-up and a first job (not in the rate)",
                         "seconds": time.perf_counter() - start})
        try:
            rate("digits-batch, Ray, 2 actors", read_files_ray(paths, workers=2))
        finally:
            if started:
                ray.shutdown()
    return rows


CEILING_IMAGES = 200
ONE_WORKER = """
import sys, time
from edge_infer.batch import read_files
start = time.perf_counter()
count = sum(1 for _ in read_files(sys.argv[1:], workers=1))
print(count / (time.perf_counter() - start))
"""


def _ceiling(paths: list[str]) -> dict:
    """What this machine allows: the same 1-worker job alone, then in two independent processes at once. Their
    summed rate over twice the lone rate is the best scaling efficiency any engine could reach here."""
    def launch():
        return subprocess.Popen([sys.executable, "-c", ONE_WORKER, *paths], stdout=subprocess.PIPE, text=True)

    def rate(process):
        return float(process.communicate()[0].split()[-1])

    alone = rate(launch())
    pair = [launch(), launch()]
    together = sum(rate(p) for p in pair)
    return {"name": "machine ceiling: two independent 1-worker jobs at once", "efficiency": together / alone / 2,
            "images": len(paths)}


KERAS = """
import json, sys, numpy as np, keras
from edge_infer.bench import row, timed
model = keras.saving.load_model(sys.argv[1])
crops, runs = np.load(sys.argv[2]), int(sys.argv[3])
rows = []
for batch in (1, 32):
    x = crops[:batch]
    rows.append(row(f"Keras model(x, training=False), batch {batch}",
                    timed(lambda: model(x, training=False), max(runs // 10, 20)), batch))
    rows.append(row(f"Keras model.predict, batch {batch}",
                    timed(lambda: model.predict(x, verbose=0), max(runs // 40, 10), 3), batch))
print(json.dumps(rows))
"""


def bench_keras(path: Path | None, runs: int, crops: np.ndarray) -> list[dict]:
    """The same model in Keras, timed in its own process so that edge_infer never imports TensorFlow."""
    if path is None or not path.is_file():
        return [{"name": "Keras", "skipped": "no .keras model (train one, or pass --keras PATH)"}]
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "crops.npy", crops)
        result = subprocess.run([sys.executable, "-c", KERAS, str(path), str(Path(tmp) / "crops.npy"), str(runs)],
                                capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if result.returncode != 0:
        reason = "TensorFlow is not installed (pip install '.[train]')" if "No module named" in result.stderr \
            else (result.stderr.strip().splitlines() or ["failed"])[-1][:100]
        return [{"name": "Keras", "skipped": reason}]
    return json.loads(result.stdout.strip().splitlines()[-1])


COLD_RUNTIME = """
import time; t0 = time.perf_counter()
import numpy as np
from edge_infer import DigitRecognizer
rec = DigitRecognizer(threads=1)
rec.classify(np.zeros((28, 28), np.uint8))
print(time.perf_counter() - t0)
"""

COLD_KERAS = """
import time; t0 = time.perf_counter()
import numpy as np, keras
model = keras.saving.load_model({path!r})
model(np.zeros((1, 28, 28, 1), np.float32), training=False)
print(time.perf_counter() - t0)
"""

RESIDENT = """
import numpy as np
from edge_infer import DigitRecognizer
frames = np.load({path!r})
rec = DigitRecognizer(threads=1)
for _ in range(10):
    for f in frames:
        rec.recognize(f)
try:  # VmHWM, not ru_maxrss: on Linux the latter keeps the parent's peak across fork and exec
    print([int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM")][0])
except OSError:  # macOS: ru_maxrss is in bytes and per process
    import resource
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _fresh(code: str, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """(wall seconds of the whole process, seconds the code itself reports), per fresh interpreter."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    wall, inside = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        wall.append(time.perf_counter() - start)
        inside.append(float(out.stdout.strip().splitlines()[-1]))
    return np.array(wall), np.array(inside)


def bench_process(keras_path: Path | None, repeats: int, frames: list) -> list[dict]:
    rows = []
    wall, inside = _fresh(COLD_RUNTIME, repeats)
    rows.append({"name": "cold start, edge_infer: import + load + first result", "median_s": float(np.median(inside)),
                 "process_wall_s": float(np.median(wall))})
    if keras_path and keras_path.is_file():
        try:
            wall, inside = _fresh(COLD_KERAS.format(path=str(keras_path)), max(repeats // 2, 1))
            rows.append({"name": "cold start, Keras: import + load + first result",
                         "median_s": float(np.median(inside)),
                         "process_wall_s": float(np.median(wall))})
        except subprocess.CalledProcessError:
            rows.append({"name": "cold start, Keras", "skipped": "TensorFlow is not installed"})
    with tempfile.TemporaryDirectory() as tmp:  # frames made here, so the child never loads MNIST
        path = str(Path(tmp) / "frames.npy")
        np.save(path, np.stack([s.frame for s in frames]))
        rss = float(subprocess.run([sys.executable, "-c", RESIDENT.format(path=path)], capture_output=True, text=True,
                                   check=True).stdout.split()[-1])
    rows.append({"name": f"peak resident memory, recognizer after {10 * len(frames)} frames", "mib": rss / 2**20})
    return rows


GEMM = """
import time, numpy as np
a = np.random.default_rng(0).random((2048, 2048), np.float32)
a @ a
times = []
for _ in range(5):
    start = time.perf_counter()
    a @ a
    times.append(time.perf_counter() - start)
print(2 * 2048 ** 3 / min(times) / 1e9)
"""


def peak_gflops() -> tuple[float, str]:
    """One core's practical float32 peak: a 2048x2048 GEMM on one BLAS thread, measured now in a fresh process.

    OPENBLAS_CORETYPE is unset there, as a pinned older core type would hide this CPU's widest kernels.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", GEMM], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.split()[-1]), "float32 GEMM 2048^3 on one BLAS thread (numpy), best of 5"


def run(args: argparse.Namespace) -> dict:
    cv2.setNumThreads(args.threads)
    rec = DigitRecognizer(args.model, threads=args.threads)
    runs = 200 if args.quick else 1000
    digits = load_mnist().x_test[:64]
    crops = np.stack([fit_mnist(d.astype(np.float32) / 255) for d in digits[:32]])[..., None]
    frames = _frames(10 if args.quick else 20)
    figures = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "threads": args.threads, "model": str(rec.model.path)}
    figures["runtime"] = bench_runtime(rec, runs, digits, crops)
    figures["recognize"] = bench_recognize(rec, frames, 100 if args.quick else 400)
    figures["recognize"] += bench_tracking(rec)
    figures["recognize"] += bench_latency(rec, 3.0 if args.quick else 10.0)
    if args.photos:
        figures["recognize"] += bench_real_photos(rec, args.photos, 2 if args.quick else 5)
    figures["alternatives"] = bench_opencv_dnn(rec.model.path, runs, crops)
    keras_path = Path(args.keras) if args.keras else None
    figures["alternatives"] += bench_keras(keras_path, runs, crops)
    figures["process"] = bench_process(keras_path, 3 if args.quick else 7, frames)
    figures["batch"] = bench_batch(args.batch) if args.batch else []
    macs = int(rec.model.metadata.get("multiply_adds", 0))
    peak, how = peak_gflops()
    per_image = next(r for r in figures["runtime"] if r["name"] == "model only, batch 32")["median_us"]
    achieved = 2 * macs / (per_image * 1e-6) / 1e9 if macs else 0.0
    figures["compute"] = {"multiply_adds_per_image": macs, "flops_per_image": 2 * macs,
                          "achieved_gflops_batch32": achieved, "peak_gflops_one_core": peak, "peak_basis": how,
                          "fraction_of_peak": achieved / peak if peak else 0.0,
                          "quantization": rec.model.metadata.get("quantization", "float32")}
    figures["goals"] = _goals(figures)
    return figures


def _goals(f: dict) -> dict:
    def find(section, prefix):
        return next((r for r in f[section] if r["name"].startswith(prefix) and "skipped" not in r), None)

    recognize = find("recognize", "recognize()")
    classify = find("runtime", "model only, batch 1")
    cold = find("process", "cold start, edge_infer")
    keras = find("alternatives", "Keras model(x, training=False), batch 1")
    measured = {
        "recognize_640x480_ms": recognize["median_us"] / 1000,
        "classify_batch1_us": classify["median_us"],
        "cold_start_s": cold["median_s"],
    }
    if keras:
        measured["speedup_vs_keras_batch1"] = keras["median_us"] / classify["median_us"]
    tracking = find("recognize", "tracking per frame")
    if tracking:
        measured["tracking_ms"] = tracking["median_us"] / 1000
    for size in ("640x480", "1280x720"):
        latency = find("recognize", f"capture to annotated result, 30 fps camera {size}")
        if latency:
            measured[f"latency_{size}_p95_ms"] = latency["p95_us"] / 1000
    photo = find("recognize", "recognize(), real photo at 1")
    full = find("recognize", "recognize(), real photo at full")
    if photo:
        measured["real_photo_1280_ms"] = photo["median_us"] / 1000
        measured["real_photo_8mp_ms"] = full["median_us"] / 1000
    rates = {r["name"]: r["images_per_second"] for r in f.get("batch", []) if "images_per_second" in r}
    one, two = rates.get("digits-batch, local, 1 worker"), rates.get("digits-batch, local, 2 workers")
    if one and two:
        measured["batch_scaling_efficiency"] = two / one / 2
        ray = rates.get("digits-batch, Ray, 2 actors")
        if ray:
            measured["batch_ray_overhead"] = 1 - ray / two
    return {k: {"measured": v, "goal": GOALS[k],
                "met": v >= GOALS[k] if k in HIGHER_IS_BETTER else v <= GOALS[k]} for k, v in measured.items()}


def render(f: dict) -> str:
    lines = [f"digits-bench on {f['machine']}; {f['threads']} thread(s); model {Path(f['model']).name}", ""]
    lines.append(f"{'':58s} {'median':>11s} {'p95':>11s} {'throughput':>14s}")
    for section in ("runtime", "recognize", "alternatives"):
        for r in f[section]:
            if "skipped" in r:
                lines.append(f"{r['name']:58s} skipped: {r['skipped']}")
                continue
            scale, unit = (1000, "ms") if r["median_us"] >= 1000 else (1, "us")
            lines.append(f"{r['name']:58s} {r['median_us'] / scale:8.2f} {unit} {r['p95_us'] / scale:8.2f} {unit} "
                         f"{r['per_second']:9.0f} {r['unit']}/s")
        lines.append("")
    for r in f["process"]:
        if "skipped" in r:
            lines.append(f"{r['name']:58s} skipped: {r['skipped']}")
        elif "mib" in r:
            lines.append(f"{r['name']:58s} {r['mib']:8.0f} MiB")
        else:
            lines.append(f"{r['name']:58s} {r['median_s']:8.3f} s  (whole process {r['process_wall_s']:.2f} s)")
    for r in f.get("batch", []):
        if "skipped" in r:
            lines.append(f"{r['name']:58s} skipped: {r['skipped']}")
        elif "efficiency" in r:
            lines.append(f"{r['name']:58s} {r['efficiency']:8.2f} scaling efficiency ({r['images']} pages each)")
        elif "images_per_second" in r:
            lines.append(f"{r['name']:58s} {r['images_per_second']:8.1f} images/s  ({r['images']} pages "
                         f"1280x960 in {r['seconds']:.1f} s)")
        else:
            lines.append(f"{r['name']:58s} {r['seconds']:8.1f} s")
    c = f["compute"]
    lines += ["", f"model cost: {c['multiply_adds_per_image']:,} multiply-adds = {c['flops_per_image'] / 1e6:.1f} "
                  f"MFLOP per image; achieved {c['achieved_gflops_batch32']:.1f} GFLOP/s at batch 32 = "
                  f"{c['fraction_of_peak']:.0%} of one core's practical peak ({c['peak_gflops_one_core']:.0f} GFLOP/s: "
                  f"{c['peak_basis']})" + ("" if c["quantization"] == "float32" else
                                          f"; the model is {c['quantization']}, whose ceiling is higher"),
              "", "goals:"]
    for name, g in f["goals"].items():
        lines.append(f"  {name:28s} measured {g['measured']:9.3f}  goal {'>=' if name in HIGHER_IS_BETTER else '<='} "
                     f"{g['goal']:g}  {'met' if g['met'] else 'MISSED'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="digits-bench", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    add_version(parser)
    parser.add_argument("--model", help="ONNX model (default: the shipped one)")
    parser.add_argument("--keras", default="runs/cnn/model.keras", help="the same model as .keras, for comparison")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--photos", type=Path, help="a folder of labelled real photos (labels.json, images/) to time, "
                        "such as ../shared/realphotos")
    parser.add_argument("--batch", type=int, default=0, metavar="N",
                        help="also time digits-batch on N generated 1280x960 pages (the goals use 1000)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    from edge_infer.files import write_text

    def job():
        figures = run(args)
        print(render(figures))
        if args.json:
            write_text(args.json, json.dumps(figures, indent=1))

    return run_cli(job)


if __name__ == "__main__":
    raise SystemExit(main())
