"""Ops whose output shape depends on the input values, where the values that decide the shape are
constants (the only case tfc can compile; the others are errors, tested in
tests/tf/test_data_dependent.py): Unique, UniqueV2, UniqueWithCounts, UniqueWithCountsV2 (repeated,
signed-zero and NaN floats, slices along an axis), ListDiff, DynamicPartition (fed data)."""

import numpy as np
from spec import case, const, f32, f64, family, i32v, i64, i64v

family("data_dependent")

VALUES = np.array([3, 1, 3, 2, 1, 3, 7], np.int32)
FLOATS = np.array([0.5, -0.0, 0.0, np.nan, 0.5, np.nan, 2.0], np.float32)
ROWS = np.array([[1, 2], [3, 4], [1, 2], [1, 2], [0, 4]], np.int64)

for op in ["Unique", "UniqueWithCounts"]:
    case(op, "ints", x=const(VALUES))
    case(op, "floats_zeros_nans", x=const(FLOATS))
    case(op, "idx_i64", x=const(VALUES[::-1].copy()), out_idx=np.int64)
    case(op, "empty", x=const(np.zeros((0,), np.float32)))
for op in ["UniqueV2", "UniqueWithCountsV2"]:
    case(op, "rows", x=const(ROWS), axis=const(i32v([0])))
    case(op, "columns_negative_axis", x=const(ROWS.T.copy()), axis=const(i64v([-1])))
    case(op, "vector_no_axis", x=const(VALUES), axis=const(np.zeros((0,), np.int32)))
    case(op, "middle_axis_idx_i64", x=const(np.array([[[1, 1, 2]], [[0, 0, 0]]], np.float32).transpose(0, 2, 1).copy()),
         axis=const(i32v([1])), out_idx=np.int64)

# ---- ListDiff (constant inputs), DynamicPartition (constant partitions, fed data) ----------------
case("ListDiff", "ints", x=const(i32v([1, 2, 3, 4, 5, 6, 3])), y=const(i32v([1, 3, 5])))
case("ListDiff", "floats_idx_i64", x=const(np.array([0.5, -0.0, 2.0, np.nan], np.float32)), y=const(np.array([0.0, 7.0], np.float32)),
     out_idx=np.int64)
case("ListDiff", "nothing_left", x=const(i64v([2, 2])), y=const(i64v([2])))
case("ListDiff", "empty_y", x=const(i32v([4, 1])), y=const(np.zeros((0,), np.int32)))
case("DynamicPartition", "vector", data=f32(6), partitions=const(i32v([1, 0, 2, 1, 1, 0])), num_partitions=3)
case("DynamicPartition", "rows_with_empty_partition", data=i64(4, 3), partitions=const(i32v([0, 2, 0, 2])), num_partitions=3)
case("DynamicPartition", "matrix_partitions", data=f64(2, 3, 2), partitions=const(i32v([[1, 0, 1], [0, 0, 1]])), num_partitions=2)
case("DynamicPartition", "one_partition", data=f32(3), partitions=const(i32v([0, 0, 0])), num_partitions=1)
case("DynamicPartition", "empty_data", data=np.zeros((0, 2), np.float32), partitions=const(np.zeros((0,), np.int32)), num_partitions=2)
