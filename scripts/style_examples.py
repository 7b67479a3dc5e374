"""Draw docs/styles.png: MNIST digits (left) and the same digits in each catalogue style.

Usage: python scripts/style_examples.py [OUT.png]   (MNIST from $DIGITPAD_MNIST)
"""

import pathlib
import sys

import numpy as np
from PIL import Image, ImageDraw

from digitpad import data, styles

EXAMPLES = 6  # digits per style
ZOOM = 3
LABEL_WIDTH = 190
SEED = 2026


def style_row(images: np.ndarray, labels: np.ndarray, style, rng) -> np.ndarray:
    """Original and styled image pairs of `EXAMPLES` digits, side by side."""
    pool = np.flatnonzero(labels == (style.digit if style.digit is not None else 4))
    chosen = rng.choice(pool, EXAMPLES, replace=False)
    tiles = []
    for index in chosen:
        original = images[index].astype(np.float32) / 255.0
        styled = style.draw(original, styles.ink_box(original), rng)
        tiles += [original, np.clip(styled, 0, 1), np.full((28, 6), 0.35, np.float32)]
    return np.hstack(tiles)


def main(out: str = "docs/styles.png") -> None:
    (images, labels), _ = data.load_mnist()
    rng = np.random.default_rng(SEED)
    rows = [style_row(images, labels, style, rng) for style in styles.CATALOGUE]
    grid = (np.vstack([np.pad(row, ((2, 2), (0, 0))) for row in rows]) * 255).astype(np.uint8)
    picture = Image.fromarray(grid).resize((grid.shape[1] * ZOOM, grid.shape[0] * ZOOM))
    canvas = Image.new("L", (picture.width + LABEL_WIDTH, picture.height), 255)
    canvas.paste(picture, (LABEL_WIDTH, 0))
    pen = ImageDraw.Draw(canvas)
    for number, style in enumerate(styles.CATALOGUE):
        pen.text((6, (number * 32 + 12) * ZOOM), style.name, fill=0)
    pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
    canvas.save(out)
    print(f"wrote {out}: each pair is an MNIST digit and the same digit in the style")


if __name__ == "__main__":
    main(*sys.argv[1:])
