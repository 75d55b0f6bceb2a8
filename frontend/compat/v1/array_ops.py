"""TF1's tensor-making and shape functions: constant, placeholder, zeros/ones/fill, reshape, concat,
stack, gather, one_hot, ... (TensorFlow's argument names and defaults)."""

from __future__ import annotations

import builtins

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from .graph import as_operation, get_default_graph
from .ops import add, add_op, axis_list, like, pick, to_tensor
from .tensor import Tensor, constant_in, python_array


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A Const: ``value`` (a number, nested lists or an array), converted to ``dtype``; a scalar or
    one-element value fills ``shape``, as in TensorFlow."""
    dtype = None if dtype is None else as_dtype(dtype)
    array = python_array(value) if dtype is None else np.asarray(value, dtype=dtype.numpy)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if array.size == 1:
            array = np.full(shape, array.reshape(()), array.dtype)
        elif array.shape != shape:
            if verify_shape or array.size != int(np.prod(shape)):
                raise TypeError(f"tf.constant: a value of shape {list(array.shape)} does not fit shape {list(shape)}")
            array = array.reshape(shape)
    return constant_in(get_default_graph(), array, None, name)


def placeholder(dtype, shape=None, name=None):
    """A graph input that a run fed it must be given; ``None`` dims (and ``shape=None``) are any size."""
    attrs = {"dtype": as_dtype(dtype), "shape": None if shape is None else [None if d is None or d == -1 else int(d) for d in shape]}
    return add("Placeholder", [], attrs, name=name or "Placeholder")


def placeholder_with_default(input, shape, name=None):
    return add("PlaceholderWithDefault", [to_tensor(input)], {"shape": [None if d is None else int(d) for d in shape]},
               name=name or "PlaceholderWithDefault")


def identity(input, name=None):
    return add("Identity", [to_tensor(input)], name=name or "Identity")


def stop_gradient(input, name=None):
    return add("StopGradient", [to_tensor(input)], name=name or "StopGradient")


def _shape_tensor(shape) -> Tensor:
    if isinstance(shape, Tensor):
        return shape
    return to_tensor(np.asarray([int(d) for d in shape], np.int32), name="shape")


def fill(dims, value, name=None):
    value = to_tensor(value)
    return add("Fill", [_shape_tensor(dims), value], name=name or "Fill")


def zeros(shape, dtype=DType.f32, name=None):
    return fill(shape, to_tensor(0, as_dtype(dtype)), name=name or "zeros")


def ones(shape, dtype=DType.f32, name=None):
    return fill(shape, to_tensor(1, as_dtype(dtype)), name=name or "ones")


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    tensor = to_tensor(tensor)
    if dtype is not None and as_dtype(dtype) != tensor.dtype:
        return zeros(shape(tensor), dtype, name)
    return add("ZerosLike", [tensor], name=name or "zeros_like")


def ones_like(tensor, dtype=None, name=None, optimize=True):
    tensor = to_tensor(tensor)
    if dtype is not None and as_dtype(dtype) != tensor.dtype:
        return ones(shape(tensor), dtype, name)
    return add("OnesLike", [tensor], name=name or "ones_like")


def shape(input, name=None, out_type=DType.i32):
    return add("Shape", [to_tensor(input)], {"out_type": as_dtype(out_type)}, name=name or "Shape")


def size(input, name=None, out_type=DType.i32):
    return add("Size", [to_tensor(input)], {"out_type": as_dtype(out_type)}, name=name or "Size")


def rank(input, name=None):
    return add("Rank", [to_tensor(input)], name=name or "Rank")


def reshape(tensor, shape, name=None):
    return add("Reshape", [to_tensor(tensor), _shape_tensor(shape)], name=name or "Reshape")


def transpose(a, perm=None, name="transpose", conjugate=False):
    a = to_tensor(a)
    if perm is None:
        if a.shape.ndims is None:
            raise ValueError("tf.transpose without perm needs a tensor of known rank")
        perm = list(reversed(builtins.range(a.shape.ndims)))
    return add("Transpose", [a, axis_list(perm, name="perm")], name=name)


def expand_dims(input, axis=None, name=None, dim=None):
    axis = pick(axis, dim, "axis", "dim")
    return add("ExpandDims", [to_tensor(input), axis_list(axis, name="dim")], name=name or "ExpandDims")


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    axis = pick(axis, squeeze_dims, "axis", "squeeze_dims")
    axis = [] if axis is None else [axis] if isinstance(axis, int) else list(axis)
    return add("Squeeze", [to_tensor(input)], {"squeeze_dims": axis}, name=name or "Squeeze")


def concat(values, axis, name="concat"):
    values = [to_tensor(v) for v in values]
    if len(values) == 1:
        return identity(values[0], name)
    return add("ConcatV2", [values, axis_list(axis, name="concat/axis")], name=name)


def stack(values, axis=0, name="stack"):
    values = [to_tensor(v) for v in values]
    return add("Pack", [values], {"axis": axis}, name=name)


def unstack(value, num=None, axis=0, name="unstack"):
    value = to_tensor(value)
    num = num if num is not None else value.shape[axis]
    if num is None:
        raise ValueError(f"tf.unstack: cannot infer num from shape {value.shape}")
    return add_op("Unpack", [value], {"num": num, "axis": axis}, name=name).outputs


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    value = to_tensor(value)
    if isinstance(num_or_size_splits, int):
        op = add_op("Split", [axis_list(axis, name="split_dim"), value], {"num_split": num_or_size_splits}, name=name)
        return op.outputs
    sizes = to_tensor(np.asarray(num_or_size_splits, np.int32), name="size_splits")
    count = len(num_or_size_splits) if num is None else num
    return add_op("SplitV", [value, sizes, axis_list(axis, name="split_dim")], {"num_split": count}, name=name).outputs


def slice(input_, begin, size, name=None):
    return add("Slice", [to_tensor(input_), _shape_tensor(begin), _shape_tensor(size)], name=name or "Slice")


def tile(input, multiples, name=None):
    return add("Tile", [to_tensor(input), _shape_tensor(multiples)], name=name or "Tile")


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    tensor = to_tensor(tensor)
    paddings = to_tensor(np.asarray(paddings, np.int32), name="paddings") if not isinstance(paddings, Tensor) else paddings
    mode = mode.upper()
    if mode == "CONSTANT":
        if isinstance(constant_values, (int, float)) and constant_values == 0:
            return add("Pad", [tensor, paddings], name=name or "Pad")
        return add("PadV2", [tensor, paddings, like(constant_values, tensor)], name=name or "PadV2")
    return add("MirrorPad", [tensor, paddings], {"mode": mode}, name=name or "MirrorPad")


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    params = to_tensor(params)
    indices = to_tensor(indices, DType.i32) if not isinstance(indices, Tensor) else indices
    return add("GatherV2", [params, indices, axis_list(0 if axis is None else axis)], {"batch_dims": batch_dims},
               name=name or "GatherV2")


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, dtype_hint=None):
    """``tf.convert_to_tensor``: a Tensor as it is (its dtype must be ``dtype``), a variable's value, or
    a constant of ``dtype`` (else of ``preferred_dtype``/``dtype_hint`` when the value fits it)."""
    if dtype is None and not isinstance(value, Tensor) and not hasattr(value, "as_graph_element"):
        hint = pick(preferred_dtype, dtype_hint, "preferred_dtype", "dtype_hint")
        if hint is not None and np.can_cast(np.asarray(value).dtype, as_dtype(hint).numpy, "same_kind"):
            return to_tensor(value, as_dtype(hint), name or "Const")  # a hint the value does not fit is passed over
    return to_tensor(value, None if dtype is None else as_dtype(dtype), name or "Const")


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    indices = to_tensor(indices)
    dtype = as_dtype(dtype) if dtype is not None else (on_value.dtype if isinstance(on_value, Tensor) else DType.f32)
    on = to_tensor(1 if on_value is None else on_value, dtype, "on_value")
    off = to_tensor(0 if off_value is None else off_value, dtype, "off_value")
    return add("OneHot", [indices, to_tensor(depth, DType.i32, "depth"), on, off], {"axis": -1 if axis is None else axis},
               name=name or "one_hot")


def range(start, limit=None, delta=1, dtype=None, name="range"):
    if limit is None:
        start, limit = 0, start
    values = [start, limit, delta]
    anchor = next((v for v in values if isinstance(v, Tensor)), None)
    if dtype is not None:
        kind = as_dtype(dtype)
    elif anchor is not None:
        kind = anchor.dtype
    else:
        kind = DType.f32 if any(isinstance(v, float) for v in values) else DType.i32
    start, limit, delta = (to_tensor(v, kind) if not isinstance(v, Tensor) else v for v in values)
    return add("Range", [start, limit, delta], name=name)


def where(condition, x=None, y=None, name=None):
    """``x`` where ``condition`` else ``y`` (SelectV2, broadcasting); the one-argument form (the
    indices of the true elements) has a data-dependent shape: a session runs it on the host."""
    condition = to_tensor(condition)
    if x is None and y is None:
        return add("Where", [condition], name=name or "Where")
    anchor = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else to_tensor(x)
    return add("SelectV2", [condition, like(x, anchor), like(y, anchor)], name=name or "Select")


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The entries of ``tensor`` where ``mask`` is true (mask's dims flattened at ``axis``), as
    TensorFlow builds it: Where, then Gather. Where's output shape depends on the mask's values, so
    a session runs it on the host between compiled stages."""
    tensor, mask = to_tensor(tensor), to_tensor(mask)
    axis = 0 if axis is None else axis
    if mask.shape.ndims is None:
        raise ValueError("tf.boolean_mask: the mask's rank must be known")
    with get_default_graph().name_scope(name):
        dims = mask.shape.ndims
        shape = add("Shape", [tensor], {"out_type": DType.i32}, name="Shape")
        flat = concat([shape[:axis], to_tensor(np.array([-1], np.int32)), shape[axis + dims:]], 0)
        tensor = reshape(tensor, flat)
        indices = squeeze(where(reshape(mask, to_tensor(np.array([-1], np.int32)))), axis=[1])
        return gather(tensor, indices, axis=axis)


def unique(x, out_idx=DType.i32, name=None):
    """(y, idx): the distinct elements of ``x`` in order of first appearance and each element's index
    among them; run on the host (the count is known only from the values)."""
    op = add_op("Unique", [to_tensor(x)], {"out_idx": as_dtype(out_idx)}, name=name or "Unique")
    return tuple(op.outputs)


def no_op(name=None):
    return add_op("NoOp", [], name=name or "NoOp")


def group(*inputs, name=None):
    """One op that runs after all of ``inputs``."""
    ops = [as_operation(i) for i in inputs]
    graph = get_default_graph()
    with graph.control_dependencies(ops):
        return add_op("NoOp", [], name=name or "group_deps")


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("annotations", "np", "as_dtype", "DType", "Tensor")]
