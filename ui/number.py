"""Number mode of the Draw tab: a wide canvas read from its strokes, each digit's box,
28 x 28, answer and doubt."""

import cv2
import numpy as np
import streamlit as st
import streamlit_drawable_canvas  # called through the module: tests put a stand-in there

from digitpad import config, preprocess, segment, strokes, verdict
from ui import state
from ui.answer import answering_model
from ui.formatting import GALLERY_SIZE, confidence, enlarged
from ui.messages import NUMBER_HINT

BOX_COLOR = (230, 60, 40)  # digit boxes drawn over the number
WHITE = 255
FIX_LABEL = "Correct this digit"
DIGIT_WIDTH = GALLERY_SIZE * 2 + 8  # each digit's 28 x 28, answer and picker
FIX_PLACEHOLDER = "Fix…"


def number_ui(name: str, pen_width: int) -> None:
    """Number mode: a wide canvas, each digit's box, 28 x 28 and answer, and the number.

    The number is read from the canvas's strokes on every rerun, so an undone stroke
    re-reads it at once.
    """
    result = streamlit_drawable_canvas.st_canvas(
        stroke_width=pen_width, stroke_color="#000000", background_color="#ffffff",
        update_streamlit=True, height=config.NUMBER_CANVAS[1], width=config.NUMBER_CANVAS[0],
        drawing_mode="freedraw", return_image_data=True, key=state.NUMBER_CANVAS_KEY,
    )  # fmt: skip
    _, predictor = answering_model(name)
    if predictor is None:
        return
    try:
        reading = strokes.read_canvas(result.json_data, predictor)
    except preprocess.BlankDrawingError:
        st.info(NUMBER_HINT)
        return
    except ValueError as error:
        st.error(f"Cannot read the drawing: {error}")
        return
    st.markdown(f"### The number: {corrected_number(reading)}")
    st.image(boxed_drawing(result.image_data, reading.boxes), caption="Where each digit is")
    digits_ui(reading)


def corrected_number(reading: segment.NumberReading) -> str:
    """The number read, with the digits the user picked in place of the model's."""
    return "".join(
        read if fix is None else str(fix)
        for read, fix in zip(reading.number, state.number_fixes(reading.boxes), strict=True)
    )


def digits_ui(reading: segment.NumberReading) -> None:
    """Each digit as the model saw it (28 x 28), its answer, how sure, and a picker to
    correct it, side by side."""
    verdicts = reading.is_digit or (True,) * len(reading.digits)
    row = st.container(horizontal=True, gap="small")  # wraps on a phone, digits side by side
    for image, probabilities, is_digit, box in zip(
        reading.images, reading.probabilities, verdicts, reading.boxes, strict=True
    ):
        column = row.container(width=DIGIT_WIDTH)
        column.image(enlarged(image, GALLERY_SIZE * 2), output_format="PNG")
        column.markdown(digit_text(probabilities, is_digit))
        column.selectbox(
            FIX_LABEL, range(10), index=None, placeholder=FIX_PLACEHOLDER,
            key=state.number_fix_key(box), label_visibility="collapsed",
        )  # fmt: skip


def digit_text(probabilities: np.ndarray, is_digit: bool) -> str:
    """One digit's answer: the digit and how sure (unsure: with its alternative); or, refused,
    "?" and the best guess, muted."""
    first, second = (int(digit) for digit in np.argsort(-probabilities, kind="stable")[:2])
    if not is_digit:
        return (
            f"**{verdict.NOT_A_DIGIT_MARK}** · {verdict.NOT_A_DIGIT}  \n"
            f":gray[best guess {first} · {confidence(probabilities[first])}]"
        )
    text = f"**{first}** · {confidence(probabilities[first])}"
    if probabilities[first] < config.LOW_CONFIDENCE:  # issue #14: say which digits it doubts
        text += f"  \n:orange[not sure: {first} or {second}?]"
    return text


def boxed_drawing(drawing: np.ndarray | None, boxes: tuple) -> np.ndarray:
    """A copy of the drawing (RGB; white when there is none) with a box around each digit."""
    if drawing is None:
        width, height = config.NUMBER_CANVAS
        picture = np.full((height, width, 3), WHITE, np.uint8)
    else:
        picture = np.ascontiguousarray(drawing[:, :, :3])
    for left, top, width, height in boxes:
        cv2.rectangle(picture, (left, top), (left + width, top + height), BOX_COLOR, 2)
    return picture
