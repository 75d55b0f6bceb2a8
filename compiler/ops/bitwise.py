"""Bit-level core ops: shifts, population count and bitcast_convert.

Shifts follow StableHLO: the amount is read as an unsigned number, and an amount of at least the
bit width shifts everything out (0, or the sign for an arithmetic right shift). ``bitcast_convert``
reinterprets the bytes, little-endian as XLA's CPU and GPU backends lay them out: to a narrower type
a last dimension of the size ratio appears, to a wider one the last dimension (the ratio) goes.
"""

from __future__ import annotations

import numpy as np

from ..registry import OpDef, ShapeError, register
from ..types import DType
from . import rules
from .pointwise import define, hlo, no_gradient

INT = ("integer", lambda d: d.is_int)
SIGNED_INT = ("signed integer", lambda d: d.is_signed_int)


def _unsigned(x: np.ndarray) -> np.ndarray:
    """The same bits as an unsigned array (numpy shifts then never sign-extend or overflow)."""
    return x.view(np.dtype(f"u{x.dtype.itemsize}"))


def _amounts(x: np.ndarray, amount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(amount as unsigned, clamped into range; whether it was in range)."""
    amount = _unsigned(np.asarray(amount, x.dtype))
    inside = amount < x.dtype.itemsize * 8
    return np.where(inside, amount, 0).astype(amount.dtype), inside


def _shift_left(x, amount):
    amount, inside = _amounts(x, amount)
    shifted = np.left_shift(_unsigned(x), amount).view(x.dtype)
    return np.where(inside, shifted, np.zeros_like(x))


def _shift_right_logical(x, amount):
    amount, inside = _amounts(x, amount)
    shifted = np.right_shift(_unsigned(x), amount).view(x.dtype)
    return np.where(inside, shifted, np.zeros_like(x))


def _shift_right_arithmetic(x, amount):
    amount, inside = _amounts(x, amount)
    sign = np.where(x < 0, np.array(-1, x.dtype), np.array(0, x.dtype))
    return np.where(inside, np.right_shift(x, amount.astype(x.dtype)), sign)


def _popcnt(x):
    return np.bitwise_count(_unsigned(x)).astype(x.dtype)  # numpy counts a signed value's magnitude


SHIFT_LEFT = define("shift_left", "lhs shifted left by rhs bits (0 when rhs is at least the width).", ("lhs", "rhs"), INT,
                    _shift_left, hlo("ShiftLeftOp"), no_gradient)
SHIFT_RIGHT_LOGICAL = define("shift_right_logical", "lhs shifted right by rhs bits, filling with zeros.", ("lhs", "rhs"), INT,
                             _shift_right_logical, hlo("ShiftRightLogicalOp"), no_gradient)
SHIFT_RIGHT_ARITHMETIC = define("shift_right_arithmetic", "lhs shifted right by rhs bits, filling with the sign bit.",
                                ("lhs", "rhs"), SIGNED_INT, _shift_right_arithmetic, hlo("ShiftRightArithmeticOp"), no_gradient)
POPCNT = define("popcnt", "The number of bits set in each element.", ("operand",), INT, _popcnt, hlo("PopulationCountOp"),
                no_gradient)


# ---- bitcast_convert -----------------------------------------------------------------------------
def bitcast_shape(shape, source_bits: int, target_bits: int):
    """The shape a bitcast from elements of ``source_bits`` to ``target_bits`` gives an operand of
    ``shape`` (None: unknown rank): TensorFlow's and XLA's rule alike. ShapeError if it cannot."""
    if shape is None or source_bits == target_bits:
        return shape
    if source_bits > target_bits:
        return tuple(shape) + (source_bits // target_bits,)
    ratio = target_bits // source_bits
    if not shape or shape[-1] not in (None, ratio):
        raise ShapeError(f"a bitcast from {source_bits}-bit to {target_bits}-bit elements needs a last dimension of {ratio}, "
                         f"got shape {rules.shape_text(shape)}")
    return tuple(shape[:-1])


def _infer_bitcast(ctx, x):
    x = rules.tensor_operand(x)
    out = rules.declared(ctx)
    for dtype in (x.dtype, out.dtype):
        if dtype is DType.bool or dtype.is_complex:
            raise ShapeError(f"cannot bitcast {dtype.value}: XLA bitcasts integers and real floats only "
                             "(bitcast a complex number's parts)")
    rules.merge_shapes(bitcast_shape(x.shape, x.dtype.bits, out.dtype.bits), out.shape)
    return out


def _bitcast(ctx, x):
    target = ctx.result_type.dtype
    shape = bitcast_shape(x.shape, x.dtype.itemsize * 8, target.bits)
    flat = np.ascontiguousarray(x, x.dtype.newbyteorder("<")).reshape(-1)  # 0-d arrays cannot change itemsize
    return flat.view(target.numpy.newbyteorder("<")).astype(target.numpy).reshape(shape)


BITCAST_CONVERT = register(
    OpDef(
        "tfc.bitcast_convert",
        "Reinterprets the operand's bytes as the result's element type (the shape follows the size ratio).",
        operands=("operand",),
        traits=rules.PURE,  # not elementwise: the shape may change
        infer=_infer_bitcast,
        reference=_bitcast,
        lower=lambda ctx, x: ctx.hlo.BitcastConvertOp(ctx.result_type, x).result,
        grad=no_gradient,
    )
)
