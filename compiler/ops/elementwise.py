"""Elementwise core ops: unary and binary math, compare, select, clamp, convert, and constants.

Operands of binary ops have identical shapes: the tracer inserts ``tfc.broadcast_in_dim`` for
numpy-style broadcasting, so every op here maps one-to-one onto a StableHLO op. References follow
XLA's semantics where they differ from numpy's (integer division truncates, ``x / 0`` is -1).
"""

from __future__ import annotations

import numpy as np

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
def _unary(name, summary, numpy_fn, lower, kinds=rules.NUMERIC, result_dtype=None, grad=None):

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
            grad=grad,
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
    import scipy.special  # only the reference needs it, and it costs ~0.15 s to import

    return scipy.special.erf(x.astype(np.float64)).astype(x.dtype)


# Gradient rules: ``grad(ctx, g)`` returns the cotangent of each operand (None: zero). ``ctx.api`` is
# the tracing API and ``ctx.operands`` / ``ctx.result`` the forward values.
def _zero_grad(ctx, *cotangents):
    """Piecewise-constant ops (floor, sign, compare...): the derivative is zero almost everywhere."""
    return [None] * len(ctx.operands)


def _g_abs(ctx, g):
    return [g * ctx.api.sign(ctx.operands[0])]


def _g_exp(ctx, g):
    return [g * ctx.result]


def _g_expm1(ctx, g):
    return [g * (ctx.result + 1)]


def _g_log(ctx, g):
    return [g / ctx.operands[0]]


def _g_log1p(ctx, g):
    return [g / (ctx.operands[0] + 1)]


def _g_sqrt(ctx, g):
    return [g * 0.5 / ctx.result]


def _g_rsqrt(ctx, g):
    return [g * -0.5 * ctx.result / ctx.operands[0]]


def _g_tanh(ctx, g):
    return [g * (1 - ctx.result * ctx.result)]


def _g_logistic(ctx, g):
    return [g * ctx.result * (1 - ctx.result)]


def _g_sin(ctx, g):
    return [g * ctx.api.cos(ctx.operands[0])]


def _g_cos(ctx, g):
    return [-(g * ctx.api.sin(ctx.operands[0]))]


def _g_tan(ctx, g):
    return [g * (1 + ctx.result * ctx.result)]


def _g_erf(ctx, g):
    x = ctx.operands[0]
    return [g * (2 / np.sqrt(np.pi)) * ctx.api.exp(-(x * x))]


ABS = _unary("abs", "Absolute value.", np.abs, _hlo("AbsOp"), rules.SIGNED, grad=_g_abs)
NEG = _unary("negate", "Negation.", np.negative, _hlo("NegOp"), grad=lambda ctx, g: [-g])
EXP = _unary("exp", "e to the x.", np.exp, _hlo("ExpOp"), rules.FLOAT_OR_COMPLEX, grad=_g_exp)
EXPM1 = _unary("expm1", "e to the x, minus one, accurate near zero.", np.expm1, _hlo("Expm1Op"), rules.FLOAT_OR_COMPLEX, grad=_g_expm1)
LOG = _unary("log", "Natural logarithm.", np.log, _hlo("LogOp"), rules.FLOAT_OR_COMPLEX, grad=_g_log)
LOG1P = _unary("log1p", "log(1 + x), accurate near zero.", np.log1p, _hlo("Log1pOp"), rules.FLOAT_OR_COMPLEX, grad=_g_log1p)
SQRT = _unary("sqrt", "Square root.", np.sqrt, _hlo("SqrtOp"), rules.FLOAT_OR_COMPLEX, grad=_g_sqrt)
RSQRT = _unary("rsqrt", "Reciprocal square root.", _rsqrt, _hlo("RsqrtOp"), rules.FLOAT_OR_COMPLEX, grad=_g_rsqrt)
TANH = _unary("tanh", "Hyperbolic tangent.", np.tanh, _hlo("TanhOp"), rules.FLOAT_OR_COMPLEX, grad=_g_tanh)
LOGISTIC = _unary("logistic", "Sigmoid: 1 / (1 + e^-x).", _logistic, _hlo("LogisticOp"), rules.FLOAT_OR_COMPLEX, grad=_g_logistic)
SIN = _unary("sine", "Sine.", np.sin, _hlo("SineOp"), rules.FLOAT_OR_COMPLEX, grad=_g_sin)
COS = _unary("cosine", "Cosine.", np.cos, _hlo("CosineOp"), rules.FLOAT_OR_COMPLEX, grad=_g_cos)
TAN = _unary("tan", "Tangent.", np.tan, _hlo("TanOp"), rules.FLOAT_OR_COMPLEX, grad=_g_tan)
FLOOR = _unary("floor", "Round toward -inf.", np.floor, _hlo("FloorOp"), rules.FLOAT, grad=_zero_grad)
CEIL = _unary("ceil", "Round toward +inf.", np.ceil, _hlo("CeilOp"), rules.FLOAT, grad=_zero_grad)
ROUND = _unary("round_nearest_even", "Round half to even.", np.rint, _hlo("RoundNearestEvenOp"), rules.FLOAT, grad=_zero_grad)
SIGN = _unary("sign", "-1, 0 or 1 (nan stays nan).", np.sign, _hlo("SignOp"), rules.SIGNED, grad=_zero_grad)
NOT = _unary("not", "Logical not of bools, bitwise not of integers.", _logical_not, _hlo("NotOp"), rules.INT_OR_BOOL, grad=_zero_grad)
ERF = _unary("erf", "Gauss error function.", _erf, _chlo("ErfOp"), rules.FLOAT, grad=_g_erf)
IS_FINITE = _unary("is_finite", "True where x is neither inf nor nan.", np.isfinite, _hlo("IsFiniteOp"), rules.FLOAT, DType.bool, grad=_zero_grad)

STOP_GRADIENT = _unary("stop_gradient", "x itself; differentiation treats it as a constant.", lambda x: x, lambda ctx, x: x, rules.ANY, grad=_zero_grad)


# ---- binary --------------------------------------------------------------------------------------
def _binary(name, summary, numpy_fn, lower, kinds=rules.NUMERIC, commutative=False, grad=None):

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
            grad=grad,
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


def _g_multiply(ctx, g):
    x, y = ctx.operands
    return [g * y, g * x]


def _g_divide(ctx, g):
    x, y = ctx.operands
    return [g / y, -(g * x) / (y * y)]


def _balanced(ctx, g, pick):
    """max/min: the chosen operand gets the cotangent; ties split it evenly (as JAX does)."""
    api, (x, y) = ctx.api, ctx.operands
    win_x = api.where(pick(x, y), 1.0, api.where(api.equal(x, y), 0.5, 0.0))
    win_x = api.astype(win_x, g.dtype)
    return [g * win_x, g * (1 - win_x)]


def _g_power(ctx, g):
    api, (x, y) = ctx.api, ctx.operands
    gx = g * y * api.power(x, y - 1)
    safe_log = api.log(api.where(api.greater(x, 0), x, 1.0))
    gy = g * api.where(api.greater(x, 0), ctx.result * safe_log, 0.0)
    return [gx, gy]


def _g_remainder(ctx, g):
    api, (x, y) = ctx.api, ctx.operands
    quotient = x / y
    return [g, -(g * api.where(api.less(quotient, 0), api.ceil(quotient), api.floor(quotient)))]


def _g_atan2(ctx, g):
    x, y = ctx.operands  # atan2(x, y): the angle of the point (y, x)
    denominator = x * x + y * y
    return [g * y / denominator, -(g * x) / denominator]


ADD = _binary("add", "Addition.", np.add, _hlo("AddOp"), rules.ANY, commutative=True, grad=lambda ctx, g: [g, g])
SUB = _binary("subtract", "Subtraction.", np.subtract, _hlo("SubtractOp"), grad=lambda ctx, g: [g, -g])
MUL = _binary("multiply", "Multiplication.", np.multiply, _hlo("MulOp"), rules.ANY, commutative=True, grad=_g_multiply)
DIV = _binary("divide", "Division (integers truncate toward zero).", _int_divide, _hlo("DivOp"), grad=_g_divide)
REM = _binary("remainder", "Remainder with the sign of the dividend.", _remainder, _hlo("RemOp"), grad=_g_remainder)
POW = _binary("power", "Elementwise power.", _power, _hlo("PowOp"), grad=_g_power)
MAX = _binary("maximum", "Elementwise maximum (nan wins).", np.maximum, _hlo("MaxOp"), rules.ANY, commutative=True,
              grad=lambda ctx, g: _balanced(ctx, g, ctx.api.greater))
MIN = _binary("minimum", "Elementwise minimum (nan wins).", np.minimum, _hlo("MinOp"), rules.ANY, commutative=True,
              grad=lambda ctx, g: _balanced(ctx, g, ctx.api.less))
AND = _binary("and", "Logical and of bools, bitwise and of integers.", _logical(np.logical_and, np.bitwise_and), _hlo("AndOp"),
              rules.INT_OR_BOOL, commutative=True, grad=_zero_grad)
OR = _binary("or", "Logical or of bools, bitwise or of integers.", _logical(np.logical_or, np.bitwise_or), _hlo("OrOp"),
             rules.INT_OR_BOOL, commutative=True, grad=_zero_grad)
XOR = _binary("xor", "Logical xor of bools, bitwise xor of integers.", _logical(np.logical_xor, np.bitwise_xor), _hlo("XorOp"),
              rules.INT_OR_BOOL, commutative=True, grad=_zero_grad)
ATAN2 = _binary("atan2", "Angle of (rhs, lhs): atan(lhs / rhs) in the right quadrant.", np.arctan2, _hlo("Atan2Op"), rules.FLOAT, grad=_g_atan2)


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
        grad=_zero_grad,
    )
)


def _g_select(ctx, g):
    api, (pred, _, _) = ctx.api, ctx.operands
    zero = api.zeros_like(g)
    return [None, api.where(pred, g, zero), api.where(pred, zero, g)]


def _g_clamp(ctx, g):
    """The operand gets the cotangent where it is inside the bounds; a bound where it is active."""
    api, (lo, x, hi) = ctx.api, ctx.operands
    zero = api.zeros_like(g)
    below, above = api.less(x, lo), api.greater(x, hi)
    inside = api.where(api.logical_or(below, above), zero, g)
    g_lo, g_hi = api.where(below, g, zero), api.where(above, g, zero)
    if lo.ndim == 0:
        g_lo = api.sum(g_lo)
    if hi.ndim == 0:
        g_hi = api.sum(g_hi)
    return [g_lo, inside, g_hi]


def _g_convert(ctx, g):
    operand = ctx.operands[0]
    return [ctx.api.astype(g, operand.dtype) if operand.dtype.is_inexact and g.dtype.is_inexact else None]


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
        grad=_g_select,
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
        grad=_g_clamp,
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
        grad=_g_convert,
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
        grad=_zero_grad,
    )
)
