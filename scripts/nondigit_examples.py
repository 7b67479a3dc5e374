"""Draw docs/nondigits.png: each non-digit family as the models see it (28 x 28, held-out seeds).

Usage: python scripts/nondigit_examples.py [OUT.png]   (two_digits needs $DIGITPAD_PENDIGITS)
"""

import pathlib
import sys

import numpy as np
from PIL import Image, ImageDraw

from digitpad import nondigits

EXAMPLES = 12  # drawings per family
ZOOM = 3
LABEL_WIDTH = 190


def family_row(family: str) -> np.ndarray:
    """`EXAMPLES` drawings of one family, the evaluation seed's, side by side."""
    images = nondigits.evaluation_images(family, EXAMPLES)
    gaps = [np.full((28, 4), 90, np.uint8)] * EXAMPLES
    return np.hstack([tile for pair in zip(images, gaps, strict=True) for tile in pair])


def label(family: str) -> str:
    """The family's name, and what it is for."""
    return f"{family} (held out)" if family == nondigits.HELD_OUT_FAMILY else family


def main(out: str = "docs/nondigits.png") -> None:
    rows = [np.pad(family_row(family), ((2, 2), (0, 0))) for family in nondigits.FAMILIES]
    grid = np.vstack(rows)
    picture = Image.fromarray(grid).resize((grid.shape[1] * ZOOM, grid.shape[0] * ZOOM))
    canvas = Image.new("L", (picture.width + LABEL_WIDTH, picture.height), 255)
    canvas.paste(picture, (LABEL_WIDTH, 0))
    pen = ImageDraw.Draw(canvas)
    for number, family in enumerate(nondigits.FAMILIES):
        pen.text((6, (number * 32 + 12) * ZOOM), label(family), fill=0)
    pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
    canvas.save(out)
    print(f"wrote {out}: {EXAMPLES} drawings of each family, as the models see them")


if __name__ == "__main__":
    main(*sys.argv[1:])
