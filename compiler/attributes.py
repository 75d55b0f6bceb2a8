"""Attributes: the compile-time constants ops carry, each printing in MLIR's attribute syntax.

Every attribute is immutable and hashable (CSE keys ops on them) and knows its Python ``value``.
:func:`to_attribute` turns plain Python values into attributes so builders can say ``axis=1``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .strings import quote
from .types import DType, TensorType, Type

# Dense tensors larger than this print as one hex string: compact, exact, and fast to parse.
HEX_THRESHOLD = 16
ELIDED = "dense_resource<__elided__>"
"""How a constant printed without its values reads (MLIR's ``--mlir-elide-elementsattrs-if-larger``)."""


class Attribute:
    """Base of all attributes."""

    @property
    def value(self):
        raise NotImplementedError


@dataclass(frozen=True)
class IntegerAttr(Attribute):
    """``3 : i64``."""

    int_value: int
    dtype: DType = DType.i64

    @property
    def value(self) -> int:
        return self.int_value

    def __str__(self) -> str:
        return f"{self.int_value} : {self.dtype.value}"


@dataclass(frozen=True)
class FloatAttr(Attribute):
    """``0.5 : f32``; non-finite values print as their bit pattern in hex, as MLIR does."""

    float_value: float
    dtype: DType = DType.f64

    @property
    def value(self) -> float:
        return self.float_value

    def __eq__(self, other) -> bool:
        return isinstance(other, FloatAttr) and other.dtype == self.dtype and _float_key(other.float_value) == _float_key(self.float_value)

    def __hash__(self) -> int:
        return hash((self.dtype, _float_key(self.float_value)))

    def __str__(self) -> str:
        return f"{format_float(self.float_value, self.dtype)} : {self.dtype.value}"


@dataclass(frozen=True)
class BoolAttr(Attribute):
    """``true`` / ``false``."""

    bool_value: bool

    @property
    def value(self) -> bool:
        return self.bool_value

    def __str__(self) -> str:
        return "true" if self.bool_value else "false"


@dataclass(frozen=True)
class StringAttr(Attribute):
    """``"text"``."""

    string_value: str

    @property
    def value(self) -> str:
        return self.string_value

    def __str__(self) -> str:
        return quote(self.string_value)


@dataclass(frozen=True)
class UnitAttr(Attribute):
    """``unit``: presence alone carries the meaning."""

    @property
    def value(self) -> bool:
        return True

    def __str__(self) -> str:
        return "unit"


@dataclass(frozen=True)
class ArrayAttr(Attribute):
    """``[a, b, c]`` of any attributes."""

    elements: tuple[Attribute, ...]

    @property
    def value(self) -> tuple:
        return tuple(e.value for e in self.elements)

    def __str__(self) -> str:
        return "[" + ", ".join(map(str, self.elements)) + "]"


@dataclass(frozen=True)
class DenseArrayAttr(Attribute):
    """``array<i64: 1, 2, 3>``: a flat list of numbers, used for dimension lists."""

    dtype: DType
    elements: tuple

    @property
    def value(self) -> tuple:
        return self.elements

    def __str__(self) -> str:
        if not self.elements:
            return f"array<{self.dtype.value}>"
        if self.dtype is DType.bool:
            items = ", ".join("true" if e else "false" for e in self.elements)
        elif self.dtype.is_float:
            items = ", ".join(format_float(e, self.dtype) for e in self.elements)
        else:
            items = ", ".join(str(e) for e in self.elements)
        return f"array<{self.dtype.value}: {items}>"


@dataclass(frozen=True)
class TypeAttr(Attribute):
    """A type used as a value, e.g. a function's signature."""

    type: Type

    @property
    def value(self) -> Type:
        return self.type

    def __str__(self) -> str:
        return str(self.type)


@dataclass(frozen=True)
class DTypeAttr(Attribute):
    """An element type used as a value: ``f32`` (TensorFlow's ``T = DT_FLOAT`` attributes)."""

    dtype: DType

    @property
    def value(self) -> DType:
        return self.dtype

    def __str__(self) -> str:
        return self.dtype.value


@dataclass(frozen=True)
class SymbolRefAttr(Attribute):
    """``@name``: refers to a function in the module."""

    symbol: str

    @property
    def value(self) -> str:
        return self.symbol

    def __str__(self) -> str:
        return "@" + (self.symbol if _is_bare_identifier(self.symbol) else quote(self.symbol))


@dataclass(frozen=True)
class DictAttr(Attribute):
    """``{a = 1 : i64, b = "x"}``; keys print sorted, as MLIR's dictionaries are."""

    entries: tuple[tuple[str, Attribute], ...]

    @property
    def value(self) -> dict:
        return {k: v.value for k, v in self.entries}

    def __str__(self) -> str:
        return format_attr_dict(dict(self.entries))


@dataclass(frozen=True, eq=False)
class DenseElementsAttr(Attribute):
    """``dense<[[1.0, 2.0]]> : tensor<1x2xf32>``: a constant tensor, stored as a read-only numpy array."""

    array: np.ndarray
    type: TensorType

    def __post_init__(self):
        if not self.type.is_static:
            raise ValueError(f"dense constant needs a static type, got {self.type}")
        if tuple(self.array.shape) != self.type.shape or self.array.dtype != self.type.dtype.numpy:
            raise ValueError(f"array of shape {self.array.shape} and dtype {self.array.dtype} does not match {self.type}")
        self.array.setflags(write=False)

    @staticmethod
    def from_array(array) -> DenseElementsAttr:
        array = np.array(array, order="C", copy=True)  # ascontiguousarray would make 0-d arrays 1-d
        return DenseElementsAttr(array, TensorType(DType.from_numpy(array.dtype), tuple(array.shape)))

    @property
    def value(self) -> np.ndarray:
        return self.array

    def is_splat(self) -> bool:
        """Whether every element has the same bits (so -0.0 and 0.0 differ, and NaNs of one payload match)."""
        return self._splat

    @functools.cached_property
    def _splat(self) -> bool:  # computed once: printing asks for every constant, and the array never changes
        if not self.array.size:
            return False
        flat = self.array.reshape(-1)
        size = flat.dtype.itemsize
        rows = flat.view(f"u{size}") if size in (1, 2, 4, 8) else flat.view(np.uint8).reshape(flat.size, -1)
        if rows[-1].tobytes() != rows[0].tobytes():  # most weights: settled without touching the rest
            return False
        return bool((rows == rows[0]).all())

    def __eq__(self, other) -> bool:
        return isinstance(other, DenseElementsAttr) and other.type == self.type and other.array.tobytes() == self.array.tobytes()

    def __hash__(self) -> int:
        return hash((self.type, self.array.tobytes()))

    def __str__(self) -> str:
        return f"dense<{self._body()}> : {self.type}"

    def _body(self) -> str:
        arr = self.array
        if arr.size == 0:
            return ""
        if self.is_splat():
            return _format_element(arr.reshape(-1)[0], self.type.dtype)
        if arr.size > HEX_THRESHOLD or _has_non_finite(arr):
            return '"0x' + arr.astype(arr.dtype.newbyteorder("<")).tobytes().hex().upper() + '"'
        return _format_nested(arr, self.type.dtype)


def _float_key(x: float):
    return ("nan",) if math.isnan(x) else x


def _is_bare_identifier(text: str) -> bool:
    import re

    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$.]*", text) is not None


def format_float(x: float, dtype: DType) -> str:
    """A literal that parses back to exactly ``x`` in ``dtype``: decimal when finite, bit-pattern hex otherwise."""
    x = float(x)
    if not math.isfinite(x):
        bits = np.array(x, dtype=dtype.numpy).view(np.dtype(f"u{dtype.numpy.itemsize}"))
        return f"0x{int(bits):0{dtype.numpy.itemsize * 2}X}"
    text = repr(x)
    if "." not in text:
        mantissa, _, exponent = text.partition("e")
        text = mantissa + ".0" + ("e" + exponent if exponent else "")
    return text


def _format_element(x, dtype: DType) -> str:
    if dtype is DType.bool:
        return "true" if x else "false"
    if dtype.is_float:
        return format_float(float(x), dtype)
    if dtype.is_complex:
        part = DType.f32 if dtype is DType.c64 else DType.f64
        return f"({format_float(x.real, part)}, {format_float(x.imag, part)})"
    return str(int(x))


def _format_nested(arr: np.ndarray, dtype: DType) -> str:
    if arr.ndim == 0:
        return _format_element(arr[()], dtype)
    return "[" + ", ".join(_format_nested(sub, dtype) for sub in arr) + "]"


def _has_non_finite(arr: np.ndarray) -> bool:
    if arr.dtype.kind in "fc" or arr.dtype.name == "bfloat16":
        return not bool(np.isfinite(arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64)).all())
    return False


def is_elided(value: Attribute, elide_above: int | None) -> bool:
    """Whether ``value`` prints elided with ``elide_above``: a dense constant of more elements, not a splat."""
    return elide_above is not None and isinstance(value, DenseElementsAttr) and value.array.size > elide_above and not value.is_splat()


def format_attr_dict(attrs: dict[str, Attribute], elide_above: int | None = None) -> str:
    """``{a = 1 : i64, b = "x"}`` with keys sorted; a unit attribute prints as its bare name. A dense
    constant of more than ``elide_above`` elements (not one value repeated) prints as
    ``dense_resource<__elided__> : tensor<...>``: readable, but it does not parse back."""
    parts = []
    for key in sorted(attrs):
        name = key if _is_bare_identifier(key) else quote(key)
        value = attrs[key]
        if isinstance(value, UnitAttr):
            parts.append(name)
        elif is_elided(value, elide_above):
            parts.append(f"{name} = {ELIDED} : {value.type}")
        else:
            parts.append(f"{name} = {value}")
    return "{" + ", ".join(parts) + "}"


def to_attribute(value) -> Attribute:
    """Turn a plain Python value into an attribute: int → i64, float → f64, list of ints → array<i64>, ndarray → dense."""
    if isinstance(value, Attribute):
        return value
    if isinstance(value, (bool, np.bool_)):
        return BoolAttr(bool(value))
    if isinstance(value, (int, np.integer)):
        return IntegerAttr(int(value))
    if isinstance(value, (float, np.floating)):
        return FloatAttr(float(value))
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, Type):
        return TypeAttr(value)
    if isinstance(value, DType):
        return DTypeAttr(value)
    if isinstance(value, np.ndarray):
        return DenseElementsAttr.from_array(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in value):
            return DenseArrayAttr(DType.i64, tuple(int(v) for v in value))
        if value and all(isinstance(v, (bool, np.bool_)) for v in value):
            return DenseArrayAttr(DType.bool, tuple(bool(v) for v in value))
        return ArrayAttr(tuple(to_attribute(v) for v in value))
    if isinstance(value, dict):
        return DictAttr(tuple(sorted((str(k), to_attribute(v)) for k, v in value.items())))
    raise TypeError(f"cannot make an attribute from {type(value).__name__} value {value!r}")
