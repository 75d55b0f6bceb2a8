"""TensorFlow's random ops: the stateless family (seeded by a tensor, or by a Philox key and counter)
and the stateful ops seeded by their ``seed``/``seed2`` attributes, on TensorFlow's own generator
(:mod:`.philox`) and distributions (:mod:`.random_samples`), so the numbers equal TensorFlow's CPU
kernels'.

Stateful ops start from TensorFlow's generator Philox(key = seed, counter = (0, 0, seed2)) and move
on from run to run as TensorFlow's kernel does: each run reserves the blocks TensorFlow's kernel
reserves (256 per value; Multinomial and RandomShuffle say theirs), the position kept in a state
variable per op (:mod:`.random_state`), so the k-th run
gives TensorFlow's k-th run numbers (an op inside a loop or a called function repeats its first
run's numbers: see :mod:`.random_state`). An op with seed = seed2 = 0, which
TensorFlow seeds at random, is seeded from a hash of its node name instead: deterministic, and
different for different nodes. Multinomial equals TensorFlow's when its kernel runs the batch as
one shard (small inputs); for larger ones TensorFlow's numbers depend on its thread count.
Integer bounds are checked (minval < maxval) when they are constants; bounds computed at run time
are used as they come, as TensorFlow's XLA bridge does (its kernels would fail the run instead).
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.control import fori_loop
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, require_constant, tf_op
from . import random_samples as samples
from .array import const, ints, vector_dims
from .philox import Generator, from_key_counter, from_seeds, from_stateless_seed
from .random_state import advance

PHILOX, THREEFRY, AUTO_SELECT = 1, 2, 3  # TensorFlow's Algorithm enum
RESERVED_PER_OUTPUT = 256  # blocks TensorFlow's kernels reserve per output value (ReserveRandomOutputs(n, 256))
_DISTRIBUTIONS = {"uniform": samples.uniform, "normal": samples.normal, "truncated": samples.truncated_normal}


# ---- shapes and seeds -----------------------------------------------------------------------------
def _dims(value) -> tuple:
    dims = tuple(ints(value))
    if np.ndim(value) > 1 or any(d < 0 for d in dims):
        raise ShapeError(f"shape must be a vector of non-negative sizes, got {np.asarray(value).tolist()}")
    return dims


def _require_shape(t: TensorType, shape: tuple, what: str) -> None:
    if t.shape is not None and len(t.shape) == len(shape) and all(d is None or d == w for d, w in zip(t.shape, shape)):
        return
    if t.shape is not None:
        raise ShapeError(f"{what} must have shape {list(shape)}, got {list(t.shape)}")


def _require_scalar(t: TensorType, what: str) -> None:
    if t.shape is not None and t.shape != ():
        raise ShapeError(f"{what} must be a scalar, got shape {list(t.shape)}")


def _require_seed(seed: TensorType) -> None:
    """A stateless seed: two int32 or int64 values (TensorFlow's kernels refuse unsigned seeds)."""
    _require_shape(seed, (2,), "seed")
    if seed.dtype not in (DType.i32, DType.i64):
        raise ShapeError(f"seed must be int32 or int64, got {seed.dtype.value}")


def _output_type(ctx, shape: TensorType, dtype: DType) -> TensorType:
    given = ctx.constant(0)
    return TensorType(dtype, vector_dims(shape) if given is None else _dims(given))


def _output_dims(ctx) -> tuple:
    return _dims(require_constant(ctx, 0, "shape"))


def _stateful_generator(ctx, reserved_blocks: int) -> Generator:
    """Philox(seed, seed2), or for an unseeded op (both 0) a seed2 hashed from its node name, moved
    on past earlier runs' reservations; this run reserves ``reserved_blocks``."""
    seed, seed2 = int(ctx.attrs.get("seed", 0)), int(ctx.attrs.get("seed2", 0))
    if seed == 0 and seed2 == 0:
        seed2 = zlib.crc32(getattr(ctx.op.location, "name", "").encode()) or 1
    return advance(ctx, from_seeds(seed, seed2), reserved_blocks)


def _per_output_generator(ctx, dims: tuple) -> Generator:
    """The generator of RandomUniform, RandomStandardNormal, TruncatedNormal, RandomUniformInt: each
    run reserves 256 blocks per output value."""
    return _stateful_generator(ctx, math.prod(dims) * RESERVED_PER_OUTPUT)


def _algorithm_generator(ctx, key, counter, alg_index: int = 3) -> Generator:
    """The V2 ops' generator: Philox (or AUTO_SELECT, which is Philox on CPU) from ``key``/``counter``."""
    alg = int(np.ravel(require_constant(ctx, alg_index, "alg"))[0])
    if alg not in (PHILOX, AUTO_SELECT):
        name = "ThreeFry" if alg == THREEFRY else "unknown"
        raise ShapeError(f"alg {alg} ({name}) is not supported: TensorFlow's CPU kernels implement Philox ({PHILOX}) "
                         f"and AUTO_SELECT ({AUTO_SELECT})")
    return from_key_counter(key, counter)


def _check_bounds(ctx, low_index: int) -> None:
    """minval < maxval when both are known (TensorFlow's kernels fail at run time otherwise)."""
    low, high = ctx.constant(low_index), ctx.constant(low_index + 1)
    if low is not None and high is not None and not np.ravel(low)[0] < np.ravel(high)[0]:
        raise ShapeError(f"needs minval < maxval, got minval {np.ravel(low)[0]} and maxval {np.ravel(high)[0]}")


def _sample(dims: tuple, draw) -> object:
    """``draw(count)`` reshaped to ``dims``."""
    return tnp.reshape(draw(math.prod(dims)), dims)


# ---- float distributions --------------------------------------------------------------------------
def _stateless_float(kind: str):
    def infer(ctx, shape, seed):
        _require_seed(seed)
        return _output_type(ctx, shape, attr_dtype(ctx, "dtype"))

    def decompose(ctx, shape, seed):
        gen = from_stateless_seed(seed)
        return _sample(_output_dims(ctx), lambda n: _DISTRIBUTIONS[kind](gen, n, ctx.result_type.dtype))

    return infer, decompose


def _key_counter_types(key: TensorType, counter: TensorType, alg: TensorType) -> None:
    _require_shape(key, (1,), "key")
    _require_shape(counter, (2,), "counter (Philox's)")
    _require_scalar(alg, "alg")


def _stateless_float_v2(kind: str):
    def infer(ctx, shape, key, counter, alg):
        _key_counter_types(key, counter, alg)
        return _output_type(ctx, shape, attr_dtype(ctx, "dtype"))

    def decompose(ctx, shape, key, counter, alg):
        gen = _algorithm_generator(ctx, key, counter)
        return _sample(_output_dims(ctx), lambda n: _DISTRIBUTIONS[kind](gen, n, ctx.result_type.dtype))

    return infer, decompose


def _stateful_float(kind: str):
    def infer(ctx, shape):
        return _output_type(ctx, shape, attr_dtype(ctx, "dtype"))

    def decompose(ctx, shape):
        dims = _output_dims(ctx)
        gen = _per_output_generator(ctx, dims)
        return _sample(dims, lambda n: _DISTRIBUTIONS[kind](gen, n, ctx.result_type.dtype))

    return infer, decompose


for _kind, _stateless, _stateful in [("uniform", "StatelessRandomUniform", "RandomUniform"),
                                      ("normal", "StatelessRandomNormal", "RandomStandardNormal"),
                                      ("truncated", "StatelessTruncatedNormal", "TruncatedNormal")]:
    tf_op(_stateless, *_stateless_float(_kind))
    tf_op(f"{_stateless}V2", *_stateless_float_v2(_kind))
    tf_op(_stateful, *_stateful_float(_kind), stateful=True)


# ---- integers -------------------------------------------------------------------------------------
def _bounds_types(ctx, low: TensorType, high: TensorType, dtype: DType) -> None:
    for t, what in ((low, "minval"), (high, "maxval")):
        _require_scalar(t, what)
        if t.dtype is not dtype:
            raise ShapeError(f"{what} must be {dtype.value}, got {t.dtype.value}")


def _uniform_int_type(ctx, shape, seed, low, high):
    _require_seed(seed)
    _bounds_types(ctx, low, high, attr_dtype(ctx, "dtype"))
    return _output_type(ctx, shape, attr_dtype(ctx, "dtype"))


def _uniform_int(ctx, shape, seed, low, high):
    _check_bounds(ctx, 2)
    gen = from_stateless_seed(seed)
    return _sample(_output_dims(ctx), lambda n: samples.uniform_int(gen, n, ctx.result_type.dtype, low, high))


def _uniform_int_v2_type(ctx, shape, key, counter, alg, low, high):
    _key_counter_types(key, counter, alg)
    _bounds_types(ctx, low, high, attr_dtype(ctx, "dtype"))
    return _output_type(ctx, shape, attr_dtype(ctx, "dtype"))


def _uniform_int_v2(ctx, shape, key, counter, alg, low, high):
    _check_bounds(ctx, 4)
    gen = _algorithm_generator(ctx, key, counter)
    return _sample(_output_dims(ctx), lambda n: samples.uniform_int(gen, n, ctx.result_type.dtype, low, high))


def _random_uniform_int_type(ctx, shape, low, high):
    _bounds_types(ctx, low, high, attr_dtype(ctx, "Tout"))
    return _output_type(ctx, shape, attr_dtype(ctx, "Tout"))


def _random_uniform_int(ctx, shape, low, high):
    _check_bounds(ctx, 1)
    dims = _output_dims(ctx)
    gen = _per_output_generator(ctx, dims)
    return _sample(dims, lambda n: samples.uniform_int(gen, n, ctx.result_type.dtype, low, high))


def _full_int_type(ctx, shape, seed):
    _require_seed(seed)
    return _output_type(ctx, shape, attr_dtype(ctx, "dtype"))


def _full_int(ctx, shape, seed):
    gen = from_stateless_seed(seed)
    return _sample(_output_dims(ctx), lambda n: samples.full_int(gen, n, ctx.result_type.dtype))


def _full_int_v2_type(ctx, shape, key, counter, alg):
    _key_counter_types(key, counter, alg)
    return _output_type(ctx, shape, attr_dtype(ctx, "dtype"))


def _full_int_v2(ctx, shape, key, counter, alg):
    gen = _algorithm_generator(ctx, key, counter)
    return _sample(_output_dims(ctx), lambda n: samples.full_int(gen, n, ctx.result_type.dtype))


tf_op("StatelessRandomUniformInt", _uniform_int_type, _uniform_int)
tf_op("StatelessRandomUniformIntV2", _uniform_int_v2_type, _uniform_int_v2)
tf_op("RandomUniformInt", _random_uniform_int_type, _random_uniform_int, stateful=True)
tf_op("StatelessRandomUniformFullInt", _full_int_type, _full_int)
tf_op("StatelessRandomUniformFullIntV2", _full_int_v2_type, _full_int_v2)


# ---- key, counter and algorithm -------------------------------------------------------------------
def _key_counter_types_of(ctx, seed):
    _require_seed(seed)
    return [TensorType(DType.u64, (1,)), TensorType(DType.u64, (2,))]


def _key_counter(ctx, seed):
    gen = from_stateless_seed(seed)
    return gen.key_tensor(), gen.counter_tensor()


tf_op("StatelessRandomGetKeyCounter", _key_counter_types_of, _key_counter, outputs=(("key", 1), ("counter", 1)))
tf_op("StatelessRandomGetAlg", lambda ctx: TensorType(DType.i32, ()), lambda ctx: const(PHILOX, DType.i32),
      outputs=(("alg", 1),))
tf_op("StatelessRandomGetKeyCounterAlg", lambda ctx, seed: [*_key_counter_types_of(ctx, seed), TensorType(DType.i32, ())],
      lambda ctx, seed: [*_key_counter(ctx, seed), const(PHILOX, DType.i32)], outputs=(("key", 1), ("counter", 1), ("alg", 1)))


# ---- Multinomial, RandomShuffle -------------------------------------------------------------------
def _categorical_type(ctx, logits, num_samples, *seed):
    if seed:
        _require_seed(seed[0])
    _require_scalar(num_samples, "num_samples")
    if logits.shape is not None and len(logits.shape) != 2:
        raise ShapeError(f"logits must be 2-D [batch, classes], got shape {list(logits.shape)}")
    if logits.shape is not None and logits.shape[1] == 0:
        raise ShapeError("logits must have at least one class")
    given = ctx.constant(1)
    batch = None if logits.shape is None else logits.shape[0]
    return TensorType(attr_dtype(ctx, "output_dtype"), (batch, None if given is None else int(np.ravel(given)[0])))


def categorical(gen: Generator, logits, num_samples: int, dtype: DType):
    """TensorFlow's multinomial kernel: per row, the unnormalized running sum of exp(logit - max)
    over the finite logits (in double), and per sample the first class whose sum exceeds a uniform
    double times the total; rows draw their doubles one after another from one stream."""
    batch = logits.shape[0]
    draws = tnp.reshape(samples.uniform(gen, batch * num_samples, DType.f64), (batch, num_samples))
    finite = tnp.isfinite(logits)
    wide = tnp.astype(logits, DType.f64)
    top = tnp.max(tnp.where(finite, wide, -np.inf), axis=1, keepdims=True)
    cdf = tnp.cumsum(tnp.where(finite, tnp.exp(wide - top), 0.0), axis=1)
    targets = draws * cdf[:, -1:]
    below = tnp.less_equal(tnp.expand_dims(cdf, 1), tnp.expand_dims(targets, 2))
    return tnp.astype(tnp.sum(tnp.astype(below, DType.i64), axis=2), dtype)


def _num_samples(ctx) -> int:
    count = int(np.ravel(require_constant(ctx, 1, "num_samples"))[0])
    if count < 0:
        raise ShapeError(f"num_samples must be non-negative, got {count}")
    return count


def _multinomial(ctx, logits, num_samples):
    """Each run reserves 2 * 256 blocks per sample, samples rounded up to 4 per row (none when the
    output is empty), as TensorFlow's CPU kernel does."""
    count = _num_samples(ctx)
    rounded = -(-count // 4) * 4
    reserved = logits.shape[0] * rounded * 2 * RESERVED_PER_OUTPUT if logits.shape[0] * count else 0
    return categorical(_stateful_generator(ctx, reserved), logits, count, ctx.result_type.dtype)


tf_op("Multinomial", _categorical_type, _multinomial, stateful=True)
tf_op("StatelessMultinomial", _categorical_type,
      lambda ctx, logits, n, seed: categorical(from_stateless_seed(seed), logits, _num_samples(ctx), ctx.result_type.dtype))


def _index(vector, position):
    """vector[position] for a run-time scalar position, as a [1] tensor."""
    return tnp.emit("tfc.dynamic_slice", [vector, position], {"slice_sizes": (1,)})


def fisher_yates(gen: Generator, rows: int):
    """TensorFlow's shuffle of ``rows`` indices: for i = 0 .. rows - 2, swap i with i + word_i % (rows - i),
    the words taken one after another from the stream; a ``tfc.while`` of O(1) swaps."""
    position = tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.u64, (rows - 1,))])
    words = tnp.astype(samples.full_int(gen, rows - 1, DType.u32), DType.u64)
    targets = tnp.astype(position + tnp.emit("tfc.remainder", [words, tnp.subtract(np.uint64(rows), position)]), DType.i32)

    def swap(i, permutation):
        j = tnp.reshape(_index(targets, i), ())
        first, second = _index(permutation, i), _index(permutation, j)
        permutation = tnp.emit("tfc.dynamic_update_slice", [permutation, second, i])
        return tnp.emit("tfc.dynamic_update_slice", [permutation, first, j])

    start = tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.i32, (rows,))])
    return fori_loop(0, rows - 1, swap, start)


def _shuffle(ctx, value):
    """Rows in TensorFlow's order (its kernel shuffles an index vector, or a vector in place, alike);
    each run reserves a word per swap, in whole blocks (none when there is nothing to shuffle)."""
    if value.ndim == 0 or value.shape[0] <= 1 or value.size <= 1:
        return value
    rows = value.shape[0]
    return tnp.take(value, fisher_yates(_stateful_generator(ctx, -(-(rows - 1) // 4)), rows), axis=0)


tf_op("RandomShuffle", lambda ctx, value: value, _shuffle, stateful=True)
