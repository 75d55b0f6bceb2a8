"""Reading TensorFlow's protobufs without TensorFlow: GraphDef files, attribute values, TensorProtos.

The schema is TensorFlow's own, compiled and shipped by the ``tensorboard`` package as
``tensorboard.compat.proto`` (the same protos TensorBoard uses to read summaries), so no TensorFlow
install is needed and the field numbers are exactly TensorFlow's.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import ml_dtypes
import numpy as np
from google.protobuf import message, text_format
from tensorboard.compat.proto import attr_value_pb2, graph_pb2, tensor_pb2, types_pb2

from tfc.attributes import ArrayAttr, BoolAttr, DenseArrayAttr, DenseElementsAttr, DTypeAttr, FloatAttr, IntegerAttr, StringAttr, SymbolRefAttr
from tfc.diagnostics import FileAccessError, TfcError, decode_text
from tfc.limits import MAX_RANK, tensor_bytes, tensor_too_big
from tfc.registry import ShapeError
from tfc.types import DType, TensorType


class GraphImportError(TfcError):
    """A GraphDef that cannot be imported; names the file and the node."""

    def __init__(self, message: str, file: str | None = None, node: str | None = None):
        self.message, self.file, self.node = message, file, node
        where = ": ".join(p for p in (file, f"node '{node}'" if node else None) if p)
        super().__init__(f"{where}: error: {message}" if where else f"error: {message}")


# TensorFlow DataType enum -> tfc dtype. Ref types (DT_FLOAT_REF = 101...) map to their base type.
_DTYPES = {
    types_pb2.DT_FLOAT: DType.f32, types_pb2.DT_DOUBLE: DType.f64, types_pb2.DT_HALF: DType.f16,
    types_pb2.DT_BFLOAT16: DType.bf16, types_pb2.DT_INT8: DType.i8, types_pb2.DT_INT16: DType.i16,
    types_pb2.DT_INT32: DType.i32, types_pb2.DT_INT64: DType.i64, types_pb2.DT_UINT8: DType.u8,
    types_pb2.DT_UINT16: DType.u16, types_pb2.DT_UINT32: DType.u32, types_pb2.DT_UINT64: DType.u64,
    types_pb2.DT_BOOL: DType.bool, types_pb2.DT_COMPLEX64: DType.c64, types_pb2.DT_COMPLEX128: DType.c128,
}
_REF_OFFSET = 100
RESOURCE_DTYPES = {types_pb2.DT_RESOURCE, types_pb2.DT_VARIANT}


def tf_dtype(enum_value: int, where: str = "") -> DType:
    """The tfc dtype of a TensorFlow DataType enum value (``*_REF`` types included)."""
    base = enum_value - _REF_OFFSET if enum_value > _REF_OFFSET else enum_value
    dtype = _DTYPES.get(base)
    if dtype is None:
        name = types_pb2.DataType.Name(enum_value) if enum_value in types_pb2.DataType.values() else str(enum_value)
        raise GraphImportError(f"unsupported dtype {name}{where}")
    return dtype


class GraphFileError(GraphImportError, FileAccessError):
    """A GraphDef file that cannot be read at all (missing, a folder, no permission)."""


TEXT_SUFFIXES = (".pbtxt", ".txt", ".textproto")
_TEXT_POSITION = re.compile(r"^(\d+):(\d+) : ")


def _looks_like_text(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text without control characters (a binary protobuf almost never is)."""
    try:  # the first 4 KiB, strictly (a multi-byte character cut at the end is held back, not an error)
        text = codecs.getincrementaldecoder("utf-8")().decode(data[:4096], final=len(data) <= 4096)
    except UnicodeDecodeError:
        return False
    return bool(text) and all(ch.isprintable() or ch in "\n\r\t" for ch in text)


def _parse_text(data: bytes, graph: graph_pb2.GraphDef, file: str) -> None:
    text = decode_text(data, file)  # ParseError at the first byte that is not UTF-8
    try:
        text_format.Parse(text, graph)
    except RecursionError:  # the text parser recurses per nested message; binary parsing stops at depth 100
        raise GraphImportError("malformed text GraphDef: messages nested too deeply", file) from None
    except text_format.ParseError as err:
        message = str(err)
        position = _TEXT_POSITION.match(message)
        where = f"{file}:{position.group(1)}:{position.group(2)}" if position else file
        raise GraphImportError(f"malformed text GraphDef: {message[position.end() if position else 0 :]}", where) from None


def _parse_binary(data: bytes, graph: graph_pb2.GraphDef, file: str) -> None:
    try:
        graph.ParseFromString(data)
    except (message.DecodeError, RuntimeError, ValueError) as err:
        if _looks_like_text(data):
            raise GraphImportError("not a binary GraphDef: the file is text (a text GraphDef should end in .pbtxt)", file) from None
        raise GraphImportError(f"malformed binary GraphDef (truncated, corrupt or another kind of protobuf): {err}", file) from None
    if not graph.node and not graph.library.function:
        raise GraphImportError("no nodes found: not a binary GraphDef (a text one should end in .pbtxt)", file)


def load_graphdef(path: str | Path) -> graph_pb2.GraphDef:
    """Parse a binary (``.pb``) or text (``.pbtxt``) GraphDef.

    GraphFileError (a FileAccessError) if the file cannot be read; GraphImportError (or a ParseError
    for text that is not UTF-8) naming the file, and the line and column in text, if it is malformed.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise GraphFileError(f"cannot read: {err.strerror or err}", str(path)) from None
    if not data:
        raise GraphImportError("empty file, not a GraphDef (a binary .pb or a text .pbtxt)", str(path))
    graph = graph_pb2.GraphDef()
    if path.suffix in TEXT_SUFFIXES:
        _parse_text(data, graph, str(path))
    else:
        _parse_binary(data, graph, str(path))
    return graph


# ---- TensorProto ---------------------------------------------------------------------------------
_VALUE_FIELDS = {
    DType.f32: "float_val", DType.f64: "double_val", DType.i32: "int_val", DType.i16: "int_val",
    DType.i8: "int_val", DType.u8: "int_val", DType.u16: "int_val", DType.i64: "int64_val",
    DType.u32: "uint32_val", DType.u64: "uint64_val", DType.bool: "bool_val",
    DType.c64: "scomplex_val", DType.c128: "dcomplex_val", DType.f16: "half_val", DType.bf16: "half_val",
}


def tensor_shape(shape_proto) -> tuple | None:
    """A TensorShapeProto as a shape tuple (None for unknown rank, None dims for -1)."""
    if shape_proto.unknown_rank:
        return None
    return tuple(None if d.size < 0 else int(d.size) for d in shape_proto.dim)


def decode_tensor(proto: tensor_pb2.TensorProto, where: str = "") -> np.ndarray:
    """A TensorProto's value, from any encoding: tensor_content, a typed value list, or a splat.

    The declared shape is checked against ``tfc.limits.max_tensor_bytes()`` first, in Python ints:
    a splat of 2**40 elements (a few bytes of proto) is refused before numpy allocates anything."""
    dtype = tf_dtype(proto.dtype, where)
    shape = tensor_shape(proto.tensor_shape)
    if shape is None or any(d is None for d in shape):
        raise GraphImportError(f"constant tensor has no static shape{where}")
    if len(shape) > MAX_RANK:
        raise GraphImportError(f"constant tensor has rank {len(shape)}; tfc allows at most {MAX_RANK} dimensions{where}")
    problem = tensor_too_big(shape, dtype.numpy.itemsize, f"constant tensor of shape {list(shape)} and type {dtype.value}")
    if problem:
        raise GraphImportError(f"{problem}{where}")
    count = tensor_bytes(shape, 1)
    if proto.tensor_content:
        raw = proto.tensor_content
        itemsize = dtype.numpy.itemsize
        if len(raw) != count * itemsize:
            raise GraphImportError(
                f"tensor_content has {len(raw)} bytes but shape {list(shape)} of {dtype.value} needs {count * itemsize}{where}"
            )
        return np.frombuffer(raw, dtype=dtype.numpy.newbyteorder("<")).astype(dtype.numpy).reshape(shape)
    values = _typed_values(proto, dtype)
    if len(values) == count:
        return values.reshape(shape)
    if len(values) == 1 or (len(values) == 0 and count >= 0):
        fill = values[0] if len(values) else np.zeros((), dtype.numpy)
        return np.full(shape, fill, dtype=dtype.numpy)  # TensorFlow's splat: one value fills the shape
    if len(values) < count:  # TensorFlow repeats the last value to fill the rest
        return np.concatenate([values, np.full(count - len(values), values[-1], dtype.numpy)]).reshape(shape)
    raise GraphImportError(f"constant has {len(values)} values but shape {list(shape)} holds {count}{where}")


def _typed_values(proto, dtype: DType) -> np.ndarray:
    field = _VALUE_FIELDS[dtype]
    raw = getattr(proto, field)
    if dtype in (DType.f16, DType.bf16):  # stored as the raw 16-bit patterns in an int field
        bits = np.array(raw, dtype=np.uint16)
        return bits.view(np.float16 if dtype is DType.f16 else ml_dtypes.bfloat16)
    if dtype.is_complex:
        pairs = np.array(raw, dtype=np.float32 if dtype is DType.c64 else np.float64).reshape(-1, 2)
        return (pairs[:, 0] + 1j * pairs[:, 1]).astype(dtype.numpy)
    return np.array(raw).astype(dtype.numpy) if len(raw) else np.zeros(0, dtype.numpy)


# ---- AttrValue -----------------------------------------------------------------------------------
def convert_attr(value: attr_value_pb2.AttrValue, where: str = ""):
    """A tfc attribute for a NodeDef attribute value (None when it carries nothing we keep).

    Shapes become ``array<i64: ...>`` with -1 for unknown dims and the string "*" for unknown rank.
    """
    kind = value.WhichOneof("value")
    if kind == "s":
        return StringAttr(value.s.decode("utf-8", errors="surrogateescape"))
    if kind == "i":
        return IntegerAttr(int(value.i))
    if kind == "f":
        return FloatAttr(float(np.float32(value.f)), DType.f32)
    if kind == "b":
        return BoolAttr(bool(value.b))
    if kind == "type":
        return DTypeAttr(tf_dtype(value.type, where)) if value.type not in RESOURCE_DTYPES else StringAttr("resource")
    if kind == "shape":
        return _shape_attr(value.shape)
    if kind == "tensor":
        return DenseElementsAttr.from_array(decode_tensor(value.tensor, where))
    if kind == "func":
        return SymbolRefAttr(value.func.name)
    if kind == "list":
        return _list_attr(value.list, where)
    if kind == "placeholder":
        return StringAttr("$" + value.placeholder)
    return None


def _shape_attr(shape_proto):
    shape = tensor_shape(shape_proto)
    if shape is None:
        return StringAttr("*")
    return DenseArrayAttr(DType.i64, tuple(-1 if d is None else d for d in shape))


def _list_attr(lst, where: str):
    if lst.i:
        return DenseArrayAttr(DType.i64, tuple(int(i) for i in lst.i))
    if lst.type:
        return ArrayAttr(tuple(DTypeAttr(tf_dtype(t, where)) if t not in RESOURCE_DTYPES else StringAttr("resource") for t in lst.type))
    if lst.s:
        return ArrayAttr(tuple(StringAttr(s.decode("utf-8", errors="surrogateescape")) for s in lst.s))
    if lst.f:
        return ArrayAttr(tuple(FloatAttr(float(np.float32(f)), DType.f32) for f in lst.f))
    if lst.b:
        return ArrayAttr(tuple(BoolAttr(bool(b)) for b in lst.b))
    if lst.shape:
        return ArrayAttr(tuple(_shape_attr(s) for s in lst.shape))
    if lst.func:
        return ArrayAttr(tuple(SymbolRefAttr(f.name) for f in lst.func))
    if lst.tensor:
        return ArrayAttr(tuple(DenseElementsAttr.from_array(decode_tensor(t, where)) for t in lst.tensor))
    return ArrayAttr(())


def tensor_type_from_attrs(dtype: DType, shape_attr) -> TensorType:
    """The type a ``dtype``/``shape`` attribute pair describes."""
    if shape_attr is None or (isinstance(shape_attr, str) and shape_attr == "*"):
        return TensorType(dtype, None)
    if not isinstance(shape_attr, tuple) or not all(isinstance(d, int) for d in shape_attr):
        raise ShapeError(f"expected a shape attribute, got {shape_attr!r}")
    return TensorType(dtype, tuple(None if d < 0 else d for d in shape_attr))
