"""Bit operations on every integer dtype TensorFlow allows: and/or/xor, Invert, shifts (amounts out of
range included), PopulationCount, and Bitcast between same-size and different-size dtypes."""

import numpy as np
from spec import case, f16, f32, f64, family, ints

family("bitwise")

INTEGERS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


def full_range(dtype, *shape):
    """Values spread over the whole range of ``dtype`` (both ends included)."""
    info = np.iinfo(dtype)
    middle = ints(*shape, dtype=np.int64, low=max(int(info.min), -(2**62)), high=min(int(info.max), 2**62))

    def draw():
        values = middle().astype(dtype)
        values.flat[:2] = [info.min, info.max][: values.size]
        return values

    return draw


def shift_amounts(dtype, count):
    """Amounts inside [0, bits) and outside it: negative (signed types), the width, and far beyond."""
    bits = np.dtype(dtype).itemsize * 8
    amounts = [0, 1, bits - 1, bits, bits + 3, min(100, int(np.iinfo(dtype).max)), 3, bits // 2]
    if np.issubdtype(dtype, np.signedinteger):
        amounts[-2:] = [-1, -bits]
    return np.array((amounts * count)[:count], dtype)


for dtype in INTEGERS:
    name = np.dtype(dtype).name
    for op in ["BitwiseAnd", "BitwiseOr", "BitwiseXor"]:
        case(op, name, x=full_range(dtype, 2, 4), y=full_range(dtype, 4))
    case("Invert", name, x=full_range(dtype, 6))
    case("PopulationCount", name, x=full_range(dtype, 2, 4))
    case("LeftShift", name, x=full_range(dtype, 8), y=shift_amounts(dtype, 8))
    case("RightShift", name, x=full_range(dtype, 8), y=shift_amounts(dtype, 8))
case("LeftShift", "broadcast_i32", x=full_range(np.int32, 3, 1), y=shift_amounts(np.int32, 8))
case("RightShift", "broadcast_u16", x=full_range(np.uint16, 8), y=np.uint16(3))
case("BitwiseAnd", "empty", x=full_range(np.int32, 0, 3), y=full_range(np.int32, 3))
case("PopulationCount", "scalar", x=np.int64(-1))

# Bitcast: same size keeps the shape; to a narrower type adds a last dimension (the ratio); to a
# wider one removes it.
case("Bitcast", "f32_to_i32", input=f32(2, 3), type=np.int32)
case("Bitcast", "i32_to_f32", input=np.array([0, 1, -1, 0x7F800000, 0x3F800000, -(2**31)], np.int32), type=np.float32)
case("Bitcast", "u64_to_f64", input=np.array([0, 1, 0x3FF0000000000000, 2**64 - 1], np.uint64), type=np.float64)
case("Bitcast", "f16_to_i16", input=f16(5), type=np.int16)
case("Bitcast", "i16_to_u16", input=full_range(np.int16, 6), type=np.uint16)
case("Bitcast", "f32_to_u8", input=f32(2, 3), type=np.uint8)
case("Bitcast", "f64_to_i16", input=f64(3), type=np.int16)
case("Bitcast", "scalar_f32_to_u16", input=np.float32(1.5), type=np.uint16)
case("Bitcast", "u8_to_f32", input=full_range(np.uint8, 3, 4), type=np.float32)
case("Bitcast", "i16_to_i64", input=full_range(np.int16, 2, 4), type=np.int64)
case("Bitcast", "u32_to_f64", input=full_range(np.uint32, 2), type=np.float64)
case("Bitcast", "c64_to_f64", input=np.array([1 + 2j, -3j], np.complex64), type=np.float64)
case("Bitcast", "c128_to_f64", input=np.array([1 + 2j, -3j], np.complex128), type=np.float64)
case("Bitcast", "f32_to_c64", input=f32(3, 2), type=np.complex64)
case("Bitcast", "empty", input=f32(0, 2), type=np.uint16)
