"""IR types: tensors with a dtype and a static, dynamic or unknown shape, plus resource and token types.

A dimension of ``None`` is dynamic (``?`` in text); a shape of ``None`` is an unknown rank (``tensor<*xf32>``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import ml_dtypes
import numpy as np


class DType(enum.Enum):
    """Element types, named as in MLIR text (``f32``, ``i64``, ``complex<f32>``)."""

    bool = "i1"
    i8 = "i8"
    i16 = "i16"
    i32 = "i32"
    i64 = "i64"
    u8 = "ui8"
    u16 = "ui16"
    u32 = "ui32"
    u64 = "ui64"
    f16 = "f16"
    bf16 = "bf16"
    f32 = "f32"
    f64 = "f64"
    c64 = "complex<f32>"
    c128 = "complex<f64>"

    @property
    def numpy(self) -> np.dtype:
        """The numpy dtype holding values of this type."""
        return _TO_NUMPY[self]

    @property
    def is_float(self) -> bool:
        return self in (DType.f16, DType.bf16, DType.f32, DType.f64)

    @property
    def is_complex(self) -> bool:
        return self in (DType.c64, DType.c128)

    @property
    def is_signed_int(self) -> bool:
        return self in (DType.i8, DType.i16, DType.i32, DType.i64)

    @property
    def is_unsigned_int(self) -> bool:
        return self in (DType.u8, DType.u16, DType.u32, DType.u64)

    @property
    def is_int(self) -> bool:
        return self.is_signed_int or self.is_unsigned_int

    @property
    def is_inexact(self) -> bool:
        return self.is_float or self.is_complex

    @property
    def bits(self) -> int:
        return 1 if self is DType.bool else self.numpy.itemsize * 8

    # ---- TensorFlow's spellings, so TF1 code reading ``x.dtype.base_dtype`` or ``.as_numpy_dtype`` ports
    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def as_numpy_dtype(self) -> type:
        return self.numpy.type

    @property
    def is_floating(self) -> bool:
        return self.is_float

    @property
    def is_integer(self) -> bool:
        return self.is_int

    @property
    def is_bool(self) -> bool:
        return self is DType.bool

    @property
    def is_unsigned(self) -> bool:
        return self.is_unsigned_int

    @property
    def real_dtype(self) -> DType:
        return {DType.c64: DType.f32, DType.c128: DType.f64}.get(self, self)

    @property
    def size(self) -> int:
        """Bytes per element."""
        return self.numpy.itemsize

    @property
    def min(self):
        """The lowest value (TensorFlow's: -inf is not it, the lowest finite float is)."""
        return self._limits().min

    @property
    def max(self):
        return self._limits().max

    def _limits(self):
        if self.is_bool or self.is_complex:
            raise TypeError(f"Cannot find minimum value of {self.numpy.name}.")
        return ml_dtypes.finfo(self.numpy) if self.is_float else np.iinfo(self.numpy)

    @staticmethod
    def from_numpy(dtype) -> DType:
        """The DType of a numpy dtype (or anything np.dtype accepts); ValueError if tfc has none."""
        try:
            return _FROM_NUMPY[np.dtype(dtype)]
        except (KeyError, TypeError) as err:
            raise ValueError(f"unsupported dtype {dtype!r}; expected one of {', '.join(d.name for d in DType)}") from err

    @staticmethod
    def from_text(text: str) -> DType:
        return _FROM_TEXT[text]

    def __repr__(self) -> str:
        return f"tfc.{self.name}"


_TO_NUMPY = {
    DType.bool: np.dtype(np.bool_),
    DType.i8: np.dtype(np.int8),
    DType.i16: np.dtype(np.int16),
    DType.i32: np.dtype(np.int32),
    DType.i64: np.dtype(np.int64),
    DType.u8: np.dtype(np.uint8),
    DType.u16: np.dtype(np.uint16),
    DType.u32: np.dtype(np.uint32),
    DType.u64: np.dtype(np.uint64),
    DType.f16: np.dtype(np.float16),
    DType.bf16: np.dtype(ml_dtypes.bfloat16),
    DType.f32: np.dtype(np.float32),
    DType.f64: np.dtype(np.float64),
    DType.c64: np.dtype(np.complex64),
    DType.c128: np.dtype(np.complex128),
}
_FROM_NUMPY = {v: k for k, v in _TO_NUMPY.items()}
_FROM_TEXT = {d.value: d for d in DType}


class Type:
    """Base of all IR types."""


@dataclass(frozen=True)
class TensorType(Type):
    """``tensor<2x?x3xf32>``; ``shape=None`` means unknown rank, a ``None`` dim is dynamic."""

    dtype: DType
    shape: tuple[int | None, ...] | None

    def __str__(self) -> str:
        if self.shape is None:
            return f"tensor<*x{self.dtype.value}>"
        dims = "".join(("?" if d is None else str(d)) + "x" for d in self.shape)
        return f"tensor<{dims}{self.dtype.value}>"

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    @property
    def is_static(self) -> bool:
        return self.shape is not None and all(d is not None for d in self.shape)

    @property
    def num_elements(self) -> int | None:
        if not self.is_static:
            return None
        n = 1
        for d in self.shape:
            n *= d
        return n

    def with_shape(self, shape) -> TensorType:
        return TensorType(self.dtype, None if shape is None else tuple(shape))

    def with_dtype(self, dtype: DType) -> TensorType:
        return TensorType(dtype, self.shape)

    def is_compatible(self, other: Type) -> bool:
        """True when both could describe the same runtime tensor (``?`` and ``*`` match anything)."""
        if not isinstance(other, TensorType) or other.dtype != self.dtype:
            return False
        if self.shape is None or other.shape is None:
            return True
        if len(self.shape) != len(other.shape):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self.shape, other.shape))


@dataclass(frozen=True)
class ResourceType(Type):
    """``!tfc.resource<tensor<3xf32>>``: a handle to a variable holding values of ``value_type``
    (``!tfc.resource`` when that is not known)."""

    value_type: TensorType | None = None

    def __str__(self) -> str:
        return "!tfc.resource" if self.value_type is None else f"!tfc.resource<{self.value_type}>"

    def is_compatible(self, other: Type) -> bool:
        if not isinstance(other, ResourceType):
            return False
        if self.value_type is None or other.value_type is None:
            return True
        return self.value_type.is_compatible(other.value_type)


@dataclass(frozen=True)
class TokenType(Type):
    """``!tfc.token``: orders stateful ops that have no data dependence."""

    def __str__(self) -> str:
        return "!tfc.token"

    def is_compatible(self, other: Type) -> bool:
        return other == self


@dataclass(frozen=True)
class FunctionType(Type):
    """``(tensor<f32>, tensor<f32>) -> tensor<f32>``."""

    inputs: tuple[Type, ...]
    results: tuple[Type, ...]

    def __str__(self) -> str:
        ins = ", ".join(map(str, self.inputs))
        if len(self.results) == 1 and not isinstance(self.results[0], FunctionType):
            outs = str(self.results[0])
        else:
            outs = "(" + ", ".join(map(str, self.results)) + ")"
        return f"({ins}) -> {outs}"


class StringType:
    """``tfc.string``: TensorFlow's string type. Input pipelines (``tfc.data``, ``tfc.io``) hold
    strings, as numpy arrays of ``bytes``; compiled programs hold numbers only, so it is not a DType."""

    name = "string"
    numpy = np.dtype(object)

    def __repr__(self) -> str:
        return "tfc.string"

    def __reduce__(self) -> str:
        return "STRING"  # one instance, also after pickling


STRING = StringType()


def is_string_dtype(dtype) -> bool:
    """``tfc.string``, or what TensorFlow's APIs also take for it: ``str``, ``bytes``, ``"string"``."""
    return dtype is STRING or dtype is str or dtype is bytes or (isinstance(dtype, str) and dtype == "string")


def tensor(dtype: DType, *shape: int | None) -> TensorType:
    """Shorthand: ``tensor(DType.f32, 2, 3)`` is ``tensor<2x3xf32>``."""
    return TensorType(dtype, tuple(shape))
