"""TensorFlow 1's ``tf.layers`` (``tfc.compat.v1.layers``): functional layers and their classes that
make their weights with ``tf.get_variable`` under a ``variable_scope`` named as TF1 names it
(``dense/kernel``, ``dense_1/kernel``; ``reuse=True`` or ``tf.AUTO_REUSE`` shares them), so a TF1
program's ``tf.trainable_variables()`` and checkpoints match TensorFlow's.

    net = tf.layers.conv2d(images, 32, 3, activation=tf.nn.relu)
    logits = tf.layers.dense(tf.layers.flatten(net), 10)
"""

from __future__ import annotations

import weakref
from collections import defaultdict

import numpy as np

import tfc.compat.v1 as tf
from tfc.compat.v1.ops import to_tensor

REGULARIZATION_LOSSES = "regularization_losses"  # TF1's GraphKeys.REGULARIZATION_LOSSES
ZEROS, ONES = tf.zeros_initializer(), tf.ones_initializer()  # TF1's default initializers (shared, stateless)
_SCOPE_COUNTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> "prefix/base" -> uses


def _layer_scope(name, base: str, reuse):
    """The variable scope of one layer call: ``name`` as given, else ``base`` uniqued in the enclosing scope."""
    if name is None:
        name = _unique_scope_name(base)
    return tf.variable_scope(name, reuse=reuse)


def _prefix() -> str:
    """The enclosing variable scope's name (a probe scope, left again at once, reads it)."""
    with tf.variable_scope("_", reuse=tf.AUTO_REUSE) as probe:
        return probe.name[:-2]


def _weight(name, shape, initializer, regularizer, trainable, dtype=tf.float32, constraint=None):
    """A layer weight by ``tf.get_variable``; its regularizer's penalty goes to REGULARIZATION_LOSSES as TF1's does."""
    if constraint is not None:
        raise ValueError(f"tf.layers: the {name} constraint is not supported (TF1 projects it after each optimizer step; tfc's does not yet)")
    variable = tf.get_variable(name, shape=shape, dtype=dtype, initializer=initializer, trainable=trainable)
    if regularizer is not None:
        tf.add_to_collection(REGULARIZATION_LOSSES, regularizer(variable))
    return variable


def _static_shape(inputs, what: str) -> list:
    dims = to_tensor(inputs).shape.as_list()
    if dims is None:
        raise ValueError(f"tf.layers.{what}: the input's rank must be known")
    return dims


def _activate(outputs, activation, activity_regularizer):
    if activation is not None:
        outputs = activation(outputs)
    if activity_regularizer is not None:
        tf.add_to_collection(REGULARIZATION_LOSSES, activity_regularizer(outputs))
    return outputs


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None, bias_initializer=ZEROS,
          kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """``activation(inputs @ kernel + bias)`` over the last axis (higher ranks keep their leading axes)."""
    dims = _static_shape(inputs, "dense")
    if dims[-1] is None:
        raise ValueError("tf.layers.dense: the last dimension of the inputs must be known")
    with _layer_scope(name, "dense", reuse):
        kernel = _weight("kernel", [dims[-1], units], kernel_initializer, kernel_regularizer, trainable, constraint=kernel_constraint)
        bias = _weight("bias", [units], bias_initializer, bias_regularizer, trainable, constraint=bias_constraint) if use_bias else None
        x = to_tensor(inputs)
        if len(dims) > 2:
            flat = tf.reshape(x, [-1, dims[-1]])
            out = tf.reshape(tf.matmul(flat, kernel), [-1 if d is None else d for d in dims[:-1]] + [units])
        else:
            out = tf.matmul(x, kernel)
        if bias is not None:
            out = tf.nn.bias_add(out, bias)
        return _activate(out, activation, activity_regularizer)


def _pair(value, what: str) -> list[int]:
    pair = [int(value)] * 2 if np.isscalar(value) else [int(v) for v in value]
    if len(pair) != 2:
        raise ValueError(f"tf.layers: {what} must be an int or 2 ints, got {value!r}")
    return pair


def _padding(padding: str, what: str) -> str:
    if str(padding).lower() not in ("valid", "same"):
        raise ValueError(f"tf.layers.{what}: padding must be 'valid' or 'same', got {padding!r}")
    return str(padding).upper()


def _check_channels_last(data_format, what: str) -> None:
    if data_format != "channels_last":
        raise ValueError(f"tf.layers.{what}: only data_format='channels_last' is supported, got {data_format!r}")


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", data_format="channels_last", dilation_rate=(1, 1),
           activation=None, use_bias=True, kernel_initializer=None, bias_initializer=ZEROS, kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """2-D convolution of NHWC ``inputs`` with a ``[kh, kw, in, filters]`` kernel."""
    _check_channels_last(data_format, "conv2d")
    dims = _static_shape(inputs, "conv2d")
    if len(dims) != 4 or dims[-1] is None:
        raise ValueError(f"tf.layers.conv2d: inputs must be 4-D NHWC with known channels, got shape {dims}")
    kh, kw = _pair(kernel_size, "kernel_size")
    with _layer_scope(name, "conv2d", reuse):
        kernel = _weight("kernel", [kh, kw, dims[-1], filters], kernel_initializer, kernel_regularizer, trainable, constraint=kernel_constraint)
        bias = _weight("bias", [filters], bias_initializer, bias_regularizer, trainable, constraint=bias_constraint) if use_bias else None
        out = tf.nn.conv2d(inputs, kernel, strides=[1, *_pair(strides, "strides"), 1], padding=_padding(padding, "conv2d"),
                           dilations=[1, *_pair(dilation_rate, "dilation_rate"), 1])
        if bias is not None:
            out = tf.nn.bias_add(out, bias)
        return _activate(out, activation, activity_regularizer)


def _pooling(op, what: str):
    def pool(inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None):
        _check_channels_last(data_format, what)
        return op(inputs, ksize=[1, *_pair(pool_size, "pool_size"), 1], strides=[1, *_pair(strides, "strides"), 1],
                  padding=_padding(padding, what), name=name)

    pool.__name__ = what
    pool.__doc__ = f"TF1's tf.layers.{what} over NHWC inputs."
    return pool


max_pooling2d = _pooling(tf.nn.max_pool, "max_pooling2d")
average_pooling2d = _pooling(tf.nn.avg_pool, "average_pooling2d")


def flatten(inputs, name=None, data_format="channels_last"):
    """``[batch, rest...]`` to ``[batch, prod(rest)]`` (the non-batch dimensions must be known)."""
    _check_channels_last(data_format, "flatten")
    dims = _static_shape(inputs, "flatten")
    if any(d is None for d in dims[1:]):
        raise ValueError(f"tf.layers.flatten: the non-batch dimensions must be known, got shape {dims}")
    return tf.reshape(inputs, [-1, int(np.prod(dims[1:], dtype=np.int64))], name=name or "flatten")


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Drops ``rate`` of the inputs (scaled by ``1/(1-rate)``) when ``training`` (a bool or a bool tensor)."""
    if isinstance(training, bool) or training is None:
        return tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed, name=name) if training else tf.identity(inputs)
    return tf.cond(training, lambda: tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed), lambda: tf.identity(inputs),
                   name=name)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer=ZEROS,
                        gamma_initializer=ONES, moving_mean_initializer=ZEROS,
                        moving_variance_initializer=ONES, beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None, training=False, trainable=True, name=None, reuse=None, renorm=False,
                        renorm_clipping=None, renorm_momentum=0.99, fused=None, virtual_batch_size=None, adjustment=None):
    """Normalizes over ``axis`` with the batch's moments when ``training`` (a Python bool or a bool tensor) and
    the moving ones otherwise; the moving-average updates go to ``UPDATE_OPS``, which TF1 code runs as the train
    op's control dependencies. As in TF1, 4-D inputs (``fused``) move the variance by the batch's unbiased
    variance, n/(n-1) times the biased one that normalizes."""
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise ValueError("tf.layers.batch_normalization: renorm, virtual_batch_size and adjustment are not supported")
    dims = _static_shape(inputs, "batch_normalization")
    axis = axis % len(dims)
    if dims[axis] is None:
        raise ValueError(f"tf.layers.batch_normalization: the size of axis {axis} must be known, got shape {dims}")
    shape = [dims[axis]]
    with _layer_scope(name, "batch_normalization", reuse):
        gamma = _weight("gamma", shape, gamma_initializer, gamma_regularizer, trainable, constraint=gamma_constraint) if scale else None
        beta = _weight("beta", shape, beta_initializer, beta_regularizer, trainable, constraint=beta_constraint) if center else None
        moving_mean = _weight("moving_mean", shape, moving_mean_initializer, None, False)
        moving_variance = _weight("moving_variance", shape, moving_variance_initializer, None, False)
        fused = (len(dims) == 4 and axis in (1, 3)) if fused is None else bool(fused)
        mean, variance = _normalizing_moments(inputs, [a for a in range(len(dims)) if a != axis], training, moving_mean, moving_variance,
                                              momentum, fused)
        parts = [mean, variance, beta, gamma]
        if axis != len(dims) - 1:  # per-channel vectors broadcast along ``axis``
            broadcast = [dims[axis] if a == axis else 1 for a in range(len(dims))]
            parts = [None if p is None else tf.reshape(p, broadcast) for p in parts]
        return tf.nn.batch_normalization(inputs, parts[0], parts[1], parts[2], parts[3], epsilon)


def _normalizing_moments(inputs, axes, training, moving_mean, moving_variance, momentum, unbiased_update):
    """The batch's moments when training (adding the moving averages' updates to UPDATE_OPS), else the moving ones."""
    if isinstance(training, bool) or training is None:
        if not training:
            return moving_mean, moving_variance
        mean, variance = tf.nn.moments(inputs, axes)
    else:  # a tensor: choose in the graph; not training, the update moves nothing (the moving value minus itself)
        mean, variance = tf.cond(training, lambda: tuple(tf.nn.moments(inputs, axes)),
                                 lambda: (tf.identity(moving_mean), tf.identity(moving_variance)))
    decay = 1.0 - momentum
    moved_variance = variance
    if unbiased_update:
        count = tf.cast(tf.size(inputs), tf.float32) / tf.cast(tf.size(mean), tf.float32)
        moved_variance = variance * (count / tf.maximum(count - 1.0, 1.0))
    tf.add_to_collection(tf.GraphKeys.UPDATE_OPS, tf.assign_sub(moving_mean, (moving_mean - mean) * decay))
    tf.add_to_collection(tf.GraphKeys.UPDATE_OPS, tf.assign_sub(moving_variance, (moving_variance - moved_variance) * decay))
    return mean, variance


class _Layer:
    """A TF1 layer object: the functional layer with fixed arguments, its scope named on the first call and
    reused by later calls (so one object shares its weights, as TF1's layer classes do)."""

    layer_function = None
    scope_base = ""

    def __init__(self, *args, name=None, **kwargs):
        self.reuse = kwargs.pop("_reuse", None)
        self.args, self.kwargs, self.name = args, kwargs, name
        self.built = False
        self.variables: list = []

    def __call__(self, inputs, **call_kwargs):
        kwargs = {**self.kwargs, **call_kwargs}
        if self.scope_base:
            if self.name is None:
                self.name = _unique_scope_name(self.scope_base)
            kwargs["reuse"] = True if self.built else self.reuse
        before = set(map(id, tf.global_variables()))
        outputs = self.layer_function(inputs, *self.args, name=self.name, **kwargs)
        if not self.built:
            self.variables = [v for v in tf.global_variables() if id(v) not in before]
            for variable in self.variables:  # layer.kernel, layer.bias, layer.moving_mean... as TF1's layers have them
                setattr(self, variable.name.split(":")[0].rsplit("/", 1)[-1], variable)
        self.built = True
        return outputs

    apply = __call__

    @property
    def trainable_variables(self) -> list:
        trainable = set(map(id, tf.trainable_variables()))
        return [v for v in self.variables if id(v) in trainable]

    trainable_weights = trainable_variables
    weights = property(lambda self: list(self.variables))


def _unique_scope_name(base: str) -> str:
    counts = _SCOPE_COUNTS.setdefault(tf.get_default_graph(), defaultdict(int))
    key = f"{_prefix()}/{base}"
    name = base if counts[key] == 0 else f"{base}_{counts[key]}"
    counts[key] += 1
    return name


def _layer_class(function, base: str, doc: str):
    return type(function.__name__.title().replace("_", "").replace("2d", "2D"), (_Layer,),
                {"layer_function": staticmethod(function), "scope_base": base, "__doc__": doc, "__module__": __name__})


Dense = _layer_class(dense, "dense", "TF1's tf.layers.Dense: Dense(units, ...)(inputs).")
Conv2D = _layer_class(conv2d, "conv2d", "TF1's tf.layers.Conv2D: Conv2D(filters, kernel_size, ...)(inputs).")
BatchNormalization = _layer_class(batch_normalization, "batch_normalization", "TF1's tf.layers.BatchNormalization.")
MaxPooling2D = _layer_class(max_pooling2d, "", "TF1's tf.layers.MaxPooling2D(pool_size, strides, ...).")
AveragePooling2D = _layer_class(average_pooling2d, "", "TF1's tf.layers.AveragePooling2D(pool_size, strides, ...).")
Flatten = _layer_class(flatten, "", "TF1's tf.layers.Flatten().")
Dropout = _layer_class(dropout, "", "TF1's tf.layers.Dropout(rate=0.5, ...); call with training=.")

__all__ = ["AveragePooling2D", "BatchNormalization", "Conv2D", "Dense", "Dropout", "Flatten", "MaxPooling2D", "average_pooling2d",
           "batch_normalization", "conv2d", "dense", "dropout", "flatten", "max_pooling2d"]
