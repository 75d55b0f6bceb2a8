"""TensorFlow's scatters: ScatterNd, TensorScatterUpdate/Add/Sub/Max/Min, TensorStridedSliceUpdate,
SparseToDense, and the stitches DynamicStitch and ParallelDynamicStitch.

Each is one ``tfc.scatter`` (set, add, max or min) with TensorFlow's ``indices[..., K]`` addressing the
first K dimensions. TensorFlow on CPU rejects an index outside the tensor at run time; XLA cannot, and
skips that update (a scatter drops windows outside its operand). Constant indices are checked here,
so that case is an error naming the node, as in TensorFlow. Where TensorFlow leaves the order of
repeated indices unspecified (TensorScatterUpdate, ParallelDynamicStitch, SparseToDense without
validation), so does tfc for indices computed at run time; constant indices keep the last update,
as TensorFlow's CPU kernels do.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import broadcast_target, const, ints, shape_text, static, vector_dims
from .array_index import strided_slice_plan


# ---- the scatter shared by all ----------------------------------------------------------------
def updates_shape(shape: tuple, indices: tuple) -> tuple:
    """The updates a scatter of ``indices[..., K]`` into ``shape`` takes: indices' batch + shape[K:]."""
    if not indices:
        raise ShapeError("indices must have rank at least 1 (the last dimension holds the coordinates)")
    depth = indices[-1]
    if depth > len(shape):
        raise ShapeError(f"index vectors of length {depth} cannot index the rank-{len(shape)} shape {shape_text(shape)}")
    return indices[:-1] + shape[depth:]


def check_updates(shape: tuple, indices: tuple, updates: tuple) -> None:
    """Updates of the shape the indices call for; and, as TensorFlow insists, no indices or updates
    for an empty output, and no updates without indices (index vectors of length 0)."""
    if None in shape or indices is None or None in indices or updates is None:
        return
    want = updates_shape(shape, indices)
    if tuple(updates) != want:
        raise ShapeError(f"updates {shape_text(updates)} must have shape {shape_text(want)} to scatter into "
                         f"{shape_text(shape)} at indices {shape_text(indices)}")
    n_indices, n_updates = int(np.prod(indices)), int(np.prod(updates))
    if (n_indices == 0 or int(np.prod(shape)) == 0) and (n_indices or n_updates):
        raise ShapeError(f"indices {shape_text(indices)} and updates {shape_text(updates)} are given for the empty output "
                         f"{shape_text(shape)} or hold no index (TensorFlow rejects them)")


def check_indices(value, shape: tuple) -> None:
    """Constant indices must address positions inside ``shape`` (TensorFlow's run-time check)."""
    if value is None or value.size == 0:
        return
    vectors = value.reshape(-1, value.shape[-1])
    bounds = np.asarray(shape[: value.shape[-1]], np.int64)
    outside = np.flatnonzero(np.any((vectors < 0) | (vectors >= bounds), axis=1))
    if outside.size:
        raise ShapeError(f"index {ints(vectors[outside[0]])} (entry {int(outside[0])}) is outside the shape {shape_text(shape)}")


def scatter_nd(base, indices, updates, kind: str):
    """``base`` with ``updates`` combined (``kind``) at ``indices[..., K]`` over its first K dims."""
    batch, depth = indices.ndim - 1, indices.shape[-1]
    attrs = {"update_window_dims": tuple(range(batch, updates.ndim)), "inserted_window_dims": tuple(range(depth)),
             "scatter_dims_to_operand_dims": tuple(range(depth)), "index_vector_dim": batch, "kind": kind}
    return tnp.emit("tfc.scatter", [base, indices, updates], attrs)


def index_dtype(size: int) -> DType:
    """The narrowest index type for positions below ``size``."""
    return DType.i32 if size < 2**31 else DType.i64


# ---- ScatterNd ------------------------------------------------------------------------------------
def _shape_value(value) -> tuple:
    dims = tuple(ints(value))
    if np.ndim(value) != 1 or any(d < 0 for d in dims):
        raise ShapeError(f"shape must be a vector of non-negative sizes, got {value.tolist()}")
    return dims


def _scatter_nd_type(ctx, indices, updates, shape):
    value = ctx.constant(2)
    if value is None:
        return TensorType(updates.dtype, vector_dims(shape))
    dims = _shape_value(value)
    check_updates(dims, indices.shape, updates.shape)
    return TensorType(updates.dtype, dims)


def _scatter_nd(ctx, indices, updates, shape):
    dims = _shape_value(static(ctx, 2, "shape"))
    check_updates(dims, indices.shape, updates.shape)
    check_indices(ctx.constant(0), dims)
    return scatter_nd(tnp.broadcast_to(const(0, updates.dtype), dims), indices, updates, "add")


tf_op("ScatterNd", _scatter_nd_type, _scatter_nd)


# ---- TensorScatterUpdate/Add/Sub/Max/Min ----------------------------------------------------------
def _tensor_scatter_type(ctx, tensor, indices, updates):
    if tensor.shape is not None:
        check_updates(tensor.shape, indices.shape, updates.shape)
    return tensor


def _tensor_scatter(kind: str, negate: bool = False):
    def decompose(ctx, tensor, indices, updates):
        check_updates(tensor.shape, indices.shape, updates.shape)
        check_indices(ctx.constant(1), tensor.shape)
        return scatter_nd(tensor, indices, tnp.negative(updates) if negate else updates, kind)

    return decompose


tf_op("TensorScatterUpdate", _tensor_scatter_type, _tensor_scatter("set"))
tf_op("TensorScatterAdd", _tensor_scatter_type, _tensor_scatter("add"))
tf_op("TensorScatterSub", _tensor_scatter_type, _tensor_scatter("add", negate=True))
tf_op("TensorScatterMax", _tensor_scatter_type, _tensor_scatter("max"))
tf_op("TensorScatterMin", _tensor_scatter_type, _tensor_scatter("min"))


# ---- TensorStridedSliceUpdate ---------------------------------------------------------------------
def _strided_positions(shape: tuple, plan) -> np.ndarray:
    """The flat positions of the elements a StridedSlice plan selects, shaped by what it reads per
    dimension (before shrinking and new axes)."""
    axes = [begin + stride * np.arange(count) for begin, stride, count in zip(plan.begins, plan.strides, plan.counts)]
    return np.arange(int(np.prod(shape))).reshape(shape)[np.ix_(*axes)] if axes else np.zeros((), np.int64)


def _strided_update_type(ctx, x, begin, end, strides, value):
    return x


def _strided_update(ctx, x, begin, end, strides, value):
    """``x`` with the strided slice replaced by ``value`` (broadcast to the slice's shape)."""
    specs = [static(ctx, i, what) for i, what in ((1, "begin"), (2, "end"), (3, "strides"))]
    plan = strided_slice_plan(x.shape, *specs, ctx.attrs)
    positions = _strided_positions(x.shape, plan)
    broadcast_target(value.shape, plan.shape)
    if positions.size == 0:
        return x
    updates = tnp.reshape(tnp.broadcast_to(value, plan.shape), (positions.size,))
    flat = tnp.reshape(x, (int(np.prod(x.shape)),))
    written = scatter_nd(flat, const(positions.reshape(-1, 1), index_dtype(positions.size)), updates, "set")
    return tnp.reshape(written, x.shape)


tf_op("TensorStridedSliceUpdate", _strided_update_type, _strided_update)


# ---- SparseToDense --------------------------------------------------------------------------------
def _sparse_indices(indices) -> tuple:
    """(count, rank) of SparseToDense's indices: a scalar is one index, a vector one per row."""
    if indices is None or len(indices) > 2:
        raise ShapeError(f"sparse_indices must have rank 0, 1 or 2, got shape {shape_text(indices)}")
    return (1, 1) if not indices else (indices[0], 1 if len(indices) == 1 else indices[1])


def _check_sparse(value, dims: tuple, validate: bool) -> None:
    """Constant indices in range, and (``validate_indices``) in strictly increasing row-major order."""
    vectors = value.reshape(-1, len(dims)) if value.size else value.reshape(0, len(dims))
    check_indices(vectors, dims)
    flat = np.ravel_multi_index(tuple(vectors.T), dims) if vectors.size else np.zeros(0, np.int64)
    if validate and np.any(np.diff(flat) <= 0):
        raise ShapeError(f"sparse_indices {vectors.tolist()} must be in strictly increasing row-major order (validate_indices)")


def _sparse_to_dense_type(ctx, indices, shape, values, default):
    value = ctx.constant(1)
    if default.shape is not None and default.shape != ():
        raise ShapeError(f"default_value must be a scalar, got shape {shape_text(default.shape)}")
    return TensorType(values.dtype, vector_dims(shape) if value is None else _shape_value(value))


def _sparse_to_dense(ctx, indices, shape, values, default):
    """The default everywhere, and each value written at its index: a scatter of the values (one
    broadcast to every index when scalar) after dropping repeats of a constant index but the last."""
    dims = _shape_value(static(ctx, 1, "output_shape"))
    _sparse_to_dense_type(ctx, indices.type, shape.type, values.type, default.type)
    count, rank = _sparse_indices(indices.shape)
    if rank != len(dims):
        raise ShapeError(f"sparse_indices have {rank} coordinates but output_shape {list(dims)} has rank {len(dims)}")
    if values.ndim > 1 or (values.ndim == 1 and values.shape[0] != count):
        raise ShapeError(f"sparse_values {shape_text(values.shape)} must be a scalar or have one value per index ({count})")
    if count == 0:
        return tnp.broadcast_to(default, dims)
    vectors = tnp.reshape(indices, (count, rank))
    updates = tnp.broadcast_to(values, (count,))
    given = ctx.constant(0)
    if given is not None:
        _check_sparse(given, dims, ctx.attrs.get("validate_indices", True))
        last = _last_of_repeats(given.reshape(count, rank), dims)
        vectors, updates = const(given.reshape(count, rank)[last], indices.dtype), tnp.take(updates, last.astype(np.int32))
    return scatter_nd(tnp.broadcast_to(default, dims), vectors, updates, "set")


def _last_of_repeats(vectors: np.ndarray, dims: tuple) -> np.ndarray:
    """Positions of the index vectors that are the last to name their element, in order."""
    flat = np.ravel_multi_index(tuple(vectors.T), dims) if vectors.size else np.zeros(0, np.int64)
    last = {f: i for i, f in enumerate(flat.tolist())}
    return np.array(sorted(last.values()), np.int64)


tf_op("SparseToDense", _sparse_to_dense_type, _sparse_to_dense, outputs=(("dense", 1),))


# ---- DynamicStitch, ParallelDynamicStitch ---------------------------------------------------------
def _stitch_sources(index_values: list) -> np.ndarray:
    """For each output row, the row of the concatenated data that writes it last (-1: none does)."""
    flat = [np.ravel(v).astype(np.int64) for v in index_values]
    rows = np.concatenate(flat) if flat else np.zeros(0, np.int64)
    if rows.size and rows.min() < 0:
        raise ShapeError(f"indices must be non-negative, got {int(rows.min())}")
    sources = np.full(int(rows.max()) + 1 if rows.size else 0, -1, np.int64)
    sources[rows] = np.arange(rows.size)  # numpy assigns in order: the last writer wins
    return sources


def _stitch_parts(ctx, tensors) -> tuple[list, list, tuple]:
    """(index values, data tensors, the shape of one data row), checked as TensorFlow does."""
    n = len(tensors) // 2
    indices, data = tensors[:n], tensors[n:]
    values = [static(ctx, i, f"indices[{i}]") for i in range(n)]
    row = data[0].shape[indices[0].ndim:]
    for i, (ix, d) in enumerate(zip(indices, data)):
        if d.shape != ix.shape + row:
            raise ShapeError(f"data[{i}] {shape_text(d.shape)} must be indices[{i}]'s shape {shape_text(ix.shape)} "
                             f"followed by {shape_text(row)}")
    return values, list(data), row


def _stitch_type(ctx, *types):
    n = len(types) // 2
    values = [ctx.constant(i) for i in range(n)]
    first, data = types[0], types[n]
    if any(v is None for v in values) or first.shape is None or data.shape is None:
        row = None if first.shape is None or data.shape is None else data.shape[len(first.shape):]
        return TensorType(data.dtype, None if row is None else (None,) + tuple(row))
    return TensorType(data.dtype, (len(_stitch_sources(values)),) + tuple(data.shape[len(first.shape):]))


def _stitch(ctx, *tensors):
    """merged[indices[m][i]] = data[m][i]: the data rows concatenated, then gathered in output order;
    rows no index names are zeros."""
    values, data, row = _stitch_parts(ctx, tensors)
    sources = _stitch_sources(values)
    rows = [tnp.reshape(d, (int(np.prod(v.shape)),) + row) for v, d in zip(values, data)]
    if sources.size == 0 or sum(r.shape[0] for r in rows) == 0:
        return tnp.broadcast_to(const(0, data[0].dtype), (sources.size,) + row)
    merged = tnp.take(tnp.concatenate(rows, 0), np.maximum(sources, 0).astype(np.int32), 0)
    if np.all(sources >= 0):
        return merged
    present = const(np.broadcast_to((sources >= 0).reshape((-1,) + (1,) * len(row)), merged.shape), DType.bool)
    return tnp.where(present, merged, tnp.zeros_like(merged))


tf_op("DynamicStitch", _stitch_type, _stitch, outputs=(("merged", 1),))
tf_op("ParallelDynamicStitch", _stitch_type, _stitch, outputs=(("merged", 1),))
