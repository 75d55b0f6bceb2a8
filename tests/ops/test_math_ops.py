"""The math core ops (special functions, inverse trigonometric and hyperbolic functions, complex
parts, bit operations): xla == interp == an independent reference (scipy, numpy, or values worked
out by hand), on f32 and f64, inside and at the edges of each domain; and their type rules' errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp

from tfc.builder import Builder
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .harness import check_op

RNG = np.random.default_rng(7)


def uniform(low, high, n=7, dtype=np.float64):
    return RNG.uniform(low, high, n).astype(dtype)


# name -> (reference on float64, value range, edge values whose reference is the convention)
UNARY = {
    "tfc.asin": (np.arcsin, (-0.99, 0.99), [-1.0, 1.0, 1.5, np.nan]),
    "tfc.acos": (np.arccos, (-0.99, 0.99), [-1.0, 1.0, -1.5]),
    "tfc.atan": (np.arctan, (-5, 5), [np.inf, -np.inf, 0.0]),
    "tfc.sinh": (np.sinh, (-5, 5), [0.0, 800.0, -np.inf]),
    "tfc.cosh": (np.cosh, (-5, 5), [0.0, -800.0, np.inf]),
    "tfc.asinh": (np.arcsinh, (-5, 5), [0.0, 1e300, -np.inf]),
    "tfc.acosh": (np.arccosh, (1.01, 6), [1.0, 0.5, np.inf]),
    "tfc.atanh": (np.arctanh, (-0.99, 0.99), [1.0, -1.0, 2.0]),
    "tfc.lgamma": (sp.gammaln, (0.1, 9), [1.0, 2.0, 0.0, -1.0, -2.5, np.inf]),
    "tfc.digamma": (sp.psi, (0.1, 9), [1.0, -2.5, 0.5]),
    "tfc.erfc": (sp.erfc, (-3, 9), [0.0, 10.0, 27.0, -30.0, np.inf, -np.inf]),
    "tfc.erf_inv": (sp.erfinv, (-0.99, 0.99), [0.0, 1.0, -1.0, 1.5]),
    "tfc.bessel_i0e": (sp.i0e, (-12, 12), [0.0, 300.0, -np.inf]),
    "tfc.bessel_i1e": (sp.i1e, (-12, 12), [0.0, 300.0, -np.inf]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_matches_reference(name, dtype):
    reference, (low, high), edges = UNARY[name]
    x = np.concatenate([uniform(low, high), edges]).astype(dtype)
    with np.errstate(all="ignore"):
        want = reference(x.astype(np.float64)).astype(dtype)
    check_op(name, [x.reshape(2, -1) if x.size % 2 == 0 else x], expected=[want.reshape(2, -1) if x.size % 2 == 0 else want])


def test_lgamma_and_digamma_follow_xla_at_the_poles():
    """lgamma is inf at 0, -1, -2... and at -inf (scipy says -inf there); digamma is nan at the poles."""
    poles = np.array([0.0, -1.0, -2.0, -np.inf])
    check_op("tfc.lgamma", [poles], expected=[np.full(4, np.inf)])
    check_op("tfc.digamma", [poles[:3]], expected=[np.full(3, np.nan)])


@pytest.mark.parametrize("name", ["tfc.asin", "tfc.acos", "tfc.atan", "tfc.sinh", "tfc.cosh", "tfc.asinh", "tfc.acosh", "tfc.atanh"])
def test_inverse_trigonometric_on_complex_numbers(name):
    reference = UNARY[name][0]
    z = (uniform(-2, 2) + 1j * uniform(-2, 2)).astype(np.complex128)
    check_op(name, [z], expected=[reference(z)])
    check_op(name, [z.astype(np.complex64)], expected=[reference(z).astype(np.complex64)])


def _polygamma(n, x):
    return sp.polygamma(n.astype(int), x)


BINARY = {
    # name -> (reference, first operand's range, second's)
    "tfc.polygamma": (_polygamma, None, (0.3, 6)),
    "tfc.zeta": (sp.zeta, (1.2, 6), (0.3, 5)),
    "tfc.igamma": (sp.gammainc, (0.2, 8), (0.05, 12)),
    "tfc.igammac": (sp.gammaincc, (0.2, 8), (0.05, 12)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_matches_reference(name, dtype):
    reference, first, (low, high) = BINARY[name]
    a = np.array([0, 1, 2, 3, 4, 1, 0], np.float64) if first is None else uniform(*first)
    x = uniform(low, high)
    check_op(name, [a.astype(dtype), x.astype(dtype)], expected=[reference(a, x).astype(dtype)])


def test_igamma_grad_a_matches_a_finite_difference():
    a, x = uniform(0.5, 6), uniform(0.2, 8)
    step = 1e-6
    numeric = (sp.gammainc(a + step, x) - sp.gammainc(a - step, x)) / (2 * step)
    [got] = check_op("tfc.igamma_grad_a", [a, x])
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-9)


def test_betainc_matches_reference():
    a, b, x = uniform(0.3, 5), uniform(0.3, 5), uniform(0, 1)
    check_op("tfc.betainc", [a, b, x], expected=[sp.betainc(a, b, x)])
    check_op("tfc.betainc", [a.astype(np.float32), b.astype(np.float32), x.astype(np.float32)],
             expected=[sp.betainc(a, b, x).astype(np.float32)])


def test_outside_the_domain_is_nan():
    """TensorFlow's and XLA's convention: nan for a <= 0 or x < 0 (igamma), a non-integer or negative
    polygamma order, and beta parameters outside (0, inf) x (0, inf) x [0, 1]."""
    nan2 = [np.full(2, np.nan)]
    check_op("tfc.igamma", [np.array([0.0, -1.0]), np.array([1.0, 1.0])], expected=nan2)
    check_op("tfc.igammac", [np.array([1.0, 2.0]), np.array([-1.0, -0.5])], expected=nan2)
    check_op("tfc.polygamma", [np.array([1.5, -1.0]), np.array([1.0, 1.0])], expected=nan2)
    check_op("tfc.betainc", [np.array([0.0, 1.0]), np.array([1.0, 1.0]), np.array([0.5, 1.5])], expected=nan2)


def test_complex_parts_round_trip():
    re, im = uniform(-3, 3), np.array([0.0, -0.0, np.inf, -1.0, 2.5, np.nan, 1e-30])
    [z] = check_op("tfc.complex", [re, im])
    assert z.dtype == np.complex128
    np.testing.assert_array_equal(z.real, re)
    np.testing.assert_array_equal(z.imag, im)  # an infinite part stays infinite, with no nan beside it
    check_op("tfc.real", [z], expected=[re])
    check_op("tfc.imag", [z.astype(np.complex64)], expected=[im.astype(np.float32)])


INTEGERS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("dtype", INTEGERS)
def test_shifts_and_population_count(dtype):
    bits = np.dtype(dtype).itemsize * 8
    info = np.iinfo(dtype)
    x = np.array([info.min, info.max, 1, 5, 0, info.max // 3, 7], dtype)
    amount = np.array([0, 1, bits - 1, bits, bits + 5, 3, 2], dtype)
    python = [int(v) for v in x]
    left = [(v << int(s)) & ((1 << bits) - 1) if s < bits else 0 for v, s in zip(python, amount)]
    logical = [(v & ((1 << bits) - 1)) >> int(s) if s < bits else 0 for v, s in zip(python, amount)]
    wrap = lambda vs: np.array([v - (1 << bits) if info.min < 0 and v >= 1 << (bits - 1) else v for v in vs], object).astype(dtype)
    check_op("tfc.shift_left", [x, amount], expected=[wrap(left)])
    check_op("tfc.shift_right_logical", [x, amount], expected=[wrap(logical)])
    check_op("tfc.popcnt", [x], expected=[np.array([bin(v & ((1 << bits) - 1)).count("1") for v in python], dtype)])
    if info.min < 0:
        arithmetic = [v >> min(int(s), bits - 1) for v, s in zip(python, amount)]
        check_op("tfc.shift_right_arithmetic", [x, amount], expected=[wrap(arithmetic)])


@pytest.mark.parametrize(
    "value, target, shape",
    [
        (np.array([1.0, -2.5, np.inf], np.float32), DType.i32, (3,)),
        (np.array([[0, 1065353216]], np.int32), DType.f32, (1, 2)),
        (np.array([1.5, -0.0], np.float64), DType.u16, (2, 4)),
        (np.arange(8, dtype=np.uint8).reshape(2, 4), DType.f32, (2,)),
        (np.arange(4, dtype=np.int16).reshape(1, 4), DType.i64, (1,)),
        (np.float32(1.0), DType.u8, (4,)),
    ],
)
def test_bitcast_convert_reads_the_bytes_little_endian(value, target, shape):
    want = np.ascontiguousarray(value).reshape(-1).view(target.numpy).reshape(shape)
    check_op("tfc.bitcast_convert", [value], result_types=[TensorType(target, shape)], expected=[want])


def _build(name, types, result_types=None):
    function = Function.create("main", types, [])
    Module.create().add_function(function)
    op = Builder(function.body).create(name, function.args, None, result_types)
    verify(op.parent.parent.parent)


@pytest.mark.parametrize(
    "name, types, result_types, message",
    [
        ("tfc.lgamma", [TensorType(DType.i32, (2,))], None, "float"),
        ("tfc.asin", [TensorType(DType.i64, ())], None, "float or complex"),
        ("tfc.complex", [TensorType(DType.f16, (2,))] * 2, None, "f32 or f64"),
        ("tfc.real", [TensorType(DType.f32, (2,))], None, "complex"),
        ("tfc.shift_left", [TensorType(DType.f32, (2,))] * 2, None, "integer"),
        ("tfc.shift_right_arithmetic", [TensorType(DType.u8, (2,))] * 2, None, "signed integer"),
        ("tfc.igamma", [TensorType(DType.f32, (2,)), TensorType(DType.f32, (3,))], None, "do not match"),
        ("tfc.bitcast_convert", [TensorType(DType.u8, (2, 3))], [TensorType(DType.f32, (2,))], "last dimension of 4"),
        ("tfc.bitcast_convert", [TensorType(DType.c64, (2,))], [TensorType(DType.f64, (2,))], "cannot bitcast complex<f32>"),
    ],
)
def test_type_rule_errors_name_op_and_rule(name, types, result_types, message):
    with pytest.raises(VerifyError) as info:
        _build(name, types, result_types)
    assert name in str(info.value)
    assert message in str(info.value)
