"""Optimizers as update rules written in core ops: SGD, Momentum (Nesterov), Adam, AdamW, RMSProp, Adagrad.

Each optimizer states its slot variables (``slots``: name -> initial value, per trained variable) and
its ``update(value, grad, slots, step) -> (new_value, new_slots)`` in the tracing API, for traced
functions (``minimize`` inside ``@tfc.compile`` updates the variables when the function runs). TF1
graphs use :mod:`tfc.compat.v1.train`'s optimizers, which write TensorFlow's ``Apply*`` kernels.
Formulas follow TensorFlow 1's optimizers (``tf.compat.v1.train.*``), with Keras' AdamW.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import api
from .variables import Variable, gradients, trainable_variables


@dataclass(frozen=True)
class Optimizer:
    """Base: subclasses give ``slot_names``/``slot_init`` and ``update``; ``minimize`` builds the train op."""

    learning_rate: float = 0.01

    slot_names: tuple = ()
    # Slot and step variables, created on first use.
    _state: dict = field(default_factory=dict, compare=False, repr=False)

    def minimize(self, loss, var_list=None, name: str | None = None):
        """Apply one step to ``var_list`` (default: all trainable variables) when the traced function runs."""
        var_list = list(var_list) if var_list is not None else trainable_variables()
        if not var_list:
            raise ValueError("minimize: no variables to train")
        return self.apply_gradients(zip(gradients(loss, var_list), var_list), name)

    def apply_gradients(self, grads_and_vars, name: str | None = None):
        """Update each variable from its gradient (pairs with a None gradient are skipped)."""
        step = self._variable("step", np.int32(0))
        for grad, var in grads_and_vars:
            if grad is None:
                continue
            slots = {k: self._variable(f"{var.name.split(':')[0]}/{type(self).__name__}/{k}", v)
                     for k, v in self.slots(np.zeros(var.shape, var.dtype.numpy)).items()}
            new_value, new_slots = self.update(var.read_value(), grad, {k: s.read_value() for k, s in slots.items()}, step.read_value())
            var.assign(new_value, read_value=False)
            for k, v in new_slots.items():
                slots[k].assign(v, read_value=False)
        step.assign_add(1, read_value=False)

    def _variable(self, name: str, initial):
        """A non-trainable variable owned by this optimizer (a slot or the step counter)."""
        found = self._state.get(name)
        if found is None:
            found = self._state[name] = Variable(np.asarray(initial), name=name.replace(":", "_"), trainable=False)
        return found

    def slots(self, value: np.ndarray) -> dict[str, np.ndarray]:
        """Initial slot values for a variable holding ``value``."""
        return {name: self.slot_init(name, value) for name in self.slot_names}

    def slot_init(self, name: str, value: np.ndarray) -> np.ndarray:
        return np.zeros_like(value)

    def update(self, value, grad, slots: dict, step):
        raise NotImplementedError


@dataclass(frozen=True)
class SGD(Optimizer):
    """var -= lr * grad."""

    def update(self, value, grad, slots, step):
        return value - self.learning_rate * grad, {}


@dataclass(frozen=True)
class Momentum(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum (Nesterov: var -= lr * (grad + momentum * accum))."""

    momentum: float = 0.9
    use_nesterov: bool = False
    slot_names: tuple = ("momentum",)

    def update(self, value, grad, slots, step):
        accum = slots["momentum"] * self.momentum + grad
        direction = grad + accum * self.momentum if self.use_nesterov else accum
        return value - self.learning_rate * direction, {"momentum": accum}


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam with TensorFlow's bias correction folded into the step size."""

    learning_rate: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    slot_names: tuple = ("m", "v")

    def update(self, value, grad, slots, step):
        t = api.astype(step, value.dtype) + 1
        lr_t = self.learning_rate * api.sqrt(1 - api.power(self.beta2, t)) / (1 - api.power(self.beta1, t))
        m = slots["m"] * self.beta1 + grad * (1 - self.beta1)
        v = slots["v"] * self.beta2 + grad * grad * (1 - self.beta2)
        return value - lr_t * m / (api.sqrt(v) + self.epsilon), {"m": m, "v": v}


@dataclass(frozen=True)
class AdamW(Adam):
    """Adam with decoupled weight decay (Keras): var -= lr * weight_decay * var, then the Adam step."""

    weight_decay: float = 0.004

    def update(self, value, grad, slots, step):
        decayed = value - self.learning_rate * self.weight_decay * value
        return super().update(decayed, grad, slots, step)


@dataclass(frozen=True)
class RMSProp(Optimizer):
    """ms = rho*ms + (1-rho)*grad^2; mom = momentum*mom + lr*grad/sqrt(ms+eps); var -= mom."""

    decay: float = 0.9
    momentum: float = 0.0
    epsilon: float = 1e-10
    slot_names: tuple = ("rms", "momentum")

    def slot_init(self, name, value):
        return np.ones_like(value) if name == "rms" else np.zeros_like(value)

    def update(self, value, grad, slots, step):
        ms = slots["rms"] * self.decay + grad * grad * (1 - self.decay)
        mom = slots["momentum"] * self.momentum + self.learning_rate * grad / api.sqrt(ms + self.epsilon)
        return value - mom, {"rms": ms, "momentum": mom}


@dataclass(frozen=True)
class Adagrad(Optimizer):
    """accum += grad^2; var -= lr * grad / sqrt(accum)."""

    initial_accumulator_value: float = 0.1
    slot_names: tuple = ("accumulator",)

    def slot_init(self, name, value):
        return np.full_like(value, self.initial_accumulator_value)

    def update(self, value, grad, slots, step):
        accum = slots["accumulator"] + grad * grad
        return value - self.learning_rate * grad * api.rsqrt(accum), {"accumulator": accum}


__all__ = ["Optimizer", "SGD", "Momentum", "Adam", "AdamW", "RMSProp", "Adagrad"]
