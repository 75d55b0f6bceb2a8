"""TensorFlow's linear algebra: factorizations, solves, inverses and determinants of stacks of matrices.

Each op factors with one of tfc's core factorizations (``tfc.cholesky``, ``tfc.lu``, ``tfc.qr``,
``tfc.eigh``, ``tfc.svd``) and finishes with ``tfc.triangular_solve`` and matrix products, as
TensorFlow's CPU kernels do with Eigen: inverses, solves and determinants go through LU with partial
pivoting. Only f32 and f64 are supported (TensorFlow also takes f16 and complex types here).

Singular or non-positive-definite input cannot be refused at run time (TensorFlow raises an error
there): the results then hold infinities or NaNs, as they do under TensorFlow's XLA bridge.
Eigenvectors and singular vectors are unique only up to sign: tfc returns them canonical (the entry of
largest magnitude positive), which may differ from TensorFlow's choice by the sign of whole vectors.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import attr_dtype, broadcast, tf_op, unknown

_FLOATS = (DType.f32, DType.f64)


# ---- type-rule helpers ---------------------------------------------------------------------------
def _matrices(ctx, t: TensorType, what: str, square: bool = True) -> TensorType:
    """A stack of f32/f64 matrices with a known rank >= 2 (square when asked)."""
    if t.dtype not in _FLOATS:
        raise ShapeError(f"{what} must be float32 or float64 (tfc factors no other type), got {t.dtype.value}")
    if t.shape is None:
        return t
    if t.rank < 2:
        raise ShapeError(f"{what} must have rank >= 2 (a stack of matrices), got {t}")
    rows, cols = t.shape[-2:]
    if square and None not in (rows, cols) and rows != cols:
        raise ShapeError(f"{what} must be square matrices, got {t}")
    return t


def _square_type(ctx, x):
    return _matrices(ctx, x, "input")


def _solve_type(ctx, matrix, rhs, batch_broadcasts: bool):
    """The rhs's type, checked against the matrix; the batch dims broadcast in MatrixTriangularSolve."""
    matrix, rhs = _matrices(ctx, matrix, "matrix"), _matrices(ctx, rhs, "rhs", square=False)
    if matrix.dtype != rhs.dtype:
        raise ShapeError(f"matrix and rhs must have one dtype, got {matrix.dtype.value} and {rhs.dtype.value}")
    if matrix.shape is None or rhs.shape is None:
        return unknown(rhs.dtype)
    n, rows = matrix.shape[-1], rhs.shape[-2]
    if None not in (n, rows) and n != rows:
        raise ShapeError(f"rhs must have as many rows as the matrix has columns, got {matrix} and {rhs}")
    if batch_broadcasts:
        batch = broadcast(ctx, TensorType(rhs.dtype, matrix.shape[:-2]), TensorType(rhs.dtype, rhs.shape[:-2])).shape
    elif matrix.shape[:-2] != rhs.shape[:-2]:
        raise ShapeError(f"matrix and rhs must have the same batch dimensions, got {matrix} and {rhs}")
    else:
        batch = rhs.shape[:-2]
    return TensorType(rhs.dtype, batch + rhs.shape[-2:])


def _static(t: TensorType, op: str) -> tuple:
    if t.shape is None or None in t.shape:
        raise ShapeError(f"{op} needs the input's dimensions; tfc compiles static shapes, got {t}")
    return t.shape


# ---- decomposition helpers -----------------------------------------------------------------------
def _mT(x):
    return tnp.transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def _solve(a, b, lower: bool, transpose: bool = False, unit: bool = False):
    return tnp.emit("tfc.triangular_solve", [a, b], {"lower": lower, "transpose_a": transpose, "unit_diagonal": unit})


def _lu(x, adjoint: bool = False):
    """(packed L\\U, permutation) of ``x`` (or of its transpose) with x[permutation] = L U."""
    return tnp.emit_results("tfc.lu", [_mT(x) if adjoint else x])


def _rows_cols(shape):
    """Row and column indices (i32) of matrices of ``shape``."""
    index_type = TensorType(DType.i32, tuple(shape))
    return [tnp.emit("tfc.iota", [], {"iota_dimension": len(shape) + d}, [index_type]) for d in (-2, -1)]


def _zero(dtype: DType):
    """A scalar 0: what tfc returns for outputs TensorFlow leaves uninitialized."""
    return tnp.to_tensor(np.zeros((), dtype.numpy))


def _permutation_matrix(permutation, dtype: DType):
    """P with P[..., i, j] = (permutation[..., i] == j), so P b = b[..., permutation, :]."""
    columns = _rows_cols(tuple(permutation.shape) + (permutation.shape[-1],))[1]
    return tnp.astype(tnp.equal(tnp.expand_dims(permutation, -1), columns), dtype)


def _lu_solve(lu, permutation, b=None):
    """x with (P^T L U) x = b, that is U^-1 L^-1 (P b); the inverse when ``b`` is None."""
    permuted = _permutation_matrix(permutation, lu.dtype)
    if b is not None:
        permuted = tnp.matmul(permuted, b)
    return _solve(lu, _solve(lu, permuted, lower=True, unit=True), lower=False)


def _diagonal(x):
    """The diagonals of ``x``'s square matrices, [..., n]."""
    rows, cols = _rows_cols(x.shape)
    return tnp.sum(tnp.where(tnp.equal(rows, cols), x, tnp.zeros_like(x)), axis=-1)


def _permutation_sign(permutation, dtype):
    """(-1) ** (number of inversions): +1 for an even permutation, -1 for an odd one."""
    later_smaller = tnp.greater(tnp.expand_dims(permutation, -1), tnp.expand_dims(permutation, -2))
    rows, cols = _rows_cols(later_smaller.shape)
    inversions = tnp.sum(tnp.astype(tnp.logical_and(later_smaller, tnp.less(rows, cols)), DType.i32), axis=(-2, -1))
    return tnp.astype(tnp.subtract(1, tnp.multiply(tnp.remainder(inversions, 2), 2)), dtype)


def _sign_and_log_abs_determinant(x):
    """TensorFlow's SLogDet: from LU's pivots, with (0, -inf) when the log is not finite."""
    lu, permutation = _lu(x)
    pivots = _diagonal(lu)
    log_abs = tnp.sum(tnp.log(tnp.abs(pivots)), axis=-1)
    sign = tnp.multiply(_permutation_sign(permutation, x.dtype), tnp.prod(tnp.sign(pivots), axis=-1))
    finite = tnp.isfinite(log_abs)
    infinity = tnp.where(tnp.greater(log_abs, 0), log_abs, tnp.log(tnp.zeros_like(log_abs)))  # NaN too becomes -inf
    return tnp.where(finite, sign, tnp.zeros_like(sign)), tnp.where(finite, log_abs, infinity)


# ---- Cholesky, MatrixTriangularSolve -------------------------------------------------------------
def _cholesky(ctx, x):
    return tnp.emit("tfc.cholesky", [x])


def _triangular_solve_type(ctx, matrix, rhs):
    return _solve_type(ctx, matrix, rhs, batch_broadcasts=True)


def _triangular_solve(ctx, matrix, rhs):
    batch = ctx.result_type.shape[:-2]
    matrix = tnp.broadcast_to(matrix, batch + tuple(matrix.shape[-2:]))
    rhs = tnp.broadcast_to(rhs, ctx.result_type.shape)
    return _solve(matrix, rhs, lower=bool(ctx.attrs.get("lower", True)), transpose=bool(ctx.attrs.get("adjoint", False)))


tf_op("Cholesky", _square_type, _cholesky)
tf_op("MatrixTriangularSolve", _triangular_solve_type, _triangular_solve)


# ---- LU: MatrixInverse, MatrixSolve, MatrixDeterminant, LogMatrixDeterminant, Lu ---------------------
def _inverse(ctx, x):
    return _lu_solve(*_lu(x, bool(ctx.attrs.get("adjoint", False))))


def _matrix_solve_type(ctx, matrix, rhs):
    return _solve_type(ctx, matrix, rhs, batch_broadcasts=False)


def _matrix_solve(ctx, matrix, rhs):
    lu, permutation = _lu(matrix, bool(ctx.attrs.get("adjoint", False)))
    return _lu_solve(lu, permutation, rhs)


def _determinant_type(ctx, x):
    x = _matrices(ctx, x, "input")
    return unknown(x.dtype) if x.shape is None else TensorType(x.dtype, x.shape[:-2])


def _determinant(ctx, x):
    """sign * exp(log |det|), as TensorFlow's kernel computes it."""
    sign, log_abs = _sign_and_log_abs_determinant(x)
    return tnp.multiply(sign, tnp.exp(log_abs))


def _log_determinant_type(ctx, x):
    return [_determinant_type(ctx, x)] * 2


def _log_determinant(ctx, x):
    return list(_sign_and_log_abs_determinant(x))


def _lu_type(ctx, x):
    x = _matrices(ctx, x, "input")
    index = attr_dtype(ctx, "output_idx_type")
    return [x, unknown(index) if x.shape is None else TensorType(index, x.shape[:-1])]


def _lu_op(ctx, x):
    lu, permutation = _lu(x)
    return [lu, tnp.astype(permutation, ctx.result_types[1].dtype)]


tf_op("MatrixInverse", _square_type, _inverse)
tf_op("MatrixSolve", _matrix_solve_type, _matrix_solve)
tf_op("MatrixDeterminant", _determinant_type, _determinant)
tf_op("LogMatrixDeterminant", _log_determinant_type, _log_determinant, outputs=(("sign", 1), ("log_abs_determinant", 1)))
tf_op("Lu", _lu_type, _lu_op, outputs=(("lu", 1), ("p", 1)))


# ---- MatrixSolveLs -------------------------------------------------------------------------------
def _solve_ls_type(ctx, matrix, rhs, l2_regularizer):
    if not ctx.attrs.get("fast", True):
        raise ShapeError("fast=False (a complete orthogonal decomposition, exact for rank-deficient matrices) is not "
                         "supported; tfc solves the regularized normal equations (fast=True)")
    matrix, rhs = _matrices(ctx, matrix, "matrix", square=False), _matrices(ctx, rhs, "rhs", square=False)
    if l2_regularizer.shape not in (None, ()):
        raise ShapeError(f"l2_regularizer must be a scalar, got {l2_regularizer}")
    if matrix.shape is None or rhs.shape is None:
        return unknown(rhs.dtype)
    if matrix.shape[:-2] != rhs.shape[:-2] or None not in (matrix.shape[-2], rhs.shape[-2]) and matrix.shape[-2] != rhs.shape[-2]:
        raise ShapeError(f"matrix and rhs must have the same batch dimensions and rows, got {matrix} and {rhs}")
    return TensorType(rhs.dtype, rhs.shape[:-2] + (matrix.shape[-1], rhs.shape[-1]))


def _cholesky_solve(gram, b):
    factor = tnp.emit("tfc.cholesky", [gram])
    return _solve(factor, _solve(factor, b, lower=True), lower=True, transpose=True)


def _solve_ls(ctx, matrix, rhs, l2_regularizer):
    """The regularized normal equations through Cholesky: (A^T A + l2 I)^-1 A^T B when A is tall,
    A^T (A A^T + l2 I)^-1 B when it is wide — TensorFlow's fast path."""
    m, n = _static(ctx.operand_types[0], "MatrixSolveLs")[-2:]
    l2 = tnp.astype(l2_regularizer, matrix.dtype)
    size = n if m >= n else m
    rows, cols = _rows_cols(tuple(matrix.shape[:-2]) + (size, size))
    ridge = tnp.multiply(tnp.astype(tnp.equal(rows, cols), matrix.dtype), l2)
    if m >= n:
        return _cholesky_solve(tnp.add(tnp.matmul(_mT(matrix), matrix), ridge), tnp.matmul(_mT(matrix), rhs))
    return tnp.matmul(_mT(matrix), _cholesky_solve(tnp.add(tnp.matmul(matrix, _mT(matrix)), ridge), rhs))


tf_op("MatrixSolveLs", _solve_ls_type, _solve_ls)


# ---- Qr, SelfAdjointEigV2, Svd -------------------------------------------------------------------
def _qr_type(ctx, x):
    x = _matrices(ctx, x, "input", square=False)
    if x.shape is None:
        return [unknown(x.dtype)] * 2
    *batch, m, n = x.shape
    k = m if ctx.attrs.get("full_matrices", False) else (None if None in (m, n) else min(m, n))
    return [TensorType(x.dtype, (*batch, m, k)), TensorType(x.dtype, (*batch, k, n))]


def _qr(ctx, x):
    return tnp.emit_results("tfc.qr", [x], {"full_matrices": bool(ctx.attrs.get("full_matrices", False))})


def _eig_type(ctx, x):
    x = _matrices(ctx, x, "input")
    if x.shape is None:
        return [unknown(x.dtype)] * 2
    return [TensorType(x.dtype, x.shape[:-1]), x if ctx.attrs.get("compute_v", True) else TensorType(x.dtype, ())]


def _eig(ctx, x):
    """Without compute_v TensorFlow's v is an uninitialized scalar: tfc's is 0."""
    e, v = tnp.emit_results("tfc.eigh", [x])
    return [e, v if ctx.attrs.get("compute_v", True) else _zero(x.dtype)]


def _svd_type(ctx, x):
    x = _matrices(ctx, x, "input", square=False)
    if x.shape is None:
        return [unknown(x.dtype)] * 3
    *batch, m, n = x.shape
    k = None if None in (m, n) else min(m, n)
    if not ctx.attrs.get("compute_uv", True):
        return [TensorType(x.dtype, (*batch, k)), TensorType(x.dtype, ()), TensorType(x.dtype, ())]
    full = ctx.attrs.get("full_matrices", False)
    return [TensorType(x.dtype, (*batch, k)), TensorType(x.dtype, (*batch, m, m if full else k)),
            TensorType(x.dtype, (*batch, n, n if full else k))]


def _svd(ctx, x):
    """Without compute_uv TensorFlow's u and v are uninitialized scalars: tfc's are 0."""
    s, u, v = tnp.emit_results("tfc.svd", [x], {"full_matrices": bool(ctx.attrs.get("full_matrices", False))})
    if ctx.attrs.get("compute_uv", True):
        return [s, u, v]
    return [s, _zero(x.dtype), _zero(x.dtype)]


tf_op("Qr", _qr_type, _qr, outputs=(("q", 1), ("r", 1)))
tf_op("SelfAdjointEigV2", _eig_type, _eig, outputs=(("e", 1), ("v", 1)))
tf_op("Svd", _svd_type, _svd, outputs=(("s", 1), ("u", 1), ("v", 1)))


# ---- BandedTriangularSolve, TridiagonalSolve, TridiagonalMatMul: through the dense matrix -------------
def _banded_matrix(diagonals: list):
    """Dense [..., M, M] matrices from (offset, values [..., M]) pairs: A[..., i, i + offset] = values[..., i]
    (each diagonal indexed by its row, as TensorFlow's compact and LEFT_RIGHT-aligned band formats are)."""
    values = diagonals[0][1]
    shape = tuple(values.shape) + (values.shape[-1],)
    rows, cols = _rows_cols(shape)
    dense = tnp.zeros_like(tnp.broadcast_to(tnp.expand_dims(values, -1), shape))
    for offset, values in diagonals:
        on_diagonal = tnp.equal(cols, tnp.add(rows, offset))
        dense = tnp.where(on_diagonal, tnp.broadcast_to(tnp.expand_dims(values, -1), shape), dense)
    return dense


def _banded_type(ctx, matrix, rhs):
    """bands [..., K, M] and rhs [..., M, N], batch dimensions broadcast: [..., M, N]."""
    matrix, rhs = _matrices(ctx, matrix, "matrix", square=False), _matrices(ctx, rhs, "rhs", square=False)
    if matrix.dtype != rhs.dtype:
        raise ShapeError(f"matrix and rhs must have one dtype, got {matrix.dtype.value} and {rhs.dtype.value}")
    if matrix.shape is None or rhs.shape is None:
        return unknown(rhs.dtype)
    if None not in (matrix.shape[-1], rhs.shape[-2]) and matrix.shape[-1] != rhs.shape[-2]:
        raise ShapeError(f"rhs must have as many rows as the bands have columns, got {matrix} and {rhs}")
    if None not in matrix.shape[-2:] and matrix.shape[-2] > matrix.shape[-1]:
        raise ShapeError(f"the number of bands {matrix.shape[-2]} cannot exceed the size of the matrix {matrix.shape[-1]}")
    batch = broadcast(ctx, TensorType(rhs.dtype, matrix.shape[:-2]), TensorType(rhs.dtype, rhs.shape[:-2])).shape
    return TensorType(rhs.dtype, batch + rhs.shape[-2:])


def _banded_triangular_solve(ctx, bands, rhs):
    """Lower: band r is diagonal -r; upper: band r is diagonal K-1-r (TensorFlow's LEFT_RIGHT layout)."""
    lower, count = bool(ctx.attrs.get("lower", True)), bands.shape[-2]
    diagonals = [(-r if lower else count - 1 - r, bands[..., r, :]) for r in range(count)]
    batch = ctx.result_type.shape[:-2]
    dense = tnp.broadcast_to(_banded_matrix(diagonals), batch + (rhs.shape[-2],) * 2)
    rhs = tnp.broadcast_to(rhs, ctx.result_type.shape)
    return _solve(dense, rhs, lower=lower, transpose=bool(ctx.attrs.get("adjoint", False)))


def _tridiagonal_solve_type(ctx, diagonals, rhs):
    if ctx.attrs.get("perturb_singular", False):
        raise ShapeError("perturb_singular=True is not supported (tfc solves exactly, by LU with partial pivoting)")
    diagonals, rhs = _matrices(ctx, diagonals, "diagonals", square=False), _matrices(ctx, rhs, "rhs", square=False)
    if diagonals.shape is not None and rhs.shape is not None:
        if diagonals.shape[-2] != 3:
            raise ShapeError(f"diagonals must have shape [..., 3, M] (the compact format), got {diagonals}")
        if diagonals.shape[:-2] + diagonals.shape[-1:] != rhs.shape[:-1]:
            raise ShapeError(f"diagonals [..., 3, M] and rhs [..., M, K] do not fit: {diagonals} and {rhs}")
    return rhs


def _tridiagonal_solve(ctx, diagonals, rhs):
    """Through the dense matrix and LU with partial pivoting (exact for any non-singular system, with or
    without TensorFlow's partial_pivoting)."""
    dense = _banded_matrix([(1, diagonals[..., 0, :]), (0, diagonals[..., 1, :]), (-1, diagonals[..., 2, :])])
    return _lu_solve(*_lu(dense), rhs)


def _tridiagonal_matmul_type(ctx, superdiag, maindiag, subdiag, rhs):
    rhs = _matrices(ctx, rhs, "rhs", square=False)
    for name, t in (("superdiag", superdiag), ("maindiag", maindiag), ("subdiag", subdiag)):
        if t.dtype != rhs.dtype:
            raise ShapeError(f"{name} must have the rhs's dtype {rhs.dtype.value}, got {t.dtype.value}")
        if t.shape is not None and rhs.shape is not None and t.shape != rhs.shape[:-2] + (1, rhs.shape[-2]):
            raise ShapeError(f"{name} must have shape [..., 1, M] for rhs {rhs}, got {t}")
    return rhs


def _tridiagonal_matmul(ctx, superdiag, maindiag, subdiag, rhs):
    dense = _banded_matrix([(1, superdiag[..., 0, :]), (0, maindiag[..., 0, :]), (-1, subdiag[..., 0, :])])
    return tnp.matmul(dense, rhs)


tf_op("BandedTriangularSolve", _banded_type, _banded_triangular_solve)
tf_op("TridiagonalSolve", _tridiagonal_solve_type, _tridiagonal_solve)
tf_op("TridiagonalMatMul", _tridiagonal_matmul_type, _tridiagonal_matmul)
