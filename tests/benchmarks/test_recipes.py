"""The recipe search's variants: each is the shipped recipe with one lever changed."""

import dataclasses

import pytest

from benchmarks import recipes
from digitpad import writers


def test_the_plain_variants_are_the_shipped_recipes():
    cnn = recipes.settings_of("cnn")
    mlp = recipes.settings_of("mlp")
    assert (cnn.mnist_copies, mlp.mnist_copies) == (1, 2)
    assert (cnn.clean_epochs, mlp.clean_epochs) == (8, 0)
    assert (cnn.epochs, cnn.pen_replays, cnn.non_digits, cnn.label_smoothing) == (40, 4, 16000, 0.1)
    assert (mlp.model_name, mlp.label_smoothing, mlp.pen_images) == ("mlp", 0.0, None)


def test_each_variant_changes_one_lever():
    plain = {name: recipes.settings_of(name.split("-")[0]) for name in recipes.VARIANTS}
    for name in recipes.VARIANTS:
        settings = recipes.settings_of(name)
        base = plain[name]
        changed = {
            field.name
            for field in dataclasses.fields(settings)
            if getattr(settings, field.name) != getattr(base, field.name)
        }
        assert len(changed) <= 1, name


def test_the_report_fold_is_never_trained_on_nor_measured():
    assert set(writers.report_writers()) <= set(recipes.EXCLUDED)
    assert recipes.TUNING_FOLD != writers.REPORT_FOLD


def test_an_unknown_variant_fails_before_any_training(tmp_path):
    with pytest.raises(ValueError, match="unknown variant"):
        recipes.main(["cnn", "cnn-twice-as-wide", "--out", str(tmp_path)])
    assert not list(tmp_path.iterdir())


def test_a_style_variant_trains_with_that_style_alone(monkeypatch):
    from digitpad import styles

    monkeypatch.setattr(styles, "CATALOGUE", styles.CATALOGUE)
    settings = recipes.settings_of("mlp-style-2")
    recipes.only_style("mlp-style-2")
    assert settings.style_catalogue and settings.model_name == "mlp"
    assert styles.CATALOGUE[0].name == "1 with a base serif" and len(styles.CATALOGUE) == 1
    recipes.only_style("cnn-style-0")
    assert [style.name for style in styles.CATALOGUE] == ["crossed 7"]
    recipes.only_style("cnn")
    assert styles.CATALOGUE == recipes.FULL_CATALOGUE


@pytest.mark.parametrize("name", ["cnn-style-99", "rnn-style-1", "cnn-style-x"])
def test_a_style_variant_must_name_a_style_and_a_model(name):
    with pytest.raises(ValueError, match="unknown variant"):
        recipes.settings_of(name)
