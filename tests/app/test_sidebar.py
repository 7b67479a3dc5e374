from ui import sidebar
from ui.formatting import percent


def test_the_sidebar_shows_people_it_never_saw_when_the_sidecar_has_it():
    info = {"unseen_writers": {"accuracy": 0.9897}, "drawn_digit_accuracy": 0.9955}
    label, value, help_text = sidebar.drawn_figure(info)
    assert (label, value) == ("People it never saw", percent(0.9897))
    assert "trained without them" in help_text


def test_a_model_without_that_figure_shows_its_drawn_digit_accuracy_named_as_such():
    label, value, help_text = sidebar.drawn_figure({"drawn_digit_accuracy": 0.9955})
    assert (label, value) == ("Drawn digits", percent(0.9955))
    assert "including writers the model trained on" in help_text
