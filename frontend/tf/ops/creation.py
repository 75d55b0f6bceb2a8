"""TensorFlow's ops that make a tensor from sizes, shapes or a default: LinSpace, Empty, BroadcastArgs
and PlaceholderWithDefault.

Sizes and shapes must be constants (tfc compiles static shapes); LinSpace's end points may be computed
at run time. Empty's contents are unspecified in TensorFlow unless ``init`` is set; tfc always gives
zeros, which is one valid outcome of both.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import attr_dtype, tf_op
from .array import const, fit_shape_attr, ints, scalar_int, shape_text, static, vector_dims


# ---- LinSpace -------------------------------------------------------------------------------------
def _count(value) -> int:
    num = scalar_int(value, "num")
    if num <= 0:
        raise ShapeError(f"num must be positive, got {num}")
    return num


def _lin_space_type(ctx, start, stop, num):
    for t, what in ((start, "start"), (stop, "stop")):
        if t.shape is not None and t.shape != ():
            raise ShapeError(f"{what} must be a scalar, got shape {shape_text(t.shape)}")
    value = ctx.constant(2)
    return TensorType(start.dtype, (None if value is None else _count(value),))


def _lin_space(ctx, start, stop, num):
    """TensorFlow's kernel: start + step * i with step = (stop - start) / (num - 1), and exactly
    ``stop`` last."""
    count = _count(static(ctx, 2, "num"))
    _lin_space_type(ctx, start.type, stop.type, num.type)
    if count == 1:
        return tnp.reshape(start, (1,))
    step = (stop - start) / tnp.astype(count - 1, start.dtype)
    ramp = start + step * const(np.arange(count - 1), start.dtype)
    return tnp.concatenate([ramp, tnp.reshape(stop, (1,))], 0)


tf_op("LinSpace", _lin_space_type, _lin_space)


# ---- Empty ----------------------------------------------------------------------------------------
def _dims(value) -> tuple:
    if np.ndim(value) != 1:
        raise ShapeError(f"shape must be a vector, got shape {list(np.shape(value))}")
    dims = tuple(ints(value))
    if any(d < 0 for d in dims):
        raise ShapeError(f"shape {list(dims)} must be non-negative")
    return dims


def _empty_type(ctx, shape):
    value = ctx.constant(0)
    return TensorType(attr_dtype(ctx, "dtype"), vector_dims(shape) if value is None else _dims(value))


def _empty(ctx, shape):
    dtype = attr_dtype(ctx, "dtype")
    return tnp.broadcast_to(const(0, dtype), _dims(static(ctx, 0, "shape")))


tf_op("Empty", _empty_type, _empty)


# ---- BroadcastArgs --------------------------------------------------------------------------------
def broadcast_args(s0, s1) -> np.ndarray:
    """The broadcast of two shapes given as vectors (numpy's rule, as TensorFlow's BroadcastArgs)."""
    for s, what in ((s0, "s0"), (s1, "s1")):
        if np.ndim(s) != 1:
            raise ShapeError(f"{what} must be a vector, got shape {list(np.shape(s))}")
    rank = max(np.size(s0), np.size(s1))
    a, b = ([1] * (rank - np.size(s)) + ints(s) for s in (s0, s1))
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ShapeError(f"shapes {ints(s0)} and {ints(s1)} are incompatible")
    return np.array([y if x == 1 else x for x, y in zip(a, b)], np.int64)


def _broadcast_args_type(ctx, s0, s1):
    values = ctx.constant(0), ctx.constant(1)
    if any(v is None for v in values):
        lengths = [None if t.shape is None or len(t.shape) != 1 else t.shape[0] for t in (s0, s1)]
        return TensorType(s0.dtype, (None if None in lengths else max(lengths),))
    return TensorType(s0.dtype, broadcast_args(*values).shape)


def _broadcast_args(ctx, s0, s1):
    values = static(ctx, 0, "s0"), static(ctx, 1, "s1")
    return const(broadcast_args(*values), s0.dtype)


tf_op("BroadcastArgs", _broadcast_args_type, _broadcast_args, outputs=(("r0", 1),))


# ---- PlaceholderWithDefault -----------------------------------------------------------------------
def _placeholder_with_default_type(ctx, x):
    """The input's type, which must fit the declared ``shape`` (a feed replaces the whole node)."""
    return fit_shape_attr(ctx, x, "the default {given} does not have the declared shape {wanted}")


tf_op("PlaceholderWithDefault", _placeholder_with_default_type, lambda ctx, x: x)
