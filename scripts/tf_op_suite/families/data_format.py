"""TensorFlow's layout helpers: DataFormatDimMap (4- and 5-letter formats, i32 and i64, indices in
[-n, n) and beyond it, where TensorFlow's kernel wraps once and sends the rest to the last
dimension) and DataFormatVecPermute (all dimensions or the spatial ones, vectors and [n, 2]
matrices)."""

import numpy as np
from spec import case, const, family, i32v, i64v

family("data_format")

ALL4 = i32v([-4, -3, -2, -1, 0, 1, 2, 3])
case("DataFormatDimMap", "default", x=ALL4)
case("DataFormatDimMap", "nchw_to_nhwc_i64", x=i64v([[0, 1], [2, 3]]), src_format="NCHW", dst_format="NHWC")
case("DataFormatDimMap", "any_permutation", x=ALL4, src_format="NHWC", dst_format="WHCN")
case("DataFormatDimMap", "beyond_range", x=i32v([-9, -6, -5, 4, 5, 9, 100]))
case("DataFormatDimMap", "scalar", x=np.int32(-1))
case("DataFormatDimMap", "const", x=const(i32v([1, 2])))
case("DataFormatDimMap", "empty", x=np.zeros((0,), np.int32))
case("DataFormatDimMap", "5d", x=i32v([-5, -4, -1, 0, 1, 2, 3, 4]), src_format="NDHWC", dst_format="NCDHW")
case("DataFormatDimMap", "5d_beyond_i64", x=i64v([-7, -6, 5, 7, 12]), src_format="NCDHW", dst_format="NDHWC")

case("DataFormatVecPermute", "default", x=i32v([1, 2, 3, 4]))
case("DataFormatVecPermute", "nchw_to_nhwc_i64", x=i64v([10, 20, 30, 40]), src_format="NCHW", dst_format="NHWC")
case("DataFormatVecPermute", "spatial", x=i32v([5, 7]), src_format="NHWC", dst_format="NWHC")
case("DataFormatVecPermute", "spatial_kept", x=i32v([5, 7]))
case("DataFormatVecPermute", "paddings", x=i32v([[0, 0], [1, 2], [3, 4], [5, 6]]))
case("DataFormatVecPermute", "spatial_paddings_i64", x=i64v([[1, 2], [3, 4]]), src_format="HWNC", dst_format="WHCN")
case("DataFormatVecPermute", "any_permutation", x=const(i32v([1, 2, 3, 4])), src_format="HWNC", dst_format="CHWN")
case("DataFormatVecPermute", "5d", x=i32v([1, 2, 3, 4, 5]), src_format="NDHWC", dst_format="NCDHW")
case("DataFormatVecPermute", "5d_spatial", x=i64v([1, 2, 3]), src_format="NDHWC", dst_format="NCWHD")
case("DataFormatVecPermute", "5d_paddings", x=i32v([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]), src_format="NCDHW",
     dst_format="NDHWC")
