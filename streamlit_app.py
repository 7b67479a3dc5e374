"""digitpad: draw a digit and see what a Keras MLP and CNN make of it; retrain them live.

Run with `streamlit run streamlit_app.py`. Environment variables:
DIGITPAD_MNIST (where MNIST is), DIGITPAD_HOME (where your trained models go),
DIGITPAD_TRAIN_LIMIT (train on at most this many MNIST images: quick demos and tests).
The page lives in the `ui` package; the library it shows is `digitpad`.
"""

import streamlit as st

from ui import resources, state
from ui.draw import draw_ui
from ui.messages import SUBTITLE, TITLE
from ui.sidebar import sidebar_ui
from ui.train import follow_running_training, train_ui


def main() -> None:
    """Lay out the page: title, sidebar, and the Draw and Train tabs."""
    st.set_page_config(page_title=TITLE, page_icon="✍️", layout="wide")
    st.html(resources.page_style())
    st.html(resources.send_on_release_script(), unsafe_allow_javascript=True)
    st.html(resources.canvas_fit_script(), unsafe_allow_javascript=True)
    st.title(TITLE)
    st.html(f'<p class="dp-subtitle">{SUBTITLE}</p>')  # hidden on phones, for the canvas
    resources.light_keras_reset()
    resources.single_threaded_kernels()
    registry = resources.job_registry()
    name, pen_width = sidebar_ui(registry)
    follow_running_training(registry)
    draw_tab, train_tab = st.tabs(
        [state.DRAW_TAB, state.TRAIN_TAB], key=state.TAB_KEY, on_change="rerun"
    )
    with draw_tab:
        draw_ui(name, pen_width)
    with train_tab:
        if train_tab.open:
            train_ui(name, registry)


if __name__ == "__main__":
    main()
