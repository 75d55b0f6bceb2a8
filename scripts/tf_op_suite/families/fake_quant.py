"""Quantization simulation: FakeQuantWithMinMaxArgs, FakeQuantWithMinMaxVars (fed and constant
ranges), FakeQuantWithMinMaxVarsPerChannel, their *Gradient ops, and QuantizeAndDequantizeV2, V3,
V4: ranges around zero, entirely positive or negative (nudged), [0, 0], num_bits 2 to 16,
narrow_range, inputs outside the range, values on rounding boundaries, scalars and empty tensors."""

import numpy as np
from spec import case, const, f32, family

family("fake_quant")


def wide(*shape):
    return f32(*shape, low=-9.0, high=9.0)


def steps(low, high, n):
    """Inputs on and between the points a [low, high] range quantizes to, and beyond it."""
    return lambda: np.linspace(low - 1, high + 1, n).astype(np.float32)


S = np.float32
RANGES = [("default", {}), ("narrow", dict(min=-1.3, max=2.7, narrow_range=True)), ("bits4", dict(min=0.0, max=1.5, num_bits=4)),
          ("positive", dict(min=0.2, max=3.1)), ("negative", dict(min=-3.7, max=-0.1, num_bits=5)),
          ("bits16", dict(min=-0.5, max=7.9, num_bits=16)), ("bits2", dict(min=-1.0, max=1.0, num_bits=2))]
for name, attrs in RANGES:
    low, high = attrs.get("min", -6.0), attrs.get("max", 6.0)
    case("FakeQuantWithMinMaxArgs", name, inputs=steps(low, high, 61), **attrs)
    case("FakeQuantWithMinMaxArgsGradient", name, gradients=wide(61), inputs=steps(low, high, 61), **attrs)
    vars_attrs = {k: v for k, v in attrs.items() if k not in ("min", "max")}
    case("FakeQuantWithMinMaxVars", name, inputs=steps(low, high, 61), min=S(low), max=S(high), **vars_attrs)
    case("FakeQuantWithMinMaxVarsGradient", name, gradients=wide(61), inputs=steps(low, high, 61), min=S(low), max=S(high),
         **vars_attrs)
case("FakeQuantWithMinMaxArgs", "4d", inputs=wide(2, 3, 2, 2), min=-4.0, max=5.0)
case("FakeQuantWithMinMaxArgs", "scalar", inputs=S(1.234), min=-2.0, max=2.0)
case("FakeQuantWithMinMaxArgs", "empty", inputs=wide(0, 3))
case("FakeQuantWithMinMaxArgs", "const", inputs=const(wide(5)), min=-1.0, max=1.0)
case("FakeQuantWithMinMaxArgsGradient", "empty", gradients=wide(0, 2), inputs=wide(0, 2))
case("FakeQuantWithMinMaxVars", "const_range", inputs=wide(3, 4), min=const(S(-2.5)), max=const(S(4.0)))
case("FakeQuantWithMinMaxVars", "zero_range", inputs=wide(6), min=S(0), max=S(0))
case("FakeQuantWithMinMaxVars", "min_above_max", inputs=wide(6), min=S(2), max=S(1))
case("FakeQuantWithMinMaxVars", "empty", inputs=wide(0), min=S(-1), max=S(1))
case("FakeQuantWithMinMaxVarsGradient", "zero_range", gradients=wide(2, 3), inputs=wide(2, 3), min=S(0), max=S(0))
case("FakeQuantWithMinMaxVarsGradient", "empty", gradients=wide(0, 3), inputs=wide(0, 3), min=S(-1), max=S(1))
case("FakeQuantWithMinMaxVarsGradient", "scalar", gradients=S(2.0), inputs=S(7.0), min=S(-1), max=S(1))

MINS = np.array([-6, -1.3, 0.2, -3.7, 0.0], np.float32)
MAXS = np.array([6, 2.7, 3.1, -0.1, 0.0], np.float32)
CHANNELS = lambda: np.stack([np.linspace(lo - 1, hi + 1, 24) for lo, hi in zip(MINS, MAXS)], -1).astype(np.float32)
case("FakeQuantWithMinMaxVarsPerChannel", "1d", inputs=wide(5), min=MINS, max=MAXS)
case("FakeQuantWithMinMaxVarsPerChannel", "2d_steps", inputs=CHANNELS, min=MINS, max=MAXS)
case("FakeQuantWithMinMaxVarsPerChannel", "4d_narrow_bits6", inputs=wide(2, 2, 3, 5), min=MINS, max=MAXS, narrow_range=True,
     num_bits=6)
case("FakeQuantWithMinMaxVarsPerChannel", "bits16_const", inputs=CHANNELS, min=const(MINS), max=const(MAXS), num_bits=16)
case("FakeQuantWithMinMaxVarsPerChannel", "empty", inputs=wide(0, 5), min=MINS, max=MAXS)
case("FakeQuantWithMinMaxVarsPerChannelGradient", "2d", gradients=wide(24, 5), inputs=CHANNELS, min=MINS, max=MAXS)
case("FakeQuantWithMinMaxVarsPerChannelGradient", "1d_narrow", gradients=wide(5), inputs=wide(5), min=MINS, max=MAXS,
     narrow_range=True)
case("FakeQuantWithMinMaxVarsPerChannelGradient", "3d_bits3", gradients=wide(2, 3, 5), inputs=wide(2, 3, 5), min=MINS,
     max=MAXS, num_bits=3)
case("FakeQuantWithMinMaxVarsPerChannelGradient", "empty", gradients=wide(0, 5), inputs=wide(0, 5), min=MINS, max=MAXS)

# ---- QuantizeAndDequantizeV2, V3, V4 ---------------------------------------------------------------
D = np.float64
QDQ = [("default", {}, -1.0, 1.0), ("given_half_up_narrow", dict(range_given=True, round_mode="HALF_UP", narrow_range=True), -1.3, 2.7),
       ("given_unsigned_bits4", dict(range_given=True, signed_input=False, num_bits=4), 0.0, 3.1),
       ("given_negative_bits5", dict(range_given=True, round_mode="HALF_UP", num_bits=5), -3.7, -0.1),
       ("measured_unsigned_bits16", dict(signed_input=False, num_bits=16, round_mode="HALF_UP"), 0.0, 0.0),
       ("given_bits2", dict(range_given=True, num_bits=2, narrow_range=True), -1.0, 1.0),
       ("given_bits13", dict(range_given=True, num_bits=13), -0.37, 0.91),
       ("given_unsigned_negative_min", dict(range_given=True, signed_input=False, num_bits=7), -1.0, 5.5),
       ("given_zero_range", dict(range_given=True), 0.0, 0.0), ("given_bits61", dict(range_given=True, num_bits=61), -2.0, 3.0)]
for name, attrs, low, high in QDQ:
    for op in ("QuantizeAndDequantizeV2", "QuantizeAndDequantizeV4"):
        case(op, name, input=steps(low, high, 41), input_min=S(low), input_max=S(high), **attrs)
    case("QuantizeAndDequantizeV2", name + "_f64", input=lambda: np.linspace(-4, 6, 57), input_min=D(low), input_max=D(high),
         **attrs)
    if "round_mode" not in attrs:
        v3 = {k: v for k, v in attrs.items() if k != "num_bits"}
        case("QuantizeAndDequantizeV3", name, input=steps(low, high, 41), input_min=S(low), input_max=S(high),
             num_bits=const(np.int32(attrs.get("num_bits", 8))), **v3)
case("QuantizeAndDequantizeV2", "measured_random", input=wide(4, 5), input_min=S(0), input_max=S(0))
case("QuantizeAndDequantizeV2", "measured_per_channel_axis0", input=wide(3, 4, 2), input_min=np.zeros(3, S),
     input_max=np.zeros(3, S), axis=0, num_bits=5)
case("QuantizeAndDequantizeV4", "measured_per_channel_axis1_f64", input=lambda: np.linspace(-3, 5, 24).reshape(2, 4, 3),
     input_min=np.zeros(4), input_max=np.zeros(4), axis=1, round_mode="HALF_UP")
case("QuantizeAndDequantizeV3", "measured_per_channel_axis2", input=wide(2, 2, 3), input_min=np.zeros(3, S),
     input_max=np.zeros(3, S), num_bits=const(np.int32(6)), range_given=False, axis=2)
case("QuantizeAndDequantizeV2", "scalar", input=S(1.3), input_min=S(-2), input_max=S(2), range_given=True)
case("QuantizeAndDequantizeV2", "empty", input=wide(0, 3), input_min=S(-2), input_max=S(2), range_given=True)
case("QuantizeAndDequantizeV4", "const_range", input=wide(6), input_min=const(S(-2.5)), input_max=const(S(4)), range_given=True)
case("QuantizeAndDequantizeV3", "fed_num_bits_const", input=wide(6), input_min=S(-3), input_max=S(3),
     num_bits=const(np.int32(3)))
