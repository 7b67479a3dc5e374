"""Texts of the page that tests and the browser benchmark look for (one place each)."""

TITLE = "digitpad"
SUBTITLE = (
    "Draw a digit and see what a Keras MLP and CNN make of it. Retrain them, watch them learn."
)
BLANK_HINT = "Draw a digit from 0 to 9 on the canvas: both models answer as you draw."
# Under a refusal by a model that was sure enough by itself (`verdict.JUDGE` refused it).
JUDGE_REFUSED = "Refused: the {judge} does not take it for a digit"
NUMBER_HINT = "Write a number on the wide canvas, leaving a little space between digits."
PHOTO_BLANK = "No writing found on this photo: photograph one digit, dark on light paper."
PHOTO_FILLED = "This photo is nearly all dark: photograph one digit, dark on light paper."
