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


def _key_schedule(key: list) -> list:
    """The key of each round, raised by the Weyl steps; computed here when the key is known."""
    schedule = [list(key)]
    for _ in range(_ROUNDS - 1):
        if all(isinstance(k, np.uint64) for k in key):
            key = [np.uint64((int(k) + int(step)) & 0xFFFFFFFF) for k, step in zip(key, _KEY_STEPS)]
        else:
            key = [(k + step) & MASK for k, step in zip(key, _KEY_STEPS)]
        schedule.append(key)
    return schedule


def philox(counter: list, key: list) -> list:
    """The ten Philox rounds on four word tensors of one shape (one block per element) and a key of
    two words (u64 scalars, or numpy u64 values when known); returns the four output words. Constants
    are broadcast once, not per use, which keeps the program and XLA's compile time small."""
    shape = tnp.broadcast_shapes(*[tnp.to_tensor(c).shape for c in counter])

    def full(value):
        return tnp.broadcast_to(tnp.to_tensor(value), shape)

    mask, shift = full(MASK), full(_SHIFT)
    multipliers = [full(m) for m in _MULTIPLIERS]
    counter = [full(c) for c in counter]
    for round_key in _key_schedule(key):
        low_key, high_key = (full(k) for k in round_key)
        product0 = tnp.emit("tfc.multiply", [counter[0], multipliers[0]])
        product1 = tnp.emit("tfc.multiply", [counter[2], multipliers[1]])
        high0, high1 = (tnp.emit("tfc.divide", [p, shift]) for p in (product0, product1))
        counter = [high1 ^ counter[1] ^ low_key, product1 & mask, high0 ^ counter[3] ^ high_key, product0 & mask]
    return counter


def _add_offsets(counter: tuple, offsets: Tensor) -> list:
    """The 128-bit counter plus each u64 offset, word by word with carries (TensorFlow's Skip)."""
    low = (offsets & MASK) + counter[0]  # tensors first: a numpy scalar on the left would take over the +
    carry = high_word(low) + high_word(offsets)
    words = [low & MASK]
    for word in counter[1:]:
        total = carry + word
        words.append(total & MASK)
        carry = high_word(total)
    return words


@dataclass(frozen=True)
class Generator:
    """A Philox key (two 32-bit words) and counter (four), each a u64 scalar tensor or, when known at
    trace time, a numpy u64 value."""

    key: tuple
    counter: tuple

    def blocks_at(self, offsets: Tensor) -> Tensor:
        """Block ``offset`` for each u64 offset: a tensor of the offsets' shape plus a last axis of 4 words."""
        return tnp.stack(philox(_add_offsets(self.counter, offsets), list(self.key)), axis=-1)

    def blocks(self, count: int) -> Tensor:
        """The first ``count`` blocks as a [count, 4] u64 tensor."""
        return self.blocks_at(tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.u64, (count,))]))

    def skip(self, blocks: Tensor) -> Generator:
        """This generator moved on by ``blocks`` (a u64 scalar), as TensorFlow's PhiloxRandom::Skip."""
        return Generator(self.key, tuple(_add_offsets(self.counter, blocks)))

    def key_tensor(self) -> Tensor:
        """The key as TensorFlow's StatelessRandomGetKeyCounter gives it: u64 of shape [1]."""
        return tnp.reshape(join_words(*self.key), (1,))

    def counter_tensor(self) -> Tensor:
        """The counter as a u64 [2] tensor (low words first)."""
        return tnp.stack([join_words(*self.counter[:2]), join_words(*self.counter[2:])])


def _split(value: Tensor) -> tuple:
    """A u64 scalar as its (low, high) 32-bit words."""
    return value & MASK, high_word(value)


def from_seeds(seed: int, seed2: int) -> Generator:
    """The generator of a stateful op with attributes ``seed``/``seed2`` on its first run: key = seed,
    counter = (0, 0, seed2) (TensorFlow's PhiloxRandom(seed, seed2))."""
    seed, seed2 = (int(s) & (2**64 - 1) for s in (seed, seed2))
    words = [np.uint64(v) for v in (seed & 0xFFFFFFFF, seed >> 32, 0, 0, seed2 & 0xFFFFFFFF, seed2 >> 32)]
    return Generator(tuple(words[:2]), tuple(words[2:]))


def from_stateless_seed(seed: Tensor) -> Generator:
    """TensorFlow's stateless seed derivation: the seed pair as a counter, hashed by one Philox call
    under a fixed key; the first two output words are the key, the last two the counter's upper half."""
    pair = tnp.astype(tnp.astype(seed, DType.i64), DType.u64)
    counter = [*_split(pair[0]), *_split(pair[1])]
    mixed = philox(counter, [np.uint64(k) for k in _SEED_MIX_KEY])
    zero = np.uint64(0)
    return Generator((mixed[0], mixed[1]), (zero, zero, mixed[2], mixed[3]))


def from_key_counter(key: Tensor, counter: Tensor) -> Generator:
    """The generator of the V2 stateless ops: a u64 [1] key and a u64 [2] counter (Philox's)."""
    key, counter = tnp.astype(key, DType.u64), tnp.astype(counter, DType.u64)
    return Generator(_split(key[0]), (*_split(counter[0]), *_split(counter[1])))
