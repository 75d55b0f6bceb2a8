"""TensorFlow's ops that place values among others: Bucketize, LowerBound/UpperBound (searchsorted),
InTopKV2, and counting them: Bincount, DenseBincount, HistogramFixedWidth.

Searches compare every value with every boundary and count, instead of a binary search: the same
index for sorted boundaries, NaN included (a NaN value is never below a boundary, so it lands past
the last, as ``std::upper_bound`` puts it), and one fused comparison for XLA.

Bincount ignores values at or past ``size``; TensorFlow rejects negative ones at run time, which XLA
cannot, so those are ignored too (constant inputs are checked, as TensorFlow would).
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, tf_op
from .array import const, ints, scalar_int, shape_text, static


def _count_true(mask, axis: int, dtype: DType):
    return tnp.sum(tnp.astype(mask, dtype), axis)


# ---- Bucketize ------------------------------------------------------------------------------------
def _boundaries(ctx) -> np.ndarray:
    boundaries = np.asarray(ctx.attrs.get("boundaries", ()), np.float32)
    if np.any(boundaries[1:] < boundaries[:-1]):
        raise ShapeError(f"boundaries {boundaries.tolist()} must be sorted")
    return boundaries


def _bucketize_type(ctx, x):
    _boundaries(ctx)
    return x.with_dtype(DType.i32)


def _bucketize(ctx, x):
    """How many boundaries are not above each value. Boundaries are f32 (the attribute's type); the
    kernel compares them with an integer value as f32, with a double value as f64."""
    boundaries = _boundaries(ctx)
    dtype = DType.f64 if x.dtype is DType.f64 else DType.f32
    values = tnp.reshape(tnp.astype(x, dtype), x.shape + (1,))
    return _count_true(tnp.logical_not(tnp.less(values, const(boundaries, dtype))), x.ndim, DType.i32)


tf_op("Bucketize", _bucketize_type, _bucketize)


# ---- LowerBound, UpperBound -----------------------------------------------------------------------
def _bound_type(ctx, sorted_inputs, values):
    for t, what in ((sorted_inputs, "sorted_inputs"), (values, "values")):
        if t.shape is not None and len(t.shape) != 2:
            raise ShapeError(f"{what} must have rank 2, got shape {shape_text(t.shape)}")
    if sorted_inputs.shape is not None and values.shape is not None and None not in (sorted_inputs.shape[0], values.shape[0]) \
            and sorted_inputs.shape[0] != values.shape[0]:
        raise ShapeError(f"sorted_inputs {shape_text(sorted_inputs.shape)} and values {shape_text(values.shape)} "
                         "must have the same number of rows")
    return TensorType(ctx.attrs.get("out_type", DType.i32), values.shape)


def _bound(lower: bool):
    """LowerBound counts the sorted values below each value; UpperBound those not above it."""

    def decompose(ctx, sorted_inputs, values):
        out_type = _bound_type(ctx, sorted_inputs.type, values.type).dtype
        rows, n = sorted_inputs.shape
        candidates = tnp.reshape(sorted_inputs, (rows, 1, n))
        wanted = tnp.reshape(values, values.shape + (1,))
        below = tnp.less(candidates, wanted) if lower else tnp.logical_not(tnp.less(wanted, candidates))
        return _count_true(below, 2, out_type)

    return decompose


tf_op("LowerBound", _bound_type, _bound(True))
tf_op("UpperBound", _bound_type, _bound(False))


# ---- InTopKV2 -------------------------------------------------------------------------------------
def _in_top_k_type(ctx, predictions, targets, k):
    if predictions.shape is not None and len(predictions.shape) != 2:
        raise ShapeError(f"predictions must have rank 2, got shape {shape_text(predictions.shape)}")
    if targets.shape is not None and len(targets.shape) != 1:
        raise ShapeError(f"targets must be a vector, got shape {shape_text(targets.shape)}")
    if k.shape is not None and len(k.shape) != 0:
        raise ShapeError(f"k must be a scalar, got shape {shape_text(k.shape)}")
    rows = [t.shape[0] for t in (predictions, targets) if t.shape is not None and t.shape[0] is not None]
    if len(set(rows)) > 1:
        raise ShapeError(f"predictions {shape_text(predictions.shape)} and targets {shape_text(targets.shape)} must have the same rows")
    return TensorType(DType.bool, (rows[0] if rows else None,))


def _in_top_k(ctx, predictions, targets, k):
    """TensorFlow's kernel: fewer than k classes predicted above the target, false for a target out
    of range or a row with a non-finite prediction."""
    rows, classes = predictions.shape
    _in_top_k_type(ctx, predictions.type, targets.type, k.type)
    chosen = tnp.equal(const(np.arange(classes)[None, :], targets.dtype), tnp.reshape(targets, (rows, 1)))
    target_value = tnp.sum(tnp.where(chosen, predictions, tnp.zeros_like(predictions)), 1)
    above = _count_true(tnp.greater(predictions, tnp.reshape(target_value, (rows, 1))), 1, targets.dtype)
    valid = tnp.logical_and(tnp.greater_equal(targets, 0), tnp.less(targets, tnp.astype(classes, targets.dtype)))
    finite = tnp.all(tnp.isfinite(predictions), 1)
    return tnp.logical_and(tnp.logical_and(valid, finite), tnp.less(above, k))


tf_op("InTopKV2", _in_top_k_type, _in_top_k, outputs=(("precision", 1),))


# ---- Bincount, DenseBincount ----------------------------------------------------------------------
def _size(value) -> int:
    size = scalar_int(value, "size")
    if size < 0:
        raise ShapeError(f"size must be non-negative, got {size}")
    return size


def _check_values(ctx) -> None:
    value = ctx.constant(0)
    if value is not None and np.any(value < 0):
        raise ShapeError(f"input {ints(value)} must be non-negative (TensorFlow's bins start at 0)")


def _weighted(arr, weights):
    """Whether ``weights`` count: an empty weights tensor means every value counts 1."""
    if weights.shape is not None and None not in weights.shape and int(np.prod(weights.shape)) == 0:
        return False
    if arr.shape is not None and weights.shape is not None and (
            len(arr.shape) != len(weights.shape) or any(None not in (a, w) and a != w for a, w in zip(arr.shape, weights.shape))):
        raise ShapeError(f"weights {shape_text(weights.shape)} must be empty or have the input's shape {shape_text(arr.shape)}")
    return True


def _scatter_counts(bins, indices, updates, index_rank: int):
    """``bins`` with ``updates`` added at the index vectors (the last dimension of ``indices``);
    vectors outside ``bins`` are skipped."""
    attrs = {"update_window_dims": (), "inserted_window_dims": tuple(range(index_rank)),
             "scatter_dims_to_operand_dims": tuple(range(index_rank)), "index_vector_dim": indices.ndim - 1, "kind": "add"}
    return tnp.emit("tfc.scatter", [bins, indices, updates], attrs)


def _bincount_type(ctx, arr, size, weights):
    value = ctx.constant(1)
    _weighted(arr, weights)
    return TensorType(weights.dtype, (None if value is None else _size(value),))


def _bincount(ctx, arr, size, weights):
    size = _size(static(ctx, 1, "size"))
    _check_values(ctx)
    n = int(np.prod(arr.shape))
    counts = tnp.reshape(weights, (n,)) if _weighted(arr.type, weights.type) else tnp.broadcast_to(const(1, weights.dtype), (n,))
    bins = tnp.broadcast_to(const(0, weights.dtype), (size,))
    return _scatter_counts(bins, tnp.reshape(arr, (n, 1)), counts, 1)


tf_op("Bincount", _bincount_type, _bincount, outputs=(("bins", 1),))


def _dense_bincount_type(ctx, x, size, weights):
    if x.shape is not None and len(x.shape) not in (1, 2):
        raise ShapeError(f"input must have rank 1 or 2, got shape {shape_text(x.shape)}")
    _weighted(x, weights)
    value = ctx.constant(1)
    bins = None if value is None else _size(value)
    return TensorType(weights.dtype, None if x.shape is None else x.shape[:-1] + (bins,))


def _dense_bincount(ctx, x, size, weights):
    """Counts (or weight sums) per row of a matrix input; with ``binary_output``, 1 where any value
    falls (weights ignored)."""
    size = _size(static(ctx, 1, "size"))
    _check_values(ctx)
    dtype, binary = weights.dtype, ctx.attrs.get("binary_output", False)
    weighted = _weighted(x.type, weights.type) and not binary
    counts = weights if weighted else tnp.broadcast_to(const(1, dtype), x.shape)
    bins = tnp.broadcast_to(const(0, dtype), x.shape[:-1] + (size,))
    if x.ndim == 1:
        out = _scatter_counts(bins, tnp.reshape(x, x.shape + (1,)), counts, 1)
    else:
        rows = tnp.broadcast_to(const(np.arange(x.shape[0])[:, None], x.dtype), x.shape)
        out = _scatter_counts(bins, tnp.stack([rows, x], axis=-1), counts, 2)
    if binary:
        return tnp.where(tnp.greater(out, const(0, dtype)), tnp.broadcast_to(const(1, dtype), out.shape), tnp.zeros_like(out))
    return out


tf_op("DenseBincount", _dense_bincount_type, _dense_bincount)


# ---- HistogramFixedWidth --------------------------------------------------------------------------
def _histogram_type(ctx, values, value_range, nbins):
    count = ctx.constant(2)
    if count is not None and int(count) <= 0:
        raise ShapeError(f"nbins should be a positive number, but got '{int(count)}'")
    return TensorType(attr_dtype(ctx, "dtype") if "dtype" in ctx.attrs else DType.i32, (None if count is None else int(count),))


def _histogram(ctx, values, value_range, nbins):
    """How many values fall in each of ``nbins`` equal bins over ``value_range``, those below in the
    first and those above in the last: TensorFlow's kernel's index, (v - low) / step clamped to
    [0, nbins - 1] in doubles, then truncated; one scatter-add of ones."""
    count = int(static(ctx, 2, "nbins"))
    dtype = attr_dtype(ctx, "dtype") if "dtype" in ctx.attrs else DType.i32
    flat = tnp.astype(tnp.reshape(values, (-1,)), DType.f64)
    bounds = tnp.astype(value_range, DType.f64)
    low, high = bounds[0], bounds[1]
    step = tnp.divide(tnp.subtract(high, low), const(float(count), DType.f64))
    index = tnp.clip(tnp.divide(tnp.subtract(flat, low), step), 0.0, float(count - 1))
    bins = tnp.broadcast_to(const(0, dtype), (count,))
    ones = tnp.broadcast_to(const(1, dtype), flat.shape)
    return _scatter_counts(bins, tnp.reshape(tnp.astype(index, DType.i32), flat.shape + (1,)), ones, 1)


tf_op("HistogramFixedWidth", _histogram_type, _histogram)
