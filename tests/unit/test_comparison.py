"""Tests for digitpad.comparison: a new model against the one in use, on the same images."""

import numpy as np
import pytest

from digitpad import comparison, config, pendigits, writers


class ConstantPredictor:
    """Answers `digit` for every image, with certainty."""

    def __init__(self, digit: int, info: dict | None = None):
        self.digit, self.info = digit, info or {}

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        answers = np.zeros((len(images), config.NUM_CLASSES), np.float32)
        answers[:, self.digit] = 1.0
        return answers


def figures(test: float | None, drawn: float | None) -> comparison.Figures:
    return comparison.Figures(test, drawn)


@pytest.mark.parametrize(
    ("candidate", "current", "better"),
    [
        (figures(0.99, 0.90), figures(0.98, 0.85), True),
        (figures(0.76, 0.60), figures(0.99, 0.90), False),  # the bad training
        (figures(0.97, 0.95), figures(0.99, 0.90), True),  # better on average
        (figures(0.99, None), figures(0.98, 0.80), True),  # only MNIST is shared
        (figures(0.98, 0.90), figures(0.98, 0.90), True),  # a tie: the new one
    ],
)
def test_the_better_model_is_the_one_better_on_average(candidate, current, better):
    result = comparison.Comparison(candidate, current, 10, 10)
    assert result.candidate_is_better is better


def test_without_a_current_model_the_new_one_is_better():
    assert comparison.Comparison(figures(0.5, None), None, 10, 0).candidate_is_better


def test_measure_gives_the_share_read_right_on_both_sets():
    labels = np.array([3, 3, 3, 1])
    images = np.zeros((4, 28, 28), np.uint8)
    drawn = (
        np.zeros((4, 28, 28), np.float32),
        np.array([3, 3, 1, 1]),
        np.array([1, 0, 1, 1], bool),
    )
    result = comparison.measure(ConstantPredictor(3), images, labels, drawn)
    assert result.mnist_test_accuracy == pytest.approx(0.75)
    assert result.drawn_accuracy == pytest.approx(0.25)  # the blank 3 counts as wrong


def test_no_unseen_writers_digits_give_no_drawn_figure_not_nan():
    empty = (np.zeros((0, 28, 28), np.float32), np.zeros(0, np.int64), np.zeros(0, bool))
    images, labels = np.zeros((2, 28, 28)), np.array([3, 1])
    result = comparison.measure(ConstantPredictor(3), images, labels, empty)
    assert result.drawn_accuracy is None and result.mnist_test_accuracy == pytest.approx(0.5)


def test_without_pendigits_only_mnist_is_compared_and_the_note_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(tmp_path / "missing.tra"))
    assert comparison.unseen_writer_digits(10) is None
    images, labels = np.zeros((5, 28, 28), np.uint8), np.array([7, 7, 7, 7, 2])
    result = comparison.compare(ConstantPredictor(7), ConstantPredictor(2), images, labels, 10)
    assert result.candidate == comparison.Figures(0.8, None)
    assert result.current == comparison.Figures(0.2, None)
    assert (result.test_images, result.drawn_digits) == (5, 0)
    assert result.note == comparison.NO_PENDIGITS_NOTE and result.candidate_is_better


def test_unseen_writer_digits_come_from_the_report_writers_only(pendigits_path):
    count = 60
    images, labels, readable = comparison.unseen_writer_digits(count, pendigits_path)
    assert images.shape == (count, 28, 28) and labels.shape == (count,)
    assert np.mean(readable) >= 0.95  # replayed pen digits are rarely blank
    again = comparison.unseen_writer_digits(count, pendigits_path)
    assert np.array_equal(again[0], images) and np.array_equal(again[1], labels)
    everything = 100_000  # more than there are: all the report writers' digits, no other
    _, all_labels, _ = comparison.unseen_writer_digits(everything, pendigits_path)
    digits = pendigits.load_pendigits(pendigits_path)
    report = [digit.label for digit in digits if digit.writer in writers.report_writers()]
    assert 0 < len(all_labels) == len(report) < len(digits)
    assert np.array_equal(np.bincount(all_labels, minlength=10), np.bincount(report, minlength=10))


def test_a_count_that_is_not_positive_is_refused(pendigits_path):
    with pytest.raises(ValueError, match="positive whole number"):
        comparison.unseen_writer_digits(0, pendigits_path)


def test_the_note_says_when_the_model_in_use_trained_on_the_compared_writers(
    pendigits_path, monkeypatch
):
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(pendigits_path))
    images, labels = np.zeros((2, 28, 28), np.uint8), np.array([7, 2])
    shipped = writers.ALL_WRITERS  # the shipped models learn from all 30 writers
    twin = tuple(w for w in writers.ALL_WRITERS if w not in writers.report_writers())
    in_use = ConstantPredictor(2, {"pen_writers": list(shipped)})
    seen = comparison.compare(ConstantPredictor(7), in_use, images, labels, 10)
    assert seen.note == comparison.SEEN_BY_CURRENT_NOTE and seen.drawn_digits == 10
    in_use = ConstantPredictor(2, {"pen_writers": list(twin)})
    unseen = comparison.compare(ConstantPredictor(7), in_use, images, labels, 10)
    assert unseen.note is None
