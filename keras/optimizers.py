"""``tfc.keras.optimizers``: tf.keras 2.x's optimizers (the TF 2.11+ ones) with their names, arguments
and update formulas, as update rules in the tracing API (see :mod:`tfc.frontend.optimizers`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import tfc
from tfc.frontend.optimizers import Optimizer as TracedOptimizer


@dataclass(frozen=True)
class Optimizer(TracedOptimizer):
    """Base of the Keras optimizers: ``apply_gradients(zip(grads, vars))`` inside a traced step."""

    def get_config(self) -> dict:
        return {"name": type(self).__name__, "learning_rate": self.learning_rate}


@dataclass(frozen=True)
class SGD(Optimizer):
    """m = momentum * m - lr * g; var += m (Nesterov: var += momentum * m - lr * g)."""

    learning_rate: float = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    slot_names: tuple = ("momentum",)

    def slots(self, value):
        return {"momentum": np.zeros_like(value)} if self.momentum else {}

    def update(self, value, grad, slots, step):
        if not self.momentum:
            return tfc.subtract(value, tfc.multiply(self.learning_rate, grad)), {}
        m = tfc.subtract(tfc.multiply(self.momentum, slots["momentum"]), tfc.multiply(self.learning_rate, grad))
        delta = tfc.subtract(tfc.multiply(self.momentum, m), tfc.multiply(self.learning_rate, grad)) if self.nesterov else m
        return tfc.add(value, delta), {"momentum": m}


@dataclass(frozen=True)
class Adam(Optimizer):
    """alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t); m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2);
    var -= alpha * m / (sqrt(v) + epsilon)."""

    learning_rate: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    slot_names: tuple = ("m", "v")

    def update(self, value, grad, slots, step):
        t = tfc.add(tfc.astype(step, value.dtype), 1)
        alpha = tfc.divide(tfc.multiply(self.learning_rate, tfc.sqrt(tfc.subtract(1, tfc.power(self.beta_2, t)))),
                           tfc.subtract(1, tfc.power(self.beta_1, t)))
        m = tfc.add(slots["m"], tfc.multiply(tfc.subtract(grad, slots["m"]), 1 - self.beta_1))
        v = tfc.add(slots["v"], tfc.multiply(tfc.subtract(tfc.square(grad), slots["v"]), 1 - self.beta_2))
        return tfc.subtract(value, tfc.divide(tfc.multiply(alpha, m), tfc.add(tfc.sqrt(v), self.epsilon))), {"m": m, "v": v}


@dataclass(frozen=True)
class RMSprop(Optimizer):
    """v = rho * v + (1 - rho) g^2; var -= lr * g / (sqrt(v) + epsilon) (with momentum: through a velocity)."""

    learning_rate: float = 0.001
    rho: float = 0.9
    momentum: float = 0.0
    epsilon: float = 1e-7
    slot_names: tuple = ("velocity", "momentum")

    def update(self, value, grad, slots, step):
        v = tfc.add(tfc.multiply(self.rho, slots["velocity"]), tfc.multiply(1 - self.rho, tfc.square(grad)))
        increment = tfc.divide(tfc.multiply(self.learning_rate, grad), tfc.add(tfc.sqrt(v), self.epsilon))
        if not self.momentum:
            return tfc.subtract(value, increment), {"velocity": v, "momentum": slots["momentum"]}
        m = tfc.add(tfc.multiply(self.momentum, slots["momentum"]), increment)
        return tfc.subtract(value, m), {"velocity": v, "momentum": m}


@dataclass(frozen=True)
class Adagrad(Optimizer):
    """accumulator += g^2; var -= lr * g / (sqrt(accumulator) + epsilon)."""

    learning_rate: float = 0.001
    initial_accumulator_value: float = 0.1
    epsilon: float = 1e-7
    slot_names: tuple = ("accumulator",)

    def slots(self, value):
        return {"accumulator": np.full_like(value, self.initial_accumulator_value)}

    def update(self, value, grad, slots, step):
        accumulator = tfc.add(slots["accumulator"], tfc.square(grad))
        return tfc.subtract(value, tfc.divide(tfc.multiply(self.learning_rate, grad), tfc.add(tfc.sqrt(accumulator), self.epsilon))), \
            {"accumulator": accumulator}


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}


def get(identifier) -> Optimizer:
    """The optimizer ``identifier`` names (``"adam"``, Keras' defaults), or the object itself."""
    if isinstance(identifier, TracedOptimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown optimizer {identifier!r} (expected one of {', '.join(sorted(_BY_NAME))}, or an optimizer object)")
