"""Gradient checks for the math core ops (special functions, inverse trigonometric and hyperbolic
functions, complex parts): tfc's gradient, compiled with XLA, equals a float64 central finite
difference of scipy's or numpy's function, for every operand TensorFlow differentiates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp

import tfc
from tfc.frontend import api

RNG = np.random.default_rng(11)


def core(name):
    return lambda *xs: api.emit(f"tfc.{name}", [api.to_tensor(x) for x in xs])


def numeric_gradient(reference, inputs, i, weights, step=1e-6):
    gradient = np.zeros_like(inputs[i])
    for k in range(inputs[i].size):
        delta = np.zeros_like(inputs[i])
        delta.flat[k] = step
        plus = [x + delta if n == i else x for n, x in enumerate(inputs)]
        minus = [x - delta if n == i else x for n, x in enumerate(inputs)]
        gradient.flat[k] = np.sum((reference(*plus) - reference(*minus)) * weights) / (2 * step)
    return gradient


def check(name, reference, inputs, wrt, rtol=1e-5):
    weights = RNG.uniform(-1, 1, inputs[0].shape)
    objective = lambda *xs: api.sum(core(name)(*xs) * weights)
    ours = tfc.compile(tfc.grad(objective, tuple(wrt)))(*inputs)
    for i, got in zip(wrt, ours):
        np.testing.assert_allclose(np.asarray(got), numeric_gradient(reference, inputs, i, weights), rtol=rtol, atol=1e-7)


def uniform(low, high, n=4):
    return RNG.uniform(low, high, n)


# name -> (reference, operand ranges)
UNARY = {
    "asin": (np.arcsin, (-0.9, 0.9)), "acos": (np.arccos, (-0.9, 0.9)), "atan": (np.arctan, (-3, 3)),
    "sinh": (np.sinh, (-3, 3)), "cosh": (np.cosh, (-3, 3)), "asinh": (np.arcsinh, (-3, 3)),
    "acosh": (np.arccosh, (1.2, 4)), "atanh": (np.arctanh, (-0.9, 0.9)),
    "lgamma": (sp.gammaln, (0.3, 6)), "digamma": (sp.psi, (0.3, 6)), "erfc": (sp.erfc, (-2, 3)), "erf_inv": (sp.erfinv, (-0.9, 0.9)),
    "bessel_i0e": (sp.i0e, (-5, 5)), "bessel_i1e": (sp.i1e, (-5, 5)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient(name):
    reference, (low, high) = UNARY[name]
    check(name, reference, [uniform(low, high)], [0])


def test_bessel_i1e_gradient_at_zero_is_one_half():
    ours = tfc.compile(tfc.grad(lambda x: api.sum(core("bessel_i1e")(x))))(np.zeros(2))
    np.testing.assert_allclose(np.asarray(ours), [0.5, 0.5])


def test_polygamma_gradient_in_x():
    n = np.array([0.0, 1.0, 2.0, 3.0])
    check("polygamma", lambda n, x: sp.polygamma(n.astype(int), x), [n, uniform(0.5, 4)], [1], rtol=1e-4)


def test_zeta_gradient_in_q():
    check("zeta", sp.zeta, [uniform(1.5, 5), uniform(0.5, 4)], [1], rtol=1e-4)


@pytest.mark.parametrize("name, reference", [("igamma", sp.gammainc), ("igammac", sp.gammaincc)])
def test_incomplete_gamma_gradients_in_a_and_x(name, reference):
    check(name, reference, [uniform(0.5, 5), uniform(0.2, 7)], [0, 1], rtol=1e-4)


def test_betainc_gradient_in_x():
    check("betainc", sp.betainc, [uniform(0.5, 4), uniform(0.5, 4), uniform(0.05, 0.95)], [2], rtol=1e-4)


def test_complex_parts_gradients():
    """d/dre and d/dim of w1 real(complex(re, im)) + w2 imag(complex(re, im)) are w1 and w2."""
    re, im, w1, w2 = uniform(-2, 2), uniform(-2, 2), uniform(-1, 1), uniform(-1, 1)

    def objective(a, b):
        z = core("complex")(a, b)
        return api.sum(core("real")(z) * w1 + core("imag")(z) * w2)

    d_re, d_im = tfc.compile(tfc.grad(objective, (0, 1)))(re, im)
    np.testing.assert_allclose(np.asarray(d_re), w1)
    np.testing.assert_allclose(np.asarray(d_im), w2)


def test_complex_parts_and_multiply_share_one_cotangent_convention():
    """d/dy sum(real(complex(0, y) * c)) = -Im(c): tfc.complex/real/imag and tfc.multiply agree (JAX's convention)."""
    import tfc
    from tfc.frontend import api

    c = np.array([2 + 3j, -1 - 0.5j], np.complex64)

    def loss(y):
        z = api.emit("tfc.complex", [api.zeros_like(y), y])
        return api.sum(api.emit("tfc.real", [api.multiply(z, c)]) + api.emit("tfc.imag", [api.multiply(z, c)]))

    grad = tfc.compile(tfc.grad(loss))(np.ones(2, np.float32))
    np.testing.assert_allclose(np.asarray(grad), -c.imag + c.real, rtol=1e-6)
