"""Inverse trigonometric and hyperbolic core ops: asin, acos, atan, sinh, cosh, asinh, acosh, atanh.

Each is one CHLO op, which XLA expands with care for accuracy (no cancellation near 0 or near the
ends of the domain, no overflow in intermediate squares) and for complex operands along the branch
cuts of C99 — what a composition of the basic ops would not give at float64 precision. The numpy
references are numpy's own functions, evaluated in double precision.
"""

from __future__ import annotations

import numpy as np

from . import rules
from .pointwise import chlo, define, in_double


# Gradients: ``ctx.operands``/``ctx.result`` are the forward values, ``ctx.api`` the tracing API.
def _g_asin(ctx, g):
    x = ctx.operands[0]
    return [g * ctx.api.rsqrt((1 - x) * (1 + x))]


def _g_acos(ctx, g):
    x = ctx.operands[0]
    return [-(g * ctx.api.rsqrt((1 - x) * (1 + x)))]


def _g_atan(ctx, g):
    x = ctx.operands[0]
    return [g / (1 + x * x)]


def _g_sinh(ctx, g):
    return [g * ctx.api.emit("tfc.cosh", [ctx.operands[0]])]


def _g_cosh(ctx, g):
    return [g * ctx.api.emit("tfc.sinh", [ctx.operands[0]])]


def _g_asinh(ctx, g):
    return [g / ctx.api.emit("tfc.cosh", [ctx.result])]  # d/dx asinh(x) = 1 / sqrt(x^2 + 1) = 1 / cosh(y)


def _g_acosh(ctx, g):
    return [g / ctx.api.emit("tfc.sinh", [ctx.result])]  # 1 / sqrt(x^2 - 1) = 1 / sinh(y)


def _g_atanh(ctx, g):
    x = ctx.operands[0]
    return [g / ((1 - x) * (1 + x))]


def _function(name: str, summary: str, numpy_fn, chlo_op: str, grad):
    return define(name, summary, ("operand",), rules.FLOAT_OR_COMPLEX, in_double(numpy_fn), chlo(chlo_op), grad)


ASIN = _function("asin", "Inverse sine, in [-pi/2, pi/2].", np.arcsin, "AsinOp", _g_asin)
ACOS = _function("acos", "Inverse cosine, in [0, pi].", np.arccos, "AcosOp", _g_acos)
ATAN = _function("atan", "Inverse tangent, in (-pi/2, pi/2).", np.arctan, "AtanOp", _g_atan)
SINH = _function("sinh", "Hyperbolic sine.", np.sinh, "SinhOp", _g_sinh)
COSH = _function("cosh", "Hyperbolic cosine.", np.cosh, "CoshOp", _g_cosh)
ASINH = _function("asinh", "Inverse hyperbolic sine.", np.arcsinh, "AsinhOp", _g_asinh)
ACOSH = _function("acosh", "Inverse hyperbolic cosine (nan below 1).", np.arccosh, "AcoshOp", _g_acosh)
ATANH = _function("atanh", "Inverse hyperbolic tangent (nan outside [-1, 1]).", np.arctanh, "AtanhOp", _g_atanh)
