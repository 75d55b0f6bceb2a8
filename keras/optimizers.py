"""``tfc.keras.optimizers``: tf.keras 2.x's optimizers (the TF 2.11+ ones) with their names, arguments
and update formulas, as update rules in the tracing API.

As in Keras, an optimizer's state is variables: ``iterations``, ``learning_rate`` and one set of
slots per trained weight (made on the first step, or by :meth:`Optimizer.build`). The compiled
training step reads them like any variable, so assigning the learning rate
(``model.optimizer.learning_rate = 0.01``, or ``.learning_rate.assign(0.01)``) takes effect at the
next step without compiling again, and saving a model saves them all.
"""

from __future__ import annotations

import numpy as np

import tfc
from tfc.frontend.optimizers import Optimizer as TracedOptimizer
from tfc.frontend.variables import Variable

from .serialization import deserialize_keras_object, serialize_keras_object

_NOT_YET = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum", "ema_overwrite_frequency",
            "loss_scale_factor", "gradient_accumulation_steps")


class Optimizer:
    """Base of the Keras optimizers: ``apply_gradients(zip(grads, vars))`` inside a traced step.
    Subclasses give ``slot_names``, ``slots(value)`` (initial values), ``update`` and their
    hyperparameters (``hyperparameters``: the names ``get_config`` returns besides the learning rate)."""

    slot_names: tuple = ()
    hyperparameters: tuple = ()

    def __init__(self, learning_rate, name: str, **kwargs):
        unknown = sorted(set(kwargs) - set(_NOT_YET))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {', '.join(unknown)}")
        for option, value in kwargs.items():
            if value not in (None, False):
                raise ValueError(f"{type(self).__name__}: {option} is not supported yet (got {value!r})")
        self.name = name
        self._learning_rate = Variable(_rate(learning_rate, self), name=f"{name}/learning_rate", trainable=False)
        self.iterations = Variable(np.int64(0), name=f"{name}/iterations", trainable=False)
        self._slots: dict = {}  # trained variable -> {slot name: slot variable}

    @property
    def learning_rate(self) -> Variable:
        """The learning rate variable (float32) the compiled step reads."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._learning_rate.assign(_rate(value, self))

    # ---- state
    def build(self, var_list) -> None:
        """Make the slot variables of each of ``var_list`` now (the first step would make them)."""
        for var in var_list:
            self._slot_variables(var)

    def slot_variables(self, var) -> dict[str, Variable]:
        """``var``'s slots by name (empty before its first step or ``build``)."""
        return dict(self._slots.get(var, {}))

    @property
    def variables(self) -> list[Variable]:
        """iterations, the learning rate, then every slot variable."""
        return [self.iterations, self._learning_rate, *(slot for slots in self._slots.values() for slot in slots.values())]

    def _slot_variables(self, var) -> dict[str, Variable]:
        if var not in self._slots:
            initial = self.slots(np.zeros(var.shape, var.dtype.numpy))
            self._slots[var] = {k: Variable(v, name=f"{var.node_name}/{self.name}/{k}", trainable=False) for k, v in initial.items()}
        return self._slots[var]

    # ---- the update
    def apply_gradients(self, grads_and_vars, name: str | None = None):
        """Update each variable from its gradient (pairs with a None gradient are skipped), then count the step."""
        learning_rate, step = self._learning_rate.read_value(), self.iterations.read_value()
        for grad, var in grads_and_vars:
            if grad is None:
                continue
            slots = self._slot_variables(var)
            lr = learning_rate if learning_rate.dtype == var.dtype else tfc.astype(learning_rate, var.dtype)
            new_value, new_slots = self.update(var.read_value(), grad, {k: s.read_value() for k, s in slots.items()}, step, lr)
            var.assign(new_value, read_value=False)
            for k, v in new_slots.items():
                slots[k].assign(v, read_value=False)
        self.iterations.assign_add(1, read_value=False)

    def slots(self, value: np.ndarray) -> dict[str, np.ndarray]:
        """Initial slot values for a variable holding ``value``."""
        return {name: np.zeros_like(value) for name in self.slot_names}

    def update(self, value, grad, slots: dict, step, lr):
        raise NotImplementedError

    # ---- configuration
    def get_config(self) -> dict:
        return {"name": self.name, "learning_rate": float(self._learning_rate.numpy()),
                **{key: getattr(self, key) for key in self.hyperparameters}}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} learning_rate={float(self._learning_rate.numpy())}>"


def _rate(value, optimizer: Optimizer) -> np.float32:
    if isinstance(value, Variable):
        value = value.numpy()
    if callable(value) or np.ndim(value) != 0:
        raise ValueError(f"{type(optimizer).__name__}: learning_rate must be a number (schedules are not supported yet), got {value!r}")
    return np.float32(value)


class SGD(Optimizer):
    """m = momentum * m - lr * g; var += m (Nesterov: var += momentum * m - lr * g)."""

    slot_names, hyperparameters = ("momentum",), ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False, name: str = "SGD", **kwargs):
        super().__init__(learning_rate, name, **kwargs)
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def slots(self, value):
        return {"momentum": np.zeros_like(value)} if self.momentum else {}

    def update(self, value, grad, slots, step, lr):
        if not self.momentum:
            return tfc.subtract(value, tfc.multiply(lr, grad)), {}
        m = tfc.subtract(tfc.multiply(self.momentum, slots["momentum"]), tfc.multiply(lr, grad))
        delta = tfc.subtract(tfc.multiply(self.momentum, m), tfc.multiply(lr, grad)) if self.nesterov else m
        return tfc.add(value, delta), {"momentum": m}


class Adam(Optimizer):
    """alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t); m += (g - m)(1 - beta_1); v += (g^2 - v)(1 - beta_2);
    var -= alpha * m / (sqrt(v) + epsilon)."""

    slot_names, hyperparameters = ("m", "v"), ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 name: str = "Adam", **kwargs):
        super().__init__(learning_rate, name, **kwargs)
        if amsgrad:
            raise ValueError("Adam: amsgrad is not supported yet (got True)")
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = float(beta_1), float(beta_2), float(epsilon), False

    def update(self, value, grad, slots, step, lr):
        t = tfc.add(tfc.astype(step, value.dtype), 1)
        alpha = tfc.divide(tfc.multiply(lr, tfc.sqrt(tfc.subtract(1, tfc.power(self.beta_2, t)))), tfc.subtract(1, tfc.power(self.beta_1, t)))
        m = tfc.add(slots["m"], tfc.multiply(tfc.subtract(grad, slots["m"]), 1 - self.beta_1))
        v = tfc.add(slots["v"], tfc.multiply(tfc.subtract(tfc.square(grad), slots["v"]), 1 - self.beta_2))
        return tfc.subtract(value, tfc.divide(tfc.multiply(alpha, m), tfc.add(tfc.sqrt(v), self.epsilon))), {"m": m, "v": v}


class RMSprop(Optimizer):
    """v = rho * v + (1 - rho) g^2; var -= lr * g / (sqrt(v) + epsilon) (with momentum: through a velocity)."""

    slot_names, hyperparameters = ("velocity", "momentum"), ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 name: str = "RMSprop", **kwargs):
        super().__init__(learning_rate, name, **kwargs)
        if centered:
            raise ValueError("RMSprop: centered is not supported yet (got True)")
        self.rho, self.momentum, self.epsilon, self.centered = float(rho), float(momentum), float(epsilon), False

    def update(self, value, grad, slots, step, lr):
        v = tfc.add(tfc.multiply(self.rho, slots["velocity"]), tfc.multiply(1 - self.rho, tfc.square(grad)))
        increment = tfc.divide(tfc.multiply(lr, grad), tfc.add(tfc.sqrt(v), self.epsilon))
        if not self.momentum:
            return tfc.subtract(value, increment), {"velocity": v, "momentum": slots["momentum"]}
        m = tfc.add(tfc.multiply(self.momentum, slots["momentum"]), increment)
        return tfc.subtract(value, m), {"velocity": v, "momentum": m}


class Adagrad(Optimizer):
    """accumulator += g^2; var -= lr * g / (sqrt(accumulator) + epsilon)."""

    slot_names, hyperparameters = ("accumulator",), ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, name: str = "Adagrad",
                 **kwargs):
        super().__init__(learning_rate, name, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def slots(self, value):
        return {"accumulator": np.full_like(value, self.initial_accumulator_value)}

    def update(self, value, grad, slots, step, lr):
        accumulator = tfc.add(slots["accumulator"], tfc.square(grad))
        return tfc.subtract(value, tfc.divide(tfc.multiply(lr, grad), tfc.add(tfc.sqrt(accumulator), self.epsilon))), \
            {"accumulator": accumulator}


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}
_CLASSES = {cls.__name__: cls for cls in _BY_NAME.values()}


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001, ...}}``."""
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None) -> Optimizer:
    return deserialize_keras_object(config, {**_CLASSES, **_BY_NAME}, custom_objects, "optimizer")


def get(identifier) -> Optimizer | TracedOptimizer:
    """The optimizer ``identifier`` names (``"adam"``, Keras' defaults) or describes (a serialized
    dict), or the object itself (a :mod:`tfc.frontend.optimizers` one too)."""
    if isinstance(identifier, (Optimizer, TracedOptimizer)):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    raise ValueError(f"unknown optimizer {identifier!r} (expected one of {', '.join(sorted(_BY_NAME))}, or an optimizer object)")
