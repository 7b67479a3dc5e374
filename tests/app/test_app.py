"""Tests of the Streamlit page through AppTest: drawing, predictions, training, errors.

The fixtures (tests/app/conftest.py) stand a FakeCanvas in for the canvas and put tiny models
in tmp_path; app_helpers.py runs the page and reads it.
"""

import json

import cv2
import numpy as np
import pytest
from app_helpers import (
    JOIN_SECONDS,
    TEST_COUNT,
    TRAIN_COUNT,
    FakeCanvas,
    charts,
    expected_digit,
    markdown_text,
    run_app,
    seven,
    sidebar_caption,
)
from streamlit.testing.v1 import AppTest

from digitpad import config, data, inference, verdict
from ui import state
from ui.messages import BLANK_HINT


def test_page_renders_title_sidebar_and_a_hint(app_home, canvas):
    app = run_app()
    assert app.title[0].value == "digitpad"
    assert [info.value for info in app.info] == [BLANK_HINT]
    assert not charts(app)
    assert "93,322 parameters" in sidebar_caption(app)
    assert "shipped model" in sidebar_caption(app)
    assert app.button(key=state.TRAIN_BUTTON_KEY).disabled is False
    assert app.button(key=state.STOP_BUTTON_KEY).disabled is True
    assert app.button(key=state.RESTORE_BUTTON_KEY).disabled is True  # the user trained nothing yet
    assert app.number_input(key=state.EPOCHS_KEY).value == config.TrainingConfig().epochs
    assert canvas.options["width"] == canvas.options["height"] == config.CANVAS_SIZE
    assert canvas.options["drawing_mode"] == "freedraw" and canvas.options["update_streamlit"]
    assert canvas.options["key"] == "canvas" and canvas.options["stroke_width"] == 18


def test_switching_model_changes_the_sidebar_info(app_home, canvas):
    app = run_app()
    assert "93,322 parameters" in sidebar_caption(app)
    app.segmented_control(key=state.MODEL_KEY).set_value("mlp").run()
    assert "407,050 parameters" in sidebar_caption(app)
    mlp_accuracy = inference.read_sidecar(app_home.shipped / "mlp.json")["mnist_test_accuracy"]
    assert app.sidebar.metric[0].value == f"{mlp_accuracy:.1%}"


def test_drawing_shows_the_answer_chart_input_and_other_model(app_home, canvas):
    canvas.drawing = seven()
    app = run_app()
    text = markdown_text(app)
    cnn_digit = expected_digit("cnn", app_home.shipped, canvas.drawing)
    mlp_digit = expected_digit("mlp", app_home.shipped, canvas.drawing)
    assert "CNN says" in text and f'<div class="dp-digit">{cnn_digit}</div>' in text
    assert "MLP says" in text and f'<div class="dp-other">{mlp_digit}</div>' in text
    assert len(charts(app)) == 1
    [preview] = app.image
    assert preview.captions == ["What the model sees: 28 × 28"]
    assert preview.value[0].startswith("data:image/png;base64,")  # crisp pixels, no JPEG smudge
    assert not app.info
    app.segmented_control(key=state.MODEL_KEY).set_value("mlp").run()
    text = markdown_text(app)
    assert "MLP says" in text and f'<div class="dp-digit">{mlp_digit}</div>' in text


@pytest.mark.parametrize("drawing", ["blank", "dot"])
def test_a_blank_canvas_shows_a_hint_never_a_prediction(app_home, canvas, drawing):
    canvas.drawing = np.full((config.CANVAS_SIZE, config.CANVAS_SIZE, 4), 255, np.uint8)
    if drawing == "dot":
        cv2.circle(canvas.drawing, (140, 140), 3, (0, 0, 0, 255), -1)
    app = run_app()
    assert [info.value for info in app.info] == [BLANK_HINT]
    assert "says" not in markdown_text(app) and not charts(app)


def test_a_low_confidence_answer_says_so(app_home, canvas, monkeypatch):
    # Sure enough to be a digit (over both shipped thresholds), not sure which.
    hesitant = np.array([0.01, 0.01, 0.01, 0.01, 0.55, 0.02, 0.02, 0.02, 0.02, 0.33], np.float32)
    monkeypatch.setattr(inference.Predictor, "probabilities", lambda self, images: hesitant)
    canvas.drawing = seven()
    app = run_app()
    assert "Not sure: 4 or 9?" in markdown_text(app)


def test_a_drawing_both_models_refuse_is_not_a_digit_with_the_bars_still_there(
    app_home, canvas, monkeypatch
):
    flat = np.array([0.1, 0.1, 0.1, 0.1, 0.19, 0.1, 0.1, 0.1, 0.01, 0.1], np.float32)
    monkeypatch.setattr(inference.Predictor, "probabilities", lambda self, images: flat)
    canvas.drawing = seven()
    app = run_app()
    text = markdown_text(app)
    assert verdict.NOT_A_DIGIT_HEADLINE in text and 'class="dp-digit"' not in text
    assert "Best guess: 4 · 19.0%" in text and 'class="dp-other-refused"' in text
    assert len(charts(app)) == 1


def refusing_everything(model_file) -> None:
    """Give a model a threshold over any digit score in its sidecar: it refuses every drawing."""
    sidecar = inference.sidecar_path(model_file)
    info = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**info, verdict.THRESHOLD_KEY: 1000.0}))


def test_each_model_refuses_by_the_threshold_in_its_own_sidecar(app_home, canvas):
    refusing_everything(app_home.shipped / "mlp.keras")
    canvas.drawing = seven()
    app = run_app()
    text = markdown_text(app)
    assert 'class="dp-digit"' in text  # the CNN still answers (the default threshold)
    assert 'class="dp-other-refused"' in text  # the MLP, beside it, refuses


def test_a_drawing_the_cnn_refuses_is_refused_by_the_mlp_too(app_home, canvas):
    refusing_everything(app_home.shipped / "cnn.keras")
    canvas.drawing = seven()
    app = run_app()
    app.segmented_control(key=state.MODEL_KEY).set_value("mlp").run()
    text = markdown_text(app)
    assert verdict.NOT_A_DIGIT_HEADLINE in text and 'class="dp-digit"' not in text  # the MLP
    assert "Refused: the CNN" in text  # the MLP alone was sure enough
    assert 'class="dp-other-refused"' in text  # the CNN beside it


def test_missing_mnist_shows_how_to_fix_it_and_drawing_keeps_working(app_home, canvas, monkeypatch):
    def offline(*arguments, **options):
        raise ValueError("Cannot load MNIST through Keras (offline)")

    monkeypatch.setattr(data, "load_mnist", offline)
    canvas.drawing = seven()
    app = run_app()
    app.button(key=state.TRAIN_BUTTON_KEY).click().run()
    assert app.session_state[state.TAB_KEY] == state.TRAIN_TAB
    assert "offline" in app.error[0].value
    assert "DIGITPAD_MNIST" in app.info[0].value
    assert app_home.jobs == []
    assert "CNN says" in markdown_text(app)


def assert_running_in_both_sessions(app: AppTest) -> None:
    """The running training's progress, in this session and in a second one."""
    [progress] = app.main.get("progress")
    assert progress.proto.text == "Training the CNN: epoch 1 / 1"
    [sidebar_progress] = app.sidebar.get("progress")  # seen from the Draw tab too
    assert sidebar_progress.proto.text == progress.proto.text
    assert app.button(key=state.TRAIN_BUTTON_KEY).disabled
    assert not app.button(key=state.STOP_BUTTON_KEY).disabled
    other_session = run_app(view=state.TRAIN_TAB)  # a second browser session sees the same job
    assert other_session.main.get("progress")[0].proto.text == progress.proto.text
    assert other_session.button(key=state.TRAIN_BUTTON_KEY).disabled


def assert_trained_and_in_use(app: AppTest, app_home, canvas: FakeCanvas) -> None:
    """The finished training's results, and its model answering the drawing."""
    assert not app.get("progress")
    assert f"of the {TEST_COUNT} MNIST test images right" in app.success[0].value
    assert len(charts(app)) == 4  # loss, accuracy, confusion matrix (+ the Draw tab's bars)
    assert len(app.dataframe[0].value) == 1  # one epoch in the metrics table
    assert (app_home.user / "cnn.keras").is_file()
    trained = int((TRAIN_COUNT + TRAIN_COUNT // 10) * 0.9)  # + a tenth as many non-digits
    assert f"on {trained} images · your training" in sidebar_caption(app)
    # The new model answers (a model trained on a few hundred images may well refuse).
    reading = inference.Predictor.load("cnn", app_home.user).read_drawing(canvas.drawing)
    shown = (
        f'<div class="dp-digit">{reading.digit}</div>'
        if reading.is_digit
        else f"Best guess: {reading.best_guess} · "
    )
    assert shown in markdown_text(app)


def test_training_reports_progress_finishes_and_is_used_at_once(
    app_home, canvas, small_mnist, gate
):
    canvas.drawing = seven()
    app = run_app()
    app.number_input(key=state.EPOCHS_KEY).set_value(1)
    app.select_slider(key=state.BATCH_KEY).set_value(32)
    app.button(key=state.TRAIN_BUTTON_KEY).click().run()
    assert gate.reached.wait(JOIN_SECONDS)
    app.run()
    assert app.session_state[state.TAB_KEY] == state.TRAIN_TAB
    assert_running_in_both_sessions(app)

    gate.release()
    [job] = app_home.jobs
    assert job.join(JOIN_SECONDS)
    app.run()
    assert not app.exception, app.exception
    assert_waiting_for_a_choice(app, app_home, canvas)
    app.button(key=state.USE_NEW_KEY).click().run()
    assert_trained_and_in_use(app, app_home, canvas)

    assert_restore_asks_then_no_tab_claims_the_model(app, app_home)


def assert_restore_asks_then_no_tab_claims_the_model(app: AppTest, app_home) -> None:
    """Restore asks first (Cancel keeps the model); then no session says it is in use."""
    app.button(key=state.RESTORE_BUTTON_KEY).click().run()
    assert (app_home.user / "cnn.keras").exists()
    assert "Delete your trained CNN" in app.sidebar.warning[0].value
    app.button(key=state.RESTORE_CANCEL_KEY).click().run()
    assert (app_home.user / "cnn.keras").exists() and not app.sidebar.warning
    app.button(key=state.RESTORE_BUTTON_KEY).click().run()
    app.button(key=state.RESTORE_CONFIRM_BUTTON_KEY).click().run()
    assert not (app_home.user / "cnn.keras").exists()
    assert "shipped model" in sidebar_caption(app)
    assert_no_longer_in_use(app)
    assert_no_longer_in_use(run_app(view=state.TRAIN_TAB))  # another session says the same


def assert_waiting_for_a_choice(app: AppTest, app_home, canvas: FakeCanvas) -> None:
    """Both models' figures and the two choices; the Draw tab still uses the model in use."""
    assert not app.success
    assert "The Draw tab keeps the CNN in use until you choose" in app.warning[0].value
    assert "The new CNN waits for your choice" in app.sidebar.info[0].value
    assert f"| {TEST_COUNT} MNIST test images |" in markdown_text(app)
    assert "the pendigits file is missing" in " ".join(caption.value for caption in app.caption)
    assert not (app_home.user / "cnn.keras").exists()
    assert (app_home.user / "cnn.candidate.keras").is_file()
    shipped_digit = expected_digit("cnn", app_home.shipped, canvas.drawing)
    assert f'<div class="dp-digit">{shipped_digit}</div>' in markdown_text(app)
    [job] = app_home.jobs
    better = job.snapshot().comparison.candidate_is_better
    highlighted = state.USE_NEW_KEY if better else state.KEEP_CURRENT_KEY
    assert app.button(key=highlighted).proto.type == "primary"


def assert_no_longer_in_use(app: AppTest) -> None:
    """After Restore, no tab says the trained model is in use."""
    assert not app.exception, app.exception
    assert "The Draw tab uses it now" not in " ".join(message.value for message in app.success)
    assert "no longer in use" in app.info[0].value


def test_keep_the_current_one_deletes_the_new_model_and_the_answer_stays(
    app_home, canvas, small_mnist
):
    canvas.drawing = seven()
    app = run_app()
    app.number_input(key=state.EPOCHS_KEY).set_value(1)
    app.button(key=state.TRAIN_BUTTON_KEY).click().run()
    [job] = app_home.jobs
    assert job.join(JOIN_SECONDS)
    app.run()
    assert_waiting_for_a_choice(app, app_home, canvas)
    app.button(key=state.KEEP_CURRENT_KEY).click().run()
    assert "You kept the CNN in use" in app.info[0].value
    assert not app_home.user.exists() or list(app_home.user.iterdir()) == []
    assert "shipped model" in sidebar_caption(app)
    assert state.USE_NEW_KEY not in [button.key for button in app.button]


def test_stop_ends_the_training_and_keeps_the_model_in_use(app_home, canvas, small_mnist, gate):
    app = run_app()
    app.number_input(key=state.EPOCHS_KEY).set_value(1)
    app.button(key=state.TRAIN_BUTTON_KEY).click().run()
    assert gate.reached.wait(JOIN_SECONDS), app_home.jobs[0].snapshot().error
    app.button(key=state.STOP_BUTTON_KEY).click().run()
    assert app.main.get("progress")[0].proto.text == "Stopping the CNN training…"
    gate.release()
    [job] = app_home.jobs
    assert job.join(JOIN_SECONDS)
    app.run()
    assert "stopped" in app.info[-1].value
    assert not (app_home.user / "cnn.keras").exists()
    assert "shipped model" in sidebar_caption(app)
