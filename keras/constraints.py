"""``tfc.keras.constraints``: projections applied to a weight after each optimizer step."""

from __future__ import annotations

import tfc


class Constraint:
    """Base: ``constraint(weight) -> projected weight`` (traced)."""

    def __call__(self, w):
        return w


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


class MinMaxNorm(Constraint):
    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = tfc.add(tfc.multiply(self.rate, tfc.clip(norms, self.min_value, self.max_value)), tfc.multiply(1 - self.rate, norms))
        return tfc.multiply(w, tfc.divide(desired, tfc.add(norms, 1e-7)))


class UnitNorm(Constraint):
    def __init__(self, axis: int = 0):
        self.axis = axis

    def __call__(self, w):
        return tfc.divide(w, tfc.add(_norms(w, self.axis), 1e-7))


def get(identifier) -> Constraint | None:
    if identifier is None or callable(identifier):
        return identifier
    by_name = {"non_neg": NonNeg, "nonneg": NonNeg, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "unit_norm": UnitNorm}
    if isinstance(identifier, str) and identifier.lower() in by_name:
        return by_name[identifier.lower()]()
    raise ValueError(f"unknown constraint {identifier!r} (expected {', '.join(sorted(by_name))} or a Constraint)")
