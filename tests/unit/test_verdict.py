"""The "not a digit" verdict: the threshold a sidecar holds, how it is tuned, what it refuses."""

import numpy as np
import pytest

from digitpad import config, inference, nondigits, verdict, writers

SURE = np.array([0.02] * 9 + [0.82])
FLAT = np.full(10, 0.1)


def test_the_threshold_comes_from_the_sidecar_else_the_default():
    assert verdict.threshold_of({verdict.THRESHOLD_KEY: 4.7}) == 4.7
    assert verdict.threshold_of({}) == config.NOT_A_DIGIT_MARGIN  # a model older than the rule
    older = {"not_digit_threshold": 0.83}  # the top-probability rule's key is not a margin
    assert verdict.threshold_of(older) == config.NOT_A_DIGIT_MARGIN
    for junk in ("0.7", None, True, -0.1, float("inf"), float("nan")):
        assert verdict.threshold_of({verdict.THRESHOLD_KEY: junk}) == config.NOT_A_DIGIT_MARGIN


def test_the_digit_score_is_the_top_logits_lead_over_the_mean_logit():
    logits = np.array([[3.0, 1.0, -1.0, 0.5, 0.0, 2.0, -2.0, 1.5, 0.0, 0.0], np.zeros(10)])
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = logits.max(axis=1) - logits.mean(axis=1)
    assert np.allclose(verdict.digit_score(probabilities), expected)  # softmax keeps differences
    assert verdict.digit_score(FLAT) == pytest.approx(0.0)
    one_hot = np.eye(10)[3]  # float32 rounds the others to 0: a floor, not infinity
    assert np.isfinite(verdict.digit_score(one_hot)) and verdict.digit_score(one_hot) > 50


def test_is_digit_compares_the_score_with_the_threshold():
    threshold = config.NOT_A_DIGIT_MARGIN
    assert verdict.is_digit(SURE, threshold) and not verdict.is_digit(FLAT, threshold)
    assert verdict.is_digit(np.stack([SURE, FLAT]), threshold).tolist() == [True, False]


def test_at_the_same_top_probability_middling_others_score_under_others_far_down():
    digit = np.array([0.6, 0.399] + [0.001 / 8] * 8)  # torn between two digits, the rest gone
    letter = np.array([0.6] + [0.4 / 9] * 9)  # every other digit still middling
    assert verdict.digit_score(letter) < verdict.digit_score(digit) - 4


def test_the_refusal_starts_with_not_a_digit_and_names_the_best_guess():
    message = verdict.refusal(np.array([0.05] * 8 + [0.3, 0.3]))
    assert message.startswith("not a digit") and "best guess 8, 30%" in message


def test_the_tuned_threshold_keeps_the_asked_share_of_digits():
    rng = np.random.default_rng(0)
    logits = rng.normal(0.0, 3.0, (1000, 10))
    rows = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    scores = verdict.digit_score(rows)
    threshold = verdict.tune_threshold(rows, kept_share=0.99)
    assert (scores >= threshold).mean() == pytest.approx(0.99, abs=0.002)
    assert verdict.tune_threshold(rows, kept_share=1.0) == scores.min()
    with pytest.raises(ValueError, match="share of digits kept"):
        verdict.tune_threshold(rows, kept_share=0.0)


def test_a_predictor_reads_its_threshold_and_gives_a_verdict(tmp_path):
    predictor = inference.Predictor.load("cnn")
    assert predictor.threshold == verdict.threshold_of(inference.read_sidecar(
        inference.model_path("cnn")))  # fmt: skip
    canvas = np.full((280, 280), 255, np.uint8)
    canvas[60:220, 130:150] = 0  # a bar: a 1
    prediction = predictor.read_drawing(canvas)
    assert prediction.is_digit and prediction.digit == 1 and prediction.refusal is None
    refused = inference.Prediction(prediction.image, FLAT, False, config.NOT_A_DIGIT_MARGIN)
    assert refused.digit is None and refused.best_guess == 0
    assert refused.refusal.startswith(verdict.NOT_A_DIGIT)


def test_without_pendigits_no_threshold_is_tuned(tmp_path, monkeypatch):
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(tmp_path / "missing.tra"))
    assert verdict.threshold_for(lambda images: np.tile(SURE, (len(images), 1)), "cnn") is None
    assert verdict.with_threshold({"model": "cnn"}, lambda images: images) == {"model": "cnn"}


def test_the_threshold_is_tuned_on_replayed_digits(pendigits_path, monkeypatch):
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(pendigits_path))
    monkeypatch.setattr(verdict, "TUNING_COUNT", 50)
    seen = []

    def probabilities(images):
        seen.append(images)
        return np.tile(SURE, (len(images), 1))

    info = verdict.with_threshold({"model": "cnn"}, probabilities)
    score = round(float(verdict.digit_score(SURE)), 4)
    assert info == {"model": "cnn", verdict.THRESHOLD_KEY: score}
    assert seen[0].shape == (50, 28, 28) and seen[0].max() > 0.5


def test_a_model_is_tuned_only_on_the_tuning_writers_it_trained_on(monkeypatch):
    without_fold_1 = [w for w in writers.ALL_WRITERS if w not in writers.fold_writers(1)]
    chosen = verdict.tuning_writers({"pen_writers": without_fold_1})
    assert set(chosen) == {w for f in (0, 2, 3) for w in writers.fold_writers(f)}
    assert verdict.tuning_writers({"pen_writers": list(writers.ALL_WRITERS)}) == [
        w for f in writers.TUNING_FOLDS for w in writers.fold_writers(f)
    ]  # the shipped models: all the tuning folds, never the report fold
    assert verdict.tuning_writers({}) is None  # no pen digits: the default, the tuning folds
    asked = []
    monkeypatch.setattr(verdict, "threshold_for", lambda p, name, held_out: asked.append(held_out))
    verdict.with_threshold({"model": "cnn", "pen_writers": without_fold_1}, lambda images: images)
    assert asked == [chosen]


# ------------------------------------------------------------ the shipped models' rates

HELD_OUT_SAMPLES = 200  # drawings of the held-out non-digit family, held-out seeds
REPORT_DIGITS = 300  # replayed digits of the report fold's writers (never tuned on)
# Bounds for the twins in models/heldout/ (the shipped recipe, trained without the report fold's
# writers, so these digits are new to them) and for the shipped models, a little looser than
# what they measure on these samples. Measured with the CNN of four pen replays and its kept
# share at 99.93 % (2026-11-30 13:50 UTC): held-out pen letters answered, twins 2.0 % MLP (with
# the CNN as its judge) and 2.5 % CNN, shipped 5.5 % and 6.5 %; digits kept 100 %; right answers
# lost 0 point. The twins' bounds are issue 13's targets (letters 5 %, digits kept, points
# lost). The shipped models' letters bounds only guard against regressions: their thresholds
# sit on one of the lowest few scores of 4,000 tuning digits they trained on (the CNN's on the
# 3rd-lowest), and the shipped CNN's is the lowest of all (README, "What is not a digit"). One
# letter of 200 is 0.5 point; one digit of 300 is 0.33 point.
BOUNDS = {
    ("models/heldout", "mlp"): {"letters_answered": 0.05, "digits_kept": 0.98, "right_drop": 0.005},
    ("models/heldout", "cnn"): {"letters_answered": 0.05, "digits_kept": 0.98, "right_drop": 0.005},
    ("models", "mlp"): {"letters_answered": 0.07, "digits_kept": 0.98, "right_drop": 0.007},
    ("models", "cnn"): {"letters_answered": 0.08, "digits_kept": 0.98, "right_drop": 0.007},
}


@pytest.fixture(scope="module")
def report_digits(pendigits_path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.PENDIGITS_ENV_VAR, str(pendigits_path))
        return verdict.replayed_digits(REPORT_DIGITS, seed=1, held_out=writers.report_writers())


@pytest.fixture(scope="module")
def held_out_non_digits():
    images = nondigits.evaluation_images(nondigits.HELD_OUT_FAMILY, HELD_OUT_SAMPLES)
    return images.astype(np.float32) / 255


@pytest.mark.parametrize(("folder", "name"), list(BOUNDS))
def test_shipped_models_refuse_non_digits_and_keep_unseen_writers_digits(
    folder, name, report_digits, held_out_non_digits
):
    predictor = inference.Predictor.load(name, config.PROJECT_DIR / folder)
    letters = predictor.verdicts(
        held_out_non_digits, predictor.probabilities(held_out_non_digits)
    ).mean()
    probabilities = predictor.probabilities(report_digits[0])
    kept = predictor.verdicts(report_digits[0], probabilities)
    right = probabilities.argmax(axis=1) == report_digits[1]
    bounds = BOUNDS[folder, name]
    assert letters <= bounds["letters_answered"], f"{name} answers {letters:.1%} of letters"
    assert kept.mean() >= bounds["digits_kept"], f"{name} keeps {kept.mean():.1%} of digits"
    drop = right.mean() - (right & kept).mean()
    assert drop <= bounds["right_drop"], f"{name}: {drop:.1%} fewer digits read right"


class Constant:
    """A stand-in model whose every image gets the same probabilities."""

    def __init__(self, row: np.ndarray):
        self.row = row

    def probabilities(self, images):
        return np.tile(self.row, (len(images), 1))


STAND_IN_THRESHOLD = 3.0  # SURE scores 3.3, FLAT 0


def judged(own: np.ndarray, judge_row: np.ndarray) -> inference.Predictor:
    """A predictor whose own model answers `own`, judged by one that answers `judge_row`."""
    predictor = inference.Predictor.__new__(inference.Predictor)
    predictor.threshold, predictor.judge = STAND_IN_THRESHOLD, None
    judge = inference.Predictor.__new__(inference.Predictor)
    judge.threshold, judge.judge = STAND_IN_THRESHOLD, None
    judge.probabilities = Constant(judge_row).probabilities
    return predictor.judged_by(judge)


def test_a_drawing_its_judge_refuses_is_refused():
    images = np.zeros((2, 28, 28), np.float32)
    sure = np.tile(SURE, (2, 1))
    assert judged(SURE, SURE).verdicts(images, sure).tolist() == [True, True]
    assert judged(SURE, FLAT).verdicts(images, sure).tolist() == [False, False]
    assert judged(SURE, FLAT).judged_by(None).verdicts(images, sure).tolist() == [True, True]
    assert not judged(FLAT, SURE).verdicts(images, np.tile(FLAT, (2, 1))).any()


def test_the_mlp_is_loaded_with_the_cnn_of_its_folder_as_judge(tmp_path):
    mlp = inference.Predictor.load("mlp")
    assert verdict.JUDGE == "cnn" and mlp.judge is not None and mlp.judge.judge is None
    assert mlp.judge.threshold == inference.Predictor.load("cnn").threshold
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "mlp.keras").write_bytes(inference.model_path("mlp").read_bytes())
    assert inference.Predictor.load("mlp", alone).judge is None  # no CNN beside it
    assert inference.Predictor.load("mlp", with_judge=False).judge is None
    both = inference.Predictor.load_all()
    assert both["mlp"].judge is both["cnn"] and both["cnn"].judge is None  # loaded once


def test_in_a_number_a_piece_is_refused_only_under_a_share_of_the_threshold():
    rows = np.array([[0.45] + [0.55 / 9] * 9, [0.3] + [0.7 / 9] * 9])
    images = np.zeros((2, 28, 28), np.float32)
    predictor = judged(SURE, SURE)
    assert not predictor.verdicts(images, rows).any()
    cut = predictor.threshold * config.NUMBER_REFUSAL_SHARE
    in_number = predictor.verdicts(images, rows, config.NUMBER_REFUSAL_SHARE)
    scores = verdict.digit_score(rows)  # 1.8 and 1.2: half the threshold splits them
    assert list(in_number) == [True, False] == [cut <= scores[0], cut <= scores[1]]
    flat_judge = judged(SURE, FLAT).verdicts(images, rows, config.NUMBER_REFUSAL_SHARE)
    assert not flat_judge.any()  # 0.1 is under half the judge's threshold too
    assert 0.0 < config.NUMBER_REFUSAL_SHARE < 1.0
