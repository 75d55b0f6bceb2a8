"""Rearrangements between space and depth or batch: DepthToSpace, SpaceToDepth (NHWC: TensorFlow's
CPU kernels refuse NCHW, which tests/tf/test_space_batch.py checks against NHWC), SpaceToBatchND and
BatchToSpaceND over one to three block dimensions with paddings, crops and trailing dimensions,
SpaceToBatch and BatchToSpace."""

import numpy as np
from spec import case, const, f32, f64, family, i32, i32v, i64, i64v

family("space_batch")

# ---- DepthToSpace, SpaceToDepth -------------------------------------------------------------------
case("DepthToSpace", "block2", input=f32(1, 2, 3, 8), block_size=2)
case("DepthToSpace", "block3_i32", input=i32(2, 1, 2, 9), block_size=3)
case("DepthToSpace", "f64_batch", input=f64(3, 2, 2, 4), block_size=2)
case("DepthToSpace", "empty_batch", input=np.zeros((0, 2, 2, 4), np.float32), block_size=2)
case("SpaceToDepth", "block2", input=f32(1, 4, 6, 2), block_size=2)
case("SpaceToDepth", "block3_i64", input=i64(2, 3, 6, 1), block_size=3)
case("SpaceToDepth", "f64", input=f64(1, 2, 2, 3), block_size=2)
case("SpaceToDepth", "empty_batch", input=np.zeros((0, 4, 4, 1), np.float32), block_size=2)

# ---- SpaceToBatchND, BatchToSpaceND ---------------------------------------------------------------
case("SpaceToBatchND", "2d", input=f32(1, 4, 4, 1), block_shape=const(i32v([2, 2])), paddings=const(i32v([[0, 0], [0, 0]])))
case("SpaceToBatchND", "2d_padded", input=f32(2, 3, 5, 2), block_shape=const(i32v([2, 3])), paddings=const(i32v([[1, 0], [0, 1]])))
case("SpaceToBatchND", "1d_trailing_i64", input=i32(2, 5, 2, 3), block_shape=const(i64v([3])), paddings=const(i64v([[2, 2]])))
case("SpaceToBatchND", "3d", input=f64(1, 2, 4, 3, 1), block_shape=const(i32v([2, 2, 3])), paddings=const(i32v([[0, 0], [1, 1], [0, 0]])))
case("SpaceToBatchND", "block_1", input=f32(2, 3, 2), block_shape=const(i32v([1])), paddings=const(i32v([[1, 2]])))
case("SpaceToBatchND", "empty_batch", input=np.zeros((0, 2, 2, 1), np.float32), block_shape=const(i32v([2, 2])),
     paddings=const(i32v([[0, 0], [0, 0]])))
case("BatchToSpaceND", "2d", input=f32(4, 2, 2, 1), block_shape=const(i32v([2, 2])), crops=const(i32v([[0, 0], [0, 0]])))
case("BatchToSpaceND", "2d_cropped", input=f32(12, 2, 2, 2), block_shape=const(i32v([2, 3])), crops=const(i32v([[1, 0], [0, 2]])))
case("BatchToSpaceND", "1d_trailing_i64", input=i32(6, 3, 2, 2), block_shape=const(i64v([3])), crops=const(i64v([[2, 1]])))
case("BatchToSpaceND", "3d", input=f64(12, 1, 3, 1, 2), block_shape=const(i32v([2, 2, 3])), crops=const(i32v([[0, 0], [1, 1], [0, 1]])))
case("BatchToSpaceND", "crop_all", input=f32(4, 1, 2, 1), block_shape=const(i32v([2, 2])), crops=const(i32v([[1, 1], [0, 0]])))
case("BatchToSpaceND", "empty_batch", input=np.zeros((0, 2, 2, 1), np.float32), block_shape=const(i32v([2, 2])),
     crops=const(i32v([[0, 0], [0, 0]])))

# ---- SpaceToBatch, BatchToSpace -------------------------------------------------------------------
case("SpaceToBatch", "block2", input=f32(1, 4, 4, 1), paddings=const(i32v([[0, 0], [0, 0]])), block_size=2)
case("SpaceToBatch", "block3_padded_i64", input=i32(2, 4, 2, 3), paddings=const(i64v([[1, 1], [0, 1]])), block_size=3)
case("BatchToSpace", "block2", input=f32(4, 2, 2, 1), crops=const(i32v([[0, 0], [0, 0]])), block_size=2)
case("BatchToSpace", "block3_cropped_i64", input=f64(9, 2, 1, 2), crops=const(i64v([[1, 2], [0, 1]])), block_size=3)
