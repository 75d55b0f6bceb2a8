"""Elementwise core ops: unary and binary math, compare, select, clamp, convert, and constants.

Operands of binary ops have identical shapes: the tracer inserts ``tfc.broadcast_in_dim`` for
numpy-style broadcasting, so every op here maps one-to-one onto a StableHLO op. References follow
XLA's semantics where they differ from numpy's (integer division truncates, ``x / 0`` is -1).
"""

from __future__ import annotations

import numpy as np
import scipy.special

from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, register
from ..types import DType, TensorType
from . import rules
from .rules import declared, require_dtype, same_type

_PURE_ELEMENTWISE = frozenset({Trait.PURE, Trait.ELEMENTWISE})


def _quiet(fn):
    """Run a numpy kernel without floating-point warnings (XLA gives inf/nan silently too)."""

    def wrapped(*args):
        with np.errstate(all="ignore"):
            return fn(*args)

    return wrapped


# ---- unary ---------------------------------------------------------------------------------------
def _unary(name, summary, numpy_fn, lower, kinds=rules.NUMERIC, result_dtype=None):

    def infer(ctx, x):
        t = rules.tensor_operand(x)
        require_dtype(t, kinds)
        return t if result_dtype is None else t.with_dtype(result_dtype)

    return register(
        OpDef(
            f"tfc.{name}",
            summary,
            operands=("operand",),
            traits=_PURE_ELEMENTWISE,
            infer=infer,
            reference=lambda ctx, x: _quiet(numpy_fn)(x),
            lower=lower,
        )
    )


def _hlo(op_class_name):
    """Lowering to a one-operand-per-input StableHLO op of the same shape."""
    return lambda ctx, *xs: getattr(ctx.hlo, op_class_name)(*xs).result


def _chlo(op_class_name):
    return lambda ctx, *xs: getattr(ctx.chlo, op_class_name)(*xs).result


def _logical_not(x):
    return np.logical_not(x) if x.dtype == np.bool_ else np.invert(x)


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def _rsqrt(x):
    return (1 / np.sqrt(x)).astype(x.dtype)


def _erf(x):
    return scipy.special.erf(x.astype(np.float64)).astype(x.dtype)


ABS = _unary("abs", "Absolute value.", np.abs, _hlo("AbsOp"), rules.SIGNED)
NEG = _unary("negate", "Negation.", np.negative, _hlo("NegOp"))
EXP = _unary("exp", "e to the x.", np.exp, _hlo("ExpOp"), rules.FLOAT_OR_COMPLEX)
EXPM1 = _unary("expm1", "e to the x, minus one, accurate near zero.", np.expm1, _hlo("Expm1Op"), rules.FLOAT_OR_COMPLEX)
LOG = _unary("log", "Natural logarithm.", np.log, _hlo("LogOp"), rules.FLOAT_OR_COMPLEX)
LOG1P = _unary("log1p", "log(1 + x), accurate near zero.", np.log1p, _hlo("Log1pOp"), rules.FLOAT_OR_COMPLEX)
SQRT = _unary("sqrt", "Square root.", np.sqrt, _hlo("SqrtOp"), rules.FLOAT_OR_COMPLEX)
RSQRT = _unary("rsqrt", "Reciprocal square root.", _rsqrt, _hlo("RsqrtOp"), rules.FLOAT_OR_COMPLEX)
TANH = _unary("tanh", "Hyperbolic tangent.", np.tanh, _hlo("TanhOp"), rules.FLOAT_OR_COMPLEX)
LOGISTIC = _unary("logistic", "Sigmoid: 1 / (1 + e^-x).", _logistic, _hlo("LogisticOp"), rules.FLOAT_OR_COMPLEX)
SIN = _unary("sine", "Sine.", np.sin, _hlo("SineOp"), rules.FLOAT_OR_COMPLEX)
COS = _unary("cosine", "Cosine.", np.cos, _hlo("CosineOp"), rules.FLOAT_OR_COMPLEX)
TAN = _unary("tan", "Tangent.", np.tan, _hlo("TanOp"), rules.FLOAT_OR_COMPLEX)
FLOOR = _unary("floor", "Round toward -inf.", np.floor, _hlo("FloorOp"), rules.FLOAT)
CEIL = _unary("ceil", "Round toward +inf.", np.ceil, _hlo("CeilOp"), rules.FLOAT)
ROUND = _unary("round_nearest_even", "Round half to even.", np.rint, _hlo("RoundNearestEvenOp"), rules.FLOAT)
SIGN = _unary("sign", "-1, 0 or 1 (nan stays nan).", np.sign, _hlo("SignOp"), rules.SIGNED)
NOT = _unary("not", "Logical not of bools, bitwise not of integers.", _logical_not, _hlo("NotOp"), rules.INT_OR_BOOL)
ERF = _unary("erf", "Gauss error function.", _erf, _chlo("ErfOp"), rules.FLOAT)
IS_FINITE = _unary("is_finite", "True where x is neither inf nor nan.", np.isfinite, _hlo("IsFiniteOp"), rules.FLOAT, DType.bool)


# ---- binary --------------------------------------------------------------------------------------
def _binary(name, summary, numpy_fn, lower, kinds=rules.NUMERIC, commutative=False):

    def infer(ctx, lhs, rhs):
        t = same_type(lhs, rhs)
        require_dtype(t, kinds)
        return t

    traits = _PURE_ELEMENTWISE | ({Trait.COMMUTATIVE} if commutative else set())
    return register(
        OpDef(
            f"tfc.{name}",
            summary,
            operands=("lhs", "rhs"),
            traits=frozenset(traits),
            infer=infer,
            reference=lambda ctx, a, b: _quiet(numpy_fn)(a, b),
            lower=lower,
        )
    )


def _int_divide(a, b):
    """XLA integer division: truncates toward zero; x / 0 is -1 (all ones); MIN / -1 is MIN."""
    if a.dtype.kind not in "iu":
        return np.divide(a, b)
    safe = np.where(b == 0, 1, b)
    q = np.abs(a.astype(np.int64) if a.dtype.kind == "i" else a) // np.abs(safe.astype(np.int64) if a.dtype.kind == "i" else safe)
    if a.dtype.kind == "i":
        q = np.where((a < 0) != (safe < 0), -q, q)
    q = q.astype(a.dtype)
    return np.where(b == 0, np.array(-1).astype(a.dtype), q)


def _remainder(a, b):
    """XLA remainder: the sign of the dividend (C fmod); x % 0 is x for integers."""
    if a.dtype.kind not in "iu":
        return np.fmod(a, b)
    safe = np.where(b == 0, 1, b)
    return np.where(b == 0, a, np.fmod(a, safe)).astype(a.dtype)


def _power(a, b):
    if a.dtype.kind in "iu":
        # XLA: negative exponents give 0 except for bases 1 and -1.
        neg = b < 0
        result = np.power(a, np.where(neg, 0, b))
        special = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
        return np.where(neg, special, result).astype(a.dtype)
    return np.power(a, b)


def _logical(bool_fn, int_fn):
    return lambda a, b: bool_fn(a, b) if a.dtype == np.bool_ else int_fn(a, b)


ADD = _binary("add", "Addition.", np.add, _hlo("AddOp"), rules.ANY, commutative=True)
SUB = _binary("subtract", "Subtraction.", np.subtract, _hlo("SubtractOp"))
MUL = _binary("multiply", "Multiplication.", np.multiply, _hlo("MulOp"), rules.ANY, commutative=True)
DIV = _binary("divide", "Division (integers truncate toward zero).", _int_divide, _hlo("DivOp"))
REM = _binary("remainder", "Remainder with the sign of the dividend.", _remainder, _hlo("RemOp"))
POW = _binary("power", "Elementwise power.", _power, _hlo("PowOp"))
MAX = _binary("maximum", "Elementwise maximum (nan wins).", np.maximum, _hlo("MaxOp"), rules.ANY, commutative=True)
MIN = _binary("minimum", "Elementwise minimum (nan wins).", np.minimum, _hlo("MinOp"), rules.ANY, commutative=True)
AND = _binary("and", "Logical and of bools, bitwise and of integers.", _logical(np.logical_and, np.bitwise_and), _hlo("AndOp"), rules.INT_OR_BOOL, commutative=True)
OR = _binary("or", "Logical or of bools, bitwise or of integers.", _logical(np.logical_or, np.bitwise_or), _hlo("OrOp"), rules.INT_OR_BOOL, commutative=True)
XOR = _binary("xor", "Logical xor of bools, bitwise xor of integers.", _logical(np.logical_xor, np.bitwise_xor), _hlo("XorOp"), rules.INT_OR_BOOL, commutative=True)
ATAN2 = _binary("atan2", "Angle of (rhs, lhs): atan(lhs / rhs) in the right quadrant.", np.arctan2, _hlo("Atan2Op"), rules.FLOAT)


# ---- compare, select, clamp ----------------------------------------------------------------------
_DIRECTIONS = {"EQ": np.equal, "NE": np.not_equal, "LT": np.less, "LE": np.less_equal, "GT": np.greater, "GE": np.greater_equal}


def _compare_type(dtype: DType) -> str:
    if dtype.is_inexact:
        return "FLOAT"
    return "UNSIGNED" if dtype.is_unsigned_int or dtype is DType.bool else "SIGNED"


def _lower_compare(ctx, lhs, rhs):
    direction = ctx.hlo.ComparisonDirectionAttr.get(ctx.attrs["comparison_direction"])
    kind = ctx.hlo.ComparisonTypeAttr.get(_compare_type(ctx.operand_types[0].dtype))
    return ctx.hlo.CompareOp(lhs, rhs, direction, compare_type=kind).result


COMPARE = register(
    OpDef(
        "tfc.compare",
        "Elementwise comparison; the result is a bool tensor.",
        operands=("lhs", "rhs"),
        attributes={"comparison_direction": attr(AttrKind.STRING, choices=_DIRECTIONS)},
        traits=_PURE_ELEMENTWISE,
        infer=lambda ctx, a, b: same_type(a, b).with_dtype(DType.bool),
        reference=lambda ctx, a, b: _DIRECTIONS[ctx.attrs["comparison_direction"]](a, b),
        lower=_lower_compare,
    )
)


def _infer_select(ctx, pred, on_true, on_false):
    pred = rules.tensor_operand(pred, "predicate")
    if pred.dtype is not DType.bool:
        raise ShapeError(f"predicate must be a bool tensor, got {pred}")
    value = same_type(on_true, on_false)
    if pred.rank == 0:
        return value
    return TensorType(value.dtype, rules.merge_shapes(pred.shape, value.shape))


SELECT = register(
    OpDef(
        "tfc.select",
        "Picks on_true where pred holds, else on_false (pred is a scalar or has their shape).",
        operands=("pred", "on_true", "on_false"),
        traits=_PURE_ELEMENTWISE,
        infer=_infer_select,
        reference=lambda ctx, p, a, b: np.where(p, a, b),
        lower=lambda ctx, p, a, b: ctx.hlo.SelectOp(p, a, b).result,
    )
)


def _infer_clamp(ctx, lo, x, hi):
    x = rules.tensor_operand(x)
    for bound, what in ((lo, "min"), (hi, "max")):
        bound = rules.tensor_operand(bound, what)
        if bound.dtype != x.dtype:
            raise ShapeError(f"{what} must have element type {x.dtype.value}, got {bound.dtype.value}")
        if bound.rank != 0:
            rules.merge_shapes(bound.shape, x.shape)
    return x


CLAMP = register(
    OpDef(
        "tfc.clamp",
        "min(max(operand, min), max); the bounds are scalars or have the operand's shape.",
        operands=("min", "operand", "max"),
        traits=_PURE_ELEMENTWISE,
        infer=_infer_clamp,
        reference=lambda ctx, lo, x, hi: np.minimum(np.maximum(x, lo), hi),
        lower=lambda ctx, lo, x, hi: ctx.hlo.ClampOp(lo, x, hi).result,
    )
)


# ---- convert and constant ------------------------------------------------------------------------
def _infer_convert(ctx, x):
    x = rules.tensor_operand(x)
    out = declared(ctx)
    rules.merge_shapes(x.shape, out.shape)
    return out


def _convert(ctx, x):
    target = ctx.result_type.dtype.numpy
    if x.dtype.kind in "fc" or x.dtype.name == "bfloat16":
        if np.dtype(target).kind in "iu":
            # XLA truncates toward zero and maps nan to 0.
            with np.errstate(all="ignore"):
                x = np.nan_to_num(np.trunc(x.real if x.dtype.kind == "c" else x), nan=0.0)
        elif np.dtype(target).kind == "f" and x.dtype.kind == "c":
            x = x.real
    with np.errstate(all="ignore"):
        return x.astype(target)


CONVERT = register(
    OpDef(
        "tfc.convert",
        "Converts elements to the result's element type (floats to ints truncate toward zero).",
        operands=("operand",),
        traits=_PURE_ELEMENTWISE,
        infer=_infer_convert,
        reference=_convert,
        lower=lambda ctx, x: ctx.hlo.ConvertOp(ctx.result_type, x).result,
    )
)


def _lower_constant(ctx):
    from_attr = ctx.op.attributes["value"]
    return ctx.constant(from_attr.array, from_attr.type.dtype)


CONSTANT = register(
    OpDef(
        "tfc.constant",
        "A constant tensor.",
        attributes={"value": attr(AttrKind.DENSE)},
        traits=frozenset({Trait.PURE, Trait.CONSTANT_LIKE}),
        infer=lambda ctx: TensorType(DType.from_numpy(ctx.attrs["value"].dtype), tuple(ctx.attrs["value"].shape)),
        reference=lambda ctx: ctx.attrs["value"],
        lower=_lower_constant,
    )
)
