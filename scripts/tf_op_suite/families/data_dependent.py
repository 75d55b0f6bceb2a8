"""Ops whose output shape depends on the input values, on constant inputs (the only ones tfc can
compile; fed inputs are errors, tested in tests/tf/test_data_dependent.py): Unique, UniqueV2,
UniqueWithCounts, UniqueWithCountsV2, with repeated, signed-zero and NaN floats and slices along an
axis."""

import numpy as np
from spec import case, const, family, i32v, i64v

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
