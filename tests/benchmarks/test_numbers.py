"""The composed-number benchmark: numbers of pen digits on the wide canvas, read both ways."""

import json

import numpy as np
import pytest

from benchmarks import numbers
from digitpad import config, pendigits, segment, writers

WIDTH, HEIGHT = config.NUMBER_CANVAS


def test_composed_numbers_are_mostly_read_right(cnn, pendigits_path):
    tuning = writers.fold_writers(1)  # never the report fold: it is looked at only to report
    report = numbers.number_accuracy(cnn, count=30, path=pendigits_path, writer_ids=tuning)
    assert report["apart"]["image"]["number_accuracy"] >= 0.8
    assert report["apart"]["image"]["segmented_right"] >= 0.95
    assert report["touching"]["image"]["numbers"] == 30


def test_composed_numbers_keep_their_strokes(pendigits_path):
    digits = pendigits.load_pendigits(pendigits_path)[:3]
    rng = np.random.default_rng(0)
    composed = numbers.compose_strokes(digits, "overlapping", rng)
    assert [len(strokes_of) for strokes_of in composed.digit_strokes] == [
        len(d.strokes) for d in digits
    ]
    lefts = [np.concatenate(own)[:, 0].min() for own in composed.digit_strokes]
    rights = [np.concatenate(own)[:, 0].max() for own in composed.digit_strokes]
    assert lefts == sorted(lefts) and rights[0] > lefts[1] - composed.pen_width
    assert composed.render().shape == (HEIGHT, WIDTH)


def test_strokes_read_touching_numbers_better_than_the_image(cnn, pendigits_path):
    """On tuning writers (never the report fold): a rate with a stated bound."""
    tuning = writers.fold_writers(0)
    report = numbers.number_accuracy(cnn, count=20, path=pendigits_path, writer_ids=tuning)
    touching = report["touching"]
    assert touching["strokes"]["number_accuracy"] >= 0.6
    assert touching["strokes"]["number_accuracy"] > touching["image"]["number_accuracy"]
    assert report["apart"]["strokes"]["segmented_right"] >= 0.85
    assert report["strokes_seconds_6_digits"] > 0 or np.isnan(report["strokes_seconds_6_digits"])


def test_composed_gaps_follow_the_style(pendigits_path):
    digits = pendigits.load_pendigits(pendigits_path)[:4]
    rng = np.random.default_rng(0)
    apart = numbers.compose_number(digits, "apart", rng)
    assert apart.shape == (HEIGHT, WIDTH)
    assert len(segment.segment(apart)) == 4
    with pytest.raises(ValueError, match="gap_style"):
        numbers.compose_number(digits, "sideways", rng)


@pytest.mark.parametrize("gap_style", numbers.GAP_STYLES)
def test_composed_numbers_stay_on_the_canvas(pendigits_path, gap_style):
    """Six wide digits with the thickest pen still fit, every digit whole."""
    all_digits = pendigits.load_pendigits(pendigits_path)
    widest = sorted(all_digits, key=lambda digit: -np.ptp(np.concatenate(digit.strokes)[:, 0]))
    rng = np.random.default_rng(0)
    for _ in range(20):
        canvas = numbers.compose_number(widest[:6], gap_style, rng)
        edges = np.concatenate([canvas[:2].ravel(), canvas[-2:].ravel(),
                                canvas[:, :2].ravel(), canvas[:, -2:].ravel()])  # fmt: skip
        assert edges.min() == 255


def test_numbers_command(capsys, pendigits_path):
    status = numbers.main(["--count", "5", "--pendigits", str(pendigits_path)])
    output = capsys.readouterr().out
    assert status == 0 and "overlapping strokes: " in output and "of 5 numbers right" in output
    assert "ms from strokes" in output
    assert numbers.main(["--count", "0"]) == 2


def test_numbers_command_runs_one_style_for_both_readers(pendigits_path, capsys):
    arguments = ["--count", "2", "--style", "touching", "--pendigits", str(pendigits_path)]
    assert numbers.main([*arguments, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"touching", "strokes_seconds_6_digits", "image_seconds_6_digits"}
    assert set(report["touching"]) == set(numbers.READERS)
    assert report["touching"]["strokes"]["numbers"] == 2
    assert numbers.main([*arguments[:3], "sideways"]) == 2
    assert "gap styles must be among apart, touching, overlapping" in capsys.readouterr().err


def test_numbers_command_refuses_a_model_that_saw_the_report_writers(capsys):
    assert numbers.main(["--count", "1", "--models-dir", str(config.MODELS_DIR)]) == 2
    assert "trained on report-fold writers" in capsys.readouterr().err


def test_worker_processes_read_the_same_numbers(cnn, pendigits_path):
    """Number i of a style does not depend on how many processes read the sample."""
    tuning = writers.fold_writers(2)
    parallel = numbers.Parallel(2, "cnn", str(config.MODELS_DIR), chunk=2)
    arguments = {"count": 4, "path": pendigits_path, "writer_ids": tuning,
                 "gap_styles": ("touching",)}  # fmt: skip
    alone = numbers.number_accuracy(cnn, **arguments)
    shared = numbers.number_accuracy(cnn, **arguments, parallel=parallel)
    assert shared["touching"] == alone["touching"]
    assert shared["touching"]["strokes"]["numbers"] == 4


def test_a_refused_piece_counts_apart_from_a_misread():
    chosen = [type("Digit", (), {"label": label})() for label in (4, 2)]
    right, split, digits_right, digits, refused, right_but = numbers._score_reading(
        chosen, (4, numbers.NOT_READ), (4, 2)
    )
    assert (right, split, digits_right, digits, refused, right_but) == (0, 1, 1, 2, 1, 1)
    assert list(numbers._score_reading(chosen, (4, 7), (4, 7))) == [0, 1, 1, 2, 0, 0]
    assert list(numbers._score_reading(chosen, (), ())) == [0, 0, 0, 2, 0, 0]


def test_numbers_command_on_a_tuning_fold_says_whose_numbers(capsys, pendigits_path):
    arguments = ["--count", "2", "--style", "apart", "--fold", "1", "--jobs", "1"]
    assert numbers.main([*arguments, "--pendigits", str(pendigits_path)]) == 0
    output = capsys.readouterr().out
    assert output.startswith("writers of tuning fold 1 (10, 13, 18, 19, 25, 29)")
    assert "optimistic" in output and "with a piece refused" in output
    assert numbers.main(["--count", "2", "--jobs", "0"]) == 2


def test_number_i_differs_between_styles_only_by_its_gaps(pendigits_path):
    by_writer = numbers._digits_by_writer(
        pendigits.load_pendigits(pendigits_path), writers.fold_writers(3)
    )
    samples = [numbers.composed_number(by_writer, 5, style, 7) for style in numbers.GAP_STYLES]
    assert len({tuple(id(digit) for digit in chosen) for chosen, _ in samples}) == 1
    assert len({composed.pen_width for _, composed in samples}) == 1
    gaps = set()
    for _, composed in samples:
        first, second = (np.concatenate(own)[:, 0] for own in composed.digit_strokes[:2])
        gaps.add(float(second.min() - first.max()))
    assert len(gaps) == len(numbers.GAP_STYLES)
