"""BatchNormalization (batch statistics in training, moving averages at inference) and LayerNormalization."""

from __future__ import annotations

import tfc

from .base import Layer, serialized_options


class BatchNormalization(Layer):
    """Normalizes over every axis but ``axis``. Training uses the batch's mean and (biased) variance
    and moves ``moving_mean``/``moving_variance`` toward them by ``1 - momentum``; inference uses
    the moving averages. Weights: gamma, beta (trainable), moving_mean, moving_variance."""

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 0.001, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon, self.center, self.scale = int(axis), float(momentum), float(epsilon), center, scale
        self.initializers = (gamma_initializer, beta_initializer, moving_mean_initializer, moving_variance_initializer)
        self.regularizers, self.constraints = (gamma_regularizer, beta_regularizer), (gamma_constraint, beta_constraint)

    def build(self, input_shape):
        self._axis = self.axis % len(input_shape)
        depth = input_shape[self._axis]
        if depth is None:
            raise ValueError(f"BatchNormalization '{self.name}': axis {self.axis} of its input {input_shape} must be known")
        gamma_init, beta_init, mean_init, var_init = self.initializers
        self.gamma = self.add_weight("gamma", (depth,), initializer=gamma_init, regularizer=self.regularizers[0],
                                     constraint=self.constraints[0]) if self.scale else None
        self.beta = self.add_weight("beta", (depth,), initializer=beta_init, regularizer=self.regularizers[1],
                                    constraint=self.constraints[1]) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", (depth,), initializer=mean_init, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", (depth,), initializer=var_init, trainable=False)

    def call(self, inputs, training=None):
        reduce_axes = [a for a in range(inputs.ndim) if a != self._axis]
        shape = tuple(inputs.shape[a] if a == self._axis else 1 for a in range(inputs.ndim))
        if training:
            mean, variance = tfc.nn.moments(inputs, reduce_axes)
            decay = 1 - self.momentum
            self.moving_mean.assign_sub(tfc.multiply(tfc.subtract(self.moving_mean, mean), decay), read_value=False)
            self.moving_variance.assign_sub(tfc.multiply(tfc.subtract(self.moving_variance, variance), decay), read_value=False)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        as_input = lambda t: None if t is None else tfc.reshape(t, shape)
        return tfc.nn.batch_normalization(inputs, as_input(mean), as_input(variance), as_input(self.beta), as_input(self.gamma), self.epsilon)

    def get_config(self):
        gamma_init, beta_init, mean_init, var_init = self.initializers
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale,
                **serialized_options(beta_initializer=beta_init, gamma_initializer=gamma_init, moving_mean_initializer=mean_init,
                                     moving_variance_initializer=var_init, beta_regularizer=self.regularizers[1],
                                     gamma_regularizer=self.regularizers[0], beta_constraint=self.constraints[1],
                                     gamma_constraint=self.constraints[0])}


class LayerNormalization(Layer):
    """Normalizes each example over ``axis`` (default the last), then scales by gamma and shifts by beta."""

    def __init__(self, axis=-1, epsilon: float = 0.001, center: bool = True, scale: bool = True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.axis = (axis,) if isinstance(axis, int) else tuple(axis)
        self.epsilon, self.center, self.scale = float(epsilon), center, scale
        self.initializers = (gamma_initializer, beta_initializer)
        self.regularizers, self.constraints = (gamma_regularizer, beta_regularizer), (gamma_constraint, beta_constraint)

    def build(self, input_shape):
        self._axes = tuple(sorted(a % len(input_shape) for a in self.axis))
        shape = tuple(input_shape[a] for a in self._axes)
        self.gamma = self.add_weight("gamma", shape, initializer=self.initializers[0], regularizer=self.regularizers[0],
                                     constraint=self.constraints[0]) if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.initializers[1], regularizer=self.regularizers[1],
                                    constraint=self.constraints[1]) if self.center else None

    def call(self, inputs):
        mean, variance = tfc.nn.moments(inputs, self._axes, keepdims=True)
        shape = tuple(inputs.shape[a] if a in self._axes else 1 for a in range(inputs.ndim))
        as_input = lambda t: None if t is None else tfc.reshape(t, shape)
        return tfc.nn.batch_normalization(inputs, mean, variance, as_input(self.beta), as_input(self.gamma), self.epsilon)

    def get_config(self):
        return {**super().get_config(), "axis": list(self.axis), "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **serialized_options(beta_initializer=self.initializers[1], gamma_initializer=self.initializers[0],
                                     beta_regularizer=self.regularizers[1], gamma_regularizer=self.regularizers[0],
                                     beta_constraint=self.constraints[1], gamma_constraint=self.constraints[0])}
