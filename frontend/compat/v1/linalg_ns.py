"""tf.linalg: TensorFlow 1's linear algebra namespace. TensorFlow's ops where its Python calls one
(Cholesky, MatrixSolve, Svd, Einsum...), its compositions where it composes (norm, tensordot,
logdet, trace, eye, cholesky_solve, matvec); TOP_LEVEL holds the names tf.compat.v1 also has at
``tf.<name>``, including TF1's ``tf.matrix_*`` spellings (``tf.matrix_inverse`` is ``inv``)."""

from __future__ import annotations

import builtins
import collections

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from . import array_ops, math_ops
from .clip_ops import global_norm
from .graph import get_default_graph
from .layout_ops import diag as tensor_diag
from .layout_ops import diag_part as tensor_diag_part
from .math_ns import conj, l2_normalize, real
from .math_ops import matmul
from .ops import add, add_op, like, pick, to_tensor
from .tensor import Tensor

Qr = collections.namedtuple("Qr", ["q", "r"])
Lu = collections.namedtuple("Lu", ["lu", "p"])
LogMatrixDeterminant = collections.namedtuple("LogMatrixDeterminant", ["sign", "log_abs_determinant"])


def _matrix(value, fn: str, argument: str) -> Tensor:
    """``value`` as a tensor of rank 2 or more (a batch of matrices); ValueError naming the argument if not."""
    x = to_tensor(value)
    if x.shape.ndims is not None and x.shape.ndims < 2:
        raise ValueError(f"tf.linalg.{fn}: '{argument}' must have rank 2 or more (a batch of matrices), got shape {x.shape}")
    return x


def _square(value, fn: str, argument: str) -> Tensor:
    x = _matrix(value, fn, argument)
    rows, cols = (x.shape.as_list()[-2:] if x.shape.ndims is not None else (None, None))
    if rows is not None and cols is not None and rows != cols:
        raise ValueError(f"tf.linalg.{fn}: '{argument}' must be square matrices, got shape {x.shape}")
    return x


def cholesky(input, name=None):
    """The lower-triangular L with L L^H = input, per matrix."""
    return add("Cholesky", [_square(input, "cholesky", "input")], name=name or "Cholesky")


def det(input, name=None):
    return add("MatrixDeterminant", [_square(input, "det", "input")], name=name or "MatrixDeterminant")


def slogdet(input, name=None):
    """(sign, log|det|): the determinant without overflow."""
    op = add_op("LogMatrixDeterminant", [_square(input, "slogdet", "input")], name=name or "LogMatrixDeterminant")
    return LogMatrixDeterminant(*op.outputs)


def inv(input, adjoint=False, name=None):
    return add("MatrixInverse", [_square(input, "inv", "input")], {"adjoint": bool(adjoint)}, name=name or "MatrixInverse")


def solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix @ X = rhs (or matrix^H @ X = rhs)."""
    matrix = _square(matrix, "solve", "matrix")
    rhs = _matrix(like(rhs, matrix, "rhs"), "solve", "rhs")
    return add("MatrixSolve", [matrix, rhs], {"adjoint": bool(adjoint)}, name=name or "MatrixSolve")


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with matrix @ X = rhs, ``matrix`` lower (or upper) triangular."""
    matrix = _square(matrix, "triangular_solve", "matrix")
    rhs = _matrix(like(rhs, matrix, "rhs"), "triangular_solve", "rhs")
    attrs = {"lower": bool(lower), "adjoint": bool(adjoint)}
    return add("MatrixTriangularSolve", [matrix, rhs], attrs, name=name or "MatrixTriangularSolve")


def cholesky_solve(chol, rhs, name=None):
    """X with A X = rhs given A's Cholesky factor: two triangular solves, as TensorFlow composes it."""
    with _scope(name, "cholesky_solve"):
        y = triangular_solve(chol, rhs, lower=True, adjoint=False)
        return triangular_solve(chol, y, lower=True, adjoint=True)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """The least-squares solution of matrix @ X = rhs (ridge-regularized by ``l2_regularizer``)."""
    matrix = _matrix(matrix, "lstsq", "matrix")
    rhs = _matrix(like(rhs, matrix, "rhs"), "lstsq", "rhs")
    regularizer = l2_regularizer if isinstance(l2_regularizer, Tensor) else to_tensor(l2_regularizer, DType.f64, "l2_regularizer")
    return add("MatrixSolveLs", [matrix, rhs, regularizer], {"fast": bool(fast)}, name=name or "MatrixSolveLs")


def lu(input, output_idx_type=DType.i32, name=None):
    """(lu, p): the packed LU factors and the row permutation."""
    op = add_op("Lu", [_square(input, "lu", "input")], {"output_idx_type": as_dtype(output_idx_type)}, name=name or "Lu")
    return Lu(*op.outputs)


def qr(input, full_matrices=False, name=None):
    """(q, r): orthonormal columns and an upper-triangular factor."""
    op = add_op("Qr", [_matrix(input, "qr", "input")], {"full_matrices": bool(full_matrices)}, name=name or "Qr")
    return Qr(*op.outputs)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """``(s, u, v)`` with tensor = u diag(s) v^H (TensorFlow's order), or ``s`` alone."""
    x = _matrix(tensor, "svd", "tensor")
    attrs = {"compute_uv": bool(compute_uv), "full_matrices": bool(full_matrices)}
    s, u, v = add_op("Svd", [x], attrs, name=name or "Svd").outputs
    return (real(s), u, v) if compute_uv else real(s)


def eigh(tensor, name=None):
    """(e, v): eigenvalues ascending and eigenvectors of self-adjoint matrices."""
    op = add_op("SelfAdjointEigV2", [_square(tensor, "eigh", "tensor")], {"compute_v": True}, name=name or "SelfAdjointEigV2")
    return tuple(op.outputs)


def eigvalsh(tensor, name=None):
    """The eigenvalues of self-adjoint matrices, ascending."""
    op = add_op("SelfAdjointEigV2", [_square(tensor, "eigvalsh", "tensor")], {"compute_v": False}, name=name or "SelfAdjointEigV2")
    return op.outputs[0]


def logdet(matrix, name=None):
    """log(det) of Hermitian positive-definite matrices: twice the log-sum of the Cholesky diagonal."""
    with _scope(name, "logdet"):
        chol = cholesky(matrix)
        return 2.0 * math_ops.reduce_sum(math_ops.log(real(diag_part(chol))), axis=[-1])


def _scope(name, default: str):
    return get_default_graph().name_scope(name or default)


def band_part(input, num_lower, num_upper, name=None):
    """The band of each matrix ``num_lower`` below and ``num_upper`` above the diagonal (-1: all), zeros elsewhere."""
    x = _matrix(input, "band_part", "input")
    lower, upper = (v if isinstance(v, Tensor) else to_tensor(v, DType.i64, n) for v, n in ((num_lower, "num_lower"), (num_upper, "num_upper")))
    return add("MatrixBandPart", [x, lower, upper], name=name or "MatrixBandPart")


def _diag_k(k) -> Tensor:
    return k if isinstance(k, Tensor) else to_tensor(np.asarray(k, np.int32), name="k")


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """Batched matrices with ``diagonal`` on diagonal(s) ``k``, ``padding_value`` elsewhere."""
    diagonal = to_tensor(diagonal)
    rows, cols = (v if isinstance(v, Tensor) else to_tensor(v, DType.i32, n) for v, n in ((num_rows, "num_rows"), (num_cols, "num_cols")))
    inputs = [diagonal, _diag_k(k), rows, cols, like(padding_value, diagonal, "padding_value")]
    return add("MatrixDiagV3", inputs, {"align": align}, name=name)


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """The diagonal(s) ``k`` of each matrix."""
    x = _matrix(input, "diag_part", "input")
    return add("MatrixDiagPartV3", [x, _diag_k(k), like(padding_value, x, "padding_value")], {"align": align}, name=name)


def set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):
    """Each matrix with diagonal(s) ``k`` replaced by ``diagonal``."""
    x = _matrix(input, "set_diag", "input")
    return add("MatrixSetDiagV3", [x, like(diagonal, x, "diagonal"), _diag_k(k)], {"align": align}, name=name)


def trace(x, name=None):
    """The sum of each matrix's diagonal."""
    with _scope(name, "Trace"):
        return math_ops.reduce_sum(diag_part(_matrix(x, "trace", "x")), [-1])


def eye(num_rows, num_columns=None, batch_shape=None, dtype=DType.f32, name=None):
    """Identity matrices (``num_rows`` x ``num_columns``, batched by ``batch_shape``) as ones on a diagonal."""
    with _scope(name, "eye"):
        columns = num_rows if num_columns is None else num_columns
        batch = [] if batch_shape is None else list(batch_shape)
        if all(isinstance(v, int) for v in (num_rows, columns)):
            ones = array_ops.ones(batch + [builtins.min(num_rows, columns)], dtype)
        else:
            size = math_ops.minimum(to_tensor(num_rows, DType.i32), to_tensor(columns, DType.i32))
            ones = array_ops.ones(array_ops.concat([to_tensor(np.asarray(batch, np.int32)), array_ops.reshape(size, [1])], 0), dtype)
        if num_columns is None:
            return diag(ones)
        return diag(ones, num_rows=num_rows, num_cols=columns)


def transpose(a, name="matrix_transpose", conjugate=False):
    """The last two axes swapped (conjugated too with ``conjugate``)."""
    with _scope(name, "matrix_transpose"):
        a = _matrix(a, "matrix_transpose", "a")
        if a.shape.ndims is None:
            raise ValueError("tf.linalg.matrix_transpose: 'a' must have a known rank")
        rank = a.shape.ndims
        perm = list(range(rank - 2)) + [rank - 1, rank - 2]
        if conjugate and a.dtype.is_complex:  # Transpose then Conj: tfc legalizes no complex ConjugateTranspose
            return conj(array_ops.transpose(a, perm))
        return array_ops.transpose(a, perm)


matrix_transpose = transpose


def adjoint(matrix, name=None):
    """The conjugate transpose of each matrix."""
    return transpose(matrix, name=name or "adjoint", conjugate=True)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix-vector products: ``a @ b[..., None]`` with the new axis squeezed off."""
    with _scope(name, "MatVec"):
        a = _matrix(a, "matvec", "a")
        product = matmul(a, array_ops.expand_dims(like(b, a, "b"), -1), transpose_a=transpose_a, adjoint_a=adjoint_a)
        return array_ops.squeeze(product, axis=-1)


def cross(a, b, name=None):
    """Pairwise cross products of 3-vectors along the last axis."""
    a = to_tensor(a)
    return add("Cross", [a, like(b, a, "b")], name=name or "Cross")



# ---- compositions over svd and lu ----------------------------------------------------------------------
def _matrix_dims(a: Tensor) -> list:
    """The last two dims of ``a``: ints where known, scalar tensors where not."""
    dims = a.shape.as_list()[-2:] if a.shape.ndims is not None else [None, None]
    return [d if d is not None else array_ops.shape(a)[i] for d, i in zip(dims, (-2, -1))]


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values above ``tol`` (default: eps * max dim * the largest one)."""
    with _scope(name, "matrix_rank"):
        a = _matrix(a, "matrix_rank", "a")
        s = svd(a, compute_uv=False)
        if tol is None:
            rows, cols = _matrix_dims(a)
            largest = builtins.max(rows, cols) if isinstance(rows, int) and isinstance(cols, int) else math_ops.maximum(rows, cols)
            eps = float(np.finfo(a.dtype.numpy).eps)
            tol = eps * math_ops.cast(largest, a.dtype) * math_ops.reduce_max(s, axis=-1, keepdims=True)
        return math_ops.reduce_sum(math_ops.cast(s > like(tol, s), DType.i32), axis=-1)


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse from the SVD, singular values below ``rcond`` * the largest dropped."""
    with _scope(name, "pinv"):
        a = _matrix(a, "pinv", "a")
        if rcond is None:
            rows, cols = _matrix_dims(a)
            if isinstance(rows, int) and isinstance(cols, int):
                largest = float(builtins.max(rows, cols))
            else:
                largest = math_ops.cast(math_ops.maximum(rows, cols), a.dtype)
            rcond = 10.0 * largest * float(np.finfo(a.dtype.numpy).eps)
        rcond = like(rcond, a, "rcond")
        s, u, v = svd(a, full_matrices=False, compute_uv=True)
        cutoff = rcond * math_ops.reduce_max(s, axis=-1)
        s = array_ops.where(s > array_ops.expand_dims(cutoff, -1), s, like(np.inf, s))
        return matmul(v / array_ops.expand_dims(s, -2), u, adjoint_b=True)


def normalize(tensor, ord="euclidean", axis=None, name=None):
    """(tensor / its norm, the norm), the norm kept with size-1 dims."""
    with _scope(name, "normalize"):
        tensor = to_tensor(tensor)
        size = math_ops.cast(norm(tensor, ord=ord, axis=axis, keepdims=True), tensor.dtype)
        return tensor / size, size


def _unit_lower(lower_upper: Tensor) -> Tensor:
    """L of a packed LU factor: its strictly lower part with ones on the diagonal."""
    ones = array_ops.ones(lower_upper.shape.as_list()[:-1] if lower_upper.shape.is_fully_defined() else array_ops.shape(lower_upper)[:-1],
                          lower_upper.dtype)
    return set_diag(band_part(lower_upper, -1, 0), ones)


def _permutation_matrix(perm: Tensor, d, dtype) -> Tensor:
    """P with (P @ x)[i] = x[perm[i]]: a one-hot of ``perm`` (exact: 0/1 entries)."""
    return array_ops.one_hot(perm, d, dtype=dtype)


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix ``lu`` factored: P^T L U."""
    with _scope(name, "lu_reconstruct"):
        lower_upper = _square(lower_upper, "lu_reconstruct", "lower_upper")
        perm = to_tensor(perm)
        product = matmul(_unit_lower(lower_upper), band_part(lower_upper, 0, -1))
        return matmul(_permutation_matrix(perm, _matrix_dims(lower_upper)[-1], lower_upper.dtype), product, transpose_a=True)


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """X with A X = rhs from A's ``lu`` factors: permute rhs, then two triangular solves."""
    with _scope(name, "lu_solve"):
        lower_upper = _square(lower_upper, "lu_solve", "lower_upper")
        perm, rhs = to_tensor(perm), _matrix(like(rhs, lower_upper, "rhs"), "lu_solve", "rhs")
        permuted = matmul(_permutation_matrix(perm, _matrix_dims(lower_upper)[-1], lower_upper.dtype), rhs)
        return triangular_solve(lower_upper, triangular_solve(_unit_lower(lower_upper), permuted), lower=False)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """A's inverse from its ``lu`` factors."""
    with _scope(name, "lu_matrix_inverse"):
        lower_upper = _square(lower_upper, "lu_matrix_inverse", "lower_upper")
        if not lower_upper.shape.is_fully_defined():
            raise ValueError("tf.linalg.lu_matrix_inverse: 'lower_upper' must have a fully known shape in tfc")
        dims = lower_upper.shape.as_list()
        return lu_solve(lower_upper, perm, eye(dims[-1], batch_shape=dims[:-2], dtype=lower_upper.dtype))


# ---- norm ---------------------------------------------------------------------------------------------
_MATRIX_ORDS = ("euclidean", "fro", 1, 2, np.inf)


def _norm_axis(ord, axis):
    """(axis as TensorFlow passes it on, is_matrix), or ValueError naming the bad argument."""
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        axis = tuple(axis)
        if not all(isinstance(a, int) for a in axis) or axis[0] == axis[1]:
            raise ValueError(f"tf.norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        if ord not in _MATRIX_ORDS:
            raise ValueError(f"tf.norm: 'ord' must be a supported matrix norm in {list(_MATRIX_ORDS)}, got {ord}")
        return axis, True
    if not (axis is None or isinstance(axis, int)):
        raise ValueError(f"tf.norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
    if ord not in ("euclidean", 1, 2, np.inf) and (isinstance(ord, str) or not np.isreal(ord) or ord <= 0):
        raise ValueError(f"tf.norm: 'ord' must be a supported vector norm, got {ord}")
    return (None if axis is None else (axis,)), False


def _matrix_2_norm(x: Tensor, axis: tuple) -> Tensor:
    """The largest singular value over the two ``axis`` dims, kept as size-1 dims (TensorFlow's way)."""
    rank = x.shape.ndims
    if rank is None:
        raise ValueError("tf.norm: ord=2 over a matrix needs a tensor of known rank")
    pair = [a % rank for a in axis]
    perm = [i for i in range(rank) if i not in pair] + pair
    singular = svd(array_ops.transpose(x, perm), compute_uv=False)
    largest = array_ops.expand_dims(math_ops.reduce_max(math_ops.abs_(singular), axis=-1, keepdims=True), -1)
    return array_ops.transpose(largest, [perm.index(i) for i in range(rank)])


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None):
    """Vector norms (``ord`` euclidean/1/2/inf/any p > 0) over ``axis`` or all entries, and matrix norms
    ('fro'/'euclidean', 1, 2, inf) over a pair of axes, composed as TensorFlow composes them."""
    keepdims = bool(pick(keepdims, keep_dims, "keepdims", "keep_dims"))
    axis, is_matrix = _norm_axis(ord, axis)
    with _scope(name, "norm"):
        x = to_tensor(tensor)
        if ord in ("fro", "euclidean", 2, 2.0):
            if is_matrix and ord == 2:
                result = _matrix_2_norm(x, axis)
            else:
                result = math_ops.sqrt(math_ops.reduce_sum(x * conj(x), axis, keepdims=True))
        else:
            result = math_ops.abs_(x)
            if ord == 1:
                result = math_ops.reduce_sum(result, None if axis is None else axis[0], keepdims=True)
                if is_matrix:
                    result = math_ops.reduce_max(result, axis[-1], keepdims=True)
            elif ord == np.inf:
                if is_matrix:
                    result = math_ops.reduce_sum(result, axis[1], keepdims=True)
                result = math_ops.reduce_max(result, None if axis is None else axis[0], keepdims=True)
            else:
                result = math_ops.pow_(math_ops.reduce_sum(math_ops.pow_(result, ord), axis, keepdims=True), 1.0 / ord)
        return result if keepdims else array_ops.squeeze(result, None if axis is None else list(axis))


# ---- einsum and tensordot ----------------------------------------------------------------------------
def _implicit_output(inputs: list[str]) -> str:
    """numpy's output for an equation without '->': the labels used once, sorted, after any '...'."""
    labels = "".join(term.replace("...", "") for term in inputs)
    once = "".join(sorted(c for c in set(labels) if labels.count(c) == 1))
    return ("..." if any("..." in term for term in inputs) else "") + once


def einsum(equation, *inputs, **kwargs):
    """Einstein summation: one Einsum op for one or two inputs, a left-to-right chain of them for more."""
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"tf.einsum: invalid keyword arguments {sorted(kwargs)}")
    equation = equation.replace(" ", "")
    terms, arrow, output = equation.partition("->")
    terms = terms.split(",")
    if len(terms) != len(inputs):
        raise ValueError(f"tf.einsum: the equation {equation!r} names {len(terms)} inputs but {len(inputs)} were given")
    output = output if arrow else _implicit_output(terms)
    tensors = [to_tensor(t) for t in inputs]
    while len(tensors) > 2:
        rest = "".join(terms[2:]) + output
        kept = "".join(dict.fromkeys(c for c in terms[0] + terms[1] if c != "." and c in rest))
        middle = ("..." if "..." in terms[0] + terms[1] else "") + kept
        tensors[:2] = [add("Einsum", [tensors[:2]], {"equation": f"{terms[0]},{terms[1]}->{middle}"}, name="Einsum")]
        terms[:2] = [middle]
    return add("Einsum", [tensors], {"equation": f"{','.join(terms)}->{output}"}, name=name or "Einsum")


def _tensordot_axes(a: Tensor, b: Tensor, axes):
    """(a's contracted axes, b's) as non-negative ints, from an int N or a pair of lists."""
    ranks = (a.shape.ndims, b.shape.ndims)
    if None in ranks:
        raise ValueError("tf.tensordot: 'a' and 'b' must have known ranks")
    if isinstance(axes, int):
        if axes < 0 or axes > min(ranks):
            raise ValueError(f"tf.tensordot: 'axes' must be at least 0 and at most the rank of 'a' and 'b', got {axes}")
        return list(range(ranks[0] - axes, ranks[0])), list(range(axes))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"tf.tensordot: 'axes' must be an int or a pair of axis lists, got {axes!r}")
    a_axes, b_axes = ([x] if isinstance(x, int) else list(x) for x in axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tf.tensordot: 'axes' lists differ in length: {a_axes} and {b_axes}")
    return [i % ranks[0] for i in a_axes], [i % ranks[1] for i in b_axes]


def _known_product(dims: list):
    return int(np.prod(dims, dtype=np.int64)) if None not in dims else None


def _as_matrix(x: Tensor, contracted: list[int], contracted_first: bool) -> Tensor:
    """``x`` transposed and reshaped to (free, contracted) or (contracted, free) (static sizes where known)."""
    rank, dims = x.shape.ndims, x.shape.as_list()
    free = [i for i in range(rank) if i not in contracted]
    perm = contracted + free if contracted_first else free + contracted
    if perm != list(range(rank)):
        x = array_ops.transpose(x, perm)
    sizes = [_known_product([dims[i] for i in part]) for part in ((contracted, free) if contracted_first else (free, contracted))]
    if None not in sizes:
        return array_ops.reshape(x, sizes)
    if sizes != [None, None]:
        return array_ops.reshape(x, [-1 if s is None else s for s in sizes])
    shape = array_ops.shape(x)
    split = len(contracted) if contracted_first else len(free)
    leading, trailing = array_ops.gather(shape, list(range(split))), array_ops.gather(shape, list(range(split, rank)))
    return array_ops.reshape(x, array_ops.stack([math_ops.reduce_prod(leading), math_ops.reduce_prod(trailing)]))


def _free_shape(x: Tensor, contracted: list[int]):
    """``x``'s dims outside ``contracted``: a static list and a shape tensor (built only when needed)."""
    free = [i for i in range(x.shape.ndims) if i not in contracted]
    return [x.shape.as_list()[i] for i in free], lambda: array_ops.gather(array_ops.shape(x), free)


def tensordot(a, b, axes, name=None):
    """Sums of products over ``axes`` of ``a`` and ``b``: a transpose-reshape-matmul, as TensorFlow composes it."""
    with _scope(name, "Tensordot"):
        a = to_tensor(a, name="a")
        b = like(b, a, "b")
        a_axes, b_axes = _tensordot_axes(a, b, axes)
        product = matmul(_as_matrix(a, a_axes, contracted_first=False), _as_matrix(b, b_axes, contracted_first=True))
        (a_static, a_dynamic), (b_static, b_dynamic) = _free_shape(a, a_axes), _free_shape(b, b_axes)
        static = a_static + b_static
        if product.shape.as_list() == static:
            return product
        if static.count(None) <= 1:
            return array_ops.reshape(product, [-1 if d is None else d for d in static])
        return array_ops.reshape(product, array_ops.concat([a_dynamic(), b_dynamic()], 0))


# TF1's top-level spellings of these functions (tf.matrix_inverse is tf.linalg.inv...)
matrix_band_part, matrix_determinant, matrix_diag, matrix_diag_part = band_part, det, diag, diag_part
matrix_inverse, matrix_set_diag, matrix_solve, matrix_solve_ls = inv, set_diag, solve, lstsq
matrix_triangular_solve, self_adjoint_eig, self_adjoint_eigvals = triangular_solve, eigh, eigvalsh

__all__ = [
    "adjoint", "band_part", "cholesky", "cholesky_solve", "cross", "det", "diag", "diag_part", "eigh", "eigvalsh", "einsum",
    "eye", "global_norm", "inv", "l2_normalize", "logdet", "lstsq", "lu", "lu_matrix_inverse", "lu_reconstruct", "lu_solve", "matmul",
    "matrix_rank", "matrix_transpose", "matvec", "norm", "normalize", "pinv", "qr", "set_diag", "slogdet", "solve", "svd", "tensor_diag",
    "tensor_diag_part", "tensordot", "trace", "transpose",
    "triangular_solve",
]
TOP_LEVEL: tuple[str, ...] = (
    "cholesky", "cholesky_solve", "cross", "einsum", "eye", "global_norm", "matrix_band_part", "matrix_determinant", "matrix_diag",
    "matrix_diag_part", "matrix_inverse", "matrix_set_diag", "matrix_solve", "matrix_solve_ls", "matrix_transpose",
    "matrix_triangular_solve", "norm", "qr", "self_adjoint_eig", "self_adjoint_eigvals", "svd", "tensordot", "trace",
)  # the names tf.compat.v1 also has at tf.<name> (tf.diag/tf.diag_part are layout_ops' tensor diagonals)
