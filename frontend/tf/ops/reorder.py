"""TensorFlow's ops that reorder elements along dimensions: Roll and ReverseSequence (Reverse and
ReverseV2 are with the indexing ops, :mod:`.array_index`).

Which dimensions move must be known (the axes of a Roll), but the amounts may be
computed at run time: a Roll by a tensor is a dynamic slice of the input concatenated with itself,
and ReverseSequence's lengths pick positions through a gather. TensorFlow rejects sequence lengths
past the dimension at run time; XLA cannot, and reads clamped positions (constant lengths are
checked here, as TensorFlow would).
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import tf_op
from .array import axis_in, const, ints, shape_text, slice_along, static


# ---- Roll -----------------------------------------------------------------------------------------
def _roll_axes(axis_value, rank: int, shift_shape) -> list[int]:
    axes = [axis_in(a, rank) for a in ints(axis_value)]
    if shift_shape is not None and tuple(shift_shape) != np.shape(axis_value):
        raise ShapeError(f"shift {shape_text(shift_shape)} and axis {list(np.shape(axis_value))} must have the same shape")
    if np.ndim(axis_value) > 1:
        raise ShapeError(f"axis must be a scalar or a vector, got shape {list(np.shape(axis_value))}")
    return axes


def _roll_type(ctx, x, shift, axis):
    value = ctx.constant(2)
    if value is not None and x.shape is not None:
        _roll_axes(value, len(x.shape), shift.shape)
    return x


def _rolled_static(x, axis: int, shift: int):
    """``x`` rolled by a known amount: two slices swapped."""
    size = x.shape[axis]
    cut = size - shift % size
    return tnp.concatenate([slice_along(x, axis, cut, size), slice_along(x, axis, 0, cut)], axis)


def _rolled_dynamic(x, axis: int, shift):
    """``x`` rolled by a run-time amount: the window of ``concat(x, x)`` starting at size - shift mod size."""
    size = x.shape[axis]
    start = tnp.remainder(tnp.astype(size, shift.dtype) - tnp.remainder(shift, tnp.astype(size, shift.dtype)), tnp.astype(size, shift.dtype))
    doubled = tnp.concatenate([x, x], axis)
    zero = tnp.astype(0, shift.dtype)
    starts = [start if d == axis else zero for d in range(x.ndim)]
    return tnp.emit("tfc.dynamic_slice", [doubled, *starts], {"slice_sizes": x.shape})


def _roll(ctx, x, shift, axis):
    """Shifts along a repeated axis add up, as in TensorFlow."""
    axes = _roll_axes(static(ctx, 2, "axis"), x.ndim, shift.shape)
    value = ctx.constant(1)
    flat_shift = tnp.reshape(shift, (len(axes),))
    for a in sorted(set(axes)):
        if x.shape[a] == 0:
            continue
        if value is not None:
            x = _rolled_static(x, a, sum(s for s, b in zip(ints(value), axes) if b == a))
        else:
            total = tnp.sum(tnp.take(flat_shift, np.array([i for i, b in enumerate(axes) if b == a], np.int32)))
            x = _rolled_dynamic(x, a, total)
    return x


tf_op("Roll", _roll_type, _roll)


# ---- ReverseSequence ------------------------------------------------------------------------------
def _sequence_axes(ctx, rank: int) -> tuple[int, int]:
    seq_dim, batch_dim = ctx.attrs["seq_dim"], ctx.attrs.get("batch_dim", 0)
    if not 0 <= seq_dim < rank or not 0 <= batch_dim < rank:
        raise ShapeError(f"seq_dim {seq_dim} and batch_dim {batch_dim} must be in [0, {rank}) for a rank-{rank} input")
    if seq_dim == batch_dim:
        raise ShapeError(f"seq_dim and batch_dim must differ, both are {seq_dim}")
    return seq_dim, batch_dim


def _reverse_sequence_type(ctx, x, lengths):
    if x.shape is None:
        return x
    seq_dim, batch_dim = _sequence_axes(ctx, len(x.shape))
    if lengths.shape is not None:
        size = x.shape[batch_dim]
        if len(lengths.shape) != 1 or None not in (size, lengths.shape[0]) and size != lengths.shape[0]:
            raise ShapeError(f"seq_lengths {shape_text(lengths.shape)} must be a vector of one length per batch entry "
                             f"(input dimension {batch_dim}, size {'?' if size is None else size})")
    return x


def _check_lengths(ctx, size: int) -> None:
    value = ctx.constant(1)
    if value is not None and np.any((value < 0) | (value > size)):
        raise ShapeError(f"seq_lengths {ints(value)} must be in [0, {size}] (the size of seq_dim)")


def _reverse_sequence(ctx, x, lengths):
    """out[b, t] = x[b, length[b] - 1 - t] for t < length[b], else x[b, t]: a gather of (b, t') pairs."""
    seq_dim, batch_dim = _sequence_axes(ctx, x.ndim)
    _reverse_sequence_type(ctx, x.type, lengths.type)
    _check_lengths(ctx, x.shape[seq_dim])
    batch, steps = x.shape[batch_dim], x.shape[seq_dim]
    t = const(np.arange(steps)[None, :], lengths.dtype)
    length = tnp.reshape(lengths, (batch, 1))
    source = tnp.where(tnp.less(t, length), length - 1 - t, tnp.broadcast_to(t, (batch, steps)))
    b = tnp.broadcast_to(const(np.arange(batch)[:, None], lengths.dtype), (batch, steps))
    pairs = tnp.stack([b, source], axis=-1)  # [batch, steps, 2]: (batch index, source step)
    if seq_dim < batch_dim:
        pairs = tnp.transpose(tnp.stack([source, b], axis=-1), (1, 0, 2))
    moved = sorted((batch_dim, seq_dim))
    attrs = {
        "offset_dims": tuple(d for d in range(x.ndim) if d not in moved),
        "collapsed_slice_dims": tuple(moved),
        "start_index_map": tuple(moved),
        "index_vector_dim": 2,
        "slice_sizes": tuple(1 if d in moved else n for d, n in enumerate(x.shape)),
    }
    return tnp.emit("tfc.gather", [x, pairs], attrs, [TensorType(x.dtype, x.shape)])


tf_op("ReverseSequence", _reverse_sequence_type, _reverse_sequence)
