"""Array structure: matrix bands and diagonals, Diag, transposes and crosses, sequences, reversals and
rolls, placeholders with defaults, searches, bucketing, counting and SparseToDense."""

import numpy as np
from spec import case, const, f32, f64, family, i32, i32v, i64, i64v

family("array")

ALIGNS = ["LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT"]

# ---- MatrixBandPart -------------------------------------------------------------------------------
case("MatrixBandPart", "lower1_upper0", input=f32(4, 5), num_lower=const(i64v(1)), num_upper=const(i64v(0)))
case("MatrixBandPart", "all_lower", input=f32(2, 3, 4), num_lower=const(i64v(-1)), num_upper=const(i64v(1)))
case("MatrixBandPart", "fed_bounds_i32", input=i32(5, 3), num_lower=i32v(2), num_upper=i32v(-1))
case("MatrixBandPart", "empty", input=f32(0, 3, 3), num_lower=const(i64v(0)), num_upper=const(i64v(0)))

# ---- MatrixDiag* ----------------------------------------------------------------------------------
case("MatrixDiag", "batch", diagonal=f32(2, 3))
case("MatrixDiag", "i32_vector", diagonal=i32(4))
case("MatrixDiag", "empty", diagonal=f32(2, 0))


def matrix_diag(op, variant, diagonal, k, rows=-1, cols=-1, padding=0.0, **attrs):
    dtype = np.asarray(diagonal()).dtype if callable(diagonal) else np.float32
    case(op, variant, diagonal=diagonal, k=const(i32v(k)), num_rows=const(i32v(rows)), num_cols=const(i32v(cols)),
         padding_value=np.asarray(padding, dtype), **attrs)


for op in ["MatrixDiagV2", "MatrixDiagV3"]:
    matrix_diag(op, "main", f32(2, 3), 0)
    matrix_diag(op, "superdiagonal_padded", f32(3), 1, padding=9.0)
    matrix_diag(op, "subdiagonal_rows_given", f32(2, 3), -2, rows=5)
    matrix_diag(op, "rectangular_cols_given", f64(3), 0, rows=3, cols=5)
    matrix_diag(op, "band_square", f32(3, 3), [-1, 1])
    matrix_diag(op, "band_rows_given", f32(2, 2, 4), [0, 1], rows=4, cols=5, padding=-1.0)
    matrix_diag(op, "band_ints_tall", i32(3, 2), [-2, 0], rows=4, cols=2)
    matrix_diag(op, "empty_batch", f32(0, 2, 3), [-1, 0])
for align in ALIGNS:
    matrix_diag("MatrixDiagV3", f"band_wide_{align.lower()}", f32(3, 3), [-1, 1], rows=3, cols=4, align=align)
    matrix_diag("MatrixDiagV3", f"band_above_{align.lower()}", f32(2, 3), [1, 2], rows=4, cols=4, align=align)
    matrix_diag("MatrixDiagV3", f"band_tall_{align.lower()}", f32(3, 3), [-2, 0], rows=5, cols=3, align=align)


def matrix_diag_part(op, variant, x, k, padding=0.0, **attrs):
    case(op, variant, input=x, k=const(i32v(k)), padding_value=np.asarray(padding, np.asarray(x()).dtype), **attrs)


case("MatrixDiagPart", "square_batch", input=f32(2, 3, 3))
case("MatrixDiagPart", "wide", input=i32(3, 5))
case("MatrixDiagPart", "tall", input=f64(2, 5, 2))
case("MatrixDiagPart", "empty", input=f32(2, 0, 3))
for op in ["MatrixDiagPartV2", "MatrixDiagPartV3"]:
    matrix_diag_part(op, "main", f32(3, 4), 0)
    matrix_diag_part(op, "superdiagonal", f32(2, 3, 4), 2, padding=5.0)
    matrix_diag_part(op, "subdiagonal", i64(4, 3), -3)
    matrix_diag_part(op, "band_wide", f32(3, 5), [-1, 2], padding=-1.0)
    matrix_diag_part(op, "band_tall", f32(2, 5, 3), [-3, 1])
    matrix_diag_part(op, "band_above", f32(4, 4), [1, 3])
    matrix_diag_part(op, "empty_batch", f32(0, 3, 3), [-1, 1])
for align in ALIGNS:
    matrix_diag_part("MatrixDiagPartV3", f"wide_{align.lower()}", f32(3, 5), [-2, 2], padding=7.0, align=align)
    matrix_diag_part("MatrixDiagPartV3", f"tall_{align.lower()}", f32(5, 3), [-2, 1], align=align)

case("MatrixSetDiag", "square", input=f32(2, 3, 3), diagonal=f32(2, 3))
case("MatrixSetDiag", "wide_i32", input=i32(3, 5), diagonal=i32(3))
case("MatrixSetDiag", "tall", input=f32(4, 2), diagonal=f32(2))
for op in ["MatrixSetDiagV2", "MatrixSetDiagV3"]:
    case(op, "main", input=f32(3, 4), diagonal=f32(3), k=const(i32v(0)))
    case(op, "superdiagonal", input=f32(2, 3, 4), diagonal=f32(2, 3), k=const(i32v(1)))
    case(op, "subdiagonal", input=f64(4, 3), diagonal=f64(2), k=const(i32v(-2)))
    case(op, "band_wide", input=f32(3, 5), diagonal=f32(4, 3), k=const(i32v([-1, 2])))
    case(op, "band_tall", input=i32(2, 5, 3), diagonal=i32(2, 3, 3), k=const(i32v([-2, 0])))
for align in ALIGNS:
    case("MatrixSetDiagV3", f"wide_{align.lower()}", input=f32(3, 5), diagonal=f32(5, 3), k=const(i32v([-2, 2])), align=align)
    case("MatrixSetDiagV3", f"tall_{align.lower()}", input=f32(5, 3), diagonal=f32(4, 3), k=const(i32v([-2, 1])), align=align)

# ---- Diag, DiagPart, ConjugateTranspose, Cross ----------------------------------------------------
case("Diag", "vector", diagonal=f32(4))
case("Diag", "matrix_i32", diagonal=i32(2, 3))
case("Diag", "rank3_f64", diagonal=f64(2, 1, 2))
case("Diag", "empty", diagonal=f32(0))
case("DiagPart", "matrix", input=f32(4, 4))
case("DiagPart", "rank4_i64", input=i64(2, 3, 2, 3))
case("DiagPart", "empty", input=f32(0, 0))
case("ConjugateTranspose", "matrix", x=f32(2, 3), perm=const(i32v([1, 0])))
case("ConjugateTranspose", "rank3_i64_perm", x=i32(2, 3, 4), perm=const(i64v([2, 0, 1])))
case("ConjugateTranspose", "f64", x=f64(3, 1, 2), perm=const(i32v([0, 2, 1])))
case("Cross", "vectors", a=f32(3), b=f32(3))
case("Cross", "batch_f64", a=f64(4, 2, 3), b=f64(4, 2, 3))
case("Cross", "i32", a=i32(5, 3), b=i32(5, 3))

# ---- LinSpace, Empty, BroadcastArgs, PlaceholderWithDefault ---------------------------------------
case("LinSpace", "f32", start=np.float32(0.1), stop=np.float32(1.7), num=const(i32v(7)))
case("LinSpace", "f64_descending_i64_num", start=np.float64(3.0), stop=np.float64(-2.5), num=const(i64v(5)))
case("LinSpace", "const_ends", start=const(np.float32(-1)), stop=const(np.float32(1)), num=const(i32v(4)))
case("LinSpace", "one", start=np.float32(2.5), stop=np.float32(9), num=const(i32v(1)))
case("Empty", "init_f32", shape=const(i32v([2, 3])), dtype=np.float32, init=True)
case("Empty", "init_i64_empty", shape=const(i32v([0, 4])), dtype=np.int64, init=True)
case("Empty", "uninitialized", check="shape", shape=const(i32v([3])), dtype=np.float32)
case("BroadcastArgs", "ones", s0=const(i32v([2, 1, 3])), s1=const(i32v([4, 1])))
case("BroadcastArgs", "i64_zero_size", s0=const(i64v([0, 1])), s1=const(i64v([5, 1, 1])))
case("BroadcastArgs", "scalar_shape", s0=const(i32v(np.zeros(0))), s1=const(i32v([3])))
case("PlaceholderWithDefault", "not_fed", input=f32(2, 3), shape=[2, 3])
case("PlaceholderWithDefault", "partial_shape", input=i32(4), shape=[None])
case("PlaceholderWithDefault", "const_default", input=const(f64(2, 2)), shape=[2, 2])

# ---- Roll, Reverse, ReverseSequence ---------------------------------------------------------------
case("Roll", "vector", input=f32(5), shift=const(i32v(2)), axis=const(i32v(0)))
case("Roll", "negative_shift_2d", input=i32(3, 4), shift=const(i32v([-1, 5])), axis=const(i32v([0, 1])))
case("Roll", "repeated_axis_i64", input=f32(2, 5), shift=const(i64v([1, 2])), axis=const(i64v([-1, 1])))
case("Roll", "fed_shift", input=f32(3, 4), shift=i32v([-7, 2]), axis=const(i32v([1, 0])))
case("Roll", "fed_shift_i64_scalar", input=f64(6), shift=i64v(-3), axis=const(i64v(0)))
case("Roll", "empty", input=f32(0, 3), shift=const(i32v([1, 1])), axis=const(i32v([0, 1])))
case("Reverse", "some", tensor=f32(2, 3, 4), dims=const(np.array([True, False, True])))
case("Reverse", "none_i32", tensor=i32(3, 2), dims=const(np.array([False, False])))
case("Reverse", "vector_f64", tensor=f64(5), dims=const(np.array([True])))
case("ReverseSequence", "batch0", input=f32(3, 5), seq_lengths=const(i64v([2, 5, 0])), seq_dim=1, batch_dim=0)
case("ReverseSequence", "fed_lengths_i32", input=f32(4, 3, 2), seq_lengths=i32v([1, 3, 2]), seq_dim=0, batch_dim=1)
case("ReverseSequence", "seq_before_batch", input=i32(5, 2, 3), seq_lengths=i64v([4, 1, 5]), seq_dim=0, batch_dim=2)
case("ReverseSequence", "inner_dims", input=f32(2, 3, 4, 2), seq_lengths=i64v([3, 1]), seq_dim=2, batch_dim=0)

# ---- Bucketize, LowerBound, UpperBound, InTopKV2 --------------------------------------------------
case("Bucketize", "f32", input=f32(3, 4), boundaries=[-1.0, 0.0, 0.5, 1.5])
case("Bucketize", "on_boundaries_and_nan", input=np.array([-1, 0, 0.5, np.nan, 2, np.inf, -np.inf], np.float32), boundaries=[-1.0, 0.0, 0.5])
case("Bucketize", "i32", input=i32(6), boundaries=[-2.5, 0.0, 3.0])
case("Bucketize", "i64_scalar", input=np.int64(7), boundaries=[0.0, 7.0])
case("Bucketize", "f64", input=f64(5), boundaries=[0.1, 0.2])
case("Bucketize", "no_boundaries", input=f32(3), boundaries=[])
SORTED = np.sort(np.random.default_rng(3).integers(-5, 5, (3, 6)), axis=1)
for op in ["LowerBound", "UpperBound"]:
    case(op, "f32", sorted_inputs=SORTED.astype(np.float32), values=f32(3, 4, low=-6, high=6))
    case(op, "i32_ties_i64_out", sorted_inputs=SORTED.astype(np.int32), values=i32(3, 5), out_type=np.int64)
    case(op, "f64_nan", sorted_inputs=np.array([[0.0, 1.0, 2.0]]), values=np.array([[np.nan, 1.0, 3.0, -1.0]]))
    case(op, "empty_values", sorted_inputs=SORTED.astype(np.float32), values=np.zeros((3, 0), np.float32))
case("InTopKV2", "k2", predictions=f32(4, 5), targets=i32(4, low=0, high=5), k=np.int32(2))
case("InTopKV2", "ties_i64", predictions=np.array([[1, 2, 2, 0], [3, 3, 3, 3]], np.float32), targets=i64v([1, 2]), k=np.int64(1))
case("InTopKV2", "out_of_range_and_nonfinite", predictions=np.array([[1, 2, 3], [1, np.inf, 0], [0, 1, np.nan], [1, 2, 3]], np.float32),
     targets=i32v([5, 0, 1, -1]), k=np.int32(3))
case("InTopKV2", "k0_const", predictions=f32(2, 3), targets=i32v([0, 2]), k=const(np.int32(0)))
case("HistogramFixedWidth", "f32_outside_range", values=f32(4, 6, low=-2, high=7), value_range=np.array([0.0, 5.0], np.float32),
     nbins=const(np.int32(5)))
case("HistogramFixedWidth", "i32_int64_out", values=i32(20, low=-3, high=12), value_range=i32v([0, 10]), nbins=const(np.int32(3)),
     dtype=np.int64)
case("HistogramFixedWidth", "f64_edges", values=np.array([0.0, 1.0, 0.5, 0.25, 0.999999, -0.0], np.float64),
     value_range=np.array([0.0, 1.0]), nbins=const(np.int32(4)))

# ---- Bincount, DenseBincount ----------------------------------------------------------------------
case("Bincount", "counts", arr=i32(10, low=0, high=6), size=const(np.int32(5)), weights=np.zeros(0, np.float32))
case("Bincount", "weights_2d", arr=i32(3, 4, low=0, high=6), size=const(np.int32(6)), weights=f32(3, 4))
case("Bincount", "weights_i64", arr=i32(6, low=0, high=4), size=const(np.int32(4)), weights=i64(6))
case("Bincount", "f64_size0", arr=i32(4, low=0, high=3), size=const(np.int32(0)), weights=np.zeros(0, np.float64))
case("DenseBincount", "vector", input=i32(8, low=0, high=5), size=const(np.int32(4)), weights=np.zeros(0, np.int32))
case("DenseBincount", "rows_weights", input=i64(3, 6, low=0, high=6), size=const(np.int64(5)), weights=f32(3, 6))
case("DenseBincount", "binary", input=i32(2, 7, low=0, high=4), size=const(np.int32(4)), weights=np.zeros(0, np.float32), binary_output=True)
case("DenseBincount", "binary_weights_ignored", input=i32(9, low=0, high=4), size=const(np.int32(5)), weights=f64(9), binary_output=True)
