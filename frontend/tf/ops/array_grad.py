"""The shape helpers TensorFlow's gradient functions emit: BroadcastGradientArgs (which axes to sum a
broadcast operand's gradient over), ConcatOffset (where each ConcatV2 input starts), and the adjoints
of two array ops, StridedSliceGrad and MirrorPadGrad.

BroadcastGradientArgs and ConcatOffset compute shapes from shapes: tfc needs their operands constant
(legalize-tf folds the Shape ops a graph computes them from), and their results are constants.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.ops.windows import dilated_size
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, tf_op
from .array import axis_in, const, ints, scalar_int, shape_text, slice_along, static, vector_dims
from .array_index import strided_slice_plan
from .math import fits


# ---- BroadcastGradientArgs -------------------------------------------------------------------------
def broadcast_reduction_axes(s0: list, s1: list) -> tuple[list, list]:
    """For each shape, the axes of the broadcast result where it has size 1 (or no dimension), which
    its gradient is summed over: TensorFlow lists them even where the result has size 1 too."""
    rank = max(len(s0), len(s1))
    a, b = [1] * (rank - len(s0)) + s0, [1] * (rank - len(s1)) + s1
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ShapeError(f"shapes {s0} and {s1} cannot be broadcast together")
    return [i for i, x in enumerate(a) if x == 1], [i for i, y in enumerate(b) if y == 1]


def _broadcast_gradient_args_type(ctx, s0, s1):
    values = ctx.constant(0), ctx.constant(1)
    if any(v is None for v in values):
        return [TensorType(s0.dtype, (None,))] * 2
    r0, r1 = broadcast_reduction_axes(*(ints(v) for v in values))
    return [TensorType(s0.dtype, (len(r0),)), TensorType(s0.dtype, (len(r1),))]


def _broadcast_gradient_args(ctx, s0, s1):
    axes = broadcast_reduction_axes(ints(static(ctx, 0, "s0")), ints(static(ctx, 1, "s1")))
    return [const(np.asarray(r, np.int64), s0.dtype) for r in axes]


tf_op("BroadcastGradientArgs", _broadcast_gradient_args_type, _broadcast_gradient_args, outputs=(("r0", 1), ("r1", 1)))


# ---- ConcatOffset ------------------------------------------------------------------------------------
def concat_offsets(axis_value, shapes: list) -> list:
    """Each shape's start in the concatenation along ``axis``: zeros but for the sizes before it."""
    rank = len(shapes[0])
    axis = axis_in(scalar_int(axis_value, "concat_dim"), rank, "concat_dim")
    for i, shape in enumerate(shapes[1:], start=1):
        if len(shape) != rank or any(a != b for d, (a, b) in enumerate(zip(shape, shapes[0])) if d != axis):
            raise ShapeError(f"shape #{i} {shape} must match shape #0 {shapes[0]} in every dimension but {axis}")
    offsets, start = [], 0
    for shape in shapes:
        offsets.append([start if d == axis else 0 for d in range(rank)])
        start += shape[axis]
    return offsets


def _concat_offset_type(ctx, concat_dim, *shapes):
    dtype = attr_dtype(ctx, "shape_type") if "shape_type" in ctx.attrs else DType.i32
    values = [ctx.constant(i) for i in range(len(shapes) + 1)]
    if all(v is not None for v in values):
        concat_offsets(values[0], [ints(v) for v in values[1:]])
    return [TensorType(dtype, (None,) if s.shape is None else s.shape) for s in shapes]


def _concat_offset(ctx, concat_dim, *shapes):
    values = [ints(static(ctx, i + 1, f"shape #{i}")) for i in range(len(shapes))]
    offsets = concat_offsets(static(ctx, 0, "concat_dim"), values)
    return [const(np.asarray(o, np.int64), s.dtype) for o, s in zip(offsets, shapes)]


tf_op("ConcatOffset", _concat_offset_type, _concat_offset, outputs=(("offset", lambda attrs: attrs["N"]),))


# ---- StridedSliceGrad --------------------------------------------------------------------------------
def _strided_slice_grad_type(ctx, shape, begin, end, strides, dy):
    values = [ctx.constant(i) for i in range(4)]
    if values[0] is None:
        return TensorType(dy.dtype, vector_dims(shape))
    target = tuple(ints(values[0]))
    if any(d < 0 for d in target):
        raise ShapeError(f"shape {list(target)} must hold non-negative sizes")
    if all(v is not None for v in values[1:]):
        sliced = strided_slice_plan(target, *values[1:], ctx.attrs).shape
        if not fits(dy.shape, sliced):
            raise ShapeError(f"dy has shape {shape_text(dy.shape)}, but the slice of a {list(target)} input has shape {list(sliced)}")
    return TensorType(dy.dtype, target)


def _strided_slice_grad(ctx, shape, begin, end, strides, dy):
    """Zeros of ``shape`` with dy at the positions StridedSlice reads: dy with its shrunk axes back
    and new axes gone, reversed where the stride is negative, spread out by the strides (interior
    padding) and placed at its first position (edge padding)."""
    static(ctx, 0, "shape")
    target = _strided_slice_grad_type(ctx, *ctx.operand_types).shape  # not the imported type: legalize may have folded shape since
    values = [static(ctx, i, what) for i, what in ((1, "begin"), (2, "end"), (3, "strides"))]
    plan = strided_slice_plan(target, *values, ctx.attrs)
    dy = tnp.reshape(dy, plan.counts)
    low, high, interior, flipped = [], [], [], []
    for d, (first, stride, count, size) in enumerate(zip(plan.begins, plan.strides, plan.counts, target)):
        if count == 0:
            first, stride = 0, 1
        elif stride < 0:
            flipped.append(d)
            first, stride = first + (count - 1) * stride, -stride
        low.append(first), interior.append(stride - 1), high.append(size - first - dilated_size(count, stride))
    if flipped:
        dy = tnp.emit("tfc.reverse", [dy], {"dimensions": tuple(flipped)})
    attrs = {"edge_padding_low": tuple(low), "edge_padding_high": tuple(high), "interior_padding": tuple(interior)}
    return tnp.emit("tfc.pad", [dy, tnp.astype(0, dy.dtype)], attrs)


tf_op("StridedSliceGrad", _strided_slice_grad_type, _strided_slice_grad)


# ---- MirrorPadGrad -----------------------------------------------------------------------------------
def _mirror_pairs(ctx, value, shape) -> list[tuple[int, int]]:
    """paddings as (before, after) pairs, each at most what the unpadded size allows in the mode."""
    value = np.asarray(value)
    if value.ndim != 2 or value.shape[1] != 2 or (shape is not None and value.shape[0] != len(shape)):
        raise ShapeError(f"paddings must have shape [{'rank' if shape is None else len(shape)}, 2], got {list(value.shape)}")
    pairs = [(int(a), int(b)) for a, b in value]
    mode = ctx.attrs.get("mode")
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ShapeError(f"mode must be REFLECT or SYMMETRIC, got {mode!r}")
    for d, (before, after) in enumerate(pairs):
        size = None if shape is None or shape[d] is None else shape[d] - before - after
        limit = None if size is None else size - (mode == "REFLECT")
        if before < 0 or after < 0 or (limit is not None and max(before, after) > limit):
            raise ShapeError(f"{mode} paddings ({before}, {after}) do not fit dimension {d} of size {shape[d]}")
    return pairs


def _mirror_pad_grad_type(ctx, x, paddings):
    value = ctx.constant(1)
    if value is None:
        return TensorType(x.dtype, None if x.shape is None else (None,) * len(x.shape))
    pairs = _mirror_pairs(ctx, value, x.shape)
    dims = (None,) * len(pairs) if x.shape is None else x.shape
    return TensorType(x.dtype, tuple(None if n is None else n - a - b for n, (a, b) in zip(dims, pairs)))


def _fold_edges(x, axis: int, before: int, after: int, skip: int):
    """The middle of ``x`` along ``axis`` plus its two mirrored edges, folded back onto the elements
    they copied (REFLECT skips the edge element: ``skip`` = 1)."""
    size = x.shape[axis] - before - after
    total = slice_along(x, axis, before, before + size)
    for start, stop, lo, hi in ((0, before, skip, size - skip - before), (before + size, x.shape[axis], size - skip - after, skip)):
        if stop > start:
            edge = tnp.emit("tfc.reverse", [slice_along(x, axis, start, stop)], {"dimensions": (axis,)})
            widths = [(lo, hi) if d == axis else (0, 0) for d in range(x.ndim)]
            total = tnp.add(total, tnp.pad(edge, widths))
    return total


def _mirror_pad_grad(ctx, x, paddings):
    pairs = _mirror_pairs(ctx, static(ctx, 1, "paddings"), x.shape)
    skip = 1 if ctx.attrs["mode"] == "REFLECT" else 0
    for axis, (before, after) in enumerate(pairs):
        if before or after:
            x = _fold_edges(x, axis, before, after, skip)
    return x


tf_op("MirrorPadGrad", _mirror_pad_grad_type, _mirror_pad_grad)
