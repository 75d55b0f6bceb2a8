"""Elementwise math: unary and binary ops, comparisons, casts, reductions."""

import numpy as np
from spec import bools, case, const, f32, f64, family, i32, i32v, i64

family("math")

POSITIVE = dict(low=0.1, high=3.0)
UNIT = dict(low=-0.9, high=0.9)

for op, domain in [("Abs", {}), ("Neg", {}), ("Sign", {}), ("Square", {}), ("Exp", {}), ("Expm1", {}), ("Log", POSITIVE),
                   ("Log1p", POSITIVE), ("Sqrt", POSITIVE), ("Rsqrt", POSITIVE), ("Reciprocal", POSITIVE), ("Inv", POSITIVE),
                   ("Sin", {}), ("Cos", {}), ("Tan", UNIT), ("Tanh", {}), ("Sigmoid", {}), ("Erf", {}), ("Erfc", {}),
                   ("Floor", {}), ("Ceil", {}), ("Rint", {}), ("Round", {}), ("Relu", {}), ("Relu6", dict(low=-3, high=8)),
                   ("Elu", {}), ("Selu", {}), ("Softplus", {}), ("Softsign", {}), ("IsFinite", {}), ("IsNan", {}), ("IsInf", {})]:
    case(op, "f32", rtol=1e-5, atol=1e-6, x=f32(2, 3, **domain)) if op not in ("Relu", "Relu6", "Elu", "Selu", "Softplus", "Softsign") \
        else case(op, "f32", rtol=1e-5, atol=1e-6, features=f32(2, 3, **domain))
    if op in ("Abs", "Neg", "Sign", "Square"):
        case(op, "i32", x=i32(4))
    if op in ("Exp", "Log", "Tanh", "Sqrt"):
        case(op, "f64", x=f64(5, **domain))

for op in ["AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum", "SquaredDifference", "Pow", "Atan2", "DivNoNan"]:
    low = 0.5 if op == "Pow" else -2.0
    case(op, "same_shape", x=f32(2, 3, low=low), y=f32(2, 3))
    case(op, "broadcast", x=f32(4, 1, 3, low=low), y=f32(2, 1))
    case(op, "scalar", x=f32(low=low), y=f32(3))
for op in ["AddV2", "Sub", "Mul", "Maximum", "Minimum", "FloorDiv", "FloorMod", "TruncateDiv", "TruncateMod"]:
    case(op, "i32", x=i32(6), y=i32(6, low=1, high=5))
    case(op, "i64_broadcast", x=i64(2, 3), y=i64(3, low=1, high=5))
case("FloorDiv", "f32", x=f32(6), y=f32(6, low=0.5))
case("FloorMod", "f32", x=f32(6), y=f32(6, low=0.5))

for op in ["Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"]:
    case(op, "f32", x=f32(2, 3), y=f32(3))
    case(op, "i32", x=i32(5, low=0, high=3), y=i32(5, low=0, high=3))
for op in ["LogicalAnd", "LogicalOr"]:
    case(op, "broadcast", x=bools(2, 3), y=bools(3))
case("LogicalNot", x=bools(4))
case("Select", "same_shape", condition=bools(2, 3), x=f32(2, 3), y=f32(2, 3))
case("Select", "vector_condition", condition=bools(2), x=f32(2, 3), y=f32(2, 3))
case("SelectV2", "broadcast", condition=bools(3), t=f32(2, 3), e=f32(1))
case("ClipByValue", t=f32(2, 3), clip_value_min=f32(), clip_value_max=f32(low=2, high=3))
case("AddN", "three", inputs=[f32(2, 2), f32(2, 2), f32(2, 2)])

for src, dst, value in [(np.float32, np.int32, f32(6, low=-9, high=9)), (np.int32, np.float32, i32(6)),
                        (np.float32, np.float64, f32(4)), (np.float64, np.float32, f64(4)), (np.int64, np.int32, i64(4)),
                        (np.bool_, np.float32, bools(4)), (np.float32, np.bool_, f32(4))]:
    case("Cast", f"{np.dtype(src).name}_to_{np.dtype(dst).name}", x=value, DstT=dst)

for op in ["Sum", "Mean", "Max", "Min", "Prod", "EuclideanNorm"]:
    case(op, "axis1", rtol=1e-5, input=f32(3, 4), axis=const(i32v([1])))
    case(op, "keep_dims_all", rtol=1e-5, input=f32(2, 3, 2), axis=const(i32v([0, 1, 2])), keep_dims=True)
    case(op, "negative_axis_i32", input=i32(2, 5), axis=const(i32v(-1)))
for op in ["All", "Any"]:
    case(op, "axis0", input=bools(3, 4), axis=const(i32v([0])))
for op in ["ArgMax", "ArgMin"]:
    case(op, "axis1", input=f32(3, 5), dimension=const(i32v(1)))
    case(op, "int64_out", input=i32(4, 3), dimension=const(i32v(0)), output_type=np.int64)
case("Cumsum", "axis0", x=f32(4, 3), axis=const(i32v(0)))
case("Cumsum", "exclusive_reverse", x=f32(5), axis=const(i32v(0)), exclusive=True, reverse=True)
