"""TensorFlow's matrix-structure ops: bands and diagonals of the innermost two dimensions
(MatrixBandPart, MatrixDiag*, MatrixDiagPart*, MatrixSetDiag*), Diag/DiagPart, ConjugateTranspose
and Cross.

The diagonal ops of versions 2 and 3 read or write a band of diagonals ``k = (lower, upper)`` packed
as ``[..., upper - lower + 1, max_diag_len]`` (the band's longest diagonal; one diagonal drops that
dimension), the superdiagonal ``upper`` first. Shorter diagonals are padded: ``align`` says on which
side (its first word for superdiagonals, ``k >= 0``, its second for subdiagonals); version 2 always
aligns left (``LEFT_LEFT``) and version 1 has only the main diagonal. Every position of a matrix or of
a packed diagonal tensor is known at compile time, so each op is one gather through a constant table
of positions and one select.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import const, ints, scalar_int, shape_text, static

ALIGNMENTS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


# ---- the band of diagonals and its packed layout -------------------------------------------------
@dataclass(frozen=True)
class Band:
    """Diagonals ``lower..upper`` of a ``rows x cols`` matrix, packed as TensorFlow packs them."""

    lower: int
    upper: int
    rows: int
    cols: int
    align: str = "LEFT_LEFT"

    @property
    def count(self) -> int:
        return self.upper - self.lower + 1

    @property
    def max_length(self) -> int:
        return max(min(self.rows + min(0, self.upper), self.cols - max(0, self.lower)), 0)

    @property
    def packed_shape(self) -> tuple:
        """The diagonals' trailing dimensions: ``(count, max_length)``, or ``(max_length,)`` for one."""
        return (self.count, self.max_length) if self.count > 1 else (self.max_length,)

    def _offsets(self, k: np.ndarray) -> np.ndarray:
        """Where diagonal ``k`` starts in its packed row: right-aligned ones are padded in front."""
        lengths = np.minimum(self.rows + np.minimum(0, k), self.cols - np.maximum(0, k))
        superdiagonal, subdiagonal = (word == "RIGHT" for word in self.align.split("_"))
        right = np.where(k >= 0, superdiagonal, subdiagonal)
        return np.where(right, self.max_length - lengths, 0)

    def matrix_table(self) -> tuple[np.ndarray, np.ndarray]:
        """For each matrix position ``(rows, cols)``: whether it lies in the band, and the flat index
        of its element in the packed diagonals (0 outside the band)."""
        m, n = np.meshgrid(np.arange(self.rows), np.arange(self.cols), indexing="ij")
        k = n - m
        inside = (k >= self.lower) & (k <= self.upper)
        flat = (self.upper - k) * self.max_length + np.minimum(m, n) + self._offsets(k)
        return inside, np.where(inside, flat, 0).astype(np.int32)

    def packed_table(self) -> tuple[np.ndarray, np.ndarray]:
        """For each packed position ``packed_shape``: whether it holds a matrix element (else it is
        padding), and the flat index of that element in the ``rows x cols`` matrix."""
        d, i = np.meshgrid(np.arange(self.count), np.arange(self.max_length), indexing="ij")
        k = self.upper - d
        j = i - self._offsets(k)
        lengths = np.minimum(self.rows + np.minimum(0, k), self.cols - np.maximum(0, k))
        valid = (j >= 0) & (j < lengths)
        flat = (j - np.minimum(k, 0)) * self.cols + j + np.maximum(k, 0)
        flat = np.where(valid, flat, 0).astype(np.int32)
        return valid.reshape(self.packed_shape), flat.reshape(self.packed_shape)


def band_limits(k_value) -> tuple[int, int]:
    """``k`` (a scalar or a pair) as (lower, upper)."""
    ks = ints(k_value)
    if not 1 <= len(ks) <= 2:
        raise ShapeError(f"k must be a scalar or a pair (lower, upper), got {ks}")
    lower, upper = ks[0], ks[-1]
    if lower > upper:
        raise ShapeError(f"k = {ks}: the lower diagonal {lower} must not be above the upper one {upper}")
    return lower, upper


def alignment(ctx, version: int) -> str:
    """The op's packing: ``align`` for version 3 (default RIGHT_LEFT), LEFT_LEFT before that."""
    if version < 3:
        return "LEFT_LEFT"
    align = ctx.attrs.get("align", "RIGHT_LEFT")
    if align not in ALIGNMENTS:
        raise ShapeError(f"align must be one of {', '.join(ALIGNMENTS)}, got {align!r}")
    return align


def _require_matrices(shape, what: str) -> None:
    if len(shape) < 2:
        raise ShapeError(f"{what} must have rank at least 2 (a batch of matrices), got shape {shape_text(shape)}")


def _require_scalar(t, what: str) -> None:
    if t.shape is not None and len(t.shape) != 0:
        raise ShapeError(f"{what} must be a scalar, got shape {shape_text(t.shape)}")


def _gather_last(x, table: np.ndarray, lead: int):
    """``x[..., table]`` over the trailing dimensions of ``x`` after the first ``lead`` ones, flattened."""
    flat = tnp.reshape(x, x.shape[:lead] + (int(np.prod(x.shape[lead:])),))
    return tnp.take(flat, table, axis=lead)


def _select(mask: np.ndarray, shape: tuple, chosen, other):
    """``where(mask, chosen, other)`` with ``mask`` (a table of the trailing dims) broadcast to ``shape``."""
    return tnp.where(const(np.broadcast_to(mask, shape), DType.bool), chosen, other)


# ---- MatrixBandPart -------------------------------------------------------------------------------
def _band_part_type(ctx, x, lower, upper):
    if x.shape is not None:
        _require_matrices(x.shape, "input")
    _require_scalar(lower, "num_lower")
    _require_scalar(upper, "num_upper")
    return x


def _band_part(ctx, x, lower, upper):
    """Keep x[..., m, n] where (lower < 0 or m - n <= lower) and (upper < 0 or n - m <= upper); the
    bounds may be computed at run time."""
    rows, cols = x.shape[-2:]
    shift = const(np.subtract.outer(np.arange(rows), np.arange(cols)), lower.dtype)
    lower_ok = tnp.logical_or(tnp.less(lower, 0), tnp.less_equal(shift, lower))
    upper_ok = tnp.logical_or(tnp.less(upper, 0), tnp.less_equal(tnp.negative(shift), upper))
    keep = tnp.broadcast_to(tnp.logical_and(lower_ok, upper_ok), x.shape)
    return tnp.where(keep, x, tnp.zeros_like(x))


tf_op("MatrixBandPart", _band_part_type, _band_part, outputs=(("band", 1),))


# ---- MatrixDiag, MatrixDiagV2, MatrixDiagV3 -------------------------------------------------------
def diag_band(diagonal: tuple, k_value, rows_value, cols_value, align: str) -> tuple[Band, tuple]:
    """The band a MatrixDiag builds from ``diagonal``'s shape (TensorFlow's rules for -1 sizes), and
    the batch shape."""
    lower, upper = band_limits(k_value)
    count = upper - lower + 1
    if len(diagonal) < 1 + (count > 1):
        raise ShapeError(f"diagonal must have rank at least {1 + (count > 1)} for k = ({lower}, {upper})")
    if count > 1 and diagonal[-2] != count:
        raise ShapeError(f"diagonal {shape_text(diagonal)} must have {count} diagonals (dimension -2) for k = ({lower}, {upper})")
    rows, cols, length = scalar_int(rows_value, "num_rows"), scalar_int(cols_value, "num_cols"), diagonal[-1]
    min_rows, min_cols = length - min(upper, 0), length + max(lower, 0)
    if (rows != -1 and rows < min_rows) or (cols != -1 and cols < min_cols):
        raise ShapeError(f"num_rows {rows} / num_cols {cols} are too small for diagonals of length {length} in k = ({lower}, {upper})")
    if rows == -1 and cols == -1:
        rows = cols = max(min_rows, min_cols)
    rows, cols = min_rows if rows == -1 else rows, min_cols if cols == -1 else cols
    if rows != min_rows and cols != min_cols:
        raise ShapeError(f"a {rows}x{cols} matrix does not have diagonals of length {length} in k = ({lower}, {upper})")
    batch = diagonal[: len(diagonal) - 1 - (count > 1)]
    return Band(lower, upper, rows, cols, align), batch


def _matrix_diag_rules(version: int):
    """(infer, decompose) of MatrixDiagV2 or V3 (which differ only in ``align``)."""

    def infer(ctx, diagonal, k, rows, cols, padding):
        _require_scalar(padding, "padding_value")
        values = [ctx.constant(i) for i in (1, 2, 3)]
        if diagonal.shape is None or values[0] is None:
            return TensorType(diagonal.dtype, None)
        lower, upper = band_limits(values[0])
        batch = diagonal.shape[: max(len(diagonal.shape) - 1 - (lower < upper), 0)]
        if any(v is None for v in values) or None in diagonal.shape[len(batch):]:
            return diagonal.with_shape(batch + (None, None))
        band, batch = diag_band(diagonal.shape, *values, alignment(ctx, version))
        return diagonal.with_shape(batch + (band.rows, band.cols))

    def decompose(ctx, diagonal, k, rows, cols, padding):
        values = [static(ctx, i, what) for i, what in ((1, "k"), (2, "num_rows"), (3, "num_cols"))]
        band, batch = diag_band(diagonal.shape, *values, alignment(ctx, version))
        return matrix_diag(diagonal, band, batch, padding)

    return infer, decompose


def matrix_diag(diagonal, band: Band, batch: tuple, padding):
    """The ``rows x cols`` matrices with the band's diagonals from ``diagonal`` and ``padding`` elsewhere."""
    shape = batch + (band.rows, band.cols)
    inside, table = band.matrix_table()
    padding = tnp.broadcast_to(padding, shape)
    if band.count * band.max_length == 0 or not inside.any():
        return padding
    return _select(inside, shape, _gather_last(diagonal, table, len(batch)), padding)


def _matrix_diag_v1(ctx, diagonal):
    band, batch = diag_band(diagonal.shape, 0, -1, -1, "LEFT_LEFT")
    return matrix_diag(diagonal, band, batch, const(0, diagonal.dtype))


def _matrix_diag_v1_type(ctx, diagonal):
    if diagonal.shape is None:
        return diagonal
    if not diagonal.shape:
        raise ShapeError("diagonal must have rank at least 1")
    return diagonal.with_shape(diagonal.shape + diagonal.shape[-1:])


tf_op("MatrixDiag", _matrix_diag_v1_type, _matrix_diag_v1)
tf_op("MatrixDiagV2", *_matrix_diag_rules(2))
tf_op("MatrixDiagV3", *_matrix_diag_rules(3))


# ---- MatrixDiagPart, MatrixDiagPartV2, MatrixDiagPartV3 -------------------------------------------
def part_band(shape: tuple, k_value, align: str) -> Band:
    """The band of diagonals read from matrices of ``shape`` (TensorFlow's bounds on ``k``)."""
    _require_matrices(shape, "input")
    lower, upper = band_limits(k_value)
    rows, cols = shape[-2:]
    for k in (lower, upper):
        if k != 0 and not -rows < k < cols:
            raise ShapeError(f"diagonal {k} is out of range for {rows}x{cols} matrices: it must be in ({-rows}, {cols}) or 0")
    return Band(lower, upper, rows, cols, align)


def _matrix_diag_part_rules(version: int):
    """(infer, decompose) of MatrixDiagPartV2 or V3."""

    def infer(ctx, x, k, padding):
        _require_scalar(padding, "padding_value")
        value = ctx.constant(1)
        if x.shape is None or value is None:
            return TensorType(x.dtype, None)
        _require_matrices(x.shape, "input")
        lower, upper = band_limits(value)
        if None in x.shape[-2:]:
            return x.with_shape(x.shape[:-2] + ((upper - lower + 1,) if lower < upper else ()) + (None,))
        return x.with_shape(x.shape[:-2] + part_band(x.shape, value, alignment(ctx, version)).packed_shape)

    def decompose(ctx, x, k, padding):
        return matrix_diag_part(x, part_band(x.shape, static(ctx, 1, "k"), alignment(ctx, version)), padding)

    return infer, decompose


def matrix_diag_part(x, band: Band, padding):
    """The band's diagonals of ``x``'s matrices, packed, with ``padding`` where a diagonal is short."""
    shape = x.shape[:-2] + band.packed_shape
    valid, table = band.packed_table()
    padding = tnp.broadcast_to(padding, shape)
    if band.rows * band.cols == 0 or not valid.any():
        return padding
    return _select(valid, shape, _gather_last(x, table, x.ndim - 2), padding)


def _matrix_diag_part_v1_type(ctx, x):
    if x.shape is None:
        return x
    _require_matrices(x.shape, "input")
    rows, cols = x.shape[-2:]
    return x.with_shape(x.shape[:-2] + (None if None in (rows, cols) else min(rows, cols),))


tf_op("MatrixDiagPart", _matrix_diag_part_v1_type, lambda ctx, x: matrix_diag_part(x, part_band(x.shape, 0, "LEFT_LEFT"), const(0, x.dtype)),
      outputs=(("diagonal", 1),))
tf_op("MatrixDiagPartV2", *_matrix_diag_part_rules(2), outputs=(("diagonal", 1),))
tf_op("MatrixDiagPartV3", *_matrix_diag_part_rules(3), outputs=(("diagonal", 1),))


# ---- MatrixSetDiag, MatrixSetDiagV2, MatrixSetDiagV3 ----------------------------------------------
def _check_set_diagonal(band: Band, x: tuple, diagonal: tuple) -> None:
    want = x[:-2] + band.packed_shape
    if len(diagonal) != len(want) or any(d is not None and d != w for d, w in zip(diagonal, want)):
        raise ShapeError(f"diagonal {shape_text(diagonal)} must have shape {shape_text(want)} for input {shape_text(x)} "
                         f"and k = ({band.lower}, {band.upper})")


def matrix_set_diag(x, diagonal, band: Band):
    """``x`` with the band's diagonals replaced by the packed ``diagonal``."""
    _check_set_diagonal(band, x.shape, diagonal.shape)
    inside, table = band.matrix_table()
    if band.count * band.max_length == 0 or not inside.any():
        return x
    return _select(inside, x.shape, _gather_last(diagonal, table, x.ndim - 2), x)


def _matrix_set_diag_rules(version: int):
    """(infer, decompose) of MatrixSetDiag (version 1: the main diagonal), V2 or V3."""

    def infer(ctx, x, diagonal, k=None):
        if x.shape is not None:
            _require_matrices(x.shape, "input")
        value = 0 if version == 1 else ctx.constant(2)
        if x.is_static and diagonal.shape is not None and value is not None:
            _check_set_diagonal(part_band(x.shape, value, alignment(ctx, version)), x.shape, diagonal.shape)
        return x

    def decompose(ctx, x, diagonal, k=None):
        value = 0 if version == 1 else static(ctx, 2, "k")
        return matrix_set_diag(x, diagonal, part_band(x.shape, value, alignment(ctx, version)))

    return infer, decompose


tf_op("MatrixSetDiag", *_matrix_set_diag_rules(1))
tf_op("MatrixSetDiagV2", *_matrix_set_diag_rules(2))
tf_op("MatrixSetDiagV3", *_matrix_set_diag_rules(3))


# ---- Diag, DiagPart -------------------------------------------------------------------------------
def _diag_type(ctx, diagonal):
    if diagonal.shape is None:
        return diagonal
    if not diagonal.shape:
        raise ShapeError("diagonal must have rank at least 1")
    return diagonal.with_shape(diagonal.shape * 2)


def _diag(ctx, diagonal):
    """output[i..., j...] = diagonal[i...] where i == j: the flat diagonal as a square, reshaped."""
    size = int(np.prod(diagonal.shape))
    square = matrix_diag(tnp.reshape(diagonal, (size,)), Band(0, 0, size, size), (), const(0, diagonal.dtype))
    return tnp.reshape(square, diagonal.shape * 2)


def _diag_part_shape(shape):
    half = len(shape) // 2
    if not shape or len(shape) % 2:
        raise ShapeError(f"input must have an even, non-zero rank, got shape {shape_text(shape)}")
    for a, b in zip(shape[:half], shape[half:]):
        if a is not None and b is not None and a != b:
            raise ShapeError(f"input {shape_text(shape)} must have its first half of dimensions equal to its second half")
    return tuple(a if a is not None else b for a, b in zip(shape[:half], shape[half:]))


def _diag_part(ctx, x):
    shape = _diag_part_shape(x.shape)
    size = int(np.prod(shape))
    square = tnp.reshape(x, (size, size))
    return tnp.reshape(matrix_diag_part(square, Band(0, 0, size, size), const(0, x.dtype)), shape)


tf_op("Diag", _diag_type, _diag)
tf_op("DiagPart", lambda ctx, x: x if x.shape is None else x.with_shape(_diag_part_shape(x.shape)), _diag_part,
      outputs=(("diagonal", 1),))


# ---- ConjugateTranspose ---------------------------------------------------------------------------
def _conjugate_transpose_type(ctx, x, perm):
    if x.dtype.is_complex:
        raise ShapeError(f"complex inputs ({x.dtype.value}) are unsupported: tfc has no complex conjugate")
    value = ctx.constant(1)
    if value is None or x.shape is None:
        rank = None if x.shape is None else len(x.shape)
        return TensorType(x.dtype, None if rank is None else (None,) * rank)
    perm = _permutation(value, len(x.shape))
    return x.with_shape([x.shape[p] for p in perm])


def _permutation(value, rank: int) -> tuple:
    perm = tuple(ints(value))
    if sorted(perm) != list(range(rank)):
        raise ShapeError(f"perm {list(perm)} is not a permutation of the {rank} dimensions")
    return perm


def _conjugate_transpose(ctx, x, perm):
    """For real dtypes the conjugate is the value itself: a Transpose."""
    return tnp.transpose(x, _permutation(static(ctx, 1, "perm"), x.ndim))


tf_op("ConjugateTranspose", _conjugate_transpose_type, _conjugate_transpose, outputs=(("y", 1),))


# ---- Cross ----------------------------------------------------------------------------------------
def _cross_type(ctx, a, b):
    for t in (a, b):
        if t.shape is not None and (not t.shape or t.shape[-1] not in (None, 3)):
            raise ShapeError(f"inputs must have 3 elements in their last dimension, got shape {shape_text(t.shape)}")
    if a.shape is not None and b.shape is not None and len(a.shape) != len(b.shape):
        raise ShapeError(f"inputs {shape_text(a.shape)} and {shape_text(b.shape)} must have the same shape")
    if a.is_static and b.is_static and a.shape != b.shape:
        raise ShapeError(f"inputs {shape_text(a.shape)} and {shape_text(b.shape)} must have the same shape")
    return a if a.shape is not None else b


def _cross(ctx, a, b):
    """(a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0) along the last dimension."""
    part = [(a[..., i], b[..., i]) for i in range(3)]
    terms = [part[(i + 1) % 3][0] * part[(i + 2) % 3][1] - part[(i + 2) % 3][0] * part[(i + 1) % 3][1] for i in range(3)]
    return tnp.stack(terms, axis=-1)


tf_op("Cross", _cross_type, _cross, outputs=(("product", 1),))
