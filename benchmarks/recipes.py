"""`python -m benchmarks recipes NAME... --out DIR`: what each lever of the training recipe does.

Each variant is `make models`' recipe with one thing changed. It trains without the writers
of folds 3 and 4 and is measured on fold 3's writers (a tuning fold: the report fold is never
looked at here) and on MNIST's test images; its "not a digit" threshold is tuned to answer
99.5 % of 1,000 fold-3 drawings, and each synthetic non-digit family is read at that
threshold. One JSON report per variant lands in DIR. A variant takes about 12 minutes on two
CPU cores; the README's table was made on a borrowed GPU machine (Keras on JAX there).
"""

import argparse
import dataclasses
import json
import pathlib

from benchmarks import nondigits as nondigit_bench
from digitpad import config, data, evaluation, styles, training, trainset, verdict, writers
from digitpad.inference import Predictor, model_path, read_sidecar

# name: (model, what differs from the shipped recipe: `make models`' own, read from the
# shipped model's sidecar)
VARIANTS = {
    "cnn": ("cnn", {}), "cnn-60-epochs": ("cnn", {"epochs": 60}),
    "cnn-mnist-twice": ("cnn", {"mnist_copies": 2}),
    "cnn-8k-non-digits": ("cnn", {"non_digits": 8000}),
    "cnn-1-replay": ("cnn", {"pen_replays": 1}), "cnn-2-replays": ("cnn", {"pen_replays": 2}),
    "cnn-styles": ("cnn", {"style_catalogue": True}),
    "cnn-no-clean-epochs": ("cnn", {"clean_epochs": 0}),
    "mlp": ("mlp", {}), "mlp-60-epochs": ("mlp", {"epochs": 60}),
    "mlp-mnist-once": ("mlp", {"mnist_copies": 1}),
    "mlp-8k-non-digits": ("mlp", {"non_digits": 8000}),
    "mlp-styles": ("mlp", {"style_catalogue": True}),
}  # fmt: skip
# One style of the catalogue at a time: "cnn-style-3" trains with `styles.CATALOGUE[3]` alone.
STYLE_PREFIX = "-style-"
FULL_CATALOGUE = styles.CATALOGUE
TUNING_FOLD = 3
EXCLUDED = writers.fold_writers(TUNING_FOLD) + writers.report_writers()


def settings_of(name: str) -> config.TrainingConfig:
    """The recipe of variant `name`."""
    model_name, changes = _variant(name)
    shipped = read_sidecar(model_path(model_name))["recipe"]
    return dataclasses.replace(config.TrainingConfig(**shipped), **changes)


def _variant(name: str) -> tuple[str, dict]:
    if name in VARIANTS:
        return VARIANTS[name]
    model_name, _, index = name.partition(STYLE_PREFIX)
    if model_name in config.MODEL_NAMES and index.isdigit() and int(index) < len(FULL_CATALOGUE):
        return model_name, {"style_catalogue": True}
    raise ValueError(
        f"unknown variant {name!r}: use one of {', '.join(VARIANTS)}, or MODEL{STYLE_PREFIX}N "
        f"for style N (0-{len(FULL_CATALOGUE) - 1}) of the catalogue alone"
    )


def only_style(name: str) -> None:
    """Narrow the catalogue to the one style a "-style-N" variant asks for (else all)."""
    chosen = name.partition(STYLE_PREFIX)[2]
    styles.CATALOGUE = (FULL_CATALOGUE[int(chosen)],) if chosen else FULL_CATALOGUE


def run_variant(name: str, changes: dict, with_verdict: bool = True) -> dict:
    """Train variant `name` (with `changes` to its recipe) and measure it (see the module's
    docstring); without `with_verdict`, only MNIST and the fold's drawings."""
    settings = dataclasses.replace(settings_of(name), **changes)
    only_style(name)
    (images, labels), (test_images, test_labels) = data.load_mnist(None)
    pen = trainset.for_recipe(settings, images, labels, None, EXCLUDED, download=False)
    result = training.train(settings, pen.images, pen.labels)
    predictor = Predictor(result.model)
    test = evaluation.predict_images(predictor, test_images).argmax(axis=1) == test_labels
    return {
        "variant": name, "recipe": dataclasses.asdict(settings),
        "styles": [style.name for style in styles.CATALOGUE] if settings.style_catalogue else [],
        "training_set": pen.note, "mnist_test": float(test.mean()),
        "fold": evaluation.writer_accuracy(predictor, writers.fold_writers(TUNING_FOLD)),
        **(verdict_figures(predictor) if with_verdict else {}),
    }  # fmt: skip


def verdict_figures(predictor: Predictor) -> dict:
    """The threshold that answers the model's kept share (`config.DIGITS_KEPT_SHARE`) of fold-3
    drawings, and what it lets through (`benchmarks.nondigits.rates` at that threshold)."""
    digits = verdict.replayed_digits(held_out=list(writers.fold_writers(TUNING_FOLD)))
    share = config.DIGITS_KEPT_SHARE[predictor.model.name]
    threshold = verdict.tune_threshold(predictor.probabilities(digits[0]), share)
    tuned = Predictor(predictor.model, {verdict.THRESHOLD_KEY: threshold})
    non_digits = nondigit_bench.non_digit_images(nondigit_bench.NON_DIGIT_COUNT)
    return nondigit_bench.rates(tuned, digits, non_digits)


def main(argv: list[str] | None = None) -> int:
    """Run the named variants one after the other; write DIR/NAME.json for each."""
    arguments = _parser().parse_args(argv)
    for name in arguments.variants:
        settings_of(name)  # an unknown name fails before hours of training
    changes = {
        key: value
        for key, value in (("epochs", arguments.epochs), ("non_digits", arguments.non_digits))
        if value is not None
    }
    arguments.out.mkdir(parents=True, exist_ok=True)
    for name in arguments.variants:
        report = run_variant(name, changes, with_verdict=not arguments.digits_only)
        (arguments.out / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n")
        print(f"{name}: MNIST test {report['mnist_test']:.2%}, fold {TUNING_FOLD} "
              f"{report['fold']['accuracy']:.2%}", flush=True)  # fmt: skip
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks recipes", description=__doc__)
    parser.add_argument("variants", nargs="+", metavar="NAME",
                        help=f"{', '.join(VARIANTS)}, or MODEL{STYLE_PREFIX}N")  # fmt: skip
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder for the reports")
    parser.add_argument("--epochs", type=int, help="train this many epochs instead")
    parser.add_argument("--non-digits", type=int, help="mix in this many non-digits instead")
    parser.add_argument("--digits-only", action="store_true",
                        help="skip the not-a-digit figures")  # fmt: skip
    return parser
