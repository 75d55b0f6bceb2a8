"""Math ops the math family leaves out: TensorFlow's legacy binary ops (Add, Div, Mod), matrix
products (MatMul, BatchMatMul V1-V3) and Einsum."""

import numpy as np
from spec import case, f16, f32, f64, family, i32, i64, ints

family("core_math")

MATMUL_TOL = dict(rtol=1e-5, atol=1e-5)

case("Add", "broadcast_f32", x=f32(2, 3), y=f32(3))
case("Add", "i64_with_scalar", x=i64(4), y=i64())
case("Add", "f64", x=f64(2, 2), y=f64(2, 1))
case("Div", "f32", x=f32(2, 3), y=f32(3, low=0.5, high=2))
case("Div", "i32_truncating", x=i32(6), y=i32(6, low=1, high=4))
case("Div", "i64_negative", x=lambda: np.asarray([-7, 7, -7, 7], np.int64), y=lambda: np.asarray([2, -2, -2, 2], np.int64))
case("Mod", "i32", x=i32(6), y=i32(6, low=1, high=4))
case("Mod", "i64_negative", x=lambda: np.asarray([-7, 7, -7, 7], np.int64), y=lambda: np.asarray([3, -3, -3, 3], np.int64))
case("Mod", "f32", x=f32(5), y=f32(5, low=0.5, high=2))

case("MatMul", "f32", **MATMUL_TOL, a=f32(3, 4), b=f32(4, 2))
case("MatMul", "transpose_a", **MATMUL_TOL, a=f32(4, 3), b=f32(4, 2), transpose_a=True)
case("MatMul", "transpose_both_f64", a=f64(4, 3), b=f64(2, 4), transpose_a=True, transpose_b=True)
case("MatMul", "i32", a=i32(2, 3), b=i32(3, 2))
case("MatMul", "f16", a=f16(2, 3), b=f16(3, 2))
case("MatMul", "empty_inner", a=f32(2, 0), b=f32(0, 3))
case("MatMul", "empty_rows", a=f32(0, 3), b=f32(3, 2))
for op in ["BatchMatMul", "BatchMatMulV2"]:
    case(op, "batched", **MATMUL_TOL, x=f32(2, 3, 4), y=f32(2, 4, 5))
    case(op, "adjoints_f64", x=f64(3, 4, 2), y=f64(3, 3, 4), adj_x=True, adj_y=True)
    case(op, "rank4_i32", x=i32(2, 2, 2, 3), y=i32(2, 2, 3, 2))
case("BatchMatMulV2", "broadcast_batch", **MATMUL_TOL, x=f32(2, 1, 3, 4), y=f32(3, 4, 2))
case("BatchMatMulV2", "matrix_times_batch", **MATMUL_TOL, x=f32(3, 4), y=f32(2, 4, 2))
case("BatchMatMulV2", "empty_batch", x=f32(0, 2, 3), y=f32(3, 2))
case("BatchMatMulV3", "f32", **MATMUL_TOL, x=f32(2, 3, 4), y=f32(2, 4, 5), Tout=np.float32)
case("BatchMatMulV3", "broadcast_adj_y", **MATMUL_TOL, x=f32(2, 1, 3, 4), y=f32(3, 5, 4), adj_y=True, Tout=np.float32)
case("BatchMatMulV3", "f64", x=f64(3, 2), y=f64(2, 3), Tout=np.float64)

case("Einsum", "matmul", **MATMUL_TOL, inputs=[f32(2, 3), f32(3, 4)], equation="ij,jk->ik")
case("Einsum", "batch_transposed", **MATMUL_TOL, inputs=[f32(2, 3, 4), f32(2, 5, 4)], equation="bij,bkj->bik")
case("Einsum", "trace_like_sum", **MATMUL_TOL, inputs=[f32(3, 4)], equation="ij->j")
case("Einsum", "transpose", inputs=[f64(2, 3, 4)], equation="abc->cab")
case("Einsum", "outer", **MATMUL_TOL, inputs=[f32(3), f32(4)], equation="i,j->ij")
case("Einsum", "ellipsis", **MATMUL_TOL, inputs=[f32(2, 3, 4), f32(4, 5)], equation="...ij,jk->...ik")
case("Einsum", "dot_scalar", **MATMUL_TOL, inputs=[f32(5), f32(5)], equation="i,i->")
case("Einsum", "i32_contract_two", inputs=[i32(2, 3, 4), i32(3, 4, 2)], equation="abc,bcd->ad")

# ---- edge cases -----------------------------------------------------------------------------------
case("Mod", "f64_divisor_negative", x=f64(6), y=f64(6, low=-2, high=-0.5))
case("Div", "f64_by_zero", x=lambda: np.asarray([1.0, -1.0, 0.0], np.float64), y=lambda: np.zeros(3, np.float64))
case("Add", "empty_broadcast", x=f32(0, 3), y=f32(1, 3))
case("MatMul", "vector_like", **MATMUL_TOL, a=f32(1, 5), b=f32(5, 1))
case("BatchMatMulV3", "int8_to_i32", x=lambda: np.asarray([[[1, -2], [3, 4]]], np.int8), y=lambda: np.asarray([[[5, 6], [-7, 8]]], np.int8),
     Tout=np.int32)
case("BatchMatMulV2", "i64", x=i64(2, 3), y=i64(3, 2))
case("Einsum", "diagonal", inputs=[f32(3, 3)], equation="ii->i")
case("Einsum", "broadcast_batch", **MATMUL_TOL, inputs=[f32(2, 1, 3, 4), f32(3, 4, 2)], equation="...ij,...jk->...ik")

# ---- narrow and unsigned integer dtypes (where TensorFlow's CPU kernels take them) -----------------
for dtype in [np.int8, np.uint8, np.int16, np.uint16, np.uint32, np.uint64]:
    name = np.dtype(dtype).name
    case("Div", name, x=ints(2, 3, dtype=dtype, low=0, high=9), y=ints(2, 3, dtype=dtype, low=1, high=4))
    if dtype in (np.int8, np.uint8, np.int16):
        case("Add", name, x=ints(2, 3, dtype=dtype, low=0, high=9), y=ints(3, dtype=dtype, low=0, high=9))
case("BatchMatMulV2", "int16", x=ints(2, 3, dtype=np.int16, low=0, high=9), y=ints(3, 2, dtype=np.int16, low=0, high=4))
