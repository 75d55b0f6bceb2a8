"""``tfc.keras.constraints``: projections applied to a weight after each optimizer step, by name
(``"max_norm"``), object (``MaxNorm(3)``) or serialized dict."""

from __future__ import annotations

import tfc

from .serialization import deserialize_keras_object, serialize_keras_object


class Constraint:
    """Base: ``constraint(weight) -> projected weight`` (traced)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class NonNeg(Constraint):
    def __call__(self, w):
        return tfc.maximum(w, 0)


def _norms(w, axis):
    return tfc.sqrt(tfc.sum(tfc.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    def __init__(self, max_value: float = 2, axis: int = 0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return tfc.multiply(w, tfc.divide(tfc.clip(norms, 0, self.max_value), tfc.add(norms, 1e-7)))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = tfc.add(tfc.multiply(self.rate, tfc.clip(norms, self.min_value, self.max_value)), tfc.multiply(1 - self.rate, norms))
        return tfc.multiply(w, tfc.divide(desired, tfc.add(norms, 1e-7)))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class UnitNorm(Constraint):
    def __init__(self, axis: int = 0):
        self.axis = axis

    def __call__(self, w):
        return tfc.divide(w, tfc.add(_norms(w, self.axis), 1e-7))

    def get_config(self) -> dict:
        return {"axis": self.axis}


_BY_NAME = {"non_neg": NonNeg, "nonneg": NonNeg, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "unit_norm": UnitNorm}
_CLASSES = {cls.__name__: cls for cls in _BY_NAME.values()}


def serialize(constraint) -> dict | str | None:
    """``{"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}`` (a function: its name; None: None)."""
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None) -> Constraint:
    return deserialize_keras_object(config, {**_CLASSES, **_BY_NAME}, custom_objects, "constraint")


def get(identifier) -> Constraint | None:
    """The constraint ``identifier`` names or describes, or the object itself; None for None."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier.lower() if isinstance(identifier, str) and identifier.lower() in _BY_NAME else identifier)
    raise ValueError(f"unknown constraint {identifier!r} (expected {', '.join(sorted(_BY_NAME))}, a serialized constraint or a Constraint)")
