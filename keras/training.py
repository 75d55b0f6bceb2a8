"""What ``Model.compile`` sets up and ``fit``/``evaluate``/``predict`` run: one compiled tfc program
per step (forward, loss, gradients, optimizer update, metric sums), called once per batch."""

from __future__ import annotations

import numpy as np

import tfc
from tfc.data import Dataset
from tfc.frontend.variables import gradients

from . import callbacks as callbacks_module
from . import data_adapter, losses, optimizers
from . import metrics as metrics_module
from .progbar import Progbar


class Trainer:
    """compile / fit / evaluate / predict / train_on_batch for a :class:`~tfc.keras.Model`."""

    def __init__(self):
        self.optimizer = self.loss = None
        self.compiled_metrics: list = []
        self.stop_training = False
        self._steps: dict = {}

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None, run_eagerly=None,
                steps_per_execution=None, jit_compile=None, **kwargs) -> None:
        """Choose the optimizer, loss and metrics (names or objects); the steps compile on first use
        (always: ``run_eagerly``, ``jit_compile`` and ``steps_per_execution`` change nothing)."""
        _unsupported("compile", loss_weights=loss_weights, weighted_metrics=weighted_metrics, **kwargs)
        if loss is None:
            raise ValueError(f"model '{self.name}': compile() needs a loss (a name such as 'sparse_categorical_crossentropy', or a Loss)")
        self.optimizer, self.loss = optimizers.get(optimizer), losses.get(loss)
        self.compiled_metrics = [metrics_module.get(m, self.loss) for m in (metrics or [])]
        self._steps = {}

    @property
    def metrics_names(self) -> list[str]:
        return ["loss", *(m.name for m in self.compiled_metrics)]

    # ---- the compiled steps
    def _step(self, kind: str):
        if self.loss is None:
            raise RuntimeError(f"model '{self.name}' must be compiled (model.compile(optimizer, loss)) before {kind}")
        if kind not in self._steps:
            self._steps[kind] = tfc.compile({"train": self._train_step, "test": self._test_step, "predict": self._predict_step}[kind])
        return self._steps[kind]

    def _losses_and_metrics(self, y, y_pred, sample_weight):
        """(the batch's loss: the mean over the batch, weighted as Keras' sum_over_batch_size, plus the
        weights' regularization penalties; each metric's batch sum)."""
        per_example = self.loss(y, y_pred)
        if per_example.ndim == 0:
            per_example = tfc.broadcast_to(per_example, (y_pred.shape[0],))
        weighted = per_example if sample_weight is None else tfc.multiply(per_example, sample_weight)
        loss = tfc.divide(tfc.sum(weighted), per_example.shape[0])
        sums = [tfc.sum(metric(y, y_pred)) for metric in self.compiled_metrics]
        penalties = self.penalties()
        return (loss if not penalties else tfc.add(loss, sum(penalties[1:], penalties[0]))), sums

    def _train_step(self, x, y, sample_weight=None):
        y_pred = self(x, training=True)
        total, sums = self._losses_and_metrics(y, y_pred, sample_weight)
        trainable = self.trainable_weights
        self.optimizer.apply_gradients(zip(gradients(total, trainable), trainable))
        for weight, constraint in self.weight_constraints():
            weight.assign(constraint(weight), read_value=False)
        return total, sums

    def _test_step(self, x, y, sample_weight=None):
        return self._losses_and_metrics(y, self(x, training=False), sample_weight)

    def _predict_step(self, x):
        return self(x, training=False)

    # ---- loops
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None, validation_split: float = 0.0,
            validation_data=None, shuffle: bool = True, class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq: int = 1):
        """Train for ``epochs`` over numpy arrays (``x`` one, a list, or a dict keyed by input name) or a
        :class:`tfc.data.Dataset` of batches; returns a :class:`~tfc.keras.callbacks.History`."""
        if validation_data is None and validation_split:
            if isinstance(x, Dataset):
                raise ValueError("fit(): validation_split is not supported when x is a Dataset; give validation_data")
            (x, y, sample_weight), validation_data = _split(x, y, sample_weight, validation_split)
        data = data_adapter.adapter("fit", x, y, batch_size, steps_per_epoch, True, sample_weight, class_weight, shuffle)
        verbose = 1 if verbose == "auto" else int(verbose)
        history = callbacks_module.History()
        hooks = [*(callbacks or []), history]  # History last, as in Keras: it records what the callbacks add to the logs (lr)
        for hook in hooks:
            hook.set_model(self)
            hook.on_train_begin()
        self.stop_training = False
        for epoch in range(initial_epoch, epochs):
            for hook in hooks:
                hook.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            bar = Progbar(data.steps, verbose)
            logs, steps = self._run_epoch("train", data.epoch(), bar, hooks)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                logs.update({f"val_{k}": v for k, v in self._validate(validation_data, validation_batch_size or batch_size, validation_steps).items()})
            bar.update(steps, logs, final=True)
            for hook in hooks:
                hook.on_epoch_end(epoch, logs)
            if data.exhausted:
                print(f"WARNING: fit(): the dataset ran out of data after {steps} of {data.steps} steps in epoch {epoch + 1}; training stops "
                      "(make it long enough for steps_per_epoch * epochs batches, e.g. with repeat())")
            if self.stop_training or data.exhausted:
                break
        for hook in hooks:
            hook.on_train_end()
        return history

    def _validate(self, validation_data, batch_size, steps) -> dict:
        if isinstance(validation_data, Dataset):
            return self.evaluate(validation_data, verbose=0, steps=steps, return_dict=True)
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("fit(): validation_data must be (x_val, y_val), (x_val, y_val, val_sample_weight) or a Dataset")
        x, y, *weights = validation_data
        return self.evaluate(x, y, batch_size=batch_size, verbose=0, sample_weight=weights[0] if weights else None, steps=steps, return_dict=True)

    def _run_epoch(self, kind: str, batches, bar: Progbar, hooks=()) -> tuple[dict, int]:
        """One pass over ``batches``: the step's loss and metric sums averaged per example, and the
        number of steps. Results are read back from the device only when a callback or the progress
        bar looks at them, so steps queue up behind each other as in a bare loop."""
        step, means, steps = self._step(kind), RunningMeans(self.metrics_names), 0
        batch_hooks = [h for h in hooks if h.implements_train_batch_hooks()]
        for index, (batch_x, batch_y, batch_w) in enumerate(batches):
            for hook in hooks:
                hook.on_train_batch_begin(index)
            means.add(*(step(batch_x, batch_y, batch_w) if batch_w is not None else step(batch_x, batch_y)), len(batch_y))
            steps = index + 1
            if batch_hooks:
                logs = means.logs()
                for hook in batch_hooks:
                    hook.on_train_batch_end(index, logs)
            if bar.due():
                bar.update(steps, means.logs())
        return means.logs(), steps

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None,
                 return_dict: bool = False):
        """The loss (and metrics) over ``x``/``y`` (arrays, or a Dataset of batches) in inference mode: a scalar, a list, or a dict."""
        _unsupported("evaluate", callbacks=callbacks)
        data = data_adapter.adapter("evaluate", x, y, batch_size, steps, True, sample_weight)
        bar = Progbar(data.steps, 1 if verbose == "auto" else int(verbose))
        logs, done = self._run_epoch("test", data.epoch(), bar)
        bar.update(done, logs, final=True)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None) -> np.ndarray:
        """The model's outputs for ``x`` (arrays, or a Dataset whose elements are batches of x or (x, ...))."""
        _unsupported("predict", callbacks=callbacks)
        data = data_adapter.adapter("predict", x, None, batch_size, steps)
        step = self._steps.get("predict") or self._steps.setdefault("predict", tfc.compile(self._predict_step))
        outputs = [np.asarray(step(batch_x)) for batch_x, _, _ in data.epoch()]
        if not outputs:
            raise ValueError("predict(): the input has no batches")
        return np.concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        y = data_adapter.arrays(y, "y")
        weights = data_adapter.sample_weights(y, sample_weight, class_weight)
        loss, sums = self._step("train")(data_adapter.arrays(x, "x"), y, *([weights] if weights is not None else []))
        logs = dict(zip(self.metrics_names, [float(loss), *(float(s) / len(y) for s in sums)]))
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        logs = self.evaluate(x, y, batch_size=data_adapter.count(data_adapter.arrays(x, "x")), verbose=0, sample_weight=sample_weight, return_dict=True)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def predict_on_batch(self, x) -> np.ndarray:
        return self.predict(x, batch_size=data_adapter.count(data_adapter.arrays(x, "x")), verbose=0)

    def train_step_ir(self, x, y) -> str:
        """The tfc IR of one training step for batches like ``x``, ``y``: the whole step, one program."""
        return self._step("train").lower(data_adapter.arrays(x, "x"), data_adapter.arrays(y, "y")).as_text()


class RunningMeans:
    """An epoch's loss and metric sums per example, kept as the step returned them (device values)
    until :meth:`logs` reads them."""

    def __init__(self, names: list[str]):
        self.names, self.totals, self.seen, self.pending = names, np.zeros(len(names)), 0, []

    def add(self, loss, sums, size: int) -> None:
        self.pending.append((loss, sums, size))
        self.seen += size

    def logs(self) -> dict:
        for loss, sums, size in self.pending:
            self.totals += [float(loss) * size, *(float(s) for s in sums)]
        self.pending.clear()
        return dict(zip(self.names, (self.totals / max(self.seen, 1)).tolist()))


def _unsupported(method: str, **values) -> None:
    """A ValueError naming the first argument given that tfc.keras does not support yet (rather than
    silently training differently)."""
    for name, value in values.items():
        if value is not None:
            raise ValueError(f"{method}(): {name} is not supported yet (got {value!r})")


def _split(x, y, sample_weight, validation_split: float):
    """(the training part of x, y, sample_weight; the last ``validation_split`` of them as validation_data)."""
    x, y = data_adapter.arrays(x, "x"), data_adapter.arrays(y, "y")
    split = int(data_adapter.count(x) * (1 - validation_split))
    weights = None if sample_weight is None else np.asarray(sample_weight)
    head, tail = slice(0, split), slice(split, None)
    validation = (data_adapter.take(x, tail), y[tail]) + (() if weights is None else (weights[tail],))
    return (data_adapter.take(x, head), y[head], None if weights is None else weights[head]), validation
