"""TF1's random tensors: ``random_normal``, ``truncated_normal``, ``random_uniform`` as TensorFlow's
stateful random ops, seeded as ``tf.set_random_seed`` and the op's ``seed`` say, by TensorFlow's
rules, so a seeded program draws TensorFlow's numbers, run after run (see README, "Random numbers")."""

from __future__ import annotations

import weakref

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from .graph import get_default_graph
from .ops import add, to_tensor
from .tensor import Tensor

_DEFAULT_GRAPH_SEED = 87654321
_OP_SEEDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def set_random_seed(seed) -> None:
    """The default graph's seed: its random ops then give the same numbers in every run of the program."""
    get_default_graph().seed = None if seed is None else int(seed)


def get_seed(op_seed) -> tuple[int, int]:
    """``(seed, seed2)`` for a random op, as TensorFlow 2's ``get_seed`` derives them: with a graph
    seed and no op seed, the op seed counts the graph's random ops (0, 1, 2...)."""
    graph = get_default_graph()
    if graph.seed is not None:
        if op_seed is None:
            op_seed = _OP_SEEDS.get(graph, 0)
            _OP_SEEDS[graph] = op_seed + 1
        seeds = graph.seed, op_seed
    elif op_seed is not None:
        seeds = _DEFAULT_GRAPH_SEED, op_seed
    else:
        return 0, 0  # unseeded (tfc derives a fixed seed from the node's name)
    return seeds if seeds != (0, 0) else (0, 2**31 - 1)  # (0, 0) would mean "unseeded" to the kernel


def _shape(shape) -> Tensor:
    if isinstance(shape, Tensor):
        return shape
    return to_tensor(np.asarray([int(d) for d in shape], np.int32), name="shape")


def _draw(op_type: str, shape, dtype, seed, name) -> Tensor:
    seed, seed2 = get_seed(seed)
    return add(op_type, [_shape(shape)], {"dtype": as_dtype(dtype), "seed": seed, "seed2": seed2}, name=name or op_type)


def random_uniform(shape, minval=0, maxval=None, dtype=DType.f32, seed=None, name=None):
    """Uniform in ``[minval, maxval)`` (``maxval`` defaults to 1 for floats; required for integers)."""
    dtype = as_dtype(dtype)
    if dtype.is_int:
        if maxval is None:
            raise ValueError("tf.random_uniform: an integer dtype needs maxval")
        seed, seed2 = get_seed(seed)
        return add("RandomUniformInt", [_shape(shape), to_tensor(minval, dtype), to_tensor(maxval, dtype)],
                   {"seed": seed, "seed2": seed2}, name=name or "random_uniform")
    unit = _draw("RandomUniform", shape, dtype, seed, name or "random_uniform")
    maxval = 1 if maxval is None else maxval
    if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)) and (minval, maxval) == (0, 1):
        return unit
    low = to_tensor(minval, dtype) if not isinstance(minval, Tensor) else minval
    high = to_tensor(maxval, dtype) if not isinstance(maxval, Tensor) else maxval
    return add("AddV2", [add("Mul", [unit, add("Sub", [high, low])]), low])


def random_normal(shape, mean=0.0, stddev=1.0, dtype=DType.f32, seed=None, name=None):
    """Normal with ``mean`` and ``stddev``."""
    return _scaled(_draw("RandomStandardNormal", shape, dtype, seed, name or "random_normal"), mean, stddev)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=DType.f32, seed=None, name=None):
    """Normal with ``mean`` and ``stddev``, redrawn beyond two standard deviations."""
    return _scaled(_draw("TruncatedNormal", shape, dtype, seed, name or "truncated_normal"), mean, stddev)


def _scaled(unit: Tensor, mean, stddev) -> Tensor:
    stddev = to_tensor(stddev, unit.dtype) if not isinstance(stddev, Tensor) else stddev
    mean = to_tensor(mean, unit.dtype) if not isinstance(mean, Tensor) else mean
    return add("AddV2", [add("Mul", [unit, stddev]), mean])


__all__ = ["get_seed", "random_normal", "random_uniform", "set_random_seed", "truncated_normal"]
