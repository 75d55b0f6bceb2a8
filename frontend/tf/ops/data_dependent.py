"""Ops whose output shape depends on the input values: Unique, UniqueV2, UniqueWithCounts,
UniqueWithCountsV2, ListDiff, DynamicPartition, and the error every such op raises at legalization.

XLA compiles static shapes, so such an op compiles only on a constant input, where the values, and so
the shape, are known: there it becomes constants. Otherwise its error is a ``DataDependentShape``, and
a GraphSession runs the op on the host (``tfc.runtime.host_ops``): it computes the op's inputs, gives
them to the op as constants, and feeds its outputs to the rest of the graph. DynamicPartition needs only its partitions constant: they
decide the sizes, and the data is gathered. Where (array_index.py) and the unpadded non-max suppressions
(non_max_suppression.py) follow the same rule.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import DataDependentShape, tf_op
from .array import axis_in, const, ints, shape_text


def data_dependent(what: str, hint: str = "") -> ShapeError:
    """The error for an output shape known only at run time (a session runs such an op on the host)."""
    text = (f"{what} (the output's shape) depends on the input values, a data-dependent output shape: XLA compiles "
            "static shapes, so a session runs the op on the host between compiled stages")
    return DataDependentShape(f"{text} ({hint})" if hint else text)


# ---- Unique, UniqueV2, UniqueWithCounts, UniqueWithCountsV2 ---------------------------------------
def _unique_axis(ctx, shape, has_axis: bool) -> int | None:
    """The axis a V2 op finds unique slices along (None: the elements of a vector), as TensorFlow reads it."""
    if not has_axis:
        axis = []
    else:
        value = ctx.constant(1)
        if value is None:
            raise ShapeError("axis (operand #1) must be a constant: it decides the output's shape")
        if np.ndim(value) != 1 or np.size(value) > 1:
            raise ShapeError(f"axis must be a vector of at most one element, got {np.asarray(value).tolist()}")
        axis = ints(value)
    if not axis:
        if shape is not None and len(shape) != 1:
            raise ShapeError(f"without an axis the input must be a vector, got shape {shape_text(shape)}")
        return None
    return None if shape is None else axis_in(axis[0], len(shape))


def unique_slices(x: np.ndarray, axis: int):
    """The distinct slices of ``x`` along ``axis`` in order of first appearance, each slice's index
    among them, and their counts (floats compare as TensorFlow's hash maps do: -0.0 equals 0.0, NaN
    equals nothing)."""
    rows = np.moveaxis(x, axis, 0).reshape(x.shape[axis], x.size // max(x.shape[axis], 1))
    first: dict = {}
    index = np.array([first.setdefault(tuple(row.tolist()), len(first)) for row in rows], np.int64)
    starts = np.unique(index, return_index=True)[1] if index.size else np.zeros(0, np.int64)
    return np.take(x, starts, axis), index, np.bincount(index, minlength=len(first))


def _unique_types(with_counts: bool):
    def infer(ctx, x, *axis):
        out_idx = ctx.attrs.get("out_idx", DType.i32)
        position = _unique_axis(ctx, x.shape, bool(axis))
        value = ctx.constant(0)
        if value is not None:
            y, index, counts = unique_slices(value, position or 0)
            shapes = y.shape, index.shape, counts.shape
        elif x.shape is None:
            shapes = None, None, (None,)
        else:
            axis_at = position or 0
            shapes = x.shape[:axis_at] + (None,) + x.shape[axis_at + 1:], (x.shape[axis_at],), (None,)
        types = [TensorType(x.dtype, shapes[0]), TensorType(out_idx, shapes[1])]
        return types + [TensorType(out_idx, shapes[2])] if with_counts else types

    return infer


def _unique(with_counts: bool):
    def decompose(ctx, x, *axis):
        out_idx = ctx.attrs.get("out_idx", DType.i32)
        position = _unique_axis(ctx, x.shape, bool(axis))
        value = ctx.constant(0)
        if value is None:
            raise data_dependent("the number of unique elements", "only a constant input works")
        y, index, counts = unique_slices(value, position or 0)
        results = [const(y, x.dtype), const(index, out_idx)]
        return results + [const(counts, out_idx)] if with_counts else results

    return decompose


for _name, _counts in (("Unique", False), ("UniqueV2", False), ("UniqueWithCounts", True), ("UniqueWithCountsV2", True)):
    tf_op(_name, _unique_types(_counts), _unique(_counts),
          outputs=(("y", 1), ("idx", 1)) + ((("count", 1),) if _counts else ()))


# ---- ListDiff -------------------------------------------------------------------------------------
def _list_diff_values(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kept = np.flatnonzero(~np.isin(x, y))
    return x[kept], kept


def _list_diff_type(ctx, x, y):
    for name, t in (("x", x), ("y", y)):
        if t.shape is not None and len(t.shape) != 1:
            raise ShapeError(f"{name} must be a vector, got shape {shape_text(t.shape)}")
    out_idx = ctx.attrs.get("out_idx", DType.i32)
    values = ctx.constant(0), ctx.constant(1)
    count = None if any(v is None for v in values) else _list_diff_values(*values)[1].size
    return [TensorType(x.dtype, (count,)), TensorType(out_idx, (count,))]


def _list_diff(ctx, x, y):
    values = ctx.constant(0), ctx.constant(1)
    if any(v is None for v in values):
        raise data_dependent("the number of elements of x not in y", "only constant x and y work")
    out, index = _list_diff_values(*values)
    return [const(out, x.dtype), const(index, ctx.attrs.get("out_idx", DType.i32))]


tf_op("ListDiff", _list_diff_type, _list_diff, outputs=(("out", 1), ("idx", 1)))


# ---- DynamicPartition -----------------------------------------------------------------------------
def _partition_rows(ctx, data_shape, count: int) -> list[np.ndarray] | None:
    """For each partition, the rows of ``data`` (flattened over the partitions' dims) it takes, in
    order; None when the partitions are computed at run time (the outputs' sizes are then unknown)."""
    partitions = ctx.constant(1)
    if partitions is None:
        return None
    if data_shape is not None and tuple(data_shape[:partitions.ndim]) != partitions.shape:
        raise ShapeError(f"data of shape {shape_text(data_shape)} must start with the partitions' shape {list(partitions.shape)}")
    flat = partitions.ravel()
    if np.any((flat < 0) | (flat >= count)):
        raise ShapeError(f"partitions {ints(flat)} must be in [0, {count}) (num_partitions)")
    return [np.flatnonzero(flat == i) for i in range(count)]


def _dynamic_partition_type(ctx, data, partitions):
    count = ctx.attrs["num_partitions"]
    rows = _partition_rows(ctx, data.shape, count)
    rank = None if partitions.shape is None else len(partitions.shape)
    rest = None if data.shape is None or rank is None else data.shape[rank:]
    sizes = [None] * count if rows is None else [r.size for r in rows]
    return [TensorType(data.dtype, None if rest is None else (size, *rest)) for size in sizes]


def _dynamic_partition(ctx, data, partitions):
    """With constant partitions, each output is a gather of the rows it takes (its size is known)."""
    rows = _partition_rows(ctx, data.shape, ctx.attrs["num_partitions"])
    if rows is None:
        raise data_dependent("the size of each partition", "only constant partitions work")
    rank = len(ctx.operand_types[1].shape)
    flat = tnp.reshape(data, (int(np.prod(data.shape[:rank], dtype=np.int64)), *data.shape[rank:]))
    return [tnp.take(flat, const(r, DType.i32), 0) if r.size else tnp.broadcast_to(const(0, data.dtype), (0, *data.shape[rank:]))
            for r in rows]


tf_op("DynamicPartition", _dynamic_partition_type, _dynamic_partition,
      outputs=(("outputs", lambda attrs: attrs["num_partitions"]),))
