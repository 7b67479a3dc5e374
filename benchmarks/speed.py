"""Benchmark: speed and accuracy of the shipped models; writes the README's benchmark table.

``python -m benchmarks speed [--json] [--quick]`` (``make bench``).
"""

import argparse
import dataclasses
import json
import re
import statistics
import sys
import time

import numpy as np

from benchmarks.common import machine_description
from digitpad import config, data, evaluation, pendigits, training, trainset, writers
from digitpad.inference import Predictor

TABLE_START = "<!-- bench:start -->"
TABLE_END = "<!-- bench:end -->"
LATENCY_REPEATS = 200
TARGET_ACCURACY = 0.99
TRAINING_SEEDS = (config.SEED, config.SEED + 1, config.SEED + 2)  # the first is the default


def median_milliseconds(function, repeats: int = LATENCY_REPEATS) -> float:
    """Median wall time of `function()` in milliseconds, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def latency(predictor: Predictor, canvas: np.ndarray) -> dict:
    """Preprocess + predict one drawing, against `model.predict` on the same image."""
    image = predictor.predict_drawing(canvas)[0][np.newaxis, ..., np.newaxis]
    ours = median_milliseconds(lambda: predictor.predict_drawing(canvas))
    keras_predict = median_milliseconds(
        lambda: predictor.model.predict(image, verbose=0), repeats=LATENCY_REPEATS // 4
    )
    preprocess_only = median_milliseconds(lambda: evaluation.preprocess.to_mnist(canvas))
    return {
        "preprocess_ms": preprocess_only,
        "preprocess_predict_ms": ours,
        "keras_predict_ms": keras_predict,
        "speedup": keras_predict / ours,
    }


def accuracies(predictor: Predictor, test: tuple, drawn: tuple) -> dict:
    """MNIST test accuracy, drawn-digit accuracy, and the naive-resize baseline."""
    return {
        "mnist_test": evaluation.accuracy(evaluation.predict_images(predictor, test[0]), test[1]),
        "drawn": evaluation.drawn_accuracy(predictor, *drawn),
        "drawn_naive": evaluation.drawn_accuracy(predictor, *drawn, naive=True),
    }


class TestAccuracyCallback(training.keras.callbacks.Callback):
    """Test accuracy after each epoch, and the training time it took to reach the target."""

    def __init__(self, test_images: np.ndarray, test_labels: np.ndarray):
        super().__init__()
        self.test_images, self.test_labels = test_images, test_labels
        self.accuracies, self.training_seconds, self.seconds_to_target = [], 0.0, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.training_seconds += time.perf_counter() - self.epoch_start
        probabilities = evaluation.predict_images(Predictor(self.model), self.test_images)
        self.accuracies.append(evaluation.accuracy(probabilities, self.test_labels))
        if self.seconds_to_target is None and self.accuracies[-1] >= TARGET_ACCURACY:
            self.seconds_to_target = self.training_seconds


def training_speed(name: str, mnist: tuple) -> dict:
    """Train the default fast recipe from scratch with each seed; time and test every epoch."""
    runs = [_training_run(name, seed, mnist) for seed in TRAINING_SEEDS]
    return {
        **runs[0],
        "images_per_second": statistics.median(run["images_per_second"] for run in runs),
        "seeds": list(TRAINING_SEEDS),
        "seconds_to_99_by_seed": [run["seconds_to_99"] for run in runs],
    }


def _training_run(name: str, seed: int, mnist: tuple) -> dict:
    """One run of the default recipe with `seed`."""
    (images, labels), (test_images, test_labels) = mnist
    settings = dataclasses.replace(config.TrainingConfig(model_name=name), seed=seed)
    tester = TestAccuracyCallback(test_images, test_labels)
    # As the app's Train: pen replays of all but the report writers (its comparison reads them).
    pen = trainset.for_recipe(settings, images, labels, exclude_writers=writers.report_writers())
    result = training.train(settings, pen.images, pen.labels, extra_callbacks=[tester])
    return {
        "images_per_second": statistics.median(r.images_per_second for r in result.history),
        "epochs": settings.epochs,
        "test_after_epoch": tester.accuracies,
        "seconds_to_99": tester.seconds_to_target,
        "seconds_total": tester.training_seconds,
    }


def sample_canvas() -> np.ndarray:
    """One replayed pen-written digit, as the app's canvas returns it."""
    digit, placement = pendigits.replay_set(count=1, seed=config.SEED)[0]
    return pendigits.render_replay(digit, placement)


def measure(quick: bool = False) -> dict:
    """All figures: latency, accuracy per model, and (unless quick) training speed."""
    mnist = data.load_mnist()
    drawn = evaluation.drawn_digits(config.PENDIGITS_EVAL_COUNT // (4 if quick else 1))
    canvas = sample_canvas()
    results = {"machine": machine_description(), "drawn_count": len(drawn[1]), "models": {}}
    for name in config.MODEL_NAMES:
        predictor = Predictor.load(name, with_judge=False)  # latency and accuracy only
        figures = {**latency(predictor, canvas), **accuracies(predictor, mnist[1], drawn)}
        figures["unseen"] = unseen_writers(name)
        if not quick:
            figures["training"] = training_speed(name, mnist)
        results["models"][name] = figures
    return results


def unseen_writers(name: str) -> dict | None:
    """The twin of `name` (trained without the report writers) measured on those writers."""
    path = config.TWINS_DIR / f"{name}.keras"
    if not path.is_file():
        return None
    twin = Predictor.load(name, config.TWINS_DIR, with_judge=False)
    return evaluation.writer_accuracy(twin, writers.report_writers())


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f} %"


def _seconds(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.1f} s"


def _unseen(key: str):
    return lambda figures: "—" if figures["unseen"] is None else _percent(figures["unseen"][key])


ROWS = (
    ("MNIST test accuracy (official 10,000)", lambda f: _percent(f["mnist_test"])),
    ("**People it never saw**: replayed drawings of the report writers", _unseen("accuracy")),
    ("… the worst of those writers", _unseen("worst_writer_accuracy")),
    ("… expected calibration error (15 bins)", _unseen("ece")),
    ("Drawn-digit accuracy, writers it trained on", lambda f: _percent(f["drawn"])),
    ("Drawn-digit accuracy, naive `cv2.resize` baseline", lambda f: _percent(f["drawn_naive"])),
    ("`to_mnist` one 280×280 drawing, p50", lambda f: f"{f['preprocess_ms']:.2f} ms"),
    ("Preprocess + predict one drawing, p50", lambda f: f"{f['preprocess_predict_ms']:.2f} ms"),
    ("`model.predict` one image, p50", lambda f: f"{f['keras_predict_ms']:.2f} ms"),
    ("Speed-up over `model.predict` (same run)", lambda f: f"{f['speedup']:.0f}×"),
)
TRAINING_ROWS = (
    ("Training throughput, default recipe", lambda t: f"{t['images_per_second']:,.0f} images/s"),
    (
        f"Test accuracy after each epoch, seed {TRAINING_SEEDS[0]}",
        lambda t: ", ".join(_percent(a) for a in t["test_after_epoch"]),
    ),
    (
        "Training time to 99.0 % test accuracy, seeds " + " / ".join(map(str, TRAINING_SEEDS)),
        lambda t: " / ".join(_seconds(seconds) for seconds in t["seconds_to_99_by_seed"]),
    ),
)


def table(results: dict) -> str:
    """The README's benchmark table, in Markdown."""
    names = config.MODEL_NAMES
    lines = ["| figure | " + " | ".join(name.upper() for name in names) + " |"]
    lines.append("|---" * (len(names) + 1) + "|")
    models = results["models"]
    for label, cell in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(models[n]) for n in names) + " |")
    if all("training" in models[n] for n in names):
        for label, cell in TRAINING_ROWS:
            lines.append(
                f"| {label} | " + " | ".join(cell(models[n]["training"]) for n in names) + " |"
            )
    lines.append("")
    lines.append(
        f"Measured by `python -m benchmarks speed` on {results['machine']}; "
        f"{results['drawn_count']:,} replayed drawings; medians of {LATENCY_REPEATS} calls."
    )
    lines.append(_unseen_note(models))
    return "\n".join(lines)


def _unseen_note(models: dict) -> str:
    """Which writers, drawings, seeds and models the "people it never saw" rows come from."""
    figure = next((models[n]["unseen"] for n in config.MODEL_NAMES if models[n]["unseen"]), None)
    if figure is None:
        return f"People it never saw: no twins in {config.TWINS_DIR} (see `make models`)."
    return (
        f"People it never saw: pendigits writers {', '.join(map(str, figure['writers']))} "
        f"(fold {writers.REPORT_FOLD}, looked at only to report), {figure['digits']:,} digits "
        f"× {figure['replays']} replays = {figure['drawings']:,} drawings (seed "
        f"{figure['seed']} + writer), read by the twins in `models/heldout/`: the shipped "
        "recipes and seeds trained without these writers. Blank reads count as wrong."
    )


def write_readme(text: str, path=config.README_PATH, start=TABLE_START, end=TABLE_END) -> bool:
    """Replace the text between two README markers; False if it has none."""
    readme = path.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(readme):
        return False
    path.write_text(pattern.sub(lambda _: f"{start}\n{text}\n{end}", readme))
    return True


def run(json_output: bool = False, quick: bool = False) -> int:
    """Measure, print, and write the README table; return an exit status."""
    results = measure(quick)
    text = table(results)
    print(json.dumps(results, indent=2) if json_output else text)
    if not quick and not write_readme(text):
        print(f"note: {config.README_PATH} has no {TABLE_START} marker; table not written")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks speed [--json] [--quick]`."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks speed", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    arguments = parser.parse_args(argv)
    try:
        return run(json_output=arguments.json, quick=arguments.quick)
    except ValueError as error:  # a missing or broken model, say
        print(f"benchmarks speed: error: {error}", file=sys.stderr)
        return 2
