"""The page's "That's not it" pills, "Your drawings" gallery and "Include my drawings"."""

import numpy as np
import pytest
from app_helpers import (
    APP_FILE,
    RUN_SECONDS,
    run_app,
    seven,
)
from streamlit.testing.v1 import AppTest

from digitpad import collection, config
from ui import state


@pytest.fixture
def drawings_dir(app_home, tmp_path, monkeypatch):
    """The user's collection, in tmp_path."""
    monkeypatch.setattr(config, "USER_DIR", tmp_path / "home")
    monkeypatch.delenv(collection.COLLECTION_ENV_VAR, raising=False)
    return tmp_path / "home" / "collection"


def test_a_correction_pill_saves_the_drawing_with_that_digit(drawings_dir, canvas):
    canvas.drawing = seven()
    app = run_app()
    app.button_group(key=state.CORRECTION_KEY).set_value(1).run()
    assert not app.exception
    assert [entry.label for entry in collection.entries(drawings_dir)] == [1]
    assert "1 drawing in your collection" in app.success[0].value
    assert app.expander[-1].label == "Your drawings (1)"
    assert app.button_group(key=state.CORRECTION_KEY).value is None  # ready for the next drawing


def open_drawings_app() -> AppTest:
    """The page with "Your drawings" open, as after a click on it."""
    app = AppTest.from_file(APP_FILE, default_timeout=RUN_SECONDS)
    app.session_state[state.DRAWINGS_OPEN_KEY] = True
    app.run()
    assert not app.exception, app.exception
    return app


def test_a_closed_your_drawings_holds_nothing_until_opened(drawings_dir, canvas):
    entry = collection.add(seven(), 7)
    closed = run_app()
    assert closed.expander[-1].label == "Your drawings (1)"
    assert not closed.expander[-1].children  # nothing for the page to redraw after a stroke
    opened = open_drawings_app()
    assert opened.button(key=state.delete_key(entry.id)).label == "Delete"
    assert "Per digit: 0: 0" in opened.expander[-1].caption[0].value


def test_the_gallery_deletes_a_drawing(drawings_dir, canvas):
    entry = collection.add(seven(), 7)
    app = open_drawings_app()
    assert app.expander[-1].label == "Your drawings (1)"
    app.button(key=state.delete_key(entry.id)).click().run()
    assert not app.exception and collection.entries(drawings_dir) == []
    assert app.expander[-1].label == "Your drawings (0)"


def test_training_with_my_drawings_mixes_them_in(drawings_dir, canvas, small_mnist, app_home):
    for label in (7, 7, 7, 7, 1, 1, 1, 1):
        collection.add(seven(), label)
    app = run_app()
    app.checkbox(key=state.INCLUDE_DRAWINGS_KEY).check()
    app.number_input(key=state.EPOCHS_KEY).set_value(1)
    app.button(key=state.TRAIN_BUTTON_KEY).click().run()
    assert not app.exception
    job = app_home.jobs[-1]
    assert job.join(120.0)
    assert job.snapshot().evaluation.user_held_out == 2
    assert len(job.images) > len(small_mnist[0][0])
    assert np.isin(job.user_held_out[1], (1, 7)).all()


def test_the_same_pill_twice_saves_the_drawing_once(drawings_dir, canvas):
    canvas.drawing = seven()
    app = run_app()
    app.button_group(key=state.CORRECTION_KEY).set_value(1).run()
    app.button_group(key=state.CORRECTION_KEY).set_value(1).run()
    assert not app.exception
    assert [entry.label for entry in collection.entries(drawings_dir)] == [1]
    assert app.expander[-1].label == "Your drawings (1)"


def test_another_pill_changes_the_saved_label_and_undo_takes_it_back(drawings_dir, canvas):
    canvas.drawing = seven()
    app = run_app()
    app.button_group(key=state.CORRECTION_KEY).set_value(1).run()
    app.button_group(key=state.CORRECTION_KEY).set_value(4).run()
    assert [entry.label for entry in collection.entries(drawings_dir)] == [4]
    assert "Saved as a 4" in app.success[0].value
    app.button(key=state.UNDO_SAVE_KEY).click().run()
    assert not app.exception
    assert collection.entries(drawings_dir) == []
    assert "Undone" in app.success[0].value
    assert app.expander[-1].label == "Your drawings (0)"


def test_a_new_drawing_is_saved_apart_from_the_last(drawings_dir, canvas):
    canvas.drawing = seven()
    app = run_app()
    app.button_group(key=state.CORRECTION_KEY).set_value(1).run()
    canvas.drawing = np.roll(seven(), 20, axis=1)
    app.run()
    assert not app.success  # the message went with the drawing it described
    app.button_group(key=state.CORRECTION_KEY).set_value(1).run()
    assert [entry.label for entry in collection.entries(drawings_dir)] == [1, 1]
