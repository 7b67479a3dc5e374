"""Tests of digitpad.heldout and evaluation's figures on writers never seen."""

import argparse
import dataclasses
import json

import numpy as np
import pytest

from digitpad import config, evaluation, heldout, writers


def test_calibration_error_is_the_gap_between_confidence_and_accuracy():
    sure_and_right = np.eye(10)[[1, 2, 3]]
    assert evaluation.expected_calibration_error(sure_and_right, [1, 2, 3]) == 0.0
    ninety = np.full((4, 10), 0.1 / 9)
    ninety[:, 0] = 0.9
    assert evaluation.expected_calibration_error(ninety, [0, 0, 0, 0]) == pytest.approx(0.1)
    assert evaluation.expected_calibration_error(ninety, [0, 0, 1, 1]) == pytest.approx(0.4)


class Oracle:
    """A predictor that always answers `digit` with full confidence."""

    def __init__(self, digit):
        self.digit = digit

    def probabilities(self, images):
        return np.tile(np.eye(10)[self.digit], (len(images), 1))


def test_writer_accuracy_counts_each_writer(pendigits_path):
    fold = writers.report_writers()
    figure = evaluation.writer_accuracy(Oracle(1), fold, pendigits_path, replays=1)
    assert figure["writers"] == sorted(fold) and len(figure["per_writer"]) == 6
    assert figure["drawings"] == figure["digits"] and 0.05 < figure["accuracy"] < 0.15
    assert figure["per_class"][1] == 1.0 and figure["per_class"][0] == 0.0
    assert figure["worst_writer_accuracy"] == min(figure["per_writer"].values())


def write_twin(folder, settings, figure):
    folder.mkdir()
    info = {"recipe": dataclasses.asdict(settings), heldout.UNSEEN_KEY: figure}
    (folder / f"{settings.model_name}.json").write_text(json.dumps(info))


def test_a_twin_of_the_same_recipe_lends_its_figure_and_says_so(tmp_path):
    settings = config.TrainingConfig(model_name="cnn", epochs=40, pen_images=None)
    write_twin(tmp_path / "twin", settings, {"accuracy": 0.99})
    figure = heldout.twin_figure(tmp_path / "twin", settings)
    assert figure["accuracy"] == 0.99 and "trained without these writers" in figure["measured_on"]
    with pytest.raises(ValueError, match="another recipe"):
        heldout.twin_figure(tmp_path / "twin", dataclasses.replace(settings, seed=1))


def test_a_twin_saved_before_a_recipe_field_existed_trained_at_its_default(tmp_path):
    settings = config.TrainingConfig(model_name="mlp", epochs=40)
    write_twin(tmp_path / "twin", settings, {"accuracy": 0.98})
    info = json.loads((tmp_path / "twin" / "mlp.json").read_text())
    del info["recipe"]["clean_epochs"]  # as in a sidecar saved before clean epochs existed
    (tmp_path / "twin" / "mlp.json").write_text(json.dumps(info))
    assert heldout.twin_figure(tmp_path / "twin", settings)["accuracy"] == 0.98
    with pytest.raises(ValueError, match="another recipe"):
        heldout.twin_figure(tmp_path / "twin", dataclasses.replace(settings, clean_epochs=8))
    info["recipe"] = None  # no recipe at all is not the default recipe
    (tmp_path / "twin" / "cnn.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="another recipe"):
        heldout.twin_figure(tmp_path / "twin", config.TrainingConfig())


def test_a_twin_without_a_figure_or_with_exclusions_is_refused(tmp_path):
    settings = config.TrainingConfig()
    write_twin(tmp_path / "twin", settings, None)
    (tmp_path / "twin" / "cnn.json").write_text(json.dumps({"recipe": {}}))
    with pytest.raises(ValueError, match="no unseen_writers figure"):
        heldout.twin_figure(tmp_path / "twin", settings)
    arguments = argparse.Namespace(exclude_writers="report", twin=tmp_path, pendigits=None)
    with pytest.raises(ValueError, match="not both"):
        heldout.Plan.from_arguments(arguments, settings)
