"""The photo upload of the Draw tab: a photo or scan of a digit on paper, cleaned, then read."""

import numpy as np
import streamlit as st

from digitpad import config, files, photo, preprocess
from ui import state
from ui.answer import answer_html, answer_of, answering_model, preview_ui
from ui.charts import probability_bars_ui
from ui.formatting import MODEL_LABELS
from ui.messages import PHOTO_BLANK, PHOTO_FILLED

PHOTO_LABEL = "…or upload a photo of a digit"
PHOTO_TYPES = ["png", "jpg", "jpeg"]
MEGABYTE = 1024 * 1024


def photo_ui(name: str) -> None:
    """An uploaded photo or scan of a digit on paper: cleaned, then read by the model."""
    # The server lets bigger files through (.streamlit/config.toml): this page says why not.
    uploaded = st.file_uploader(
        PHOTO_LABEL, type=PHOTO_TYPES, key=state.PHOTO_KEY,
        help=f"A PNG or JPEG photo of one digit, up to {config.MAX_UPLOAD_BYTES // MEGABYTE} MB.",
    )  # fmt: skip
    if uploaded is None:
        return
    data = uploaded.getvalue()
    if len(data) > config.MAX_UPLOAD_BYTES:
        st.error(
            f"{uploaded.name} is too big ({len(data) / MEGABYTE:.1f} MB): photos up to "
            f"{config.MAX_UPLOAD_BYTES // MEGABYTE} MB are accepted."
        )
        return
    try:
        cleaned = photo.clean_photo(files.read_image(data, max_side=photo.MAX_PHOTO_SIDE))
    except ValueError as error:
        st.error(f"Cannot read {uploaded.name}: {error}")
        return
    cleaned_column, answer_column = st.columns([1, 2])
    cleaned_column.image(cleaned, caption="The photo, cleaned: what the model reads")
    with answer_column:
        photo_answer_ui(name, cleaned)


def photo_image(cleaned: np.ndarray) -> np.ndarray | None:
    """The cleaned photo as a 28 x 28 MNIST image, or None (after saying why) when there is
    no digit: the photo's own messages, not the canvas's."""
    try:
        return preprocess.to_mnist(cleaned)
    except preprocess.FilledDrawingError:
        st.info(PHOTO_FILLED)
    except preprocess.BlankDrawingError:
        st.info(PHOTO_BLANK)
    except ValueError as error:
        st.error(f"Cannot read the photo: {error}")
    return None


def photo_answer_ui(name: str, cleaned: np.ndarray) -> None:
    """The answer on a cleaned photo: the digit, its probabilities and the 28 x 28 input."""
    image = photo_image(cleaned)
    answering, predictor = answering_model(name)
    if image is None or predictor is None:
        return
    answer = answer_of(MODEL_LABELS[answering], predictor, image)
    st.html(answer_html(answer))
    preview_ui(image)
    probability_bars_ui(answer.probabilities)
