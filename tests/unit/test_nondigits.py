"""Synthetic non-digits: each family draws, the held-out family stays out of training."""

import numpy as np
import pytest

from digitpad import config, glyphs, nondigits

STROKE_FAMILIES = [family for family in nondigits.FAMILIES if family != "two_digits"]


@pytest.mark.parametrize("family", STROKE_FAMILIES)
def test_every_family_draws_ink_on_a_white_canvas(family):
    canvases = nondigits.canvases(family, 3, np.random.default_rng(1))
    assert canvases.shape == (3, config.CANVAS_SIZE, config.CANVAS_SIZE)
    assert canvases.dtype == np.uint8
    for canvas in canvases:
        border = np.concatenate([canvas[0], canvas[-1], canvas[:, 0], canvas[:, -1]])
        assert border.min() > 128  # no ink at the edge: to_mnist sees the whole drawing
        assert (canvas < 128).mean() > 0.002


def test_two_digits_draws_two_writers_digits_at_once(pendigits_path, monkeypatch):
    monkeypatch.setenv(config.PENDIGITS_ENV_VAR, str(pendigits_path))
    images = nondigits.images("two_digits", 4, np.random.default_rng(2))
    assert images.shape == (4, config.IMAGE_SIZE, config.IMAGE_SIZE) and images.max() > 200


def test_images_are_what_a_model_sees():
    images = nondigits.images("cross", 5, np.random.default_rng(3))
    assert images.shape == (5, config.IMAGE_SIZE, config.IMAGE_SIZE) and images.dtype == np.uint8
    assert (images[:, 0] == 0).all() and (images[:, :, 0] == 0).all()  # MNIST's black border


def test_the_same_seed_draws_the_same_non_digits_and_another_seed_others():
    first = nondigits.evaluation_images("font_letters", 4)
    assert np.array_equal(first, nondigits.evaluation_images("font_letters", 4))
    assert not np.array_equal(first, nondigits.evaluation_images("font_letters", 4, seed=1))


def test_training_images_never_draw_the_held_out_family(monkeypatch):
    drawn = []

    def fake_images(family, count, rng):
        drawn.append(family)
        return np.full((count, config.IMAGE_SIZE, config.IMAGE_SIZE), len(drawn), np.uint8)

    monkeypatch.setattr(nondigits, "images", fake_images)
    monkeypatch.setattr(nondigits, "_has_pendigits", lambda: True)
    images = nondigits.training_images(90, np.random.default_rng(4))
    assert len(images) == 90 and set(drawn) == set(nondigits.TRAINING_FAMILIES)
    assert nondigits.HELD_OUT_FAMILY not in drawn
    assert len(np.unique(images[:9, 0, 0])) > 1  # the families come shuffled


def test_training_images_skip_two_digits_without_the_pendigits_file(monkeypatch):
    monkeypatch.setattr(nondigits, "_has_pendigits", lambda: False)
    monkeypatch.setattr(nondigits, "images", lambda family, count, rng: _refuse_two(family, count))
    assert len(nondigits.training_images(20, np.random.default_rng(5))) == 20


def _refuse_two(family: str, count: int) -> np.ndarray:
    assert family != "two_digits"
    return np.zeros((count, config.IMAGE_SIZE, config.IMAGE_SIZE), np.uint8)


def test_letters_that_look_like_digits_are_left_out():
    assert not set(nondigits.LETTERS) & set(nondigits.DIGIT_LIKE_LETTERS)
    assert set(glyphs.PEN_LETTERS) <= set(nondigits.LETTERS)


def test_pen_symbols_train_and_are_neither_letters_nor_digits():
    assert "pen_symbols" in nondigits.TRAINING_FAMILIES
    assert nondigits.HELD_OUT_FAMILY == "pen_letters"
    assert not set(glyphs.PEN_SYMBOLS) & set(nondigits.LETTERS + "0123456789")


@pytest.mark.parametrize("table", [glyphs.PEN_LETTERS, glyphs.PEN_SYMBOLS])
def test_every_glyph_is_strokes_of_points_near_its_box(table):
    for name, glyph in table.items():
        points = np.concatenate([glyphs.polyline(stroke) for stroke in glyph])
        assert points.shape[1] == 2 and len(points) >= 2, name
        assert points.min() >= -0.05 and points.max() <= 1.45, name


def test_an_unknown_family_is_refused():
    with pytest.raises(ValueError, match="Unknown non-digit family 'clouds'"):
        nondigits.canvases("clouds", 1, np.random.default_rng(0))
