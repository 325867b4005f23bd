"""Real pages: grids and boxes, touching digits, words, symbols and print, photos of any size.

Measured on the labelled real photos in ../shared/realphotos (which CI has beside the
repository) and on the generator's pages of each layout, through the shipped model.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from conftest import ROOT
from edge_infer import DigitRecognizer, glyphs, realphotos, segment
from edge_infer.pages import LAYOUTS, LIGHT_INK, PageGenerator, measure_pages
from edge_infer.capture import read_image, read_photo
from edge_infer.segment import MAX_SIDE
from edge_infer.group import match
from edge_infer.scenes import SceneGenerator

REAL = ROOT.parent / "shared" / "realphotos"
needs_real = pytest.mark.skipif(not (REAL / "labels.json").is_file(),
                                reason="../shared/realphotos is not beside the repository")


@pytest.fixture(scope="module")
def rec():
    return DigitRecognizer()


@pytest.fixture(scope="module")
def real(rec):
    return realphotos.measure(rec, REAL)


# -- the real photos ------------------------------------------------------------------------------
@needs_real
@pytest.mark.slow
def test_real_photos(real):
    """The issue's figures on ../shared/realphotos (25 images, 631 digits), measured at 1280 px.

    Each figure is asserted at its target, with what this model measures beside it.
    """
    pages, result = real
    print(json.dumps(result))
    assert result["images"] == 25 and result["digits"] == 631
    assert result["recall"] >= 0.93  # target 0.93 (measured 0.979)
    assert result["precision"] >= 0.95  # target 0.95 (measured 0.972)
    assert result["cer"] <= 0.10  # target 0.10 (measured 0.045)
    assert result["detections_per_negative"] <= 0.5  # target 0.5 (measured 0.33: one detection on three pages)


@needs_real
@pytest.mark.slow
def test_full_size_photo_reads_like_its_1280_copy(rec):
    """An 8 MP phone photo and its 1280 px copy are read at the same working scale, so they give the same digits."""
    labels = json.loads((REAL / "labels.json").read_text())
    big = [e["file"] for e in labels if e["width"] * e["height"] >= 8_000_000][:3]
    assert big
    for name in big:
        image = read_image(REAL / "images" / name)
        full, _ = realphotos.read_page(rec, image)
        copy, _ = realphotos.read_page(rec, realphotos.shrink_to(image, 1280))
        assert realphotos.edit_distance("".join(full), "".join(copy)) <= 0.05 * len("".join(copy)) + 1, name


@needs_real
def test_big_photos_decoded_smaller_read_as_well_as_their_1280_copies(rec):
    """digits-batch and digits-cam decode a big JPEG smaller, as libjpeg scales it (``read_photo``): on the real
    photos of 8 MP and more, that copy finds as many of the handwritten digits as the 1280 px copy made by
    pixel-area averaging, and reads those of the pages without printed digits about as well. A page may read
    otherwise, as at any size near 1280 px: the iPhone sudoku's grid takes in part of a row at 1200, 1250, 1300
    and 1400 px as it does from the smaller decoding."""
    labels = [e for e in json.loads((REAL / "labels.json").read_text()) if e["width"] * e["height"] >= 8_000_000]
    copies, smaller = [], []
    for entry in labels:
        path = REAL / "images" / entry["file"]
        for pages, image in ((copies, realphotos.shrink_to(read_image(path), 1280)),
                             (smaller, read_photo(path, MAX_SIDE).image)):
            pages.append(realphotos.Page(entry["file"], list(entry["lines"]), realphotos.read_page(rec, image)[0],
                                         bool(entry.get("printed_digits")), 0.0))
    found, edits = ([sum(p.matched for p in pages) for pages in (smaller, copies)],
                    [sum(p.errors for p in pages if not p.printed_digits) for pages in (smaller, copies)])
    assert len(labels) >= 6 and found[0] >= found[1] - 1, found  # 451 of 456 each, when written
    assert edits[0] <= edits[1] + 2, edits  # a regression alarm: 7 edits against 5 in 205 digits, when written


@needs_real
@pytest.mark.slow
def test_real_photos_inverted_read_alike(rec):
    """Each real photo without printed digits, inverted (light writing on a dark ground, as chalk on a board), reads
    with ink="auto" as it does as it is with the default (dark) ink: the ink's polarity is read from the frame. Read
    as dark ink, the inverted page loses its digits."""
    labels = [e for e in json.loads((REAL / "labels.json").read_text()) if not e["printed_digits"] and e["lines"]]
    assert len(labels) >= 8
    auto = DigitRecognizer(ink="auto")
    for entry in labels:
        image = realphotos.shrink_to(read_image(REAL / "images" / entry["file"]), 1280)
        as_is = realphotos.read_page(rec, image)[0]
        assert realphotos.read_page(auto, 255 - image)[0] == realphotos.read_page(auto, image)[0] == as_is, \
            entry["file"]
    assert len("".join(realphotos.read_page(rec, 255 - image)[0])) < 0.5 * len("".join(as_is))


def test_realphotos_command_reports_every_image(tmp_path, mnist):
    """The command on a small labelled folder made here: per-image lines, totals, and a negative page."""
    from conftest import run_cli

    folder = tmp_path / "photos"
    (folder / "images").mkdir(parents=True)
    generator = PageGenerator(seed=4, digits=mnist.x_test, labels=mnist.y_test)
    entries = []
    for i, layout in enumerate(("touching", "boxes")):
        scene = generator.page(layout)
        cv2.imwrite(str(folder / "images" / f"p{i}.png"), scene.frame)
        entries.append({"file": f"p{i}.png", "lines": [t for _, t in scene.numbers]})
    cv2.imwrite(str(folder / "images" / "blank.png"), generator.blank().frame)
    entries.append({"file": "blank.png", "lines": []})
    (folder / "labels.json").write_text(json.dumps(entries))
    result = run_cli("edge_infer.realphotos", str(folder))
    assert result.returncode == 0, result.stderr
    assert all(e["file"] in result.stdout for e in entries)
    assert "detections_per_negative" in result.stdout and "median_ms" in result.stdout
    totals = json.loads(run_cli("edge_infer.realphotos", str(folder), "--json").stdout)
    assert totals["images"] == 3 and totals["recall"] > 0.5  # measured 0.62 on these two pages
    sizes = run_cli("edge_infer.realphotos", str(folder), "--max-side", "320,0")  # an image a row, a size a column
    assert sizes.returncode == 0, sizes.stderr
    header, *rows = sizes.stdout.splitlines()
    assert header.split() == ["true", "320", "full"]
    assert all(any(line.startswith(e["file"]) and len(line.split()) == 4 for line in rows) for e in entries)
    both = json.loads(run_cli("edge_infer.realphotos", str(folder), "--max-side", "320,0", "--json").stdout)
    assert [t["max_side"] for t in both] == [320, 0] and both[1] == {**totals, "median_ms": both[1]["median_ms"],
                                                                      "max_side": 0}
    bad = run_cli("edge_infer.realphotos", str(folder), "--max-side", "12x0")
    assert bad.returncode == 2 and "is no size" in bad.stderr and "Traceback" not in bad.stderr


def test_realphotos_command_bad_folder(tmp_path):
    from conftest import assert_clean_error, run_cli

    assert_clean_error(run_cli("edge_infer.realphotos", str(tmp_path)), "labels.json")


# -- generated pages of each layout -----------------------------------------------------------------
@pytest.mark.slow
def test_generated_pages_of_every_layout(rec, mnist):
    """Each layout on paper is read: digits in grids, boxes and tables, touching, in pencil, among words, sums,
    marks, print and show-through, and on a desk. Regression alarms pinned under what seed 3 measures."""
    result = measure_pages(rec, PageGenerator(seed=3, digits=mnist.x_test, labels=mnist.y_test), pages=6)
    print(json.dumps({k: (round(v["recall"], 3), round(v["precision"], 3)) for k, v in result.items()}))
    assert set(result) == {*LAYOUTS, "all"} - set(LIGHT_INK)
    for layout, (recall, precision) in PAGES.items():
        assert result[layout]["recall"] >= recall, layout
        assert result[layout]["precision"] >= precision, layout


@pytest.mark.slow
def test_generated_boards_read_in_light_ink(mnist):
    """Chalk on a board: numbers among chalk words, over the haze of wiped writing. Read with ink="light" or "auto"
    (the board's polarity read from each page), alike; read as dark ink, none of its digits is found (what is read
    is bits of the board between strokes). Regression alarms:
    seed 3 measures recall 0.894 and precision 0.854 (chalk words read as digits, as on the words pages)."""
    def board(ink):
        generator = PageGenerator(seed=3, digits=mnist.x_test, labels=mnist.y_test)
        return measure_pages(DigitRecognizer(ink=ink), generator, 6, ["board", "words"])
    light, auto = board("light"), board("auto")
    assert set(light) == {"board", "all"} and set(auto) == {"board", "words", "all"}
    assert all(light["board"][k] == auto["board"][k] for k in ("digits", "detections", "recall", "precision"))
    assert light["board"]["recall"] >= 0.84 and light["board"]["precision"] >= 0.80
    dark = DigitRecognizer(ink="dark")
    page = PageGenerator(seed=3, digits=mnist.x_test, labels=mnist.y_test).page("board")
    assert page.digits and not match([box for box, _ in page.digits], [d.box for d in dark.recognize(page.frame)])


@pytest.mark.slow
def test_pencil_digits_crossing_paper_rules_keep_their_strokes(rec, mnist):
    """Seed 13's pencil pages: faint digits on ruled paper, rules running through them. A rule was subtracted over
    the whole band its search had smeared it to (9 px for glyphs 30 px tall, for a tilt of up to 4 degrees), and a
    pencil stroke, as faint as the rule, lost as much: digits fell apart at the rules, recall 0.756. Now only the
    rule's own pixels go, with 2 px of its blurred edges (1 px read a small 9 beside a rule's remnant as a 1 in a
    generated clip). A regression alarm: measured 0.800."""
    read = measure_pages(rec, PageGenerator(seed=13, digits=mnist.x_test, labels=mnist.y_test), 6, ["pencil"])["pencil"]
    assert read["recall"] >= 0.78 and read["precision"] >= 0.88


def test_pages_are_reproducible(mnist):
    a = PageGenerator(seed=9, digits=mnist.x_test, labels=mnist.y_test).page("grid")
    b = PageGenerator(seed=9, digits=mnist.x_test, labels=mnist.y_test).page("grid")
    assert np.array_equal(a.frame, b.frame) and a.digits == b.digits and a.digits
    with pytest.raises(ValueError, match="unknown layout"):
        PageGenerator(seed=9, digits=mnist.x_test, labels=mnist.y_test).page("poster")


# -- the steps, on pages made here --------------------------------------------------------------------
def _paper(height=480, width=640):
    return np.full((height, width), 235, np.uint8)


def _digit(mnist, digit, nth=0):
    return mnist.x_test[np.flatnonzero(mnist.y_test == digit)[nth]]


def _write(page, image, x, y, height):
    """Write an MNIST digit as dark ink ``height`` px tall with its top-left at (x, y); return its box."""
    ys, xs = np.nonzero(image > 30)
    crop = image[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    width = max(1, round(crop.shape[1] * height / crop.shape[0]))
    alpha = cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    region = page[y:y + height, x:x + width]
    region[:] = (region * (1 - alpha) + 40 * alpha).astype(np.uint8)
    return (x, y, width, height)


def test_digits_in_a_grid_touching_its_lines_are_read(rec, mnist):
    """A 6x6 grid of thick lines; digits in some cells, two of them written against a wall. The 3 was split into a
    "1" (the end of its top stroke, half its height) and a 3, until a split's parts had to share its height."""
    page, cell, x0, y0 = _paper(), 60, 140, 40
    for i in range(7):
        cv2.line(page, (x0 + i * cell, y0), (x0 + i * cell, y0 + 6 * cell), 30, 4)
        cv2.line(page, (x0, y0 + i * cell), (x0 + 6 * cell, y0 + i * cell), 30, 4)
    truth = {}
    for k, (row, col, digit) in enumerate([(0, 0, 3), (0, 3, 7), (2, 1, 5), (3, 4, 2), (5, 2, 8), (4, 5, 6)]):
        dx = 3 if k in (1, 4) else 18  # against the left wall, or clear of it
        box = _write(page, _digit(mnist, digit), x0 + col * cell + dx, y0 + row * cell + 12, 36)
        truth[box] = digit
    found = rec.recognize(page)
    assert sorted(d.digit for d in found) == sorted(truth.values())
    assert all(d.box[2] < cell and d.box[3] < cell for d in found)  # no region spans a wall


def test_pieces_of_a_digit_a_paper_rule_cut_are_merged_across_it():
    """Two stacked pieces with a paper rule between them are one digit when both are less than a glyph tall and
    the smaller less than WHOLE of one; a piece taller than a glyph (a keyboard round a note), a straight bar (a
    table's side), or a form's wall between them keep them apart, and without a known glyph height the rule parts
    them as before."""
    walls = np.zeros((200, 200), np.uint8)
    rules = walls.copy()
    rules[50, :] = walls[50, :] = 255  # a paper rule at y = 50
    walls[150, :] = 255  # a form's wall at y = 150
    top, foot = (20, 24, 20, 25), (22, 51, 18, 10)  # a 2 written on the rule: its base, cut off below it
    assert segment._merge_pieces([top, foot], walls, 40.0, rules) == [[0, 1]]
    assert segment._merge_pieces([top, foot], walls, 40.0) == [[0], [1]]  # every wall parts them
    assert segment._merge_pieces([top, foot], walls, 0.0, rules) == [[0], [1]]  # no glyph height to go by
    big = (10, 0, 60, 49)  # taller than a glyph: a desk or a keyboard round a note
    assert segment._merge_pieces([big, foot], walls, 40.0, rules) == [[0], [1]]
    bar = (28, 51, 3, 10)  # a table's side, or what is left of a rule
    assert segment._merge_pieces([top, bar], walls, 40.0, rules) == [[0], [1]]
    above, below = (20, 124, 20, 25), (22, 151, 18, 10)  # across the form's wall: two cells
    assert segment._merge_pieces([above, below], walls, 40.0, rules) == [[0], [1]]


@pytest.mark.slow
def test_digits_cut_by_paper_rules_are_read_whole(rec, mnist):
    """Generated pages where a paper rule, subtracted in grey, cut a digit's stroke that lay along it: a pencil 5
    (seed 17), a 9 touching its neighbour (seed 7), a 2 in a sum (seed 5), each read before as a part or not at
    all. A regression alarm: each count is the one measured, one more than before pieces merged across a rule."""
    for seed, layout, pages, found in ((17, "pencil", 1, 12), (7, "touching", 2, 19), (5, "math", 3, 38)):
        read = measure_pages(rec, PageGenerator(seed=seed, digits=mnist.x_test, labels=mnist.y_test), pages,
                             [layout])[layout]
        assert round(read["recall"] * read["digits"]) >= found, (seed, layout)


@pytest.mark.slow
def test_digits_on_squared_paper_whose_lines_break_are_read(rec, mnist):
    """Squared paper whose faint lines break in places, under thick digits (seed 7's 111th camera scene): the line
    fragments left in the cells where the lines broke are no glyphs, so the paper is no form whose walls go, with
    the digits crossing them."""
    generator = SceneGenerator(seed=7, digits=mnist.x_test, labels=mnist.y_test)
    for _ in range(111):
        scene = generator.scene()
    assert sorted(text for _, text in scene.numbers) == ["379", "6"]  # the scene this test was written on
    assert sorted(n.text for n in rec.read_numbers(scene.frame)) == ["379", "6"]


def test_digits_in_date_boxes_and_no_box_sides(rec, mnist):
    """Eight boxes sharing their sides, a digit in each: eight digits, and no side read as a 1."""
    page, size, x0, y0 = _paper(), 48, 100, 150
    for i in range(8):
        cv2.rectangle(page, (x0 + i * size, y0), (x0 + (i + 1) * size, y0 + size), 40, 2)
    digits = [1, 5, 0, 3, 2, 0, 1, 6]
    for i, digit in enumerate(digits):
        _write(page, _digit(mnist, digit, i), x0 + i * size + 14, y0 + 8, 32)
    assert [d.digit for d in rec.recognize(page)] == digits


def test_a_digit_joining_a_thin_wall_of_a_tilted_row_of_boxes_keeps_none_of_it(rec, mnist):
    """A row of thin-walled boxes sharing their sides, photographed a little tilted, one digit against its left
    wall: the wall between two cells goes, and the digit is read. The cells' hulls meet across a wall 1 or 2 px
    thick; shrunk together, they kept the wall where they met, a stub joined to the digit (a real form's 5 read
    as no digit), and the recognizer before read 4 of these 32 rows wrong."""
    digits = [9, 0, 2, 9, 5, 3, 7, 4]
    for tilt in (1.5, -1.0):
        for thickness in (1, 2):
            for touching in range(len(digits)):
                page, size, x0, y0 = _paper(), 56, 90, 150
                for i in range(len(digits)):
                    cv2.rectangle(page, (x0 + i * size, y0), (x0 + (i + 1) * size, y0 + 36), 40, thickness)
                for i, digit in enumerate(digits):
                    left = x0 + i * size + (thickness if i == touching else 16)  # against the wall, or centred
                    _write(page, _digit(mnist, digit, i), left, y0 + 6, 24)
                page = cv2.warpAffine(page, cv2.getRotationMatrix2D((320, 240), tilt, 1.0), (640, 480),
                                      borderValue=235)
                read = "".join(str(d.digit) for d in rec.recognize(cv2.GaussianBlur(page, (0, 0), 0.8)))
                assert read == "90295374", (tilt, thickness, touching, read)


def test_a_number_written_a_digit_to_a_box_is_one_number(rec, mnist):
    """A date in eight boxes drawn apart, a digit centred in each, farther apart than the digits of one number are:
    one number, and each digit knows its box. The same digits in the cells of a 2x4 grid, or in wide cells of a
    table's row, stay apart (a puzzle's or a table's cells are no field of one number)."""
    def page_of(boxes):
        page = _paper()
        for i, (x, y, w, h) in enumerate(boxes):
            cv2.rectangle(page, (x, y), (x + w, y + h), 40, 2)
            _write(page, _digit(mnist, [1, 5, 0, 3, 2, 0, 1, 6][i], i), x + w // 2 - 8, y + (h - 28) // 2, 28)
        return page

    row = [(40 + i * 62, 150, 50, 50) for i in range(8)]
    numbers = rec.read_numbers(page_of(row))
    assert [n.text for n in numbers] == ["15032016"]
    assert [d.cell for d in numbers[0].digits] == [pytest.approx(box, abs=4) for box in row]
    grid = [(40 + (i % 4) * 54, 100 + (i // 4) * 54, 54, 54) for i in range(8)]
    grid_numbers = rec.read_numbers(page_of(grid))
    assert sorted(len(n.text) for n in grid_numbers) == [1] * 8
    table = [(40 + i * 140, 150, 140, 50) for i in range(4)]
    assert [n.text for n in rec.read_numbers(page_of(table))] == ["1", "5", "0", "3"]


def test_digits_against_the_thick_walls_of_small_boxes_are_kept(rec, mnist):
    """Eight boxes of thick (6 px) blurred walls, their digits 28 px tall in 48 px cells, every other one written
    against a wall, and a larger number below that sets the page's glyph height: all are read. When the cells'
    hulls were shrunk by the walls' whole thickness, they kept too little of the digits by the walls, and
    "20771853" was read."""
    page, size, wall, x0, y0 = _paper(), 48, 6, 120, 100
    for i in range(8):
        cv2.rectangle(page, (x0 + i * size, y0), (x0 + (i + 1) * size, y0 + size), 40, wall)
    digits = [2, 0, 0, 6, 7, 7, 1, 9]
    for i, digit in enumerate(digits):
        image = _digit(mnist, digit, i)
        ys, xs = np.nonzero(image > 30)
        width = round((xs.max() - xs.min() + 1) * 28 / (ys.max() - ys.min() + 1))
        left = x0 + i * size + wall // 2 + 1 if i % 2 else x0 + i * size + (size - width) // 2
        _write(page, image, left, y0 + 10, 28)
    x = 150
    for digit in (8, 5, 3):
        x += _write(page, _digit(mnist, digit), x, 300, 44)[2] + 14
    page = cv2.GaussianBlur(page, (0, 0), 1.2)
    assert "".join(str(d.digit) for d in rec.recognize(page)) == "20067719853"


def test_empty_fields_and_tick_boxes_are_not_zeros(rec, mnist):
    """A printed form's empty field or tick box, blurred as in a photo, 12 to 24 px tall and up to twice as wide: none
    is read, though the recognizer before the empty-box rule read 4 of these 24 as a 0 (confidence up to 0.97), as it
    read a field on a generated page of print. A tick in a box goes with it; the 0s of a number written beside
    boxes are read."""
    noise = np.random.default_rng(0)
    for tall in (12, 16, 20, 24):
        for ratio in (1.0, 1.5, 2.0):
            page = np.full((120, 200), 225, np.uint8)
            cv2.rectangle(page, (80, 40), (80 + int(tall * ratio), 40 + tall), 50, 2)
            if tall == 20 and ratio == 1.0:
                cv2.polylines(page, [np.array([[84, 50], [88, 56], [96, 44]], np.int32)], False, 40, 2)
            for blur in (1.2, 1.6):
                photo = cv2.GaussianBlur(page, (0, 0), blur) + noise.normal(0, 4, page.shape)
                found = rec.recognize(np.clip(photo, 0, 255).astype(np.uint8))
                assert not found, f"a box {tall} px tall, {ratio}x as wide, blurred by {blur}: {found}"
    page = _paper()
    x = 60
    for digit in (3, 0, 5, 0):
        x += _write(page, _digit(mnist, digit, 3), x, 60, 40)[2] + 10
    for i, (wide, tall) in enumerate(((40, 22), (34, 24), (30, 30), (26, 26), (44, 36))):
        cv2.rectangle(page, (300 + 60 * i, 70), (300 + 60 * i + wide, 70 + tall), 60, 1 + i % 2)
    assert [n.text for n in rec.read_numbers(cv2.GaussianBlur(page, (0, 0), 1.2))] == ["3050"]


def test_a_number_in_a_shaded_field_is_read(rec, mnist):
    """A form's field shaded grey (10 to 30 % darker than the paper, as a worksheet's field for the pupil's answer):
    the number written in it is found whole (at 30 % its 6 reads as a 0), and the empty field gives nothing. Before
    the shade was taken for paper, at 20 and 30 % it read as ink joining the digits to the field's frame, and none
    of them was read."""
    noise = np.random.default_rng(1)
    for shade in (0.9, 0.8, 0.7):
        for digits in ((6, 0, 4, 7, 2), ()):
            page = _paper()
            page[200:256, 150:430] = int(235 * shade)
            cv2.rectangle(page, (150, 200), (430, 256), 40, 3)
            x = 165
            for i, digit in enumerate(digits):
                x += _write(page, _digit(mnist, digit, i), x, 211, 34)[2] + 12
            photo = cv2.GaussianBlur(page, (0, 0), 1.0) + noise.normal(0, 3, page.shape)
            photo = np.clip(photo, 0, 255).astype(np.uint8)
            read = [n.text for n in rec.read_numbers(photo)]
            if not digits:
                assert read == [], f"empty field shaded {shade}: {read}"
                plain, lifted = (np.median(segment.ink_map(photo, glyph=g)[212:244, 170:410]) for g in (0.0, 34.0))
                assert lifted < 255 * segment.WEAK / 2 and (shade > 0.8 or plain > 255 * segment.WEAK / 2), shade
                continue
            assert len(read) == 1 and len(read[0]) == len(digits), f"shade {shade}: {read}"
            right = sum(a == str(b) for a, b in zip(read[0], digits))
            assert right >= len(digits) - 1, f"shade {shade}: {read}"  # the 6 reads 0 at the darkest shade


def test_rules_underlines_and_paper_edges_are_not_digits(rec, mnist):
    page = _paper()
    cv2.line(page, (30, 300), (610, 304), 50, 2)  # an underline with a number on it
    for i, digit in enumerate((4, 7, 2)):
        _write(page, _digit(mnist, digit), 200 + 45 * i, 262, 38)
    cv2.line(page, (20, 20), (120, 470), 90, 3)  # the edge of a sheet, tilted
    cv2.line(page, (630, 0), (630, 479), 60, 2)
    assert [d.digit for d in rec.recognize(page)] == [4, 7, 2]


def test_a_darker_piece_of_a_frame_line_is_not_a_1(rec, mnist):
    """A form's faint frame line, printed a little darker and thicker for a stretch longer than the writing is
    tall: the stretch is what is left when the line goes, and the line goes on past both its ends, so it is
    no 1 (a worksheet scan showed four such). Before, only bars shorter than the writing could be such pieces."""
    page = _paper()
    cv2.line(page, (40, 40), (600, 40), 150, 1)  # the frame: faint lines a pixel wide, joined at the corners
    cv2.line(page, (40, 440), (600, 440), 150, 1)
    for x in (40, 600):
        cv2.line(page, (x, 40), (x, 440), 150, 1)
    cv2.line(page, (600, 250), (600, 280), 60, 3)  # darker for 30 px
    for i, digit in enumerate((4, 7, 2, 5)):
        _write(page, _digit(mnist, digit), 200 + 45 * i, 200, 24)
    assert [d.digit for d in rec.recognize(page)] == [4, 7, 2, 5]


def test_a_torn_sheets_edge_is_no_1(rec, mnist):
    """A torn sheet on a light desk: its edge casts a thin shadow that comes and goes along it, and each darker
    stretch, curved a little and alone, looked like a 1 (a real photo of a torn note gave three; before, these
    pages gave six each). The 1s written on the sheet, which end in paper, are still read."""
    for seed in range(4):
        rng = np.random.default_rng(seed)
        page = _paper()
        ys = np.arange(page.shape[0])
        edge = (120 + 30 * np.sin(ys / 70 + seed) + np.cumsum(rng.normal(0, 0.5, ys.size))).astype(int)  # the tear
        for y, x in zip(ys, edge):
            page[y, :x] = 205  # the desk, a little darker than the sheet
            page[y, x - 2:x + 1] = 120 if (y // 45) % 2 == 0 else 212  # the shadow: darker, then fainter stretches
        for i, digit in enumerate((1, 7, 1, 5)):
            _write(page, _digit(mnist, digit, i), 300 + 50 * i, 200, 40)
        assert [d.digit for d in rec.recognize(page)] == [1, 7, 1, 5], seed


def test_digits_on_a_note_whose_outline_shows_are_read(rec, mnist):
    """A note on a light desk shows by the dark line along its edge, one blob around all the writing. Taken for a
    glyph, it set the page's glyph height (300 px here) and every digit on the note was lost; a blob around
    other glyphs is now no glyph. Known gap: the outline's left side, left whole beside the desk's edge, is
    read as a 1."""
    page = np.full((480, 640), 205, np.uint8)  # the desk
    cv2.rectangle(page, (90, 40), (370, 350), 235, -1)  # the note ...
    cv2.polylines(page, [np.int32([[90, 60], [90, 40], [370, 40], [370, 350], [90, 350], [90, 120]])], False, 110, 2)
    for i, digit in enumerate((2, 3, 1, 8)):  # ... and its outline, open on one side, where its shadow fades
        _write(page, _digit(mnist, digit, i), 160 + 45 * i, 180, 36)
    assert segment.layers(page).glyph == pytest.approx(36, abs=4)
    inside = [d.digit for d in rec.recognize(page) if d.box[0] > 100]  # (the outline's left side reads as a 1)
    assert inside == [2, 3, 1, 8]


def test_touching_digits_are_split(rec, mnist):
    """Pairs written so that they touch: each is read as its two digits, never as one."""
    read_right = 0
    for k, (a, b) in enumerate([(4, 7), (2, 3), (5, 0), (8, 6), (9, 1), (3, 5)]):
        page = _paper()
        x, y, w, h = _write(page, _digit(mnist, a, k), 200, 150, 60)
        right = _write(page, _digit(mnist, b, k), 200 + w - 4, 150, 60)  # overlapping by 4 px
        found = rec.recognize(page)
        assert len(found) != 1 or found[0].confidence < 0.9, (a, b)  # a pair is never one sure digit
        read_right += [d.digit for d in found] == [a, b] and found[1].box[0] >= right[0] - 10
    assert read_right >= 5


def test_a_digit_wider_than_tall_is_split_from_its_neighbour(rec, mnist):
    """A 2, 5 or 7 drawn wider than tall touching another digit, on either side: a split's part may be up to
    split.WIDEST x the pair's height wide. MNIST's test set holds 1 digit in 13 wider than 1.1 x its height and 1 in
    80 wider than 1.4 (split.WIDEST's comment). With parts at most 1.1 x as wide, 13 of these 24 pairs were read right
    (the wide digit's part was never tried); now 23."""
    def aspect(image):
        ys, xs = np.nonzero(image > 30)
        return (xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1)

    aspects = np.array([aspect(image) for image in mnist.x_test])
    assert 1 / 14 < np.mean(aspects > 1.1) < 1 / 12 and 1 / 90 < np.mean(aspects > 1.4) < 1 / 70
    wide = [i for i in np.flatnonzero((aspects >= 1.15) & (aspects <= 1.35)) if mnist.y_test[i] in (2, 5, 7)]
    read_right = 0
    for k, i in enumerate(wide[:12]):
        other = [3, 4, 8, 1, 6, 9][k % 6]
        for pair in (((mnist.x_test[i], int(mnist.y_test[i])), (_digit(mnist, other, k), other)),
                     ((_digit(mnist, other, k), other), (mnist.x_test[i], int(mnist.y_test[i])))):
            page = _paper()
            _, _, w, _ = _write(page, pair[0][0], 200, 150, 60)
            _write(page, pair[1][0], 200 + w - 4, 150, 60)  # overlapping by 4 px
            read_right += [d.digit for d in rec.recognize(page)] == [pair[0][1], pair[1][1]]
    assert read_right >= 21  # measured 23 of 24


@pytest.mark.skipif(not glyphs.fonts("handwriting"),
                    reason="handwriting fonts are not installed (scripts/setup.sh dev installs them)")
def test_letters_words_and_symbols_are_not_digits(rec):
    """Handwritten capitals and words (O, I, S, Z and B among them), and a sum's symbols alone, give no digits.
    The o of "who" and of "do" were read as 0s until an x-height letter beside an ascender counted as a letter."""
    rng = np.random.default_rng(1)
    found = 0
    for text in ("SOIL ZONE", "BASIL", "who do you think", "PIYUSH SANTWANI", "+ x = ( )"):
        page = _paper()
        alpha = glyphs.render(text, 40, rng)[:, :600]
        h, w = alpha.shape
        page[150:150 + h, 20:20 + w] = (page[150:150 + h, 20:20 + w] * (1 - alpha) + 40 * alpha).astype(np.uint8)
        found += len(rec.recognize(page))
    assert found <= 1  # measured 0 (2 before the x-height rule)


def test_a_sum_keeps_its_digits(rec, mnist):
    """56 x 3 + 7 written by hand: the digits are read, the operators are not."""
    rng = np.random.default_rng(2)
    page, x = _paper(), 40
    for item in ("5", "6", "x", "3", "+", "7"):
        if item.isdigit():
            x += _write(page, _digit(mnist, int(item), 3), x, 200, 44)[2] + 10
        else:
            alpha = glyphs.render(item, 30, rng)
            h, w = alpha.shape
            page[215:215 + h, x:x + w] = (page[215:215 + h, x:x + w] * (1 - alpha) + 40 * alpha).astype(np.uint8)
            x += w + 12
    assert "".join(str(d.digit) for d in rec.recognize(page)) == "5637"


def test_a_power_is_read_after_its_base(rec, mnist):
    """5 x 4² + 1: the raised 2 sits wholly above the 4's line, yet it is read right after the 4 (as the real
    worksheets are labelled), and it is still a number of its own. Before powers joined their line it came
    first, on a line of its own."""
    page, x = _paper(), 40
    for digit, raise_by, height in ((5, 0, 44), (4, 0, 44), (2, 30, 24), (1, 0, 44)):
        x += _write(page, _digit(mnist, digit, 4), x, 200 - raise_by, height)[2] + (6 if digit == 4 else 40)
    assert "".join(str(d.digit) for d in rec.recognize(page)) == "5421"
    assert sorted(n.text for n in rec.read_numbers(page)) == ["1", "2", "54"]


def test_an_x_height_letter_beside_an_ascender_is_a_letter():
    """The o of "do" and the a of "at", read as digits, stand on their ascender's baseline at half its height: they
    are letters. Digits as tall as the letters beside them ("No 25"), a power raised beside a tall letter ("b²"),
    a digit beside a tall bracket, and digits on both sides of a tall glyph, as close as a number's (a 4 of "246" run
    into writing that shows through from the back of the page, as on a generated show-through page), keep their
    digits. In "who do" the d has an o on either side, a word space from the first: both are letters."""
    from edge_infer.context import Glyph, in_words

    sure, none = np.eye(10, dtype=np.float32)[0], np.zeros(10, np.float32)
    pages = {  # (box, a digit?) left to right; the indices expected to be read as letters
        "do": ([((100, 100, 25, 42), False), ((128, 124, 20, 18), True)], {1}),
        "at": ([((100, 124, 20, 18), True), ((123, 104, 14, 38), False)], {0}),
        "No 25": ([((100, 100, 30, 40), False), ((133, 118, 22, 22), False), ((180, 100, 24, 40), True),
                   ((208, 100, 24, 40), True)], set()),
        "b²": ([((100, 100, 25, 42), False), ((128, 92, 14, 18), True)], set()),
        "(3": ([((100, 96, 10, 50), False), ((113, 124, 20, 18), True)], set()),
        "246": ([((344, 310, 22, 30), True), ((379, 284, 40, 56), False), ((416, 309, 22, 31), True)], set()),
        "who do": ([((21, 158, 37, 38), False), ((61, 177, 20, 17), True), ((99, 152, 25, 42), False),
                    ((124, 177, 20, 17), True)], {1, 3}),
    }
    for text, (written, letters) in pages.items():
        found = [Glyph(box, sure if is_digit else none) for box, is_digit in written]
        assert in_words(found, 0.5) == letters, text


def test_a_number_after_a_word_in_running_hand_is_no_part_of_it():
    """"here check 59": the number stands a word space after "check", whose letters run together, so it is a number
    of its own, though the run of glyphs holds two letters' glyphs (before, its digits were read as letters). Block
    capitals, apart or one to a box, keep a digit-like O among them in their word, however wide the gaps."""
    from edge_infer.context import Glyph, in_words

    sure, none = np.eye(10, dtype=np.float32)[0], np.zeros(10, np.float32)

    def glyphs_of(written):
        return [Glyph(box, sure if is_digit else none) for box, is_digit in written]

    running = [((0, 100, 60, 30), False), ((70, 100, 80, 32), False), ((165, 100, 18, 30), True),
               ((188, 100, 18, 30), True)]
    assert in_words(glyphs_of(running), 0.5) == set()
    capitals = [((x, 100, 24, 30), x == 68) for x in (0, 34, 68, 102, 136)]  # S P O I L, 10 px apart
    assert in_words(glyphs_of(capitals), 0.5) == {2}
    boxed = [((x, 100, 24, 30), x == 88) for x in (0, 44, 88, 132, 176)]  # one to a box, 20 px apart
    assert in_words(glyphs_of(boxed), 0.5) == {2}


def test_a_number_a_word_space_from_printed_or_block_letters_is_no_part_of_them():
    """Letters that stand apart, but closer to one another than to a number beside them, leave it a number: "YORK 93
    Ref" keeps its 93 (the O of YORK stays a letter), "only 27 Ref" its 27 (the l of only may be taller than the
    digits; the y beside them is not), and "RUPEES 716" its 716, though the S, digit-like and close to its E, is a
    letter. Not so a printed "of" (its o an x-height shorter than its f), a lone I, or an "so" as short as
    an x-height beside capitals: they are words."""
    from edge_infer.context import Glyph, in_words

    sure, none = np.eye(10, dtype=np.float32)[0], np.zeros(10, np.float32)

    def read(written):
        """``written``: (x, width, height, is a digit) per glyph, bottoms level; the x of those read as letters."""
        glyphs = [Glyph((x, 130 - h, w, h), sure if digit else none) for x, w, h, digit in written]
        return sorted(glyphs[i].box[0] for i in in_words(glyphs, 0.5))

    york = [(x, 24, 30, x == 56) for x in (0, 28, 56, 84)]  # Y O R K, 4 px apart
    ref = [(224, 24, 30, False), (251, 20, 30, False), (274, 16, 30, False)]
    assert read(york + [(140, 22, 30, True), (168, 22, 30, True)] + ref) == [56]
    only = [(0, 20, 26, False), (22, 14, 26, False), (38, 5, 34, True), (45, 12, 26, False)]  # its l is tall
    assert read(only + [(69, 24, 28, True), (99, 24, 28, True)] + ref) == [38]
    rupees = [(x, 22, 30, x == 125) for x in (0, 25, 50, 75, 100, 125)]  # R U P E E S, 3 px apart
    assert read(rupees + [(175, 18, 30, True), (199, 10, 30, True), (215, 20, 30, True)]) == [125]
    total, york_again = [(x, 18, 22, False) for x in (0, 20, 40, 60, 80)], [(x, 18, 22, False) for x in (170, 190)]
    assert read(total + [(120, 14, 16, True), (136, 10, 22, True)] + york_again) == [120, 136]  # "of"
    assert read(total + [(120, 6, 22, True)] + york_again) == [120]  # a lone I
    assert read(total + [(120, 13, 15, True), (135, 13, 15, True)] + york_again) == [120, 135]  # "so"


def test_round_brackets_around_digits_are_not_letters():
    """"(3 x 3)" from a real worksheet: a hand's round brackets are as wide for their height as letters are, but they
    reach above and below the digits they enclose, and leave them digits (both 3s were read as letters). Capitals
    beside digits stand level with them, and an O among them is still a letter."""
    from edge_infer.context import Glyph, in_words

    sure, none = np.eye(10, dtype=np.float32)[0], np.zeros(10, np.float32)
    sum_ = [((450, 597, 11, 31), False), ((469, 600, 12, 21), True), ((488, 602, 12, 13), False),
            ((509, 599, 13, 20), True), ((526, 595, 13, 31), False)]
    assert in_words([Glyph(box, sure if digit else none) for box, digit in sum_], 0.5) == set()
    word = [((x, 600, 16, 21), x == 470) for x in (450, 470, 490)]  # "NOT", an O between capitals
    assert in_words([Glyph(box, sure if digit else none) for box, digit in word], 0.5) == {1}


def test_letters_written_joined_count_as_the_letters_they_span():
    """A printed "college": c, o, l, l and a joined "ege", whose o and ls read as digits. The "ege" is two heights
    wide, so it counts two letters, three in all against three digits, and the o and ls are letters (counted a glyph
    each, two letters against three digits, they read "011", as on a generated page of print)."""
    from edge_infer.context import Glyph, in_words

    sure, none = np.eye(10, dtype=np.float32)[0], np.zeros(10, np.float32)
    college = [((346, 190, 10, 13), False), ((357, 190, 11, 13), True), ((369, 186, 10, 16), True),
               ((381, 186, 9, 16), True), ((391, 190, 35, 17), False)]
    glyphs = [Glyph(box, sure if digit else none) for box, digit in college]
    assert in_words(glyphs, 0.5) == {1, 2, 3}


def test_a_tall_glyph_does_not_draw_other_lines_into_its_own():
    """Boxes of a handheld frame: a tall 7 at the left edge spans the height of two lines. A line joins boxes
    through its last box, so "2189" beside the 7 is its line (and the "4" further right, a little lower, a number
    of its own in it), while "58", level with the 7's top, is a line of its own: with the line's whole span, all
    were one line, and the 4 below the 58 was read in it, "548"."""
    from edge_infer.context import Glyph
    from edge_infer.group import lines, runs

    boxes = [(0, 183, 45, 85), (182, 251, 35, 34), (237, 247, 16, 36), (273, 244, 33, 35), (325, 242, 22, 35),
             (471, 184, 30, 38), (517, 266, 18, 23), (520, 183, 29, 37)]
    found = lines([Glyph(b, np.zeros(10, np.float32)) for b in boxes])
    assert sorted([g.box[0] for g in line] for line in found) == [[0, 182, 237, 273, 325, 517], [471, 520]]
    numbers = sorted([g.box[0] for g in run] for line in found for run in runs(line))
    assert numbers == [[0], [182, 237, 273, 325], [471, 520], [517]]


def test_lines_take_a_power_but_not_a_line_above():
    """Pure geometry: a small box just above a line's upper half, right of its start, joins it with ``raised``; a
    line of small writing above a line, or left of its start, does not."""
    from edge_infer.context import Glyph
    from edge_infer.group import lines

    def at(x, y, w=30, h=40):
        return Glyph((x, y, w, h), np.zeros(10, np.float32))

    base = [at(0, 100), at(40, 100)]
    power = at(75, 75, 15, 22)  # bottom at 97: above the line's top (100), by less than 0.3 of its height
    assert [[g.box[0] for g in line] for line in lines(base + [power], raised=True)] == [[0, 40, 75]]
    assert len(lines(base + [power])) == 2  # without ``raised``: two lines, the power first
    small_line = [at(0, 70, 15, 22), at(20, 70, 15, 22), at(40, 70, 15, 22)]  # three boxes: writing, not a power
    assert len(lines(base + small_line, raised=True)) == 2
    left = at(-30, 75, 15, 22)  # left of the line's start: an index belongs after its base
    assert len(lines(base + [left], raised=True)) == 2


def test_glyph_height_and_working_scale(mnist):
    """The working scale comes from the glyphs: big writing is read on the small analysis copy, small writing
    on a copy large enough to bring it to TARGET_HEIGHT; boxes map back to the frame's pixels."""
    for height, factor in ((120, 1280 / segment.ANALYSIS_SIDE), (20, 1.0)):
        page = _paper(960, 1280)
        for i, digit in enumerate((3, 1, 4, 1, 5)):
            _write(page, _digit(mnist, digit, i), 100 + 150 * i, 300, height)
        layers = segment.layers(page)
        assert layers.factor == pytest.approx(factor)
        assert layers.glyph == pytest.approx(height / factor, rel=0.15)
        boxes = sorted(r.box for r in segment.segment(page))
        assert len(boxes) == 5 and all(abs(b[3] - height) <= max(3, 0.1 * height) for b in boxes)
    assert segment.glyph_height(np.zeros((100, 100), np.uint8)) == 0.0


def test_shrinking_by_a_whole_number_of_times_averages_whole_blocks():
    """A frame of odd height shrunk by half: each pixel is the mean of a 2x2 block (rounded), the last row left out;
    any other scale is OpenCV's area average of the whole frame."""
    frame = np.random.default_rng(0).integers(0, 256, (905, 1280), dtype=np.uint8)
    half = segment.shrink(frame, 0.5)
    blocks = frame[:904].reshape(452, 2, 640, 2).astype(np.float32).mean(axis=(1, 3))
    assert half.shape == (452, 640) and np.abs(half - blocks).max() <= 0.5
    third = segment.shrink(frame, 0.3)
    assert np.array_equal(third, cv2.resize(frame, (384, 272), interpolation=cv2.INTER_AREA))
    assert segment.shrink(frame, 1.0) is frame


# Generated pages, seed 3, 6 of each layout, each layout's pages from a stream of its own: (recall, precision)
# measured, minus about 0.05 (regression alarms). Measured: grid 0.920 0.990, boxes 0.861 1.0 (0.658 before a
# shaded field's shade was taken for paper), table 0.990 0.950, touching 0.934 1.0 (0.836 while a split's part was
# at most 1.1 x its height wide), pencil 0.982 1.0, words 0.912 0.963 (0.947 0.857 on the pages before words
# ended in ? or !), math 0.884 0.903 (its pages hold a field printed in dashes at times: 5 dashes read as 1s on 6
# pages), marks 0.829 0.971, print 1.0 0.929 (printed letters read as digits in words that hold more of them than
# letters), show-through 0.881 0.925 (it mirrors the words pages' writing), desk 0.906 1.0 (0.938 0.957 before
# the photos cut sheets and showed round corners), all 0.921 0.964.
PAGES = {"grid": (0.88, 0.95), "boxes": (0.81, 0.95), "table": (0.92, 0.90), "touching": (0.88, 0.95),
         "pencil": (0.93, 0.95), "words": (0.86, 0.91), "math": (0.82, 0.84), "marks": (0.78, 0.92),
         "print": (0.95, 0.86), "show-through": (0.83, 0.87), "desk": (0.85, 0.95), "all": (0.87, 0.91)}


def test_context_reads_digits_in_words_as_letters():
    """Letters (glyphs mostly non-digit) that outnumber the digits of their run take those digits along."""
    from edge_infer.context import Glyph, in_words

    def glyph(x, digit=None, height=40, width=28):
        p = np.zeros(10, np.float32)
        if digit is not None:
            p[digit] = 0.97
        return Glyph((x, 100, width, height), p)

    word = [glyph(0), glyph(34, 0), glyph(68), glyph(102, 1), glyph(136)]  # L O V I E: two digit-like glyphs
    assert in_words(word, 0.5) == {1, 3}
    number = [glyph(0, 5), glyph(34, 6), glyph(68, height=20, width=20), glyph(102, 3)]  # 56 x 3: a small x
    assert in_words(number, 0.5) == set()
    apart = [glyph(0), glyph(34), glyph(400, 7)]  # a digit far from the word is its own run
    assert in_words(apart, 0.5) == set()


def test_a_letter_joined_to_a_letter_and_to_a_glyph_taken_for_one_is_a_letter():
    """A real note's "think": the n written in two strokes, each read as a 1. The second stands beside the k's
    ascender, an x-height letter; the first, joined to the "th" and to it, is a letter of the word too. Two 1s
    standing apart from letters are still a number."""
    from edge_infer.context import Glyph, in_words

    def glyph(box, digit=None):
        p = np.zeros(10, np.float32)
        if digit is not None:
            p[digit] = 0.95
        return Glyph(box, p)

    think = [glyph((338, 422, 82, 62)), glyph((418, 442, 18, 30), 1), glyph((436, 444, 16, 28), 1),
             glyph((456, 424, 30, 52))]
    assert in_words(think, 0.5) == {1, 2}
    apart = [glyph((338, 422, 82, 62)), glyph((440, 442, 18, 30), 1), glyph((470, 444, 16, 28), 1)]
    assert in_words(apart, 0.5) == set()


def test_a_number_of_digits_of_uneven_height_between_words_is_a_number():
    """A generated words page's "only 2705 ANSWER": the 2, drawn wider than tall, stands 24 px against the 0's 28. Its
    digits are level as a number's are (each within LEVEL of their upper median), though the shortest is not within
    LEVEL of the tallest, as the rule had it, which read the whole number as letters. Two digit-like glyphs are
    still held to that: the o and f of a bold printed "of", 17 and 20 px, stay letters."""
    from edge_infer.context import Glyph, in_words

    def glyph(x, y, w, h, digit=None):
        p = np.zeros(10, np.float32)
        if digit is not None:
            p[digit] = 0.99
        return Glyph((x, y, w, h), p)

    words = [glyph(182, 3, 5, 32, 1), glyph(189, 17, 9, 24)]  # the l (read as a 1) and y of "only"
    answer = [glyph(382, 12, 44, 26), glyph(427, 12, 14, 24), glyph(443, 12, 10, 24), glyph(454, 11, 14, 25)]
    number = [glyph(222, 22, 22, 24, 2), glyph(256, 20, 21, 25, 7), glyph(285, 18, 21, 28, 0),
              glyph(319, 19, 26, 26, 5)]
    assert not in_words(words + number + answer, 0.5) & {2, 3, 4, 5}
    bold = [glyph(33, 320, 16, 13), glyph(50, 314, 11, 19), glyph(84, 319, 12, 17, 0), glyph(97, 315, 6, 20, 1),
            glyph(140, 321, 33, 13), glyph(175, 316, 30, 17)]  # "who of world"
    assert in_words(bold, 0.5) == {2, 3}


def test_context_reads_a_tall_letter_joined_in_a_word_as_a_letter():
    """The f of a cursive "useful" is twice as tall as the letters it is joined to, so it is in no run with them,
    and it was read as a 4 (a real photo). Joined on both sides, it is a letter; with a gap, as the 4 of a
    cramped sum 3+4=7 has, it stays a digit."""
    from edge_infer.context import Glyph, in_words

    def glyph(x, digit=None, height=20, width=18):
        p = np.zeros(10, np.float32)
        if digit is not None:
            p[digit] = 0.99
        return Glyph((x, 140 - height, width, height), p)

    useful = [glyph(0), glyph(20), glyph(40), glyph(59, 4, height=46, width=27), glyph(88), glyph(108)]
    assert in_words(useful, 0.5) == {3}
    at_the_end = [glyph(0), glyph(20), glyph(39, 4, height=46, width=27)]  # a letter on one side only
    assert in_words(at_the_end, 0.5) == set()
    sum_ = [glyph(0, 3, 40, 26), glyph(32), glyph(56, 4, 40, 26), glyph(88), glyph(112, 7, 40, 26)]  # 3 + 4 = 7
    assert in_words(sum_, 0.5) == set()


def test_cuts_fall_where_touching_digits_meet():
    from edge_infer.split import cuts

    ink = np.zeros((40, 64), np.float32)
    cv2.circle(ink, (16, 20), 14, 1.0, 3)  # a 0 ...
    cv2.circle(ink, (46, 20), 14, 1.0, 3)  # ... touching another
    found = cuts(ink)
    assert found and min(abs(c - 31) for c in found) <= 2
    assert cuts(np.zeros((40, 6), np.float32)) == []


@pytest.mark.slow
def test_scenes_command_reads_distractors_and_pages():
    """The commands the README quotes: letters and scribbles alone, and pages alone, each print their figures."""
    from conftest import run_cli

    result = run_cli("edge_infer.scenes", "--frames", "0", "--blanks", "0", "--distractors", "2", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["letters_shown"] == 10 and "detections_per_scribble_frame" in figures
    result = run_cli("edge_infer.scenes", "--frames", "0", "--pages", "1", "--json")
    assert set(json.loads(result.stdout)) == {"pages"}


def test_a_line_through_a_thick_digit_does_not_cut_it(rec, mnist):
    """A thin dark rule drawn across the page through a marker-thick digit is taken out, but the digit stays
    whole: one detection, read right, as tall as the digit."""
    digit = mnist.x_test[int(np.nonzero(mnist.y_test == 0)[0][0])]
    big = cv2.dilate(cv2.resize(digit, (150, 150), interpolation=cv2.INTER_LINEAR), np.ones((9, 9), np.uint8))
    page = np.full((480, 640), 235, np.uint8)
    page[150:300, 240:390] = np.minimum(page[150:300, 240:390], 255 - big)
    cv2.line(page, (0, 226), (639, 226), 40, 2)
    found = rec.recognize(page)
    assert [d.digit for d in found] == [0], found
    assert found[0].box[3] >= 0.8 * np.count_nonzero(big.max(1) > 0)


def test_a_1_on_ruled_paper_from_rule_to_rule_is_read(rec):
    """A lone 1 written from one rule of ruled paper to the next touches a removed line at both ends, like a box's
    side; but a rule does not go on through it as a grid's line would, so it is a digit."""
    page = np.full((480, 640), 235, np.uint8)
    for y in range(24, 480, 24):
        cv2.line(page, (0, y), (639, y), 195, 1)
    cv2.line(page, (300, 97), (306, 143), 125, 5)  # a grey pencil or a blurred pen: half as dark as black ink
    assert [d.digit for d in rec.recognize(page)] == [1]


def test_a_1_beside_its_digits_is_read_under_bigger_writing(rec, mnist):
    """A 1 from rule to rule in a 15 on ruled paper, on a page whose big marker number sets the typical glyph
    height three times taller: the 1 is as tall as the 5 beside it, so it is no box's side. Before, it was
    measured against the big writing and dropped."""
    page = np.full((480, 640), 235, np.uint8)
    for y in range(24, 480, 48):
        cv2.line(page, (0, y), (639, y), 195, 1)
    cv2.line(page, (82, 75), (86, 117), 50, 4)  # the 1, from the rule at y = 72 to the one at y = 120
    _write(page, _digit(mnist, 5, 2), 110, 76, 42)
    for i, digit in enumerate((6, 4)):
        _write(page, _digit(mnist, digit, 2), 250 + 130 * i, 220, 150)
    assert [d.digit for d in rec.recognize(page)] == [1, 5, 6, 4]


def test_a_wide_digit_read_surely_is_kept_and_a_field_box_is_not(rec, mnist):
    """A glyph wider than WIDEST x its height is no digit unless the model is sure of it (SURE): a block-capital 2 or
    7 on a real form, or a wide MNIST 5 on a handheld page (51 frames lost), were dropped, while a form's empty
    printed field, read as a 0 at up to 0.94, must still give nothing."""
    from edge_infer.recognizer import WIDEST

    page = _paper()
    for x, digit in ((100, 2), (300, 7)):
        image = _digit(mnist, digit)
        ys, xs = np.nonzero(image > 30)
        crop = image[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        wide = cv2.resize(crop, (round(1.7 * crop.shape[0]), crop.shape[0]))  # 1.7 x as wide as tall
        _write(page, wide, x, 100, 40)
    for x in (100, 300, 450):  # empty fields and tick boxes, flat as on a printed form
        cv2.rectangle(page, (x, 300), (x + int(2.2 * 22), 322), 40, 2)
    found = rec.recognize(page)
    assert [d.digit for d in found] == [2, 7]
    assert all(d.box[2] > WIDEST * d.box[3] for d in found)
