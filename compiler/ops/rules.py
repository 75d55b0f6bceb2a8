"""Type-rule helpers shared by the core op families.

Rules receive operand types and return result types; they raise :class:`ShapeError` with a message
that names the rule, which the verifier and tracer prefix with the op and its location.
"""

from __future__ import annotations

import numpy as np

from ..registry import ShapeError, Trait
from ..types import DType, TensorType, Type

PURE = frozenset({Trait.PURE})


def tensor_operand(t: Type, what: str = "operand") -> TensorType:
    if not isinstance(t, TensorType):
        raise ShapeError(f"{what} must be a tensor, got {t}")
    return t


def merge_shapes(a, b):
    """The most specific shape compatible with both, or ShapeError (a ``?`` or unknown rank matches anything)."""
    if a is None:
        return b
    if b is None:
        return a
    if len(a) != len(b):
        raise ShapeError(f"shapes {_shape_text(a)} and {_shape_text(b)} have different ranks")
    merged = []
    for x, y in zip(a, b):
        if x is not None and y is not None and x != y:
            raise ShapeError(f"shapes {_shape_text(a)} and {_shape_text(b)} do not match")
        merged.append(x if x is not None else y)
    return tuple(merged)


def same_type(*types: Type) -> TensorType:
    """Operands of one dtype and compatible shapes (no implicit broadcasting at the core level)."""
    first = tensor_operand(types[0])
    shape = first.shape
    for t in types[1:]:
        t = tensor_operand(t)
        if t.dtype != first.dtype:
            raise ShapeError(f"operands must have the same element type, got {first.dtype.value} and {t.dtype.value}")
        shape = merge_shapes(shape, t.shape)
    return TensorType(first.dtype, shape)


def require_dtype(t: TensorType, kinds: tuple) -> None:
    """ShapeError unless ``t``'s dtype is one of ``kinds`` (a (description, predicate) pair like NUMERIC)."""
    what, ok = kinds
    if not ok(t.dtype):
        raise ShapeError(f"expects {what} operands, got {t.dtype.value}")


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < max(rank, 1):
        raise ShapeError(f"{what} {axis} is out of range for rank {rank}")
    return axis % rank if rank else 0


def declared(ctx, index: int = 0) -> TensorType:
    """The declared result type for ops whose result cannot be derived from operands alone."""
    if not ctx.declared or index >= len(ctx.declared):
        raise ShapeError("needs an explicit result type")
    return ctx.declared[index]


def _shape_text(shape) -> str:
    if shape is None:
        return "[*]"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def shape_text(shape) -> str:
    return _shape_text(shape)


FLOAT_OR_COMPLEX = ("float or complex", lambda d: d.is_inexact)
FLOAT = ("float", lambda d: d.is_float)
NUMERIC = ("numeric", lambda d: d is not DType.bool)
INT_OR_BOOL = ("integer or bool", lambda d: d.is_int or d is DType.bool)
ANY = ("any", lambda d: True)
SIGNED = ("signed or float", lambda d: d.is_signed_int or d.is_inexact)


# ---- checks shared by the shape, gather and scatter families ----------------------------------
def unique_in_range(dims, rank, what: str) -> None:
    """ShapeError unless ``dims`` are distinct and each in ``[0, rank)`` (rank None: only distinct)."""
    if len(set(dims)) != len(dims):
        raise ShapeError(f"{what} {list(dims)} has repeated dimensions")
    for d in dims:
        if rank is not None and not 0 <= d < rank:
            raise ShapeError(f"{what} {list(dims)}: dimension {d} is out of range for rank {rank}")
        if d < 0:
            raise ShapeError(f"{what} {list(dims)}: dimension {d} is negative")


def sorted_unique_in_range(dims, rank, what: str) -> None:
    unique_in_range(dims, rank, what)
    if list(dims) != sorted(dims):
        raise ShapeError(f"{what} {list(dims)} must be sorted")


def check_length(values, n: int | None, what: str) -> None:
    if n is not None and len(values) != n:
        raise ShapeError(f"{what} has {len(values)} entries, expected {n} (the operand rank)")


def index_operand(t, what: str) -> TensorType:
    t = tensor_operand(t, what)
    if not t.dtype.is_int:
        raise ShapeError(f"{what} must have an integer element type, got {t.dtype.value}")
    return t


def require_same_dtype(t: TensorType, other: TensorType, what: str) -> None:
    if t.dtype != other.dtype:
        raise ShapeError(f"{what} must have element type {other.dtype.value}, got {t.dtype.value}")


def fits(size: int, dim: int | None) -> bool:
    return size >= 0 and (dim is None or size <= dim)


def check_size(what: str, size: int, dim: int | None) -> None:
    if not fits(size, dim):
        bound = "non-negative" if dim is None else f"in [0, {dim}] (the operand's size)"
        raise ShapeError(f"{what} = {size} must be {bound}")


def i64_attrs(ctx, *names):
    """Attributes as DenseI64ArrayAttrs for the StableHLO builders."""
    return [ctx.i64_array(ctx.attrs[name]) for name in names]


def as_int64(indices: np.ndarray) -> np.ndarray:
    """Indices as int64 (huge unsigned values saturate, so clamping still sends them to the end)."""
    if indices.dtype == np.uint64:
        indices = np.minimum(indices, np.iinfo(np.int64).max)
    return indices.astype(np.int64)
