"""``tfc.keras.metrics``: per-example metric functions, averaged over an epoch by the training loop
(each batch's sum in the compiled step, the running mean on the host, as Keras' Mean metrics)."""

from __future__ import annotations

import tfc
from tfc.types import DType

from . import losses


def _as_float(x):
    return tfc.astype(x, DType.f32)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    y_true = losses.matched(y_true, y_pred)
    return tfc.mean(_as_float(tfc.equal(y_true, _as_float(tfc.greater(y_pred, threshold)))), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return _as_float(tfc.equal(tfc.argmax(y_true, -1), tfc.argmax(y_pred, -1)))


def sparse_categorical_accuracy(y_true, y_pred):
    labels = tfc.astype(y_true, DType.i32)
    if labels.ndim == y_pred.ndim:
        labels = tfc.squeeze(labels, -1)
    return _as_float(tfc.equal(labels, tfc.argmax(y_pred, -1)))


def accuracy(y_true, y_pred):
    """Exact equality of labels and predictions (Keras' ``Accuracy``)."""
    return tfc.mean(_as_float(tfc.equal(_as_float(y_true), _as_float(y_pred))), axis=-1)


class MeanMetricWrapper:
    """A metric: its name (as the logs show it) and its per-example function."""

    def __init__(self, fn, name: str):
        self.fn, self.name = fn, name

    def __call__(self, y_true, y_pred):
        return self.fn(y_true, y_pred)


_BY_NAME = {f.__name__: f for f in (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, accuracy)}
_BY_NAME.update({"mse": losses.mean_squared_error, "mean_squared_error": losses.mean_squared_error, "mae": losses.mean_absolute_error,
                 "mean_absolute_error": losses.mean_absolute_error})
_ACCURACY_FOR_LOSS = {"sparse_categorical_crossentropy": sparse_categorical_accuracy, "categorical_crossentropy": categorical_accuracy,
                      "binary_crossentropy": binary_accuracy}


def get(identifier, loss: losses.Loss | None = None) -> MeanMetricWrapper:
    """The metric ``identifier`` names; ``"accuracy"``/``"acc"`` picks the accuracy that fits ``loss``
    (sparse categorical, categorical or binary), as Keras does."""
    if isinstance(identifier, MeanMetricWrapper):
        return identifier
    if callable(identifier):
        return MeanMetricWrapper(identifier, getattr(identifier, "__name__", "metric"))
    if identifier in ("accuracy", "acc"):
        fn = _ACCURACY_FOR_LOSS.get(loss.name if loss else "", accuracy)
        return MeanMetricWrapper(fn, identifier)
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return MeanMetricWrapper(_BY_NAME[identifier], identifier)
    raise ValueError(f"unknown metric {identifier!r} (expected accuracy, {', '.join(sorted(_BY_NAME))}, or a function)")
