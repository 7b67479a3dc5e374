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
FLOORS = {"mlp": {"mnist": 0.975, "drawn": 0.90}, "cnn": {"mnist": 0.99, "drawn": 0.95}}


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


@pytest.mark.parametrize("name", config.MODEL_NAMES)
def test_make_models_trains_the_shipped_recipe(name):
    """`make models` (and the README, which quotes it) must reproduce each sidecar's recipe."""
    makefile = (config.PROJECT_DIR / "Makefile").read_text()
    readme = config.README_PATH.read_text()
    line = re.search(rf"-m digitpad (train --model {name} .*)", makefile).group(1)
    arguments = cli.build_parser().parse_args(shlex.split(line.replace("$(DIGITPAD_MNIST)", "x")))
    settings = train_command.training_settings(arguments)
    recipe = inference.read_sidecar(inference.model_path(name))["recipe"]
    assert dataclasses.asdict(settings) == recipe
    quoted = line.replace("$(DIGITPAD_MNIST)", "../shared/data/mnist")
    assert f"python -m digitpad {quoted}" in readme
