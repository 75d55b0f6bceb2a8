"""Every elementwise core op: xla == interp on hypothesis-generated shapes (incl. zero-size dims and
scalars), dtypes and values; broadcasting through the tracer; and the type rules' errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tfc
from tfc.builder import Builder
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module
from tfc.types import DType, TensorType

from .harness import check_op

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
FLOATS = [np.float32, np.float64, np.float16]
INTS = [np.int32, np.int64, np.uint8]


def values(dtype, shape, low=-10.0, high=10.0):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        width = dtype.itemsize * 8
        low, high = (float(np.asarray(v, dtype)) for v in (low, high))  # bounds representable in this width
        elements = st.floats(low, high, width=width, allow_subnormal=False)  # XLA:CPU flushes denormals
    elif dtype.kind == "b":
        elements = st.booleans()
    else:
        info = np.iinfo(dtype)
        elements = st.integers(int(max(info.min, low)), int(min(info.max, high)))
    return hnp.arrays(dtype, shape, elements=elements)


UNARY = {
    # name: (dtypes, value range)
    "tfc.abs": (FLOATS + [np.int32], (-10, 10)),
    "tfc.negate": (FLOATS + [np.int32], (-10, 10)),
    "tfc.exp": (FLOATS, (-10, 10)),
    "tfc.expm1": (FLOATS, (-5, 5)),
    "tfc.log": (FLOATS, (0.01, 100)),
    "tfc.log1p": (FLOATS, (-0.9, 100)),
    "tfc.sqrt": (FLOATS, (0, 100)),
    "tfc.rsqrt": (FLOATS, (0.01, 100)),
    "tfc.tanh": (FLOATS, (-5, 5)),
    "tfc.logistic": (FLOATS, (-10, 10)),
    "tfc.sine": (FLOATS, (-5, 5)),
    "tfc.cosine": (FLOATS, (-5, 5)),
    "tfc.tan": (FLOATS, (-1.2, 1.2)),
    "tfc.floor": (FLOATS, (-10, 10)),
    "tfc.ceil": (FLOATS, (-10, 10)),
    "tfc.round_nearest_even": (FLOATS, (-10, 10)),
    "tfc.sign": (FLOATS + [np.int32], (-10, 10)),
    "tfc.not": ([np.bool_, np.int32, np.uint8], (-10, 10)),
    "tfc.erf": ([np.float32, np.float64], (-3, 3)),
    "tfc.is_finite": (FLOATS, (-10, 10)),
}

BINARY = {
    "tfc.add": (FLOATS + INTS, (-100, 100)),
    "tfc.subtract": (FLOATS + INTS, (-100, 100)),
    "tfc.multiply": (FLOATS + INTS, (-100, 100)),
    "tfc.divide": (FLOATS + [np.int32, np.int64], (-100, 100)),
    "tfc.remainder": (FLOATS + [np.int32], (-100, 100)),
    "tfc.power": ([np.float32, np.float64, np.int32], (0, 4)),
    "tfc.maximum": (FLOATS + INTS + [np.bool_], (-100, 100)),
    "tfc.minimum": (FLOATS + INTS + [np.bool_], (-100, 100)),
    "tfc.and": ([np.bool_, np.int32, np.uint8], (0, 100)),
    "tfc.or": ([np.bool_, np.int32, np.uint8], (0, 100)),
    "tfc.xor": ([np.bool_, np.int32, np.uint8], (0, 100)),
    "tfc.atan2": ([np.float32, np.float64], (-10, 10)),
}


@st.composite
def unary_case(draw):
    name = draw(st.sampled_from(sorted(UNARY)))
    dtypes, (low, high) = UNARY[name]
    dtype = draw(st.sampled_from(dtypes))
    return name, draw(values(dtype, draw(SHAPES), low, high))


@st.composite
def binary_case(draw):
    name = draw(st.sampled_from(sorted(BINARY)))
    dtypes, (low, high) = BINARY[name]
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(SHAPES)
    return name, draw(values(dtype, shape, low, high)), draw(values(dtype, shape, low, high))


@settings(max_examples=60, deadline=None)
@given(unary_case())
def test_unary_xla_matches_interp(case):
    name, x = case
    check_op(name, [x])


@settings(max_examples=60, deadline=None)
@given(binary_case())
def test_binary_xla_matches_interp(case):
    name, x, y = case
    check_op(name, [x, y])


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["EQ", "NE", "LT", "LE", "GT", "GE"]), st.sampled_from([np.float32, np.int32, np.uint8, np.bool_]), SHAPES, st.data())
def test_compare(direction, dtype, shape, data):
    x = data.draw(values(dtype, shape, 0, 5))
    y = data.draw(values(dtype, shape, 0, 5))
    [result] = check_op("tfc.compare", [x, y], {"comparison_direction": direction})
    np.testing.assert_array_equal(result, {"EQ": np.equal, "NE": np.not_equal, "LT": np.less, "LE": np.less_equal,
                                           "GT": np.greater, "GE": np.greater_equal}[direction](x, y))


@settings(max_examples=20, deadline=None)
@given(SHAPES, st.sampled_from([np.float32, np.int32]), st.data())
def test_select_and_clamp(shape, dtype, data):
    pred = data.draw(values(np.bool_, shape))
    x, y = data.draw(values(dtype, shape)), data.draw(values(dtype, shape))
    check_op("tfc.select", [pred, x, y], expected=[np.where(pred, x, y)])
    lo, hi = np.array(-3, dtype), np.array(4, dtype)
    check_op("tfc.clamp", [lo, x, hi], expected=[np.clip(x, -3, 4)])


@settings(max_examples=30, deadline=None)
@given(SHAPES, st.sampled_from([np.float32, np.float64, np.float16, np.int32, np.uint8, np.bool_]),
       st.sampled_from([np.float32, np.float64, np.float16, np.int32, np.int64, np.uint8, np.bool_]), st.data())
def test_convert(shape, source, target, data):
    x = data.draw(values(source, shape, 0, 100))  # in range for every target type
    check_op("tfc.convert", [x], result_types=[TensorType(DType.from_numpy(target), shape)])


def test_convert_truncates_toward_zero():
    x = np.array([-2.7, -0.5, 0.5, 2.7, np.nan], np.float32)
    check_op("tfc.convert", [x], result_types=[TensorType(DType.i32, (5,))], expected=[np.array([-2, 0, 0, 2, 0], np.int32)])


def test_integer_division_follows_xla():
    a = np.array([7, -7, 7, -7, 5], np.int32)
    b = np.array([2, 2, -2, -2, 0], np.int32)
    check_op("tfc.divide", [a, b], expected=[np.array([3, -3, -3, 3, -1], np.int32)])
    check_op("tfc.remainder", [a, b], expected=[np.array([1, -1, 1, -1, 5], np.int32)])


def test_constant_of_every_dtype():
    for dtype in [np.float32, np.float64, np.float16, np.int8, np.int64, np.uint16, np.bool_, np.complex64]:
        value = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
        module = Module.create()
        function = module.add_function(Function.create("main", [], [TensorType(DType.from_numpy(dtype), (2, 3))]))
        builder = Builder(function.body)
        builder.create("func.return", [builder.value("tfc.constant", value=value)])
        from .harness import check_module

        [result] = check_module(module, [])
        np.testing.assert_array_equal(result, value)


# ---- Python's % and //: floor semantics for every sign, on both backends --------------------------
FLOOR_OPS = [(lambda a, b: a % b, np.remainder), (lambda a, b: a // b, np.floor_divide)]


def test_python_remainder_and_floor_division_follow_the_divisor_sign():
    a = np.array([-7, 7, -7, 7, 0, -1], np.int32)
    b = np.array([3, -3, -3, 3, 5, 7], np.int32)
    for backend in ("xla", "interp"):
        np.testing.assert_array_equal(tfc.compile(lambda x, y: x % y, backend=backend)(a, b), [2, -2, -1, 1, 0, 6])
        np.testing.assert_array_equal(tfc.compile(lambda x, y: x // y, backend=backend)(a, b), [-3, -3, 2, 2, 0, -1])
    assert int(tfc.remainder(np.int32(-7), np.int32(3))) == 2  # eagerly too


@settings(max_examples=40, deadline=None)
@given(SHAPES, st.sampled_from([np.int32, np.int64, np.uint8, np.float32, np.float64]), st.data())
def test_floor_division_and_remainder_match_numpy(shape, dtype, data):
    a = data.draw(values(dtype, shape, -100, 100))
    b = data.draw(values(dtype, shape, -100, 100))
    b = np.where(np.abs(b) < 1e-3, np.asarray(3, dtype), b).astype(dtype)  # not x // 0 (numpy warns) nor overflowing quotients
    for ours, reference in FLOOR_OPS:
        want = reference(a, b)
        for backend in ("xla", "interp"):
            got = np.asarray(tfc.compile(ours, backend=backend)(a, b))
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


@settings(max_examples=40, deadline=None)
@given(SHAPES, st.sampled_from([np.int32, np.int64, np.float32, np.float64]), st.data())
def test_division_identity_holds(shape, dtype, data):
    """``a == (a // b) * b + a % b`` (exactly for ints; to rounding for floats)."""
    a = data.draw(values(dtype, shape, -1000, 1000))
    b = data.draw(values(dtype, shape, -50, 50))
    b = np.where(np.abs(b) < 0.5, np.asarray(7, dtype), b).astype(dtype)  # quotients that stay finite
    for backend in ("xla", "interp"):
        rebuilt = np.asarray(tfc.compile(lambda x, y: (x // y) * y + x % y, backend=backend)(a, b))
        if np.dtype(dtype).kind == "i":
            np.testing.assert_array_equal(rebuilt, a)
        else:
            np.testing.assert_allclose(rebuilt, a, rtol=1e-5, atol=1e-4)


# ---- broadcasting and promotion happen in the tracer ---------------------------------------------
BROADCAST_PAIRS = [((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 2)), ((0, 3), (1, 3)), ((5, 1, 2), (3, 1))]


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS)
def test_traced_broadcasting_matches_numpy(shapes):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shapes[0]).astype(np.float32)
    y = rng.standard_normal(shapes[1]).astype(np.float32)
    cases = [
        (lambda a, b: a + b, np.add),
        (lambda a, b: a * b, np.multiply),
        (lambda a, b: tfc.maximum(a, b), np.maximum),
        (lambda a, b: tfc.where(a > b, a, b), lambda a, b: np.where(a > b, a, b)),
    ]
    for ours, reference in cases:
        for backend in ("xla", "interp"):
            got = np.asarray(tfc.compile(ours, backend=backend)(x, y))
            np.testing.assert_allclose(got, reference(x, y), rtol=1e-6)


def test_promotion_follows_jax_rules():
    f = tfc.compile(lambda a, b: a + b)
    assert np.asarray(f(np.ones(2, np.int32), np.ones(2, np.float16))).dtype == np.float16  # int + float -> the float
    assert np.asarray(f(np.ones(2, np.uint8), np.ones(2, np.int8))).dtype == np.int16
    assert np.asarray(tfc.compile(lambda a: a * 2.5)(np.ones(2, np.float16))).dtype == np.float16  # weak scalar
    assert np.asarray(tfc.compile(lambda a: a * 2.5)(np.ones(2, np.int32))).dtype == np.float32


# ---- type rules ----------------------------------------------------------------------------------
def _build(name, types, attributes=None, result_types=None):
    function = Function.create("main", types, [])
    Module.create().add_function(function)
    return Builder(function.body).create(name, function.args, attributes, result_types)


@pytest.mark.parametrize(
    "name, types, attributes, message",
    [
        ("tfc.add", [TensorType(DType.f32, (2,)), TensorType(DType.f32, (3,))], None, "do not match"),
        ("tfc.add", [TensorType(DType.f32, (2,)), TensorType(DType.i32, (2,))], None, "same element type"),
        ("tfc.exp", [TensorType(DType.i32, (2,))], None, "float or complex"),
        ("tfc.and", [TensorType(DType.f32, ()), TensorType(DType.f32, ())], None, "integer or bool"),
        ("tfc.compare", [TensorType(DType.f32, ()), TensorType(DType.f32, ())], {"comparison_direction": "XX"}, "expected one of"),
        ("tfc.select", [TensorType(DType.f32, ())] * 3, None, "predicate must be a bool"),
    ],
)
def test_type_rule_errors_name_op_and_rule(name, types, attributes, message):
    from tfc.verifier import verify

    with pytest.raises(VerifyError) as info:
        op = _build(name, types, attributes)
        verify(op.parent.parent.parent)  # attribute choices are checked by the verifier
    assert name in str(info.value)
    assert message in str(info.value)
