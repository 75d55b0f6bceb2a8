"""TensorFlow's zero-safe binary ops: Xdivy (x / y), Xlogy (x log y), Xlog1py (x log1p y) are x itself
where x is zero, and MulNoNan (x * y) is zero where y is zero — whatever the other operand holds
(inf, nan, or a zero divisor).

The other operand is replaced by a harmless value where the result is fixed (1 for a divisor or a
log, 0 for log1p or a factor), so no inf or nan is computed there and none reaches gradients.
"""

from __future__ import annotations

from tfc.frontend import api as tnp

from ..dialect import tf_op
from .math import binary_type, emit, full_like


def _broadcast_pair(x, y):
    shape = tnp.broadcast_shapes(x.shape, y.shape)
    return tnp.broadcast_to(x, shape), tnp.broadcast_to(y, shape)


def _x_times(fn, harmless: float):
    """``x`` where it is zero, else ``fn(x, y)`` evaluated on ``y`` made harmless there."""

    def decompose(ctx, x, y):
        x, y = _broadcast_pair(x, y)
        zero = tnp.equal(x, full_like(x, 0))
        safe_y = tnp.where(zero, full_like(y, harmless), y)
        return tnp.where(zero, x, fn(x, safe_y))

    return decompose


def _mul_no_nan(ctx, x, y):
    x, y = _broadcast_pair(x, y)
    zero = tnp.equal(y, full_like(y, 0))
    safe_x = tnp.where(zero, full_like(x, 0), x)
    return tnp.where(zero, full_like(x, 0), tnp.multiply(safe_x, y))


tf_op("Xdivy", binary_type, _x_times(lambda x, y: emit("divide", x, y), 1.0), outputs=(("z", 1),))
tf_op("Xlogy", binary_type, _x_times(lambda x, y: tnp.multiply(x, emit("log", y)), 1.0), outputs=(("z", 1),))
tf_op("Xlog1py", binary_type, _x_times(lambda x, y: tnp.multiply(x, emit("log1p", y)), 0.0), outputs=(("z", 1),))
tf_op("MulNoNan", binary_type, _mul_no_nan, outputs=(("z", 1),))
