"""``tf.variable_scope`` and ``tf.get_variable``: variables named by scope, created once and shared
on ``reuse``, with TensorFlow's initializers (the default is ``glorot_uniform_initializer``, as
TensorFlow's ``get_variable`` uses for floats)."""

from __future__ import annotations

import contextlib
import math
import weakref

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from . import random_ops
from .array_ops import constant, fill, zeros
from .graph import get_default_graph
from .ops import to_tensor
from .variables import GLOBAL_VARIABLES, Variable

AUTO_REUSE = "auto_reuse"


class _Scopes:
    """Per graph: the open variable scopes and the variables made by name."""

    def __init__(self):
        self.stack: list[tuple[str, object]] = []
        self.variables: dict[str, Variable] = {}

    @property
    def prefix(self) -> str:
        return "/".join(name for name, _ in self.stack)

    @property
    def reuse(self):
        return next((r for _, r in reversed(self.stack) if r is not None), None)


_BY_GRAPH: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scopes() -> _Scopes:
    graph = get_default_graph()
    scopes = _BY_GRAPH.get(graph)
    if scopes is None:
        scopes = _BY_GRAPH[graph] = _Scopes()
    return scopes


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None, regularizer=None, caching_device=None,
                   partitioner=None, custom_getter=None, reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Variables made inside are named ``scope/name``; ``reuse=True`` (or ``tf.AUTO_REUSE``) shares them."""
    scopes = _scopes()
    name = name_or_scope if name_or_scope is not None else default_name
    if name is None:
        raise ValueError("tf.variable_scope needs a name_or_scope or a default_name")
    scopes.stack.append((str(name).rstrip("/"), AUTO_REUSE if reuse is AUTO_REUSE else (True if reuse else None)))
    try:
        with get_default_graph().name_scope(name):
            yield VariableScope(scopes.prefix, reuse)
    finally:
        scopes.stack.pop()


class VariableScope:
    def __init__(self, name: str, reuse):
        self.name = name
        self.reuse = reuse

    @property
    def original_name_scope(self) -> str:
        return self.name + "/"


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True, collections=None,
                 caching_device=None, partitioner=None, validate_shape=True, use_resource=None, custom_getter=None,
                 constraint=None, synchronization=None, aggregation=None):
    """The variable ``scope/name``: made with ``initializer`` on first use, returned again under reuse."""
    scopes = _scopes()
    full = f"{scopes.prefix}/{name}" if scopes.prefix else name
    existing = scopes.variables.get(full)
    reuse = scopes.reuse
    if existing is not None:
        if reuse is None:
            raise ValueError(f"variable {full} already exists, disallowed: did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and existing.shape.as_list() != list(shape):
            raise ValueError(f"trying to share variable {full}, but specified shape {list(shape)} and found shape {existing.shape.as_list()}")
        return existing
    if reuse is True:
        raise ValueError(f"variable {full} does not exist, or was not created with tf.get_variable(); did you mean to set reuse=tf.AUTO_REUSE?")
    dtype = as_dtype(dtype) if dtype is not None else DType.f32
    graph = get_default_graph()
    with graph.name_scope(None), graph.name_scope(full + "/") as scope:
        value = _initial_value(initializer, shape, dtype)
        variable = Variable(value, trainable=trainable, name=scope, collections=collections or [GLOBAL_VARIABLES])
    scopes.variables[full] = variable
    return variable


def _initial_value(initializer, shape, dtype: DType):
    if initializer is None:
        initializer = glorot_uniform_initializer() if dtype.is_inexact else zeros_initializer()
    if callable(initializer):
        if shape is None:
            raise ValueError("tf.get_variable with an initializer needs a shape")
        return initializer([int(d) for d in shape], dtype=dtype)
    value = to_tensor(initializer, dtype)
    return value


# ---- initializers (TensorFlow's classes, called with (shape, dtype)) ---------------------------------
class zeros_initializer:
    def __init__(self, dtype=DType.f32):
        self.dtype = as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return zeros(shape, dtype or self.dtype)


class ones_initializer(zeros_initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        return fill(shape, to_tensor(1, dtype or self.dtype))


class constant_initializer:
    def __init__(self, value=0, dtype=DType.f32, verify_shape=False):
        self.value, self.dtype = value, as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return constant(self.value, dtype or self.dtype, shape=shape)


class random_normal_initializer:
    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=DType.f32):
        self.mean, self.stddev, self.seed, self.dtype = mean, stddev, seed, as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_normal(shape, self.mean, self.stddev, dtype or self.dtype, self.seed)


class truncated_normal_initializer(random_normal_initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.truncated_normal(shape, self.mean, self.stddev, dtype or self.dtype, self.seed)


class random_uniform_initializer:
    def __init__(self, minval=0, maxval=None, seed=None, dtype=DType.f32):
        self.minval, self.maxval, self.seed, self.dtype = minval, maxval, seed, as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_uniform(shape, self.minval, self.maxval, dtype or self.dtype, self.seed)


class glorot_uniform_initializer:
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))`` (fans of the last two dims times the receptive field)."""

    def __init__(self, seed=None, dtype=DType.f32):
        self.seed, self.dtype = seed, as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        fan_in, fan_out = _fans(shape)
        limit = math.sqrt(6.0 / max(1.0, (fan_in + fan_out)))
        return random_ops.random_uniform(shape, -limit, limit, dtype or self.dtype, self.seed)


def _fans(shape) -> tuple[float, float]:
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = float(np.prod(shape[:-2])) if len(shape) > 2 else 1.0
    return shape[-2] * receptive, shape[-1] * receptive


__all__ = ["AUTO_REUSE", "VariableScope", "constant_initializer", "get_variable", "glorot_uniform_initializer", "ones_initializer",
           "random_normal_initializer", "random_uniform_initializer", "truncated_normal_initializer", "variable_scope",
           "zeros_initializer"]
