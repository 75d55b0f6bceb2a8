"""tf.random: TensorFlow 1's random namespace over TensorFlow's stateful random ops, seeded by
``tf.set_random_seed`` and each op's ``seed`` as :mod:`.random_ops` seeds them."""

from __future__ import annotations

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


random_shuffle = shuffle  # TF1's top-level name

__all__ = ["categorical", "get_seed", "multinomial", "normal", "set_random_seed", "shuffle",
           "truncated_normal", "uniform"]
TOP_LEVEL: tuple[str, ...] = ("get_seed", "multinomial", "random_shuffle", "set_random_seed", "truncated_normal")
