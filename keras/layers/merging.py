"""Layers combining a list of inputs: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate."""

from __future__ import annotations

import functools

import tfc

from .base import Layer


class Merge(Layer):
    """Elementwise ``combine`` of two or more inputs of one shape (broadcasting as numpy does)."""

    combine = staticmethod(tfc.add)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' takes a list of at least 2 inputs")
        return functools.reduce(self.combine, inputs)


class Add(Merge):
    combine = staticmethod(tfc.add)


class Subtract(Merge):
    combine = staticmethod(tfc.subtract)


class Multiply(Merge):
    combine = staticmethod(tfc.multiply)


class Maximum(Merge):
    combine = staticmethod(tfc.maximum)


class Minimum(Merge):
    combine = staticmethod(tfc.minimum)


class Average(Merge):
    def call(self, inputs):
        return tfc.divide(super().call(inputs), len(inputs))


class Concatenate(Layer):
    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs):
        return tfc.concatenate(list(inputs), self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
