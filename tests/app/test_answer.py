"""The answer's HTML: the digit, how sure, and whether the other model reads another digit."""

import numpy as np

from ui.answer import answer_html, answers_html


def sure_of(digit: int, probability: float = 0.9) -> np.ndarray:
    """Probabilities that put `probability` on `digit` and share the rest."""
    probabilities = np.full(10, (1.0 - probability) / 9)
    probabilities[digit] = probability
    return probabilities


def test_the_answer_says_when_the_other_model_reads_another_digit():
    html = answer_html("CNN", sure_of(7), ("MLP", sure_of(1)))
    assert '<div class="dp-digit">7</div>' in html
    assert "The MLP reads 1" in html


def test_the_answer_says_nothing_more_when_both_models_agree():
    html = answers_html("CNN", sure_of(7), ("MLP", sure_of(7, 0.7)))
    assert "reads" not in html and "dp-disagree" not in html
    assert '<div class="dp-other">7</div>' in html


def test_without_the_other_model_there_is_no_comparison():
    assert "reads" not in answers_html("CNN", sure_of(7), None)
