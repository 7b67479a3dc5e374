"""The photo upload of the Draw tab: a photo or scan of a digit on paper, cleaned, then read."""

import numpy as np
import streamlit as st

from digitpad import files, photo
from ui import state
from ui.answer import answer_html, answering_model, mnist_image_ui, preview_ui
from ui.charts import probability_bars_ui
from ui.formatting import MODEL_LABELS

PHOTO_LABEL = "…or upload a photo of a digit"
PHOTO_TYPES = ["png", "jpg", "jpeg"]


def photo_ui(name: str) -> None:
    """An uploaded photo or scan of a digit on paper: cleaned, then read by the model."""
    uploaded = st.file_uploader(PHOTO_LABEL, type=PHOTO_TYPES, key=state.PHOTO_KEY)
    if uploaded is None:
        return
    try:
        cleaned = photo.clean_photo(files.read_image(uploaded.getvalue()))
    except ValueError as error:
        st.error(f"Cannot read {uploaded.name}: {error}")
        return
    cleaned_column, answer_column = st.columns([1, 2])
    cleaned_column.image(cleaned, caption="The photo, cleaned: what the model reads")
    with answer_column:
        photo_answer_ui(name, cleaned)


def photo_answer_ui(name: str, cleaned: np.ndarray) -> None:
    """The answer on a cleaned photo: the digit, its probabilities and the 28 x 28 input."""
    image = mnist_image_ui(cleaned)
    answering, predictor = answering_model(name)
    if image is None or predictor is None:
        return
    probabilities = predictor.probabilities(image)
    st.html(answer_html(MODEL_LABELS[answering], probabilities))
    preview_ui(image)
    probability_bars_ui(probabilities)
