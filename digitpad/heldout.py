"""The honest drawn-digit figure of a trained model: its accuracy on writers it never saw.

A model trained without some pendigits writers (`train --exclude-writers report`) is
measured on those writers and records the figure in its sidecar under `UNSEEN_KEY`. The
shipped models train on all writers; they carry the figure of their *twin*, the same
recipe trained without the report writers (`train --twin DIR`), saying so in `measured_on`.
"""

import dataclasses
import json
import pathlib

from digitpad import config, evaluation, pendigits_source, trainset

UNSEEN_KEY = "unseen_writers"  # sidecar key of the "people it never saw" figure


@dataclasses.dataclass(frozen=True)
class Plan:
    """Which pen data a training run uses and where its "never saw" figure comes from."""

    pendigits_path: pathlib.Path | None = None
    exclude_writers: tuple[int, ...] = ()
    twin_figure: dict | None = None  # the twin's UNSEEN_KEY block, checked against the recipe

    @classmethod
    def from_arguments(cls, arguments, settings: config.TrainingConfig) -> "Plan":
        """The plan `train`'s options ask for; ValueError for unknown writers or a bad twin."""
        excluded = trainset.parse_writers(arguments.exclude_writers)
        twin = None
        if arguments.twin is not None:
            if excluded:
                raise ValueError("use --twin for a model trained on all writers, not both")
            twin = twin_figure(arguments.twin, settings)
        return cls(arguments.pendigits, excluded, twin)

    def training_set(self, settings, images, labels) -> trainset.TrainingSet:
        """MNIST plus the recipe's pen replays, without the excluded writers."""
        return trainset.for_recipe(settings, images, labels, self.pendigits_path,
                                   self.exclude_writers)  # fmt: skip

    def sidecar_facts(self, model, pen: trainset.TrainingSet) -> dict:
        """What went into the training set and, when known, the "never saw" figure."""
        facts = pen.sidecar_facts()
        if self.exclude_writers and pen.pen_images:
            figure = measure(model, self.exclude_writers, self.pendigits_path)
            facts[UNSEEN_KEY] = {**figure, "measured_on": "this model, trained without them"}
            print(describe(figure), flush=True)
        elif self.twin_figure is not None:
            facts[UNSEEN_KEY] = self.twin_figure
        return facts


def measure(model, writer_ids, pendigits_path=None) -> dict:
    """`evaluation.writer_accuracy` of a Keras model on `writer_ids`."""
    from digitpad.inference import Predictor

    path, problem = pendigits_source.locate(pendigits_path, download=False)
    if path is None:
        raise ValueError(problem)
    return evaluation.writer_accuracy(Predictor(model), writer_ids, path)


def twin_figure(folder: pathlib.Path, settings: config.TrainingConfig) -> dict:
    """The twin's figure, if its recipe is this one; it says it was measured on the twin."""
    sidecar = pathlib.Path(folder) / f"{settings.model_name}.json"
    try:
        info = json.loads(sidecar.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read the twin's sidecar {sidecar}: {error}") from error
    if UNSEEN_KEY not in info:
        raise ValueError(f"{sidecar} has no {UNSEEN_KEY} figure (train it with --exclude-writers)")
    recipe = info.get("recipe")
    if not isinstance(recipe, dict) or config.saved_recipe(recipe) != dataclasses.asdict(settings):
        raise ValueError(f"the twin {sidecar} was trained with another recipe")
    return {**info[UNSEEN_KEY], "measured_on": f"twin {sidecar.with_suffix('.keras')}: "
            "the same recipe and seed, trained without these writers"}  # fmt: skip


def describe(figure: dict) -> str:
    """One line: accuracy on writers never seen, worst writer, calibration, counts."""
    return (
        f"people it never saw (pendigits writers {figure['writers']}): "
        f"{figure['accuracy']:.2%} of {figure['drawings']:,} replayed drawings "
        f"({figure['replays']} of each of {figure['digits']:,} digits, seed {figure['seed']}); "
        f"worst writer {figure['worst_writer']} {figure['worst_writer_accuracy']:.2%}; "
        f"ECE {figure['ece']:.2%}"
    )
