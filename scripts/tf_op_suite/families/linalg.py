"""Linear algebra: batched matrix products and Einsum, Cholesky, triangular (also banded and tridiagonal)
and general solves, inverse, determinants, LU, least squares, QR, symmetric eigendecomposition, SVD.
Batched, f32 and f64.

Eigenvectors and singular vectors are unique only up to sign, and TensorFlow's (Eigen's) choice is not
tfc's (the entry of largest magnitude positive): their cases fetch the values only, or check shapes;
tests/tf/test_linalg.py checks the vectors by the identities they satisfy.
"""

import numpy as np
from spec import case, const, f32, f64, family, ints

family("linalg")

_rng = np.random.default_rng(9)


def spd(*shape, dtype=np.float32, upper_noise=False):
    """Symmetric positive definite matrices (well conditioned); garbage above the diagonal if asked,
    which Cholesky must ignore."""
    a = _rng.uniform(-1, 1, shape)
    m = a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
    if upper_noise:
        m = np.tril(m) + np.triu(_rng.uniform(-5, 5, shape), 1)
    return m.astype(dtype)


def well_conditioned(*shape, dtype=np.float32):
    """Random matrices plus a dominant diagonal: invertible, and triangles too."""
    return (_rng.uniform(-1, 1, shape) + 3 * np.eye(shape[-1])).astype(dtype)


LOOSE32 = dict(rtol=1e-4, atol=1e-5)
LOOSE64 = dict(rtol=1e-10, atol=1e-12)

# ---- Cholesky ------------------------------------------------------------------------------------
case("Cholesky", "f32", **LOOSE32, input=spd(3, 3))
case("Cholesky", "f64_batch", **LOOSE64, input=spd(2, 4, 4, dtype=np.float64))
case("Cholesky", "reads_lower_triangle", **LOOSE32, input=spd(2, 1, 3, 3, upper_noise=True))
case("Cholesky", "empty_batch", input=spd(0, 3, 3))
case("Cholesky", "empty_matrices", input=np.zeros((2, 0, 0), np.float32))

# ---- MatrixTriangularSolve -----------------------------------------------------------------------
for lower in (True, False):
    for adjoint in (False, True):
        name = f"{'lower' if lower else 'upper'}{'_adjoint' if adjoint else ''}"
        case("MatrixTriangularSolve", f"{name}_f32", **LOOSE32, matrix=well_conditioned(2, 3, 3), rhs=f32(2, 3, 2),
             lower=lower, adjoint=adjoint)
        case("MatrixTriangularSolve", f"{name}_f64", **LOOSE64, matrix=well_conditioned(4, 4, dtype=np.float64),
             rhs=f64(4, 3), lower=lower, adjoint=adjoint)
case("MatrixTriangularSolve", "broadcast_batch", **LOOSE32, matrix=well_conditioned(2, 1, 3, 3), rhs=f32(1, 4, 3, 2))
case("MatrixTriangularSolve", "empty_rhs", matrix=well_conditioned(3, 3), rhs=f32(3, 0))

# ---- MatrixInverse, MatrixSolve ------------------------------------------------------------------
case("MatrixInverse", "f32", **LOOSE32, input=well_conditioned(4, 4))
case("MatrixInverse", "f64_batch", **LOOSE64, input=well_conditioned(2, 3, 3, dtype=np.float64))
case("MatrixInverse", "adjoint", **LOOSE32, input=well_conditioned(2, 3, 3), adjoint=True)
case("MatrixInverse", "needs_pivoting", **LOOSE64, input=np.array([[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]]))
case("MatrixInverse", "empty", input=np.zeros((2, 0, 0), np.float32))
case("MatrixSolve", "f32", **LOOSE32, matrix=well_conditioned(3, 3), rhs=f32(3, 2))
case("MatrixSolve", "f64_batch", **LOOSE64, matrix=well_conditioned(2, 4, 4, dtype=np.float64), rhs=f64(2, 4, 3))
case("MatrixSolve", "adjoint", **LOOSE32, matrix=well_conditioned(2, 3, 3), rhs=f32(2, 3, 1), adjoint=True)

# ---- determinants, Lu ----------------------------------------------------------------------------
case("MatrixDeterminant", "f32", **LOOSE32, input=f32(3, 3))
case("MatrixDeterminant", "f64_batch", **LOOSE64, input=f64(2, 2, 4, 4))
case("MatrixDeterminant", "singular", input=np.array([[1.0, 2.0], [2.0, 4.0]], np.float32))
case("MatrixDeterminant", "empty_matrices", input=np.zeros((3, 0, 0), np.float64))
case("LogMatrixDeterminant", "f32", **LOOSE32, input=f32(2, 3, 3))
case("LogMatrixDeterminant", "f64", **LOOSE64, input=f64(5, 5))
case("LogMatrixDeterminant", "negative_and_permuted", **LOOSE64, input=np.array([[0.0, 1.0], [1.0, 0.0]]))
case("LogMatrixDeterminant", "singular", input=np.zeros((2, 2), np.float32))
case("Lu", "f32", **LOOSE32, input=f32(4, 4))
case("Lu", "f64_batch_int64", **LOOSE64, input=f64(2, 3, 3), output_idx_type=np.int64)

# ---- MatrixSolveLs -------------------------------------------------------------------------------
case("MatrixSolveLs", "tall", **LOOSE32, matrix=f32(5, 3), rhs=f32(5, 2), l2_regularizer=np.array(0.0))
case("MatrixSolveLs", "tall_regularized_f64", **LOOSE64, matrix=f64(2, 4, 2), rhs=f64(2, 4, 3), l2_regularizer=np.array(0.5))
case("MatrixSolveLs", "wide", **LOOSE32, matrix=f32(2, 4), rhs=f32(2, 1), l2_regularizer=const(np.array(0.1)))

# ---- Qr ------------------------------------------------------------------------------------------
for shape, name in (((4, 3), "tall"), ((3, 5), "wide"), ((2, 3, 3), "square_batch")):
    for full in (False, True):
        case("Qr", f"{name}{'_full' if full else ''}_f32", **LOOSE32, input=f32(*shape), full_matrices=full)
case("Qr", "f64_batch", **LOOSE64, input=f64(2, 5, 3))
case("Qr", "empty_batch", input=f32(0, 3, 2))

# ---- SelfAdjointEigV2, Svd: values only, vectors by shape ----------------------------------------
case("SelfAdjointEigV2", "values_f32", **LOOSE32, input=spd(2, 4, 4), outputs=[0])
case("SelfAdjointEigV2", "values_f64_lower_triangle", **LOOSE64, input=spd(3, 3, dtype=np.float64, upper_noise=True), outputs=[0])
case("SelfAdjointEigV2", "no_vectors", **LOOSE32, input=f32(3, 3), compute_v=False, outputs=[0])
case("SelfAdjointEigV2", "vectors_shape", check="shape", input=spd(2, 3, 3))
case("Svd", "values_tall_f32", **LOOSE32, input=f32(2, 5, 3), outputs=[0])
case("Svd", "values_wide_f64", **LOOSE64, input=f64(3, 4), outputs=[0])
case("Svd", "no_vectors", **LOOSE32, input=f32(4, 4), compute_uv=False, outputs=[0])
case("Svd", "vectors_shape", check="shape", input=f32(2, 4, 3))
case("Svd", "full_vectors_shape", check="shape", input=f64(3, 5), full_matrices=True)

# ---- banded and tridiagonal ----------------------------------------------------------------------
def bands(count, m, dtype=np.float32, batch=()):
    """``count`` bands of an M x M triangular matrix, the main diagonal made dominant wherever it is."""
    b = _rng.uniform(-1, 1, batch + (count, m))
    return b.astype(dtype)


for lower in (True, False):
    main_row = 0 if lower else 2
    b = bands(3, 4)
    b[..., main_row, :] += 4
    case("BandedTriangularSolve", f"{'lower' if lower else 'upper'}_f32", **LOOSE32, matrix=b, rhs=f32(4, 2), lower=lower)
    b64 = bands(3, 4, np.float64, (2,))
    b64[..., main_row, :] += 4
    case("BandedTriangularSolve", f"{'lower' if lower else 'upper'}_adjoint_f64", **LOOSE64, matrix=b64, rhs=f64(2, 4, 3),
         lower=lower, adjoint=True)
single = bands(1, 3) + 2
case("BandedTriangularSolve", "diagonal_only_broadcast", **LOOSE32, matrix=single, rhs=f32(2, 3, 1))
full = bands(3, 3, np.float64)
full[..., 0, :] += 4
case("BandedTriangularSolve", "as_many_bands_as_rows", **LOOSE64, matrix=full, rhs=f64(3, 2))

tri = bands(3, 5)
tri[..., 1, :] += 4
case("TridiagonalSolve", "f32", **LOOSE32, diagonals=tri, rhs=f32(5, 2))
case("TridiagonalSolve", "f64_batch", **LOOSE64, diagonals=bands(3, 4, np.float64, (2,)), rhs=f64(2, 4, 3))
case("TridiagonalSolve", "no_pivoting", **LOOSE32, diagonals=tri, rhs=f32(5, 1), partial_pivoting=False)
case("TridiagonalMatMul", "f32", **LOOSE32, superdiag=f32(1, 4), maindiag=f32(1, 4), subdiag=f32(1, 4), rhs=f32(4, 3))
case("TridiagonalMatMul", "f64_batch", **LOOSE64, superdiag=f64(2, 1, 3), maindiag=f64(2, 1, 3), subdiag=f64(2, 1, 3),
     rhs=f64(2, 3, 2))

# ---- BatchMatMul, Einsum -------------------------------------------------------------------------
case("BatchMatMulV2", "broadcast", **LOOSE32, x=f32(2, 1, 3, 4), y=f32(3, 4, 2))
case("BatchMatMulV2", "batch_adjoints_f64", x=f64(2, 4, 3), y=f64(2, 5, 4), adj_x=True, adj_y=True)
case("BatchMatMulV2", "i32", x=ints(2, 3, dtype=np.int32), y=ints(3, 2, dtype=np.int32))
case("BatchMatMulV2", "empty_contraction", x=f32(2, 3, 0), y=f32(2, 0, 4))
case("BatchMatMulV3", "f32", **LOOSE32, x=f32(3, 2, 4), y=f32(1, 4, 5), Tout=np.float32)
case("BatchMatMulV3", "int8_to_int32", x=ints(2, 3, 4, dtype=np.int8), y=ints(4, 2, dtype=np.int8), Tout=np.int32)
case("BatchMatMul", "v1", **LOOSE32, x=f32(2, 3, 4), y=f32(2, 4, 2), adj_y=False)
case("Einsum", "matmul", **LOOSE32, inputs=[f32(2, 3), f32(3, 4)], equation="ij,jk->ik")
case("Einsum", "batch_ellipsis", **LOOSE32, inputs=[f32(2, 5, 3), f32(2, 3, 4)], equation="...ij,...jk->...ik")
case("Einsum", "outer_f64", inputs=[f64(3), f64(4)], equation="i,j->ij")
case("Einsum", "reduce_and_transpose", **LOOSE32, inputs=[f32(2, 3, 4)], equation="abc->cb")
case("Einsum", "diagonal", inputs=[f32(3, 3)], equation="ii->i")
