"""TensorFlow 1's gather/scatter/reverse/mask/search functions (``tf.gather_nd``, ``tf.scatter_nd``,
``tf.reverse``, ``tf.sequence_mask``, ``tf.searchsorted``...): TensorFlow's ops where TensorFlow's
Python calls one op, TensorFlow's composition where it composes (sequence_mask, searchsorted,
batch_gather)."""

from __future__ import annotations

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from . import array_ops, math_ops
from .ops import add, add_op, axis_list, pick, to_tensor
from .tensor import Tensor


def _indices(value) -> Tensor:
    """An index tensor: Python ints become int32 (int64 when they need it), as TensorFlow converts them."""
    return value if isinstance(value, Tensor) else to_tensor(value)


def gather_nd(params, indices, name=None, batch_dims=0):
    """Slices of ``params`` at the index vectors in the last axis of ``indices``; with ``batch_dims``,
    per batch entry (each index vector prefixed with its batch coordinates, as TensorFlow's
    ``batch_gather_nd`` does)."""
    params, indices = to_tensor(params), _indices(indices)
    if batch_dims:
        indices = _with_batch_coordinates(indices, int(batch_dims))
    return add("GatherNd", [params, indices], name=name or "GatherNd")


def _with_batch_coordinates(indices: Tensor, batch_dims: int) -> Tensor:
    """``indices`` [B..., N..., k] as [B..., N..., batch_dims + k]: each vector after its batch coordinates."""
    shape = indices.shape.as_list() if indices.shape.ndims is not None else None
    if shape is None or not 0 < batch_dims < len(shape) or None in shape[:-1]:
        raise ValueError(f"tf.gather_nd: batch_dims={batch_dims} needs indices of known shape with more than batch_dims "
                         f"dimensions, got shape {indices.shape}")
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in shape[:batch_dims]], indexing="ij"), axis=-1)
    grid = grid.reshape(shape[:batch_dims] + [1] * (len(shape) - 1 - batch_dims) + [batch_dims])
    coordinates = np.broadcast_to(grid, shape[:-1] + [batch_dims]).astype(indices.dtype.numpy)
    return array_ops.concat([to_tensor(coordinates, indices.dtype, "batch_coordinates"), indices], axis=-1)


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of ``shape`` with ``updates`` summed in at ``indices``."""
    indices = _indices(indices)
    shape = shape if isinstance(shape, Tensor) else to_tensor(list(shape), indices.dtype, "shape")
    return add("ScatterNd", [indices, to_tensor(updates), shape], name=name or "ScatterNd")


def _tensor_scatter(op_type: str, doc: str):
    def fn(tensor, indices, updates, name=None):
        tensor = to_tensor(tensor)
        updates = updates if isinstance(updates, Tensor) else to_tensor(updates, tensor.dtype, "updates")
        return add(op_type, [tensor, _indices(indices), updates], name=name or op_type)

    fn.__doc__ = doc
    return fn


tensor_scatter_nd_update = tensor_scatter_update = _tensor_scatter("TensorScatterUpdate", "``tensor`` with ``updates`` written at ``indices``.")
tensor_scatter_nd_add = tensor_scatter_add = _tensor_scatter("TensorScatterAdd", "``tensor`` with ``updates`` added at ``indices``.")
tensor_scatter_nd_sub = tensor_scatter_sub = _tensor_scatter("TensorScatterSub", "``tensor`` with ``updates`` subtracted at ``indices``.")
tensor_scatter_nd_min = _tensor_scatter("TensorScatterMin", "``tensor`` with the minimum of it and ``updates`` at ``indices``.")
tensor_scatter_nd_max = _tensor_scatter("TensorScatterMax", "``tensor`` with the maximum of it and ``updates`` at ``indices``.")


def reverse(tensor, axis, name=None):
    """``tensor`` reversed along the axes in ``axis`` (TF1's tf.reverse is ReverseV2: a list of axes)."""
    return add("ReverseV2", [to_tensor(tensor), axis_list(axis)], name=name or "ReverseV2")


reverse_v2 = reverse


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None, seq_dim=None, batch_dim=None):
    """Each batch entry's first ``seq_lengths[i]`` items along ``seq_axis`` reversed (TF1 also spells the axes ``seq_dim``/``batch_dim``)."""
    seq_axis = pick(seq_axis, seq_dim, "seq_axis", "seq_dim")
    batch_axis = pick(batch_axis, batch_dim, "batch_axis", "batch_dim")
    if seq_axis is None:
        raise ValueError("tf.reverse_sequence: 'seq_axis' is required")
    attrs = {"seq_dim": int(seq_axis), "batch_dim": 0 if batch_axis is None else int(batch_axis)}
    return add("ReverseSequence", [to_tensor(input), _indices(seq_lengths)], attrs, name=name or "ReverseSequence")


def roll(input, shift, axis, name=None):
    """Elements shifted cyclically by ``shift`` along ``axis``."""
    return add("Roll", [to_tensor(input), _indices(shift), _indices(axis)], name=name or "Roll")


def where_v2(condition, x=None, y=None, name=None):
    """TensorFlow 2's where: broadcasting select, or the true indices with one argument."""
    return array_ops.where(condition, x, y, name=name or "SelectV2")


def sequence_mask(lengths, maxlen=None, dtype=DType.bool, name=None):
    """``mask[..., j] = j < lengths[...]``: one row of ``maxlen`` (default: the longest length) per length."""
    lengths = to_tensor(lengths)
    if maxlen is None:
        maxlen = math_ops.reduce_max(lengths)
        maxlen = math_ops.maximum(to_tensor(0, maxlen.dtype), maxlen)
    else:
        maxlen = to_tensor(maxlen)
    if maxlen.shape.ndims not in (None, 0):
        raise ValueError(f"tf.sequence_mask: 'maxlen' must be a scalar, got shape {maxlen.shape}")
    row = add("Range", [to_tensor(0, maxlen.dtype), maxlen, to_tensor(1, maxlen.dtype)], name="Range")
    matrix = math_ops.cast(array_ops.expand_dims(lengths, -1), maxlen.dtype)
    result = math_ops.less(row, matrix)
    dtype = as_dtype(dtype)
    return result if dtype == DType.bool else math_ops.cast(result, dtype)


def _rows_of(x: Tensor):
    """The shape ``[-1, last]`` that makes ``x`` a matrix of its innermost rows."""
    if not x.shape.ndims:
        raise ValueError(f"tf.searchsorted: tensor '{x.name}' must have rank 1 or more, got shape {x.shape}")
    last = x.shape.as_list()[-1]
    return [-1, last] if last is not None else array_ops.stack([-1, array_ops.shape(x)[-1]])


def searchsorted(sorted_sequence, values, side="left", out_type=DType.i32, name=None):
    """Where each of ``values`` would be inserted into the innermost rows of ``sorted_sequence``."""
    if side not in ("left", "right"):
        raise ValueError(f"tf.searchsorted: 'side' must be 'left' or 'right', got {side!r}")
    sequence, values = to_tensor(sorted_sequence), to_tensor(values)
    seq_2d = array_ops.reshape(sequence, _rows_of(sequence))
    values_2d = array_ops.reshape(values, _rows_of(values))
    op_type = "UpperBound" if side == "right" else "LowerBound"
    found = add(op_type, [seq_2d, values_2d], {"out_type": as_dtype(out_type)}, name=name or op_type)
    target = values.shape.as_list() if values.shape.is_fully_defined() else array_ops.shape(values)
    return array_ops.reshape(found, target)


def dynamic_partition(data, partitions, num_partitions, name=None):
    """``num_partitions`` tensors: the entries of ``data`` whose ``partitions`` value is i (sizes known only at run time)."""
    op = add_op("DynamicPartition", [to_tensor(data), to_tensor(partitions)], {"num_partitions": int(num_partitions)},
                name=name or "DynamicPartition")
    return op.outputs


def dynamic_stitch(indices, data, name=None):
    """The values of ``data`` interleaved into one tensor at the positions ``indices`` give."""
    return add("DynamicStitch", [[to_tensor(i) for i in indices], [to_tensor(d) for d in data]], name=name or "DynamicStitch")


def setdiff1d(x, y, index_dtype=DType.i32, name=None):
    """(out, idx): the entries of ``x`` not in ``y``, in order, and their positions in ``x``."""
    x = to_tensor(x)
    y = y if isinstance(y, Tensor) else to_tensor(y, x.dtype, "y")
    op = add_op("ListDiff", [x, y], {"out_idx": as_dtype(index_dtype)}, name=name or "ListDiff")
    return tuple(op.outputs)


def unique_with_counts(x, out_idx=DType.i32, name=None):
    """(y, idx, count): ``tf.unique`` plus how often each distinct value occurs."""
    op = add_op("UniqueWithCounts", [to_tensor(x)], {"out_idx": as_dtype(out_idx)}, name=name or "UniqueWithCounts")
    return tuple(op.outputs)


def batch_gather(params, indices, name=None):
    """``tf.gather`` per batch entry: ``batch_dims`` is every axis of ``indices`` but the last."""
    indices = _indices(indices)
    if indices.shape.ndims is None:
        raise ValueError("tf.batch_gather: 'indices' must have a known rank")
    batch_dims = indices.shape.ndims - 1
    return array_ops.gather(params, indices, name=name or "batch_gather", axis=batch_dims, batch_dims=batch_dims)


def broadcast_to(input, shape, name=None):
    """``input`` broadcast to ``shape`` (numpy's rules)."""
    shape = shape if isinstance(shape, Tensor) else to_tensor([int(d) for d in shape], DType.i32, "shape")
    return add("BroadcastTo", [to_tensor(input), shape], name=name or "BroadcastTo")


__all__ = [
    "batch_gather", "broadcast_to", "dynamic_partition", "dynamic_stitch", "gather_nd", "reverse", "reverse_sequence",
    "reverse_v2", "roll", "scatter_nd", "searchsorted", "sequence_mask", "setdiff1d", "tensor_scatter_add",
    "tensor_scatter_nd_add", "tensor_scatter_nd_max", "tensor_scatter_nd_min", "tensor_scatter_nd_sub",
    "tensor_scatter_nd_update", "tensor_scatter_sub", "tensor_scatter_update", "unique_with_counts", "where_v2",
]
TOP_LEVEL: tuple[str, ...] = tuple(__all__)  # every name is also tf.<name>
