"""TensorFlow's Bucketize: the index of each value's bucket among sorted boundaries, the number of
boundaries at or below it (``std::upper_bound``, as TensorFlow's kernel; nan is past them all)."""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType

from ..dialect import tf_op


def _boundaries(ctx) -> np.ndarray:
    """The ``boundaries`` attribute as float32 (TensorFlow keeps them so), sorted or a ShapeError."""
    boundaries = np.asarray(ctx.attrs.get("boundaries", []), np.float32)
    if np.any(boundaries[1:] < boundaries[:-1]):
        raise ShapeError(f"Bucketize's boundaries must be sorted, got {boundaries.tolist()}")
    return boundaries


def _bucketize_type(ctx, x):
    _boundaries(ctx)
    return x.with_dtype(DType.i32)


def _bucketize(ctx, x):
    """sum over boundaries of not (x < b) — upper_bound's test, which puts nan past every boundary —
    compared as C++ does: integers converted to float, f64 to f64."""
    boundaries = _boundaries(ctx)
    compared = x if x.dtype.is_float else tnp.astype(x, DType.f32)
    if boundaries.size == 0:
        return tnp.astype(tnp.zeros_like(x), DType.i32)
    edges = tnp.to_tensor(boundaries.astype(compared.dtype.numpy))
    below = tnp.less(tnp.expand_dims(compared, -1), tnp.broadcast_to(edges, compared.shape + (boundaries.size,)))
    return tnp.sum(tnp.astype(tnp.logical_not(below), DType.i32), -1)


tf_op("Bucketize", _bucketize_type, _bucketize)
