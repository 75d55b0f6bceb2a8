"""TensorFlow's indexing ops: Slice, StridedSlice, ReverseV2, GatherV2/Gather/GatherNd, Where, OneHot
and TopKV2 (the matrix diagonal ops are in :mod:`.matrix`).

StridedSlice follows TensorFlow's ``ValidateStridedSliceOp`` step by step (sparse spec -> dense spec
with the ellipsis expanded -> canonical begin/end per dimension -> final shape), because its masks
interact in ways no simpler rule reproduces (a shrunk ``-1`` index, bits past the spec, an ellipsis
and a new axis on the same bit...).

Out-of-range gather indices are an error in TensorFlow on CPU and give zeros on GPU; XLA clamps them
into range, and so does tfc (constant indices are checked, as TensorFlow would at run time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import axis_in, const, ints, scalar_int, shape_text, static
from .data_dependent import data_dependent

_NEW_AXIS = -1  # in StridedPlan.final: a new dimension of size 1


# ---- Slice ----------------------------------------------------------------------------------------
def slice_sizes(shape, begin, size) -> list:
    """Slice's sizes with -1 resolved ("to the end"); checks 0 <= begin <= begin + size <= dim."""
    begin, size = ints(begin), ints(size)
    if len(begin) != len(shape) or len(size) != len(shape):
        raise ShapeError(f"begin {begin} and size {size} must have one entry per dimension of the rank-{len(shape)} input")
    sizes = []
    for d, (b, s, dim) in enumerate(zip(begin, size, shape)):
        s = (None if dim is None else dim - b) if s == -1 else s
        if b < 0 or (s is not None and s < 0) or (dim is not None and s is not None and b + s > dim):
            raise ShapeError(f"slice of dimension {d} (size {'?' if dim is None else dim}) from {b} with size {size[d]} is out of bounds")
        sizes.append(s)
    return sizes


def _slice_type(ctx, x, begin, size):
    values = ctx.constant(1), ctx.constant(2)
    if x.shape is None:
        return x
    if any(v is None for v in values):
        return x.with_shape((None,) * len(x.shape))
    return x.with_shape(slice_sizes(x.shape, *values))


def _slice(ctx, x, begin, size):
    starts = ints(static(ctx, 1, "begin"))
    index = tuple(slice(b, b + s) for b, s in zip(starts, slice_sizes(x.shape, starts, static(ctx, 2, "size"))))
    return x[index]


tf_op("Slice", _slice_type, _slice)


# ---- StridedSlice ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StridedPlan:
    """What a StridedSlice takes from each input dimension, and the output shape."""

    begins: tuple
    """Canonical first index per input dimension (None where the size is unknown)."""
    strides: tuple
    counts: tuple
    """How many elements each input dimension gives (None where unknown)."""
    shape: tuple
    """The output shape: shrunk dimensions dropped, new axes inserted."""


@dataclass(frozen=True)
class _Dense:
    """TensorFlow's dense spec: per input dimension, the sparse entry it reads (None: all of it, from an ellipsis)."""

    sources: tuple
    shrink: frozenset
    final: tuple  # per output dimension: an input dimension, or _NEW_AXIS


def _masks(attrs) -> dict:
    return {k: attrs.get(f"{k}_mask", 0) for k in ("begin", "end", "ellipsis", "new_axis", "shrink_axis")}


def _dense_spec(rank: int, n: int, masks: dict) -> _Dense:
    """Expand the ellipsis (an implicit one at the end when absent) over the input dimensions."""
    ellipsis, new_axis, shrink = masks["ellipsis"], masks["new_axis"], masks["shrink_axis"]
    if ellipsis & (ellipsis - 1):
        raise ShapeError(f"ellipsis_mask {ellipsis} has more than one ellipsis")
    seen, new_after = False, 0
    for i in range(n):
        new_after += seen and bool(new_axis >> i & 1)
        seen = seen or bool(ellipsis >> i & 1)
    if not seen:
        ellipsis |= 1 << n
        n += 1
    sources, shrunk, final, full = [], set(), [], 0
    for i in range(n):
        if ellipsis >> i & 1:
            covered = range(full, min(rank - (n - i) + 1 + new_after, rank))
            sources.extend(None for _ in covered)
            final.extend(covered)
            full = max(full, covered.stop)
        elif new_axis >> i & 1:
            final.append(_NEW_AXIS)
        else:
            if full == rank:
                raise ShapeError(f"the slice spec indexes more dimensions than the input's {rank}")
            sources.append(i)
            if shrink >> i & 1:
                shrunk.add(full)
            else:
                final.append(full)
            full += 1
    return _Dense(tuple(sources), frozenset(shrunk), tuple(final))


def _canonical(x: int, masked: bool, is_end: bool, stride: int, dim: int) -> int:
    """A begin or end made non-negative and clamped: [0, dim] going forward, [-1, dim - 1] backward."""
    lo, hi = (0, dim) if stride > 0 else (-1, dim - 1)
    if masked:
        return (hi if is_end else lo) if stride > 0 else (lo if is_end else hi)
    x = x + dim if x < 0 else x
    return min(max(x, lo), hi)


def _dimension(d: int, dim, entry, shrink: bool):
    """(begin, stride, count) taken from input dimension ``d`` for one dense spec entry."""
    begin, end, stride, begin_masked, end_masked = entry
    if stride == 0:
        raise ShapeError(f"strides[{d}] must be non-zero")
    if dim is None:
        return None, stride, 1 if shrink else None
    if shrink:
        if stride < 0:
            raise ShapeError(f"dimension {d} is indexed (shrink_axis_mask) with a negative stride {stride}")
        index = begin + dim if begin < 0 else begin
        if not 0 <= index < dim:
            raise ShapeError(f"index {begin} is out of bounds for dimension {d} of size {dim}")
        return index, stride, 1
    begin = _canonical(begin, begin_masked, False, stride, dim)
    length = _canonical(end, end_masked, True, stride, dim) - begin
    if length == 0 or (length < 0) != (stride < 0):
        return begin, stride, 0
    return begin, stride, -(-abs(length) // abs(stride))


def strided_slice_plan(shape: tuple, begin, end, strides, attrs) -> StridedPlan:
    """TensorFlow's StridedSlice semantics for an input of ``shape`` (dims may be None)."""
    begin, end, strides = ints(begin), ints(end), ints(strides)
    if not len(begin) == len(end) == len(strides):
        raise ShapeError(f"begin {begin}, end {end} and strides {strides} must have the same length")
    masks = _masks(attrs)
    dense = _dense_spec(len(shape), len(strides), masks)
    taken = []
    for d, (dim, i) in enumerate(zip(shape, dense.sources)):
        if i is None:
            entry = (0, 0, 1, True, True)
        else:
            entry = (begin[i], end[i], strides[i], bool(masks["begin"] >> i & 1), bool(masks["end"] >> i & 1))
        taken.append(_dimension(d, dim, entry, d in dense.shrink))
    begins, steps, counts = zip(*taken) if taken else ((), (), ())
    out = tuple(1 if f == _NEW_AXIS else counts[f] for f in dense.final)
    return StridedPlan(tuple(begins), tuple(steps), tuple(counts), out)


def _strided_type(ctx, x, begin, end, strides):
    values = [ctx.constant(i) for i in (1, 2, 3)]
    if x.shape is None or any(v is None for v in values):
        return TensorType(x.dtype, None)
    return x.with_shape(strided_slice_plan(x.shape, *values, ctx.attrs).shape)


def apply_plan(x, plan: StridedPlan):
    """The plan as core ops: reverse the dimensions with negative strides, one slice, one reshape."""
    starts, limits, steps, flipped = [], [], [], []
    for d, (begin, stride, count) in enumerate(zip(plan.begins, plan.strides, plan.counts)):
        if count == 0:
            starts.append(0), limits.append(0), steps.append(1)
            continue
        if stride < 0:
            flipped.append(d)
            begin, stride = x.shape[d] - 1 - begin, -stride
        starts.append(begin), limits.append(begin + (count - 1) * stride + 1), steps.append(stride)
    if flipped:
        x = tnp.emit("tfc.reverse", [x], {"dimensions": tuple(flipped)})
    if starts != [0] * x.ndim or limits != list(x.shape) or steps != [1] * x.ndim:
        x = tnp.emit("tfc.slice", [x], {"start_indices": tuple(starts), "limit_indices": tuple(limits), "strides": tuple(steps)})
    return tnp.reshape(x, plan.shape)


def _strided_slice(ctx, x, begin, end, strides):
    values = [static(ctx, i, what) for i, what in ((1, "begin"), (2, "end"), (3, "strides"))]
    plan = strided_slice_plan(x.shape, *values, ctx.attrs)
    return apply_plan(x, plan)


tf_op("StridedSlice", _strided_type, _strided_slice)


# ---- ReverseV2, Reverse ---------------------------------------------------------------------------
def _reverse_axes(value, rank: int) -> tuple:
    """ReverseV2's ``axis``: the dimensions to reverse, each once."""
    axes = [axis_in(a, rank) for a in ints(value)]
    if len(set(axes)) != len(axes):
        raise ShapeError(f"axis {ints(value)} names a dimension twice")
    return tuple(sorted(axes))


def _reverse_flags(value, rank: int) -> tuple:
    """Reverse's ``dims``: one bool per dimension."""
    flags = np.ravel(value)
    if np.ndim(value) != 1 or flags.size != rank:
        raise ShapeError(f"dims must be a vector of one bool per dimension of the rank-{rank} input, got shape {list(np.shape(value))}")
    return tuple(int(d) for d in np.flatnonzero(flags))


def _reversal(axes_of, what: str):
    """The type rule and decomposition of a reversal whose operand #1 says, through ``axes_of``,
    which dimensions to reverse."""

    def infer(ctx, x, _):
        value = ctx.constant(1)
        if value is not None and x.shape is not None:
            axes_of(value, len(x.shape))
        return x

    def decompose(ctx, x, _):
        axes = axes_of(static(ctx, 1, what), x.ndim)
        return tnp.emit("tfc.reverse", [x], {"dimensions": axes}) if axes else x

    return infer, decompose


tf_op("ReverseV2", *_reversal(_reverse_axes, "axis"))
tf_op("Reverse", *_reversal(_reverse_flags, "dims"))


# ---- GatherV2, Gather, GatherNd -------------------------------------------------------------------
def _gather_axes(params_rank: int, indices_rank: int, axis: int, batch_dims: int) -> tuple[int, int]:
    if not -indices_rank <= batch_dims <= indices_rank:
        raise ShapeError(f"batch_dims {batch_dims} is out of range [{-indices_rank}, {indices_rank}] for rank-{indices_rank} indices")
    if batch_dims < 0:
        batch_dims += indices_rank
    axis = axis_in(axis, params_rank)
    if batch_dims > axis:
        raise ShapeError(f"batch_dims {batch_dims} must not exceed axis {axis}")
    return axis, batch_dims


def gather_shape(params, indices, axis: int, batch_dims: int):
    if params is None or indices is None:
        return None
    axis, batch_dims = _gather_axes(len(params), len(indices), axis, batch_dims)
    for d in range(batch_dims):
        if None not in (params[d], indices[d]) and params[d] != indices[d]:
            raise ShapeError(f"params {shape_text(params)} and indices {shape_text(indices)} differ in batch dimension {d}")
    return params[:axis] + indices[batch_dims:] + params[axis + 1:]


def _gather_v2_type(ctx, params, indices, axis):
    value = ctx.constant(2)
    if value is None:
        return TensorType(params.dtype, None)
    return TensorType(params.dtype, gather_shape(params.shape, indices.shape, scalar_int(value, "axis"), ctx.attrs.get("batch_dims", 0)))


def _check_constant_indices(ctx, size: int) -> None:
    """Constant indices out of range are TensorFlow's run-time error, so they are ours at compile time."""
    indices = ctx.constant(1)
    if indices is not None and np.any((indices < 0) | (indices >= size)):
        raise ShapeError(f"indices {ints(indices)} are out of range [0, {size})")


def _batched_take(params, indices, axis: int, batch_dims: int):
    """Gather with leading batch dimensions: iota coordinates for the batch dims, then the index."""
    coords = [tnp.emit("tfc.iota", [], {"iota_dimension": d}, [TensorType(indices.dtype, indices.shape + (1,))]) for d in range(batch_dims)]
    vectors = tnp.concatenate(coords + [tnp.reshape(indices, indices.shape + (1,))], axis=indices.ndim)
    tail = indices.ndim - batch_dims
    collapsed = tuple(range(batch_dims)) + (axis,)
    offset_dims = tuple(range(batch_dims, axis)) + tuple(range(axis + tail, params.ndim - 1 - batch_dims + indices.ndim))
    attrs = {
        "offset_dims": offset_dims,
        "collapsed_slice_dims": collapsed,
        "start_index_map": collapsed,
        "index_vector_dim": indices.ndim,
        "slice_sizes": tuple(1 if d in collapsed else s for d, s in enumerate(params.shape)),
    }
    shape = gather_shape(params.shape, indices.shape, axis, batch_dims)
    return tnp.emit("tfc.gather", [params, vectors], attrs, [TensorType(params.dtype, shape)])


def _gather_v2(ctx, params, indices, axis_operand=None):
    axis = 0 if axis_operand is None else scalar_int(static(ctx, 2, "axis"), "axis")
    axis, batch_dims = _gather_axes(params.ndim, indices.ndim, axis, ctx.attrs.get("batch_dims", 0))
    gather_shape(params.shape, indices.shape, axis, batch_dims)
    _check_constant_indices(ctx, params.shape[axis])
    if batch_dims == 0:
        return tnp.take(params, indices, axis)
    return _batched_take(params, indices, axis, batch_dims)


tf_op("GatherV2", _gather_v2_type, _gather_v2)
tf_op("Gather", lambda ctx, p, i: TensorType(p.dtype, gather_shape(p.shape, i.shape, 0, 0)), _gather_v2)


def gather_nd_shape(params, indices):
    if params is None or indices is None:
        return None
    if not indices:
        raise ShapeError("indices must have rank at least 1 (the last dimension holds the coordinates)")
    depth = indices[-1]
    if depth is None:
        return None
    if depth > len(params):
        raise ShapeError(f"index vectors of length {depth} cannot index rank-{len(params)} params")
    return indices[:-1] + params[depth:]


def _gather_nd(ctx, params, indices):
    shape = gather_nd_shape(params.shape, indices.shape)
    depth = indices.shape[-1]
    if depth == 0:
        return tnp.broadcast_to(params, shape)
    batch = indices.ndim - 1
    attrs = {
        "offset_dims": tuple(range(batch, batch + params.ndim - depth)),
        "collapsed_slice_dims": tuple(range(depth)),
        "start_index_map": tuple(range(depth)),
        "index_vector_dim": batch,
        "slice_sizes": (1,) * depth + params.shape[depth:],
    }
    return tnp.emit("tfc.gather", [params, indices], attrs, [TensorType(params.dtype, shape)])


tf_op("GatherNd", lambda ctx, p, i: TensorType(p.dtype, gather_nd_shape(p.shape, i.shape)), _gather_nd)


# ---- Where --------------------------------------------------------------------------------------
def _where_type(ctx, x):
    value = ctx.constant(0)
    if value is not None:
        return TensorType(DType.i64, np.argwhere(value).shape)
    return TensorType(DType.i64, (None, None if x.shape is None else len(x.shape)))


def _where(ctx, x):
    value = ctx.constant(0)
    if value is None:
        raise data_dependent("the number of true elements", "only a constant condition works")
    return const(np.argwhere(value), DType.i64)


tf_op("Where", _where_type, _where, outputs=(("index", 1),))


# ---- OneHot ---------------------------------------------------------------------------------------
def _one_hot_shape(indices, depth_value, axis: int):
    if indices is None:
        return None
    axis = len(indices) if axis == -1 else axis
    if not 0 <= axis <= len(indices):
        raise ShapeError(f"axis {axis} must be -1 or in [0, {len(indices)}]")
    depth = None if depth_value is None else scalar_int(depth_value, "depth")
    if depth is not None and depth < 0:
        raise ShapeError(f"depth must be non-negative, got {depth}")
    return indices[:axis] + (depth,) + indices[axis:]


def _one_hot_type(ctx, indices, depth, on, off):
    if on.dtype != off.dtype:
        raise ShapeError(f"on_value ({on.dtype.value}) and off_value ({off.dtype.value}) must have the same dtype")
    return TensorType(on.dtype, _one_hot_shape(indices.shape, ctx.constant(1), ctx.attrs.get("axis", -1)))


def _one_hot(ctx, indices, depth, on, off):
    shape = _one_hot_shape(indices.shape, static(ctx, 1, "depth"), ctx.attrs.get("axis", -1))
    axis = ctx.attrs.get("axis", -1) % len(shape)
    for value, what in ((on, "on_value"), (off, "off_value")):
        if value.ndim != 0:
            raise ShapeError(f"{what} must be a scalar, got shape {list(value.shape)}")
    # Negative or too large indices match no class, so their rows are all off_value (as in TensorFlow).
    # Classes are counted in i64 when the index type is narrower, so a depth past 255 cannot wrap for u8.
    if indices.dtype not in (DType.i32, DType.i64):
        indices = tnp.astype(indices, DType.i64)
    classes = tnp.emit("tfc.iota", [], {"iota_dimension": axis}, [TensorType(indices.dtype, shape)])
    spread = tnp.emit("tfc.broadcast_in_dim", [indices], {"broadcast_dimensions": tuple(d for d in range(len(shape)) if d != axis)},
                       [TensorType(indices.dtype, shape)])
    return tnp.where(tnp.equal(spread, classes), on, off)


tf_op("OneHot", _one_hot_type, _one_hot)


# ---- TopKV2 ---------------------------------------------------------------------------------------
def _top_k_types(ctx, x, k):
    index_type = ctx.attrs.get("index_type", DType.i32)
    value = ctx.constant(1)
    if x.shape is None:
        return [x, TensorType(index_type, None)]
    if not x.shape:
        raise ShapeError("input must have rank at least 1")
    kk = None if value is None else scalar_int(value, "k")
    if kk is not None and (kk < 0 or (x.shape[-1] is not None and kk > x.shape[-1])):
        raise ShapeError(f"k = {kk} must be in [0, {x.shape[-1]}] (the size of the last dimension)")
    shape = x.shape[:-1] + (kk,)
    return [x.with_shape(shape), TensorType(index_type, shape)]


def _top_k(ctx, x, k):
    kk = scalar_int(static(ctx, 1, "k"), "k")
    index_type = _top_k_types(ctx, x.type, k.type)[1].dtype
    last = x.ndim - 1
    positions = tnp.emit("tfc.iota", [], {"iota_dimension": last}, [TensorType(index_type, x.shape)])
    # A stable descending sort keeps equal values in index order: ties go to the lower index, as in TensorFlow.
    op = x.trace.emit("tfc.sort", [x.value, positions.value], {"dimension": last, "descending": True, "is_stable": True})
    values, indices = (type(x)(r, x.trace) for r in op.results)
    index = (slice(None),) * last + (slice(0, kk),)
    return [values[index], indices[index]]


tf_op("TopKV2", _top_k_types, _top_k, outputs=(("values", 1), ("indices", 1)))
