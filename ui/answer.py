"""A model's answer on a 28 x 28 image: which model answers, the big digit, the input shown."""

import dataclasses

import numpy as np
import streamlit as st

from digitpad import config, inference, preprocess, verdict
from ui.formatting import MODEL_LABELS, confidence, enlarged, other_model, png_data_url
from ui.messages import BLANK_HINT, JUDGE_REFUSED
from ui.resources import predictor_for

PREVIEW_SIZE = 140  # the 28 x 28 input, enlarged 5x


@dataclasses.dataclass(frozen=True)
class Answer:
    """One model's answer on a drawing: its label, 10 probabilities and verdict."""

    label: str
    probabilities: np.ndarray
    is_digit: bool
    judge_refused: bool = False  # sure enough for its own threshold; its judge refused


def answering_model(name: str) -> tuple[str, inference.Predictor | None]:
    """The chosen model, else the other one when the chosen one cannot be loaded (said why)."""
    predictor, problem = predictor_for(name)
    if predictor is not None:
        return name, predictor
    fallback = other_model(name)
    fallback_predictor, fallback_problem = predictor_for(fallback)
    if fallback_predictor is None:
        st.error(f"Neither model can answer. {problem} {fallback_problem}")
        return name, None
    st.warning(
        f"The {MODEL_LABELS[name]} cannot be used: {problem} "
        f"Showing the {MODEL_LABELS[fallback]}'s answer instead."
    )
    return fallback, fallback_predictor


def mnist_image_ui(drawing: np.ndarray | None) -> np.ndarray | None:
    """The drawing as a 28 x 28 MNIST image, or None (after a hint) when there is no digit."""
    if drawing is None:
        st.info(BLANK_HINT)
        return None
    try:
        return preprocess.to_mnist(drawing)
    except preprocess.FilledDrawingError as error:
        st.info(str(error))
    except preprocess.BlankDrawingError:
        st.info(BLANK_HINT)
    except ValueError as error:
        st.error(f"Cannot read the drawing: {error}")
    return None


def preview_ui(image: np.ndarray) -> None:
    """The 28 x 28 image the model reads, enlarged without smoothing (a PNG in the page)."""
    st.image(png_data_url(enlarged(image, PREVIEW_SIZE)), caption="What the model sees: 28 × 28")


def other_answer(name: str, image: np.ndarray) -> tuple[Answer | None, str | None]:
    """The other model's answer on the same image, or None and why it has none."""
    predictor, problem = predictor_for(name)
    if predictor is None:
        return None, f"{MODEL_LABELS[name]}: {problem}"
    return answer_of(MODEL_LABELS[name], predictor, image), None


def answer_of(label: str, predictor: inference.Predictor, image: np.ndarray) -> Answer:
    """A model's answer on a 28 x 28 image: its probabilities and its verdict (the MLP's
    with its judge's refusals, `verdict.JUDGE`)."""
    probabilities = predictor.probabilities(image)
    is_digit = bool(predictor.verdicts(image, probabilities))
    judge_refused = not is_digit and bool(predictor.is_digit(probabilities))
    return Answer(label, probabilities, is_digit, judge_refused)


def answers_html(answer: Answer, other: Answer | None) -> str:
    """The chosen model's answer, large, and beside it the other model's, small."""
    other_block = "" if other is None else other_html(other)
    return f'<div class="dp-answers">{answer_html(answer, other)}{other_block}</div>'


def other_html(other: Answer) -> str:
    """The other model's answer on the same drawing, for comparison."""
    digit = int(np.argmax(other.probabilities))
    if not other.is_digit:
        return (
            f'<div class="dp-answer"><div class="dp-label">{other.label} says</div>'
            f'<div class="dp-other-refused">{verdict.NOT_A_DIGIT}</div>'
            f"{guess_html(other.probabilities)}{judge_html(other)}</div>"
        )
    return (
        f'<div class="dp-answer"><div class="dp-label">{other.label} says</div>'
        f'<div class="dp-other">{digit}</div>'
        f'<div class="dp-confidence">{confidence(other.probabilities[digit])}</div></div>'
    )


def guess_html(probabilities: np.ndarray) -> str:
    """The best guess of a model that refused, muted, with its probability."""
    best = int(np.argmax(probabilities))
    return f'<div class="dp-guess">Best guess: {best} · {confidence(probabilities[best])}</div>'


def judge_html(answer: Answer) -> str:
    """Why a model sure enough by itself refused: its judge (`verdict.JUDGE`) did."""
    if not answer.judge_refused:
        return ""
    return f'<div class="dp-guess">{JUDGE_REFUSED.format(judge=MODEL_LABELS[verdict.JUDGE])}</div>'


def answer_html(answer: Answer, other: Answer | None = None) -> str:
    """The predicted digit, large, with how sure the model is (or which two it hesitates on),
    and a warning when the `other` model reads another digit; when the model refuses, "That
    doesn't look like a digit" in place of the digit, and its best guess muted."""
    label, probabilities = answer.label, answer.probabilities
    if not answer.is_digit:
        return (
            f'<div class="dp-answer"><div class="dp-label">{label} says</div>'
            f'<div class="dp-refused">{verdict.NOT_A_DIGIT_HEADLINE}</div>'
            f"{guess_html(probabilities)}{judge_html(answer)}</div>"
        )
    first, second = np.argsort(probabilities)[::-1][:2]
    if probabilities[first] < config.LOW_CONFIDENCE:
        text = f'<div class="dp-unsure">Not sure: {first} or {second}?</div>'
    else:
        text = f'<div class="dp-confidence">{confidence(probabilities[first])} sure</div>'
    other_digit = None if other is None else int(np.argmax(other.probabilities))
    if other is not None and other.is_digit and other_digit != first:
        text += f'<div class="dp-disagree">The {other.label} reads {other_digit}</div>'
    return (
        f'<div class="dp-answer"><div class="dp-label">{label} says</div>'
        f'<div class="dp-digit">{first}</div>{text}</div>'
    )
