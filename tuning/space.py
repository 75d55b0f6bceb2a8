"""Search spaces: the kinds of hyperparameter a trial draws, each able to ask optuna for a value,
list its grid points and describe itself as a TensorBoard HParams domain.

    space = {"learning_rate": LogUniform(1e-4, 1e-1), "units": Choice([32, 64]),
             "dropout": Uniform(0.0, 0.5), "layers": IntRange(1, 3)}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from tensorboard.plugins.hparams import summary_v2 as hp


def _number(value, name: str, what: str) -> float:
    """``value`` as a float, or a TypeError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what}: {name} must be a number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Uniform:
    """A real number drawn uniformly from [low, high]."""

    low: float
    high: float

    def __post_init__(self):
        low, high = _number(self.low, "low", type(self).__name__), _number(self.high, "high", type(self).__name__)
        if not low < high:
            raise ValueError(f"{type(self).__name__}: low must be below high, got low={low}, high={high}")

    def suggest(self, trial, name: str):
        """The value optuna's sampler picks for this trial."""
        return trial.suggest_float(name, self.low, self.high)

    def grid(self, points: int) -> list:
        """``points`` evenly spaced values, both ends included."""
        return [float(v) for v in np.linspace(self.low, self.high, points)]

    def domain(self):
        """The TensorBoard HParams domain."""
        return hp.RealInterval(float(self.low), float(self.high))


@dataclass(frozen=True)
class LogUniform(Uniform):
    """A positive real number whose logarithm is uniform in [log low, log high] (learning rates)."""

    def __post_init__(self):
        super().__post_init__()
        if self.low <= 0:
            raise ValueError(f"LogUniform: low must be positive, got {self.low}")

    def suggest(self, trial, name: str):
        """The value optuna's sampler picks for this trial."""
        return trial.suggest_float(name, self.low, self.high, log=True)

    def grid(self, points: int) -> list:
        """``points`` values evenly spaced in log scale."""
        return [float(v) for v in np.geomspace(self.low, self.high, points)]


@dataclass(frozen=True)
class IntRange:
    """An integer drawn from low..high, both included (layer counts)."""

    low: int
    high: int

    def __post_init__(self):
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"IntRange: {name} must be an int, got {value!r}")
        if not self.low <= self.high:
            raise ValueError(f"IntRange: low must not exceed high, got low={self.low}, high={self.high}")

    def suggest(self, trial, name: str):
        """The value optuna's sampler picks for this trial."""
        return trial.suggest_int(name, self.low, self.high)

    def grid(self, points: int) -> list:
        """Every integer of the range (a grid never skips one)."""
        return list(range(self.low, self.high + 1))

    def domain(self):
        """The TensorBoard HParams domain."""
        return hp.IntInterval(self.low, self.high)


@dataclass(frozen=True)
class Choice:
    """One of a few values (numbers, strings or booleans)."""

    values: tuple

    def __init__(self, values: Sequence):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise TypeError(f"Choice: values must be a non-empty list, got {values!r}")
        for value in values:
            if not isinstance(value, (bool, int, float, str)):
                raise TypeError(f"Choice: each value must be a number, string or bool, got {value!r}")
        object.__setattr__(self, "values", tuple(values))

    def suggest(self, trial, name: str):
        """The value optuna's sampler picks for this trial."""
        return trial.suggest_categorical(name, list(self.values))

    def grid(self, points: int) -> list:
        """Every value."""
        return list(self.values)

    def domain(self):
        """The TensorBoard HParams domain (one kind of value, as TensorBoard requires)."""
        return hp.Discrete(list(self.values))


Dimension = Uniform | LogUniform | IntRange | Choice


def check_space(space) -> dict:
    """The space as a dict of name → dimension; a bad one is a TypeError/ValueError naming the entry."""
    if not isinstance(space, Mapping) or not space:
        raise TypeError(f"space must be a non-empty dict of name -> Uniform/LogUniform/IntRange/Choice, got {space!r}")
    checked = {}
    for name, dim in space.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"space: names must be non-empty strings, got {name!r}")
        if isinstance(dim, (list, tuple)):
            dim = Choice(dim)
        if not isinstance(dim, (Uniform, IntRange, Choice)):
            raise TypeError(f"space[{name!r}] must be Uniform, LogUniform, IntRange or Choice, got {dim!r}")
        checked[name] = dim
    return checked


def grid_space(space: Mapping, points: int) -> dict:
    """The grid of every dimension (for optuna's GridSampler)."""
    return {name: dim.grid(points) for name, dim in space.items()}


def grid_size(space: Mapping, points: int) -> int:
    """How many points the grid has."""
    return math.prod(len(values) for values in grid_space(space, points).values())


def suggest(space: Mapping, trial) -> dict:
    """The hyperparameters of one trial."""
    return {name: dim.suggest(trial, name) for name, dim in space.items()}


__all__ = ["Choice", "Dimension", "IntRange", "LogUniform", "Uniform", "check_space", "grid_size", "grid_space", "suggest"]
