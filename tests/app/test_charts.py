"""The probability bars: one per digit, as tall as its probability, the top one marked."""

import re

import numpy as np

from ui.charts import probability_bars_html


def test_the_bars_hold_each_digit_its_probability_and_mark_the_top_one():
    probabilities = np.array([0.01, 0.02, 0.6, 0.05, 0.1, 0.02, 0.05, 0.1, 0.03, 0.02], np.float32)
    html = probability_bars_html(probabilities)
    labels = re.findall(r'aria-label="digit: (\d), probability: ([\d.]+)%"', html)
    assert [int(digit) for digit, _ in labels] == list(range(10))
    values = [float(value) / 100 for _, value in labels]
    np.testing.assert_allclose(values, probabilities, atol=5e-4)
    heights = [float(value) / 100 for value in re.findall(r"height: ([\d.]+)%", html)]
    np.testing.assert_allclose(heights, probabilities, atol=5e-4)
    assert html.count("dp-bar-top") == 1
    assert re.search(r'dp-bar dp-bar-top"[^>]*digit: 2,', html)
