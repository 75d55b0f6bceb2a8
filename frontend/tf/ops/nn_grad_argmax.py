"""Max pooling that records where each maximum came from, and the gradient that reads those records:
MaxPoolWithArgmax and MaxPoolGradWithArgmax (the gradient TensorFlow registers for it).

An argmax is a flat index into the NHWC input, ``((b * H + y) * W + x) * C + c``, without the batch term
unless ``include_batch_in_index``. MaxPoolWithArgmax picks each window's first maximum in row-major order,
as TensorFlow's CPU kernel does. MaxPoolGradWithArgmax takes any argmax tensor and adds each gradient
at its index (an index outside the input, which TensorFlow's kernel rejects at run time, adds nothing).
MaxPoolGradGradWithArgmax is left out: TensorFlow has no CPU kernel for it to check a decomposition against.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, tf_op
from .nn import PoolSpec, shape_of, static_shape
from .nn_grad import PoolWindows, first_max_taps


def _spec(ctx) -> PoolSpec:
    spec = PoolSpec.parse(ctx, 4, ctx.attrs.get("ksize"), ctx.attrs.get("strides"), explicit_ok=False)
    if ctx.attrs.get("data_format", "NHWC") != "NHWC":
        raise ShapeError("only NHWC is supported")
    if spec.ksize[0] != 1 or spec.strides[0] != 1 or spec.ksize[3] != 1 or spec.strides[3] != 1:
        raise ShapeError(f"ksize {list(spec.ksize)} and strides {list(spec.strides)} must be 1 in the batch and channel dimensions")
    return spec


def _index_dtype(ctx) -> DType:
    return attr_dtype(ctx, "Targmax") if "Targmax" in ctx.attrs else DType.i64  # TensorFlow's default


def _pooled(ctx, x: TensorType) -> tuple:
    return tuple(out for out, _ in _spec(ctx).windows(shape_of(x, 4, "input")))


def _batch_offsets(shape: tuple, dtype: DType, include_batch: bool, pooled: tuple):
    """b * H * W * C per element of a pooled-shape tensor, when the argmax leaves the batch out (else 0)."""
    per_batch = int(np.prod(shape[1:]))
    if include_batch or shape[0] <= 1 or per_batch == 0:
        return None
    batch = tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(dtype, pooled)])
    return tnp.multiply(batch, tnp.astype(per_batch, dtype))


# ---- MaxPoolWithArgmax -------------------------------------------------------------------------------
def _max_pool_with_argmax_type(ctx, x):
    return [TensorType(x.dtype, _pooled(ctx, x)), TensorType(_index_dtype(ctx), _pooled(ctx, x))]


def _max_pool_with_argmax(ctx, x):
    shape = static_shape(ctx, 0, "input")
    windows = PoolWindows.of(_spec(ctx), shape)
    dtype = _index_dtype(ctx)
    if 0 in shape:
        raise ShapeError(f"input {list(shape)} must not be empty (TensorFlow's kernel rejects it)")
    best, tap = first_max_taps(windows, x)
    _, kh, kw, _ = windows.spec.ksize
    tap = tnp.astype(tap, dtype)
    coordinates = []
    for d in (0, 1, 2, 3):
        position = tnp.emit("tfc.iota", [], {"iota_dimension": d}, [TensorType(dtype, windows.outs)])
        if d in (1, 2):
            stride, before = windows.spec.strides[d], windows.befores[d]
            offset = tnp.floor_divide(tap, tnp.astype(kw, dtype)) if d == 1 else tnp.remainder(tap, tnp.astype(kw, dtype))
            position = tnp.add(tnp.multiply(position, tnp.astype(stride, dtype)), tnp.subtract(offset, tnp.astype(before, dtype)))
        coordinates.append(position)
    b, y, x_, c = coordinates
    _, height, width, channels = shape
    index = tnp.add(tnp.multiply(tnp.add(tnp.multiply(y, tnp.astype(width, dtype)), x_), tnp.astype(channels, dtype)), c)
    if ctx.attrs.get("include_batch_in_index", False):
        index = tnp.add(index, tnp.multiply(b, tnp.astype(height * width * channels, dtype)))
    return [best, index]


tf_op("MaxPoolWithArgmax", _max_pool_with_argmax_type, _max_pool_with_argmax, outputs=(("output", 1), ("argmax", 1)))


# ---- the gradients -----------------------------------------------------------------------------------
def _check(x, grad, argmax, pooled: tuple) -> None:
    """grad has the input's element type; grad and argmax have the pooled shape."""
    if grad.dtype != x.dtype:
        raise ShapeError(f"grad must have input's element type {x.dtype.value}, got {grad.dtype.value}")
    for t, name, want in ((grad, "grad", pooled), (argmax, "argmax", pooled)):
        if t.shape is not None and None not in want and None not in t.shape and tuple(t.shape) != tuple(want):
            raise ShapeError(f"{name} has shape {list(t.shape)}, expected {list(want)}")


def _flat_indices(ctx, argmax, shape: tuple):
    """The argmax as indices into the flattened input, the batch term added when it is left out."""
    offsets = _batch_offsets(shape, argmax.dtype, ctx.attrs.get("include_batch_in_index", False), argmax.shape)
    return argmax if offsets is None else tnp.add(argmax, offsets)


def _max_pool_grad_with_argmax_type(ctx, x, grad, argmax):
    _check(x, grad, argmax, _pooled(ctx, x))
    return TensorType(grad.dtype, shape_of(x, 4, "input"))


def _max_pool_grad_with_argmax(ctx, x, grad, argmax):
    shape = static_shape(ctx, 0, "input")
    _spec(ctx)
    size = int(np.prod(shape))
    indices = tnp.reshape(_flat_indices(ctx, argmax, shape), (-1, 1))
    attrs = {"update_window_dims": (), "inserted_window_dims": (0,), "scatter_dims_to_operand_dims": (0,), "index_vector_dim": 1, "kind": "add"}
    flat = tnp.emit("tfc.scatter", [tnp.broadcast_to(tnp.astype(0, grad.dtype), (size,)), indices, tnp.reshape(grad, (-1,))], attrs)
    return tnp.reshape(flat, shape)


tf_op("MaxPoolGradWithArgmax", _max_pool_grad_with_argmax_type, _max_pool_grad_with_argmax)
