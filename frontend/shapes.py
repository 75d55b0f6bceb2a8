"""Shape rules the tracing API applies at trace time: numpy broadcasting, axis lists, reshape
targets, and what a basic index (ints, slices, ``None``, ``...``) takes from each dimension. Pure
functions of shapes: a rule that does not hold is a TraceError at the user's line."""

from __future__ import annotations

import numpy as np

from .tracing import fail


def broadcast_shapes(*shapes) -> tuple:
    """numpy's broadcasting rule, with a TraceError naming both shapes when it fails."""
    rank = max(len(s) for s in shapes)
    result = []
    for dims in zip(*[(1,) * (rank - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            fail(f"shapes {' and '.join(str(list(s)) for s in shapes)} cannot be broadcast together")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def axes_of(axis, ndim: int) -> tuple:
    """``axis`` (None, an int or a sequence) as sorted non-negative axes; TraceError when out of range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    normalized = []
    for a in axes:
        if not -ndim <= a < ndim:
            fail(f"axis {a} is out of range for a tensor of rank {ndim}")
        normalized.append(a % ndim)
    if len(set(normalized)) != len(normalized):
        fail(f"repeated axis in {axis}")
    return tuple(sorted(normalized))


def reshape_target(shape: tuple, target) -> tuple:
    """numpy's reshape target for an array of ``shape``: an int or ints, one of which may be -1."""
    target = (target,) if isinstance(target, int) else tuple(int(d) for d in target)
    if target.count(-1) > 1:
        fail(f"reshape to {list(target)}: only one dimension can be -1")
    total = int(np.prod(shape))
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1]))
        if known == 0 or total % known:
            fail(f"cannot reshape {list(shape)} to {list(target)}")
        target = tuple(total // known if d == -1 else d for d in target)
    if int(np.prod(target)) != total:
        fail(f"cannot reshape {list(shape)} ({total} elements) to {list(target)}")
    return target


def expand_ellipsis(index: tuple, ndim: int) -> tuple:
    """A basic index with ``...`` (or missing trailing axes) written out as full slices."""
    consumed = sum(1 for ix in index if ix is not None and ix is not Ellipsis)
    if consumed > ndim:
        fail(f"too many indices ({consumed}) for a tensor of rank {ndim}")
    if sum(1 for ix in index if ix is Ellipsis) > 1:
        fail("an index can only have one ellipsis ('...')")
    at = index.index(Ellipsis) if Ellipsis in index else len(index)
    return index[:at] + (slice(None),) * (ndim - consumed) + index[at + 1 :]


def slice_plan(shape: tuple, index: tuple) -> tuple:
    """(starts, limits, strides, reversed dims, result shape) of a basic index on ``shape``."""
    starts, limits, strides, reversed_dims, result = [], [], [], [], []
    dim = 0
    for ix in index:
        if ix is None:
            result.append(1)
            continue
        size = shape[dim]
        if isinstance(ix, slice):
            start, stop, step = ix.indices(size)
            count = len(range(start, stop, step))
            if step < 0:
                reversed_dims.append(dim)
                start, step = size - 1 - start, -step
            starts.append(start)
            limits.append(start + (count - 1) * step + 1 if count else start)
            strides.append(step)
            result.append(count)
        else:
            i = int(ix)
            if not -size <= i < size:
                fail(f"index {i} is out of bounds for axis {dim} with size {size}")
            i %= size
            starts.append(i)
            limits.append(i + 1)
            strides.append(1)
        dim += 1
    return tuple(starts), tuple(limits), tuple(strides), tuple(reversed_dims), tuple(result)


__all__ = ["axes_of", "broadcast_shapes", "expand_ellipsis", "reshape_target", "slice_plan"]
