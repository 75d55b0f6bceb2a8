"""TensorFlow's segment reductions: UnsortedSegmentSum/Max/Min/Prod, SegmentSum/Max/Min/Prod/Mean and
SegmentSum/Max/Min/ProdV2.

Each is one ``tfc.scatter`` of the data rows into ``num_segments`` rows that start at the
reduction's identity (0, 1, the lowest or the highest value), which is what an empty segment holds
in the unsorted ops and the V2 ops (TensorFlow compiles the V2 ops only with XLA, which does the
same). The output size must be known: the unsorted and V2 ops give ``num_segments``; the sorted ops
of version 1 take it from the last segment id, so their ``segment_ids`` must be a constant (and
there an empty segment is 0 for every reduction but the product).

TensorFlow on CPU drops negative segment ids in the unsorted ops and rejects ids at or past
``num_segments`` at run time; XLA cannot reject them, and drops those rows too. Constant ids are
checked here, as TensorFlow would.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import const, ints, scalar_int, shape_text, static
from .data_dependent import data_dependent


def _limits(dtype: DType):
    """The finite range of ``dtype``: TensorFlow's empty max and min are its ``numeric_limits``
    lowest and highest (not infinities)."""
    return np.finfo(dtype.numpy) if dtype.is_float else np.iinfo(dtype.numpy)


# reduction -> (the scatter's combiner, the initial value for a dtype)
_REDUCTIONS = {
    "sum": ("add", lambda dtype: 0),
    "prod": ("mul", lambda dtype: 1),
    "max": ("max", lambda dtype: _limits(dtype).min),
    "min": ("min", lambda dtype: _limits(dtype).max),
}


def _segment_shape(data: tuple, ids: tuple, segments) -> tuple:
    """[segments] + the data dimensions after those ``segment_ids`` covers."""
    if len(ids) > len(data) or any(None not in (a, b) and a != b for a, b in zip(ids, data)):
        raise ShapeError(f"segment_ids {shape_text(ids)} must be a prefix of the data's shape {shape_text(data)}")
    return (segments,) + tuple(data[len(ids):])


def segment_reduce(data, ids, segments: int, reduction: str):
    """Rows of ``data`` (one per entry of ``ids``) combined into ``segments`` rows; ids outside
    [0, segments) are dropped."""
    combiner, identity = _REDUCTIONS[reduction]
    shape = _segment_shape(data.shape, ids.shape, segments)
    base = tnp.broadcast_to(const(identity(data.dtype), data.dtype), shape)
    attrs = {"update_window_dims": tuple(range(ids.ndim, data.ndim)), "inserted_window_dims": (0,),
             "scatter_dims_to_operand_dims": (0,), "index_vector_dim": ids.ndim, "kind": combiner}
    return tnp.emit("tfc.scatter", [base, ids, data], attrs)


def _num_segments(value) -> int:
    segments = scalar_int(value, "num_segments")
    if segments < 0:
        raise ShapeError(f"num_segments must be non-negative, got {segments}")
    return segments


def _check_ids_below(ctx, segments: int) -> None:
    ids = ctx.constant(1)
    if ids is not None and np.any(ids >= segments):
        raise ShapeError(f"segment_ids {ints(ids)} must be below num_segments = {segments}")


# ---- UnsortedSegment*, Segment*V2: num_segments given ---------------------------------------------
def _counted_type(ctx, data, ids, num_segments):
    value = ctx.constant(2)
    segments = None if value is None else _num_segments(value)
    if data.shape is None or ids.shape is None:
        return TensorType(data.dtype, None)
    return data.with_shape(_segment_shape(data.shape, ids.shape, segments))


def _counted(reduction: str, sorted_ids: bool = False):
    def decompose(ctx, data, ids, num_segments):
        segments = _num_segments(static(ctx, 2, "num_segments"))
        _check_ids_below(ctx, segments)
        if sorted_ids:
            _check_sorted(ctx, data.shape)
        return segment_reduce(data, ids, segments, reduction)

    return decompose


for _reduction in _REDUCTIONS:
    tf_op(f"UnsortedSegment{_reduction.capitalize()}", _counted_type, _counted(_reduction))
    tf_op(f"Segment{_reduction.capitalize()}V2", _counted_type, _counted(_reduction, sorted_ids=True))


# ---- Segment*: the size from constant ids ---------------------------------------------------------
def _check_sorted(ctx, data: tuple) -> np.ndarray | None:
    """Constant ``segment_ids``: a vector of one non-negative id per data row, in increasing order."""
    ids = ctx.constant(1)
    if ids is None:
        return None
    if ids.ndim != 1 or not data or ids.shape[0] != data[0]:
        raise ShapeError(f"segment_ids {list(ids.shape)} must be a vector with one id per data row (data {shape_text(data)})")
    if ids.size and (ids[0] < 0 or np.any(np.diff(ids) < 0)):
        raise ShapeError(f"segment_ids {ints(ids)} must be non-negative and sorted")
    return ids


def _sorted_type(ctx, data, ids):
    value = _check_sorted(ctx, data.shape) if data.shape is not None else ctx.constant(1)
    if data.shape is None:
        return data
    segments = None if value is None else (int(value[-1]) + 1 if value.size else 0)
    return data.with_shape((segments,) + tuple(data.shape[1:]))


def _sorted(reduction: str):
    """Empty segments hold 0 (the product's, 1); the mean divides each sum by its count."""

    def decompose(ctx, data, ids):
        value = _check_sorted(ctx, data.shape)
        if value is None:
            raise data_dependent("the number of segments (the last id + 1)", "only constant segment_ids work; UnsortedSegment* "
                                 "and Segment*V2 take it from num_segments instead")
        counts = np.bincount(value, minlength=int(value[-1]) + 1 if value.size else 0)
        out = segment_reduce(data, ids, counts.size, "sum" if reduction == "mean" else reduction)
        rows = (counts.size,) + (1,) * (data.ndim - 1)
        if reduction == "mean":
            divisor = tnp.broadcast_to(const(np.maximum(counts, 1).reshape(rows), data.dtype), out.shape)
            return tnp.emit("tfc.divide", [out, divisor])
        if reduction in ("max", "min") and np.any(counts == 0):
            empty = const(np.broadcast_to((counts == 0).reshape(rows), out.shape), DType.bool)
            return tnp.where(empty, tnp.zeros_like(out), out)
        return out

    return decompose


for _reduction in (*_REDUCTIONS, "mean"):
    tf_op(f"Segment{_reduction.capitalize()}", _sorted_type, _sorted(_reduction))
