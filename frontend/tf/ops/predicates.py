"""TensorFlow's ops that answer a yes-or-no question about values: ApproximateEqual (|x - y| below a
tolerance, elementwise) and ToBool (a tensor's truth value: a scalar's own, else whether it has
elements — the predicate of a TF1 ``cond`` on a non-boolean tensor)."""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .complex import magnitude
from .math import fits, full_like, same_dtype


def _approximate_equal_type(ctx, x, y):
    same_dtype(ctx, x, y)
    if not fits(x.shape, y.shape):
        raise ShapeError(f"ApproximateEqual's operands must have one shape (no broadcasting), got {x} and {y}")
    return x.with_dtype(DType.bool)


def _approximate_equal(ctx, x, y):
    """|x - y| < tolerance, the tolerance in the operands' dtype (TensorFlow's kernel)."""
    difference = tnp.subtract(x, y)
    distance = magnitude(difference) if difference.dtype.is_complex else tnp.abs(difference)
    return tnp.less(distance, full_like(distance, float(ctx.attrs.get("tolerance", 1e-5))))


def _to_bool(ctx, x):
    if x.ndim != 0:
        return tnp.astype(np.array(x.size > 0), DType.bool)
    if x.dtype is DType.bool:
        return x
    return tnp.not_equal(x, full_like(x, 0))


tf_op("ApproximateEqual", _approximate_equal_type, _approximate_equal, outputs=(("z", 1),))
tf_op("ToBool", lambda ctx, x: TensorType(DType.bool, ()), _to_bool)
