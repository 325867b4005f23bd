"""digits-bench runs end to end and reports every figure it promises (speeds are not asserted: it is a benchmark)."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli


@pytest.mark.slow
def test_bench_reports_all_figures(tmp_path, small_keras_model, mnist):
    out = tmp_path / "bench.json"
    photos = _photos(tmp_path / "photos", mnist)
    result = run_cli("edge_infer.bench", "--quick", "--keras", str(small_keras_model), "--json", str(out),
                     "--photos", str(photos))
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(out.read_text())
    names = [r["name"] for section in ("runtime", "recognize", "alternatives") for r in figures[section]]
    for expected in ("model only, batch 1", "model only, batch 32", "recognize(), 640x480", "  segmentation",
                     "  normalisation", "  inference", "cv2.dnn.readNetFromONNX, batch 1",
                     "Keras model(x, training=False), batch 1", "Keras model.predict, batch 32",
                     "recognize(), real photo at 1280 px, 2 images", "recognize(), real photo at full size",
                     "file to digits, 2 photos 2560+ px, decoded whole",
                     "file to digits, 2 photos 2560+ px, decoded smaller",
                     "tracking per frame", "capture to annotated result, 30 fps camera 640x480",
                     "capture to annotated result, 30 fps camera 1280x720"):
        assert any(name.startswith(expected) for name in names), expected
    from edge_infer.model import float_model_path, int8_path

    int8 = int8_path(float_model_path()).is_file()  # the default model is then the int8 one, and the float is timed
    assert any(name.startswith("float32 model") for name in names) == int8 != any(name.startswith("int8 model")
                                                                                   for name in names)
    timed = [r for section in ("runtime", "recognize") for r in figures[section]]
    assert all(0 < r["median_us"] <= r["p95_us"] and r["per_second"] > 0 for r in timed)
    process = {r["name"].split(":")[0]: r for r in figures["process"]}
    assert 0 < process["cold start, edge_infer"]["median_s"] < process["cold start, edge_infer"]["process_wall_s"]
    assert "cold start, Keras" in process
    assert 20 < next(r["mib"] for r in figures["process"] if "mib" in r) < 1000
    compute = figures["compute"]
    assert compute["flops_per_image"] == 2 * compute["multiply_adds_per_image"] > 0
    assert 0 < compute["fraction_of_peak"] and compute["peak_gflops_one_core"] > 0
    assert set(figures["goals"]) == {"recognize_640x480_ms", "classify_batch1_us", "cold_start_s",
                                     "speedup_vs_keras_batch1", "real_photo_1280_ms", "real_photo_8mp_ms",
                                     "tracking_ms", "latency_640x480_p95_ms", "latency_1280x720_p95_ms"}
    assert "goals:" in result.stdout and "recognize(), 640x480 frame" in result.stdout


def _photos(folder, mnist):
    """A labelled folder of two generated 2560x1920 pages, as ../shared/realphotos is laid out."""
    import cv2

    from edge_infer.pages import PageGenerator

    (folder / "images").mkdir(parents=True)
    generator = PageGenerator(seed=2, size=(2560, 1920), digits=mnist.x_test, labels=mnist.y_test)
    entries = []
    for layout in ("grid", "words"):
        scene = generator.page(layout)
        cv2.imwrite(str(folder / "images" / f"{layout}.jpg"), scene.frame)
        entries.append({"file": f"{layout}.jpg", "lines": [text for _, text in scene.numbers]})
    (folder / "labels.json").write_text(json.dumps(entries))
    return folder
