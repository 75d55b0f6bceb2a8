"""tfc.cholesky, tfc.triangular_solve, tfc.lu, tfc.qr, tfc.eigh, tfc.svd: xla == interp, the defining
identities (reconstruction, orthogonality, ordering), gradients, bad input."""

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import tfc
from tfc.builder import Builder
from tfc.diagnostics import TraceError, VerifyError
from tfc.frontend import api
from tfc.ir import Function
from tfc.types import DType, TensorType
from tfc.verifier import verify

from ..autodiff.test_gradients import check_gradients
from .harness import check_op, tolerance

DTYPES = [np.float32, np.float64]


def _mT(x):
    return np.swapaxes(x, -1, -2)


def _spd(rng, shape, dtype):
    a = rng.standard_normal(shape)
    return (a @ _mT(a) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _close(got, want, dtype, scale=10):
    tol = {k: v * scale for k, v in tolerance(dtype).items()}
    np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (1, 2, 5, 5), (0, 2, 2), (3, 0, 0)])
def test_cholesky(dtype, shape):
    a = _spd(np.random.default_rng(0), shape, dtype)
    [factor] = check_op("tfc.cholesky", [a])
    _close(factor @ _mT(factor), a, dtype)
    assert not np.triu(factor, 1).any()


def test_cholesky_reads_only_the_lower_triangle():
    a = _spd(np.random.default_rng(1), (3, 3), np.float64)
    [want] = check_op("tfc.cholesky", [a])
    [got] = check_op("tfc.cholesky", [np.tril(a) + np.triu(np.full((3, 3), 7.0), 1)])
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lower, transpose, unit", [(True, False, False), (False, True, False), (True, True, True), (False, False, True)])
def test_triangular_solve(dtype, lower, transpose, unit):
    rng = np.random.default_rng(2)
    a = (rng.standard_normal((2, 4, 4)) + 4 * np.eye(4)).astype(dtype)
    b = rng.standard_normal((2, 4, 3)).astype(dtype)
    attrs = {"lower": lower, "transpose_a": transpose, "unit_diagonal": unit}
    [x] = check_op("tfc.triangular_solve", [a, b], attrs)
    t = np.tril(a) if lower else np.triu(a)
    if unit:
        t[..., np.arange(4), np.arange(4)] = 1
    _close((_mT(t) if transpose else t) @ x, b, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (1, 1), (0, 3, 3)])
def test_lu(dtype, shape):
    a = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    lu, permutation = check_op("tfc.lu", [a])
    n = shape[-1]
    unit_lower, upper = np.tril(lu, -1) + np.eye(n, dtype=dtype), np.triu(lu)
    _close(np.take_along_axis(a, permutation[..., None].astype(np.int64), axis=-2), unit_lower @ upper, dtype)
    assert (np.abs(np.tril(lu, -1)) <= 1 + 1e-6).all()  # partial pivoting


def test_lu_of_a_singular_matrix_skips_the_zero_pivot():
    lu, permutation = check_op("tfc.lu", [np.array([[0.0, 1.0], [0.0, 2.0]])])
    np.testing.assert_array_equal(permutation, [0, 1])
    np.testing.assert_allclose(lu, [[0.0, 1.0], [0.0, 2.0]])


@pytest.mark.parametrize("dtype, shape, full", [
    (np.float32, (5, 3), False), (np.float32, (5, 3), True), (np.float64, (2, 3, 5), False), (np.float64, (2, 3, 5), True),
    (np.float32, (4, 4), True), (np.float64, (2, 1, 0, 3), False),
])
def test_qr(dtype, shape, full):
    a = np.random.default_rng(4).standard_normal(shape).astype(dtype)
    q, r = check_op("tfc.qr", [a], {"full_matrices": full})
    m, n = shape[-2:]
    assert q.shape[-1] == (m if full else min(m, n))
    _close(q @ r, a, dtype)
    _close(_mT(q) @ q, np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2), dtype)
    assert not np.tril(r, -1).any()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (0, 2, 2)])
def test_eigh(dtype, shape):
    a = np.random.default_rng(5).standard_normal(shape).astype(dtype)
    w, v = check_op("tfc.eigh", [np.tril(a)])  # the lower triangle stands for the symmetric matrix
    symmetric = np.tril(a) + _mT(np.tril(a, -1))
    _close((v * w[..., None, :]) @ _mT(v), symmetric, dtype)
    assert (np.diff(w, axis=-1) >= 0).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, full", [((5, 3), False), ((2, 3, 5), False), ((4, 4), True), ((2, 4, 3), True), ((0, 3, 2), False)])
def test_svd(dtype, shape, full):
    a = np.random.default_rng(6).standard_normal(shape).astype(dtype)
    s, u, v = check_op("tfc.svd", [a], {"full_matrices": full})
    k = min(shape[-2:])
    _close((u[..., :k] * s[..., None, :]) @ _mT(v[..., :k]), a, dtype)
    assert (np.diff(s, axis=-1) <= 0).all() and (s >= 0).all()


# ---- gradients -----------------------------------------------------------------------------------
def _emit(name, attrs=None):
    return lambda *xs: api.emit_results(name, list(xs), attrs)


def test_cholesky_gradient():
    rng = np.random.default_rng(7)
    symmetric = lambda x, t: t.matmul(x, t.swapaxes(x, -1, -2)) + 3 * t.eye(3)
    check_gradients(lambda x: _emit("tfc.cholesky")(x @ api.transpose(x, (0, 2, 1)) + 3 * np.eye(3))[0],
                    lambda x: lax.linalg.cholesky(symmetric(x, jnp)), [rng.normal(size=(2, 3, 3))], [0], rng)


@pytest.mark.parametrize("lower, transpose, unit", [(True, False, False), (False, True, False), (True, True, True)])
def test_triangular_solve_gradient(lower, transpose, unit):
    rng = np.random.default_rng(8)
    attrs = {"lower": lower, "transpose_a": transpose, "unit_diagonal": unit}
    check_gradients(lambda a, b: _emit("tfc.triangular_solve", attrs)(a, b)[0],
                    lambda a, b: lax.linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=transpose,
                                                             unit_diagonal=unit),
                    [rng.normal(size=(2, 3, 3)) + 3 * np.eye(3), rng.normal(size=(2, 3, 2))], [0, 1], rng)


def test_lu_gradient():
    rng = np.random.default_rng(9)
    check_gradients(lambda a: _emit("tfc.lu")(a)[0], lambda a: lax.linalg.lu(a)[0], [rng.normal(size=(2, 4, 4))], [0], rng)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 3, 5)])
def test_qr_gradient(shape):
    rng = np.random.default_rng(10)
    check_gradients(lambda a: _emit("tfc.qr")(a), lambda a: lax.linalg.qr(a, full_matrices=False),
                    [rng.normal(size=shape)], [0], rng)


def test_eigh_gradient():
    rng = np.random.default_rng(11)
    check_gradients(lambda a: _emit("tfc.eigh")(a), lambda a: lax.linalg.eigh(a)[::-1], [rng.normal(size=(2, 3, 3))], [0], rng, jax_check=False)


def _svd_outputs(u, s, vh):
    """jax's (u, s, v^T) as tfc.svd's (s, u, v)."""
    return s, u, jnp.swapaxes(vh, -1, -2)


@pytest.mark.parametrize("shape, full", [((4, 3), False), ((2, 3, 5), False), ((3, 3), True), ((4, 3), True), ((2, 3), True)])
def test_svd_gradient(shape, full):
    rng = np.random.default_rng(12)
    check_gradients(lambda a: _emit("tfc.svd", {"full_matrices": full})(a),
                    lambda a: _svd_outputs(*lax.linalg.svd(a, full_matrices=full)),
                    [rng.normal(size=shape)], [0], rng, jax_check=False)


def test_svd_gradient_refuses_full_matrices_far_from_square():
    a = np.random.default_rng(13).normal(size=(5, 2))
    with pytest.raises(TraceError, match="differ by more than 1"):
        tfc.compile(tfc.grad(lambda x: tfc.sum(_emit("tfc.svd", {"full_matrices": True})(x)[1])), backend="interp")(a)


# ---- bad input -----------------------------------------------------------------------------------
def _verify(name, types, attrs=None):
    function = Function.create("main", [TensorType(d, s) for d, s in types], [])
    Builder(function.body).create(name, function.args, attrs)
    verify(function.op)


@pytest.mark.parametrize("name, types, attrs, message", [
    ("tfc.cholesky", [(DType.f32, (3, 4))], None, "must be square matrices"),
    ("tfc.cholesky", [(DType.i32, (3, 3))], None, "must be f32 or f64"),
    ("tfc.lu", [(DType.f64, (3,))], None, "rank >= 2"),
    ("tfc.triangular_solve", [(DType.f32, (3, 3)), (DType.f32, (4, 2))], {"lower": True, "transpose_a": False}, "differ"),
    ("tfc.triangular_solve", [(DType.f32, (2, 3, 3)), (DType.f32, (3, 2))], {"lower": True, "transpose_a": False},
     "same batch dimensions"),
    ("tfc.triangular_solve", [(DType.f32, (3, 3)), (DType.f64, (3, 2))], {"lower": True, "transpose_a": False}, "f64"),
])
def test_bad_operands(name, types, attrs, message):
    with pytest.raises(VerifyError, match=message):
        _verify(name, types, attrs)
