"""Declaring a pure elementwise core op of any arity in one call, for the families that add many:
special functions, inverse trigonometric and hyperbolic functions, complex parts, bit operations.

Operands share one type (the tracer broadcasts before emitting); the result has their shape and
their dtype, or the dtype ``result_dtype`` maps it to (``tfc.real``: ``complex<f32>`` -> ``f32``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..registry import OpDef, Trait, register
from ..types import DType
from . import rules

PURE_ELEMENTWISE = frozenset({Trait.PURE, Trait.ELEMENTWISE})


def quiet(fn: Callable) -> Callable:
    """``fn`` without numpy's floating-point warnings (XLA gives inf and nan silently too)."""

    def wrapped(*args):
        with np.errstate(all="ignore"):
            return fn(*args)

    return wrapped


def in_double(fn: Callable) -> Callable:
    """``fn`` evaluated in float64 (complex128 for complex operands), cast back to the operands'
    dtype: scipy's kernels are double precision, and half floats have no kernels of their own."""

    def wrapped(*args):
        wide = np.complex128 if args[0].dtype.kind == "c" else np.float64
        return np.asarray(fn(*(a.astype(wide) for a in args))).astype(args[0].dtype)

    return wrapped


def chlo(op_class_name: str) -> Callable:
    """Lowering to the CHLO op of that name (XLA expands it into StableHLO when compiling)."""
    return lambda ctx, *xs: getattr(ctx.chlo, op_class_name)(*xs).result


def hlo(op_class_name: str) -> Callable:
    """Lowering to the StableHLO op of that name."""
    return lambda ctx, *xs: getattr(ctx.hlo, op_class_name)(*xs).result


def no_gradient(ctx, *cotangents):
    """Integer-valued or piecewise-constant ops: nothing flows back to the operands."""
    return [None] * len(ctx.operands)


def define(
    name: str,
    summary: str,
    operands: tuple[str, ...],
    kinds: tuple,
    reference: Callable,
    lower: Callable,
    grad: Callable | None,
    result_dtype: Callable[[DType], DType] | None = None,
) -> OpDef:
    """Register ``tfc.<name>``: ``reference(*arrays)`` is its numpy semantics (run without
    floating-point warnings), ``kinds`` the dtypes it takes (a pair like ``rules.FLOAT``)."""

    def infer(ctx, *types):
        t = rules.same_type(*types)
        rules.require_dtype(t, kinds)
        return t if result_dtype is None else t.with_dtype(result_dtype(t.dtype))

    numpy_fn = quiet(reference)
    return register(
        OpDef(
            f"tfc.{name}",
            summary,
            operands=operands,
            traits=PURE_ELEMENTWISE,
            infer=infer,
            reference=lambda ctx, *arrays: numpy_fn(*arrays),
            lower=lower,
            grad=grad,
        )
    )
