"""The Draw tab: the canvas and, beside it, what both models make of the drawing."""

import cv2
import numpy as np
import streamlit as st
import streamlit_drawable_canvas  # called through the module: tests put a stand-in there

from digitpad import config, inference, saliency
from ui import state
from ui.answer import (
    PREVIEW_SIZE,
    answer_of,
    answering_model,
    answers_html,
    mnist_image_ui,
    other_answer,
    preview_ui,
)
from ui.charts import probability_bars_ui
from ui.collection import collection_ui, correction_ui
from ui.formatting import MODEL_LABELS, enlarged, other_model
from ui.number import number_ui
from ui.photo import photo_ui

CANVAS_COLUMN_WIDTH = config.CANVAS_SIZE + 20  # the canvas never scrolls sideways
HEAT_WEIGHT = 0.6  # how strongly the heat map tints the 28 x 28 preview
FEATURE_MAP_SIZE = 84  # each 28 x 28 feature map, enlarged 3x


def draw_ui(name: str, pen_width: int) -> None:
    """The Draw tab: the canvas, and beside it what both models make of the drawing."""
    state.keep_value(state.SALIENCY_KEY)  # not shown in Number mode either
    if st.toggle("Number", key=state.NUMBER_KEY, help="Write several digits on a wider canvas."):
        st.fragment(number_ui)(name, pen_width)  # a stroke reruns only the number part
        return
    st.fragment(drawing_ui)(name, pen_width)
    photo_ui(name)
    collection_ui()


def drawing_ui(name: str, pen_width: int) -> None:
    """The canvas and, beside it, what both models make of the drawing.

    A fragment: a stroke reruns only this, not the sidebar, the upload or the gallery.
    """
    if state.collection_changed():
        st.rerun()  # a correction was saved: the gallery below counts it
    state.keep_value(state.SALIENCY_KEY)  # its toggle is not shown while the canvas is blank
    with st.container(horizontal=True, gap="large"):
        with st.container(width=CANVAS_COLUMN_WIDTH):
            drawing = canvas_ui(pen_width)
        with st.container(width="stretch"):
            answer_ui(name, drawing)


def canvas_ui(pen_width: int) -> np.ndarray | None:
    """The drawing canvas; return its RGBA pixels, or None before the first stroke."""
    result = streamlit_drawable_canvas.st_canvas(
        stroke_width=pen_width, stroke_color="#000000", background_color="#ffffff",
        update_streamlit=True, height=config.CANVAS_SIZE, width=config.CANVAS_SIZE,
        drawing_mode="freedraw", return_image_data=True, key=state.CANVAS_KEY,
    )  # fmt: skip
    return result.image_data


def answer_ui(name: str, drawing: np.ndarray | None) -> None:
    """The chosen model's answer beside the other model's, the bars, and the model's input."""
    image = mnist_image_ui(drawing)
    if image is None:
        return
    answering, predictor = answering_model(name)
    if predictor is None:
        return
    answer = answer_of(MODEL_LABELS[answering], predictor, image)
    # After a fallback the other model is the broken one.
    other, problem = other_answer(other_model(name), image) if answering == name else (None, None)
    # The bars under the answers, the heat map under the preview: it never pushes them down.
    answer_column, preview_column = st.columns([3, 2])
    with answer_column:
        # Both answers in one block, sent once: a forward pass takes well under a millisecond.
        st.html(answers_html(answer, other))
        probability_bars_ui(answer.probabilities)
        if problem:
            st.caption(problem)
    with preview_column:
        preview_ui(image)
        heat_map = st.toggle("Heat map", key=state.SALIENCY_KEY, help="What the model looked at.")
    if heat_map:
        heat_map_ui(image, predictor, preview_column)
    correction_ui(drawing)
    if heat_map:
        feature_maps_ui(image, predictor)


def heat_map_ui(image: np.ndarray, predictor: inference.Predictor, column) -> None:
    """The heat map of what mattered to the answer, over the 28 x 28, in `column`."""
    heat = saliency.occlusion_map(image, predictor)
    colored = cv2.applyColorMap(enlarged(heat, PREVIEW_SIZE), cv2.COLORMAP_JET)[:, :, ::-1]
    gray = cv2.cvtColor(enlarged(image, PREVIEW_SIZE), cv2.COLOR_GRAY2RGB)
    column.image(
        cv2.addWeighted(colored, HEAT_WEIGHT, gray, 1 - HEAT_WEIGHT, 0),
        caption="Red: hiding this spot changes the answer most", output_format="PNG",
    )  # fmt: skip


def feature_maps_ui(image: np.ndarray, predictor: inference.Predictor) -> None:
    """The CNN's first-layer feature maps on the image (the MLP has none)."""
    try:
        maps = saliency.first_conv_maps(image, predictor.model)
    except ValueError:  # the MLP has no convolution layer
        return
    with st.expander("First-layer feature maps"):
        # One list of images: Streamlit lays them out as an even grid that wraps to the width.
        st.image([enlarged(feature_map, FEATURE_MAP_SIZE) for feature_map in maps],
                 width=FEATURE_MAP_SIZE, output_format="PNG")  # fmt: skip
