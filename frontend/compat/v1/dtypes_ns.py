"""tf.dtypes: TensorFlow's dtype names over tfc's :class:`DType` (and ``tfc.string``), ``as_dtype``
taking what TensorFlow takes (names, numpy and Python types, DataType enum values), ``cast`` and
``saturate_cast``."""

from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np

from tfc.frontend.tf.graphdef import tf_dtype
from tfc.types import STRING, DType

from .graph import GraphError, get_default_graph
from .math_ops import cast
from .ops import add, to_tensor

float16 = half = DType.f16
bfloat16 = DType.bf16
float32 = DType.f32
float64 = double = DType.f64
int8, int16, int32, int64 = DType.i8, DType.i16, DType.i32, DType.i64
uint8, uint16, uint32, uint64 = DType.u8, DType.u16, DType.u32, DType.u64
bool = DType.bool
complex64, complex128 = DType.c64, DType.c128
string = STRING

# TensorFlow's dtype names (``DType.name``) and its aliases; "_ref" names mean their base type.
_NAMES = {"float16": float16, "half": half, "bfloat16": bfloat16, "float32": float32, "float": float32, "float64": float64,
          "double": double, "int8": int8, "int16": int16, "int32": int32, "int64": int64, "uint8": uint8, "uint16": uint16,
          "uint32": uint32, "uint64": uint64, "bool": bool, "complex64": complex64, "complex128": complex128, "string": string}
_PYTHON = {builtins.float: float32, builtins.bool: bool, builtins.int: int64, builtins.complex: complex128,
           builtins.str: string, builtins.bytes: string, builtins.object: string}


def as_dtype(type_value):
    """The dtype ``type_value`` names: a DType, a TensorFlow dtype name ("float32", "double"...), a
    numpy or Python type, or a DataType enum value; a TypeError for anything else."""
    if isinstance(type_value, DType) or type_value is STRING:
        return type_value
    if isinstance(type_value, str):
        found = _NAMES.get(type_value.removesuffix("_ref"))
    elif isinstance(type_value, type) and type_value in _PYTHON:
        found = _PYTHON[type_value]
    elif isinstance(type_value, (int, np.integer)) or hasattr(type_value, "as_datatype_enum"):
        found = _from_enum(int(getattr(type_value, "as_datatype_enum", type_value)))
    else:
        found = _from_numpy(type_value)
    if found is None:
        raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType.")
    return found


def dtype_name(dtype) -> str:
    """TensorFlow's name of ``dtype`` ("float32", "int64", "string"), for messages."""
    return "string" if dtype is STRING else as_dtype(dtype).numpy.name


def _from_enum(value: int):
    try:
        return tf_dtype(value)
    except Exception:  # noqa: BLE001 - an enum value tfc has no dtype for
        return string if value in (7, 107) else None  # DT_STRING


def _from_numpy(type_value):
    try:
        dtype = np.dtype(type_value)
    except TypeError:
        return None
    if dtype.kind in "OSU":
        return string
    try:
        return DType.from_numpy(dtype)
    except ValueError:
        return None


def _range(dtype: DType) -> tuple:
    info = ml_dtypes.finfo(dtype.numpy) if dtype.is_float else np.iinfo(dtype.numpy)
    return info.min, info.max


def saturate_cast(value, dtype, name=None):
    """``value`` cast to ``dtype``, first clamped to what ``dtype`` holds (so 300 becomes 255 in uint8,
    not 44), as TensorFlow clamps: to the limits nudged inside both ranges."""
    with get_default_graph().name_scope(name or "saturate_cast") as scope:
        value, dtype = to_tensor(value, name="value"), as_dtype(dtype)
        if dtype is STRING or value.dtype is DType.bool or dtype is DType.bool:
            raise GraphError(f"tf.dtypes.saturate_cast: dtype must be numeric, got {dtype_name(value.dtype)} -> {dtype_name(dtype)}")
        if value.dtype.is_complex:
            if dtype.is_complex:
                if value.dtype is DType.c128 and dtype is DType.c64:
                    raise GraphError("tf.dtypes.saturate_cast: complex128 -> complex64 (clamping complex parts) is not supported")
                return cast(value, dtype, name=scope)
            value = add("Real", [value], {"Tout": DType.f64 if value.dtype is DType.c128 else DType.f32})
        limits = _clamp_limits(value.dtype, {DType.c64: DType.f32, DType.c128: DType.f64}.get(dtype, dtype))
        if limits is not None:
            value = add("ClipByValue", [value, *(to_tensor(v, value.dtype) for v in limits)], name="clamp")
        return cast(value, dtype, name=scope)


def _clamp_limits(in_dtype: DType, out_dtype: DType):
    """The (low, high) ``in_dtype`` values that clamp into ``out_dtype``'s range; None when it holds all of ``in_dtype``."""
    (in_min, in_max), (out_min, out_max) = _range(in_dtype), _range(out_dtype)
    if not (in_min < out_min or in_max > out_max):
        return None
    kind = in_dtype.numpy
    low, high = kind.type(np.maximum(in_min, out_min)), kind.type(np.minimum(in_max, out_max))
    if low < out_min:
        low = np.nextafter(low, kind.type(0), dtype=kind)
    if high > out_max:
        high = np.nextafter(high, kind.type(0), dtype=kind)
    return low, high


__all__ = ["DType", "as_dtype", "bfloat16", "bool", "cast", "complex128", "complex64", "double", "float16", "float32", "float64",
           "half", "int16", "int32", "int64", "int8", "saturate_cast", "string", "uint16", "uint32", "uint64", "uint8"]
TOP_LEVEL: tuple[str, ...] = ("DType", "as_dtype", "double", "half", "saturate_cast", "string")
