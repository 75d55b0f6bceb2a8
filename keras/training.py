"""What ``Model.compile`` sets up and ``fit``/``evaluate``/``predict`` run: one compiled tfc program
per step (forward, loss, gradients, optimizer update, metric sums), called once per batch."""

from __future__ import annotations

import numpy as np

import tfc
from tfc.frontend.variables import gradients

from . import callbacks as callbacks_module
from . import losses, optimizers
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
        """Train for ``epochs`` over numpy arrays; returns a :class:`~tfc.keras.callbacks.History`."""
        _unsupported("fit", steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)
        x, y = _arrays(x, "x"), _arrays(y, "y")
        weights = _sample_weights(y, sample_weight, class_weight)
        if validation_data is None and validation_split:
            split = int(_count(x) * (1 - validation_split))
            validation_data = (_take(x, slice(split, None)), y[split:]) + ((weights[split:],) if weights is not None else ())
            x, y, weights = _take(x, slice(0, split)), y[:split], None if weights is None else weights[:split]
        batch_size, verbose = batch_size or 32, 1 if verbose == "auto" else int(verbose)
        history = callbacks_module.History()
        hooks = [history, *(callbacks or [])]
        for hook in hooks:
            hook.set_model(self)
            hook.on_train_begin()
        self.stop_training, steps = False, -(-_count(x) // batch_size)
        shuffler = np.random.default_rng()
        for epoch in range(initial_epoch, epochs):
            for hook in hooks:
                hook.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            order = shuffler.permutation(_count(x)) if shuffle else None
            bar = Progbar(steps, verbose)
            logs = self._run_epoch("train", x, y, weights, batch_size, order, bar, hooks)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val = self.evaluate(*validation_data[:2], batch_size=validation_batch_size or batch_size, verbose=0,
                                    sample_weight=validation_data[2] if len(validation_data) > 2 else None, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            bar.update(steps, logs, final=True)
            for hook in hooks:
                hook.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for hook in hooks:
            hook.on_train_end()
        return history

    def _run_epoch(self, kind: str, x, y, weights, batch_size: int, order, bar: Progbar, hooks=()) -> dict:
        """One pass over the data in batches: the step's loss and metric sums, averaged per example."""
        step, n = self._step(kind), _count(x)
        totals, seen = np.zeros(1 + len(self.compiled_metrics)), 0
        for index, start in enumerate(range(0, n, batch_size)):
            rows = slice(start, start + batch_size) if order is None else order[start:start + batch_size]
            for hook in hooks:
                hook.on_train_batch_begin(index)
            batch_w = None if weights is None else weights[rows]
            batch_x, batch_y = _take(x, rows), y[rows]
            loss, sums = step(batch_x, batch_y, batch_w) if batch_w is not None else step(batch_x, batch_y)
            size = len(batch_y)
            totals += [float(loss) * size, *(float(s) for s in sums)]
            seen += size
            logs = dict(zip(self.metrics_names, totals / seen))
            for hook in hooks:
                hook.on_train_batch_end(index, logs)
            bar.update(index + 1, logs)
        return dict(zip(self.metrics_names, (totals / max(seen, 1)).tolist()))

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None, callbacks=None,
                 return_dict: bool = False):
        """The loss (and metrics) over ``x``/``y`` in inference mode: a scalar, a list, or a dict."""
        _unsupported("evaluate", steps=steps, callbacks=callbacks)
        x, y = _arrays(x, "x"), _arrays(y, "y")
        batch_size, verbose = batch_size or 32, 1 if verbose == "auto" else int(verbose)
        bar = Progbar(-(-_count(x) // batch_size), verbose)
        logs = self._run_epoch("test", x, y, _sample_weights(y, sample_weight, None), batch_size, None, bar)
        bar.update(bar.steps, logs, final=True)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None) -> np.ndarray:
        _unsupported("predict", steps=steps, callbacks=callbacks)
        x, batch_size = _arrays(x, "x"), batch_size or 32
        step = self._steps.get("predict") or self._steps.setdefault("predict", tfc.compile(self._predict_step))
        return np.concatenate([np.asarray(step(_take(x, slice(i, i + batch_size)))) for i in range(0, _count(x), batch_size)])

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        y = _arrays(y, "y")
        weights = _sample_weights(y, sample_weight, class_weight)
        loss, sums = self._step("train")(_arrays(x, "x"), y, *([weights] if weights is not None else []))
        logs = dict(zip(self.metrics_names, [float(loss), *(float(s) / len(y) for s in sums)]))
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        logs = self.evaluate(x, y, batch_size=_count(_arrays(x, "x")), verbose=0, sample_weight=sample_weight, return_dict=True)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def predict_on_batch(self, x) -> np.ndarray:
        return self.predict(x, batch_size=_count(_arrays(x, "x")), verbose=0)

    def train_step_ir(self, x, y) -> str:
        """The tfc IR of one training step for batches like ``x``, ``y``: the whole step, one program."""
        return self._step("train").lower(_arrays(x, "x"), _arrays(y, "y")).as_text()


def _unsupported(method: str, **values) -> None:
    """A ValueError naming the first argument given that tfc.keras does not support yet (rather than
    silently training differently)."""
    for name, value in values.items():
        if value is not None:
            raise ValueError(f"{method}(): {name} is not supported yet (got {value!r})")


def _arrays(value, what: str):
    """``value`` as a numpy array, or a list of them for a model of several inputs (float64 as float32, Keras' floatx)."""
    if value is None:
        raise ValueError(f"{what} is required")
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        arrays = [_arrays(v, what) for v in value]
        if len({len(a) for a in arrays}) != 1:
            raise ValueError(f"{what}: the arrays of a multi-input batch must have one length, got {[len(a) for a in arrays]}")
        return arrays
    array = np.asarray(value)
    return array.astype(np.float32) if array.dtype == np.float64 else array


def _count(x) -> int:
    return len(x[0]) if isinstance(x, list) else len(x)


def _take(x, rows):
    return [a[rows] for a in x] if isinstance(x, list) else x[rows]


def _sample_weights(y, sample_weight, class_weight):
    """Per-example weights: ``sample_weight``, times ``class_weight[label]`` (labels or one-hot rows)."""
    weights = None if sample_weight is None else np.asarray(sample_weight, np.float32)
    if class_weight:
        labels = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0].astype(int)
        by_class = np.asarray([class_weight.get(int(label), 1.0) for label in labels], np.float32)
        weights = by_class if weights is None else weights * by_class
    return weights
