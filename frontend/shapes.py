"""Shape rules the tracing API applies at trace time: numpy broadcasting, axis lists, reshape
targets, and what a basic index (ints, slices, ``None``, ``...``) takes from each dimension. Pure
functions of shapes: a rule that does not hold is a TraceError at the user's line."""

from __future__ import annotations

import numpy as np

from .tracing import fail


def broadcast_shapes(*shapes) -> tuple:
    """numpy's broadcasting rule, with a TraceError naming both shapes when it fails. An unknown dim
    (None) broadcasts against 1 and against other unknown dims (taken to be the same size: the
    loader's specialization checks it) and becomes the size it meets otherwise."""
    rank = max(len(s) for s in shapes)
    result = []
    for dims in zip(*[(1,) * (rank - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        known = sizes - {None}
        if len(known) > 1:
            fail(f"shapes {' and '.join(shape_text(s) for s in shapes)} cannot be broadcast together")
        result.append(known.pop() if known else (None if sizes else 1))
    return tuple(result)


def shape_text(shape) -> str:
    """``[2, ?, 3]``: a shape as messages print it, unknown dims as ``?``."""
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


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
    """numpy's reshape target for an array of ``shape``: an int or ints, one of which may be -1. The
    result's dims are None where they depend on unknown dims of ``shape`` (see :func:`reshape_sizes`)."""
    return tuple(None if axes else factor for axes, factor, _ in reshape_sizes(shape, target))


def reshape_sizes(shape: tuple, target) -> list:
    """Each result dim of reshaping ``shape`` to ``target`` as ``(axes, numerator, denominator)``: the
    product of ``shape``'s (unknown) dims ``axes`` times numerator // denominator. A None in ``target``
    stands for the next unknown dim of ``shape``, in order; a -1 takes the unknown dims left and what
    the known ones leave over."""
    target = (target,) if isinstance(target, int) else tuple(None if d is None else int(d) for d in target)
    if target.count(-1) > 1:
        fail(f"reshape to {list(target)}: only one dimension can be -1")
    unknown = [a for a, d in enumerate(shape) if d is None]
    if target.count(None) > len(unknown):
        fail(f"reshape of {shape_text(shape)} to {shape_text(target)}: more unknown (None) dims than the operand has")
    claimed, rest = unknown[: target.count(None)], unknown[target.count(None) :]
    total = int(np.prod([d for d in shape if d is not None]))
    known = int(np.prod([d for d in target if d is not None and d != -1]))
    if -1 in target and (known == 0 or (not rest and total % known)):
        fail(f"cannot reshape {shape_text(shape)} to {list(target)}")
    if not unknown and -1 not in target and known != total:
        fail(f"cannot reshape {shape_text(shape)} ({total} elements) to {list(target)}")
    sizes, claim = [], iter(claimed)
    for d in target:
        if d is None:
            sizes.append(((next(claim),), 1, 1))
        elif d == -1:
            sizes.append((tuple(rest), total, known) if rest else ((), total // known, 1))
        else:
            sizes.append(((), d, 1))
    return sizes


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
    """(starts, limits, strides, reversed dims, result shape) of a basic index on ``shape``; an unknown
    dim's start and limit are None (they depend on its size) and a slice of it is unknown too."""
    starts, limits, strides, reversed_dims, result = [], [], [], [], []
    dim = 0
    for ix in index:
        if ix is None:
            result.append(1)
            continue
        size = shape[dim]
        if size is None:  # bounds known only at run time: the caller computes them
            step = 1 if not isinstance(ix, slice) or ix.step is None else int(ix.step)
            if step == 0:
                fail("slice step cannot be zero")
            if step < 0:
                reversed_dims.append(dim)
            starts.append(None), limits.append(None), strides.append(abs(step))
            if isinstance(ix, slice):
                result.append(None)
            dim += 1
            continue
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


__all__ = ["axes_of", "broadcast_shapes", "expand_ellipsis", "reshape_sizes", "reshape_target", "shape_text", "slice_plan"]
