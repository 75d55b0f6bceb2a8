"""Core layers: Dense, Activation, Flatten, Reshape, Permute, Dropout, Lambda, InputLayer."""

from __future__ import annotations

import math
import sys

import numpy as np

import tfc
from tfc.frontend.tf.ops.philox import from_stateless_seed
from tfc.frontend.tf.ops.random_samples import uniform
from tfc.frontend.variables import Variable
from tfc.types import DType

from .. import activations, initializers
from ..serialization import get_registered_object, serialize_keras_object
from .base import Layer, serialized_options


class InputLayer(Layer):
    """Where a functional model's input enters (``model.layers[0]``, as in Keras); it computes nothing."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, input_shape=input_shape, batch_size=batch_size, **kwargs)
        self.output_shape = self.batch_input_shape
        self.built = True

    def call(self, inputs):
        return inputs

    def get_config(self):
        shape = None if self.batch_input_shape is None else list(self.batch_input_shape)
        return {"batch_input_shape": shape, "dtype": self.dtype, "name": self.name}


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis."""

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if activity_regularizer is not None:
            raise ValueError(f"Dense '{self.name}': activity_regularizer is not supported yet (got {activity_regularizer!r})")
        if int(units) < 1:
            raise ValueError(f"Dense '{self.name}': units must be a positive int, got {units!r}")
        self.units, self.activation, self.use_bias = int(units), activations.get(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"Dense '{self.name}': the last dimension of its input {input_shape} must be known")
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def compute_mask(self, inputs, mask=None):
        return mask  # elementwise over the time steps: a sequence mask still applies

    def call(self, inputs):
        if inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"Dense '{self.name}': expected inputs with last dimension {self.kernel.shape[0]}, got shape {list(inputs.shape)}")
        y = tfc.matmul(inputs, self.kernel)
        return self.activation(y if self.bias is None else tfc.add(y, self.bias))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **serialized_options(kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
                                     kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                                     activity_regularizer=None, kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint)}


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def compute_mask(self, inputs, mask=None):
        return mask  # elementwise over the time steps: a sequence mask still applies

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """Every axis but the batch one, flattened (``data_format="channels_first"`` moves channels last first)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = tfc.transpose(inputs, (0, *range(2, inputs.ndim), 1))
        return tfc.reshape(inputs, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs):
        return tfc.reshape(inputs, (inputs.shape[0], *self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute '{self.name}': dims must be a permutation of 1..{len(self.dims)}, got {list(self.dims)}")

    def call(self, inputs):
        return tfc.transpose(inputs, (0, *self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class Dropout(Layer):
    """In training, zeroes each input with probability ``rate`` and scales the rest by 1/(1 - rate);
    at inference the identity. The mask comes from TensorFlow's stateless Philox generator keyed by
    (``seed``, a per-layer call counter), so a seeded layer draws the same masks in every run."""

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout '{self.name}': rate must be in [0, 1), got {rate!r}")
        self.rate, self.noise_shape = float(rate), noise_shape
        self.seed = initializers.draw_seed() if seed is None else int(seed)
        self._draws = None

    def build(self, input_shape):
        # RNG state, not a weight: get_weights leaves it out, as Keras' SeedGenerator; a saved model keeps it
        self._draws = Variable(np.int64(0), name=f"{self.name}/seed_state", trainable=False)

    def state_variables(self) -> list[Variable]:
        return [self._draws] if self._draws is not None else []

    def compute_mask(self, inputs, mask=None):
        return mask  # elementwise over the time steps: a sequence mask still applies

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)) if self.noise_shape else inputs.shape
        draws = self._draws.read_value()
        self._draws.assign_add(1, read_value=False)
        generator = from_stateless_seed(tfc.stack([tfc.astype(self.seed, DType.i64), draws]))
        noise = tfc.reshape(uniform(generator, math.prod(shape), DType.from_numpy(np.dtype(inputs.dtype.numpy))), shape)
        keep = tfc.greater_equal(noise, self.rate)
        return tfc.where(keep, tfc.divide(inputs, 1 - self.rate), tfc.zeros_like(inputs))

    def get_config(self):
        noise_shape = None if self.noise_shape is None else list(self.noise_shape)
        return {**super().get_config(), "rate": self.rate, "noise_shape": noise_shape, "seed": self.seed}


class Lambda(Layer):
    """``function(inputs)`` as a layer (traced like any other)."""

    def __init__(self, function, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function, self.arguments = function, dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def get_config(self):
        """The function by name (a ``lambda`` expression cannot be saved: tfc never stores code)."""
        name = serialize_keras_object(self.function)
        if not isinstance(name, str):
            raise ValueError(f"Lambda '{self.name}': its function {self.function!r} is an object, not a function that can be named")
        return {**super().get_config(), "function": name, "module": getattr(self.function, "__module__", None), "arguments": self.arguments}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """The function from ``custom_objects``, the registry or, as tf.keras does, its module when that
        is already imported (nothing is imported by name from a file)."""
        config = dict(config)
        name, module = config.pop("function"), sys.modules.get(config.pop("module", None) or "")
        function = get_registered_object(name, custom_objects, vars(module) if module is not None else None)
        if not callable(function):
            raise ValueError(f"Lambda '{config.get('name')}': its function {name!r} is unknown; pass it in custom_objects={{{name!r}: ...}}")
        return cls(function, **config)
