"""Variable ops of training graphs: assigning and reading, Scatter*/ScatterNd* (ref and resource
forms, repeated indices applied in order as TensorFlow's CPU kernels do), StridedSliceAssign, and the
questions VarIsInitializedOp, IsVariableInitialized and VariableShape."""

import numpy as np
from spec import c64, case, const, f32, f64, family, i32, i32v, i64, i64v, variable

family("state")

SCATTER_KINDS = ("Update", "Add", "Sub", "Mul", "Div", "Min", "Max")
NONZERO = dict(low=1, high=4)

for kind in SCATTER_KINDS:
    updates = dict(low=0.5, high=2.0) if kind in ("Mul", "Div") else {}
    case(f"Scatter{kind}", "f32_repeated", ref=variable(f32(4, 3)), indices=i32v([2, 0, 2]), updates=f32(3, 3, **updates))
    case(f"Scatter{kind}", "i32_matrix_indices_i64", ref=variable(i32(5)), indices=i64v([[1, 4], [1, 1]]),
         updates=i32(2, 2, **NONZERO), use_locking=True)
    case(f"Scatter{kind}", "scalar_updates", ref=variable(f64(3, 2)), indices=i32v([1, 1]), updates=f64(**updates))
    case(f"ResourceScatter{kind}", "f32_repeated", resource=variable(f32(4, 3)), indices=i64v([3, 0, 3, 3]),
         updates=f32(4, 3, **updates), steps=2)
    case(f"ResourceScatter{kind}", "i64_values", resource=variable(i64(6, low=-9, high=9)), indices=i32v([5, 0, 5]),
         updates=i64(3, **NONZERO))
    case(f"ResourceScatter{kind}", "scalar_updates", resource=variable(f32(3, 2)), indices=i32v([2, 0, 2]),
         updates=f32(**updates))
    case(f"Scatter{kind}", "scalar_index", ref=variable(f32(3, 2)), indices=np.int64(2), updates=f32(2, **updates))
    case(f"ResourceScatter{kind}", "no_indices", resource=variable(f32(3, 2)), indices=i32v(np.zeros(0, np.int32)),
         updates=f32(0, 2))

for kind in ("Update", "Add", "Sub", "Mul", "Div"):  # complex values (Min and Max need real ones)
    case(f"Scatter{kind}", "c64_repeated", ref=variable(c64(4, 2)), indices=i32v([3, 0, 3]), updates=c64(3, 2))
    case(f"ResourceScatter{kind}", "c64_repeated", resource=variable(c64(4, 2)), indices=i64v([1, 1, 2]), updates=c64(3, 2))

for kind in ("Update", "Add", "Sub", "Min", "Max"):
    for op in (f"ScatterNd{kind}", f"ResourceScatterNd{kind}"):
        case(op, "elements_repeated", ref=variable(f32(3, 4)), indices=i32v([[0, 1], [2, 3], [0, 1]]), updates=f32(3))
        case(op, "rows_i64", ref=variable(i32(4, 2)), indices=i64v([[3], [1]]), updates=i32(2, 2))
        case(op, "slices_batched", ref=variable(f64(2, 3, 2)), indices=i32v([[[1, 2], [0, 0]], [[1, 2], [0, 1]]]),
             updates=f64(2, 2, 2), steps=2)
        case(op, "no_updates", ref=variable(f32(2, 2)), indices=i64v(np.zeros((0, 1), np.int64)), updates=f32(0, 2))
        case(op, "ignore_bad_indices", ref=variable(f32(3, 2)), indices=i32v([[2, 1], [3, 0], [0, -1], [1, 1]]),
             updates=f32(4), bad_indices_policy="IGNORE")
        if kind in ("Update", "Add", "Sub"):
            case(op, "c64_repeated", ref=variable(c64(3, 2)), indices=i32v([[2, 1], [0, 0], [2, 1]]), updates=c64(3))

for op in ("StridedSliceAssign", "ResourceStridedSliceAssign"):
    def strided(variant, begin, end, strides, value, ref=None, index=i32v, op=op, **masks):
        case(op, variant, ref=variable(ref or f32(4, 5)), begin=const(index(begin)), end=const(index(end)),
             strides=const(index(strides)), value=value, **masks)

    strided("rows", [1], [3], [1], f32(2, 5))
    strided("stepped_2d", [0, 1], [4, 5], [2, 2], f32(2, 2))
    strided("negative_stride", [3, -1], [0, 0], [-1, -2], f32(3, 2))
    strided("shrink_axis", [2, 1], [3, 4], [1, 1], f32(3), shrink_axis_mask=1)
    strided("masks_ellipsis_new_axis", [0, 1, 0], [0, 5, 0], [1, 2, 1], f32(4, 2, 1), begin_mask=1, end_mask=1,
            new_axis_mask=4)
    strided("broadcast_value", [0, 1], [4, 3], [1, 1], f32(2))
    strided("i64_bounds_i32_values", [1], [5], [3], i32(2, 3), ref=i32(6, 3), index=i64v)
    strided("empty_slice", [2], [2], [1], f32(0, 5))

for op, name in (("VarIsInitializedOp", "resource"), ("IsVariableInitialized", "ref")):
    case(op, "initialized", **{name: variable(f32(2, 3))})
    case(op, "uninitialized", **{name: variable(f32(2), initialized=False)})
for out_type in (np.int32, np.int64):
    case("VariableShape", np.dtype(out_type).name, input=variable(f32(2, 0, 3)), out_type=out_type)
case("VariableShape", "scalar", input=variable(f32()))

for op in ("Assign", "AssignAdd", "AssignSub"):
    case(op, "f32", ref=variable(f32(2, 3)), value=f32(2, 3), steps=2)
case("Assign", "uninitialized", ref=variable(i64(4), initialized=False), value=i64(4))
for op in ("AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp"):
    case(op, "f32", resource=variable(f32(2, 3)), value=f32(2, 3), steps=2)
case("ReadVariableOp", "f64", resource=variable(f64(3, 2)), dtype=np.float64)
case("ResourceGather", "i32_repeated", resource=variable(f32(4, 3)), indices=i32v([3, 0, 3]), dtype=np.float32)
case("ResourceGather", "i64_matrix", resource=variable(i32(5)), indices=i64v([[4, 1], [0, 0]]), dtype=np.int32)
