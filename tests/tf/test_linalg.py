"""TensorFlow linear algebra ops beyond the op suite: eigen- and singular vectors by the identities they
satisfy (their signs are tfc's own), gradients of imported graphs, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.backends import load
from tfc.frontend.autodiff import add_gradients
from tfc.passmanager import PassManager

from .graphs import GraphBuilder, import_and_legalize, run_graph

RNG = np.random.default_rng(0)


def _mT(x):
    return np.swapaxes(x, -1, -2)


def build(op_type, args, **attrs):
    g = GraphBuilder()
    names, feeds = [], {}
    for i, arg in enumerate(args):
        names.append(g.placeholder(f"x{i}", arg.dtype.type, arg.shape))
        feeds[f"x{i}:0"] = arg
    return g, feeds, g.op(op_type, names, name="node", T=args[0].dtype.type, **attrs)


def run_op(op_type, *args, outputs=1, **attrs):
    g, feeds, node = build(op_type, list(args), **attrs)
    return run_graph(g.graph, feeds, [f"{node}:{i}" for i in range(outputs)], rtol=1e-4, atol=1e-5)


def _close(got, want, dtype):
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _eye(n, batch=()):
    return np.broadcast_to(np.eye(n), batch + (n, n))


# ---- vectors by their identities -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_self_adjoint_eig_vectors_diagonalize_the_lower_triangle(dtype):
    a = RNG.uniform(-1, 1, (2, 4, 4)).astype(dtype)
    e, v = run_op("SelfAdjointEigV2", a, outputs=2)
    symmetric = np.tril(a) + _mT(np.tril(a, -1))
    _close((v * e[..., None, :]) @ _mT(v), symmetric, dtype)
    _close(_mT(v) @ v, _eye(4, (2,)), dtype)
    _close(e, np.linalg.eigvalsh(symmetric.astype(np.float64)), dtype)


@pytest.mark.parametrize("shape, full", [((2, 5, 3), False), ((3, 4), False), ((4, 3), True), ((2, 3, 4), True)])
def test_svd_vectors_reconstruct_the_matrix(shape, full):
    a = RNG.uniform(-1, 1, shape)
    s, u, v = run_op("Svd", a, outputs=3, full_matrices=full)
    m, n = shape[-2:]
    k = min(m, n)
    assert u.shape[-2:] == ((m, m) if full else (m, k)) and v.shape[-2:] == ((n, n) if full else (n, k))
    _close((u[..., :k] * s[..., None, :]) @ _mT(v[..., :k]), a, np.float64)
    _close(_mT(u) @ u, _eye(u.shape[-1], shape[:-2]), np.float64)
    _close(_mT(v) @ v, _eye(v.shape[-1], shape[:-2]), np.float64)
    _close(s, np.linalg.svd(a, compute_uv=False), np.float64)


def test_qr_full_of_a_tall_matrix_is_orthogonal():
    a = RNG.uniform(-1, 1, (5, 3)).astype(np.float32)
    q, r = run_op("Qr", a, outputs=2, full_matrices=True)
    assert q.shape == (5, 5) and r.shape == (5, 3)
    _close(q @ r, a, np.float32)
    _close(q.T @ q, np.eye(5), np.float32)


def test_singular_matrix_inverse_is_not_finite():
    """TensorFlow raises at run time; a compiled program cannot, so the result says it (with infinities
    or NaNs: the backends' triangular solves divide by the zero pivot differently)."""
    g, feeds, node = build("MatrixInverse", [np.array([[1.0, 2.0], [2.0, 4.0]])])
    result = import_and_legalize(g.graph, feeds, [f"{node}:0"])
    for backend in ("interp", "xla"):
        [got] = load(result.module, backend=backend).call(feeds["x0:0"])
        assert not np.isfinite(np.asarray(got)).all()


# ---- gradients of imported graphs ----------------------------------------------------------------
def _gradient(op_type, args, **attrs):
    """d sum(op(args)) / d args, through an imported, legalized graph and add_gradients (xla)."""
    g, feeds, node = build(op_type, list(args), **attrs)
    axes = g.const(np.arange(len(args[-1].shape) - (op_type == "MatrixDeterminant") * 2, dtype=np.int32))
    loss = g.op("Sum", [node, axes], name="loss", T=args[0].dtype.type, Tidx=np.int32)
    result = import_and_legalize(g.graph, feeds, [f"{loss}:0"])
    add_gradients(result.module)
    PassManager("canonicalize", verify_each=True).run(result.module)
    return [np.asarray(v) for v in load(result.module, backend="xla").call(*[feeds[n] for n in result.feeds])][1:]


def test_matrix_inverse_gradient():
    a = RNG.uniform(-1, 1, (2, 3, 3)) + 3 * np.eye(3)
    [grad] = _gradient("MatrixInverse", [a])
    inverse_t = _mT(np.linalg.inv(a))
    np.testing.assert_allclose(grad, -inverse_t @ np.ones((2, 3, 3)) @ inverse_t, rtol=1e-10)


def test_matrix_determinant_gradient():
    a = RNG.uniform(-1, 1, (2, 3, 3))
    [grad] = _gradient("MatrixDeterminant", [a])
    np.testing.assert_allclose(grad, np.linalg.det(a)[:, None, None] * _mT(np.linalg.inv(a)), rtol=1e-9)


def test_matrix_solve_gradient():
    a, b = RNG.uniform(-1, 1, (3, 3)) + 3 * np.eye(3), RNG.uniform(-1, 1, (3, 2))
    grad_a, grad_b = _gradient("MatrixSolve", [a, b])
    grad_b_want = np.linalg.solve(a.T, np.ones((3, 2)))
    np.testing.assert_allclose(grad_b, grad_b_want, rtol=1e-10)
    np.testing.assert_allclose(grad_a, -grad_b_want @ np.linalg.solve(a, b).T, rtol=1e-10)


def test_cholesky_gradient_is_tensorflows_symmetric_one():
    a = RNG.uniform(-1, 1, (3, 3))
    spd = a @ a.T + 3 * np.eye(3)
    [grad] = _gradient("Cholesky", [spd])
    np.testing.assert_allclose(grad, grad.T, rtol=1e-12)
    eps, direction = 1e-6, np.array([[0, 0, 0], [1.0, 0, 0], [0, 0, 0]])  # a symmetric perturbation of a[1, 0]
    moved = [np.linalg.cholesky(spd + s * eps * (direction + direction.T)).sum() for s in (1, -1)]
    np.testing.assert_allclose(grad[1, 0] + grad[0, 1], (moved[0] - moved[1]) / (2 * eps), rtol=1e-6)


# ---- errors --------------------------------------------------------------------------------------
def _f(*shape, dtype=np.float32):
    return RNG.uniform(-1, 1, shape).astype(dtype)


@pytest.mark.parametrize("op_type, args, attrs, message", [
    ("Cholesky", [_f(3, 3, dtype=np.float16)], {}, "float32 or float64"),
    ("Cholesky", [_f(3, 4)], {}, "must be square"),
    ("MatrixInverse", [_f(3)], {}, "rank >= 2"),
    ("MatrixSolve", [_f(2, 3, 3), _f(3, 3, 1)], {}, "same batch dimensions"),
    ("MatrixTriangularSolve", [_f(3, 3), _f(4, 1)], {}, "as many rows"),
    ("MatrixSolveLs", [_f(4, 3), _f(4, 1), np.array(0.0)], {"fast": False}, "fast=False"),
    ("Svd", [_f(2, 3, dtype=np.float16)], {}, "float32 or float64"),
    ("BandedTriangularSolve", [_f(4, 3), _f(3, 1)], {}, "cannot exceed the size of the matrix"),
    ("TridiagonalSolve", [_f(3, 4), _f(4, 1)], {"perturb_singular": True}, "perturb_singular"),
    ("TridiagonalSolve", [_f(2, 4), _f(4, 1)], {}, "compact format"),
    ("TridiagonalMatMul", [_f(1, 4), _f(1, 3), _f(1, 4), _f(4, 2)], {}, "maindiag must have shape"),
])
def test_errors_name_the_node(op_type, args, attrs, message):
    g, feeds, node = build(op_type, args, **attrs)
    with pytest.raises(Exception, match=f"'node'.*{message}"):
        import_and_legalize(g.graph, feeds, [f"{node}:0"])
