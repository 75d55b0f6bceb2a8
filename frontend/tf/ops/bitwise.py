"""TensorFlow's bit ops: BitwiseAnd/Or/Xor, Invert, LeftShift, RightShift, PopulationCount, Bitcast,
and NextAfter (one step of a float's bit pattern).

Shifts follow TensorFlow's kernels, not XLA's: an amount below zero or at least the bit width is
first clamped into [0, width - 1] (``int8(5) << 100`` is ``5 << 7``, -128), and a right shift is
arithmetic for signed types. Bitcast reinterprets bytes as TensorFlow defines it: to a narrower type
a last dimension of the size ratio appears, to a wider one the last dimension must be the ratio and
goes; complex numbers are bitcast as their (real, imaginary) parts, which XLA lays out the same way.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.ops.bitwise import bitcast_shape
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, same_as_first, tf_op
from .complex_parts import imag_part, real_part
from .math import binary_type, broadcast_pair, emit, full_like

_PART = {DType.c64: DType.f32, DType.c128: DType.f64}
_BITS_OF = {DType.f32: DType.i32, DType.f64: DType.i64}


def _core_binary(name: str):
    return lambda ctx, x, y: emit(name, *broadcast_pair(x, y))


# ---- shifts --------------------------------------------------------------------------------------
def _clamped_amount(y):
    """TensorFlow's kernels clamp the amount into [0, bits - 1] (C++ would be undefined beyond)."""
    top = full_like(y, y.dtype.bits - 1)
    return tnp.minimum(tnp.maximum(y, full_like(y, 0)), top)


def _left_shift(ctx, x, y):
    x, y = broadcast_pair(x, y)
    return emit("shift_left", x, _clamped_amount(y))


def _right_shift(ctx, x, y):
    x, y = broadcast_pair(x, y)
    return emit("shift_right_arithmetic" if x.dtype.is_signed_int else "shift_right_logical", x, _clamped_amount(y))


def _population_count(ctx, x):
    return tnp.astype(emit("popcnt", x), DType.u8)


# ---- Bitcast -------------------------------------------------------------------------------------
def _bitcast_type(ctx, x):
    target = attr_dtype(ctx, "type")
    return TensorType(target, bitcast_shape(x.shape, x.dtype.bits, target.bits))


def _bitcast_core(x, target: DType):
    return tnp.emit("tfc.bitcast_convert", [x], result_types=[TensorType(target, bitcast_shape(x.shape, x.dtype.bits, target.bits))])


def _bitcast(ctx, x):
    """Complex operands and results go through their parts: [..., 2] of the part type."""
    target = ctx.result_type.dtype
    if x.dtype.is_complex:
        x = tnp.stack([real_part(x), imag_part(x)], -1)
    if target.is_complex:
        part = _PART[target]
        parts = x if x.dtype == part else _bitcast_core(x, part)
        return emit("complex", parts[..., 0], parts[..., 1])
    return x if x.dtype == target else _bitcast_core(x, target)


# ---- NextAfter -----------------------------------------------------------------------------------
def _next_after(ctx, x, y):
    """The float after x in the direction of y: one more (away from zero) or one less (toward it) in
    x's bit pattern read as a sign-magnitude integer; from zero, the smallest subnormal with y's sign;
    y itself when they are equal; nan when either is."""
    x, y = broadcast_pair(x, y)
    int_type = _BITS_OF[x.dtype]
    bits = _bitcast_core(x, int_type)
    all_but_sign = tnp.broadcast_to(tnp.to_tensor(np.asarray(np.iinfo(int_type.numpy).max, int_type.numpy)), bits.shape)
    magnitude_bits = tnp.emit("tfc.and", [bits, all_but_sign])
    is_zero = tnp.equal(magnitude_bits, full_like(bits, 0))
    away = tnp.equal(tnp.greater(y, x), tnp.greater_equal(bits, full_like(bits, 0)))
    stepped = tnp.add(bits, tnp.where(away, full_like(bits, 1), full_like(bits, -1)))
    tiny = _bitcast_core(full_like(bits, 1), x.dtype)
    from_zero = tnp.where(tnp.less(y, full_like(y, 0)), tnp.negative(tiny), tiny)
    result = tnp.where(is_zero, from_zero, _bitcast_core(stepped, x.dtype))
    result = tnp.where(tnp.equal(x, y), y, result)
    either_nan = tnp.logical_or(tnp.not_equal(x, x), tnp.not_equal(y, y))
    return tnp.where(either_nan, full_like(x, np.nan), result)


for _name, _core_name in [("BitwiseAnd", "and"), ("BitwiseOr", "or"), ("BitwiseXor", "xor")]:
    tf_op(_name, binary_type, _core_binary(_core_name), outputs=(("z", 1),))
tf_op("Invert", same_as_first, lambda ctx, x: emit("not", x), outputs=(("y", 1),))
tf_op("LeftShift", binary_type, _left_shift, outputs=(("z", 1),))
tf_op("RightShift", binary_type, _right_shift, outputs=(("z", 1),))
tf_op("PopulationCount", lambda ctx, x: x.with_dtype(DType.u8), _population_count, outputs=(("y", 1),))
tf_op("Bitcast", _bitcast_type, _bitcast)
tf_op("NextAfter", binary_type, _next_after)
