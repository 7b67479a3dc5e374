"""Number mode of the Draw tab: a wide canvas, each digit's box, 28 x 28 and answer."""

import cv2
import numpy as np
import streamlit as st
import streamlit_drawable_canvas  # called through the module: tests put a stand-in there

from digitpad import config, preprocess, segment
from ui import state
from ui.answer import answering_model
from ui.formatting import GALLERY_SIZE, confidence, enlarged
from ui.messages import NUMBER_HINT

BOX_COLOR = (230, 60, 40)  # digit boxes drawn over the number


def number_ui(name: str, pen_width: int) -> None:
    """Number mode: a wide canvas, each digit's box, 28 x 28 and answer, and the number."""
    result = streamlit_drawable_canvas.st_canvas(
        stroke_width=pen_width, stroke_color="#000000", background_color="#ffffff",
        update_streamlit=True, height=config.NUMBER_CANVAS[1], width=config.NUMBER_CANVAS[0],
        drawing_mode="freedraw", return_image_data=True, key=state.NUMBER_CANVAS_KEY,
    )  # fmt: skip
    _, predictor = answering_model(name)
    if result.image_data is None or predictor is None:
        st.info(NUMBER_HINT)
        return
    try:
        reading = segment.read_number(result.image_data, predictor)
    except preprocess.BlankDrawingError:
        st.info(NUMBER_HINT)
        return
    except ValueError as error:
        st.error(f"Cannot read the drawing: {error}")
        return
    st.markdown(f"### The number: {reading.number}")
    st.image(boxed_drawing(result.image_data, reading.boxes), caption="Where each digit is")
    for column, image, digit, probabilities in zip(
        st.columns(len(reading.digits)), reading.images, reading.digits, reading.probabilities,
        strict=True,
    ):  # fmt: skip
        column.image(enlarged(image, GALLERY_SIZE * 2), output_format="PNG")
        column.markdown(f"**{digit}** · {confidence(probabilities[digit])}")


def boxed_drawing(drawing: np.ndarray, boxes: tuple) -> np.ndarray:
    """A copy of the drawing (RGB) with a box around each digit."""
    picture = np.ascontiguousarray(drawing[:, :, :3])
    for left, top, width, height in boxes:
        cv2.rectangle(picture, (left, top), (left + width, top + height), BOX_COLOR, 2)
    return picture
