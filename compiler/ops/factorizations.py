"""Core matrix factorizations and triangular solves, batched over leading dimensions, f32 and f64.

``tfc.cholesky`` and ``tfc.triangular_solve`` lower to StableHLO's ops of the same names, which XLA
expands itself. LU, QR, the symmetric eigendecomposition and the SVD have no StableHLO op: they lower
through jax's own lowering of ``jax.lax.linalg`` (LAPACK custom calls on CPU, cuSOLVER on GPU), so
XLA runs the library routines jax does. Their numpy references are numpy's LAPACK wrappers (LU is a
short partial-pivoting loop: numpy has none).

A matrix that is not positive definite (Cholesky) or is singular (a triangular solve) gives NaNs or
infinities, which ones depending on the backend.

Eigenvectors and singular vectors are unique only up to sign, so both the kernels and the references
return them canonical: each vector's entry of largest magnitude (the first such) is made positive, and
a singular pair flips together. That makes the two backends agree wherever the factorization is unique.
"""

from __future__ import annotations

import numpy as np

from ..diagnostics import TraceError
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, optional, register
from ..types import DType, TensorType
from . import rules
from .rules import tensor_operand

_PURE = frozenset({Trait.PURE})
_FLOATS = (DType.f32, DType.f64)


# ---- type rules ----------------------------------------------------------------------------------
def _matrix(t, what: str, square: bool = False) -> TensorType:
    """A stack of f32 or f64 matrices (rank >= 2), square when asked."""
    t = tensor_operand(t, what)
    if t.dtype not in _FLOATS:
        raise ShapeError(f"{what} must be f32 or f64 (what LAPACK factors), got {t.dtype.value}")
    if t.shape is None:
        raise ShapeError(f"{what} must have a known rank")
    if t.rank < 2:
        raise ShapeError(f"{what} must have rank >= 2 (a stack of matrices), got {t}")
    if square and None not in t.shape[-2:] and t.shape[-1] != t.shape[-2]:
        raise ShapeError(f"{what} must be square matrices, got {t}")
    return t


def _smaller(m, n):
    return None if None in (m, n) else min(m, n)


def _infer_cholesky(ctx, a):
    return _matrix(a, "operand", square=True)


def _infer_triangular_solve(ctx, a, b):
    a, b = _matrix(a, "a", square=True), _matrix(b, "b")
    rules.require_same_dtype(b, a, "b")
    if a.rank != b.rank:
        raise ShapeError(f"a and b must have the same batch dimensions, got {a} and {b}")
    for x, y in zip(a.shape[:-2], b.shape[:-2]):
        if None not in (x, y) and x != y:
            raise ShapeError(f"a and b must have the same batch dimensions, got {a} and {b}")
    n, rows = a.shape[-1], b.shape[-2]
    if None not in (n, rows) and n != rows:
        raise ShapeError(f"b must have as many rows as a has columns: {n} and {rows} differ")
    return b


def _infer_lu(ctx, a):
    a = _matrix(a, "operand", square=True)
    return [a, TensorType(DType.i32, a.shape[:-1])]


def _infer_qr(ctx, a):
    a = _matrix(a, "operand")
    *batch, m, n = a.shape
    k = m if ctx.attrs.get("full_matrices", False) else _smaller(m, n)
    return [TensorType(a.dtype, (*batch, m, k)), TensorType(a.dtype, (*batch, k, n))]


def _infer_eigh(ctx, a):
    a = _matrix(a, "operand", square=True)
    return [TensorType(a.dtype, a.shape[:-1]), a]


def _infer_svd(ctx, a):
    a = _matrix(a, "operand")
    *batch, m, n = a.shape
    k = _smaller(m, n)
    full = ctx.attrs.get("full_matrices", False)
    return [TensorType(a.dtype, (*batch, k)), TensorType(a.dtype, (*batch, m, m if full else k)),
            TensorType(a.dtype, (*batch, n, n if full else k))]


# ---- numpy references ----------------------------------------------------------------------------
def _per_matrix(a: np.ndarray, fn, out: np.ndarray) -> np.ndarray:
    for index in np.ndindex(a.shape[:-2]):
        out[index] = fn(a[index])
    return out


def _cholesky_one(a: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.cholesky(a)  # reads the lower triangle only
    except np.linalg.LinAlgError:
        return np.full(a.shape, np.nan)


def _cholesky_numpy(ctx, a):
    return _per_matrix(a.astype(np.float64), _cholesky_one, np.zeros(a.shape)).astype(a.dtype)


def triangle(a: np.ndarray, lower: bool, unit_diagonal: bool) -> np.ndarray:
    """The triangle a triangular solve reads, with ones on the diagonal when it is a unit one."""
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        n = a.shape[-1]
        t[..., np.arange(n), np.arange(n)] = 1
    return t


def _triangular_solve_numpy(ctx, a, b):
    """Forward or back substitution, row by row, in float64."""
    lower, unit = ctx.attrs["lower"], ctx.attrs.get("unit_diagonal", False)
    t = triangle(a.astype(np.float64), lower, unit)
    if ctx.attrs["transpose_a"]:
        t, lower = np.swapaxes(t, -1, -2), not lower
    x = np.zeros(b.shape)
    n = a.shape[-1]
    with np.errstate(all="ignore"):
        for i in range(n) if lower else reversed(range(n)):
            rest = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, :], x)
            x[..., i, :] = rest / t[..., i, i][..., None]
    return x.astype(b.dtype)


def _lu_numpy(ctx, a):
    """Partial pivoting as LAPACK's getrf: the first row of largest magnitude; a zero pivot divides nothing."""
    lu = a.astype(np.float64).copy()
    n = a.shape[-1]
    perm = np.broadcast_to(np.arange(n, dtype=np.int32), a.shape[:-1]).copy()
    for index in np.ndindex(a.shape[:-2]):
        m, p = lu[index], perm[index]
        for k in range(n):
            pivot = k + int(np.argmax(np.abs(m[k:, k])))
            m[[k, pivot]], p[[k, pivot]] = m[[pivot, k]], p[[pivot, k]]
            if m[k, k] != 0:
                m[k + 1:, k] /= m[k, k]
            m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
    return [lu.astype(a.dtype), perm]


def _qr_numpy(ctx, a):
    mode = "complete" if ctx.attrs.get("full_matrices", False) else "reduced"
    q, r = np.linalg.qr(a.astype(np.float64), mode=mode)
    return [q.astype(a.dtype), r.astype(a.dtype)]


def canonical_signs(v: np.ndarray) -> np.ndarray:
    """+1 or -1 per column of ``v``: the sign of its first entry of largest magnitude (zero: +1)."""
    rows = np.argmax(np.abs(v), axis=-2)[..., None, :]
    return np.where(np.take_along_axis(v, rows, axis=-2)[..., 0, :] < 0, -1.0, 1.0)


def _eigh_numpy(ctx, a):
    w, v = np.linalg.eigh(a.astype(np.float64), UPLO="L")
    v = v * canonical_signs(v)[..., None, :]
    return [w.astype(a.dtype), v.astype(a.dtype)]


def _svd_numpy(ctx, a):
    full = ctx.attrs.get("full_matrices", False)
    u, s, vh = np.linalg.svd(a.astype(np.float64), full_matrices=full)
    v = np.swapaxes(vh, -1, -2)
    signs = canonical_signs(u)
    k = s.shape[-1]
    u = u * signs[..., None, :]
    v[..., :k] *= signs[..., None, :k]
    return [s.astype(a.dtype), u.astype(a.dtype), v.astype(a.dtype)]


# ---- StableHLO lowerings -------------------------------------------------------------------------
def _lower_cholesky(ctx, a):
    """StableHLO's cholesky leaves the upper triangle unspecified: it is zeroed, as TensorFlow's is."""
    hlo, ir = ctx.hlo, ctx.ir
    t = ctx.operand_types[0]
    factor = hlo.CholeskyOp(a, lower=True).result
    index_type = ir.RankedTensorType.get(list(t.shape), ir.IntegerType.get_signless(32))
    rows, cols = (hlo.IotaOp(index_type, t.rank + d).result for d in (-2, -1))
    direction, kind = hlo.ComparisonDirectionAttr.get("GE"), hlo.ComparisonTypeAttr.get("SIGNED")
    keep = hlo.CompareOp(rows, cols, direction, compare_type=kind).result
    zeros = hlo.BroadcastInDimOp(ctx.result_type, ctx.constant(0, t.dtype), ctx.i64_array([])).result
    return hlo.SelectOp(keep, factor, zeros).result


def _lower_triangular_solve(ctx, a, b):
    transpose = ctx.hlo.TransposeAttr.get("TRANSPOSE" if ctx.attrs["transpose_a"] else "NO_TRANSPOSE")
    return ctx.hlo.TriangularSolveOp(a, b, True, bool(ctx.attrs["lower"]), bool(ctx.attrs.get("unit_diagonal", False)),
                                     transpose).result


def _jax_signs(v):
    """canonical_signs, in jax."""
    import jax.numpy as jnp

    rows = jnp.argmax(jnp.abs(v), axis=-2)[..., None, :]
    return jnp.where(jnp.take_along_axis(v, rows, axis=-2)[..., 0, :] < 0, -1.0, 1.0).astype(v.dtype)


def _lu_kernel(a):
    import jax

    lu, _, permutation = jax.lax.linalg.lu(a)
    return lu, permutation.astype("int32")


def _qr_full(a):
    import jax

    return jax.lax.linalg.qr(a, full_matrices=True)


def _qr_reduced(a):
    import jax

    return jax.lax.linalg.qr(a, full_matrices=False)


_QR_KERNELS = {True: _qr_full, False: _qr_reduced}


def _eigh_kernel(a):
    import jax

    v, w = jax.lax.linalg.eigh(a, lower=True, symmetrize_input=False, sort_eigenvalues=True)
    return w, v * _jax_signs(v)[..., None, :]


def _svd(a, full_matrices: bool):
    import jax

    u, s, vh = jax.lax.linalg.svd(a, full_matrices=full_matrices, compute_uv=True)
    v = jax.numpy.swapaxes(vh, -1, -2)
    signs = _jax_signs(u)
    k = s.shape[-1]
    return s, u * signs[..., None, :], v.at[..., :k].multiply(signs[..., None, :k])


def _svd_full(a):
    return _svd(a, True)


def _svd_reduced(a):
    return _svd(a, False)


_SVD_KERNELS = {True: _svd_full, False: _svd_reduced}


def _jax_lowering(choose):
    """A lowering that calls jax's StableHLO for the kernel ``choose(attrs)`` (one function object per
    computation, so calls of it share one copy in the module)."""
    def lower(ctx, a):
        return ctx.call_jax(choose(ctx.attrs), a)

    return lower


def _by_full_matrices(kernels: dict):
    return lambda attrs: kernels[bool(attrs.get("full_matrices", False))]


# ---- gradient rules (TensorFlow's linalg_grad.py formulas, real case) ------------------------------
def _mT(api, x):
    """The matrices of ``x`` transposed."""
    return api.transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def _rows_cols(api, x):
    index_type = TensorType(DType.i32, tuple(x.shape))
    return [api.emit("tfc.iota", [], {"iota_dimension": x.ndim + d}, [index_type]) for d in (-2, -1)]


def _band(api, x, lower: bool, strict: bool = False):
    """The lower or upper triangle of ``x``'s matrices (without the diagonal when strict), zeros elsewhere."""
    rows, cols = _rows_cols(api, x)
    keep = {(True, False): api.greater_equal, (True, True): api.greater,
            (False, False): api.less_equal, (False, True): api.less}[lower, strict](rows, cols)
    return api.where(keep, x, api.zeros_like(x))


def _scale_diagonal(api, x, scale: float):
    rows, cols = _rows_cols(api, x)
    return api.where(api.equal(rows, cols), api.multiply(x, scale), x)


def _diagonal_matrix(api, d):
    """Square matrices with ``d`` ([..., n]) on their diagonals."""
    full = api.broadcast_to(api.expand_dims(d, -2), tuple(d.shape) + (d.shape[-1],))
    return _off_diagonal(api, full, keep_diagonal=True)


def _off_diagonal(api, x, keep_diagonal: bool = False):
    """``x`` with its diagonals zeroed, or everything but its diagonals when ``keep_diagonal``."""
    rows, cols = _rows_cols(api, x)
    on_diagonal = api.equal(rows, cols)
    return api.where(on_diagonal, x, api.zeros_like(x)) if keep_diagonal else api.where(on_diagonal, api.zeros_like(x), x)


def _solve(api, a, b, lower: bool, transpose: bool = False, unit: bool = False):
    return api.emit("tfc.triangular_solve", [a, b], {"lower": lower, "transpose_a": transpose, "unit_diagonal": unit})


def _g_cholesky(ctx, g):
    api, factor = ctx.api, ctx.results[0]
    inverse = _solve(api, factor, _off_diagonal(api, api.ones_like(factor), keep_diagonal=True), lower=True)
    middle = _scale_diagonal(api, _band(api, api.matmul(_mT(api, factor), g), lower=True), 0.5)
    grad = api.matmul(api.matmul(_mT(api, inverse), middle), inverse)
    return [api.multiply(api.add(grad, _mT(api, grad)), 0.5)]


def _g_triangular_solve(ctx, g):
    api, (a, _), solution = ctx.api, ctx.operands, ctx.results[0]
    lower, transpose, unit = ctx.attrs["lower"], ctx.attrs["transpose_a"], ctx.attrs.get("unit_diagonal", False)
    grad_b = _solve(api, a, g, lower, not transpose, unit)
    product = api.matmul(solution, _mT(api, grad_b)) if transpose else api.matmul(grad_b, _mT(api, solution))
    return [_band(api, api.negative(product), lower, strict=unit), grad_b]


def _g_lu(ctx, g, _):
    """A = P^T L U; the cotangent is P^T L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T (as PyTorch's lu_backward)."""
    api, (lu, permutation) = ctx.api, ctx.results
    if g is None:
        return [None]
    eye = _off_diagonal(api, api.ones_like(lu), keep_diagonal=True)
    unit_lower, upper = api.add(_band(api, lu, True, strict=True), eye), _band(api, lu, False)
    phi = api.add(_band(api, api.matmul(_mT(api, unit_lower), _band(api, g, True, strict=True)), True, strict=True),
                  _band(api, api.matmul(_band(api, g, False), _mT(api, upper)), False))
    y = _solve(api, lu, phi, lower=True, transpose=True, unit=True)
    z = _mT(api, _solve(api, lu, _mT(api, y), lower=False))
    rows_from = api.equal(api.expand_dims(permutation, -1), _rows_cols(api, lu)[1])  # P[i, j] = (permutation[i] == j)
    return [api.matmul(_mT(api, api.where(rows_from, api.ones_like(lu), api.zeros_like(lu))), z)]


def _qr_grad_deep(api, q, r, dq, dr):
    """TensorFlow's _QrGradSquareAndDeepMatrices; ``x r^-T`` is a triangular solve."""
    def times_r_inv_t(x):
        return _mT(api, _solve(api, r, _mT(api, x), lower=False))

    qdq = api.matmul(_mT(api, q), dq)
    rdr = api.matmul(r, _mT(api, dr))
    tril = _band(api, api.add(api.subtract(qdq, _mT(api, qdq)), api.subtract(rdr, _mT(api, rdr))), lower=True)
    grad_a = api.matmul(q, api.add(dr, times_r_inv_t(tril)))
    return api.add(grad_a, times_r_inv_t(api.subtract(dq, api.matmul(q, qdq))))


def _g_qr(ctx, dq, dr):
    api, a, (q, r) = ctx.api, ctx.operands[0], ctx.results
    m, n = a.shape[-2:]
    if m > n and q.shape[-1] == m:
        raise TraceError("gradient of tfc.qr: not defined for full_matrices with more rows than columns "
                         "(TensorFlow's QrGrad has none either)", ctx.op.location)
    dq = api.zeros_like(q) if dq is None else dq
    dr = api.zeros_like(r) if dr is None else dr
    if m >= n:
        return [_qr_grad_deep(api, q, r, dq, dr)]
    y, u, dv, du = a[..., :, m:], r[..., :, :m], dr[..., :, m:], dr[..., :, :m]
    dx = _qr_grad_deep(api, q, u, api.add(dq, api.matmul(y, _mT(api, dv))), du)
    return [api.concatenate([dx, api.matmul(q, dv)], -1)]


def _g_eigh(ctx, gw, gv):
    """TensorFlow's SelfAdjointEigV2 gradient: only the lower triangle is read, so only it gets a cotangent."""
    api, (w, v) = ctx.api, ctx.results
    inner = _diagonal_matrix(api, api.zeros_like(w) if gw is None else gw)
    if gv is not None:
        f = _off_diagonal(api, _safe_reciprocal(api, api.subtract(api.expand_dims(w, -2), api.expand_dims(w, -1))))
        inner = api.add(inner, api.multiply(f, api.matmul(_mT(api, v), gv)))
    grad = api.matmul(api.matmul(v, inner), _mT(api, v))
    return [_scale_diagonal(api, _band(api, api.add(grad, _mT(api, grad)), lower=True), 0.5)]


def _safe_reciprocal(api, x):
    return api.divide(x, api.add(api.multiply(x, x), 1e-20))


def _svd_grad_wide(api, s, u, v, gs, gu, gv, full: bool):
    """TensorFlow's _SvdGrad for m <= n (u is m x m): the singular-value term, the rotation terms
    weighted by 1/(s_j^2 - s_i^2), and for m < n the term of v's columns beyond the first m."""
    m = u.shape[-1]
    s_mat, s_squared = _diagonal_matrix(api, s), api.multiply(s, s)
    f = _off_diagonal(api, _safe_reciprocal(api, api.subtract(api.expand_dims(s_squared, -2), api.expand_dims(s_squared, -1))))
    v1, gv1 = v[..., :, :m], gv[..., :, :m]
    f_u = api.multiply(f, api.matmul(_mT(api, u), gu))
    f_v = api.multiply(f, api.matmul(_mT(api, v1), gv1))
    inner = api.add(api.add(_diagonal_matrix(api, gs), api.matmul(api.add(f_u, _mT(api, f_u)), s_mat)),
                    api.matmul(s_mat, api.add(f_v, _mT(api, f_v))))
    grad = api.matmul(u, api.matmul(inner, _mT(api, v1)))
    if m == v.shape[-2]:
        return grad
    gv1t = _mT(api, gv1)
    rest = api.subtract(gv1t, api.matmul(api.matmul(gv1t, v1), _mT(api, v1)))
    if full:
        v2, gv2 = v[..., :, m:], gv[..., :, m:]
        rest = api.subtract(rest, api.matmul(api.matmul(_mT(api, v1), gv2), _mT(api, v2)))
    u_s_inv = api.matmul(u, _diagonal_matrix(api, _safe_reciprocal(api, s)))
    return api.add(grad, api.matmul(u_s_inv, rest))


def _g_svd(ctx, gs, gu, gv):
    """TensorFlow's _SvdGrad (real case); a tall matrix is differentiated as its transpose."""
    api, a, (s, u, v) = ctx.api, ctx.operands[0], ctx.results
    m, n = a.shape[-2:]
    full = ctx.attrs.get("full_matrices", False)
    if full and abs(m - n) > 1:
        raise TraceError("gradient of tfc.svd: not defined for full_matrices when the matrix dimensions differ by more "
                         "than 1 (TensorFlow's SvdGrad has none either)", ctx.op.location)
    gs, gu, gv = (api.zeros_like(r) if g is None else g for r, g in zip((s, u, v), (gs, gu, gv)))
    if m > n:
        return [_mT(api, _svd_grad_wide(api, s, v, u, gs, gv, gu, full))]
    return [_svd_grad_wide(api, s, u, v, gs, gu, gv, full)]


# ---- registrations -------------------------------------------------------------------------------
CHOLESKY = register(OpDef(
    "tfc.cholesky",
    "Lower Cholesky factor of each matrix (only its lower triangle is read); zeros above the diagonal.",
    operands=("operand",), traits=_PURE, infer=_infer_cholesky, reference=_cholesky_numpy,
    lower=_lower_cholesky, grad=_g_cholesky))

TRIANGULAR_SOLVE = register(OpDef(
    "tfc.triangular_solve",
    "Solves op(a) x = b for x, op(a) being a's lower or upper triangle, transposed when transpose_a.",
    operands=("a", "b"),
    attributes={"lower": attr(AttrKind.BOOL), "transpose_a": attr(AttrKind.BOOL), "unit_diagonal": optional(AttrKind.BOOL, False)},
    traits=_PURE, infer=_infer_triangular_solve, reference=_triangular_solve_numpy,
    lower=_lower_triangular_solve, grad=_g_triangular_solve))

LU = register(OpDef(
    "tfc.lu",
    "LU with partial pivoting: a[permutation] = L U, L unit lower and U upper packed in one matrix.",
    operands=("operand",), results=("lu", "permutation"), traits=_PURE, infer=_infer_lu, reference=_lu_numpy,
    lower=_jax_lowering(lambda attrs: _lu_kernel), grad=_g_lu))

QR = register(OpDef(
    "tfc.qr",
    "Householder QR (LAPACK's sign convention): a = q r, q with orthonormal columns, r upper triangular.",
    operands=("operand",), results=("q", "r"), attributes={"full_matrices": optional(AttrKind.BOOL, False)},
    traits=_PURE, infer=_infer_qr, reference=_qr_numpy, lower=_jax_lowering(_by_full_matrices(_QR_KERNELS)), grad=_g_qr))

EIGH = register(OpDef(
    "tfc.eigh",
    "Eigenvalues (ascending) and canonical-signed eigenvectors of symmetric matrices given by their lower triangle.",
    operands=("operand",), results=("eigenvalues", "eigenvectors"), traits=_PURE, infer=_infer_eigh,
    reference=_eigh_numpy, lower=_jax_lowering(lambda attrs: _eigh_kernel), grad=_g_eigh))

SVD = register(OpDef(
    "tfc.svd",
    "Singular values (descending) and canonical-signed singular vectors: a = u diag(s) v^T.",
    operands=("operand",), results=("s", "u", "v"), attributes={"full_matrices": optional(AttrKind.BOOL, False)},
    traits=_PURE, infer=_infer_svd, reference=_svd_numpy, lower=_jax_lowering(_by_full_matrices(_SVD_KERNELS)), grad=_g_svd))
