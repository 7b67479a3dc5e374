"""The page's charts: probability bars, training curves and the confusion matrix."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from digitpad import progress, training
from ui.formatting import optional_percent

CURVE_HEIGHT = 280
MAX_CURVE_POINTS = 300  # training points per curve: enough for its shape, light to send
CONFUSION_HEIGHT = 340
HIGHLIGHT_COLOR = "#2563eb"
VALIDATION_COLOR = "#f97316"
SPLITS = ("training", "validation")
METRICS = ("loss", "accuracy")
CURVES_LEGEND = (
    f'<span style="color:{HIGHLIGHT_COLOR}">●</span> training images &nbsp; '
    f'<span style="color:{VALIDATION_COLOR}">●</span> validation images (held out)'
)


def probability_bars_ui(probabilities: np.ndarray) -> None:
    """Bars of the 10 digits' probabilities, the top one highlighted."""
    st.html(probability_bars_html(probabilities))


def probability_bars_html(probabilities: np.ndarray) -> str:
    """The bars as plain HTML and CSS (ui/assets/style.css).

    Not a Vega-Lite chart: drawing one after every stroke kept the browser busy for longer
    than the server took to answer, and ten sessions at once on one machine waited for it.
    """
    top = int(np.argmax(probabilities))
    bars = "".join(
        f'<div class="dp-bar{" dp-bar-top" if digit == top else ""}" role="img" '
        f'aria-label="digit: {digit}, probability: {value:.1%}" title="{digit}: {value:.1%}" '
        f'data-probability="{value:.6f}">'
        f'<div class="dp-bar-track"><div class="dp-bar-fill" style="height: {value:.1%}">'
        f'</div></div><div class="dp-bar-digit">{digit}</div></div>'
        for digit, value in enumerate(np.asarray(probabilities, dtype=np.float64))
    )
    return f'<div class="dp-bars">{bars}</div>'


def history_frame(
    history: tuple[training.EpochReport, ...], batches: tuple[progress.BatchPoint, ...] = ()
) -> pd.DataFrame:
    """The curves' data in long form: epoch (epochs done), metric, split, value.

    The training curve follows the batches (so one epoch draws a line), thinned to
    `MAX_CURVE_POINTS`; without batches it has a point per epoch. Validation: one per epoch.
    """
    rows = []
    stride = max(len(batches) // MAX_CURVE_POINTS, 1)
    for point in batches[::stride]:
        rows += [(point.progress, metric, SPLITS[0], getattr(point, metric)) for metric in METRICS]
    for report in history:
        for metric in METRICS:
            if not batches:
                rows.append((report.epoch, metric, SPLITS[0], getattr(report, metric)))
            validation = getattr(report, f"val_{metric}")
            if validation is not None:
                rows.append((report.epoch, metric, SPLITS[1], validation))
    return pd.DataFrame(rows, columns=["epoch", "metric", "split", "value"])


def curve_chart(frame: pd.DataFrame, metric: str, title: str) -> alt.LayerChart:
    """One metric's training line and validation points (the legend is `CURVES_LEGEND`)."""
    value_format = "%" if metric == "accuracy" else ".2f"
    base = alt.Chart(frame[frame["metric"] == metric], title=title).encode(
        x=alt.X("epoch:Q", title="epochs", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y(
            "value:Q", title=None, scale=alt.Scale(zero=False),
            axis=alt.Axis(format=value_format, tickCount=5),
        ),
        color=alt.Color(
            "split:N", legend=None,
            scale=alt.Scale(domain=SPLITS, range=[HIGHLIGHT_COLOR, VALIDATION_COLOR]),
        ),
        tooltip=[alt.Tooltip("epoch:Q", format=".2f"), "split",
                 alt.Tooltip("value:Q", format=".4f")],
    )  # fmt: skip
    training_line = base.transform_filter(f"datum.split == '{SPLITS[0]}'").mark_line()
    validation = base.transform_filter(f"datum.split == '{SPLITS[1]}'").mark_line(point=True)
    return alt.layer(training_line, validation).properties(height=CURVE_HEIGHT)


def metrics_table(history: tuple[training.EpochReport, ...]) -> pd.DataFrame:
    """One row per epoch, in the units people read."""
    return pd.DataFrame(
        {
            "Epoch": [report.epoch for report in history],
            "Loss": [report.loss for report in history],
            "Accuracy": [optional_percent(report.accuracy) for report in history],
            "Val. loss": [report.val_loss for report in history],
            "Val. accuracy": [optional_percent(report.val_accuracy) for report in history],
            "Seconds": [report.seconds for report in history],
            "Images / s": [report.images_per_second for report in history],
        }
    )


def confusion_chart(matrix: np.ndarray) -> alt.LayerChart:
    """A 10 x 10 heatmap of counts, with the counts written in the cells."""
    rows, columns = np.indices(matrix.shape)
    frame = pd.DataFrame(
        {"true": rows.ravel(), "predicted": columns.ravel(), "count": matrix.ravel()}
    )
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:O", axis=alt.Axis(labelAngle=0, orient="top"), title=None),
        y=alt.Y("true:O", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(type="symlog", scheme="blues"), legend=None),
        tooltip=["true", "predicted", "count"],
    )
    bright = float(matrix.max()) ** 0.5 if matrix.size else 0.0
    counts = base.mark_text(fontSize=10).encode(
        text="count:Q",
        color=alt.condition(f"datum.count > {bright}", alt.value("white"), alt.value("#0f172a")),
    )
    return (cells + counts.transform_filter("datum.count > 0")).properties(height=CONFUSION_HEIGHT)
