"""The answer's HTML: the digit, how sure, whether the other model reads another digit, and
"That doesn't look like a digit" when a model refuses."""

import numpy as np

from digitpad import verdict
from ui.answer import Answer, answer_html, answers_html


def sure_of(digit: int, probability: float = 0.9) -> np.ndarray:
    """Probabilities that put `probability` on `digit` and share the rest."""
    probabilities = np.full(10, (1.0 - probability) / 9)
    probabilities[digit] = probability
    return probabilities


def answer(label: str, digit: int, probability: float = 0.9, is_digit: bool = True) -> Answer:
    return Answer(label, sure_of(digit, probability), is_digit)


def test_the_answer_says_when_the_other_model_reads_another_digit():
    html = answer_html(answer("CNN", 7), answer("MLP", 1))
    assert '<div class="dp-digit">7</div>' in html
    assert "The MLP reads 1" in html


def test_the_answer_says_nothing_more_when_both_models_agree():
    html = answers_html(answer("CNN", 7), answer("MLP", 7, 0.7))
    assert "reads" not in html and "dp-disagree" not in html
    assert '<div class="dp-other">7</div>' in html


def test_without_the_other_model_there_is_no_comparison():
    assert "reads" not in answers_html(answer("CNN", 7), None)


def test_a_refused_drawing_gets_the_headline_and_a_muted_best_guess_in_place_of_the_digit():
    html = answers_html(answer("CNN", 4, 0.3, is_digit=False), answer("MLP", 4, 0.95))
    assert verdict.NOT_A_DIGIT_HEADLINE in html
    assert "dp-digit" not in html and "dp-disagree" not in html
    assert "Best guess: 4 · 30.0%" in html
    assert '<div class="dp-other">4</div>' in html  # the other model's own verdict beside it


def test_the_other_model_says_not_a_digit_when_it_refuses():
    html = answers_html(answer("CNN", 7), answer("MLP", 1, 0.2, is_digit=False))
    assert '<div class="dp-digit">7</div>' in html
    assert verdict.NOT_A_DIGIT in html and "Best guess: 1 · 20.0%" in html
    assert "The MLP reads" not in html  # a refusal is not a disagreement about the digit


def test_a_model_its_judge_overruled_says_so():
    refused = Answer("MLP", sure_of(4, 0.97), is_digit=False, judge_refused=True)
    html = answers_html(refused, answer("CNN", 4, 0.2, is_digit=False))
    assert verdict.NOT_A_DIGIT_HEADLINE in html and "Best guess: 4 · 97.0%" in html
    assert "Refused: the CNN does not take it for a digit" in html
    assert "Refused:" not in answers_html(answer("MLP", 4, 0.2, is_digit=False), None)
    beside = answers_html(answer("CNN", 4, 0.2, is_digit=False), refused)  # the MLP, beside it
    assert "Refused: the CNN does not take it for a digit" in beside
