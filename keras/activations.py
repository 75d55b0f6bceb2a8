"""``tfc.keras.activations``: Keras' activation functions by name (``Dense(10, activation="relu")``),
each a traced function of a tensor."""

from __future__ import annotations

import math
from collections.abc import Callable

import tfc

from .serialization import deserialize_keras_object, serialize_keras_object


def linear(x):
    return x


def relu(x, alpha: float = 0.0, max_value=None, threshold: float = 0.0):
    """Keras' relu: ``max(x, 0)``, with a slope ``alpha`` below ``threshold`` and a ceiling ``max_value``."""
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return tfc.relu(x)
    y = tfc.where(tfc.greater_equal(x, threshold), x, tfc.multiply(alpha, tfc.subtract(x, threshold)))
    return y if max_value is None else tfc.minimum(y, max_value)


def sigmoid(x):
    return tfc.sigmoid(x)


def tanh(x):
    return tfc.tanh(x)


def softmax(x, axis: int = -1):
    return tfc.softmax(x, axis)


def log_softmax(x, axis: int = -1):
    return tfc.log_softmax(x, axis)


def relu6(x):
    return tfc.relu6(x)


def elu(x, alpha: float = 1.0):
    return tfc.where(tfc.greater(x, 0), x, tfc.multiply(alpha, tfc.expm1(tfc.minimum(x, 0))))


def selu(x):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return tfc.multiply(scale, elu(x, alpha))


def softplus(x):
    """log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so it never overflows."""
    return tfc.add(tfc.maximum(x, 0), tfc.log1p(tfc.exp(tfc.negative(tfc.abs(x)))))


def softsign(x):
    return tfc.divide(x, tfc.add(tfc.abs(x), 1))


def swish(x):
    return tfc.multiply(x, tfc.sigmoid(x))


def gelu(x, approximate: bool = False):
    if approximate:
        inner = tfc.multiply(math.sqrt(2 / math.pi), tfc.add(x, tfc.multiply(0.044715, tfc.power(x, 3))))
        return tfc.multiply(tfc.multiply(0.5, x), tfc.add(1, tfc.tanh(inner)))
    return tfc.multiply(tfc.multiply(0.5, x), tfc.add(1, tfc.erf(tfc.divide(x, math.sqrt(2)))))


def hard_sigmoid(x):
    return tfc.clip(tfc.add(tfc.multiply(x, 1 / 6), 0.5), 0, 1)


def exponential(x):
    return tfc.exp(x)


def leaky_relu(x, negative_slope: float = 0.2):
    return tfc.where(tfc.greater_equal(x, 0), x, tfc.multiply(negative_slope, x))


silu = swish
_BY_NAME: dict[str, Callable] = {f.__name__: f for f in (
    linear, relu, sigmoid, tanh, softmax, log_softmax, relu6, elu, selu, softplus, softsign, swish, gelu, hard_sigmoid,
    exponential, leaky_relu)}
_BY_NAME["silu"] = swish


def get(identifier) -> Callable:
    """The activation ``identifier`` names (None: linear; custom names from ``custom_objects`` or the
    registry), or ``identifier`` itself when callable."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    if isinstance(identifier, str):
        return deserialize(identifier)
    raise ValueError(f"unknown activation {identifier!r} (expected one of {', '.join(sorted(_BY_NAME))}, or a callable)")


def serialize(activation: Callable) -> str:
    """The name ``get`` turns back into ``activation``: a built-in's name, else the function's
    registered name or ``__name__`` (load it with ``custom_objects``); ValueError for a lambda."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    return serialize_keras_object(activation)


def deserialize(name: str, custom_objects=None) -> Callable:
    return deserialize_keras_object(name, _BY_NAME, custom_objects, "activation")
