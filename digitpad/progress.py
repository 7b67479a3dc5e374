"""Training progress batch by batch: a curve even for one epoch, and a speed after warm-up."""

import dataclasses
import time
from collections.abc import Callable

import keras
import numpy as np

WARMUP_BATCHES = 3  # the first batches build and trace the model: not timed for images / s


@dataclasses.dataclass(frozen=True)
class BatchPoint:
    """Training loss and accuracy after one batch (Keras' running means over the epoch)."""

    progress: float  # epochs done: 0.5 is the middle of the first epoch
    loss: float
    accuracy: float


class BatchRecorder(keras.callbacks.Callback):
    """Each batch's running loss and accuracy, and how long the batches after the warm-up took."""

    def __init__(self, images_per_epoch: int, batch_size: int,
                 report: Callable[[BatchPoint, int, float], None]):  # fmt: skip
        super().__init__()
        self.images_per_epoch, self.batch_size, self.report = images_per_epoch, batch_size, report
        self.batches_per_epoch = max(-(-images_per_epoch // batch_size), 1)
        self.batches_done, self.epoch, self.previous_end = 0, 0, None

    def on_epoch_begin(self, epoch, logs=None):
        # The gap since the last epoch's final batch is validation, not training: not timed.
        self.epoch, self.previous_end = epoch, None

    def on_train_batch_end(self, batch, logs=None):
        now, logs = time.perf_counter(), logs or {}
        self.batches_done += 1
        timed = self.previous_end is not None and self.batches_done > WARMUP_BATCHES
        images = min(self.batch_size, self.images_per_epoch - batch * self.batch_size)
        seconds = now - self.previous_end if timed else 0.0
        self.previous_end = now
        progress = self.epoch + (batch + 1) / self.batches_per_epoch
        point = BatchPoint(progress, float(logs.get("loss", np.nan)),
                           float(logs.get("accuracy", np.nan)))  # fmt: skip
        self.report(point, images if timed else 0, seconds)
