"""``tfc.keras.callbacks``: History (what ``fit`` returns), EarlyStopping, LambdaCallback and CSVLogger,
with the hooks the training loop calls where Keras calls them."""

from __future__ import annotations

import csv
import math

import numpy as np


class Callback:
    """Base: override the hooks you need; ``self.model`` is the model being fit."""

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...


class History(Callback):
    """``history.history``: each logged value per epoch (``{"loss": [...], "val_loss": [...]}``)."""

    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0, mode: str = "auto",
                 baseline=None, restore_best_weights: bool = False, start_from_epoch: int = 0):
        self.monitor, self.min_delta, self.patience, self.baseline = monitor, abs(min_delta), patience, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.sign = -1 if mode == "max" or (mode == "auto" and "acc" in monitor) else 1

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_weights = 0, 0, None
        self.best = math.inf if self.baseline is None else self.sign * self.baseline

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or epoch < self.start_from_epoch:
            return
        if self.sign * value < self.best - self.min_delta:
            self.best, self.wait = self.sign * value, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch, self.model.stop_training = epoch, True
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)


class LambdaCallback(Callback):
    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None, on_train_batch_begin=None,
                 on_train_batch_end=None, **kwargs):
        for name, fn in {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_train_begin": on_train_begin,
                         "on_train_end": on_train_end, "on_train_batch_begin": on_train_batch_begin,
                         "on_train_batch_end": on_train_batch_end, **kwargs}.items():
            if fn is not None:
                setattr(self, name, fn)


class CSVLogger(Callback):
    """One row per epoch (epoch and every logged value) to ``filename``."""

    def __init__(self, filename: str, separator: str = ",", append: bool = False):
        self.filename, self.separator, self.append = filename, separator, append

    def on_train_begin(self, logs=None):
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, ["epoch", *logs], delimiter=self.separator)
            if not self.append:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: float(np.asarray(v)) for k, v in logs.items()}})
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()
