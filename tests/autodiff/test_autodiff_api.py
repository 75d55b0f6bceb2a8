"""tfc.grad / tfc.value_and_grad / tfc.stop_gradient on traced functions: results match jax.grad,
gradients are ordinary IR, and misuse gives clear errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfc
from tfc.parser import parse_module
from tfc.printer import print_module

X = np.array([0.3, -1.2, 2.0], np.float32)
Y = np.array([1.5, 0.7, -0.4], np.float32)


def objective(x, y):
    return tfc.sum(tfc.tanh(x) * y + tfc.exp(x) / (y + 2.0) - tfc.maximum(x, y) ** 2 + tfc.sqrt(x * x + 1.0))


def jax_objective(x, y):
    return jnp.sum(jnp.tanh(x) * y + jnp.exp(x) / (y + 2.0) - jnp.maximum(x, y) ** 2 + jnp.sqrt(x * x + 1.0))


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_grad_matches_jax(backend):
    gx, gy = tfc.compile(tfc.grad(objective, (0, 1)), backend=backend)(X, Y)
    jx, jy = jax.grad(jax_objective, (0, 1))(X, Y)
    np.testing.assert_allclose(np.asarray(gx), jx, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(gy), jy, rtol=1e-5, atol=1e-6)


def test_value_and_grad_and_eager_use():
    value, g = tfc.value_and_grad(objective)(X, Y)  # eager: compiled on first use, numpy out
    jvalue, jg = jax.value_and_grad(jax_objective)(X, Y)
    assert isinstance(value, np.ndarray)
    np.testing.assert_allclose(value, jvalue, rtol=1e-5)
    np.testing.assert_allclose(g, jg, rtol=1e-5, atol=1e-6)


def test_stop_gradient_blocks_the_path():
    g = tfc.grad(lambda x: tfc.sum(x * tfc.stop_gradient(x)))(X)
    np.testing.assert_allclose(g, X, rtol=1e-6)  # d/dx (x * const) with const = x


def test_gradient_is_ordinary_ir():
    text = tfc.compile(tfc.grad(objective)).lower(X, Y).as_text()
    assert print_module(parse_module(text)) == text
    assert text.count('"tfc.multiply"') > 3


def test_grad_of_unconnected_argument_is_zero():
    np.testing.assert_array_equal(tfc.grad(lambda x, y: tfc.sum(x * 2.0), 1)(X, Y), np.zeros(3, np.float32))


def test_grad_needs_a_float_scalar():
    with pytest.raises(tfc.TraceError, match="float scalar"):
        tfc.grad(lambda x: x * 2.0)(X)


def test_grad_of_integer_argument_is_an_error():
    with pytest.raises(tfc.TraceError, match="not a float"):
        tfc.grad(lambda x, n: tfc.sum(x) * 1.0, 1)(X, np.int32(3))
