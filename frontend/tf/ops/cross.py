"""TensorFlow's Cross: the cross product of 3-vectors along the last axis, of two tensors of one
shape (TensorFlow does not broadcast them)."""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.ops.rules import merge_shapes
from tfc.registry import ShapeError

from ..dialect import tf_op
from .math import same_dtype


def _cross_type(ctx, a, b):
    same_dtype(ctx, a, b)
    shape = merge_shapes(a.shape, b.shape)
    if shape is not None and (not shape or shape[-1] not in (None, 3)):
        raise ShapeError(f"Cross needs a last dimension of 3 (3-vectors), got {a} and {b}")
    return a.with_shape(shape)


def _cross(ctx, a, b):
    """(a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)."""
    a0, a1, a2 = (a[..., i] for i in range(3))
    b0, b1, b2 = (b[..., i] for i in range(3))
    parts = [(a1, b2, a2, b1), (a2, b0, a0, b2), (a0, b1, a1, b0)]
    return tnp.stack([tnp.subtract(tnp.multiply(p, q), tnp.multiply(r, s)) for p, q, r, s in parts], -1)


tf_op("Cross", _cross_type, _cross, outputs=(("product", 1),))
