"""TensorFlow's random distributions on Philox words (tensorflow/core/lib/random), as its CPU kernels
fill an output: group after group of values from consecutive Philox blocks, so the numbers equal
TensorFlow's (bit for bit, except where sin/cos/log round differently in the last place).

* Uniform floats: a word's low mantissa bits under exponent 0, minus 1 (23 bits for f32, 10 for f16,
  7 for bf16; f64 takes 20 + 32 bits from two words). Four values per block (two for f64).
* Normal: Box-Muller on two uniforms (f64: on two 52-bit uniforms), u1 kept above 1e-7; f16/bf16
  round the f32 result.
* Truncated normal: TensorFlow draws each group of four (f64: two) from its own generator, 256 blocks
  apart, rejecting Box-Muller values with |x| >= 2. Here each group draws a fixed 32 candidates and
  takes the first accepted ones in order; fewer than needed accepted has probability below 1e-30.
* Integers: ``lo + word % (hi - lo)`` with 32-bit words (two words for 64-bit types), wrapping.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.tensor import Tensor, unify
from tfc.types import DType, TensorType

from .philox import MASK, Generator, join_words

_TRUNCATE_AT = 2.0
_RESERVED_BLOCKS_PER_GROUP = {4: 256, 2: 128}  # TensorFlow's 256 samples per output, in 4-word blocks
_CANDIDATE_BLOCKS = {4: 8, 2: 16}  # 32 Box-Muller candidates per group either way
_MANTISSA_BITS = {DType.f32: 23, DType.f16: 10, DType.bf16: 7}


def _flat_words(gen: Generator, count: int) -> Tensor:
    """The first ``count`` words of the stream, block after block, as a u64 [count] tensor."""
    blocks = gen.blocks(max(-(-count // 4), 1))
    return tnp.reshape(blocks, (-1,))[:count]


def _word_pairs(gen: Generator, count: int) -> tuple:
    """``count`` consecutive (first, second) word pairs."""
    pairs = tnp.reshape(_flat_words(gen, 2 * count), (count, 2))
    return pairs[:, 0], pairs[:, 1]


def mantissa_uniform(words: Tensor, dtype: DType) -> Tensor:
    """TensorFlow's Uint32ToFloat (and its f16/bf16 forms): [0, 1) from a word's low mantissa bits,
    exactly (the bits are an integer below 2**24, scaled by a power of two)."""
    bits = _MANTISSA_BITS[dtype]
    value = tnp.astype(words & np.uint64((1 << bits) - 1), DType.f32) * np.float32(2.0**-bits)
    return tnp.astype(value, dtype)


def double_uniform(high: Tensor, low: Tensor) -> Tensor:
    """TensorFlow's Uint64ToDouble: 20 bits of ``high`` above the 32 of ``low``, scaled to [0, 1)."""
    mantissa = join_words(low, high & np.uint64(0xFFFFF))
    return tnp.astype(mantissa, DType.f64) * np.float64(2.0**-52)


def uniform(gen: Generator, count: int, dtype: DType) -> Tensor:
    if dtype is DType.f64:
        return double_uniform(*_word_pairs(gen, count))
    return mantissa_uniform(_flat_words(gen, count), dtype)


def box_muller(u1: Tensor, u2: Tensor) -> tuple:
    """Two normals from two uniforms of one float type (TensorFlow's BoxMullerFloat/Double): the
    angle is computed in double as TensorFlow's ``2 * M_PI * u`` is."""
    dtype = u1.dtype
    radius = tnp.sqrt(tnp.log(tnp.maximum(u1, np.asarray(1e-7, dtype.numpy))) * np.asarray(-2.0, dtype.numpy))
    angle = tnp.astype(tnp.astype(u2, DType.f64) * np.float64(2 * np.pi), dtype)
    return tnp.sin(angle) * radius, tnp.cos(angle) * radius


def _normal_candidates(blocks: Tensor, dtype: DType) -> Tensor:
    """Box-Muller values of [..., 4]-word blocks, in TensorFlow's order along a new last axis: four
    per block in f32 (two pairs of words), two in f64 (one pair of 52-bit uniforms)."""
    if dtype is DType.f64:
        first, second = box_muller(double_uniform(blocks[..., 0], blocks[..., 1]), double_uniform(blocks[..., 2], blocks[..., 3]))
        return tnp.stack([first, second], axis=-1)
    uniforms = mantissa_uniform(blocks, DType.f32)
    first, second = box_muller(uniforms[..., 0::2], uniforms[..., 1::2])
    return tnp.reshape(tnp.stack([first, second], axis=-1), blocks.shape)


def _compute_dtype(dtype: DType) -> DType:
    return DType.f64 if dtype is DType.f64 else DType.f32


def normal(gen: Generator, count: int, dtype: DType) -> Tensor:
    per_block = 2 if dtype is DType.f64 else 4
    blocks = gen.blocks(max(-(-count // per_block), 1))
    values = tnp.reshape(_normal_candidates(blocks, _compute_dtype(dtype)), (-1,))[:count]
    return tnp.astype(values, dtype)


def _first_accepted(candidates: Tensor, group_size: int) -> Tensor:
    """Per row of candidates, the first ``group_size`` with |x| < 2, in order ([groups, group_size])."""
    accepted = tnp.less(tnp.abs(candidates), np.asarray(_TRUNCATE_AT, candidates.dtype.numpy))
    rank = tnp.cumsum(tnp.astype(accepted, DType.i32), axis=1) - 1
    picked = []
    for slot in range(group_size):
        chosen = tnp.logical_and(accepted, tnp.equal(rank, np.int32(slot)))
        picked.append(tnp.max(tnp.where(chosen, candidates, np.asarray(-np.inf, candidates.dtype.numpy)), axis=1))
    return tnp.stack(picked, axis=1)


def truncated_normal(gen: Generator, count: int, dtype: DType) -> Tensor:
    group_size = 2 if dtype is DType.f64 else 4
    groups, width = max(-(-count // group_size), 1), _CANDIDATE_BLOCKS[group_size]
    group = tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.u64, (groups, width))])
    within = tnp.emit("tfc.iota", [], {"iota_dimension": 1}, [TensorType(DType.u64, (groups, width))])
    blocks = gen.blocks_at(group * np.uint64(_RESERVED_BLOCKS_PER_GROUP[group_size]) + within)
    candidates = tnp.reshape(_normal_candidates(blocks, _compute_dtype(dtype)), (groups, -1))
    values = tnp.reshape(_first_accepted(candidates, group_size), (-1,))[:count]
    return tnp.astype(values, dtype)


def _unsigned_remainder(x: Tensor, y: Tensor) -> Tensor:
    return tnp.emit("tfc.remainder", unify(x, y))


def uniform_int(gen: Generator, count: int, dtype: DType, low: Tensor, high: Tensor) -> Tensor:
    """``low + bits % (high - low)`` in wrapping unsigned arithmetic, as TensorFlow's SignedAdd."""
    low, high = (tnp.astype(tnp.astype(v, DType.i64), DType.u64) for v in (low, high))
    if dtype.bits == 64:
        bits = join_words(*_word_pairs(gen, count))
        return tnp.astype(low + _unsigned_remainder(bits, high - low), dtype)
    low, span = low & MASK, (high - low) & MASK
    value = (low + _unsigned_remainder(_flat_words(gen, count), tnp.broadcast_to(span, (count,)))) & MASK
    return tnp.astype(tnp.astype(value, DType.u32), dtype)


def full_int(gen: Generator, count: int, dtype: DType) -> Tensor:
    """Raw words: one per 32-bit value, two (low word first) per 64-bit value, reinterpreted."""
    if dtype.bits == 64:
        return tnp.astype(join_words(*_word_pairs(gen, count)), dtype)
    return tnp.astype(tnp.astype(_flat_words(gen, count), DType.u32), dtype)
