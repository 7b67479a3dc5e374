"""The page when a model file is broken, the canvas is full of ink, or two sessions train at once.

Models are untrained stand-ins (built and saved in a second): these tests check what the page
says and which model answers, not how well. Paths point into tmp_path, never at `models/`.
"""

import numpy as np
import pytest
from app_helpers import (
    FakeCanvas,
    app_homes,
    charts,
    fake_canvas,
    markdown_text,
    run_app,
    seven,
    sidebar_caption,
)
from helpers import BatchGate

from digitpad import config, data, inference, models, training, verdict
from ui import state

RUN_SECONDS = 60
JOIN_SECONDS = 120.0
SYNTHETIC_COUNT = 320
RESTORE_ADVICE = "Restore shipped model"


@pytest.fixture(scope="module")
def stand_in_models(tmp_path_factory) -> dict:
    """Both models, untrained, saved once with sidecars. Their threshold 0 makes them always
    answer a digit: these tests are about which model answers, not whether it refuses."""
    folder = tmp_path_factory.mktemp("stand-in-models")
    info = {verdict.THRESHOLD_KEY: 0.0}
    return {
        name: training.save_model(
            models.build_model(name), inference.model_path(name, folder), {"model": name, **info}
        )
        for name in config.MODEL_NAMES
    }


@pytest.fixture
def homes(stand_in_models, tmp_path, monkeypatch):
    """The app's folders, with untrained stand-ins as the shipped models."""
    yield from app_homes(stand_in_models, tmp_path, monkeypatch)


@pytest.fixture
def canvas(monkeypatch) -> FakeCanvas:
    """Replace the drawing canvas with a FakeCanvas holding a 7."""
    fake = fake_canvas(monkeypatch)
    fake.drawing = seven()
    return fake


def break_model(path, fault: str) -> str:
    """Damage the model file at `path`; return the reason the page must give."""
    if fault == "missing":
        path.unlink()
        return "No CNN model at"
    if fault == "empty":
        path.write_bytes(b"")
        return "the model file is empty"
    if fault == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        return "truncated or not a .keras file"
    path.write_text("<html>a download error page, not a model</html>")
    return "not a readable Keras model"


def expected_digit(name: str, models_dir, drawing: np.ndarray) -> int:
    _, probabilities = inference.Predictor.load(name, models_dir).predict_drawing(drawing)
    return int(np.argmax(probabilities))


@pytest.mark.parametrize("fault", ["missing", "empty", "truncated", "not-keras"])
def test_a_broken_shipped_model_is_named_and_the_other_model_answers(homes, canvas, fault):
    broken = homes.shipped / "cnn.keras"
    reason = break_model(broken, fault)
    app = run_app()
    [sidebar_error] = app.sidebar.error
    assert str(broken) in sidebar_error.value and reason in sidebar_error.value
    assert RESTORE_ADVICE not in sidebar_caption(app)  # nothing of the user's to delete
    assert app.button(key=state.RESTORE_BUTTON_KEY).disabled
    [warning] = app.main.warning
    assert str(broken) in warning.value and "Showing the MLP's answer instead." in warning.value
    mlp_digit = expected_digit("mlp", homes.shipped, canvas.drawing)
    text = markdown_text(app)
    assert "MLP says" in text and f'<div class="dp-digit">{mlp_digit}</div>' in text
    assert "CNN says" not in text
    app.segmented_control(key=state.MODEL_KEY).set_value("mlp").run()
    assert not app.error and not app.warning  # the MLP is fine: no complaint about it


def test_a_broken_trained_model_offers_the_shipped_one_back(homes, canvas):
    homes.user.mkdir(parents=True)
    mine = homes.user / "cnn.keras"
    mine.write_bytes((homes.shipped / "cnn.keras").read_bytes()[:1000])
    inference.sidecar_path(mine).write_text('{"model": "cnn"}')
    app = run_app()
    [sidebar_error] = app.sidebar.error
    assert str(mine) in sidebar_error.value and "truncated" in sidebar_error.value
    assert RESTORE_ADVICE in sidebar_caption(app)
    assert app.button(key=state.RESTORE_BUTTON_KEY).disabled is False
    assert "MLP says" in markdown_text(app)

    app.button(key=state.RESTORE_BUTTON_KEY).click().run()
    assert mine.exists()  # Restore asks first
    app.button(key=state.RESTORE_CONFIRM_BUTTON_KEY).click().run()
    assert not app.exception, app.exception
    assert not mine.exists() and not inference.sidecar_path(mine).exists()
    assert not app.error and not app.warning
    assert "shipped model" in sidebar_caption(app)
    cnn_digit = expected_digit("cnn", homes.shipped, canvas.drawing)
    assert f'<div class="dp-digit">{cnn_digit}</div>' in markdown_text(app)


def test_with_both_models_broken_the_page_names_both_and_predicts_nothing(homes, canvas):
    for name in config.MODEL_NAMES:
        (homes.shipped / f"{name}.keras").write_bytes(b"PK\x03\x04 cut short")
    app = run_app()
    [main_error] = app.main.error
    assert main_error.value.startswith("Neither model can answer.")
    for name in config.MODEL_NAMES:
        assert str(homes.shipped / f"{name}.keras") in main_error.value
    assert "says" not in markdown_text(app) and not charts(app)


def test_a_canvas_filled_with_ink_says_so_and_predicts_nothing(homes, canvas):
    canvas.drawing = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE, 4), 255, np.uint8)
    canvas.drawing[3:-3, 3:-3, :3] = 0  # a pen swept over nearly all of it
    app = run_app()
    assert [info.value for info in app.info] == [
        "The canvas is filled with ink: clear it and draw a digit."
    ]
    assert "says" not in markdown_text(app) and not charts(app)


def test_settings_that_cannot_train_are_refused_before_any_job(homes, canvas, monkeypatch):
    images = np.zeros((100, 28, 28), np.uint8)
    labels = np.zeros(100, np.uint8)
    monkeypatch.setattr(data, "load_mnist", lambda *arguments: ((images, labels), (images, labels)))
    monkeypatch.setenv("DIGITPAD_TRAIN_LIMIT", "50")  # fewer images than one batch of 128
    app = run_app()
    app.button(key=state.TRAIN_BUTTON_KEY).click().run()
    assert not app.exception, app.exception
    [error] = app.error
    assert error.value == "The batch size must be between 1 and the 45 training images."
    assert homes.jobs == [] and not app.get("progress")


def test_two_sessions_training_the_same_model_one_runs_the_other_is_told(
    homes, canvas, monkeypatch
):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (SYNTHETIC_COUNT, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, config.NUM_CLASSES, SYNTHETIC_COUNT).astype(np.uint8)
    monkeypatch.setattr(data, "load_mnist", lambda *arguments: ((images, labels), (images, labels)))
    gate = BatchGate().install(monkeypatch)
    first, second = run_app(), run_app()  # both pages show an enabled Train button
    try:
        first.number_input(key=state.EPOCHS_KEY).set_value(1)
        first.button(key=state.TRAIN_BUTTON_KEY).click().run()
        assert gate.reached.wait(JOIN_SECONDS), homes.jobs[0].snapshot().error
        second.button(key=state.TRAIN_BUTTON_KEY).click().run()
        assert not second.exception, second.exception
        assert second.session_state[state.TAB_KEY] == state.TRAIN_TAB
        assert "A CNN training is already running." in [error.value for error in second.error]
        assert second.button(key=state.TRAIN_BUTTON_KEY).disabled  # and it follows the running job
        assert len(homes.jobs) == 1 and homes.jobs[0].active
    finally:
        gate.release()
