"""TensorFlow's quantization simulation: FakeQuantWithMinMaxArgs, FakeQuantWithMinMaxVars,
FakeQuantWithMinMaxVarsPerChannel and their *Gradient ops (a range nudged so that zero is exactly
representable), and QuantizeAndDequantizeV2, V3, V4 (a range scaled so that zero stays zero).

Each follows TensorFlow's CPU kernel operation by operation in the input's precision, since a
rounding boundary moves with the last bit (and keeps XLA:CPU from fusing a multiplication into the
addition after it, or from dividing through a rounded reciprocal, which would move it too):
FakeQuantWithMinMaxArgs and PerChannel compute
``floor((clamped - nudged_min) * inv_scale - zero_point + 0.5) * scale``, FakeQuantWithMinMaxVars
divides by ``scale`` instead (its kernel does), and QuantizeAndDequantize computes
``round(clamped * scale) * inverse_scale``.

Gradients: TensorFlow differentiates FakeQuant with its *Gradient op (the cotangent passes where
the input is inside the nudged range, and goes to ``min``/``max`` where it is below/above), and
QuantizeAndDequantizeV2/V3 straight through. The decompositions say so with ``stop_gradient``: the
value is the kernel's, and a term ``t - stop_gradient(t)`` (exactly zero) carries the gradient.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.autodiff import stop_gradient
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import shape_text, static

F32 = np.float32


# ---- the nudged range -----------------------------------------------------------------------------
def _quant_range(ctx) -> tuple[int, int]:
    """(quant_min, quant_max): [0 or 1, 2^num_bits - 1]."""
    bits = ctx.attrs.get("num_bits", 8)
    if not 2 <= bits <= 16:
        raise ShapeError(f"num_bits must be between 2 and 16, got {bits}")
    return (1 if ctx.attrs.get("narrow_range", False) else 0), (1 << bits) - 1


def _product(a, b):
    """a * b rounded on its own. XLA:CPU fuses a multiplication and the addition that uses it
    into one multiply-add (rounded once), which TensorFlow's kernels do not do: the select, which
    changes nothing (a NaN stays NaN), keeps the two apart."""
    product = tnp.multiply(a, b)
    return tnp.where(tnp.equal(product, product), product, np.asarray(np.nan, product.dtype.numpy))


def _quotient(a, b):
    """a / b correctly rounded to f32: computed in f64 and rounded once (as exact as f32 division),
    since XLA turns a division by a constant into a multiplication by its rounded reciprocal."""
    a, b = (tnp.astype(v, DType.f64) for v in (a, b))
    return tnp.astype(tnp.divide(a, b), DType.f32)


def _round_half_away(x):
    """std::round for the non-negative zero points: floor, plus one from a fraction of one half."""
    whole = tnp.floor(x)
    return tnp.where(tnp.greater_equal(tnp.subtract(x, whole), F32(0.5)), tnp.add(whole, F32(1)), whole)


class Nudged:
    """TensorFlow's Nudge: the range [min, max] moved so that zero falls on a quantization step."""

    def __init__(self, low, high, quant_min: int, quant_max: int):
        q_low, q_high = F32(quant_min), F32(quant_max)
        self.scale = _quotient(tnp.subtract(high, low), q_high - q_low)
        self.inverse_scale = _quotient(q_high - q_low, tnp.subtract(high, low))
        zero_point = tnp.subtract(q_low, _quotient(low, self.scale))
        nudged_zero = tnp.where(tnp.less(zero_point, q_low), q_low,
                                tnp.where(tnp.greater(zero_point, q_high), q_high, _round_half_away(zero_point)))
        self.low = _product(tnp.subtract(q_low, nudged_zero), self.scale)
        self.high = _product(tnp.subtract(q_high, nudged_zero), self.scale)


def _fake_quant_value(x, n: Nudged, divide: bool):
    """The kernel's result (its clamp is min then max, which differs from a clamp when min > max)."""
    zero = tnp.floor(tnp.add(_product(tnp.negative(n.low), n.inverse_scale), F32(0.5)))
    shifted = tnp.subtract(tnp.maximum(tnp.minimum(x, n.high), n.low), n.low)
    steps = _quotient(shifted, n.scale) if divide else _product(shifted, n.inverse_scale)
    return tnp.multiply(tnp.floor(tnp.add(tnp.subtract(steps, zero), F32(0.5))), n.scale)


def _through(value, like):
    """``value`` whose gradient is ``like``'s: value + (like - stop_gradient(like)), the term zero."""
    return tnp.add(stop_gradient(value), tnp.subtract(like, stop_gradient(like)))


def _gradient_path(x, n: Nudged, low, high):
    """clamp(x) to the nudged range, whose gradient is FakeQuant's: x's inside it (bounds
    included), ``low``'s below and ``high``'s above. Per-channel bounds are spread over ``x``'s
    shape (tfc.clamp takes bounds of its operand's shape or scalars)."""
    bounds = [_through(n.low, low), _through(n.high, high)]
    if low.ndim:
        bounds = [tnp.broadcast_to(b, x.shape) for b in bounds]
    return tnp.emit("tfc.clamp", [bounds[0], x, bounds[1]])


def _both_zero(low, high):
    return tnp.logical_and(tnp.equal(low, F32(0)), tnp.equal(high, F32(0)))


def _fake_quant(x, low, high, ctx, divide: bool, zero_range_possible: bool):
    """FakeQuant of ``x`` over the range ``low``..``high`` (scalars, or per-channel vectors); a range
    of exactly [0, 0] gives zeros and passes gradients to ``x`` untouched."""
    n = Nudged(low, high, *_quant_range(ctx))
    value, path = _fake_quant_value(x, n, divide), _gradient_path(x, n, low, high)
    if zero_range_possible:
        empty = _both_zero(low, high)
        value = tnp.where(empty, F32(0), value)
        big = F32(np.finfo(F32).max)
        path = tnp.where(empty, tnp.emit("tfc.clamp", [tnp.to_tensor(-big), x, tnp.to_tensor(big)]), path)
    return _through(value, path)


# ---- FakeQuant ops ---------------------------------------------------------------------------------
def _args_range(ctx) -> tuple[float, float]:
    low, high = ctx.attrs.get("min", -6.0), ctx.attrs.get("max", 6.0)
    if not low < high:
        raise ShapeError(f"min must be smaller than max, got min = {low} and max = {high}")
    return low, high


def _require_scalar_range(low: TensorType, high: TensorType) -> None:
    for what, t in (("min", low), ("max", high)):
        if t.shape is not None and t.rank != 0:
            raise ShapeError(f"{what} must be a scalar, got shape {shape_text(t.shape)}")


def _require_channel_range(x: TensorType, low: TensorType, high: TensorType) -> None:
    """Per-channel min and max: vectors as long as the input's last dimension."""
    if x.shape is not None and x.rank == 0:
        raise ShapeError("inputs must have rank >= 1 (its last dimension holds the channels), got a scalar")
    channels = None if x.shape is None else x.shape[-1]
    for what, t in (("min", low), ("max", high)):
        if t.shape is None:
            continue
        if t.rank != 1 or None not in (channels, t.shape[0]) and t.shape[0] != channels:
            raise ShapeError(f"{what} must have shape [{'?' if channels is None else channels}] (one per channel of "
                             f"inputs {shape_text(x.shape)}), got {shape_text(t.shape)}")


def _args_type(ctx, x):
    _quant_range(ctx)
    _args_range(ctx)
    return x


def _fake_quant_args(ctx, x):
    low, high = (tnp.to_tensor(F32(v)) for v in _args_range(ctx))
    return _fake_quant(x, low, high, ctx, divide=False, zero_range_possible=False)


def _vars_type(ctx, x, low, high):
    _quant_range(ctx)
    _require_scalar_range(low, high)
    return x


def _fake_quant_vars(ctx, x, low, high):
    return _fake_quant(x, low, high, ctx, divide=True, zero_range_possible=True)


def _per_channel_type(ctx, x, low, high):
    _quant_range(ctx)
    _require_channel_range(x, low, high)
    return x


def _fake_quant_per_channel(ctx, x, low, high):
    return _fake_quant(x, low, high, ctx, divide=False, zero_range_possible=True)


tf_op("FakeQuantWithMinMaxArgs", _args_type, _fake_quant_args, outputs=(("outputs", 1),))
tf_op("FakeQuantWithMinMaxVars", _vars_type, _fake_quant_vars, outputs=(("outputs", 1),))
tf_op("FakeQuantWithMinMaxVarsPerChannel", _per_channel_type, _fake_quant_per_channel, outputs=(("outputs", 1),))


# ---- their gradient ops ----------------------------------------------------------------------------
def _indicator(condition):
    return tnp.astype(condition, DType.f32)


def _sum_outer(x, kept: int):
    """``x`` summed over all but its last ``kept`` dimensions."""
    return tnp.sum(x, axis=tuple(range(x.ndim - kept))) if x.ndim > kept else x


def _backprops(ctx, g, x, low, high):
    """The cotangents of inputs, min and max (min's and max's summed per channel when they are vectors)."""
    n = Nudged(low, high, *_quant_range(ctx))
    inside = tnp.logical_and(tnp.greater_equal(x, n.low), tnp.less_equal(x, n.high))
    g_low = _sum_outer(tnp.multiply(g, _indicator(tnp.less(x, n.low))), low.ndim)
    g_high = _sum_outer(tnp.multiply(g, _indicator(tnp.greater(x, n.high))), low.ndim)
    g_x = tnp.multiply(g, _indicator(inside))
    empty = _both_zero(low, high)
    return [tnp.where(empty, g, g_x), tnp.where(empty, F32(0), g_low), tnp.where(empty, F32(0), g_high)]


def _same_shapes(g: TensorType, x: TensorType) -> None:
    if None not in (g.shape, x.shape) and g.shape != x.shape:
        raise ShapeError(f"gradients {shape_text(g.shape)} and inputs {shape_text(x.shape)} must have the same shape")


def _args_gradient_type(ctx, g, x):
    _same_shapes(g, x)
    return _args_type(ctx, x)


def _fake_quant_args_gradient(ctx, g, x):
    low, high = _args_range(ctx)
    n = Nudged(tnp.to_tensor(F32(low)), tnp.to_tensor(F32(high)), *_quant_range(ctx))
    return tnp.multiply(g, _indicator(tnp.logical_and(tnp.greater_equal(x, n.low), tnp.less_equal(x, n.high))))


def _vars_gradient_type(ctx, g, x, low, high):
    _same_shapes(g, x)
    return [_vars_type(ctx, x, low, high), low, high]


def _per_channel_gradient_type(ctx, g, x, low, high):
    _same_shapes(g, x)
    return [_per_channel_type(ctx, x, low, high), low, high]


_GRADIENT_OUTPUTS = (("backprops_wrt_input", 1), ("backprop_wrt_min", 1), ("backprop_wrt_max", 1))
tf_op("FakeQuantWithMinMaxArgsGradient", _args_gradient_type, _fake_quant_args_gradient, outputs=(("backprops", 1),))
tf_op("FakeQuantWithMinMaxVarsGradient", _vars_gradient_type, _backprops, outputs=_GRADIENT_OUTPUTS)
tf_op("FakeQuantWithMinMaxVarsPerChannelGradient", _per_channel_gradient_type, _backprops, outputs=_GRADIENT_OUTPUTS)


# ---- QuantizeAndDequantizeV2, V3, V4 ---------------------------------------------------------------
def _qdq_attrs(ctx, x: TensorType, num_bits: int, range_given_default: bool = False) -> dict:
    """The attributes, checked as TensorFlow's kernel does (V3 has no round_mode: half to even, and
    its range_given defaults to true)."""
    if x.dtype not in (DType.f32, DType.f64):
        raise ShapeError(f"input must be f32 or f64 (TensorFlow's CPU kernels have no other), got {x.dtype.value}")
    signed, axis = bool(ctx.attrs.get("signed_input", True)), ctx.attrs.get("axis", -1)
    if not 0 < num_bits < (62 if signed else 63):
        raise ShapeError(f"num_bits must be in [1, {61 if signed else 62}] with signed_input = {signed}, got {num_bits}")
    if x.shape is not None and not -1 <= axis < max(x.rank, 0):
        raise ShapeError(f"axis must be -1 or a dimension of input {shape_text(x.shape)}, got {axis}")
    return dict(signed=signed, bits=num_bits, range_given=bool(ctx.attrs.get("range_given", range_given_default)),
                round_mode=ctx.attrs.get("round_mode", "HALF_TO_EVEN"), narrow=bool(ctx.attrs.get("narrow_range", False)),
                axis=axis)


def _check_given_range(ctx, attrs: dict, low: TensorType, high: TensorType) -> None:
    """A given range is a pair of scalars (TensorFlow's CPU kernel refuses one per channel) with
    min <= max where both are constants."""
    if not attrs["range_given"]:
        return
    if attrs["axis"] != -1:
        raise ShapeError("range_given with an axis (a range per channel) is not supported: TensorFlow's CPU kernel "
                         "refuses it too")
    _require_scalar_range(low, high)
    values = ctx.constant(1), ctx.constant(2)
    if None not in values and float(values[0]) > float(values[1]):
        raise ShapeError(f"input_min {float(values[0])} must not be above input_max {float(values[1])}")


def _opaque(constant, like):
    """``constant`` spread over ``like``'s shape as a value XLA cannot see is constant (NaN where
    ``like`` is NaN, which leaves quotients by it unchanged): XLA divides by a constant through its
    rounded reciprocal, TensorFlow's kernel really divides."""
    return tnp.where(tnp.not_equal(like, like), np.asarray(1, like.dtype.numpy), np.asarray(constant, like.dtype.numpy))


def _scaled_range(low, high, attrs: dict):
    """TensorFlow's ComputeQuantizationRange: (scale, inverse_scale, low, high), the side of the
    range that limits the scale kept as it is and the other moved onto the quantized grid."""
    bits, signed = attrs["bits"], attrs["signed"]
    quant_min = (-(1 << (bits - 1)) + int(attrs["narrow"])) if signed else 0
    quant_max = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    dtype = low.dtype.numpy
    q_min, q_max, biggest = np.asarray(quant_min, dtype), np.asarray(quant_max, dtype), np.asarray(np.finfo(dtype).max)
    from_min_side = tnp.where(tnp.greater(tnp.multiply(q_min, low), 0), tnp.divide(q_min, low), biggest)
    from_max_side = tnp.where(tnp.greater(tnp.multiply(q_max, high), 0), tnp.divide(q_max, high), biggest)
    by_min = tnp.less(from_min_side, from_max_side)
    inverse = tnp.where(by_min, tnp.divide(low, _opaque(q_min, low)), tnp.divide(high, _opaque(q_max, high)))
    low = tnp.where(by_min, low, tnp.multiply(q_min, inverse))
    high = tnp.where(by_min, tnp.multiply(q_max, inverse), high)
    return tnp.where(by_min, from_min_side, from_max_side), inverse, low, high


def _measured_range(x, axis: int):
    """The input's own minimum and maximum, per channel along ``axis`` (kept as a dimension)."""
    others = tuple(d for d in range(x.ndim) if d != axis)
    keep = axis != -1
    return tnp.min(x, axis=others, keepdims=keep), tnp.max(x, axis=others, keepdims=keep)


def _quantize_dequantize(x, low, high, attrs: dict):
    if not attrs["range_given"]:
        low, high = _measured_range(x, attrs["axis"])
    scale, inverse, low, high = _scaled_range(low, high, attrs)
    if attrs["range_given"]:
        x = tnp.maximum(tnp.minimum(x, high), low)
    scaled = _product(x, scale)
    if attrs["round_mode"] == "HALF_UP":
        rounded = tnp.floor(tnp.add(scaled, np.asarray(0.5, x.dtype.numpy)))
    else:
        rounded = tnp.round(scaled)
    return tnp.multiply(rounded, inverse)


def _straight_through(x):
    """``x`` where it is finite, with x's gradient (QuantizeAndDequantizeV2/V3's gradient is the identity)."""
    return tnp.where(tnp.isfinite(x), x, tnp.zeros_like(x))


def _v4_gradient_path(x, low, high, axis: int):
    """QuantizeAndDequantizeV4Grad: the cotangent passes where the input is inside [input_min,
    input_max] as given (one per channel along ``axis``)."""
    if axis != -1 and low.ndim:
        shape = [1] * x.ndim
        shape[axis] = -1
        low, high = tnp.reshape(low, tuple(shape)), tnp.reshape(high, tuple(shape))
    inside = tnp.logical_and(tnp.greater_equal(x, low), tnp.less_equal(x, high))
    return tnp.where(inside, x, tnp.zeros_like(x))


def _qdq_type(ctx, x, low, high):
    _check_given_range(ctx, _qdq_attrs(ctx, x, ctx.attrs.get("num_bits", 8)), low, high)
    return x


def _qdq(v4: bool):
    def decompose(ctx, x, low, high):
        attrs = _qdq_attrs(ctx, ctx.operand_types[0], ctx.attrs.get("num_bits", 8))
        value = _quantize_dequantize(x, low, high, attrs)
        return _through(value, _v4_gradient_path(x, low, high, attrs["axis"]) if v4 else _straight_through(x))

    return decompose


def _v3_bits(ctx) -> int:
    value = static(ctx, 3, "num_bits")
    if np.ndim(value) != 0:
        raise ShapeError(f"num_bits must be a scalar, got shape {list(np.shape(value))}")
    return int(value)


def _v3_type(ctx, x, low, high, num_bits):
    value = ctx.constant(3)
    if value is not None:
        _check_given_range(ctx, _qdq_attrs(ctx, x, _v3_bits(ctx), range_given_default=True), low, high)
    return x


def _qdq_v3(ctx, x, low, high, num_bits):
    attrs = _qdq_attrs(ctx, ctx.operand_types[0], _v3_bits(ctx), range_given_default=True)
    return _through(_quantize_dequantize(x, low, high, attrs), _straight_through(x))


tf_op("QuantizeAndDequantizeV2", _qdq_type, _qdq(v4=False))
tf_op("QuantizeAndDequantizeV3", _v3_type, _qdq_v3)
tf_op("QuantizeAndDequantizeV4", _qdq_type, _qdq(v4=True))
