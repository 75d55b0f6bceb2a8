"""TensorFlow's zero-safe binary ops: Xdivy (x / y), Xlogy (x log y), Xlog1py (x log1p y) are zero
where x is zero, and MulNoNan (x * y) is zero where y is zero — whatever the other operand holds
(inf, nan, or a zero divisor).

The other operand is replaced by a harmless value where the result is fixed (1 for a divisor or a
log, 0 for log1p, 0 for an infinite factor), so no inf or nan is computed there and none reaches
gradients; the gradients are TensorFlow's (0 for x where x is 0 in Xlogy, x for y in MulNoNan).
"""

from __future__ import annotations

from tfc.frontend import api as tnp

from ..dialect import tf_op
from .complex_parts import imag_part, real_part
from .math import binary_type, broadcast_pair, emit, full_like


def _x_times(fn, harmless: float):
    """0 where ``x`` is zero (its gradients too, as TensorFlow's), else ``fn(x, y)`` evaluated on
    ``y`` made harmless there."""

    def decompose(ctx, x, y):
        x, y = broadcast_pair(x, y)
        zero = tnp.equal(x, full_like(x, 0))
        safe_y = tnp.where(zero, full_like(y, harmless), y)
        return tnp.where(zero, full_like(x, 0), fn(x, safe_y))

    return decompose


def _finite(x):
    if x.dtype.is_complex:
        return tnp.logical_and(emit("is_finite", real_part(x)), emit("is_finite", imag_part(x)))
    return emit("is_finite", x)


def _mul_no_nan(ctx, x, y):
    """x * y with an infinite or nan x made 0 where y is 0. A finite x stays, so the gradient with
    respect to y is x there, as TensorFlow's (mul_no_nan(x, dy)) is."""
    x, y = broadcast_pair(x, y)
    unsafe = tnp.logical_and(tnp.equal(y, full_like(y, 0)), tnp.logical_not(_finite(x)))
    return tnp.multiply(tnp.where(unsafe, full_like(x, 0), x), y)


tf_op("Xdivy", binary_type, _x_times(lambda x, y: emit("divide", x, y), 1.0), outputs=(("z", 1),))
tf_op("Xlogy", binary_type, _x_times(lambda x, y: tnp.multiply(x, emit("log", y)), 1.0), outputs=(("z", 1),))
tf_op("Xlog1py", binary_type, _x_times(lambda x, y: tnp.multiply(x, emit("log1p", y)), 0.0), outputs=(("z", 1),))
tf_op("MulNoNan", binary_type, _mul_no_nan, outputs=(("z", 1),))
