"""``tfc.keras.losses``: Keras' losses by name and object. Each gives one loss per example; the
model averages them over the batch ("sum_over_batch_size", Keras' default), weighted by sample
weights when given."""

from __future__ import annotations

import tfc
from tfc.types import DType

EPSILON = 1e-7  # Keras' backend epsilon: probabilities are clipped to [eps, 1 - eps]


def _float(x):
    return tfc.astype(x, DType.f32) if not x.dtype.is_float else x


def matched(y_true, y_pred):
    """``y_true`` as a float of ``y_pred``'s rank: labels of shape [batch] against predictions of shape
    [batch, 1] gain that last axis (Keras does the same), rather than broadcasting to [batch, batch]."""
    y_true = _float(y_true)
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return tfc.expand_dims(y_true, -1)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return tfc.squeeze(y_true, -1)
    return y_true


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    y_true = _float(y_true)
    if label_smoothing:
        y_true = tfc.add(tfc.multiply(y_true, 1 - label_smoothing), label_smoothing / y_true.shape[axis])
    if from_logits:
        return tfc.negative(tfc.sum(tfc.multiply(y_true, tfc.log_softmax(y_pred, axis)), axis=axis))
    probabilities = tfc.divide(y_pred, tfc.sum(y_pred, axis=axis, keepdims=True))
    return tfc.negative(tfc.sum(tfc.multiply(y_true, tfc.log(tfc.clip(probabilities, EPSILON, 1 - EPSILON))), axis=axis))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, axis: int = -1):
    labels = tfc.astype(y_true, DType.i32)
    if labels.ndim == y_pred.ndim:  # Keras accepts labels of shape [batch, 1]
        labels = tfc.squeeze(labels, -1)
    if labels.ndim != y_pred.ndim - 1:
        raise ValueError(f"sparse_categorical_crossentropy: labels of shape {list(y_true.shape)} do not fit predictions of "
                         f"shape {list(y_pred.shape)} (expected one integer class per example)")
    return categorical_crossentropy(tfc.one_hot(labels, y_pred.shape[axis]), y_pred, from_logits, axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
    y_true = matched(y_true, y_pred)
    if label_smoothing:
        y_true = tfc.add(tfc.multiply(y_true, 1 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:  # max(x, 0) - x * z + log(1 + exp(-|x|))
        per = tfc.add(tfc.subtract(tfc.maximum(y_pred, 0), tfc.multiply(y_pred, y_true)), tfc.log1p(tfc.exp(tfc.negative(tfc.abs(y_pred)))))
    else:
        p = tfc.clip(y_pred, EPSILON, 1 - EPSILON)
        per = tfc.negative(tfc.add(tfc.multiply(y_true, tfc.log(p)), tfc.multiply(tfc.subtract(1, y_true), tfc.log(tfc.subtract(1, p)))))
    return tfc.mean(per, axis=axis)


def mean_squared_error(y_true, y_pred):
    return tfc.mean(tfc.square(tfc.subtract(y_pred, matched(y_true, y_pred))), axis=-1)


def mean_absolute_error(y_true, y_pred):
    return tfc.mean(tfc.abs(tfc.subtract(y_pred, matched(y_true, y_pred))), axis=-1)


def huber(y_true, y_pred, delta: float = 1.0):
    error = tfc.abs(tfc.subtract(y_pred, matched(y_true, y_pred)))
    quadratic = tfc.minimum(error, delta)
    return tfc.mean(tfc.add(tfc.multiply(0.5, tfc.square(quadratic)), tfc.multiply(delta, tfc.subtract(error, quadratic))), axis=-1)


class Loss:
    """A loss object: ``Loss(fn, **options)(y_true, y_pred)`` gives per-example losses."""

    def __init__(self, fn, name: str, **options):
        self.fn, self.name, self.options = fn, name, options

    def __call__(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.options)


def _loss_class(fn, name: str) -> type:
    def __init__(self, name: str = name, **options):
        Loss.__init__(self, fn, name, **options)

    return type("".join(part.capitalize() for part in name.split("_")), (Loss,), {"__init__": __init__})


CategoricalCrossentropy = _loss_class(categorical_crossentropy, "categorical_crossentropy")
SparseCategoricalCrossentropy = _loss_class(sparse_categorical_crossentropy, "sparse_categorical_crossentropy")
BinaryCrossentropy = _loss_class(binary_crossentropy, "binary_crossentropy")
MeanSquaredError = _loss_class(mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _loss_class(mean_absolute_error, "mean_absolute_error")
Huber = _loss_class(huber, "huber")
mse, mae = mean_squared_error, mean_absolute_error

_BY_NAME = {f.__name__: f for f in (categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy, mean_squared_error,
                                    mean_absolute_error, huber)}
_BY_NAME.update({"mse": mean_squared_error, "mae": mean_absolute_error})


def get(identifier) -> Loss:
    """The loss ``identifier`` names (``"sparse_categorical_crossentropy"``, ``"mse"``), or the object itself."""
    if isinstance(identifier, Loss):
        return identifier
    if callable(identifier):
        return Loss(identifier, getattr(identifier, "__name__", "loss"))
    if isinstance(identifier, str) and identifier in _BY_NAME:
        fn = _BY_NAME[identifier]
        return Loss(fn, fn.__name__)
    raise ValueError(f"unknown loss {identifier!r} (expected one of {', '.join(sorted(_BY_NAME))}, a Loss or a function)")
