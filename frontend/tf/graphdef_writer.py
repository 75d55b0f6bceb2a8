"""Writing TensorFlow's protobufs: DataType enums, TensorProtos and AttrValues from Python values.

The reverse of :mod:`.graphdef`, for graphs tfc builds itself (the TF1 graph API writes a real
GraphDef, which the importer then reads like any other). An attribute is converted by the type its
OpDef declares (``"type"``, ``"list(int)"``, ``"shape"``...), so a Python value means one thing.
"""

from __future__ import annotations

import numpy as np
from tensorboard.compat.proto import attr_value_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tfc.types import DType

from .graphdef import RESOURCE_DTYPES, GraphImportError, tf_dtype


def _enum_table() -> dict[DType, int]:
    table = {}
    for enum in types_pb2.DataType.values():
        if 0 < enum < 100 and enum not in RESOURCE_DTYPES:
            try:
                table.setdefault(tf_dtype(enum), enum)
            except GraphImportError:  # a TensorFlow dtype tfc has no tensors of (strings, qint8...)
                continue
    return table


_ENUMS = _enum_table()


def datatype_enum(dtype: DType) -> int:
    """TensorFlow's DataType enum value for a tfc dtype."""
    return _ENUMS[dtype]


def shape_proto(shape) -> tensor_shape_pb2.TensorShapeProto:
    """A TensorShapeProto: ``None`` is unknown rank, a None dim is unknown (-1)."""
    proto = tensor_shape_pb2.TensorShapeProto()
    if shape is None:
        proto.unknown_rank = True
        return proto
    for dim in shape:
        proto.dim.add(size=-1 if dim is None else int(dim))
    return proto


def encode_tensor(array: np.ndarray) -> tensor_pb2.TensorProto:
    """A TensorProto holding ``array`` (little-endian ``tensor_content``, as TensorFlow writes it)."""
    array = np.asarray(array)
    dtype = DType.from_numpy(array.dtype)
    proto = tensor_pb2.TensorProto(dtype=datatype_enum(dtype), tensor_shape=shape_proto(array.shape))
    proto.tensor_content = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    return proto


def attr_value(value, kind: str) -> attr_value_pb2.AttrValue:
    """An AttrValue for ``value`` of OpDef attribute type ``kind``."""
    if kind.startswith("list("):
        item_kind = kind[5:-1]
        proto = attr_value_pb2.AttrValue()
        proto.list.SetInParent()
        for item in value:
            _set_list_item(proto.list, _scalar_attr(item, item_kind), item_kind)
        return proto
    return _scalar_attr(value, kind)


def _scalar_attr(value, kind: str) -> attr_value_pb2.AttrValue:
    if kind == "type":
        return attr_value_pb2.AttrValue(type=value if isinstance(value, int) else datatype_enum(value))
    if kind == "int":
        return attr_value_pb2.AttrValue(i=int(value))
    if kind == "float":
        return attr_value_pb2.AttrValue(f=float(value))
    if kind == "bool":
        return attr_value_pb2.AttrValue(b=bool(value))
    if kind == "string":
        return attr_value_pb2.AttrValue(s=value.encode() if isinstance(value, str) else bytes(value))
    if kind == "shape":
        return attr_value_pb2.AttrValue(shape=shape_proto(value))
    if kind == "tensor":
        return attr_value_pb2.AttrValue(tensor=encode_tensor(value))
    if kind == "func":
        return attr_value_pb2.AttrValue(func=attr_value_pb2.NameAttrList(name=value))
    raise ValueError(f"attributes of type '{kind}' cannot be written by tfc")


def _set_list_item(target, item: attr_value_pb2.AttrValue, kind: str) -> None:
    field = {"type": "type", "int": "i", "float": "f", "bool": "b", "string": "s", "shape": "shape", "tensor": "tensor"}[kind]
    items = getattr(target, field)
    if kind in ("shape", "tensor"):
        items.add().CopyFrom(getattr(item, field))
    else:
        items.append(getattr(item, field))


__all__ = ["attr_value", "datatype_enum", "encode_tensor", "shape_proto"]
