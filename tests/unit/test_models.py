"""Tests for the two classic architectures."""

import numpy as np
import pytest

from digitpad import models


@pytest.mark.parametrize(("name", "parameters"), [("mlp", 407_050), ("cnn", 93_322)])
def test_parameter_counts_match_the_classic_tutorials(name, parameters):
    assert models.build_model(name).count_params() == parameters


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_same_input_and_a_probability_per_digit(name):
    model = models.build_model(name)
    assert model.input_shape == (None, 28, 28, 1)
    probabilities = model(np.zeros((2, 28, 28, 1), np.float32)).numpy()
    assert probabilities.shape == (2, 10)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="mlp, cnn"):
        models.build_model("resnet")
