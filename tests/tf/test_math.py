"""TensorFlow math, activation and loss ops: imported, legalized, run on interp and XLA, and compared
with numpy spellings of TensorFlow's documented semantics."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

from tfc.frontend.tf.importer import GraphImporter
from tfc.types import DType, TensorType

from .graphs import GraphBuilder, import_and_legalize, run_graph

RNG = np.random.default_rng(0)


class Const:
    """An operand given as a Const node (reduction indices, axes) instead of a fed placeholder."""

    def __init__(self, value, dtype=None):
        self.value = np.asarray(value, dtype=dtype)


def build(op_type, args, **attrs):
    """A graph with one ``op_type`` node whose inputs are placeholders (arrays) or Consts."""
    g = GraphBuilder()
    names, feeds = [], {}
    for i, arg in enumerate(args):
        if isinstance(arg, Const):
            names.append(g.const(arg.value))
        else:
            arg = np.asarray(arg)
            names.append(g.placeholder(f"x{i}", arg.dtype.type, arg.shape))
            feeds[f"x{i}:0"] = arg
    node = g.op(op_type, names, name="node", **attrs)
    return g, feeds, node


def run_op(op_type, *args, outputs=1, rtol=1e-5, atol=1e-6, **attrs):
    g, feeds, node = build(op_type, args, **attrs)
    fetches = [node] if outputs == 1 else [f"{node}:{i}" for i in range(outputs)]
    results = run_graph(g.graph, feeds, fetches, rtol=rtol, atol=atol)
    return results[0] if outputs == 1 else results


def check(got, want, rtol=1e-5, atol=1e-6):
    want = np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def floats(*shape, dtype=np.float32, low=-3.0, high=3.0):
    return RNG.uniform(low, high, shape).astype(dtype)


def ints(*shape, dtype=np.int32, low=-9, high=10):
    return RNG.integers(low, high, shape).astype(dtype)


def nonzero_ints(*shape, dtype=np.int32):
    x = ints(*shape, dtype=dtype)
    return np.where(x == 0, 3, x).astype(dtype)


def truncdiv(x, y):
    return (np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype)


# ---- binary arithmetic ---------------------------------------------------------------------------
FLOAT_BINARY = {
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "RealDiv": np.divide,
    "Div": np.divide,
    "FloorDiv": np.floor_divide,
    "FloorMod": np.mod,  # Python's %: the sign of the divisor
    "TruncateMod": np.fmod,
    "Mod": np.fmod,
    "Maximum": np.maximum,
    "Minimum": np.minimum,
    "SquaredDifference": lambda x, y: (x - y) ** 2,
    "Atan2": np.arctan2,
}


@pytest.mark.parametrize("op", sorted(FLOAT_BINARY))
def test_float_binary_broadcasts(op):
    x, y = floats(2, 3), floats(3)
    y = np.where(np.abs(y) < 0.3, 0.7, y).astype(np.float32)
    check(run_op(op, x, y, T=np.float32), FLOAT_BINARY[op](x, y), rtol=1e-5, atol=1e-5)


def test_pow_float():
    x, y = floats(2, 3, low=0.5, high=3), floats(2, 1, low=-2, high=2)
    check(run_op("Pow", x, y, T=np.float32), np.power(x, y), rtol=1e-5)


INT_BINARY = {
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Div": truncdiv,  # TF's integer Div is C division (CPU safe_div and XLA Div), not floor division
    "TruncateDiv": truncdiv,
    "RealDiv": truncdiv,
    "FloorDiv": np.floor_divide,
    "FloorMod": np.mod,
    "TruncateMod": np.fmod,
    "Maximum": np.maximum,
    "Minimum": np.minimum,
    "SquaredDifference": lambda x, y: (x - y) ** 2,
}


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("op", sorted(INT_BINARY))
def test_int_binary(op, dtype):
    x, y = ints(3, 4, dtype=dtype), nonzero_ints(4, dtype=dtype)
    check(run_op(op, x, y, T=dtype), INT_BINARY[op](x, y).astype(dtype))


def test_int_division_signs():
    x = np.array([7, -7, 7, -7, 6, -6, 0], np.int32)
    y = np.array([2, 2, -2, -2, 3, 4, 5], np.int32)
    check(run_op("FloorDiv", x, y, T=np.int32), np.array([3, -4, -4, 3, 2, -2, 0], np.int32))
    check(run_op("FloorMod", x, y, T=np.int32), np.array([1, 1, -1, -1, 0, 2, 0], np.int32))
    check(run_op("Div", x, y, T=np.int32), np.array([3, -3, -3, 3, 2, -1, 0], np.int32))


def test_float_floor_mod_takes_divisor_sign():
    x = np.array([7.5, -7.5, 7.5, -7.5], np.float32)
    y = np.array([2.0, 2.0, -2.0, -2.0], np.float32)
    check(run_op("FloorMod", x, y, T=np.float32), np.array([1.5, 0.5, -0.5, -1.5], np.float32))
    check(run_op("FloorDiv", x, y, T=np.float32), np.array([3, -4, -4, 3], np.float32))


def test_unsigned_floor_ops():
    x, y = np.array([7, 200, 9], np.uint8), np.array([2, 7, 9], np.uint8)
    check(run_op("FloorMod", x, y, T=np.uint8), x % y)
    check(run_op("FloorDiv", x, y, T=np.uint8), x // y)


def test_int_pow():
    x, y = ints(5, low=-4, high=5), ints(5, low=0, high=5)
    check(run_op("Pow", x, y, T=np.int32), np.power(x, y))


def test_div_no_nan():
    x = floats(2, 4)
    y = np.array([1.5, 0.0, -2.0, 0.0], np.float32)
    check(run_op("DivNoNan", x, y, T=np.float32), np.where(y == 0, 0, x / np.where(y == 0, 1, y)).astype(np.float32))


def test_add_n():
    xs = [floats(2, 3) for _ in range(3)]
    check(run_op("AddN", *xs, N=3, T=np.float32), xs[0] + xs[1] + xs[2])
    check(run_op("AddN", xs[0], N=1, T=np.float32), xs[0])


def test_add_n_ints():
    xs = [ints(4) for _ in range(2)]
    check(run_op("AddN", *xs, N=2, T=np.int32), xs[0] + xs[1])


# ---- unary math ----------------------------------------------------------------------------------
UNARY = {
    "Neg": (np.negative, None),
    "Abs": (np.abs, None),
    "Sign": (np.sign, None),
    "Square": (np.square, None),
    "Sqrt": (np.sqrt, (0.1, 4)),
    "Rsqrt": (lambda x: 1 / np.sqrt(x), (0.1, 4)),
    "Reciprocal": (np.reciprocal, (0.5, 4)),
    "Inv": (np.reciprocal, (0.5, 4)),
    "Exp": (np.exp, None),
    "Expm1": (np.expm1, None),
    "Log": (np.log, (0.1, 4)),
    "Log1p": (np.log1p, (-0.9, 4)),
    "Sin": (np.sin, None),
    "Cos": (np.cos, None),
    "Tan": (np.tan, (-1.2, 1.2)),
    "Tanh": (np.tanh, None),
    "Sigmoid": (lambda x: 1 / (1 + np.exp(-x)), None),
    "Erf": (scipy.special.erf, None),
    "Erfc": (scipy.special.erfc, None),
    "Floor": (np.floor, None),
    "Ceil": (np.ceil, None),
    "Round": (np.round, None),  # numpy rounds half to even, like TF's Round
    "Rint": (np.rint, None),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_float(op, dtype):
    fn, domain = UNARY[op]
    low, high = domain or (-3, 3)
    x = floats(3, 4, dtype=dtype, low=low, high=high)
    check(run_op(op, x, T=dtype), fn(x.astype(np.float64)).astype(dtype), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["Neg", "Abs", "Sign", "Square", "Round"])
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_unary_int(op, dtype):
    x = ints(7, dtype=dtype)
    check(run_op(op, x, T=dtype), UNARY[op][0](x).astype(dtype))


def test_int_reciprocal_truncates():
    x = np.array([1, -1, 2, -3, 7], np.int32)
    check(run_op("Reciprocal", x, T=np.int32), np.array([1, -1, 0, 0, 0], np.int32))


def test_round_half_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999], np.float32)
    want = np.array([0, 2, 2, -0, -2, -2, 2], np.float32)
    check(run_op("Round", x, T=np.float32), want)
    check(run_op("Rint", x, T=np.float32), want)


def test_erfc_tails_keep_relative_precision():
    x = np.array([-6.0, -2.5, -1.0, -0.3, 0.0, 0.99, 1.0, 1.7, 2.0, 3.5, 5.0, 9.0, 12.0], np.float32)
    got = run_op("Erfc", x, T=np.float32)
    check(got, scipy.special.erfc(x.astype(np.float64)).astype(np.float32), rtol=2e-6, atol=0)


def test_float16_unary_keeps_dtype():
    x = floats(6, dtype=np.float16)
    check(run_op("Exp", x, T=np.float16), np.exp(x), rtol=2e-3)
    check(run_op("Erfc", x, T=np.float16), scipy.special.erfc(x.astype(np.float64)).astype(np.float16), rtol=2e-3)
    check(run_op("Add", x, x, T=np.float16), x + x)


def test_is_finite_nan_inf():
    x = np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -2.0], np.float32)
    check(run_op("IsFinite", x, T=np.float32), np.isfinite(x))
    check(run_op("IsNan", x, T=np.float32), np.isnan(x))
    check(run_op("IsInf", x, T=np.float32), np.isinf(x))


# ---- comparisons and logic -----------------------------------------------------------------------
COMPARISONS = {
    "Equal": np.equal,
    "NotEqual": np.not_equal,
    "Less": np.less,
    "LessEqual": np.less_equal,
    "Greater": np.greater,
    "GreaterEqual": np.greater_equal,
}


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
@pytest.mark.parametrize("op", sorted(COMPARISONS))
def test_comparisons_broadcast(op, dtype):
    x, y = ints(3, 4, low=-2, high=3).astype(dtype), ints(4, low=-2, high=3).astype(dtype)
    check(run_op(op, x, y, T=dtype), COMPARISONS[op](x, y))


def test_equal_incompatible_shapes_without_error():
    x, y = floats(3), floats(4)
    check(run_op("Equal", x, y, T=np.float32, incompatible_shape_error=False), np.array(False))
    check(run_op("NotEqual", x, y, T=np.float32, incompatible_shape_error=False), np.array(True))
    check(run_op("Equal", x, x, T=np.float32, incompatible_shape_error=False), np.ones(3, bool))


def test_logical_ops():
    a, b = RNG.random((2, 3)) > 0.5, RNG.random(3) > 0.5
    check(run_op("LogicalAnd", a, b), np.logical_and(a, b))
    check(run_op("LogicalOr", a, b), np.logical_or(a, b))
    check(run_op("LogicalNot", a), np.logical_not(a))


# ---- Select, Cast, ClipByValue, ZerosLike, OnesLike ----------------------------------------------
def test_select_same_shape():
    c, t, e = RNG.random((2, 3)) > 0.5, floats(2, 3), floats(2, 3)
    check(run_op("Select", c, t, e, T=np.float32), np.where(c, t, e))


def test_select_vector_condition_picks_rows():
    c, t, e = np.array([True, False, True]), ints(3, 2, 2), ints(3, 2, 2)
    check(run_op("Select", c, t, e, T=np.int32), np.where(c[:, None, None], t, e))


def test_select_scalar_condition():
    t, e = floats(2, 3), floats(2, 3)
    check(run_op("Select", np.array(False), t, e, T=np.float32), e)


def test_select_v2_broadcasts():
    c, t, e = RNG.random((3, 1)) > 0.5, floats(1, 4), np.array(0.5, np.float32)
    check(run_op("SelectV2", c, t, e, T=np.float32), np.where(c, t, e))


CASTS = [
    (np.float32, np.int32, lambda x: np.trunc(x).astype(np.int32)),
    (np.float32, np.int64, lambda x: np.trunc(x).astype(np.int64)),
    (np.int32, np.float32, lambda x: x.astype(np.float32)),
    (np.float32, np.bool_, lambda x: x != 0),
    (np.int32, np.bool_, lambda x: x != 0),
    (np.bool_, np.float32, lambda x: x.astype(np.float32)),
    (np.bool_, np.int32, lambda x: x.astype(np.int32)),
    (np.float32, np.float16, lambda x: x.astype(np.float16)),
    (np.float32, np.float64, lambda x: x.astype(np.float64)),
    (np.int64, np.int32, lambda x: x.astype(np.int32)),
    (np.int32, np.uint8, lambda x: x.astype(np.uint8)),
]


@pytest.mark.parametrize("src, dst, fn", CASTS, ids=[f"{np.dtype(s).name}-{np.dtype(d).name}" for s, d, _ in CASTS])
def test_cast(src, dst, fn):
    if src is np.bool_:
        x = RNG.random(6) > 0.5
    elif np.issubdtype(src, np.integer):
        x = ints(6, dtype=src)
    else:
        x = np.array([-2.7, -0.5, 0.0, 0.4, 1.9, 3.5], src)
    check(run_op("Cast", x, SrcT=src, DstT=dst, Truncate=False), fn(x))


def test_cast_to_same_type_and_truncate_attr():
    x = floats(4)
    check(run_op("Cast", x, SrcT=np.float32, DstT=np.float32, Truncate=True), x)


def test_clip_by_value():
    x = floats(3, 4)
    check(run_op("ClipByValue", x, np.float32(-1), np.float32(0.5), T=np.float32), np.clip(x, -1, 0.5))
    lo, hi = floats(3, 4, low=-2, high=0), floats(3, 4, low=0, high=2)
    check(run_op("ClipByValue", x, lo, hi, T=np.float32), np.minimum(np.maximum(x, lo), hi))
    i = ints(5)
    check(run_op("ClipByValue", i, np.int32(-2), np.int32(4), T=np.int32), np.clip(i, -2, 4))


@pytest.mark.parametrize("x", [floats(2, 3), ints(4), np.array([True, False])], ids=["f32", "i32", "bool"])
def test_zeros_ones_like(x):
    check(run_op("ZerosLike", x, T=x.dtype.type), np.zeros_like(x))
    check(run_op("OnesLike", x, T=x.dtype.type), np.ones_like(x))


# ---- reductions ----------------------------------------------------------------------------------
REDUCTIONS = {"Sum": np.sum, "Mean": np.mean, "Max": np.max, "Min": np.min, "Prod": np.prod}
AXES = [0, -1, [0, 2], [-1, 1], [], [1, 1]]


@pytest.mark.parametrize("keep_dims", [False, True])
@pytest.mark.parametrize("axes", AXES, ids=str)
@pytest.mark.parametrize("op", sorted(REDUCTIONS))
def test_float_reductions(op, axes, keep_dims):
    x = floats(2, 3, 4, low=0.5, high=1.5)
    want = REDUCTIONS[op](x, axis=tuple(sorted({a % 3 for a in np.atleast_1d(axes).tolist()})), keepdims=keep_dims)
    got = run_op(op, x, Const(axes, np.int32), T=np.float32, Tidx=np.int32, keep_dims=keep_dims)
    check(got, want.astype(np.float32), rtol=1e-5)


@pytest.mark.parametrize("op", sorted(REDUCTIONS))
def test_int_reductions(op):
    x = ints(3, 4, low=-5, high=6)
    want = REDUCTIONS[op](x, axis=1)
    if op == "Mean":  # integer mean truncates toward zero, as TF's integer division does
        want = truncdiv(np.sum(x, axis=1), np.full(3, 4))
    got = run_op(op, x, Const(1, np.int64), T=np.int32, Tidx=np.int64)
    check(got, want.astype(np.int32))


def test_reduce_full_to_scalar():
    x = floats(2, 3)
    check(run_op("Sum", x, Const([0, 1], np.int32), T=np.float32), np.sum(x), rtol=1e-5)


@pytest.mark.parametrize("keep_dims", [False, True])
def test_all_any(keep_dims):
    x = RNG.random((3, 4)) > 0.3
    for op, fn in (("All", np.all), ("Any", np.any)):
        check(run_op(op, x, Const([-1], np.int32), keep_dims=keep_dims), fn(x, axis=-1, keepdims=keep_dims))
        check(run_op(op, x, Const(0, np.int32), keep_dims=keep_dims), fn(x, axis=0, keepdims=keep_dims))


@pytest.mark.parametrize("op, fn", [("ArgMax", np.argmax), ("ArgMin", np.argmin)])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_arg_reductions(op, fn, axis):
    x = floats(3, 4, 5)
    check(run_op(op, x, Const(axis, np.int32), T=np.float32), fn(x, axis=axis).astype(np.int64))
    check(run_op(op, x, Const(axis, np.int64), T=np.float32, output_type=np.int32), fn(x, axis=axis).astype(np.int32))


def test_argmax_ties_pick_first_and_ints():
    x = np.array([[1, 3, 3], [2, 2, 0]], np.int32)
    check(run_op("ArgMax", x, Const(1, np.int32), T=np.int32), np.array([1, 0], np.int64))
    check(run_op("ArgMin", x, Const(0, np.int32), T=np.int32), np.array([0, 1, 1], np.int64))


def np_cumsum(x, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        out = out - x
    return np.flip(out, axis) if reverse else out


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, -1])
def test_cumsum(axis, exclusive, reverse):
    x = floats(3, 4)
    got = run_op("Cumsum", x, Const(axis, np.int32), T=np.float32, exclusive=exclusive, reverse=reverse)
    check(got, np_cumsum(x, axis, exclusive, reverse).astype(np.float32), rtol=1e-5, atol=1e-5)


def test_cumsum_ints():
    x = ints(5, 2)
    check(run_op("Cumsum", x, Const(0, np.int32), T=np.int32, exclusive=True), np_cumsum(x, 0, True, False))


# ---- BatchMatMul ---------------------------------------------------------------------------------
def np_adjoint(x, adj):
    return np.swapaxes(x, -1, -2) if adj else x


@pytest.mark.parametrize("adj_x", [False, True])
@pytest.mark.parametrize("adj_y", [False, True])
def test_batch_matmul_v1(adj_x, adj_y):
    x = floats(2, 4, 3) if adj_x else floats(2, 3, 4)
    y = floats(2, 5, 4) if adj_y else floats(2, 4, 5)
    want = np_adjoint(x, adj_x) @ np_adjoint(y, adj_y)
    check(run_op("BatchMatMul", x, y, T=np.float32, adj_x=adj_x, adj_y=adj_y), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs, ys", [((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 6)), ((1, 3, 4), (2, 4, 2))])
def test_batch_matmul_v2_broadcasts(xs, ys):
    x, y = floats(*xs), floats(*ys)
    check(run_op("BatchMatMulV2", x, y, T=np.float32), x @ y, rtol=1e-5, atol=1e-5)
    check(run_op("BatchMatMulV2", np.swapaxes(x, -1, -2).copy(), y, T=np.float32, adj_x=True), x @ y, rtol=1e-5, atol=1e-5)


def test_batch_matmul_v3_mixed_types():
    x, y = ints(2, 3, 4, dtype=np.int8), ints(4, 2, dtype=np.int8)
    got = run_op("BatchMatMulV3", x, y, Ta=np.int8, Tb=np.int8, Tout=np.int32)
    check(got, x.astype(np.int32) @ y.astype(np.int32))
    x, y = floats(2, 3, 4), floats(2, 5, 4)
    check(run_op("BatchMatMulV3", x, y, Ta=np.float32, Tb=np.float32, Tout=np.float32, adj_y=True), x @ np.swapaxes(y, -1, -2), rtol=1e-5, atol=1e-5)


def test_batch_matmul_ints():
    x, y = ints(2, 2, 3), ints(2, 3, 2)
    check(run_op("BatchMatMulV2", x, y, T=np.int32), x @ y)


# ---- Einsum --------------------------------------------------------------------------------------
EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ij->ji", [(3, 4)]),
    ("abc->cab", [(2, 3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii->", [(4, 4)]),
    ("bii->bi", [(2, 3, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("bij,jk", [(2, 3, 4), (4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cd->abd", [(2, 3, 4), (4, 5)]),
    ("ab,cd->", [(2, 3), (4, 5)]),
    ("ij,jk->ki", [(3, 4), (4, 5)]),
    ("ijk,ikl->ijl", [(1, 3, 4), (2, 4, 5)]),
    ("iij,ji->j", [(2, 2, 3), (3, 2)]),
    ("iji->j", [(3, 2, 3)]),
    ("...k->k...", [(2, 3, 4)]),
]


@pytest.mark.parametrize("equation, shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum(equation, shapes):
    xs = [floats(*s) for s in shapes]
    want = np.einsum(equation, *xs) if "ijk,ikl" not in equation else np.einsum(equation, np.broadcast_to(xs[0], (2, 3, 4)), xs[1])
    got = run_op("Einsum", *xs, equation=equation, N=len(xs), T=np.float32)
    check(got, np.asarray(want, np.float32), rtol=1e-5, atol=1e-5)


def test_einsum_ints():
    x, y = ints(2, 3), ints(3, 4)
    check(run_op("Einsum", x, y, equation="ij,jk->ik", N=2, T=np.int32), x @ y)


# ---- type rules with unknown shapes --------------------------------------------------------------
def imported_type(op_type, inputs, **attrs) -> TensorType:
    """The result type the importer infers when placeholders keep their (partly unknown) shapes."""
    g = GraphBuilder()
    names = []
    for i, item in enumerate(inputs):
        if isinstance(item, Const):
            names.append(g.const(item.value))
        else:
            dtype, shape = item
            names.append(g.placeholder(f"p{i}", dtype, shape))
    node = g.op(op_type, names, name="node", **attrs)
    result = GraphImporter(g.graph).import_graph([node])
    return result.module.functions[0].type.results[0]


def test_types_with_unknown_dims():
    assert imported_type("Add", [(np.float32, [None, 3]), (np.float32, [3])], T=np.float32) == TensorType(DType.f32, (None, 3))
    assert imported_type("Add", [(np.float32, None), (np.float32, [3])], T=np.float32) == TensorType(DType.f32, None)
    assert imported_type("Less", [(np.int32, [None]), (np.int32, [])], T=np.int32) == TensorType(DType.bool, (None,))
    assert imported_type("Sum", [(np.float32, [None, 4, 5]), Const([1], np.int32)], T=np.float32) == TensorType(DType.f32, (None, 5))
    assert imported_type("Mean", [(np.float32, None), Const([1], np.int32)], T=np.float32, keep_dims=True) == TensorType(DType.f32, None)
    assert imported_type("Max", [(np.float32, [2, 3]), (np.int32, [1])], T=np.float32, keep_dims=True) == TensorType(DType.f32, (None, None))
    assert imported_type("ArgMax", [(np.float32, [None, 7]), Const(-1, np.int32)], T=np.float32) == TensorType(DType.i64, (None,))
    assert imported_type("BatchMatMulV2", [(np.float32, [None, 2, 3]), (np.float32, [3, 4])], T=np.float32) == TensorType(DType.f32, (None, 2, 4))
    assert imported_type("Einsum", [(np.float32, [None, 3]), (np.float32, [3, 4])], equation="ij,jk->ik", N=2, T=np.float32) == TensorType(DType.f32, (None, 4))
    assert imported_type("Einsum", [(np.float32, None)], equation="ij->ji", N=1, T=np.float32) == TensorType(DType.f32, None)
    assert imported_type("Cast", [(np.int32, [None])], SrcT=np.int32, DstT=np.float32) == TensorType(DType.f32, (None,))
    assert imported_type("BiasAdd", [(np.float32, [None, None, 3]), (np.float32, [3])], T=np.float32) == TensorType(DType.f32, (None, None, 3))
    assert imported_type("SparseSoftmaxCrossEntropyWithLogits", [(np.float32, [None, 5]), (np.int64, [None])], T=np.float32, Tlabels=np.int64) == TensorType(DType.f32, (None,))
    assert imported_type("L2Loss", [(np.float32, None)], T=np.float32) == TensorType(DType.f32, ())


# ---- errors --------------------------------------------------------------------------------------
def legalize(op_type, args, **attrs):
    g, feeds, node = build(op_type, args, **attrs)
    return import_and_legalize(g.graph, feeds, [node])


def test_non_constant_reduction_indices_is_a_clear_error():
    with pytest.raises(Exception, match="'node'.*reduction_indices .*must be a constant"):
        legalize("Sum", [floats(2, 3), np.array([1], np.int32)], T=np.float32)


def test_non_constant_argmax_dimension_is_a_clear_error():
    with pytest.raises(Exception, match="'node'.*dimension .*must be a constant"):
        legalize("ArgMax", [floats(2, 3), np.array(1, np.int32)], T=np.float32)


def test_incompatible_shapes_fail_at_import_naming_the_node():
    with pytest.raises(Exception, match=r"node.*(cannot be broadcast|broadcast)"):
        legalize("Add", [floats(2, 3), floats(4)], T=np.float32)


@pytest.mark.parametrize(
    "op_type, args, attrs, message",
    [
        ("Sum", [floats(2, 3), Const([2], np.int32)], {"T": np.float32}, "out of range"),
        ("BatchMatMulV2", [floats(2, 3, 4), floats(2, 5, 6)], {"T": np.float32}, "contracting dimensions differ"),
        ("BatchMatMul", [floats(2, 3, 4), floats(3, 4, 6)], {"T": np.float32}, "equal batch dimensions"),
        ("BiasAdd", [floats(2, 3), floats(4)], {"T": np.float32}, "bias has 4 entries for 3 channels"),
        ("Einsum", [floats(2, 3), floats(4, 5)], {"equation": "ij,jk->ik", "N": 2, "T": np.float32}, "label j has sizes"),
        ("Einsum", [floats(2, 3)], {"equation": "ijk->ik", "N": 1, "T": np.float32}, "does not fit"),
        ("Einsum", [floats(2, 3)], {"equation": "ij->iz", "N": 1, "T": np.float32}, "uses one no operand has"),
        ("Select", [np.array([True, False]), floats(3, 2), floats(3, 2)], {"T": np.float32}, "one entry per row"),
        ("SparseSoftmaxCrossEntropyWithLogits", [floats(3, 4), np.array([1, 2], np.int32)], {"T": np.float32, "Tlabels": np.int32}, "same batch size"),
        ("Add", [floats(2), ints(2)], {"T": np.float32}, "one dtype"),
    ],
    ids=lambda v: v if isinstance(v, str) and v[0].isupper() else "",
)
def test_shape_errors(op_type, args, attrs, message):
    with pytest.raises(Exception, match=message):
        legalize(op_type, args, **attrs)
