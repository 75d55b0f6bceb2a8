"""tf.random: TensorFlow 1's random namespace over TensorFlow's stateful random ops, seeded by
``tf.set_random_seed`` and each op's ``seed`` as :mod:`.random_ops` seeds them, and its stateless ops
(a function of their ``seed``: TensorFlow's numbers for the same seed)."""

from __future__ import annotations

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from .dtypes_ns import dtype_name
from .ops import add, to_tensor
from .random_ops import get_seed, random_normal, random_uniform, set_random_seed, truncated_normal
from .tensor import Tensor

normal, uniform = random_normal, random_uniform


def shuffle(value, seed=None, name=None) -> Tensor:
    """``value`` with its first dimension permuted at random (TensorFlow's RandomShuffle)."""
    value = to_tensor(value, name="value")
    if value.shape.rank == 0:
        raise ValueError(f"tf.random.shuffle: value must have at least one dimension, got a scalar '{value.name}'")
    seed, seed2 = get_seed(seed)
    return add("RandomShuffle", [value], {"seed": seed, "seed2": seed2}, name=name or "RandomShuffle")


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None) -> Tensor:
    """``num_samples`` class ids per row of ``logits`` ``[batch, classes]``, drawn with probabilities
    ``softmax(logits)``: ``[batch, num_samples]`` of ``output_dtype`` (int64 by default)."""
    return _multinomial("tf.random.multinomial", logits, num_samples, output_dtype, seed, name)


def categorical(logits, num_samples, dtype=None, seed=None, name=None) -> Tensor:
    """tf.random.categorical: TF2's name and argument order for :func:`multinomial`."""
    return _multinomial("tf.random.categorical", logits, num_samples, dtype, seed, name)


def _multinomial(what: str, logits, num_samples, dtype, seed, name) -> Tensor:
    logits = to_tensor(logits, name="logits")
    if logits.shape.rank is not None and logits.shape.rank != 2:
        raise ValueError(f"{what}: logits must be 2-D [batch_size, num_classes], got shape {logits.shape}")
    dtype = DType.i64 if dtype is None else as_dtype(dtype)
    if dtype not in (DType.i32, DType.i64):
        raise ValueError(f"{what}: the output dtype must be int32 or int64, got {dtype_name(dtype)}")
    seed, seed2 = get_seed(seed)
    samples = to_tensor(num_samples, DType.i32, name="num_samples")
    return add("Multinomial", [logits, samples], {"seed": seed, "seed2": seed2, "output_dtype": dtype}, name=name or "multinomial")


_ALGORITHMS = ("auto_select", "philox", 1, 3)  # tfc's stateless ops draw with Philox, what "auto_select" picks on CPU and GPU


def _stateless(what: str, op_type: str, shape, seed, dtype, alg, name, extra=()) -> Tensor:
    """A TensorFlow stateless random op: the same ``seed`` (a shape-[2] int tensor) gives the same numbers."""
    if alg not in _ALGORITHMS and getattr(alg, "name", None) not in ("PHILOX", "AUTO_SELECT"):
        raise ValueError(f"{what}: alg must be 'auto_select' or 'philox' (tfc's stateless ops use Philox), got {alg!r}")
    seed = _seed(what, seed)
    attrs = {} if op_type == "StatelessRandomUniformInt" else {"dtype": dtype}
    return add(op_type, [_shape(shape), seed, *extra], attrs, name=name or op_type)


def _seed(what: str, seed) -> Tensor:
    seed = seed if isinstance(seed, Tensor) else to_tensor(np.asarray(seed, np.int64), name="seed")
    if seed.dtype not in (DType.i32, DType.i64) or seed.shape.as_list() not in ([2], None):
        raise ValueError(f"{what}: seed must be a shape [2] int32 or int64 tensor, got shape {seed.shape} of {dtype_name(seed.dtype)}")
    return seed


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=DType.f32, name=None, alg="auto_select") -> Tensor:
    """Uniform in ``[minval, maxval)``, a function of ``seed`` (``maxval`` is required for integers)."""
    dtype = as_dtype(dtype)
    if dtype.is_int:
        if maxval is None:
            raise ValueError("tf.random.stateless_uniform: an integer dtype needs maxval")
        bounds = [to_tensor(minval, dtype, name="min"), to_tensor(maxval, dtype, name="max")]
        return _stateless("tf.random.stateless_uniform", "StatelessRandomUniformInt", shape, seed, dtype, alg, name, bounds)
    high = to_tensor(1 if maxval is None else maxval, dtype, name="max") if not isinstance(maxval, Tensor) else maxval
    low = to_tensor(minval, dtype, name="min") if not isinstance(minval, Tensor) else minval
    unit = _stateless("tf.random.stateless_uniform", "StatelessRandomUniform", shape, seed, dtype, alg, None)
    return add("AddV2", [add("Mul", [unit, add("Sub", [high, low])]), low], name=name or "stateless_random_uniform")


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=DType.f32, name=None, alg="auto_select") -> Tensor:
    """Normal with ``mean`` and ``stddev``, a function of ``seed``."""
    unit = _stateless("tf.random.stateless_normal", "StatelessRandomNormal", shape, seed, as_dtype(dtype), alg, None)
    return _shifted(unit, mean, stddev, name or "stateless_random_normal")


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=DType.f32, name=None, alg="auto_select") -> Tensor:
    """Normal with ``mean`` and ``stddev``, redrawn beyond two standard deviations, a function of ``seed``."""
    unit = _stateless("tf.random.stateless_truncated_normal", "StatelessTruncatedNormal", shape, seed, as_dtype(dtype), alg, None)
    return _shifted(unit, mean, stddev, name or "stateless_truncated_normal")


def _shifted(unit: Tensor, mean, stddev, name: str) -> Tensor:
    stddev = stddev if isinstance(stddev, Tensor) else to_tensor(stddev, unit.dtype, name="stddev")
    mean = mean if isinstance(mean, Tensor) else to_tensor(mean, unit.dtype, name="mean")
    return add("AddV2", [add("Mul", [unit, stddev]), mean], name=name)


def stateless_multinomial(logits, num_samples, seed, output_dtype=DType.i64, name=None) -> Tensor:
    """:func:`multinomial`, a function of ``seed``."""
    return _stateless_categorical("tf.random.stateless_multinomial", logits, num_samples, seed, output_dtype, name)


def stateless_categorical(logits, num_samples, seed, dtype=DType.i64, name=None) -> Tensor:
    """:func:`categorical`, a function of ``seed``."""
    return _stateless_categorical("tf.random.stateless_categorical", logits, num_samples, seed, dtype, name)


def _stateless_categorical(what: str, logits, num_samples, seed, dtype, name) -> Tensor:
    logits = to_tensor(logits, name="logits")
    if logits.shape.rank is not None and logits.shape.rank != 2:
        raise ValueError(f"{what}: logits must be 2-D [batch_size, num_classes], got shape {logits.shape}")
    dtype = as_dtype(dtype)
    if dtype not in (DType.i32, DType.i64):
        raise ValueError(f"{what}: the output dtype must be int32 or int64, got {dtype_name(dtype)}")
    samples = to_tensor(num_samples, DType.i32, name="num_samples")
    return add("StatelessMultinomial", [logits, samples, _seed(what, seed)], {"output_dtype": dtype}, name=name or "stateless_random_multinomial")


def _shape(shape) -> Tensor:
    if isinstance(shape, Tensor):
        return shape
    return to_tensor(np.asarray([int(d) for d in shape], np.int32), name="shape")

random_shuffle = shuffle  # TF1's top-level name

__all__ = ["categorical", "get_seed", "multinomial", "normal", "set_random_seed", "shuffle", "stateless_categorical",
           "stateless_multinomial", "stateless_normal", "stateless_truncated_normal", "stateless_uniform", "truncated_normal", "uniform"]
TOP_LEVEL: tuple[str, ...] = ("get_seed", "multinomial", "random_shuffle", "set_random_seed", "truncated_normal")
