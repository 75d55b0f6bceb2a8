"""tf.initializers: TensorFlow 1's initializer classes (called with ``(shape, dtype, partition_info)``
as ``tf.get_variable`` calls them) and the variable-initializer ops. The plain ones are
:mod:`.variable_scope`'s; the variance-scaling family, orthogonal and identity are here."""

from __future__ import annotations

import math

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from . import random_ops
from .dtypes_ns import dtype_name
from .ops import add, add_op, to_tensor
from .variable_scope import (
    constant_initializer,
    glorot_uniform_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    truncated_normal_initializer,
    zeros_initializer,
)
from .variables import global_variables_initializer, local_variables_initializer, variables_initializer

_TRUNCATED_STDDEV = 0.87962566103423978  # the standard deviation of a unit normal truncated to [-2, 2]


def _float_dtype(dtype, what: str) -> DType:
    dtype = as_dtype(dtype)
    if not dtype.is_float:
        raise ValueError(f"{what}: expected a floating point dtype, got {dtype_name(dtype)}")
    return dtype


def compute_fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``: its last two dims, times the receptive field before them."""
    shape = [int(d) for d in shape]
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class variance_scaling_initializer:
    """Samples scaled by the weight's fans: ``stddev = sqrt(scale / n)`` with ``n`` the fan_in,
    fan_out or their mean (``mode``), from a truncated or plain normal or a uniform (``distribution``)."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("normal", "uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, dtype=DType.f32):
        if scale <= 0.0:
            raise ValueError(f"tf.variance_scaling_initializer: scale must be positive, got {scale}")
        if mode not in self.MODES:
            raise ValueError(f"tf.variance_scaling_initializer: mode must be one of {', '.join(self.MODES)}, got {mode!r}")
        distribution = distribution.lower()
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"tf.variance_scaling_initializer: distribution must be one of {', '.join(self.DISTRIBUTIONS)}, got {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = _float_dtype(dtype, "tf.variance_scaling_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = as_dtype(dtype) if dtype is not None else self.dtype
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(self.mode, (fan_in + fan_out) / 2.0)
        scale = self.scale / max(1.0, fan)
        if self.distribution in ("normal", "truncated_normal"):
            return random_ops.truncated_normal(shape, 0.0, math.sqrt(scale) / _TRUNCATED_STDDEV, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed, "dtype": dtype_name(self.dtype)}


class glorot_normal_initializer(variance_scaling_initializer):
    """Truncated normal with ``stddev = sqrt(2 / (fan_in + fan_out))``."""

    def __init__(self, seed=None, dtype=DType.f32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self) -> dict:
        return {"seed": self.seed, "dtype": dtype_name(self.dtype)}


def he_normal(seed=None):
    return variance_scaling_initializer(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    return variance_scaling_initializer(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    return variance_scaling_initializer(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    return variance_scaling_initializer(1.0, "fan_in", "uniform", seed)


class uniform_unit_scaling_initializer:
    """Uniform in ``±factor * sqrt(3 / input_size)``, ``input_size`` the product of all dims but the last."""

    def __init__(self, factor=1.0, seed=None, dtype=DType.f32):
        self.factor, self.seed = factor, seed
        self.dtype = _float_dtype(dtype, "tf.uniform_unit_scaling_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        input_size = max(float(np.prod([float(d) for d in shape[:-1]])), 1.0)
        limit = math.sqrt(3 / input_size) * self.factor
        return random_ops.random_uniform(shape, -limit, limit, as_dtype(dtype) if dtype is not None else self.dtype, seed=self.seed)


class orthogonal_initializer:
    """A random orthogonal matrix (times ``gain``), reshaped to ``shape``: the Q of a normal matrix's
    QR, its columns' signs fixed by R's diagonal (so Q is uniformly distributed)."""

    def __init__(self, gain=1.0, seed=None, dtype=DType.f32):
        self.gain, self.seed = gain, seed
        self.dtype = _float_dtype(dtype, "tf.orthogonal_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = as_dtype(dtype) if dtype is not None else self.dtype
        if len(shape) < 2:
            raise ValueError(f"tf.orthogonal_initializer: the shape must be at least two-dimensional, got {list(shape)}")
        rows, cols = int(np.prod([int(d) for d in shape[:-1]])), int(shape[-1])
        normal = random_ops.random_normal((cols, rows) if rows < cols else (rows, cols), dtype=dtype, seed=self.seed)
        q, r = add_qr(normal)
        q = add("Mul", [q, add("Sign", [add("DiagPart", [r])])])
        if rows < cols:
            q = add("Transpose", [q, to_tensor(np.array([1, 0], np.int32))])
        flat = add("Reshape", [q, to_tensor(np.asarray([int(d) for d in shape], np.int32))])
        return add("Mul", [to_tensor(self.gain, dtype), flat])


def add_qr(matrix):
    """(q, r) of a reduced QR (TensorFlow's Qr op with ``full_matrices=False``)."""
    op = add_op("Qr", [matrix], {"full_matrices": False}, name="Qr")
    return op.outputs[0], op.outputs[1]


class identity_initializer:
    """The identity matrix (times ``gain``) for a 2-D shape, rectangular ones too."""

    def __init__(self, gain=1.0, dtype=DType.f32):
        self.gain = gain
        self.dtype = _float_dtype(dtype, "tf.initializers.identity")

    def __call__(self, shape, dtype=None, partition_info=None):
        if len(shape) != 2:
            raise ValueError(f"tf.initializers.identity: the identity can only initialize a 2-D matrix, got shape {list(shape)}")
        dtype = as_dtype(dtype) if dtype is not None else self.dtype
        eye = to_tensor(np.eye(int(shape[0]), int(shape[1]), dtype=dtype.numpy), dtype)
        return add("Mul", [to_tensor(self.gain, dtype), eye])


zeros, ones, constant = zeros_initializer, ones_initializer, constant_initializer
random_normal, random_uniform, truncated_normal = random_normal_initializer, random_uniform_initializer, truncated_normal_initializer
glorot_uniform, glorot_normal = glorot_uniform_initializer, glorot_normal_initializer
variance_scaling, orthogonal, identity, uniform_unit_scaling = (variance_scaling_initializer, orthogonal_initializer,
                                                                 identity_initializer, uniform_unit_scaling_initializer)
global_variables, local_variables, variables = global_variables_initializer, local_variables_initializer, variables_initializer

__all__ = ["constant", "global_variables", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity", "lecun_normal",
           "lecun_uniform", "local_variables", "ones", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
           "uniform_unit_scaling", "variables", "variance_scaling", "zeros"]
# TF1's top-level class names (tf.glorot_normal_initializer...); the plain ones are already there.
TOP_LEVEL: tuple[str, ...] = ("glorot_normal_initializer", "orthogonal_initializer", "uniform_unit_scaling_initializer",
                              "variance_scaling_initializer")
