"""TensorFlow's math ops: elementwise arithmetic, comparisons, logic, Select, Cast, reductions,
ArgMax/ArgMin, Cumsum, BatchMatMul and Einsum.

Every op keeps TensorFlow's dtype exactly: where the tracing API would promote (it turns an integer
division or ``Exp`` of an integer into f32, as numpy does), decompositions emit the core op on the
operand dtype instead, so a wrong dtype is the core op's clear error rather than a silent f32. Integer semantics follow TensorFlow's kernels, which differ from
numpy's in places: ``Div`` truncates (C division, like ``TruncateDiv``), ``FloorDiv``/``FloorMod``
round toward -inf (Python's ``//`` and ``%``), ``Round`` is half-to-even.

The activation, softmax and loss ops live in :mod:`.math_nn`.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, broadcast, same_as_first, tf_op, to_bool, unknown
from .complex_parts import conjugate, real_part


def emit(name: str, *operands):
    """One core op on ``operands`` as they are (no promotion, no broadcasting)."""
    return tnp.emit(f"tfc.{name}", list(operands))


def full_like(x, value):
    """``value`` in ``x``'s dtype, broadcast to ``x``'s shape."""
    return tnp.broadcast_to(tnp.astype(value, x.dtype), x.shape)


def same_dtype(ctx, *types):
    """TensorFlow's binary ops take one dtype ``T``; say so rather than let promotion hide a bad graph."""
    dtypes = {t.dtype for t in types}
    if len(dtypes) > 1:
        raise ShapeError(f"operands must have one dtype, got {' and '.join(t.dtype.value for t in types)}")


def binary_type(ctx, *types):
    same_dtype(ctx, *types)
    return broadcast(ctx, *types)


def fits(a, b) -> bool:
    """Whether two shapes can be the same at run time (an unknown rank or dimension fits anything)."""
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(p is None or q is None or p == q for p, q in zip(a, b))


def bool_like(ctx, x):
    return x.with_dtype(DType.bool)


# ---- binary arithmetic ---------------------------------------------------------------------------
def broadcast_pair(x, y):
    """``x`` and ``y`` broadcast to their common shape (numpy's rule), dtypes kept."""
    shape = tnp.broadcast_shapes(x.shape, y.shape)
    return tnp.broadcast_to(x, shape), tnp.broadcast_to(y, shape)


def _core_binary(name: str):
    """A core binary op after numpy broadcasting, keeping T (no int -> float promotion)."""

    def decompose(ctx, x, y):
        return emit(name, *broadcast_pair(x, y))

    return decompose


def _div_no_nan(ctx, x, y):
    """x / y, and 0 where y == 0 (dividing by a safe 1 there so no nan/inf reaches gradients)."""
    x, y = broadcast_pair(x, y)
    zero = tnp.equal(y, full_like(y, 0))
    quotient = emit("divide", x, tnp.where(zero, full_like(y, 1), y))
    return tnp.where(zero, full_like(x, 0), quotient)


def _truncate_div(ctx, x, y):
    """x / y rounded toward zero: XLA's integer division already does; floats round the quotient."""
    quotient = emit("divide", *broadcast_pair(x, y))
    if not quotient.dtype.is_float:
        return quotient
    return tnp.where(tnp.less(quotient, full_like(quotient, 0)), tnp.ceil(quotient), tnp.floor(quotient))


def floor_mod(x, y):
    """Python's %: the remainder takes the divisor's sign (fmod, then + y when the signs differ)."""
    x, y = broadcast_pair(x, y)
    rem = emit("remainder", x, y)
    if x.dtype.is_unsigned_int:
        return rem
    zero = full_like(x, 0)
    differ = tnp.not_equal(tnp.less(rem, zero), tnp.less(y, zero))
    fix = tnp.logical_and(differ, tnp.not_equal(rem, zero))
    return tnp.where(fix, tnp.add(rem, y), rem)


def _squared_difference(ctx, x, y):
    """(x - y)^2; for complex numbers |x - y|^2, conj(x - y) (x - y), as TensorFlow defines it."""
    diff = emit("subtract", *broadcast_pair(x, y))
    return tnp.multiply(conjugate(diff), diff)


def _add_n(ctx, *xs):
    total = xs[0]
    for x in xs[1:]:
        total = tnp.add(total, x)
    return total


# (op, decomposition) — all broadcast like numpy and keep T.
_BINARY = {
    "Add": lambda ctx, x, y: tnp.add(x, y),
    "Sub": lambda ctx, x, y: tnp.subtract(x, y),
    "Mul": lambda ctx, x, y: tnp.multiply(x, y),
    "RealDiv": _core_binary("divide"),  # on ints XLA's truncating division, as tf2xla does
    "Div": _core_binary("divide"),  # ints truncate toward zero: TF's CPU kernel is safe_div (C '/')
    "TruncateDiv": _truncate_div,
    "DivNoNan": _div_no_nan,
    "FloorDiv": lambda ctx, x, y: tnp.floor_divide(x, y),  # ints: Python's //; floats: floor(x / y)
    "FloorMod": lambda ctx, x, y: floor_mod(x, y),
    "TruncateMod": _core_binary("remainder"),
    "Mod": _core_binary("remainder"),  # C fmod: the sign of the dividend
    "Maximum": lambda ctx, x, y: tnp.maximum(x, y),
    "Minimum": lambda ctx, x, y: tnp.minimum(x, y),
    "Pow": _core_binary("power"),
    "SquaredDifference": _squared_difference,
    "Atan2": _core_binary("atan2"),
}
for _name, _fn in _BINARY.items():
    tf_op(_name, binary_type, _fn, outputs=(("z", 1),))
tf_op("AddN", binary_type, _add_n, outputs=(("sum", 1),))


# ---- unary math ----------------------------------------------------------------------------------
def _core_unary(name: str):
    return lambda ctx, x: emit(name, x)


def _sign(ctx, x):
    if x.dtype.is_unsigned_int:  # tfc.sign is for signed types; 0 or 1 here
        return tnp.minimum(x, full_like(x, 1))
    return tnp.sign(x)


def _round(ctx, x):
    """Half to even for floats; integers are already round."""
    return emit("round_nearest_even", x) if x.dtype.is_float else x


def _reciprocal(ctx, x):
    return emit("divide", full_like(x, 1), x)


def _is_nan(ctx, x):
    return tnp.not_equal(x, x)  # only nan differs from itself


def _is_inf(ctx, x):
    return tnp.equal(tnp.abs(x), full_like(x, np.inf))


def _erfc(ctx, x):
    """The core erfc (XLA's, accurate in the tails where 1 - erf(x) cancels); half floats in f32."""
    if x.dtype in (DType.f16, DType.bf16):
        return tnp.astype(emit("erfc", tnp.astype(x, DType.f32)), x.dtype)
    return emit("erfc", x)


# (op, decomposition) — the result has the operand's type.
_UNARY = {
    "Neg": lambda ctx, x: tnp.negative(x),
    "Abs": lambda ctx, x: tnp.abs(x),
    "Sign": _sign,
    "Square": lambda ctx, x: tnp.multiply(x, x),
    "Sqrt": _core_unary("sqrt"),
    "Rsqrt": _core_unary("rsqrt"),
    "Reciprocal": _reciprocal,
    "Inv": _reciprocal,  # TF1's name for Reciprocal
    "Exp": _core_unary("exp"),
    "Expm1": _core_unary("expm1"),
    "Log": _core_unary("log"),
    "Log1p": _core_unary("log1p"),
    "Sin": _core_unary("sine"),
    "Cos": _core_unary("cosine"),
    "Tan": _core_unary("tan"),
    "Tanh": _core_unary("tanh"),
    "Sigmoid": _core_unary("logistic"),
    "Erf": _core_unary("erf"),
    "Erfc": _erfc,
    "Floor": _core_unary("floor"),
    "Ceil": _core_unary("ceil"),
    "Round": _round,
    "Rint": _core_unary("round_nearest_even"),  # floats only in TF; half to even like Round
}
for _name, _fn in _UNARY.items():
    tf_op(_name, same_as_first, _fn, outputs=(("y", 1),))

tf_op("IsFinite", bool_like, lambda ctx, x: emit("is_finite", x), outputs=(("y", 1),))
tf_op("IsNan", bool_like, _is_nan, outputs=(("y", 1),))
tf_op("IsInf", bool_like, _is_inf, outputs=(("y", 1),))


# ---- comparisons and logic -----------------------------------------------------------------------
def _comparison(fn, incompatible_value=None):
    """Equal/NotEqual with incompatible_shape_error=false give a scalar false/true for shapes that
    do not broadcast, instead of failing (TensorFlow's BinaryOp kernel does exactly that)."""

    def infer(ctx, x, y):
        same_dtype(ctx, x, y)
        try:
            return to_bool(ctx, x, y)
        except ShapeError:
            if incompatible_value is None or ctx.attrs.get("incompatible_shape_error", True):
                raise
            return TensorType(DType.bool, ())

    def decompose(ctx, x, y):
        if ctx.result_type.shape == () and (x.shape != () or y.shape != ()) and not _broadcastable(x.shape, y.shape):
            return tnp.astype(np.array(incompatible_value), DType.bool)
        return fn(x, y)

    return infer, decompose


def _broadcastable(a, b) -> bool:
    return all(p == q or 1 in (p, q) for p, q in zip(reversed(a), reversed(b)))


_COMPARISONS = {
    "Equal": (tnp.equal, False),
    "NotEqual": (tnp.not_equal, True),
    "Less": (tnp.less, None),
    "LessEqual": (tnp.less_equal, None),
    "Greater": (tnp.greater, None),
    "GreaterEqual": (tnp.greater_equal, None),
}
for _name, (_fn, _value) in _COMPARISONS.items():
    tf_op(_name, *_comparison(_fn, _value), outputs=(("z", 1),))

tf_op("LogicalAnd", binary_type, lambda ctx, x, y: tnp.logical_and(x, y), outputs=(("z", 1),))
tf_op("LogicalOr", binary_type, lambda ctx, x, y: tnp.logical_or(x, y), outputs=(("z", 1),))
tf_op("LogicalNot", same_as_first, lambda ctx, x: tnp.logical_not(x), outputs=(("y", 1),))


# ---- Select, Cast, ClipByValue, ZerosLike, OnesLike ----------------------------------------------
def _select_type(ctx, cond, t, e):
    """TF1's Select: the condition has the branches' shape, is a scalar, or is a vector picking rows."""
    same_dtype(ctx, t, e)
    if not fits(t.shape, e.shape):
        raise ShapeError(f"Select's branches must have one shape, got {t} and {e}")
    out = broadcast(ctx, t, e)
    if cond.shape is None or out.shape is None or cond.rank == 0:
        return out
    if cond.rank == 1 and out.rank > 1:
        if None not in (cond.shape[0], out.shape[0]) and cond.shape[0] != out.shape[0]:
            raise ShapeError(f"a vector condition needs one entry per row: {cond.shape[0]} for {out.shape[0]} rows")
        return out
    if not fits(cond.shape, out.shape):
        raise ShapeError(f"Select's condition {list(cond.shape)} must be a scalar, a row vector or the shape {list(out.shape)}")
    return out


def _select(ctx, cond, t, e):
    if cond.ndim == 1 and t.ndim > 1:
        cond = tnp.reshape(cond, cond.shape + (1,) * (t.ndim - 1))
    return tnp.where(tnp.broadcast_to(cond, t.shape), t, e)


def _select_v2_type(ctx, cond, t, e):
    same_dtype(ctx, t, e)
    return broadcast(ctx, t, e, cond.with_dtype(t.dtype))


def _cast_type(ctx, x):
    return x.with_dtype(attr_dtype(ctx, "DstT"))


def _cast(ctx, x):
    """Nonzero is true when casting to bool; otherwise a convert (floats to ints truncate).

    ``Truncate`` (chop the mantissa instead of rounding, for float narrowing) is not modelled:
    conversions round to nearest, at most one unit in the last place away.
    """
    target = ctx.result_type.dtype
    if x.dtype.is_complex and not target.is_complex:
        x = real_part(x)  # TensorFlow keeps the real part, for bool too (1j is false)
    if target is DType.bool and x.dtype is not DType.bool:
        return tnp.not_equal(x, full_like(x, 0))
    return tnp.astype(x, target)


def _clip_type(ctx, t, lo, hi):
    same_dtype(ctx, t, lo, hi)
    for bound in (lo, hi):
        if bound.rank != 0 and not fits(bound.shape, t.shape):
            raise ShapeError(f"clip bounds must be scalars or have the shape {list(t.shape)}, got {list(bound.shape)}")
    return t


def _clip(ctx, t, lo, hi):
    return tnp.minimum(tnp.maximum(t, tnp.broadcast_to(lo, t.shape)), tnp.broadcast_to(hi, t.shape))


tf_op("Select", _select_type, _select)
tf_op("SelectV2", _select_v2_type, lambda ctx, c, t, e: tnp.where(c, t, e))
tf_op("Cast", _cast_type, _cast, outputs=(("y", 1),))
tf_op("ClipByValue", _clip_type, _clip)
tf_op("ZerosLike", same_as_first, lambda ctx, x: full_like(x, 0), outputs=(("y", 1),))
tf_op("OnesLike", same_as_first, lambda ctx, x: full_like(x, 1), outputs=(("y", 1),))


# ---- reductions ----------------------------------------------------------------------------------
def constant_axes(value, rank: int, what: str = "reduction index") -> tuple:
    """Axes from a constant operand (scalar or vector, negative allowed, repeats ignored as in TF)."""
    axes = []
    for a in np.asarray(value).reshape(-1).tolist():
        if not -rank <= a < rank:
            raise ShapeError(f"{what} {a} is out of range for a tensor of rank {rank}")
        axes.append(a % rank)
    return tuple(sorted(set(axes)))


def _reduced_type(dtype=None):
    def infer(ctx, x, axes_type):
        out = dtype or x.dtype
        keep = bool(ctx.attrs.get("keep_dims", False))
        axes = ctx.constant(1)
        if x.shape is None:
            return unknown(out)
        if axes is None:
            return TensorType(out, (None,) * x.rank) if keep else unknown(out)
        dims = constant_axes(axes, x.rank)
        if keep:
            return TensorType(out, tuple(1 if i in dims else d for i, d in enumerate(x.shape)))
        return TensorType(out, tuple(d for i, d in enumerate(x.shape) if i not in dims))

    return infer


def _reduction(fn):
    def decompose(ctx, x, axes):
        dims = constant_axes(ctx.require_constant(1, "reduction_indices"), x.ndim)
        return fn(x, dims, bool(ctx.attrs.get("keep_dims", False)))

    return decompose


def _mean(x, dims, keep):
    """Sum over count in T: integer means truncate toward zero, as TensorFlow's integer division does."""
    total = tnp.sum(x, dims, keep)
    count = int(np.prod([x.shape[d] for d in dims]))
    if count == 1:
        return total
    return emit("divide", total, full_like(total, count))


def _euclidean_norm(x, dims, keep):
    """sqrt(sum(|x|**2)) over ``dims``, in x's dtype (a complex x gets a real magnitude as a complex
    value; integers are reduced in floats and truncated, as TensorFlow's kernel casts them)."""
    if x.dtype.is_complex:
        squares = tnp.square(tnp.abs(x))
    else:
        squares = tnp.square(x if x.dtype.is_float else tnp.astype(x, DType.f64))
    return tnp.astype(tnp.sqrt(tnp.sum(squares, dims, keep)), x.dtype)


tf_op("Sum", _reduced_type(), _reduction(tnp.sum))
tf_op("EuclideanNorm", _reduced_type(), _reduction(_euclidean_norm))
tf_op("Prod", _reduced_type(), _reduction(tnp.prod))
tf_op("Max", _reduced_type(), _reduction(tnp.max))
tf_op("Min", _reduced_type(), _reduction(tnp.min))
tf_op("Mean", _reduced_type(), _reduction(_mean))
tf_op("All", _reduced_type(DType.bool), _reduction(tnp.all))
tf_op("Any", _reduced_type(DType.bool), _reduction(tnp.any))


def _arg_type(ctx, x, axis_type):
    out = attr_dtype(ctx, "output_type") if "output_type" in ctx.attrs else DType.i64
    axis = ctx.constant(1)
    if x.shape is None or axis is None:
        return unknown(out)
    if np.size(axis) != 1:
        raise ShapeError(f"dimension must be a scalar, got {np.asarray(axis).tolist()}")
    (d,) = constant_axes(axis, x.rank, "dimension")
    return TensorType(out, x.shape[:d] + x.shape[d + 1 :])


def _arg(fn):
    def decompose(ctx, x, axis):
        (d,) = constant_axes(ctx.require_constant(1, "dimension"), x.ndim, "dimension")
        return fn(x, d, ctx.result_type.dtype)

    return decompose


tf_op("ArgMax", _arg_type, _arg(tnp.argmax))
tf_op("ArgMin", _arg_type, _arg(tnp.argmin))


def _cumsum_type(ctx, x, axis_type):
    axis = ctx.constant(1)
    if axis is not None and x.shape is not None:
        constant_axes(axis, x.rank, "axis")
    return x


def _cumsum(ctx, x, axis):
    (d,) = constant_axes(ctx.require_constant(1, "axis"), x.ndim, "axis")
    return tnp.cumsum(x, d, reverse=bool(ctx.attrs.get("reverse", False)), exclusive=bool(ctx.attrs.get("exclusive", False)))


tf_op("Cumsum", _cumsum_type, _cumsum, outputs=(("out", 1),))


# ---- BatchMatMul ---------------------------------------------------------------------------------
def _matrix_dims(t, adjoint: bool):
    rows, cols = t.shape[-2:]
    return (cols, rows) if adjoint else (rows, cols)


def _batch_matmul_type(broadcasting: bool):
    def infer(ctx, x, y):
        dtype = attr_dtype(ctx, "Tout") if "Tout" in ctx.attrs else x.dtype  # V3: Ta, Tb -> Tout
        if "Tout" not in ctx.attrs:
            same_dtype(ctx, x, y)
        if x.shape is None or y.shape is None:
            return unknown(dtype)
        if x.rank < 2 or y.rank < 2:
            raise ShapeError(f"BatchMatMul needs operands of rank >= 2, got {x} and {y}")
        m, k = _matrix_dims(x, ctx.attrs.get("adj_x", False))
        k2, n = _matrix_dims(y, ctx.attrs.get("adj_y", False))
        if None not in (k, k2) and k != k2:
            adjoints = f"adj_x={ctx.attrs.get('adj_x', False)}, adj_y={ctx.attrs.get('adj_y', False)}"
            raise ShapeError(f"BatchMatMul contracting dimensions differ: {x} and {y} ({adjoints})")
        if not broadcasting and not fits(x.shape[:-2], y.shape[:-2]):
            raise ShapeError(f"BatchMatMul (v1) needs equal batch dimensions, got {x} and {y}")
        batch = broadcast(ctx, TensorType(dtype, x.shape[:-2]), TensorType(dtype, y.shape[:-2])).shape
        return TensorType(dtype, batch + (m, n))

    return infer


def _adjoint(t, adjoint: bool):
    if not adjoint:
        return t
    return tnp.transpose(conjugate(t), tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2))


def _batch_matmul(ctx, x, y):
    dtype = ctx.result_type.dtype
    x, y = tnp.astype(x, dtype), tnp.astype(y, dtype)
    return tnp.matmul(_adjoint(x, ctx.attrs.get("adj_x", False)), _adjoint(y, ctx.attrs.get("adj_y", False)))


tf_op("BatchMatMul", _batch_matmul_type(False), _batch_matmul)
tf_op("BatchMatMulV2", _batch_matmul_type(True), _batch_matmul)
tf_op("BatchMatMulV3", _batch_matmul_type(True), _batch_matmul)


# ---- Einsum --------------------------------------------------------------------------------------
def _parse_equation(equation: str, ranks: list) -> tuple[list, list]:
    """Input terms and the output term as label lists. ``...`` becomes labels ``.0``, ``.1``, ...
    right-aligned across operands, so ellipsis dimensions broadcast as in numpy. Without ``->`` the
    output is the ellipsis, then the labels used once, alphabetically (numpy's implicit mode)."""
    text = equation.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ranks):
        raise ShapeError(f"einsum equation {equation!r} has {len(terms)} operand terms for {len(ranks)} operands")
    ellipsis = max([rank - (len(term) - 3) for term, rank in zip(terms, ranks) if "..." in term] or [0])
    parsed = [_labels(term, rank, ellipsis, equation) for term, rank in zip(terms, ranks)]
    if arrow:
        out = _labels(output, None, ellipsis, equation)
    else:
        used = [label for term in parsed for label in term]
        out = [f".{i}" for i in range(ellipsis)] + sorted(l for l in set(used) if used.count(l) == 1 and l[0] != ".")
    if len(set(out)) != len(out) or not set(out) <= {label for term in parsed for label in term}:
        raise ShapeError(f"einsum output {output!r} repeats a label or uses one no operand has ({equation!r})")
    return parsed, out


def _labels(term: str, rank, ellipsis: int, equation: str) -> list:
    head, dots, tail = term.partition("...")
    letters = head + tail
    if (letters and not letters.isalpha()) or "." in tail:
        raise ShapeError(f"einsum term {term!r} of {equation!r} must be letters with at most one '...'")
    count = (ellipsis if rank is None else rank - len(head) - len(tail)) if dots else 0
    labels = list(head) + [f".{i}" for i in range(ellipsis - count, ellipsis)] + list(tail)
    if count < 0 or (rank is not None and len(labels) != rank):
        raise ShapeError(f"einsum term {term!r} of {equation!r} does not fit an operand of rank {rank}")
    return labels


def _label_sizes(terms, shapes) -> dict:
    """Each label's size; size-1 dimensions broadcast against the others, unknown ones stay None."""
    seen: dict = {}
    for term, shape in zip(terms, shapes):
        for label, size in zip(term, shape):
            seen.setdefault(label, set()).add(size)
    sizes = {}
    for label, found in seen.items():
        known = found - {None, 1}
        if len(known) > 1:
            raise ShapeError(f"einsum label {label.lstrip('.') or '...'} has sizes {sorted(known)}")
        sizes[label] = known.pop() if known else (None if None in found else 1)
    return sizes


def einsum_type(ctx, *types):
    same_dtype(ctx, *types)
    if any(t.shape is None for t in types):
        return unknown(types[0].dtype)
    terms, out = _parse_equation(ctx.attrs.get("equation", ""), [t.rank for t in types])
    sizes = _label_sizes(terms, [t.shape for t in types])
    return TensorType(types[0].dtype, tuple(sizes[label] for label in out))


def _diagonal(x, term: list):
    """A label repeated in one term ('ii->i') takes the diagonal: mask off i != j, then sum j away."""
    term = list(term)
    for q, label in enumerate(term):
        p = term.index(label)
        if p == q:
            continue
        if x.shape[p] != x.shape[q]:
            raise ShapeError(f"einsum label {label} is repeated on dimensions of sizes {x.shape[p]} and {x.shape[q]}")
        index = TensorType(DType.i32, x.shape)
        same = tnp.equal(tnp.emit("tfc.iota", [], {"iota_dimension": p}, [index]), tnp.emit("tfc.iota", [], {"iota_dimension": q}, [index]))
        x = tnp.sum(tnp.where(same, x, full_like(x, 0)), q)
        return _diagonal(x, term[:q] + term[q + 1 :])
    return x, term


def _sum_out(x, term: list, keep: set):
    axes = tuple(i for i, label in enumerate(term) if label not in keep)
    if not axes:
        return x, term
    return tnp.sum(x, axes), [label for label in term if label in keep]


def _contract(x, xt: list, y, yt: list, keep: set, sizes: dict):
    """One pairwise step as a dot_general: shared labels still needed later are batch dimensions,
    the other shared ones are contracted; the result's labels are batch, x's free, y's free."""
    x, xt = _sum_out(x, xt, keep | set(yt))
    y, yt = _sum_out(y, yt, keep | set(xt))
    shared = [label for label in xt if label in yt]
    x = tnp.broadcast_to(x, tuple(sizes[label] if label in shared else d for label, d in zip(xt, x.shape)))
    y = tnp.broadcast_to(y, tuple(sizes[label] if label in shared else d for label, d in zip(yt, y.shape)))
    batch = [label for label in shared if label in keep]
    contract = [label for label in shared if label not in keep]
    dims = {
        "lhs_batching_dimensions": tuple(xt.index(label) for label in batch),
        "rhs_batching_dimensions": tuple(yt.index(label) for label in batch),
        "lhs_contracting_dimensions": tuple(xt.index(label) for label in contract),
        "rhs_contracting_dimensions": tuple(yt.index(label) for label in contract),
    }
    result = tnp.emit("tfc.dot_general", [x, y], dims)
    return result, batch + [label for label in xt if label not in shared] + [label for label in yt if label not in shared]


def einsum(ctx, *xs):
    """Any einsum TensorFlow accepts (and more than two operands, contracted left to right)."""
    terms, out = _parse_equation(ctx.attrs["equation"], [x.ndim for x in xs])
    sizes = _label_sizes(terms, [x.shape for x in xs])
    operands = [_diagonal(x, term) for x, term in zip(xs, terms)]
    x, xt = operands[0]
    for i, (y, yt) in enumerate(operands[1:], start=1):
        later = {label for _, term in operands[i + 1 :] for label in term}
        x, xt = _contract(x, xt, y, yt, set(out) | later, sizes)
    x, xt = _sum_out(x, xt, set(out))
    x = tnp.transpose(x, tuple(xt.index(label) for label in out))
    return tnp.broadcast_to(x, tuple(sizes[label] for label in out))


tf_op("Einsum", einsum_type, einsum)
