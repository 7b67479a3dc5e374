"""Is it a digit at all? A model's digit score against the threshold kept in its sidecar.

The score is how far the top logit stands above the mean of the ten (`digit_score`), read
from the probabilities. The threshold is set when a model is trained: the score that keeps
config.DIGITS_KEPT_SHARE[model] of pen-written digits of the tuning folds' writers that the
model trained on (never the report fold, never writers it is measured on). A model whose
sidecar has none (trained before this rule) uses config.NOT_A_DIGIT_MARGIN. The MLP also
shares its judge's refusals (JUDGE, `inference.Predictor.verdicts`).
"""

from collections.abc import Callable

import numpy as np

from digitpad import config, pendigits, preprocess, writers

# A new key: the sidecars of models trained before held a threshold on the top probability.
THRESHOLD_KEY = "not_digit_margin"  # in the model's JSON sidecar
NOT_A_DIGIT = "not a digit"  # how every refusal starts (the CLI's "error", the page's test)
NOT_A_DIGIT_MARK = "?"  # a refused piece of a number, in place of its digit
NOT_A_DIGIT_HEADLINE = "That doesn't look like a digit"  # the page's answer in its place
# The model whose refusals the other shares. Alone, the MLP gives a digit to about a third of
# held-out pen letters and the CNN to a few %, each keeping over 99 % of unseen writers'
# digits (README, "What is not a digit"): an MLP that answers only what the CNN also takes for
# a digit refuses what the CNN refuses, and loses few of its right answers.
JUDGE = "cnn"
# Replayed digits the threshold is tuned on: the threshold is a low quantile of their scores,
# and 1,000 put it on the 5th-lowest drawing: the share it kept moved between 97.6 and 99.7 %
# from one training and tuning sample to the next; 4,000 steady it (README).
TUNING_COUNT = 4000
TUNING_SEED = 2613
SMALLEST_PROBABILITY = 1e-30  # float32 softmax rounds far-off digits to 0: log needs a floor


def threshold_of(info: dict) -> float:
    """The threshold a model's sidecar states, or the default when it states none (or junk)."""
    value = info.get(THRESHOLD_KEY)
    valid = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0.0
    return float(value) if valid and np.isfinite(value) else config.NOT_A_DIGIT_MARGIN


def digit_score(probabilities: np.ndarray) -> np.ndarray:
    """How far the top logit stands above the mean logit, for each row (or the one row).

    Softmax keeps differences of logits (log p_i - log p_j = z_i - z_j), so this is read from
    the probabilities. Over the top probability it tells a letter that looks a little like
    one digit (one logit up, the rest middling) from a digit (the rest far down): on the
    tuning folds it let through 2-8 % of held-out pen letters where the top probability let
    through 4-10 %, keeping as many digits (README, "What is not a digit").
    """
    logs = np.log(np.maximum(np.asarray(probabilities, dtype=np.float64), SMALLEST_PROBABILITY))
    return logs.max(axis=-1) - logs.mean(axis=-1)


def is_digit(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """Whether each row (or the one row) of 10 probabilities scores at least `threshold`."""
    return digit_score(probabilities) >= threshold


def refusal(probabilities: np.ndarray) -> str:
    """The message for a drawing that is not a digit, with the model's best guess."""
    best = int(np.argmax(probabilities))
    return (
        f"{NOT_A_DIGIT}: {NOT_A_DIGIT_HEADLINE[0].lower()}{NOT_A_DIGIT_HEADLINE[1:]} "
        f"(best guess {best}, {float(probabilities[best]):.0%})"
    )


def tune_threshold(digit_probabilities: np.ndarray, kept_share: float) -> float:
    """The highest threshold that still answers `kept_share` of these digits' (N, 10) rows."""
    if not 0.0 < kept_share <= 1.0:
        raise ValueError(f"The share of digits kept must be in (0, 1], got {kept_share}.")
    scores = np.sort(digit_score(digit_probabilities))
    if not len(scores):
        raise ValueError("No digits to tune the threshold on.")
    return float(scores[int(np.floor((1.0 - kept_share) * len(scores)))])


def replayed_digits(count: int | None = None, seed: int = TUNING_SEED, held_out=None) -> tuple:
    """`count` (default TUNING_COUNT) pen digits replayed on the canvas, as the model sees them:
    (N, 28, 28) float32 images and (N,) labels. `held_out`: whose digits (default: the tuning
    folds' writers; pass writers the model did not train on)."""
    count = TUNING_COUNT if count is None else count
    chosen = held_out or [
        writer for fold in writers.TUNING_FOLDS for writer in writers.fold_writers(fold)
    ]
    _, digits = writers.split_by_writer(pendigits.load_pendigits(), chosen)
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for index in rng.choice(len(digits), min(count, len(digits)), replace=False):
        placement = pendigits.random_placement(rng)
        strokes = pendigits.place_strokes(digits[index], placement)
        try:
            images.append(preprocess.to_mnist(pendigits.render_gray(strokes, placement.pen_width)))
        except preprocess.BlankDrawingError:
            continue
        labels.append(digits[index].label)
    return np.stack(images), np.array(labels)


def threshold_for(
    probabilities: Callable[[np.ndarray], np.ndarray], name: str, held_out=None
) -> float | None:
    """Tune the threshold of model `name` (its `Predictor.probabilities`) on replayed digits
    (default: the tuning folds' writers); None when there is no pendigits file to tune on."""
    if not pendigits.resolve_path().is_file():
        return None
    rows = probabilities(replayed_digits(held_out=held_out)[0])
    return round(tune_threshold(rows, config.DIGITS_KEPT_SHARE[name]), 4)


def tuning_writers(info: dict) -> list[int] | None:
    """The tuning folds' writers a model trained on (its sidecar's `pen_writers`), or None (all
    of them) when it names none: a model trained without a tuning fold, to be measured on it,
    is never tuned on that fold's writers."""
    trained = set(info.get("pen_writers") or ())
    if not trained:
        return None
    return [
        writer for fold in writers.TUNING_FOLDS for writer in writers.fold_writers(fold)
        if writer in trained
    ]  # fmt: skip


def with_threshold(info: dict, probabilities: Callable[[np.ndarray], np.ndarray]) -> dict:
    """The sidecar `info` (of the model it names) with the model's own threshold, when there
    is data to tune it on (`tuning_writers`)."""
    threshold = threshold_for(probabilities, info["model"], tuning_writers(info))
    return info if threshold is None else {**info, THRESHOLD_KEY: threshold}
