"""TensorFlow's running products and log-sum-exps: Cumprod and CumulativeLogsumexp, with their
``exclusive`` and ``reverse`` attributes (Cumsum, a core op, is in :mod:`.math`).

Both are a parallel prefix scan (Hillis and Steele) of an associative combiner along the axis:
ceil(log2 n) steps, each combining every element with the one 1, 2, 4... positions before it. No
division (a product through a zero stays exact, gradients included), and integer products wrap as
TensorFlow's do. The log-sum-exp combiner max(a, b) + log1p(exp(-|a - b|)) never overflows and keeps
-inf (an empty sum) as its identity.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError

from ..dialect import tf_op
from .array import slice_along
from .math import constant_axes, full_like


def _shift(x, axis: int, by: int, identity):
    """``x`` moved ``by`` places along ``axis``, the identity filling the first places."""
    n = x.shape[axis]
    widths = [(by, 0) if d == axis else (0, 0) for d in range(x.ndim)]
    return tnp.pad(slice_along(x, axis, 0, n - by), widths, identity)


def _reverse(x, axis: int):
    return tnp.emit("tfc.reverse", [x], {"dimensions": (axis,)})


def scan(x, axis: int, combine, identity, exclusive: bool, reverse: bool):
    """The running ``combine`` of ``x`` along ``axis`` (inclusive unless ``exclusive``)."""
    n = x.shape[axis]
    if n == 0:
        return x
    if reverse:
        x = _reverse(x, axis)
    if exclusive:
        x = _shift(x, axis, 1, identity)
    step = 1
    while step < n:
        x = combine(x, _shift(x, axis, step, identity))
        step *= 2
    return _reverse(x, axis) if reverse else x


def _log_add_exp(a, b):
    """log(e^a + e^b), exact for equal operands (-inf and inf included)."""
    gap = tnp.where(tnp.equal(a, b), full_like(a, 0), tnp.negative(tnp.abs(tnp.subtract(a, b))))
    return tnp.add(tnp.maximum(a, b), tnp.log1p(tnp.exp(gap)))


def _cumulative_type(ctx, x, axis_type):
    if x.rank == 0:
        raise ShapeError(f"the operand must have rank >= 1, got {x}")
    axis = ctx.constant(1)
    if axis is not None and x.shape is not None:
        constant_axes(axis, x.rank, "axis")
    return x


def _cumulative(combine, identity):
    def decompose(ctx, x, axis):
        (d,) = constant_axes(ctx.require_constant(1, "axis"), x.ndim, "axis")
        exclusive, reverse = bool(ctx.attrs.get("exclusive", False)), bool(ctx.attrs.get("reverse", False))
        return scan(x, d, combine, identity, exclusive, reverse)

    return decompose


tf_op("Cumprod", _cumulative_type, _cumulative(tnp.multiply, 1), outputs=(("out", 1),))
tf_op("CumulativeLogsumexp", _cumulative_type, _cumulative(_log_add_exp, -np.inf), outputs=(("out", 1),))
