"""What TensorFlow 1's commonest array functions mean inside ``@tfc.compile``, recorded directly.

``import tfc as tf`` serves a TF1 graph and a traced function with one model function. Inside a trace
every other TF1 function is built on a scratch graph and inlined (:mod:`.graph_inlining`, a few ms a
call at trace time); these (``tf.shape``, ``tf.tile``, ``tf.split``...), which model code calls most,
record tfc ops at once with the same results (tests/compat/test_tf1_in_traces.py compares them with
a Session). Sizes that shape a result (``multiples``, ``num_or_size_splits``, ``begin``) must be known
when the function is traced, as XLA's static shapes need: a tensor there is a TraceError naming it.
"""

from __future__ import annotations

import builtins

import numpy as np

from tfc.diagnostics import TraceError
from tfc.frontend import api
from tfc.frontend.tracing import user_location
from tfc.types import DType


def _static_ints(value, function: str, argument: str) -> list[int]:
    """``value`` (ints, a list, a numpy array) as Python ints; a traced tensor cannot shape a result."""
    if isinstance(value, api.Tensor):
        raise TraceError(f"tf.{function}: '{argument}' must be known when the function is traced (Python ints or a "
                         f"numpy array), got a traced tensor", user_location())
    return [int(v) for v in np.asarray(value).reshape(-1)]


def _static_dims(x: api.Tensor, function: str) -> tuple[int, ...]:
    if None in x.shape:
        raise TraceError(f"tf.{function}: the input's dims must be known when the function is traced, got shape "
                         f"{tuple('?' if d is None else d for d in x.shape)}", user_location())
    return x.shape


def _axis(axis: int, rank: int, function: str) -> int:
    if not -rank <= axis < rank:
        raise TraceError(f"tf.{function}: axis {axis} is out of range for a tensor of rank {rank}", user_location())
    return axis % rank


def _along(axis: int, index) -> tuple:
    return (slice(None),) * axis + (index,)


def shape(input, name=None, out_type=DType.i32):
    return api.astype(api.shape_tensor(input), out_type)


def size(input, name=None, out_type=DType.i32):
    x = api.to_tensor(input)
    return api.astype(api.size_product(x, builtins.range(x.ndim)), out_type)


def rank(input, name=None):
    return api.to_tensor(np.int32(api.to_tensor(input).ndim))


def tile(input, multiples, name=None):
    """Each dim ``d`` repeated ``m`` times whole: broadcast ``[.., 1, d, ..]`` to ``[.., m, d, ..]``, then merge."""
    x = api.to_tensor(input)
    counts = _static_ints(multiples, "tile", "multiples")
    if len(counts) != x.ndim:
        raise TraceError(f"tf.tile: 'multiples' has {len(counts)} entries but the input has rank {x.ndim}", user_location())
    dims = _static_dims(x, "tile")
    spread = api.reshape(x, tuple(v for d in dims for v in (1, d)))
    repeated = api.broadcast_to(spread, tuple(v for m, d in zip(counts, dims) for v in (m, d)))
    return api.reshape(repeated, tuple(m * d for m, d in zip(counts, dims)))


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    x = api.to_tensor(value)
    axis = _axis(int(axis), x.ndim, "split")
    length = _static_dims(x, "split")[axis]
    sizes = _split_sizes(num_or_size_splits, length)
    starts = np.cumsum([0, *sizes[:-1]])
    return [x[_along(axis, slice(int(start), int(start) + s))] for start, s in zip(starts, sizes)]


def _split_sizes(num_or_size_splits, length: int) -> list[int]:
    if isinstance(num_or_size_splits, (int, np.integer)):
        count = int(num_or_size_splits)
        if count <= 0 or length % count:
            raise TraceError(f"tf.split: a dim of {length} cannot be split into {count} equal parts", user_location())
        return [length // count] * count
    sizes = _static_ints(num_or_size_splits, "split", "num_or_size_splits")
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = length - (sum(sizes) + 1)
    if sum(sizes) != length or builtins.min(sizes) < 0:
        raise TraceError(f"tf.split: sizes {sizes} do not add up to the dim's {length}", user_location())
    return sizes


def slice_(input_, begin, size, name=None):
    """``tf.slice``: ``size[i]`` of ``-1`` takes the rest of dim ``i``."""
    x = api.to_tensor(input_)
    starts, sizes = _static_ints(begin, "slice", "begin"), _static_ints(size, "slice", "size")
    if not len(starts) == len(sizes) == x.ndim:
        raise TraceError(f"tf.slice: 'begin' and 'size' need {x.ndim} entries (the input's rank), got {len(starts)} and {len(sizes)}",
                         user_location())
    return x[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(starts, sizes))]


def unstack(value, num=None, axis=0, name="unstack"):
    x = api.to_tensor(value)
    axis = _axis(int(axis), x.ndim, "unstack")
    length = _static_dims(x, "unstack")[axis]
    if num is not None and num != length:
        raise TraceError(f"tf.unstack: num={num} but the dim has {length} entries", user_location())
    return [x[_along(axis, i)] for i in builtins.range(length)]


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    """``tf.range`` of Python numbers: a constant (integers become int32, others float32, as TensorFlow's)."""
    bounds = (0, start) if limit is None else (start, limit)
    for what, bound in zip(("start", "limit", "delta"), (*bounds, delta)):
        _static_ints(bound, "range", what)  # a traced bound would make the length data-dependent
    values = np.arange(*bounds, delta)
    if dtype is None:
        dtype = DType.i32 if all(isinstance(v, (int, np.integer)) for v in (*bounds, delta)) else DType.f32
    return api.to_tensor(values.astype(api.as_dtype(dtype).numpy))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    return api.clip(t, clip_value_min, clip_value_max)


ARRAY_MEANINGS = {"shape": shape, "size": size, "rank": rank, "tile": tile, "split": split, "slice": slice_,
                  "unstack": unstack, "range": range_, "clip_by_value": clip_by_value}
"""TensorFlow 1's top-level names with a traced meaning (:data:`tfc.frontend.compat.dispatch.TRACED_MEANINGS`)."""

__all__ = ["ARRAY_MEANINGS"]
