"""The shipped weights do what the README promises, on real data (subsets, to stay quick)."""

import dataclasses
import re
import shlex

import numpy as np
import pytest

from digitpad import cli, config, data, evaluation, inference, train_command

TEST_IMAGES = 2000  # the first 2,000 official test images
DRAWINGS = 300  # replayed pen-written digits
# Floors a little under the full-set figures in the README, for the smaller samples.
FLOORS = {"mlp": {"mnist": 0.975, "drawn": 0.90}, "cnn": {"mnist": 0.985, "drawn": 0.95}}
# The twins on the report fold, as the shipped sidecars record them (README: 97.87 %, 99.03 %):
# the floors are issue 12's targets (the CNN clears its 99.0 % by one drawing of 2,998).
UNSEEN_FLOORS = {"mlp": 0.975, "cnn": 0.990}


@pytest.fixture(scope="module")
def test_split(mnist_source):
    images, labels = data.load_mnist(mnist_source)[1]
    return images[:TEST_IMAGES], labels[:TEST_IMAGES]


@pytest.fixture(scope="module")
def drawings(pendigits_path):
    return evaluation.drawn_digits(DRAWINGS, path=pendigits_path)


@pytest.mark.parametrize("name", config.MODEL_NAMES)
def test_shipped_model_reads_mnist_and_drawings(name, test_split, drawings):
    predictor = inference.Predictor.load(name)
    mnist = evaluation.accuracy(evaluation.predict_images(predictor, test_split[0]), test_split[1])
    drawn = evaluation.drawn_accuracy(predictor, *drawings)
    assert mnist >= FLOORS[name]["mnist"], f"{name}: MNIST accuracy {mnist:.4f}"
    assert drawn >= FLOORS[name]["drawn"], f"{name}: drawn-digit accuracy {drawn:.4f}"


@pytest.mark.parametrize("name", config.MODEL_NAMES)
def test_sidecar_reports_the_training(name):
    info = inference.read_sidecar(inference.model_path(name))
    assert info["model"] == name and info["training_images"] > 20_000
    assert info["mnist_test_accuracy"] >= FLOORS[name]["mnist"]
    assert info["drawn_digit_accuracy"] >= FLOORS[name]["drawn"]
    assert np.isfinite(info["training_seconds"]) and info["trained_at"].startswith("20")


def make_models_lines(name: str) -> list[str]:
    """`make models`' train commands for `name`, with the Makefile's variables filled in."""
    makefile = (config.PROJECT_DIR / "Makefile").read_text()
    variables = dict(re.findall(r"^([A-Z_]+) [:?]?= (.*)$", makefile, re.M))
    variables["DIGITPAD_MNIST"] = "../shared/data/mnist"
    target = re.search(r"^models:.*?\n\n", makefile, re.M | re.S).group(0)  # not fold-models
    lines = re.findall(r"-m digitpad (train .*)", target)
    for _ in range(3):  # variables may name variables
        lines = [re.sub(r"\$\((\w+)\)", lambda m: variables[m.group(1)], line) for line in lines]
    return [line for line in lines if f"--model {name} " in line]


@pytest.mark.parametrize("name", config.MODEL_NAMES)
def test_make_models_trains_the_shipped_recipe(name):
    """`make models` (and the README, which quotes it) must reproduce each sidecar's recipe."""
    readme = config.README_PATH.read_text()
    lines = make_models_lines(name)
    assert len(lines) == 2  # the twin without the report writers, then the shipped model
    for line, folder in zip(lines, (config.TWINS_DIR, config.MODELS_DIR), strict=True):
        settings = train_command.training_settings(cli.build_parser().parse_args(shlex.split(line)))
        recipe = inference.read_sidecar(inference.model_path(name, folder))["recipe"]
        assert dataclasses.asdict(settings) == config.saved_recipe(recipe)
        assert f"python -m digitpad {line}" in readme


@pytest.mark.parametrize("name", config.MODEL_NAMES)
def test_the_shipped_sidecar_names_people_it_never_saw(name):
    from digitpad import heldout, writers

    figure = inference.read_sidecar(inference.model_path(name))[heldout.UNSEEN_KEY]
    assert figure["writers"] == sorted(writers.report_writers())
    assert figure["measured_on"].startswith("twin ") and figure["drawings"] > 2500
    assert figure["accuracy"] >= UNSEEN_FLOORS[name] and figure["ece"] <= 0.02
