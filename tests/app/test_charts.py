"""The probability bars' data."""

import numpy as np

from ui.charts import PROBABILITY_SPEC, probability_table


def test_the_bars_hold_each_digit_its_probability_and_mark_the_top_one():
    probabilities = np.array([0.01, 0.02, 0.6, 0.05, 0.1, 0.02, 0.05, 0.1, 0.03, 0.02], np.float32)
    table = probability_table(probabilities)
    assert table.column_names == ["digit", "probability", "top"]
    assert table.column("digit").to_pylist() == [str(digit) for digit in range(10)]
    np.testing.assert_allclose(table.column("probability").to_numpy(), probabilities)
    assert table.column("top").to_pylist() == [digit == 2 for digit in range(10)]


def test_the_spec_names_the_columns_of_the_table():
    fields = {
        channel["field"] for channel in PROBABILITY_SPEC["encoding"].values() if "field" in channel
    }
    assert fields <= set(probability_table(np.full(10, 0.1)).column_names)
