"""Gathers: GatherV2 over every axis with batch_dims (positive and negative), Gather, GatherNd with
element, slice and batched index vectors; int32 and int64 indices, fed and constant, empty ones.
Out-of-range indices, which TensorFlow rejects on CPU, are tested in tests/tf/test_array_index.py."""

import numpy as np
from spec import case, const, f32, f64, family, i32, i32v, i64, i64v

family("gather")

# ---- GatherV2 -------------------------------------------------------------------------------------
case("GatherV2", "axis0", params=f32(5, 3), indices=i32v([4, 0, 4, 2]), axis=const(i32v(0)))
case("GatherV2", "axis1_matrix_indices_i64", params=f64(2, 4, 3), indices=i64v([[3, 1], [0, 0]]), axis=const(i64v(1)))
case("GatherV2", "negative_axis_const_indices", params=i32(2, 3, 4), indices=const(i32v([3, 1])), axis=const(i32v(-1)))
case("GatherV2", "scalar_index", params=f32(4, 3), indices=np.int32(2), axis=const(i32v(0)))
case("GatherV2", "batch_dims1", params=f32(2, 5, 3), indices=i32v([[4, 0, 1], [2, 2, 3]]), axis=const(i32v(1)), batch_dims=1)
case("GatherV2", "batch_dims1_axis2", params=f32(2, 3, 4), indices=i64v([[3, 0], [1, 1]]), axis=const(i32v(2)), batch_dims=1)
case("GatherV2", "batch_dims2", params=i64(2, 3, 4, 2), indices=i32v([[[1], [3], [0]], [[2], [2], [1]]]), axis=const(i32v(2)),
     batch_dims=2)
case("GatherV2", "batch_dims_negative", params=f32(2, 4, 3), indices=i32v([[1, 3], [0, 2]]), axis=const(i32v(1)), batch_dims=-1)
case("GatherV2", "batch_dims_equals_axis_rank", params=f32(3, 4), indices=i32v([2, 0, 3]), axis=const(i32v(1)), batch_dims=1)
case("GatherV2", "empty_indices", params=f32(4, 2), indices=np.zeros((0,), np.int32), axis=const(i32v(0)))
case("GatherV2", "bool_params", params=np.array([[True, False], [False, False], [True, True]]), indices=i32v([2, 0]),
     axis=const(i32v(0)))

# ---- Gather (TF1) ---------------------------------------------------------------------------------
case("Gather", "rows", params=f32(4, 3), indices=i32v([[3, 1], [0, 3]]))
case("Gather", "vector_i64", params=i64(5), indices=i64v([4, 4, 0]))

# ---- GatherNd -------------------------------------------------------------------------------------
case("GatherNd", "elements", params=f32(3, 4), indices=i32v([[2, 3], [0, 0], [1, 2]]))
case("GatherNd", "rows_i64", params=f64(4, 3), indices=i64v([[3], [1]]))
case("GatherNd", "slices_batched", params=i32(2, 3, 4), indices=const(i32v([[[1, 2]], [[0, 0]]])))
case("GatherNd", "full_index_scalar_out", params=f32(2, 3), indices=i32v([1, 2]))
case("GatherNd", "empty_index_vector", params=f32(2, 3), indices=np.zeros((2, 0), np.int32))
case("GatherNd", "empty_indices", params=f32(3, 2), indices=np.zeros((0, 1), np.int64))
