"""Convolution layers: Conv1D/2D/3D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, on
:mod:`tfc.frontend.nn`'s traced convolutions."""

from __future__ import annotations

import tfc

from .. import activations
from .base import Layer, serialized_options


def int_tuple(value, rank: int, what: str, layer: str) -> tuple:
    values = (int(value),) * rank if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != rank or any(v < 1 for v in values):
        raise ValueError(f"{layer}: {what} must be an int or {rank} positive ints, got {value!r}")
    return values


def nn_data_format(data_format, rank: int) -> str:
    """Keras' channels_last / channels_first as tf.nn's data_format string."""
    spatial = "DHW"[3 - rank:] if rank > 1 else "W"
    return f"N{spatial}C" if data_format in (None, "channels_last") else f"NC{spatial}"


class Conv(Layer):
    """An N-d convolution layer (``rank`` spatial dimensions) with Keras' arguments."""

    rank = 2

    def __init__(self, filters: int, kernel_size, strides=1, padding: str = "valid", data_format=None, dilation_rate=1, groups: int = 1,
                 activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        if activity_regularizer is not None:
            raise ValueError(f"{where}: activity_regularizer is not supported yet (got {activity_regularizer!r})")
        self.filters, self.groups = int(filters), int(groups)
        self.kernel_size = int_tuple(kernel_size, self.rank, "kernel_size", where)
        self.strides = int_tuple(strides, self.rank, "strides", where)
        self.dilation_rate = int_tuple(dilation_rate, self.rank, "dilation_rate", where)
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f"{where}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding, self.data_format = padding.lower(), data_format or "channels_last"
        self.activation, self.use_bias = activations.get(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def _channels(self, input_shape) -> int:
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        if len(input_shape) != self.rank + 2 or channels is None or channels % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': expected a rank-{self.rank + 2} input whose channels divide "
                             f"into {self.groups} group(s), got shape {input_shape}")
        return channels

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.kernel = self.add_weight("kernel", (*self.kernel_size, channels // self.groups, self.filters), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def call(self, inputs):
        fmt = nn_data_format(self.data_format, self.rank)
        y = tfc.nn.convolution(inputs, self.kernel, self.strides, self.padding.upper(), fmt, self.dilation_rate)
        if self.bias is not None:
            y = tfc.nn.bias_add(y, self.bias, data_format=fmt)
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format, "dilation_rate": list(self.dilation_rate), "groups": self.groups,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                **serialized_options(kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
                                     kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                                     activity_regularizer=None, kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint)}


class Conv1D(Conv):
    rank = 1


class Conv2D(Conv):
    rank = 2


class Conv3D(Conv):
    rank = 3


class Conv2DTranspose(Conv):
    """The transpose (input gradient) of a Conv2D; output size ``in * stride`` ("same") or
    ``in * stride + max(kernel - stride, 0)`` ("valid"), as Keras computes it."""

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.kernel = self.add_weight("kernel", (*self.kernel_size, self.filters, channels), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def call(self, inputs):
        fmt = nn_data_format(self.data_format, 2)
        spatial = inputs.shape[1:3] if self.data_format == "channels_last" else inputs.shape[2:4]
        sizes = []
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            span = (k - 1) * d + 1
            sizes.append(size * s if self.padding == "same" else size * s + max(span - s, 0))
        out = (inputs.shape[0], *sizes, self.filters) if self.data_format == "channels_last" else (inputs.shape[0], self.filters, *sizes)
        y = tfc.nn.conv_transpose(inputs, self.kernel, out, self.strides, self.padding.upper(), fmt, self.dilation_rate)
        if self.bias is not None:
            y = tfc.nn.bias_add(y, self.bias, data_format=fmt)
        return self.activation(y)


class DepthwiseConv2D(Conv):
    """One filter (times ``depth_multiplier``) per input channel."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier: int = 1, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(1, kernel_size, strides, padding, data_format, dilation_rate, 1, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
                         bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.depthwise_kernel = self.add_weight("depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier),
                                                initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                                constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (channels * self.depth_multiplier,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) if self.use_bias else None

    def call(self, inputs):
        fmt = nn_data_format(self.data_format, 2)
        y = tfc.nn.depthwise_conv2d(inputs, self.depthwise_kernel, self.strides, self.padding.upper(), fmt, self.dilation_rate)
        if self.bias is not None:
            y = tfc.nn.bias_add(y, self.bias, data_format=fmt)
        return self.activation(y)

    def get_config(self):
        config = _without(super().get_config(), "filters", "groups")
        return {**config, "depth_multiplier": self.depth_multiplier,
                **serialized_options(depthwise_initializer=self.kernel_initializer, depthwise_regularizer=self.kernel_regularizer,
                                     depthwise_constraint=self.kernel_constraint)}


class SeparableConv2D(Conv):
    """A depthwise convolution then a 1x1 one (Keras' weights: depthwise_kernel, pointwise_kernel, bias)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, depth_multiplier: int = 1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1, activation, use_bias,
                         depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, bias_constraint, **kwargs)
        self.depth_multiplier, self.pointwise_initializer = int(depth_multiplier), pointwise_initializer
        self.pointwise_regularizer, self.pointwise_constraint = pointwise_regularizer, pointwise_constraint

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.depthwise_kernel = self.add_weight("depthwise_kernel", (*self.kernel_size, channels, self.depth_multiplier),
                                                initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                                constraint=self.kernel_constraint)
        self.pointwise_kernel = self.add_weight("pointwise_kernel", (1, 1, channels * self.depth_multiplier, self.filters),
                                                initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def call(self, inputs):
        fmt = nn_data_format(self.data_format, 2)
        y = tfc.nn.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel, self.strides, self.padding.upper(), fmt,
                                    self.dilation_rate)
        if self.bias is not None:
            y = tfc.nn.bias_add(y, self.bias, data_format=fmt)
        return self.activation(y)

    def get_config(self):
        config = _without(super().get_config(), "groups")
        return {**config, "depth_multiplier": self.depth_multiplier,
                **serialized_options(depthwise_initializer=self.kernel_initializer, pointwise_initializer=self.pointwise_initializer,
                                     depthwise_regularizer=self.kernel_regularizer, pointwise_regularizer=self.pointwise_regularizer,
                                     depthwise_constraint=self.kernel_constraint, pointwise_constraint=self.pointwise_constraint)}


def _without(config: dict, *keys: str) -> dict:
    """A Conv config less ``keys`` and the kernel_* options (depthwise layers name theirs depthwise_*)."""
    dropped = {*keys, "kernel_initializer", "kernel_regularizer", "kernel_constraint"}
    return {k: v for k, v in config.items() if k not in dropped}
