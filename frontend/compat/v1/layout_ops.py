"""TensorFlow 1's layout functions: depth/space/batch rearrangements, meshgrid, linspace, image
patches, shape checks and broadcast shapes, and TF1's top-level ``tf.diag``/``tf.diag_part`` (the
tensor diagonal, not tf.linalg's matrix one)."""

from __future__ import annotations

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from . import array_ops, math_ops
from .graph import get_default_graph
from .ops import add, add_op, pick, to_tensor
from .tensor import Tensor, TensorShape


def _int_tensor(value, name: str) -> Tensor:
    """A list/array argument of ints (block shapes, paddings, crops) as an int32 Const."""
    return value if isinstance(value, Tensor) else to_tensor(np.asarray(value, np.int32), name=name)


def _rank_at_least(x: Tensor, rank: int, what: str, argument: str) -> None:
    if x.shape.ndims is not None and x.shape.ndims < rank:
        raise ValueError(f"{what}: '{argument}' must have rank {rank} or more, got shape {x.shape}")


def space_to_depth(input, block_size, name=None, data_format="NHWC"):
    """Each ``block_size`` x ``block_size`` spatial block moved into the channels."""
    x = to_tensor(input)
    _rank_at_least(x, 4, "tf.space_to_depth", "input")
    return add("SpaceToDepth", [x], {"block_size": int(block_size), "data_format": data_format}, name=name or "SpaceToDepth")


def depth_to_space(input, block_size, name=None, data_format="NHWC"):
    """The inverse of space_to_depth: channels spread into ``block_size`` x ``block_size`` blocks."""
    x = to_tensor(input)
    _rank_at_least(x, 4, "tf.depth_to_space", "input")
    return add("DepthToSpace", [x], {"block_size": int(block_size), "data_format": data_format}, name=name or "DepthToSpace")


def space_to_batch_nd(input, block_shape, paddings, name=None):
    """The padded spatial dims split into blocks that move into the batch dim."""
    return add("SpaceToBatchND", [to_tensor(input), _int_tensor(block_shape, "block_shape"), _int_tensor(paddings, "paddings")],
               name=name or "SpaceToBatchND")


def batch_to_space_nd(input, block_shape, crops, name=None):
    """The inverse of space_to_batch_nd: batch blocks back into space, then cropped."""
    return add("BatchToSpaceND", [to_tensor(input), _int_tensor(block_shape, "block_shape"), _int_tensor(crops, "crops")],
               name=name or "BatchToSpaceND")


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):
    """TF1's 4-D form with a square block, built as TensorFlow builds it: SpaceToBatchND with an int64
    ``[block_size, block_size]`` block shape (also ``tf.nn.space_to_batch``)."""
    block_size = pick(block_size, block_shape, "block_size", "block_shape")
    x = to_tensor(input)
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise ValueError(f"tf.nn.space_to_batch: 'input' must have rank 4, got shape {x.shape}")
    block = to_tensor(np.array([block_size, block_size], np.int64), name="block_shape")
    return add("SpaceToBatchND", [x, block, to_tensor(paddings, DType.i32, "paddings")], name=name or "SpaceToBatchND")


def batch_to_space(input, crops, block_size, name=None, block_shape=None):
    """TF1's 4-D form with a square block (TensorFlow builds it as BatchToSpaceND)."""
    block_size = pick(block_shape, block_size, "block_shape", "block_size")
    block = [block_size, block_size] if isinstance(block_size, int) else block_size
    return batch_to_space_nd(input, block, crops, name=name)


def _vector(x) -> Tensor:
    """A tensor, or a list (of numbers or tensors) stacked into one."""
    if isinstance(x, (list, tuple)) and any(isinstance(e, Tensor) for e in x):
        return array_ops.stack(x)
    return to_tensor(x)


def meshgrid(*args, **kwargs):
    """N-D coordinate grids from 1-D ``args``; ``indexing='xy'`` (default) swaps the first two axes, as numpy."""
    indexing, name = kwargs.pop("indexing", "xy"), kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"tf.meshgrid: 'indexing' must be 'xy' or 'ij', got {indexing!r}")
    ndim = len(args)
    ones_shape = [1] * ndim
    outputs = [array_ops.reshape(_vector(x), ones_shape[:i] + [-1] + ones_shape[i + 1:]) for i, x in enumerate(args)]
    sizes = [x.shape.num_elements() or array_ops.size(x) for x in outputs]
    if indexing == "xy" and ndim > 1:
        outputs[0] = array_ops.reshape(outputs[0], [1, -1] + [1] * (ndim - 2))
        outputs[1] = array_ops.reshape(outputs[1], [-1, 1] + [1] * (ndim - 2))
        sizes[0], sizes[1] = sizes[1], sizes[0]
    shape = sizes if all(isinstance(s, int) for s in sizes) else array_ops.stack(sizes)
    grid = array_ops.ones(shape, outputs[0].dtype, name=name)
    return [x * grid for x in outputs]


def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included), along ``axis`` for N-D ends."""
    start = to_tensor(start)
    stop = stop if isinstance(stop, Tensor) else to_tensor(stop, start.dtype, "stop")
    count = num if isinstance(num, int) else None
    num = num if isinstance(num, Tensor) else to_tensor(num, DType.i32, "num")
    if start.shape.ndims == 0 and stop.shape.ndims == 0 and axis in (0, -1):
        return add("LinSpace", [start, stop, num], name=name or "LinSpace")
    return _linspace_nd(start, stop, num, count, axis, name or "linspace")


def _linspace_nd(start: Tensor, stop: Tensor, num: Tensor, count: int | None, axis: int, name: str) -> Tensor:
    """TensorFlow's N-D linspace: start, start + i * delta for the inner points, then stop exactly
    (static shapes where the ends' shapes and ``count`` are known)."""
    both = broadcast_static_shape(start.shape, stop.shape)
    ndims = len(both) + 1
    axis = axis % ndims
    if not both.is_fully_defined():
        both = broadcast_dynamic_shape(array_ops.shape(start), array_ops.shape(stop))
    elif start.shape != both or stop.shape != both:
        both = both.as_list()
    start, stop = (t if t.shape == both else add("BroadcastTo", [t, _int_tensor(both, "shape")], name="BroadcastTo") for t in (start, stop))
    start, stop = array_ops.expand_dims(start, axis), array_ops.expand_dims(stop, axis)
    steps = math_ops.maximum(num - 1, 1)
    delta = (stop - start) / math_ops.cast(steps, start.dtype)
    inner = math_ops.cast(array_ops.range(1, steps, dtype=DType.i32), start.dtype)
    inner = array_ops.reshape(inner, [-1 if i == axis else 1 for i in range(ndims)])
    values = array_ops.concat([start, start + inner * delta, stop], axis)
    if count is not None and start.shape.is_fully_defined():
        size = [count if i == axis else d for i, d in enumerate(start.shape.as_list())]
        return array_ops.slice(values, [0] * ndims, size, name=name)
    size = array_ops.shape(start) + math_ops.cast(math_ops.equal(array_ops.range(ndims), axis), DType.i32) * (num - 1)
    return array_ops.slice(values, array_ops.zeros([ndims], DType.i32), size, name=name)


lin_space = linspace


def ensure_shape(x, shape, name=None):
    """``x``, checked at run time to have ``shape`` (None dims match any size)."""
    x = to_tensor(x)
    dims = shape.dims if isinstance(shape, TensorShape) else shape
    dims = None if dims is None else [None if d is None or d == -1 else int(d) for d in dims]
    return add("EnsureShape", [x], {"shape": dims}, name=name or "EnsureShape")


def broadcast_static_shape(shape_x, shape_y):
    """The TensorShape both static shapes broadcast to; ValueError if they cannot."""
    x, y = (s if isinstance(s, TensorShape) else TensorShape(s) for s in (shape_x, shape_y))
    if x.dims is None or y.dims is None:
        return TensorShape(None)
    width = max(len(x.dims), len(y.dims))
    dims_x = (1,) * (width - len(x.dims)) + x.dims
    dims_y = (1,) * (width - len(y.dims)) + y.dims
    result = []
    for a, b in zip(dims_x, dims_y):
        if a is not None and b is not None and a != b and 1 not in (a, b):
            raise ValueError(f"Incompatible shapes for broadcasting. Two shapes are compatible if for each dimension pair they are "
                             f"either equal or one of them is 1. Received: {x} and {y}.")
        result.append(_broadcast_dim(a, b))
    return TensorShape(result)


def _broadcast_dim(a, b):
    if a == 1:
        return b
    if b == 1:
        return a
    return a if a is not None else b


def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast shape of two shape vectors, computed in the graph."""
    shape_x = _int_tensor(shape_x, "shape_x")
    shape_y = shape_y if isinstance(shape_y, Tensor) else to_tensor(np.asarray(shape_y, shape_x.dtype.numpy), name="shape_y")
    return add("BroadcastArgs", [shape_x, shape_y], name="BroadcastArgs")


def shape_n(input, out_type=DType.i32, name=None):
    """The shapes of several tensors from one op."""
    op = add_op("ShapeN", [[to_tensor(t) for t in input]], {"out_type": as_dtype(out_type)}, name=name or "ShapeN")
    return op.outputs


def extract_image_patches(images, ksizes=None, strides=None, rates=None, padding=None, name=None, sizes=None):
    """The ``ksizes`` patches of ``images`` laid out in the depth dim (TF2 spells ``ksizes`` ``sizes``)."""
    ksizes = pick(sizes, ksizes, "sizes", "ksizes")
    images = to_tensor(images)
    if images.shape.ndims not in (None, 4):
        raise ValueError(f"tf.extract_image_patches: 'images' must have rank 4, got shape {images.shape}")
    attrs = {"ksizes": list(ksizes), "strides": list(strides), "rates": list(rates), "padding": padding}
    return add("ExtractImagePatches", [images], attrs, name=name or "ExtractImagePatches")


def diag(diagonal, name=None):
    """TF1's ``tf.diag``: a tensor of rank 2k with ``diagonal`` (rank k) on its diagonal."""
    return add("Diag", [to_tensor(diagonal)], name=name or "Diag")


def diag_part(input, name=None):
    """TF1's ``tf.diag_part``: the inverse of ``tf.diag``."""
    return add("DiagPart", [to_tensor(input)], name=name or "DiagPart")


def histogram_fixed_width(values, value_range, nbins=100, dtype=DType.i32, name=None):
    """How many ``values`` fall in each of ``nbins`` equal bins over ``value_range`` (those outside in
    the end bins): TensorFlow's HistogramFixedWidth."""
    with get_default_graph().name_scope(name or "histogram_fixed_width") as scope:
        values = to_tensor(values, name="values")
        value_range = value_range if isinstance(value_range, Tensor) else to_tensor(value_range, values.dtype, "value_range")
        nbins = nbins if isinstance(nbins, Tensor) else to_tensor(nbins, DType.i32, "nbins")
        return add("HistogramFixedWidth", [values, value_range, nbins], {"dtype": as_dtype(dtype)}, name=scope)


__all__ = [
    "batch_to_space", "batch_to_space_nd", "broadcast_dynamic_shape", "broadcast_static_shape",
    "depth_to_space", "diag", "diag_part", "ensure_shape", "extract_image_patches", "histogram_fixed_width", "lin_space", "linspace",
    "meshgrid", "shape_n", "space_to_batch", "space_to_batch_nd", "space_to_depth",
]
TOP_LEVEL: tuple[str, ...] = tuple(__all__)  # every name is also tf.<name>
