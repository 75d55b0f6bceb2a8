"""TensorFlow's TensorList ops (what ``tf.TensorArray`` and Keras RNN loops build) as dense tensors.

A TensorList is a run-time ``DT_VARIANT`` value in TensorFlow. As TensorFlow's XLA bridge does, tfc
represents a list whose element shape and length are static by the dense tensor that stacks its
elements: a list of ``n`` elements of shape ``s`` and dtype ``d`` has type ``tensor<n x s x d>``.
The type comes from the ``element_dtype`` attribute and the ``element_shape`` / ``num_elements``
operands (GraphDefs say only "variant" for the handle). Then

    TensorListReserve(shape, n)   -> zeros [n, *shape]        TensorListStack(l)      -> l
    TensorListFromTensor(t)       -> t                        TensorListGetItem(l, i) -> dynamic_slice
    TensorListSetItem(l, i, x)    -> dynamic_update_slice     TensorListGather(l, ix) -> gather
    TensorListLength / ElementShape -> constants              TensorListPushBack(l,x) -> [n + 1, ...]

Lists travel through functional While loops as ordinary loop variables, so their types must be
known when the loop body is specialized at import: the type rules evaluate small shape computations
(Keras sizes a list with ``tf.shape(x)[0]``), and a new list's unknown element dims are taken from
what is written into it. A list's length is part of its type, so PushBack/PopBack work only where
the length is static (not on a list that grows inside a loop: the type rule says so). Out-of-range
indices clamp, as XLA's dynamic slices do, where TensorFlow would fail at run time. Lists of lists
(``element_dtype`` variant) are not supported.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.tensor import Tensor
from tfc.ops.rules import merge_shapes
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import ConstantRequired, tf_op
from .array import const, ints, scalar_int, shape_text, static
from .import_fold import folded_value, operand_value


# ---- the list type --------------------------------------------------------------------------------
def element_dtype(ctx) -> DType:
    value = ctx.attrs.get("element_dtype")
    if isinstance(value, DType):
        return value
    if value == "resource":
        raise ShapeError("lists of lists or of resources (element_dtype variant/resource) are not supported")
    raise ShapeError("needs an 'element_dtype' attribute")


def list_type(dtype: DType, length, elements) -> TensorType:
    """The dense type of a list of ``length`` elements of shape ``elements`` (None: unknown)."""
    return TensorType(dtype, None if elements is None else (length, *elements))


def parts_any(handle: TensorType) -> tuple:
    """(length, element shape) of a list operand (None for what is not known)."""
    if not isinstance(handle, TensorType):
        raise ShapeError(f"expects a list, got {handle}")
    if handle.shape is None:
        return None, None
    if not handle.shape:
        raise ShapeError(f"a list value must have a leading element dimension, got {handle}")
    return handle.shape[0], handle.shape[1:]


def parts(ctx, handle: TensorType) -> tuple:
    """Like parts_any, checking the list's dtype against the op's ``element_dtype``."""
    dtype = element_dtype(ctx)
    if isinstance(handle, TensorType) and handle.dtype != dtype:
        raise ShapeError(f"the list holds {handle}, not elements of {dtype.value}")
    return parts_any(handle)


def merge(a, b):
    try:
        return merge_shapes(a, b)
    except ShapeError:
        raise ShapeError(f"element shapes {shape_text(a)} and {shape_text(b)} are incompatible") from None


def static_list(t: TensorType) -> tuple:
    """A list type's static shape; data-dependent list sizes cannot be compiled."""
    if not t.is_static:
        raise ShapeError(f"needs a list of static length and element shape, got {shape_text(t.shape)}")
    return t.shape


def zeros(dtype: DType, shape) -> Tensor:
    return tnp.broadcast_to(const(0, dtype), tuple(shape))


def index_scalar(index):
    """A run-time index as the rank-0 i32 start index dynamic slices take."""
    return tnp.reshape(tnp.astype(index, DType.i32), ())


def starts(index, rank: int) -> list:
    """Start indices (index, 0, 0, ...) for a slice along the list dimension."""
    return [index_scalar(index)] + [const(0, DType.i32)] * rank


def list_length(value) -> int | None:
    """The length of the list ``value`` when a TensorListReserve whose size is known here makes it
    (its type says nothing of it while the element shape is unknown: only writes tell that)."""
    op = getattr(value, "op", None)
    if op is None or op.name != "tf.TensorListReserve":
        return None
    length = folded_value(op.operands[1])
    return None if length is None or np.asarray(length).size != 1 else int(np.asarray(length).reshape(()))


def shape_operand(ctx, index: int):
    """An ``element_shape`` operand as a shape: None dims for -1, None for unknown rank.

    TensorFlow writes an unknown rank as the scalar -1; an operand computed at run time says nothing."""
    value = operand_value(ctx, index)
    if value is None:
        return None
    value = np.asarray(value)
    if value.ndim == 0:
        if int(value) != -1:
            raise ShapeError(f"element_shape must be a vector or the scalar -1 (unknown rank), got {int(value)}")
        return None
    return tuple(None if d < 0 else d for d in ints(value))


def _length_operand(ctx, index: int, what: str):
    value = operand_value(ctx, index)
    if value is None:
        return None
    length = scalar_int(value, what)
    if length < 0:
        raise ShapeError(f"{what} is {length}: tfc needs a fixed list size (TensorFlow's XLA bridge does too)")
    return length


# ---- creating lists -------------------------------------------------------------------------------
def _reserve_type(ctx, shape, num_elements):
    return list_type(element_dtype(ctx), _length_operand(ctx, 1, "num_elements"), shape_operand(ctx, 0))


def _reserve(ctx, shape, num_elements):
    length = _length_operand(ctx, 1, "num_elements")
    elements = written_shape(ctx, shape_operand(ctx, 0))
    if length is None or elements is None or None in elements:
        got = f"{'?' if length is None else length} elements of shape {shape_text(elements)}"
        raise ConstantRequired(f"the list's size and element shape must be constants, got {got}", ctx.operands[1 if length is None else 0])
    return zeros(element_dtype(ctx), (length, *elements))


def _empty_type(ctx, shape, max_num_elements):
    return list_type(element_dtype(ctx), 0, shape_operand(ctx, 0))


def _empty(ctx, shape, max_num_elements):
    elements = written_shape(ctx, shape_operand(ctx, 0))
    if elements is None or None in elements:
        raise ConstantRequired(f"the element shape must be a constant, got {shape_text(elements)}", ctx.operands[0])
    return zeros(element_dtype(ctx), (0, *elements))


# Users whose result is the same list with what was written into it (so its element shape).
_WRITERS = {"tf.TensorListSetItem", "tf.TensorListPushBack", "tf.TensorListScatterIntoExistingList"}
_LOOPS = {"tf.While", "tf.StatelessWhile"}


def written_shape(ctx, elements):
    """``elements`` with unknown dims filled in from the new list's users: the items written into it,
    or the type a While loop carries it with. Keras leaves the batch dim of an RNN's output list
    unknown (-1) in the graph; TensorFlow's XLA bridge also takes it from what the loop body writes."""
    if elements is not None and None not in elements:
        return elements
    for user, position in list(ctx.op.results[0].uses):
        if user.name in _WRITERS and position == 0:
            written = user.results[0].type
        elif user.name in _LOOPS and position < len(user.results):
            written = user.results[position].type
        else:
            continue
        if isinstance(written, TensorType) and written.shape:
            try:
                elements = merge_shapes(elements, written.shape[1:])
            except ShapeError:
                pass  # the user's own type rule reports the mismatch
    return elements


def _from_tensor_type(ctx, tensor, shape):
    if tensor.shape is not None and not tensor.shape:
        raise ShapeError("the tensor must have rank >= 1 (its rows become the list's elements)")
    elements = merge(None if tensor.shape is None else tensor.shape[1:], shape_operand(ctx, 1))
    return list_type(element_dtype(ctx), None if tensor.shape is None else tensor.shape[0], elements)


tf_op("TensorListReserve", _reserve_type, _reserve, outputs=(("handle", 1),))
tf_op("EmptyTensorList", _empty_type, _empty, outputs=(("handle", 1),))
tf_op("TensorListFromTensor", _from_tensor_type, lambda ctx, tensor, shape: tensor, outputs=(("output_handle", 1),))


# ---- reading and writing elements ------------------------------------------------------------------
def _check_index(ctx, index: int, length, what: str) -> None:
    """A constant index must name an element (TensorFlow fails at run time; XLA would clamp)."""
    value = ctx.constant(index)
    if value is not None and length is not None and not 0 <= scalar_int(value, what) < length:
        raise ShapeError(f"{what} {scalar_int(value, what)} is out of range for a list of {length} elements")


def _get_item_type(ctx, handle, index, shape):
    length, elements = parts(ctx, handle)
    _check_index(ctx, 1, length, "index")
    return TensorType(handle.dtype, merge(elements, shape_operand(ctx, 2)))


def _get_item(ctx, handle, index, shape):
    _, *elements = static_list(handle.type)
    item = tnp.emit("tfc.dynamic_slice", [handle, *starts(index, len(elements))], {"slice_sizes": (1, *elements)})
    return tnp.reshape(item, tuple(elements))


def _set_item_type(ctx, handle, index, item):
    length, elements = parts(ctx, handle)
    if item.dtype != handle.dtype:
        raise ShapeError(f"item of {item.dtype.value} set into a list of {handle.dtype.value}")
    if ctx.attrs.get("resize_if_index_out_of_bounds"):
        raise ShapeError("resize_if_index_out_of_bounds is not supported: a list's size must be static")
    _check_index(ctx, 1, length, "index")
    return list_type(handle.dtype, length, merge(elements, item.shape))


def _set_item(ctx, handle, index, item):
    _, *elements = static_list(handle.type)
    row = tnp.reshape(item, (1, *elements))
    return tnp.emit("tfc.dynamic_update_slice", [handle, row, *starts(index, len(elements))])


tf_op("TensorListGetItem", _get_item_type, _get_item, outputs=(("item", 1),))
tf_op("TensorListSetItem", _set_item_type, _set_item, outputs=(("output_handle", 1),))


def _gather_type(ctx, handle, indices, shape):
    _, elements = parts(ctx, handle)
    elements = merge(elements, shape_operand(ctx, 2))
    if indices.shape is None or elements is None:
        return TensorType(handle.dtype, None)
    return TensorType(handle.dtype, (*indices.shape, *elements))


def _scatter_into_type(ctx, handle, tensor, indices):
    length, elements = parts(ctx, handle)
    if tensor.dtype != handle.dtype:
        raise ShapeError(f"tensor of {tensor.dtype.value} scattered into a list of {handle.dtype.value}")
    if tensor.shape is not None:
        if not tensor.shape:
            raise ShapeError("the scattered tensor must have rank >= 1")
        elements = merge(elements, tensor.shape[1:])
        if indices.shape is not None and indices.shape != (tensor.shape[0],) and None not in indices.shape + tensor.shape[:1]:
            raise ShapeError(f"indices {shape_text(indices.shape)} must list one index per row of the tensor ({tensor.shape[0]} rows)")
    return list_type(handle.dtype, length, elements)


def scatter_rows(handle, tensor, indices):
    """``handle`` with row ``indices[k]`` replaced by ``tensor[k]`` (out-of-range rows are dropped)."""
    rank = handle.ndim - 1
    return tnp.emit(
        "tfc.scatter",
        [handle, tnp.reshape(tnp.astype(indices, DType.i32), (-1, 1)), tnp.reshape(tensor, (-1, *handle.shape[1:]))],
        {
            "update_window_dims": tuple(range(1, rank + 1)),
            "inserted_window_dims": (0,),
            "scatter_dims_to_operand_dims": (0,),
            "index_vector_dim": 1,
            "kind": "set",
        },
    )


tf_op("TensorListGather", _gather_type, lambda ctx, handle, indices, shape: tnp.take(handle, indices, 0), outputs=(("values", 1),))
tf_op(
    "TensorListScatterIntoExistingList",
    _scatter_into_type,
    lambda ctx, handle, tensor, indices: scatter_rows(handle, tensor, indices),
    outputs=(("output_handle", 1),),
)


def _scatter_length(ctx, num_elements_index: int | None):
    """A new scattered list's length: ``num_elements`` when given (>= 0), else max(indices) + 1."""
    if num_elements_index is not None:
        value = operand_value(ctx, num_elements_index)
        if value is not None and scalar_int(value, "num_elements") >= 0:
            return scalar_int(value, "num_elements")
    indices = operand_value(ctx, 1)
    if indices is None:
        return None
    return int(np.max(indices)) + 1 if np.size(indices) else 0


def _scatter_new_type(ctx, tensor, indices, shape, num_elements=None):
    elements = None if tensor.shape is None else tensor.shape[1:]
    elements = merge(elements, shape_operand(ctx, 2))
    return list_type(element_dtype(ctx), _scatter_length(ctx, 3 if num_elements is not None else None), elements)


def _scatter_new(ctx, tensor, indices, shape, num_elements=None):
    length = _scatter_length(ctx, 3 if num_elements is not None else None)
    if length is None:
        raise ShapeError("the new list's size must be static: give num_elements or constant indices")
    return scatter_rows(zeros(tensor.dtype, (length, *tensor.shape[1:])), tensor, indices)


tf_op("TensorListScatter", _scatter_new_type, _scatter_new, outputs=(("output_handle", 1),))
tf_op("TensorListScatterV2", _scatter_new_type, _scatter_new, outputs=(("output_handle", 1),))


# ---- the whole list -------------------------------------------------------------------------------
def _stack_type(ctx, handle, shape):
    length, elements = parts(ctx, handle)
    wanted = ctx.attrs.get("num_elements", -1)
    if wanted != -1 and length is not None and wanted != length:
        raise ShapeError(f"num_elements is {wanted} but the list has {length} elements")
    return list_type(handle.dtype, length if wanted == -1 else wanted, merge(elements, shape_operand(ctx, 1)))


def _length(ctx, handle):
    return const(static_list(handle.type)[0], DType.i32)


def _element_shape_type(ctx, handle):
    _, elements = parts_any(handle)
    dtype = ctx.attrs.get("shape_type", DType.i32)
    return TensorType(dtype, None if elements is None else (len(elements),))


def _element_shape(ctx, handle):
    _, elements = parts_any(handle.type)
    if elements is None:
        raise ShapeError("the list's element rank is not known")
    return const([-1 if d is None else d for d in elements], ctx.attrs.get("shape_type", DType.i32))


tf_op("TensorListStack", _stack_type, lambda ctx, handle, shape: handle, outputs=(("tensor", 1),))
tf_op("TensorListLength", lambda ctx, handle: TensorType(DType.i32, ()), _length, outputs=(("length", 1),))
tf_op("TensorListElementShape", _element_shape_type, _element_shape, outputs=(("element_shape", 1),))


def _concat_type(ctx, handle, *shape_and_leading):
    length, elements = parts(ctx, handle)
    lengths = TensorType(DType.i64, (length,))
    if elements is None:
        return [TensorType(handle.dtype, None), lengths]
    if not elements:
        raise ShapeError("TensorListConcat needs elements of rank >= 1")
    rows = None if length is None or elements[0] is None else length * elements[0]
    return [TensorType(handle.dtype, (rows, *elements[1:])), lengths]


def _concat(ctx, handle, *shape_and_leading):
    length, rows, *rest = static_list(handle.type)
    return [tnp.reshape(handle, (length * rows, *rest)), const([rows] * length, DType.i64)]


_CONCAT_OUTPUTS = (("tensor", 1), ("lengths", 1))
tf_op("TensorListConcat", _concat_type, _concat, outputs=_CONCAT_OUTPUTS)
tf_op("TensorListConcatV2", _concat_type, _concat, outputs=_CONCAT_OUTPUTS)


def _split_lengths(ctx, tensor):
    """TensorListSplit's row counts: constant and all equal, so the pieces stack densely."""
    lengths = ctx.constant(2)
    if lengths is None:
        return None
    lengths = ints(lengths)
    if len(set(lengths)) > 1:
        raise ShapeError(f"lengths {lengths} differ: tfc supports splitting into equal pieces only")
    if lengths and tensor.shape is not None and tensor.shape[0] is not None and sum(lengths) != tensor.shape[0]:
        raise ShapeError(f"lengths {lengths} do not add up to the tensor's {tensor.shape[0]} rows")
    return lengths


def _split_type(ctx, tensor, shape, lengths):
    pieces = _split_lengths(ctx, tensor)
    if tensor.shape is None or pieces is None:
        return TensorType(element_dtype(ctx), None)
    elements = merge((pieces[0] if pieces else 0, *tensor.shape[1:]), shape_operand(ctx, 1))
    return list_type(element_dtype(ctx), len(pieces), elements)


def _split(ctx, tensor, shape, lengths):
    pieces = _split_lengths(ctx, tensor.type)
    if pieces is None:
        static(ctx, 2, "lengths")
    return tnp.reshape(tensor, (len(pieces), pieces[0] if pieces else 0, *tensor.shape[1:]))


tf_op("TensorListSplit", _split_type, _split, outputs=(("output_handle", 1),))


# ---- growing and shrinking (static lengths only) ---------------------------------------------------
def _static_length(length) -> int:
    if length is None:
        raise ShapeError(
            "needs a list of static length; a list that grows or shrinks inside a loop has no static size "
            "(tfc represents a list as a dense tensor)"
        )
    return length


def _push_back_type(ctx, handle, tensor):
    length, elements = parts(ctx, handle)
    if tensor.dtype != handle.dtype:
        raise ShapeError(f"tensor of {tensor.dtype.value} pushed onto a list of {handle.dtype.value}")
    length = _static_length(length)
    return list_type(handle.dtype, length + 1, merge(elements, tensor.shape))


def _push_back(ctx, handle, tensor):
    _, *elements = static_list(handle.type)
    return tnp.concatenate([handle, tnp.reshape(tensor, (1, *elements))], axis=0)


def _pop_back_type(ctx, handle, shape):
    length, elements = parts(ctx, handle)
    length = _static_length(length)
    if length == 0:
        raise ShapeError("TensorListPopBack on an empty list")
    elements = merge(elements, shape_operand(ctx, 1))
    return [list_type(handle.dtype, length - 1, elements), TensorType(handle.dtype, elements)]


def _pop_back(ctx, handle, shape):
    length, *elements = static_list(handle.type)
    return [handle[: length - 1], tnp.reshape(handle[length - 1 :], tuple(elements))]


def _resize_type(ctx, handle, size):
    _, elements = parts_any(handle)
    return list_type(handle.dtype, _length_operand(ctx, 1, "size"), elements)


def _resize(ctx, handle, size):
    length, *elements = static_list(handle.type)
    new = scalar_int(static(ctx, 1, "the new size"), "size")
    if new <= length:
        return handle[:new]
    return tnp.concatenate([handle, zeros(handle.dtype, (new - length, *elements))], axis=0)


tf_op("TensorListPushBack", _push_back_type, _push_back, outputs=(("output_handle", 1),))
tf_op("TensorListPopBack", _pop_back_type, _pop_back, outputs=(("output_handle", 1), ("tensor", 1)))
tf_op("TensorListResize", _resize_type, _resize, outputs=(("output_handle", 1),))
