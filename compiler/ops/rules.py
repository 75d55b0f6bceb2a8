"""Type-rule helpers shared by the core op families.

Rules receive operand types and return result types; they raise :class:`ShapeError` with a message
that names the rule, which the verifier and tracer prefix with the op and its location.
"""

from __future__ import annotations

from ..registry import ShapeError
from ..types import DType, TensorType, Type


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
