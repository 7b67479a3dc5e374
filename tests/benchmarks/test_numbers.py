"""The composed-number benchmark: numbers of pen digits on the wide canvas, and their reading."""

import numpy as np
import pytest

from benchmarks import numbers
from digitpad import config, pendigits, segment

WIDTH, HEIGHT = config.NUMBER_CANVAS


def test_composed_numbers_are_mostly_read_right(cnn, pendigits_path):
    report = numbers.number_accuracy(cnn, count=30, path=pendigits_path)
    assert report["apart"]["number_accuracy"] >= 0.8
    assert report["apart"]["segmented_right"] >= 0.95
    assert report["touching"]["numbers"] == 30


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
    assert status == 0 and "of 5 numbers right" in output
    assert numbers.main(["--count", "0"]) == 2
