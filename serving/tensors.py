"""TensorProto <-> numpy for the gRPC API: ``tensor_content`` or the typed ``*_val`` fields, DT_STRING via ``string_val``."""

from __future__ import annotations

import numpy as np
from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

from .models import ServingError

# dtype enum -> (numpy dtype, the *_val field TF writes when tensor_content is empty)
DTYPES = {types_pb2.DT_FLOAT: ("float32", "float_val"), types_pb2.DT_DOUBLE: ("float64", "double_val"),
          types_pb2.DT_HALF: ("float16", "half_val"), types_pb2.DT_INT32: ("int32", "int_val"),
          types_pb2.DT_INT16: ("int16", "int_val"), types_pb2.DT_INT8: ("int8", "int_val"),
          types_pb2.DT_UINT8: ("uint8", "int_val"), types_pb2.DT_UINT16: ("uint16", "int_val"),
          types_pb2.DT_INT64: ("int64", "int64_val"), types_pb2.DT_UINT32: ("uint32", "uint32_val"),
          types_pb2.DT_UINT64: ("uint64", "uint64_val"), types_pb2.DT_BOOL: ("bool", "bool_val"),
          types_pb2.DT_COMPLEX64: ("complex64", "scomplex_val"), types_pb2.DT_COMPLEX128: ("complex128", "dcomplex_val"),
          types_pb2.DT_STRING: ("object", "string_val")}
ENUM_OF = {np.dtype(name) if name != "object" else np.dtype(object): enum for enum, (name, _) in DTYPES.items()}


def dtype_enum(name: str) -> int:
    """The DataType enum of a numpy dtype name (a signature's ``dtype``); DT_INVALID when TF has none."""
    if name in ("object", "str"):
        return types_pb2.DT_STRING
    return ENUM_OF.get(np.dtype(name), types_pb2.DT_INVALID)


def shape_proto(shape) -> tensor_shape_pb2.TensorShapeProto:
    """A TensorShapeProto: None is unknown rank, a None dimension is -1."""
    if shape is None:
        return tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    return tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=-1 if d is None else d) for d in shape])


def to_numpy(proto, key: str = "") -> np.ndarray:
    """The array a TensorProto holds; a dtype TF Serving would not accept is INVALID_ARGUMENT naming the input."""
    if proto.dtype not in DTYPES:
        known = proto.dtype in types_pb2.DataType.values()
        raise ServingError(f"Input '{key}': unsupported dtype {types_pb2.DataType.Name(proto.dtype) if known else proto.dtype}")
    name, field = DTYPES[proto.dtype]
    shape = [d.size for d in proto.tensor_shape.dim]
    count = int(np.prod(shape, dtype=np.int64))
    if proto.dtype == types_pb2.DT_STRING:
        values = np.empty(len(proto.string_val), object)
        values[:] = list(proto.string_val)
    elif proto.tensor_content:
        values = np.frombuffer(proto.tensor_content, dtype=np.dtype(name).newbyteorder("<")).astype(name)
    elif proto.dtype == types_pb2.DT_HALF:
        values = np.asarray(list(proto.half_val), np.uint16).view(np.float16)
    else:
        raw = np.asarray(list(getattr(proto, field)))
        values = raw[0::2] + 1j * raw[1::2] if name.startswith("complex") else raw
        values = values.astype(name)
    if values.size == count:
        return values.reshape(shape)
    if values.size == 1:  # TF's rule: one value fills the shape
        return np.full(shape, values[0], dtype=values.dtype)
    raise ServingError(f"Input '{key}': {values.size} values do not fill shape {shape}")


def to_proto(array: np.ndarray) -> tensor_pb2.TensorProto:
    """A TensorProto of ``array``: numbers in ``tensor_content`` (little-endian), strings in ``string_val``."""
    array = np.asarray(array)
    if array.dtype.kind in "OUS":
        proto = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=shape_proto(array.shape))
        proto.string_val.extend(v if isinstance(v, bytes) else str(v).encode() for v in array.reshape(-1))
        return proto
    enum = ENUM_OF.get(array.dtype)
    if enum is None:
        raise ServingError(f"Output of dtype {array.dtype.name} has no TensorFlow DataType", "INTERNAL")
    content = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
    return tensor_pb2.TensorProto(dtype=enum, tensor_shape=shape_proto(array.shape), tensor_content=content)


__all__ = ["DTYPES", "dtype_enum", "shape_proto", "to_numpy", "to_proto"]
