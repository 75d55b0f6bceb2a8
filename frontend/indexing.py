"""numpy-style indexing of traced tensors: ints, slices (any step), ``None``, ``...`` and one integer array.

Basic indexing becomes reverse (for negative steps) + slice + reshape; an integer array index
becomes a gather (``take``). Boolean masks have data-dependent shapes and are rejected.
"""

from __future__ import annotations

import numpy as np

from tfc.diagnostics import TraceError
from tfc.types import DType

from . import api
from .tracing import Tensor, user_location


def _is_array_index(ix) -> bool:
    return isinstance(ix, (Tensor, np.ndarray, list)) or (hasattr(ix, "__array__") and hasattr(ix, "dtype"))


def _fail(message: str):
    raise TraceError(message, user_location())


def getitem(x: Tensor, index) -> Tensor:
    index = index if isinstance(index, tuple) else (index,)
    arrays = [i for i, ix in enumerate(index) if _is_array_index(ix)]
    if arrays:
        return _advanced(x, index, arrays)
    consumed = sum(1 for ix in index if ix is not None and ix is not Ellipsis)
    if consumed > x.ndim:
        _fail(f"too many indices ({consumed}) for a tensor of rank {x.ndim}")
    if sum(1 for ix in index if ix is Ellipsis) > 1:
        _fail("an index can only have one ellipsis ('...')")
    at = index.index(Ellipsis) if Ellipsis in index else len(index)
    index = index[:at] + (slice(None),) * (x.ndim - consumed) + index[at + 1 :]
    return _basic(x, index)


def _basic(x: Tensor, index: tuple) -> Tensor:
    starts, limits, strides, reversed_dims, shape = [], [], [], [], []
    dim = 0
    for ix in index:
        if ix is None:
            shape.append(1)
            continue
        size = x.shape[dim]
        if isinstance(ix, slice):
            start, stop, step = ix.indices(size)
            count = len(range(start, stop, step))
            if step < 0:
                reversed_dims.append(dim)
                start, step = size - 1 - start, -step
            starts.append(start)
            limits.append(start + (count - 1) * step + 1 if count else start)
            strides.append(step)
            shape.append(count)
        elif isinstance(ix, (int, np.integer)) and not isinstance(ix, bool):
            i = int(ix)
            if not -size <= i < size:
                _fail(f"index {i} is out of bounds for axis {dim} with size {size}")
            i %= size
            starts.append(i)
            limits.append(i + 1)
            strides.append(1)
        else:
            _fail(f"unsupported index {ix!r} of type {type(ix).__name__}; expected int, slice, None, ... or an integer array")
        dim += 1
    if reversed_dims:
        x = api._emit("tfc.reverse", [x], {"dimensions": tuple(reversed_dims)})
    if starts != [0] * x.ndim or limits != list(x.shape) or strides != [1] * x.ndim:
        x = api._emit("tfc.slice", [x], {"start_indices": tuple(starts), "limit_indices": tuple(limits), "strides": tuple(strides)})
    return api.reshape(x, tuple(shape))


def _advanced(x: Tensor, index: tuple, arrays: list[int]) -> Tensor:
    if len(arrays) != 1 or any(not (isinstance(ix, slice) and ix == slice(None)) for i, ix in enumerate(index) if i != arrays[0]):
        _fail("only one integer-array index combined with full slices (':') is supported")
    indices = api.to_tensor(index[arrays[0]])
    if indices.dtype is DType.bool:
        _fail("boolean mask indexing gives a data-dependent shape; use tfc.where instead")
    if not indices.dtype.is_int:
        _fail(f"array indices must be integers, got {indices.dtype.value}")
    size = x.shape[arrays[0]]
    wrapped = api.where(api.less(indices, 0), api.add(indices, size), indices)  # numpy's negative indices
    return api.take(x, wrapped, axis=arrays[0])
