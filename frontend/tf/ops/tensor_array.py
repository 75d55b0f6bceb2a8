"""TensorFlow v1 TensorArrays (``TensorArrayV3`` and the ops on it) as dense tensors.

A TF1 TensorArray is a resource handle plus a float scalar "flow" that each write returns and each
read takes, only to order them; ``tf.scan``, ``dynamic_rnn`` and Keras' TF1 RNN loop thread the flow
through a v1 while loop and capture the handle as a loop invariant. As TensorFlow's XLA bridge
does, tfc represents an array of static size ``n`` and static element shape ``s`` by the dense
tensor ``[n, *s]`` that stacks its elements, and carries that tensor where the flow goes (through
loop variables, ``Identity`` and ``Exit``); the handle becomes an i32 scalar (the size) that the ops
ignore. The type comes from the ``size`` operand and the ``dtype``/``element_shape`` attributes:

    TensorArrayV3(n)                  -> handle n, flow zeros [n, *s]
    TensorArrayWriteV3(h, i, v, f)    -> dynamic_update_slice     TensorArrayReadV3(h, i, f)   -> dynamic_slice
    TensorArrayScatterV3(h, ix, v, f) -> scatter rows             TensorArrayGatherV3(h, ix, f) -> gather
    TensorArraySizeV3(h, f)           -> n                        TensorArrayConcatV3 / SplitV3 -> reshape
    TensorArrayCloseV3(h)             -> nothing

An array created without a full element shape (``tf.TensorArray(dtype, n)``, what ``dynamic_rnn``
and Keras unstack their inputs into) starts as ``[n]`` zeros and takes its element shape from its
first write or scatter, as TensorFlow's XLA bridge initializes such arrays lazily; when that write is
inside a While loop, the loop's import gives the array the shape its body writes (``adopt_loop_elements``).
Reading an element never written gives zeros (TensorFlow fails at run time), and out-of-range
indices clamp as XLA's dynamic slices do. Arrays that grow (``dynamic_size``) or whose size is
computed at run time are not supported; neither are gradient arrays (``TensorArrayGradV3``).
"""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import ConstantRequired, tf_op
from .array import const, ints, scalar_int, static
from .import_fold import operand_value
from .lists import merge, scatter_rows, starts, static_list, zeros

HANDLE = TensorType(DType.i32, ())


def _dtype(ctx, key: str) -> DType:
    value = ctx.attrs.get(key)
    if not isinstance(value, DType):
        raise ShapeError(f"needs a '{key}' attribute naming the element dtype (arrays of resources/variants are not supported)")
    return value


def _element_shape_attr(ctx, key: str = "element_shape"):
    """The attribute's shape: None dims for -1, None for unknown rank (or no attribute)."""
    value = ctx.attrs.get(key)
    if value is None or value == "*":
        return None
    return tuple(None if d < 0 else d for d in value)


def _size(ctx):
    value = operand_value(ctx, 0)  # TF1 sizes arrays with StridedSlice(Shape(x)): folded here
    if value is None:
        return None
    size = scalar_int(value, "size")
    if size < 0:
        raise ShapeError(f"size is {size}")
    return size


def _parts(flow: TensorType, dtype: DType | None = None) -> tuple:
    """(size, element shape) of the dense array a flow operand carries."""
    if not isinstance(flow, TensorType) or flow.shape == ():
        raise ShapeError(
            f"the flow operand is {flow}, not a TensorArray's contents: tfc carries a TensorArray in its flow value, "
            "so the flow must come from a TensorArrayV3"
        )
    if dtype is not None and flow.dtype != dtype:
        raise ShapeError(f"the TensorArray holds {flow.dtype.value}, not {dtype.value}")
    if flow.shape is None:
        return None, None
    return flow.shape[0], flow.shape[1:]


# ---- creating -------------------------------------------------------------------------------------
def _initial_elements(ctx) -> tuple:
    """The declared element shape, or () until the first write when it is not fully known."""
    elements = _element_shape_attr(ctx)
    return () if elements is None or None in elements else elements


def _create_type(ctx, size):
    if ctx.attrs.get("dynamic_size"):
        raise ShapeError("dynamic_size TensorArrays are not supported: tfc needs a fixed size (TensorFlow's XLA bridge does too)")
    return [HANDLE, TensorType(_dtype(ctx, "dtype"), (_size(ctx), *_initial_elements(ctx)))]


def _create(ctx, size):
    length = _size(ctx)
    if length is None:
        raise ConstantRequired("a TensorArray's size must be a constant: tfc represents it as a dense [size, ...] tensor", ctx.operands[0])
    flow = ctx.result_types[1]
    shape = flow.shape if flow.is_static else (length, *_initial_elements(ctx))  # as a loop's writes set it
    return [const(length, DType.i32), zeros(_dtype(ctx, "dtype"), shape)]


def adopt_loop_elements(flow, written: TensorType) -> bool:
    """Give an array without elements of its own shape (a TensorArrayV3's ``[size]`` flow) the
    element shape that a While loop it enters writes, as TensorFlow's XLA bridge sizes such arrays
    from the loop body; True when ``flow``'s type changed. (The first write is inside the loop,
    so the loop variable would otherwise change rank between iterations.)"""
    op = getattr(flow, "op", None)
    if op is None or op.name != "tf.TensorArrayV3" or flow is not op.results[1] or not isinstance(written, TensorType):
        return False
    current = flow.type
    if current.shape is None or len(current.shape) != 1 or written.shape is None or len(written.shape) < 2:
        return False
    if written.dtype != current.dtype or not TensorType(current.dtype, written.shape[:1]).is_compatible(current):
        return False
    flow.type = TensorType(current.dtype, (current.shape[0], *written.shape[1:]))
    return True


def _written_type(flow: TensorType, dtype: DType, elements) -> TensorType:
    """The array after writing elements of shape ``elements`` into ``flow``: an array still
    without elements of its own shape ([size] zeros) takes theirs."""
    length, current = _parts(flow, dtype)
    merged = elements if current == () and elements else merge(current, elements)
    return TensorType(dtype, None if merged is None else (length, *merged))


def _materialized(flow, elements: tuple):
    """``flow`` as a buffer for elements of shape ``elements`` (zeros if it had none yet)."""
    if flow.ndim == 1 and elements:
        return zeros(flow.dtype, (flow.shape[0], *elements))
    return flow


tf_op("TensorArrayV3", _create_type, _create, outputs=(("handle", 1), ("flow", 1)))


# ---- elements -------------------------------------------------------------------------------------
def _read_type(ctx, handle, index, flow):
    _, elements = _parts(flow, _dtype(ctx, "dtype"))
    return TensorType(flow.dtype, elements)


def _read(ctx, handle, index, flow):
    _, *elements = static_list(flow.type)
    item = tnp.emit("tfc.dynamic_slice", [flow, *starts(index, len(elements))], {"slice_sizes": (1, *elements)})
    return tnp.reshape(item, tuple(elements))


def _write_type(ctx, handle, index, value, flow):
    return _written_type(flow, value.dtype, value.shape)


def _write(ctx, handle, index, value, flow):
    flow = _materialized(flow, value.shape)
    _, *elements = static_list(flow.type)
    row = tnp.reshape(value, (1, *elements))
    return tnp.emit("tfc.dynamic_update_slice", [flow, row, *starts(index, len(elements))])


tf_op("TensorArrayReadV3", _read_type, _read, outputs=(("value", 1),))
tf_op("TensorArrayWriteV3", _write_type, _write, outputs=(("flow_out", 1),))


def _gather_type(ctx, handle, indices, flow):
    _, elements = _parts(flow, _dtype(ctx, "dtype"))
    elements = merge(elements, _element_shape_attr(ctx))
    if indices.shape is None or elements is None:
        return TensorType(flow.dtype, None)
    return TensorType(flow.dtype, (*indices.shape, *elements))


def _scatter_type(ctx, handle, indices, value, flow):
    if value.shape is not None and not value.shape:
        raise ShapeError("the scattered value must have rank >= 1 (its rows become elements)")
    return _written_type(flow, value.dtype, None if value.shape is None else value.shape[1:])


def _scatter(ctx, handle, indices, value, flow):
    return scatter_rows(_materialized(flow, value.shape[1:]), value, indices)


tf_op("TensorArrayGatherV3", _gather_type, lambda ctx, handle, indices, flow: tnp.take(flow, indices, 0), outputs=(("value", 1),))
tf_op("TensorArrayScatterV3", _scatter_type, _scatter, outputs=(("flow_out", 1),))


# ---- the whole array ------------------------------------------------------------------------------
def _size_type(ctx, handle, flow):
    _parts(flow)
    return TensorType(DType.i32, ())


def _size_of(ctx, handle, flow):
    return const(static_list(flow.type)[0], DType.i32)


tf_op("TensorArraySizeV3", _size_type, _size_of, outputs=(("size", 1),))


def _concat_type(ctx, handle, flow):
    length, elements = _parts(flow, _dtype(ctx, "dtype"))
    lengths = TensorType(DType.i64, (length,))
    if elements is None:
        return [TensorType(flow.dtype, None), lengths]
    if not elements:
        raise ShapeError("TensorArrayConcatV3 needs elements of rank >= 1")
    rows = None if length is None or elements[0] is None else length * elements[0]
    return [TensorType(flow.dtype, (rows, *elements[1:])), lengths]


def _concat(ctx, handle, flow):
    length, rows, *rest = static_list(flow.type)
    return [tnp.reshape(flow, (length * rows, *rest)), const([rows] * length, DType.i64)]


def _split_pieces(ctx, value, flow) -> list[int] | None:
    """SplitV3's row counts: constant, equal (the pieces stack densely) and summing to the value's rows."""
    lengths = ctx.constant(2)
    if lengths is None:
        return None
    pieces = ints(lengths)
    if len(set(pieces)) > 1:
        raise ShapeError(f"lengths {pieces} differ: tfc supports splitting into equal pieces only")
    if value.shape is not None and value.shape and value.shape[0] is not None and sum(pieces) != value.shape[0]:
        raise ShapeError(f"lengths {pieces} do not add up to the value's {value.shape[0]} rows")
    length, _ = _parts(flow)
    if length is not None and len(pieces) != length:
        raise ShapeError(f"{len(pieces)} pieces for a TensorArray of size {length}")
    return pieces


def _split_type(ctx, handle, value, lengths, flow):
    pieces = _split_pieces(ctx, value, flow)
    if not pieces or value.shape is None or not value.shape:
        return _written_type(flow, value.dtype, None)
    return _written_type(flow, value.dtype, (pieces[0], *value.shape[1:]))


def _split(ctx, handle, value, lengths, flow):
    pieces = _split_pieces(ctx, value.type, flow.type)
    if pieces is None:
        static(ctx, 2, "lengths")  # raises: the lengths are computed at run time
    return tnp.reshape(value, (len(pieces), pieces[0], *value.shape[1:]))


tf_op("TensorArrayConcatV3", _concat_type, _concat, outputs=(("value", 1), ("lengths", 1)))
tf_op("TensorArraySplitV3", _split_type, _split, outputs=(("flow_out", 1),))
tf_op("TensorArrayCloseV3", lambda ctx, handle: [], lambda ctx, handle: [], outputs=())
