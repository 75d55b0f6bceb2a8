"""Array ops: reshaping, transposing, concatenating and splitting, slicing and gathering, padding,
shape queries, fills and ranges, the identity family and one-hot/top-k/diagonal construction."""

import numpy as np
from spec import bools, case, const, f32, f64, family, i32, i32v, i64, i64v, ints

family("core_array")

# ---- reshape, transpose, expand/squeeze -----------------------------------------------------------
case("Reshape", "matrix_to_3d", tensor=f32(2, 6), shape=const(i32v([3, 2, 2])))
case("Reshape", "inferred_dim", tensor=i32(2, 3, 4), shape=const(i32v([-1, 4])))
case("Reshape", "i64_shape", tensor=f64(6), shape=const(i64v([2, 1, 3])))
case("Reshape", "to_scalar", tensor=f32(1, 1), shape=const(np.zeros(0, np.int32)))
case("Reshape", "scalar_to_vector", tensor=f32(), shape=const(i32v([1])))
case("Reshape", "empty", tensor=f32(0, 3), shape=const(i32v([3, 0, 2])))
case("Reshape", "bool", tensor=bools(4), shape=const(i32v([2, 2])))
case("Transpose", "matrix", x=f32(2, 3), perm=const(i32v([1, 0])))
case("Transpose", "rank4_nhwc_to_nchw", x=f32(2, 3, 4, 5), perm=const(i32v([0, 3, 1, 2])))
case("Transpose", "i64_perm", x=i64(2, 3, 2), perm=const(i64v([2, 0, 1])))
case("Transpose", "empty", x=f32(0, 2, 3), perm=const(i32v([2, 1, 0])))
case("Transpose", "scalar", x=f32(), perm=const(np.zeros(0, np.int32)))
case("InvertPermutation", "i32", x=const(i32v([2, 0, 3, 1])))
case("InvertPermutation", "i64_fed", x=lambda: i64v([1, 2, 0]))
case("ExpandDims", "axis0", input=f32(3), axis=const(i32v(0)))
case("ExpandDims", "negative_axis", input=i32(2, 3), axis=const(i32v(-1)))
case("ExpandDims", "scalar_i64_axis", input=f64(), axis=const(i64v([0])))
case("Squeeze", "all_ones", input=f32(1, 3, 1, 2))
case("Squeeze", "chosen_axes", input=f32(1, 3, 1, 1), axis=[0, -1])
case("Squeeze", "to_scalar_i32", input=i32(1, 1))

# ---- concatenate, stack, split --------------------------------------------------------------------
case("ConcatV2", "axis0", values=[f32(2, 3), f32(1, 3)], axis=const(i32v(0)))
case("ConcatV2", "axis1_three", values=[i32(2, 1), i32(2, 3), i32(2, 2)], axis=const(i32v(1)))
case("ConcatV2", "negative_i64_axis", values=[f64(2, 2, 1), f64(2, 2, 2)], axis=const(i64v(-1)))
case("ConcatV2", "with_empty", values=[f32(0, 3), f32(2, 3)], axis=const(i32v(0)))
case("ConcatV2", "const_and_fed", values=[const(f32(2, 2)), f32(2, 2)], axis=const(i32v(1)))
case("ConcatV2", "bool", values=[bools(2), bools(3)], axis=const(i32v(0)))
case("Concat", "axis1", concat_dim=const(i32v(1)), values=[f32(2, 1), f32(2, 2)])
case("Concat", "axis0_i32", concat_dim=const(i32v(0)), values=[i32(1, 2), i32(3, 2)])
case("Pack", "axis0", values=[f32(2, 3), f32(2, 3)])
case("Pack", "axis_last", values=[i32(2), i32(2), i32(2)], axis=-1)
case("Pack", "scalars", values=[f64(), f64(), f64(), f64()])
case("Pack", "middle_axis", values=[f32(2, 0), f32(2, 0)], axis=1)
case("Unpack", "axis0", value=f32(3, 2), num=3)
case("Unpack", "axis1_i32", value=i32(2, 4, 1), num=4, axis=1)
case("Unpack", "negative_axis", value=f64(2, 2), num=2, axis=-1)
case("Split", "axis0", axis=const(i32v(0)), value=f32(4, 3), num_split=2)
case("Split", "axis1_three", axis=const(i32v(1)), value=i32(2, 6), num_split=3)
case("Split", "negative_axis", axis=const(i32v(-1)), value=f64(2, 2, 4), num_split=4)
case("Split", "single", axis=const(i32v(0)), value=f32(3), num_split=1)
case("SplitV", "sizes", value=f32(5, 2), size_splits=const(i32v([2, 3])), axis=const(i32v(0)), num_split=2)
case("SplitV", "inferred_size", value=i32(2, 7), size_splits=const(i32v([1, -1, 2])), axis=const(i32v(1)), num_split=3)
case("SplitV", "i64_sizes_zero_part", value=f32(4, 3), size_splits=const(i64v([0, 3, 1])), axis=const(i32v(0)), num_split=3)

# ---- tile, pad, broadcast -------------------------------------------------------------------------
case("Tile", "matrix", input=f32(2, 3), multiples=const(i32v([2, 3])))
case("Tile", "i64_multiples", input=i32(3), multiples=const(i64v([4])))
case("Tile", "zero_multiple", input=f32(2, 2), multiples=const(i32v([0, 2])))
case("Tile", "rank3_ones", input=bools(1, 2, 1), multiples=const(i32v([3, 1, 2])))
case("Pad", "matrix", input=f32(2, 3), paddings=const(i32v([[1, 0], [2, 1]])))
case("Pad", "i64_paddings", input=i32(2, 2, 2), paddings=const(i64v([[0, 0], [1, 1], [0, 2]])))
case("Pad", "scalar", input=f32(), paddings=const(np.zeros((0, 2), np.int32)))
case("Pad", "empty", input=f32(0, 2), paddings=const(i32v([[1, 1], [0, 0]])))
case("PadV2", "constant_value", input=f32(2, 2), paddings=const(i32v([[1, 1], [0, 2]])), constant_values=const(np.float32(7.5)))
case("PadV2", "fed_value_i32", input=i32(3), paddings=const(i32v([[2, 1]])), constant_values=i32())
for mode in ["REFLECT", "SYMMETRIC"]:
    case("MirrorPad", mode.lower(), input=f32(3, 4), paddings=const(i32v([[1, 2], [2, 1]])), mode=mode)
    case("MirrorPad", f"{mode.lower()}_i64_rank3", input=i32(2, 3, 2), paddings=const(i64v([[1, 1], [0, 2], [1, 0]])), mode=mode)
case("MirrorPad", "symmetric_full", input=f64(3), paddings=const(i32v([[3, 3]])), mode="SYMMETRIC")
case("BroadcastTo", "vector_to_matrix", input=f32(3), shape=const(i32v([2, 3])))
case("BroadcastTo", "ones_dims", input=i32(2, 1), shape=const(i64v([3, 2, 4])))
case("BroadcastTo", "scalar", input=f64(), shape=const(i32v([2, 2])))
case("BroadcastTo", "same", input=f32(2, 2), shape=const(i32v([2, 2])))

# ---- shape queries --------------------------------------------------------------------------------
case("Shape", "f32", input=f32(2, 3, 1))
case("Shape", "i64_out", input=i32(4), out_type=np.int64)
case("Shape", "scalar", input=f32())
case("Shape", "empty", input=f32(0, 5))
case("ShapeN", "two", input=[f32(2, 3), f32(4)])
case("ShapeN", "i64_out", input=[i32(1, 2, 3), i32(), i32(0)], out_type=np.int64)
case("Size", "f32", input=f32(2, 3, 4))
case("Size", "i64_out_empty", input=f32(3, 0), out_type=np.int64)
case("Size", "scalar", input=i32())
case("Rank", "rank3", input=f32(2, 1, 3))
case("Rank", "scalar", input=bools())

# ---- fill, range ----------------------------------------------------------------------------------
case("Fill", "fed_value", dims=const(i32v([2, 3])), value=f32())
case("Fill", "i64_dims", dims=const(i64v([4])), value=const(np.int32(-3)))
case("Fill", "scalar", dims=const(np.zeros(0, np.int32)), value=f64())
case("Fill", "empty", dims=const(i32v([0, 2])), value=f32())
case("Fill", "bool", dims=const(i32v([3])), value=const(np.bool_(True)))
case("Range", "i32", start=const(i32v(0)), limit=const(i32v(5)), delta=const(i32v(1)))
case("Range", "i32_negative_delta", start=const(i32v(10)), limit=const(i32v(1)), delta=const(i32v(-3)))
case("Range", "f32_fraction", start=const(np.float32(0.5)), limit=const(np.float32(2.0)), delta=const(np.float32(0.25)))
case("Range", "i64", start=const(i64v(-2)), limit=const(i64v(7)), delta=const(i64v(2)))
case("Range", "empty", start=const(i32v(3)), limit=const(i32v(3)), delta=const(i32v(1)))
case("Range", "f64", start=const(np.float64(1.0)), limit=const(np.float64(-1.0)), delta=const(np.float64(-0.5)))

# ---- slicing --------------------------------------------------------------------------------------
case("Slice", "matrix", input=f32(4, 5), begin=const(i32v([1, 2])), size=const(i32v([2, 3])))
case("Slice", "size_minus_one", input=i32(3, 4, 2), begin=const(i32v([1, 0, 1])), size=const(i32v([-1, 2, -1])))
case("Slice", "i64", input=f64(6), begin=const(i64v([2])), size=const(i64v([3])))
case("Slice", "empty", input=f32(3, 3), begin=const(i32v([1, 1])), size=const(i32v([0, 2])))
case("StridedSlice", "basic", input=f32(5, 6), begin=const(i32v([1, 0])), end=const(i32v([4, 6])), strides=const(i32v([1, 2])))
case("StridedSlice", "negative_stride", input=i32(6), begin=const(i32v([-1])), end=const(i32v([0])), strides=const(i32v([-2])))
case("StridedSlice", "begin_end_mask", input=f32(4, 5), begin=const(i32v([2, 1])), end=const(i32v([0, 3])),
     strides=const(i32v([1, 1])), begin_mask=1, end_mask=2)
case("StridedSlice", "shrink_axis", input=f32(3, 4), begin=const(i32v([1, 0])), end=const(i32v([2, 4])),
     strides=const(i32v([1, 1])), shrink_axis_mask=1)
case("StridedSlice", "new_axis", input=f32(3, 4), begin=const(i32v([0, 0, 1])), end=const(i32v([0, 3, 3])),
     strides=const(i32v([1, 1, 1])), new_axis_mask=1)
case("StridedSlice", "ellipsis", input=f32(2, 3, 4, 5), begin=const(i32v([0, 1])), end=const(i32v([0, 4])),
     strides=const(i32v([1, 2])), ellipsis_mask=1)
case("StridedSlice", "scalar_index_i64", input=f64(4, 3), begin=const(i64v([-1])), end=const(i64v([0])),
     strides=const(i64v([1])), shrink_axis_mask=1)
case("StridedSlice", "out_of_range_clamped", input=f32(5), begin=const(i32v([-10])), end=const(i32v([10])), strides=const(i32v([3])))
case("StridedSlice", "empty_result", input=f32(4, 2), begin=const(i32v([3, 0])), end=const(i32v([1, 2])), strides=const(i32v([1, 1])))
case("StridedSlice", "all_masks", input=f32(2, 3, 4), begin=const(i32v([0, 1, 0, 2])), end=const(i32v([0, 2, 0, 0])),
     strides=const(i32v([1, 1, 1, -1])), begin_mask=0b0001, end_mask=0b1000, ellipsis_mask=0b0100, new_axis_mask=0b0001,
     shrink_axis_mask=0b0010)
case("ReverseV2", "axis0", tensor=f32(3, 2), axis=const(i32v([0])))
case("ReverseV2", "two_axes_i64", tensor=i32(2, 3, 4), axis=const(i64v([0, -1])))
case("ReverseV2", "no_axes", tensor=f64(3), axis=const(np.zeros(0, np.int32)))

# ---- gathering ------------------------------------------------------------------------------------
case("GatherV2", "axis0_i32_indices", params=f32(5, 3), indices=i32(4, low=0, high=5), axis=const(i32v(0)))
case("GatherV2", "axis1_i64_indices", params=f32(2, 6), indices=i64(2, 2, low=0, high=6), axis=const(i64v(1)))
case("GatherV2", "negative_axis", params=i32(2, 3, 4), indices=i32(3, low=0, high=4), axis=const(i32v(-1)))
case("GatherV2", "scalar_index_f64", params=f64(4, 2), indices=lambda: i32v(2), axis=const(i32v(0)))
case("GatherV2", "batch_dims", params=f32(2, 5, 3), indices=i32(2, 4, low=0, high=5), axis=const(i32v(1)), batch_dims=1)
case("GatherV2", "no_indices", params=f32(3, 2), indices=i32(0, low=0, high=3), axis=const(i32v(0)))
case("Gather", "matrix_indices", params=f32(5, 2), indices=i32(2, 3, low=0, high=5))
case("Gather", "i64", params=i64(4), indices=i64(3, low=0, high=4))
case("GatherNd", "full_index", params=f32(3, 4), indices=lambda: i32v([[0, 1], [2, 3], [1, 0]]))
case("GatherNd", "slices", params=f32(3, 4, 2), indices=lambda: i64v([[2], [0]]))
case("GatherNd", "batched", params=i32(2, 3), indices=lambda: i32v([[[0, 0], [1, 2]], [[1, 1], [0, 2]]]))
case("Where", "matrix", condition=const(np.asarray([[True, False, True], [False, False, True]])))
case("Where", "f32_vector", condition=const(np.asarray([0.0, 1.5, 0.0, -2.0], np.float32)))
case("Where", "none_true", condition=const(np.zeros((2, 2), bool)))

# ---- one-hot, top-k, diagonals --------------------------------------------------------------------
case("OneHot", "default_axis", indices=lambda: i32v([0, 2, -1, 1]), depth=const(i32v(3)), on_value=const(np.float32(1)),
     off_value=const(np.float32(0)))
case("OneHot", "axis0_i64", indices=lambda: i64v([[1, 0], [3, 2]]), depth=const(i32v(4)), on_value=const(np.int32(5)),
     off_value=const(np.int32(-1)), axis=0)
case("OneHot", "fed_values_axis1", indices=i32(2, 3, low=0, high=4), depth=const(i32v(4)), on_value=f64(), off_value=f64(), axis=1)
case("OneHot", "scalar_index", indices=lambda: i32v(2), depth=const(i32v(3)), on_value=const(np.float32(2)),
     off_value=const(np.float32(0.5)))
case("TopKV2", "vector", input=lambda: np.asarray([3, 1, 4, 1.5, 5, 9, 2, 6], np.float32), k=const(i32v(3)))
case("TopKV2", "matrix_i32", input=lambda: i32v([[5, 1, 4, 2], [0, 9, 3, 7]]), k=const(i32v(2)))
case("TopKV2", "k_equals_size_f64", input=f64(2, 3, 4), k=const(i32v(4)))
case("TopKV2", "k0", input=f32(3, 4), k=const(i32v(0)))
case("MatrixDiagV3", "main_diagonal", diagonal=f32(2, 3), k=const(i32v(0)), num_rows=const(i32v(-1)),
     num_cols=const(i32v(-1)), padding_value=const(np.float32(0)))
case("MatrixDiagV3", "superdiagonal_pad9", diagonal=f32(3), k=const(i32v(1)), num_rows=const(i32v(-1)),
     num_cols=const(i32v(-1)), padding_value=const(np.float32(9)))
case("MatrixDiagV3", "subdiagonal_rect", diagonal=i32(2, 3), k=const(i32v(-1)), num_rows=const(i32v(4)),
     num_cols=const(i32v(5)), padding_value=const(np.int32(7)))
case("MatrixDiagV3", "equal_k_pair_f64", diagonal=f64(3), k=const(i32v([1, 1])), num_rows=const(i32v(-1)),
     num_cols=const(i32v(-1)), padding_value=const(np.float64(0)), align="LEFT_RIGHT")
# No band (k[0] < k[1]) cases: tfc's MatrixDiagV3 builds a single diagonal and refuses a band with a clear error.

# ---- identities and checks ------------------------------------------------------------------------
case("Identity", "f32", input=f32(2, 3))
case("Identity", "scalar_i64", input=i64())
case("Identity", "empty_bool", input=bools(0, 2))
case("StopGradient", "f32", input=f32(3))
case("Snapshot", "i32", input=i32(2, 2))
case("PreventGradient", "f64", input=f64(3), message="no gradient here")
case("IdentityN", "mixed", input=[f32(2), i32(3, 1), bools()])
case("EnsureShape", "matches", input=f32(2, 3), shape=[2, 3])
case("EnsureShape", "unknown_dims", input=i32(4, 1), shape=[None, 1])
case("CheckNumerics", "finite", tensor=f32(2, 3), message="checked")
case("CheckNumerics", "f64", tensor=f64(4), message="checked")
case("ZerosLike", "f32", x=f32(2, 3))
case("ZerosLike", "i64_scalar", x=i64())
case("ZerosLike", "bool", x=bools(3))
case("OnesLike", "f32", x=f32(2, 3))
case("OnesLike", "i32_empty", x=i32(0, 4))
case("OnesLike", "f64", x=f64(2))
case("Select", "scalar_condition", condition=bools(), x=i32(2, 2), y=i32(2, 2))
case("SelectV2", "scalar_branches_f64", condition=bools(2, 2), t=f64(), e=f64(2, 1))
case("Assert", "holds", condition=const(np.bool_(True)), data=[f32(2), i32()])
case("NoOp", "no_inputs")

# ---- edge cases -----------------------------------------------------------------------------------
case("Reshape", "empty_inferred", tensor=f32(0, 3), shape=const(i32v([-1, 3])))
case("Squeeze", "empty_with_ones", input=f32(1, 0, 1), axis=[-1])
case("Pack", "i64_negative_axis", values=[i64(2, 3), i64(2, 3)], axis=-2)
case("Tile", "scalar", input=f32(), multiples=const(np.zeros(0, np.int32)))
case("MirrorPad", "reflect_zero_pads_i64", input=i64(3, 2), paddings=const(i64v([[0, 0], [1, 1]])), mode="REFLECT")
case("Range", "f32_inexact_count", start=const(np.float32(0)), limit=const(np.float32(1)), delta=const(np.float32(0.1)))
case("Range", "i32_count_rounds_up", start=const(i32v(1)), limit=const(i32v(8)), delta=const(i32v(3)))
case("Fill", "i64_value", dims=const(i32v([2, 1])), value=i64())
case("StridedSlice", "shrink_last_negative_i64", input=i64(3, 4), begin=const(i64v([0, -1])), end=const(i64v([0, 0])),
     strides=const(i64v([1, 1])), begin_mask=1, end_mask=1, shrink_axis_mask=2)
case("StridedSlice", "reverse_with_masks", input=f32(4, 3), begin=const(i32v([0, 0])), end=const(i32v([0, 0])),
     strides=const(i32v([-1, -2])), begin_mask=3, end_mask=3)
case("StridedSlice", "new_axis_after_ellipsis", input=f32(2, 3), begin=const(i32v([0, 0])), end=const(i32v([0, 0])),
     strides=const(i32v([1, 1])), ellipsis_mask=1, new_axis_mask=2)
case("GatherV2", "batch_dims_minus1", params=f32(2, 3, 4), indices=i32(2, 3, 2, low=0, high=4), axis=const(i32v(2)), batch_dims=-1)
case("GatherV2", "batch_dims2_i64", params=i32(2, 2, 5), indices=i64(2, 2, 3, low=0, high=5), axis=const(i32v(-1)), batch_dims=2)
case("GatherNd", "empty_index_depth", params=f32(2, 3), indices=lambda: np.zeros((2, 0), np.int32))
case("GatherNd", "vector_index_i64", params=f64(3, 2, 2), indices=lambda: i64v([2, 1]))
case("Where", "rank3_i32", condition=const(np.asarray([[[0, 1], [2, 0]], [[0, 0], [3, 4]]], np.int32)))
case("OneHot", "bool_values_negative_index", indices=lambda: i32v([1, -1, 0]), depth=const(i32v(2)), on_value=const(np.bool_(True)),
     off_value=const(np.bool_(False)))
case("OneHot", "depth0", indices=lambda: i32v([0, 1]), depth=const(i32v(0)), on_value=const(np.float32(1)), off_value=const(np.float32(0)))
case("OneHot", "u8_indices", indices=lambda: np.asarray([3, 0, 1], np.uint8), depth=const(i32v(4)), on_value=const(np.float32(1)),
     off_value=const(np.float32(0)))
case("TopKV2", "ties_keep_lower_index", input=lambda: np.asarray([[1, 3, 3, 2, 3], [0, 0, 0, 0, 0]], np.float32), k=const(i32v(3)))
case("TopKV2", "i64_input", input=lambda: i64v([5, -2, 9, 9, 0]), k=const(i32v(2)))
case("TopKV2", "neg_inf_and_large", input=lambda: np.asarray([-np.inf, 1e30, -1e30, 0.0], np.float32), k=const(i32v(4)))
case("ConcatV2", "three_singletons", values=[f32(1), f32(1), f32(1)], axis=const(i32v(-1)))
case("IdentityN", "single", input=[f64(2, 2)])
case("Shape", "rank5", input=bools(1, 2, 1, 3, 1))

# ---- narrow and unsigned integer dtypes (each op with the ones TensorFlow's CPU kernels take) --------
NARROW = [np.int8, np.uint8, np.int16, np.uint16, np.uint32, np.uint64]
for dtype in NARROW:
    name = np.dtype(dtype).name
    value = ints(2, 3, dtype=dtype, low=0, high=9)
    case("Reshape", name, tensor=value, shape=const(i32v([3, 2])))
    case("Transpose", name, x=value, perm=const(i32v([1, 0])))
    case("ConcatV2", name, values=[value, value], axis=const(i32v(0)))
    case("Pack", name, values=[value, value])
    case("Pad", name, input=value, paddings=const(i32v([[1, 0], [0, 1]])))
    case("GatherV2", name, params=value, indices=lambda: i32v([1, 0]), axis=const(i32v(0)))
    case("StridedSlice", name, input=value, begin=const(i32v([0, 2])), end=const(i32v([2, 0])), strides=const(i32v([1, -1])))
    case("ZerosLike", name, x=value)
    case("OnesLike", name, x=value)
    case("Fill", name, dims=const(i32v([2])), value=ints(dtype=dtype, low=0, high=9))
    case("Identity", name, input=value)
    case("Where", name, condition=const(np.asarray([0, 3, 0, 1], dtype)))
    case("TopKV2", name, input=value, k=const(i32v(2)))
    if dtype != np.uint16:
        case("Tile", name, input=value, multiples=const(i32v([1, 2])))
    if dtype in (np.int8, np.uint8):
        case("OneHot", f"{name}_indices", indices=ints(3, dtype=dtype, low=0, high=3), depth=const(i32v(3)),
             on_value=const(np.float32(1)), off_value=const(np.float32(0)))

# ---- NaN inputs where TensorFlow and tfc agree on what comes out ----------------------------------
NAN_ROWS = np.asarray([[1.0, np.nan, 3.0, -1.0], [np.nan, np.nan, 0.5, 2.0]], np.float32)
case("TopKV2", "nan", input=lambda: NAN_ROWS, k=const(i32v(3)))
case("TopKV2", "signed_zeros", input=lambda: np.asarray([0.0, -0.0, 0.0, -0.0], np.float32), k=const(i32v(2)))

# ---- StridedSlice: seeded combinations of all five masks, negative and out-of-range bounds ---------
_rng = np.random.default_rng(7)
_OUT_OF_BOUNDS = {0, 4, 6, 10, 17, 18, 19, 30}  # draws whose shrunk index TensorFlow refuses (out of bounds)
for n in range(32):
    rank = int(_rng.integers(1, 4))
    shape = [int(_rng.integers(1, 5)) for _ in range(rank)]
    k = int(_rng.integers(1, rank + 2))
    bounds = [[int(v) for v in _rng.integers(-6, 6, k)] for _ in range(2)]
    strides = [int(v) for v in _rng.choice([-3, -2, -1, 1, 2, 3], k)]
    masks = {m: int(_rng.integers(0, 1 << k)) for m in ["begin_mask", "end_mask", "new_axis_mask", "shrink_axis_mask"]}
    if _rng.random() < 0.4:
        masks["ellipsis_mask"] = 1 << int(_rng.integers(0, k))
    strides = [1 if masks["shrink_axis_mask"] >> b & 1 else s for b, s in enumerate(strides)]
    if n in _OUT_OF_BOUNDS:
        continue
    case("StridedSlice", f"masks_{n}", input=f32(*shape), begin=const(i32v(bounds[0])), end=const(i32v(bounds[1])),
         strides=const(i32v(strides)), **masks)
