"""Scatters, segment reductions and stitches: ScatterNd, TensorScatter*, TensorStridedSliceUpdate,
SparseToDense, (Unsorted)Segment*, DynamicStitch, ParallelDynamicStitch. Indices are int32 and
int64, fed and constant; out-of-range indices, which TensorFlow rejects on CPU, have focused tests
in tests/tf/test_scatter.py instead (TensorFlow refuses such cases here)."""

import numpy as np
from spec import case, const, f32, f64, family, i32, i32v, i64, i64v

family("scatter")

# ---- ScatterNd ------------------------------------------------------------------------------------
case("ScatterNd", "elements_repeated", indices=i32v([[1], [3], [1], [0]]), updates=f32(4), shape=const(i32v([5])))
case("ScatterNd", "rows_i64", indices=i64v([[2], [0]]), updates=f32(2, 3), shape=const(i64v([4, 3])))
case("ScatterNd", "points_2d", indices=const(i32v([[0, 1], [2, 2], [0, 1]])), updates=i32(3), shape=const(i32v([3, 3])))
case("ScatterNd", "batched_indices", indices=i32v([[[1, 0]], [[0, 2]]]), updates=f64(2, 1, 4), shape=const(i32v([2, 3, 4])))
case("ScatterNd", "empty_updates", indices=np.zeros((0, 1), np.int32), updates=np.zeros((0, 2), np.float32), shape=const(i32v([3, 2])))
case("ScatterNd", "empty_output", indices=np.zeros((0, 1), np.int32), updates=np.zeros((0, 0), np.float32), shape=const(i32v([3, 0])))

# ---- TensorScatter* -------------------------------------------------------------------------------
for op in ["TensorScatterUpdate", "TensorScatterAdd", "TensorScatterSub", "TensorScatterMax", "TensorScatterMin"]:
    unique = op == "TensorScatterUpdate"  # repeated indices update in an unspecified order
    case(op, "elements", tensor=f32(6), indices=i32v([[4], [1], [5]] if unique else [[4], [1], [4]]), updates=f32(3))
    case(op, "rows_i64", tensor=i64(4, 3), indices=i64v([[3], [0]]), updates=i64(2, 3))
    case(op, "points_const", tensor=f64(3, 4), indices=const(i32v([[2, 3], [0, 0], [1, 2]])), updates=f64(3))
    case(op, "slices_batched", tensor=i32(3, 2, 2), indices=i32v([[[2, 1]], [[0, 0]]]), updates=i32(2, 1, 2))
    case(op, "empty_updates", tensor=f32(3, 2), indices=np.zeros((0, 1), np.int64), updates=np.zeros((0, 2), np.float32))
    case(op, "empty_tensor", tensor=np.zeros((0, 3), np.float32), indices=np.zeros((0, 1), np.int32), updates=np.zeros((0, 3), np.float32))
case("TensorScatterUpdate", "bool", tensor=np.array([True, False, True, False]), indices=i32v([[1], [2]]), updates=np.array([True, False]))

# ---- TensorStridedSliceUpdate ---------------------------------------------------------------------
case("TensorStridedSliceUpdate", "rows", input=f32(4, 3), begin=const(i32v([1, 0])), end=const(i32v([3, 3])),
     strides=const(i32v([1, 1])), value=f32(2, 3))
case("TensorStridedSliceUpdate", "strided_negative", input=i32(6, 4), begin=const(i32v([5, 0])), end=const(i32v([0, 4])),
     strides=const(i32v([-2, 3])), value=i32(3, 2))
case("TensorStridedSliceUpdate", "broadcast_value", input=f32(3, 4), begin=const(i32v([0, 1])), end=const(i32v([2, 3])),
     strides=const(i32v([1, 1])), value=f32(2))
case("TensorStridedSliceUpdate", "masks_i64", input=f64(2, 3, 4), begin=const(i64v([0, 1])), end=const(i64v([0, 0])),
     strides=const(i64v([1, 1])), value=f64(2, 4), begin_mask=1, end_mask=3, shrink_axis_mask=2)
case("TensorStridedSliceUpdate", "new_axis_ellipsis", input=f32(3, 4), begin=const(i32v([0, 0, 2])), end=const(i32v([0, 0, 4])),
     strides=const(i32v([1, 1, 1])), value=f32(1, 3, 2), ellipsis_mask=2, new_axis_mask=1)
case("TensorStridedSliceUpdate", "empty_slice", input=f32(3, 2), begin=const(i32v([2])), end=const(i32v([1])),
     strides=const(i32v([1])), value=np.zeros((0, 2), np.float32))

# ---- SparseToDense --------------------------------------------------------------------------------
case("SparseToDense", "points", sparse_indices=const(i32v([[0, 1], [1, 3], [2, 0]])), output_shape=const(i32v([3, 4])),
     sparse_values=f32(3), default_value=np.float32(-1))
case("SparseToDense", "fed_indices_i64", sparse_indices=i64v([[0], [2], [5]]), output_shape=const(i64v([6])),
     sparse_values=i32(3), default_value=np.int32(7))
case("SparseToDense", "vector_indices_scalar_value", sparse_indices=const(i32v([1, 3])), output_shape=const(i32v([5])),
     sparse_values=np.float64(2.5), default_value=np.float64(0))
case("SparseToDense", "scalar_index", sparse_indices=const(i32v(2)), output_shape=const(i32v([4])),
     sparse_values=np.float32(1), default_value=np.float32(0))
case("SparseToDense", "repeats_unvalidated", sparse_indices=const(i32v([[1], [1], [0], [1]])), output_shape=const(i32v([3])),
     sparse_values=f32(4), default_value=np.float32(0), validate_indices=False)
case("SparseToDense", "none", sparse_indices=const(np.zeros((0, 2), np.int32)), output_shape=const(i32v([2, 2])),
     sparse_values=np.zeros(0, np.float32), default_value=np.float32(3))

# ---- UnsortedSegment*, Segment* -------------------------------------------------------------------
for op in ["UnsortedSegmentSum", "UnsortedSegmentMax", "UnsortedSegmentMin", "UnsortedSegmentProd"]:
    case(op, "rows_with_empty_segment", data=f32(5, 3), segment_ids=i32v([0, 2, 0, 3, 2]), num_segments=const(np.int32(4)))
    case(op, "negative_ids_dropped_i64", data=f64(6), segment_ids=i64v([1, -1, 0, 1, -3, 1]), num_segments=const(np.int64(3)))
    case(op, "ids_matrix_ints", data=i32(2, 3, 2), segment_ids=const(i32v([[1, 0, 1], [0, 0, 2]])), num_segments=const(np.int32(3)))
    case(op, "scalar_rows", data=i64(4), segment_ids=i32v([0, 0, 1, 0]), num_segments=const(np.int64(2)))
    case(op, "empty_data", data=np.zeros((0, 2), np.float32), segment_ids=np.zeros(0, np.int32), num_segments=const(np.int32(2)))
for op in ["SegmentSum", "SegmentMax", "SegmentMin", "SegmentProd", "SegmentMean"]:
    case(op, "rows_with_gap", data=f32(5, 2), segment_ids=const(i32v([0, 0, 2, 2, 3])))
    case(op, "i64_ids_f64", data=f64(4), segment_ids=const(i64v([1, 1, 1, 4])))
    case(op, "ints", data=i32(6, 2, low=-9, high=10), segment_ids=const(i32v([0, 1, 1, 1, 3, 3])))
    case(op, "empty", data=np.zeros((0, 3), np.float32), segment_ids=const(np.zeros(0, np.int32)))

# ---- DynamicStitch, ParallelDynamicStitch ---------------------------------------------------------
for op in ["DynamicStitch", "ParallelDynamicStitch"]:
    case(op, "vectors", indices=[const(i32v([0, 2, 4])), const(i32v([1, 3]))], data=[f32(3), f32(2)])
    case(op, "rows_matrix_indices", indices=[const(i32v([[1, 0]])), const(i32v([2]))], data=[i64(1, 2, 3), i64(1, 3)])
    case(op, "scalar_index_and_gap", indices=[const(i32v(3)), const(i32v([0, 1]))], data=[f64(2), f64(2, 2)])
    case(op, "empty_part", indices=[const(i32v([1, 0])), const(np.zeros(0, np.int32))], data=[f32(2, 2), np.zeros((0, 2), np.float32)])
case("DynamicStitch", "later_wins", indices=[const(i32v([0, 1, 2])), const(i32v([1, 2]))], data=[f32(3), f32(2)])
