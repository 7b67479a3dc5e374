import pathlib

import numpy as np

from benchmarks import nondigits as benchmark
from digitpad import inference, nondigits


class FlatOrSure:
    """A stand-in model: sure of 3 for bright images, flat for dark ones."""

    threshold = 0.5

    def probabilities(self, images):
        bright = np.asarray(images).reshape(len(images), -1).mean(axis=1) > 0.5
        rows = np.full((len(images), 10), 0.1)
        rows[bright] = np.eye(10)[3]
        return rows

    def is_digit(self, probabilities, share=1.0):
        return inference.Predictor.is_digit(self, probabilities, share)

    def verdicts(self, images, probabilities, share=1.0):
        return self.is_digit(probabilities, share)


def test_rates_count_kept_digits_right_answers_and_answered_non_digits():
    digits = (np.stack([np.ones((28, 28)), np.ones((28, 28)), np.zeros((28, 28))]),
              np.array([3, 5, 3]))  # fmt: skip
    non_digits = {"box": np.zeros((4, 28, 28)), "cross": np.ones((2, 28, 28))}
    figures = benchmark.rates(FlatOrSure(), digits, non_digits)
    assert figures["digits_kept"] == 2 / 3
    assert figures["right_without_rule"] == 1 / 3  # the flat answer reads 0, not 3
    assert figures["right_with_rule"] == 1 / 3
    assert figures["non_digits_answered"] == {"box": 0.0, "cross": 1.0}


def test_the_table_has_a_row_per_family_and_names_its_sample():
    answered = dict.fromkeys(nondigits.FAMILIES, 0.05)
    figure = {"threshold": 0.42, "digits_kept": 0.99, "right_without_rule": 0.98,
              "right_with_rule": 0.975, "non_digits_answered": answered}  # fmt: skip
    text = benchmark.table({"mlp": figure, "cnn": figure}, pathlib.Path("models/heldout"),
                           (1000, 300))  # fmt: skip
    assert "| `pen_letters` given a digit (never trained on) | 5.0% | 5.0% |" in text
    assert "98.0% → 97.5%" in text and "1,000 replays of report-fold writers" in text
    assert text.count("given a digit") == len(nondigits.FAMILIES)


def test_a_model_measured_alone_gets_its_own_column():
    answered = dict.fromkeys(nondigits.FAMILIES, 0.05)
    figure = {"threshold": 0.42, "digits_kept": 0.99, "right_without_rule": 0.98,
              "right_with_rule": 0.975, "non_digits_answered": answered}  # fmt: skip
    alone = {**figure, "non_digits_answered": dict.fromkeys(nondigits.FAMILIES, 0.33)}
    text = benchmark.table({"mlp": {**figure, "alone": alone}, "cnn": figure},
                           pathlib.Path("models/heldout"), (1000, 300))  # fmt: skip
    assert "| figure | MLP | MLP alone | CNN |" in text
    assert "| `pen_letters` given a digit (never trained on) | 5.0% | 33.0% | 5.0% |" in text
