"""The numpy-like functions of ``tfc.*``: what :mod:`.tensor` defines for tensor operators, plus the
rest (transcendental functions, activations, softmax, concatenation, padding, arg-reductions,
sorting...).

These record core ops into the active trace; decompositions of ``tf.*`` ops and gradient rules are
written with them. Outside any trace the public ``tfc.*`` versions run eagerly (see :mod:`.eager`).
"""

from __future__ import annotations

import functools

import numpy as np

from tfc.types import DType, TensorType

from .promotion import promote
from .shapes import axes_of, broadcast_shapes
from .tensor import (
    Tensor,
    abs,
    add,
    all,
    any,
    as_dtype,
    astype,
    broadcast_to,
    dimension_size,
    divide,
    dynamic_slice,
    emit,
    emit_results,
    equal,
    filled,
    floor,
    floor_divide,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    multiply,
    negative,
    not_equal,
    ones_like,
    power,
    prod,
    remainder,
    reshape,
    shape_tensor,
    size_product,
    size_vector,
    subtract,
    sum,
    take,
    to_tensor,
    transpose,
    where,
    zeros_like,
)
from .tracing import fail


def _unary_float(name: str):
    """A transcendental function: integers and bools become f32 first (as in numpy and jax)."""

    def fn(x) -> Tensor:
        x = to_tensor(x)
        return emit(name, [x if x.dtype.is_inexact else astype(x, DType.f32)])

    fn.__name__ = name.split(".")[-1]
    return fn


exp = _unary_float("tfc.exp")
expm1 = _unary_float("tfc.expm1")
log = _unary_float("tfc.log")
log1p = _unary_float("tfc.log1p")
sqrt = _unary_float("tfc.sqrt")
rsqrt = _unary_float("tfc.rsqrt")
tanh = _unary_float("tfc.tanh")
sigmoid = _unary_float("tfc.logistic")
sin = _unary_float("tfc.sine")
cos = _unary_float("tfc.cosine")
tan = _unary_float("tfc.tan")
erf = _unary_float("tfc.erf")
ceil = _unary_float("tfc.ceil")
round = _unary_float("tfc.round_nearest_even")
isfinite = _unary_float("tfc.is_finite")


def sign(x) -> Tensor:
    return emit("tfc.sign", [to_tensor(x)])


def square(x) -> Tensor:
    x = to_tensor(x)
    return emit("tfc.multiply", [x, x], weak=x.weak)


def relu(x) -> Tensor:
    """max(x, 0)."""
    return maximum(x, 0)


def relu6(x) -> Tensor:
    return minimum(maximum(x, 0), 6)


def clip(x, lo, hi) -> Tensor:
    return minimum(maximum(x, lo), hi)


def dot(a, b) -> Tensor:
    return matmul(a, b)


# ---- shapes


def expand_dims(x, axis: int) -> Tensor:
    x = to_tensor(x)
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x, axis=None) -> Tensor:
    x = to_tensor(x)
    axes = [a for a, d in enumerate(x.shape) if d == 1] if axis is None else axes_of(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            fail(f"cannot squeeze axis {a} of size {x.shape[a]}")
    return reshape(x, tuple(d for a, d in enumerate(x.shape) if a not in axes))


def concatenate(values, axis: int = 0) -> Tensor:
    if not values:
        fail("concatenate needs at least one tensor")
    tensors = [to_tensor(v) for v in values]
    dtype = functools.reduce(lambda d, t: promote(d, False, t.dtype, t.weak), tensors[1:], tensors[0].dtype)
    tensors = [astype(t, dtype) for t in tensors]
    rank = tensors[0].ndim
    if rank == 0:
        fail("cannot concatenate 0-d tensors")
    return emit("tfc.concatenate", tensors, {"dimension": axis % rank})


def stack(values, axis: int = 0) -> Tensor:
    tensors = [to_tensor(v) for v in values]
    axis = axis % (tensors[0].ndim + 1)
    return concatenate([expand_dims(t, axis) for t in tensors], axis)


def pad(x, pad_width, constant_values=0) -> Tensor:
    """numpy.pad with mode='constant'; ``pad_width`` is ((before, after), ...) per dimension."""
    x = to_tensor(x)
    widths = [tuple(p) for p in pad_width] if np.ndim(pad_width) == 2 else [tuple(pad_width)] * x.ndim
    value = astype(constant_values, x.dtype)
    attributes = {
        "edge_padding_low": tuple(w[0] for w in widths),
        "edge_padding_high": tuple(w[1] for w in widths),
        "interior_padding": (0,) * x.ndim,
    }
    return emit("tfc.pad", [x, value], attributes)


# ---- reductions along one axis


def _arg_reduce(name: str, x, axis: int, output_type) -> Tensor:
    x = to_tensor(x)
    axis = axes_of(axis, x.ndim)[0]
    shape = tuple(d for a, d in enumerate(x.shape) if a != axis)
    return emit(name, [x], {"axis": axis}, [TensorType(as_dtype(output_type), shape)])


def argmax(x, axis: int = -1, output_type=DType.i32) -> Tensor:
    return _arg_reduce("tfc.argmax", x, axis, output_type)


def argmin(x, axis: int = -1, output_type=DType.i32) -> Tensor:
    return _arg_reduce("tfc.argmin", x, axis, output_type)


def cumsum(x, axis: int = 0, reverse: bool = False, exclusive: bool = False) -> Tensor:
    x = to_tensor(x)
    return emit("tfc.cumsum", [x], {"axis": axes_of(axis, x.ndim)[0], "reverse": reverse, "exclusive": exclusive})


def sort(x, axis: int = -1, descending: bool = False) -> Tensor:
    x = to_tensor(x)
    return emit_results("tfc.sort", [x], {"dimension": axes_of(axis, x.ndim)[0], "descending": descending})[0]


def softmax(x, axis: int = -1) -> Tensor:
    """exp(x - max) / sum(exp(x - max)) along ``axis`` (shifted for stability)."""
    x = to_tensor(x)
    x = x if x.dtype.is_inexact else astype(x, DType.f32)
    shifted = subtract(x, max(x, axis, keepdims=True))
    e = exp(shifted)
    return divide(e, sum(e, axis, keepdims=True))


def log_softmax(x, axis: int = -1) -> Tensor:
    x = to_tensor(x)
    x = x if x.dtype.is_inexact else astype(x, DType.f32)
    shifted = subtract(x, max(x, axis, keepdims=True))
    return subtract(shifted, log(sum(exp(shifted), axis, keepdims=True)))


def one_hot(indices, depth: int, dtype=DType.f32) -> Tensor:
    indices = to_tensor(indices)
    if None in indices.shape:  # an iota of unknown size: compare with one row of classes, broadcast
        classes = emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(indices.dtype, (depth,))])
        return astype(equal(expand_dims(indices, -1), classes), dtype)
    classes = emit("tfc.iota", [], {"iota_dimension": indices.ndim}, [TensorType(indices.dtype, indices.shape + (depth,))])
    return astype(equal(expand_dims(indices, -1), classes), dtype)


__all__ = [
    "abs", "add", "all", "any", "argmax", "argmin", "astype", "broadcast_to", "ceil", "clip", "concatenate",
    "cos", "cumsum", "divide", "dot", "equal", "erf", "exp", "expand_dims", "expm1", "floor", "floor_divide",
    "greater", "greater_equal", "isfinite", "less", "less_equal", "log", "log1p", "log_softmax", "logical_and",
    "logical_not", "logical_or", "logical_xor", "matmul", "max", "maximum", "mean", "min", "minimum", "multiply",
    "negative", "not_equal", "one_hot", "ones_like", "pad", "power", "prod", "relu", "relu6", "remainder",
    "reshape", "round", "rsqrt", "sigmoid", "sign", "sin", "softmax", "sort", "sqrt", "square", "squeeze",
    "stack", "subtract", "sum", "take", "tan", "tanh", "transpose", "where", "zeros_like",
    # for decompositions and gradient rules: the tensor class and ways to record ops
    "Tensor", "as_dtype", "broadcast_shapes", "emit", "emit_results", "to_tensor",
    # sizes of dims unknown at trace time, as i32 tensors
    "dimension_size", "dynamic_slice", "filled", "shape_tensor", "size_product", "size_vector",
]  # fmt: skip

NUMPY_FUNCTIONS = frozenset(__all__) - {
    "Tensor", "as_dtype", "broadcast_shapes", "emit", "emit_results", "to_tensor",
    "dimension_size", "dynamic_slice", "filled", "shape_tensor", "size_product", "size_vector",
}  # fmt: skip
"""The functions ``tfc.*`` exports (each also runs eagerly there): every name of ``__all__`` but those."""
