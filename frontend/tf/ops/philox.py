"""Philox-4x32-10, the counter-based generator behind TensorFlow's CPU random kernels, traced with
tfc's core ops, and TensorFlow's ways of deriving its key and counter from seeds.

A generator is a 64-bit key and a 128-bit counter; block ``i`` is Philox of the counter plus ``i``,
four 32-bit words. TensorFlow fills an output group by group from consecutive blocks, so a whole
output is one vectorized Philox over an iota of offsets. Words are carried as u64 tensors holding
32-bit values: the 32 x 32-bit products of a round then fit in 64 bits, and multiply-high is a
division by 2**32, so no 32-bit multiply-high op is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.tensor import Tensor, unify
from tfc.types import DType, TensorType

MASK = np.uint64(0xFFFFFFFF)  # numpy scalars: a Python int this large would be a weak i32 constant
_SHIFT = np.uint64(1 << 32)
_MULTIPLIERS = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
_KEY_STEPS = (np.uint64(0x9E3779B9), np.uint64(0xBB67AE85))
_ROUNDS = 10
_SEED_MIX_KEY = (0x3EC8F720, 0x02461E29)  # the fixed key TensorFlow hashes a stateless seed with


def high_word(x: Tensor) -> Tensor:
    """The upper 32 bits of u64 values (a logical shift right by 32)."""
    return tnp.emit("tfc.divide", unify(x, _SHIFT))


def join_words(low: Tensor, high: Tensor) -> Tensor:
    """low | high << 32 as u64."""
    return low | (high * _SHIFT)


def _round(counter: list, key: list) -> list:
    product0 = counter[0] * _MULTIPLIERS[0]
    product1 = counter[2] * _MULTIPLIERS[1]
    return [high_word(product1) ^ counter[1] ^ key[0], product1 & MASK,
            high_word(product0) ^ counter[3] ^ key[1], product0 & MASK]


def philox(counter: list, key: list) -> list:
    """The ten Philox rounds on four u64 word tensors (one block per element), the key raised
    between rounds; returns the four output words."""
    for index in range(_ROUNDS):
        if index:
            key = [(k + step) & MASK for k, step in zip(key, _KEY_STEPS)]
        counter = _round(counter, key)
    return counter


def _add_offsets(counter: tuple, offsets: Tensor) -> list:
    """The 128-bit counter plus each u64 offset, word by word with carries (TensorFlow's Skip)."""
    low = counter[0] + (offsets & MASK)
    carry = high_word(low) + high_word(offsets)
    words = [low & MASK]
    for word in counter[1:]:
        total = word + carry
        words.append(total & MASK)
        carry = high_word(total)
    return words


@dataclass(frozen=True)
class Generator:
    """A Philox key (two 32-bit words) and counter (four), each a u64 scalar tensor."""

    key: tuple
    counter: tuple

    def blocks_at(self, offsets: Tensor) -> Tensor:
        """Block ``offset`` for each u64 offset: a tensor of the offsets' shape plus a last axis of 4 words."""
        return tnp.stack(philox(_add_offsets(self.counter, offsets), list(self.key)), axis=-1)

    def blocks(self, count: int) -> Tensor:
        """The first ``count`` blocks as a [count, 4] u64 tensor."""
        return self.blocks_at(tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.u64, (count,))]))

    def key_tensor(self) -> Tensor:
        """The key as TensorFlow's StatelessRandomGetKeyCounter gives it: u64 of shape [1]."""
        return tnp.reshape(join_words(*self.key), (1,))

    def counter_tensor(self) -> Tensor:
        """The counter as a u64 [2] tensor (low words first)."""
        return tnp.stack([join_words(*self.counter[:2]), join_words(*self.counter[2:])])


def _u64(value) -> Tensor:
    return tnp.astype(tnp.to_tensor(value), DType.u64)


def _split(value: Tensor) -> tuple:
    """A u64 scalar as its (low, high) 32-bit words."""
    return value & MASK, high_word(value)


def from_seeds(seed: int, seed2: int) -> Generator:
    """The generator of a stateful op with attributes ``seed``/``seed2`` on its first run: key = seed,
    counter = (0, 0, seed2) (TensorFlow's PhiloxRandom(seed, seed2))."""
    seed, seed2 = (int(s) & (2**64 - 1) for s in (seed, seed2))
    words = [_u64(np.uint64(v)) for v in (seed & 0xFFFFFFFF, seed >> 32, 0, 0, seed2 & 0xFFFFFFFF, seed2 >> 32)]
    return Generator(tuple(words[:2]), tuple(words[2:]))


def from_stateless_seed(seed: Tensor) -> Generator:
    """TensorFlow's stateless seed derivation: the seed pair as a counter, hashed by one Philox call
    under a fixed key; the first two output words are the key, the last two the counter's upper half."""
    pair = tnp.astype(tnp.astype(seed, DType.i64), DType.u64)
    counter = [*_split(pair[0]), *_split(pair[1])]
    mixed = philox(counter, [_u64(np.uint64(k)) for k in _SEED_MIX_KEY])
    zero = _u64(np.uint64(0))
    return Generator((mixed[0], mixed[1]), (zero, zero, mixed[2], mixed[3]))


def from_key_counter(key: Tensor, counter: Tensor) -> Generator:
    """The generator of the V2 stateless ops: a u64 [1] key and a u64 [2] counter (Philox's)."""
    key, counter = tnp.astype(key, DType.u64), tnp.astype(counter, DType.u64)
    return Generator(_split(key[0]), (*_split(counter[0]), *_split(counter[1])))
