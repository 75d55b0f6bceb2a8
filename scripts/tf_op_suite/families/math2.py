"""More math: inverse trigonometric and hyperbolic functions, special functions (gamma family, error
function inverse, Bessel, incomplete gamma and beta), safe binary ops (Xdivy, Xlogy, MulNoNan...),
NextAfter, ApproximateEqual, integer Pow, Cumprod, CumulativeLogsumexp, ToBool, ClipByValue's forms,
and softmax and the losses on f64 and higher ranks."""

import numpy as np
from spec import case, const, f16, f32, f64, family, i32, i32v, i64, i64v

family("math2")

F32 = dict(rtol=1e-5, atol=1e-6)
F64 = dict(rtol=1e-10, atol=1e-12)

# (op, value range) — each on f32 and f64, plus a scalar and an empty tensor.
UNARY = [
    ("Acos", (-0.95, 0.95)), ("Asin", (-0.95, 0.95)), ("Atan", (-4.0, 4.0)), ("Acosh", (1.05, 6.0)),
    ("Asinh", (-4.0, 4.0)), ("Atanh", (-0.95, 0.95)), ("Sinh", (-4.0, 4.0)), ("Cosh", (-4.0, 4.0)),
    ("Lgamma", (0.1, 8.0)), ("Digamma", (0.1, 8.0)), ("Erfinv", (-0.99, 0.99)), ("Ndtri", (0.02, 0.98)),
    ("BesselI0e", (-12.0, 12.0)), ("BesselI1e", (-12.0, 12.0)), ("BesselI0", (-12.0, 12.0)), ("BesselI1", (-12.0, 12.0)),
]
for op, (low, high) in UNARY:
    case(op, "f32", **F32, x=f32(2, 5, low=low, high=high))
    case(op, "f64", **F64, x=f64(7, low=low, high=high))
    case(op, "scalar", **F32, x=f32(low=low, high=high))
    case(op, "empty", x=f32(0, 3, low=low, high=high))
    if op not in ("Erfinv", "Ndtri"):  # TensorFlow's CPU kernels have no f16 of these
        case(op, "f16", rtol=4e-3, atol=1e-3, x=f16(6, low=low, high=high))

# Edges: poles, branch points and the ends of the domains (TensorFlow's nan/inf conventions).
EDGES = {
    "Acos": [-1.0, 1.0, 0.0, 1.5, np.nan],
    "Asin": [-1.0, 1.0, -0.0, -1.5, np.nan],
    "Atan": [np.inf, -np.inf, 0.0, 1e20, np.nan],
    "Acosh": [1.0, 0.5, 1e20, np.inf, np.nan],
    "Asinh": [0.0, 1e-20, -1e20, np.inf, np.nan],
    "Atanh": [1.0, -1.0, 0.0, 2.0, 1e-20],
    "Sinh": [0.0, 1e-20, 50.0, -100.0, np.inf],
    "Cosh": [0.0, 50.0, -100.0, np.inf, np.nan],
    "Lgamma": [-2.5, -1.5, -0.5, 0.5, 1.0, 2.0, 0.0, -1.0, 1e-20, 1e20, np.inf, -np.inf],
    "Digamma": [-2.5, -1.5, -0.5, 0.5, 1.0, 2.0, 30.0, 0.0, -1.0, np.inf],
    "Erfinv": [-1.0, 1.0, 0.0, 1.5, -0.999, 0.9999],
    "Ndtri": [0.0, 1.0, 0.5, -0.5, 1e-6, 0.999],
    "BesselI0e": [0.0, 1e-20, 100.0, -100.0, np.inf, np.nan],
    "BesselI1e": [0.0, 1e-20, 100.0, -100.0, np.inf, np.nan],
    "BesselI0": [0.0, 1e-20, 30.0, -30.0, 100.0, np.inf, -np.inf, np.nan],
    "BesselI1": [0.0, 1e-20, 30.0, -30.0, 100.0, np.inf, -np.inf, np.nan],
}
for op, values in EDGES.items():
    case(op, "edges_f64", **F64, x=np.array(values, np.float64))
    case(op, "edges_f32", rtol=2e-5, atol=1e-6, x=np.array(values, np.float32))

# Binary special functions: f32, f64 and a broadcast; the first argument's domain, then the second's.
case("Igamma", "f32", **F32, a=f32(2, 4, low=0.2, high=6), x=f32(2, 4, low=0.1, high=9))
case("Igamma", "f64", **F64, a=f64(6, low=0.2, high=6), x=f64(6, low=0.1, high=9))
case("Igamma", "broadcast", **F32, a=f32(3, 1, low=0.2, high=6), x=f32(4, low=0.1, high=9))
case("Igamma", "edges", **F64, a=np.array([0.0, -1.0, 1.0, 1.0, 2.0, np.nan, 1.0, 30.0]),
     x=np.array([1.0, 1.0, 0.0, -1.0, np.inf, 1.0, np.nan, 31.0]))
case("Igammac", "f32", **F32, a=f32(2, 4, low=0.2, high=6), x=f32(2, 4, low=0.1, high=9))
case("Igammac", "f64", **F64, a=f64(6, low=0.2, high=6), x=f64(6, low=0.1, high=9))
case("Igammac", "broadcast", **F32, a=f32(low=0.2, high=6), x=f32(5, low=0.1, high=9))
case("Igammac", "edges", **F64, a=np.array([0.0, -1.0, 1.0, 1.0, 2.0, np.nan, 1.0, 30.0]),
     x=np.array([1.0, 1.0, 0.0, -1.0, np.inf, 1.0, np.nan, 31.0]))
POLYGAMMA_ORDERS = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 1.0], np.float32)
case("Polygamma", "f32", rtol=1e-4, atol=1e-6, a=const(POLYGAMMA_ORDERS), x=f32(6, low=0.5, high=5))
case("Polygamma", "f64", **F64, a=POLYGAMMA_ORDERS.astype(np.float64), x=f64(6, low=0.5, high=5))
case("Polygamma", "broadcast", rtol=1e-4, atol=1e-6, a=np.array([[0.0], [1.0], [2.0]], np.float32), x=f32(4, low=0.5, high=5))
case("Polygamma", "edges", **F64, a=np.array([1.5, -1.0, 1.0, 1.0, 0.0, 2.0, np.nan]),
     x=np.array([1.0, 1.0, 0.0, -2.0, -1.5, -1.5, 1.0]))
case("Zeta", "f32", rtol=1e-4, atol=1e-6, x=f32(2, 3, low=1.1, high=6), q=f32(2, 3, low=0.5, high=4))
case("Zeta", "f64", **F64, x=f64(6, low=1.1, high=6), q=f64(6, low=0.5, high=4))
case("Zeta", "broadcast", rtol=1e-4, atol=1e-6, x=f32(3, 1, low=1.1, high=6), q=f32(2, low=0.5, high=4))
case("Zeta", "edges", **F64, x=np.array([1.0, 0.5, 2.0, 2.0, 3.0, 2.0, np.inf]),
     q=np.array([1.0, 1.0, 0.0, -1.0, -1.5, np.inf, 2.0]))
case("Betainc", "f32", rtol=1e-4, atol=1e-6, a=f32(2, 3, low=0.3, high=5), b=f32(2, 3, low=0.3, high=5), x=f32(2, 3, low=0, high=1))
case("Betainc", "f64", **F64, a=f64(6, low=0.3, high=5), b=f64(6, low=0.3, high=5), x=f64(6, low=0, high=1))
case("Betainc", "scalar_a", rtol=1e-4, atol=1e-6, a=f32(low=0.3, high=5), b=f32(4, low=0.3, high=5), x=f32(4, low=0, high=1))
case("Betainc", "edges", **F64, a=np.array([0.0, -1.0, 1.0, 1.0, 2.0, 2.0]), b=np.array([1.0, 1.0, 0.0, 2.0, 3.0, 3.0]),
     x=np.array([0.5, 0.5, 0.5, 1.5, 0.0, 1.0]))

# Safe binary ops: zeros where the first (MulNoNan: second) operand is zero, whatever the other holds.
SPECIAL = np.array([0.0, 0.0, 0.0, -0.0, 1.0, 2.0, -3.0, np.nan, 0.0], np.float32)
OTHER = np.array([0.0, np.nan, np.inf, -1.0, 0.0, np.inf, 4.0, 0.0, 3.0], np.float32)
for op in ["Xdivy", "Xlogy", "Xlog1py"]:
    case(op, "f32", **F32, x=f32(2, 3), y=f32(2, 3, low=0.1, high=3))
    case(op, "f64_broadcast", **F64, x=f64(3, 1), y=f64(4, low=0.1, high=3))
    case(op, "specials", x=SPECIAL, y=OTHER)
    case(op, "empty", x=f32(0, 2), y=f32(2))
case("MulNoNan", "f32", **F32, x=f32(2, 3), y=f32(2, 3))
case("MulNoNan", "f64_broadcast", **F64, x=f64(3, 1), y=f64(4))
case("MulNoNan", "specials", x=OTHER, y=SPECIAL)
case("MulNoNan", "scalar", x=f32(), y=f32())
case("NextAfter", "f32", x1=f32(6), x2=f32(6))
case("NextAfter", "f64_broadcast", x1=f64(2, 3), x2=f64(3))
case("NextAfter", "specials", x1=np.array([0.0, -0.0, 0.0, 1.0, np.inf, -np.inf, np.nan, 1.0, 3.4028235e38, 1.0], np.float32),
     x2=np.array([1.0, -1.0, -0.0, 1.0, 0.0, 0.0, 1.0, np.nan, np.inf, 0.0], np.float32))
case("NextAfter", "specials_f64", x1=np.array([0.0, -0.0, 1.0, -1.0, np.inf, 5e-324]), x2=np.array([-1.0, 1.0, 2.0, -2.0, 1.0, 0.0]))
case("ApproximateEqual", "f32", x=np.array([1.0, 2.0, 3.0, 4.0], np.float32), y=np.array([1.000001, 2.1, 3.0, np.nan], np.float32))
case("ApproximateEqual", "f64_tolerance", x=f64(2, 3), y=f64(2, 3), tolerance=1.0)
case("TruncateDiv", "f32", x=f32(6, low=-9, high=9), y=f32(6, low=0.5, high=3))
case("TruncateMod", "f32", x=f32(6, low=-9, high=9), y=f32(6, low=0.5, high=3))
case("TruncateMod", "f64_broadcast", x=f64(2, 3, low=-9, high=9), y=f64(3, low=0.5, high=3))
for name, dtype in [("i8", np.int8), ("i16", np.int16), ("i32", np.int32), ("i64", np.int64)]:
    case("Pow", name, x=np.array([2, 3, -2, 7, 0, 1, -1, 5], dtype), y=np.array([7, 2, 3, 20, 0, 9, 5, 1], dtype))
case("Pow", "i32_broadcast", x=i32(3, 1, low=-4, high=5), y=i32(4, low=0, high=6))
case("Pow", "i64_overflow", x=i64v([3, -3, 2, 10]), y=i64v([40, 41, 63, 30]))

# Cumulative product and log-sum-exp: every exclusive/reverse pair, axes, dtypes.
for exclusive in (False, True):
    for reverse in (False, True):
        flags = f"{'exclusive' if exclusive else 'inclusive'}_{'reverse' if reverse else 'forward'}"
        case("Cumprod", flags, **F32, x=f32(3, 5, low=0.5, high=1.5), axis=const(i32v(1)), exclusive=exclusive, reverse=reverse)
        case("CumulativeLogsumexp", flags, **F32, x=f32(4, 3, low=-5, high=5), axis=const(i32v(0)), exclusive=exclusive, reverse=reverse)
case("Cumprod", "i32_axis0", x=i32(5, 2, low=-3, high=4), axis=const(i32v(0)))
case("Cumprod", "i64_negative_axis", x=i64(2, 3, low=-3, high=4), axis=const(i64v(-1)), exclusive=True)
case("Cumprod", "f64_rank3", **F64, x=f64(2, 7, 2), axis=const(i32v(1)), reverse=True)
case("Cumprod", "zeros_and_nan", x=np.array([2.0, 0.0, 3.0, np.nan, 4.0], np.float32), axis=const(i32v(0)))
case("Cumprod", "empty", x=f32(0, 3), axis=const(i32v(1)))
case("Cumprod", "u8_wraps", x=np.array([200, 3, 7, 11], np.uint8), axis=const(i32v(0)))
case("CumulativeLogsumexp", "f64_long", **F64, x=f64(33, low=-20, high=20), axis=const(i32v(0)))
case("CumulativeLogsumexp", "wide_range", x=np.array([-1000.0, 0.0, -np.inf, 3.0, 1000.0, -np.inf], np.float32), axis=const(i32v(0)))
case("CumulativeLogsumexp", "all_neg_inf", x=np.full((2, 3), -np.inf, np.float32), axis=const(i32v(1)), exclusive=True)
case("CumulativeLogsumexp", "with_inf_and_nan", x=np.array([1.0, np.inf, 2.0, np.nan, 3.0], np.float64), axis=const(i32v(0)))
case("CumulativeLogsumexp", "empty", x=f32(2, 0), axis=const(i32v(1)))

# ToBool: a scalar is its truth value; any other tensor is true when it has elements.
for name, value in [("f32_zero", np.float32(0)), ("f32_nan", np.float32(np.nan)), ("i32_scalar", np.int32(-3)),
                    ("bool_scalar", np.bool_(False)), ("vector", np.zeros(3, np.float32)), ("empty", np.zeros((2, 0), np.int64)),
                    ("matrix_bool", np.zeros((1, 1), np.bool_))]:
    case("ToBool", name, input=value)

# ClipByValue: each bound a scalar or the operand's shape (TensorFlow's kernel allows nothing else).
case("ClipByValue", "scalar_min_tensor_max", t=f32(2, 3), clip_value_min=f32(), clip_value_max=f32(2, 3, low=0.5, high=2))
case("ClipByValue", "tensor_min_scalar_max", t=f32(2, 3), clip_value_min=f32(2, 3, low=-2, high=0), clip_value_max=f32())
case("ClipByValue", "tensor_bounds_f64", t=f64(4), clip_value_min=f64(4, low=-2, high=0), clip_value_max=f64(4, low=0, high=2))
case("ClipByValue", "i32_scalars", t=i32(5, low=-9, high=9), clip_value_min=np.int32(-2), clip_value_max=np.int32(3))
case("ClipByValue", "u8", t=np.array([0, 7, 200, 255], np.uint8), clip_value_min=np.uint8(5), clip_value_max=np.uint8(201))
case("ClipByValue", "scalar_operand", t=f32(), clip_value_min=f32(low=-1, high=0), clip_value_max=f32(low=0, high=1))

# Softmax, LogSoftmax and the losses on f64 and higher ranks (the last axis).
for op in ["Softmax", "LogSoftmax"]:
    case(op, "f64", **F64, logits=f64(3, 5))
    case(op, "rank3", **F32, logits=f32(2, 3, 4))
    case(op, "rank4_f64", **F64, logits=f64(2, 1, 3, 2))
    case(op, "vector", **F32, logits=f32(6))
    case(op, "large_logits", **F32, logits=np.array([[1000.0, 0.0, -1000.0], [88.0, 89.0, 90.0]], np.float32))
    case(op, "empty_rows", logits=f32(0, 3))
case("L2Loss", "f64", **F64, t=f64(3, 4))
case("L2Loss", "rank3", **F32, t=f32(2, 3, 2))
case("L2Loss", "scalar", **F32, t=f32())
case("L2Loss", "empty", t=f32(0))
case("SoftmaxCrossEntropyWithLogits", "f64", **F64, features=f64(3, 4), labels=f64(3, 4, low=0, high=1))
case("SoftmaxCrossEntropyWithLogits", "broadcast_labels", **F32, features=f32(3, 4), labels=f32(1, 4, low=0, high=1))
case("SparseSoftmaxCrossEntropyWithLogits", "f64", **F64, features=f64(4, 3), labels=np.array([0, 2, 1, 2], np.int32))
case("SparseSoftmaxCrossEntropyWithLogits", "i64_labels", **F32, features=f32(3, 5), labels=i64v([4, 0, 3]))

# The gradient ops of elementwise math (what tf.gradients leaves in saved graphs): y and dy of one
# shape; a zero dy gives 0 even where y is 0 or infinite.
GRAD_Y = np.array([0.0, 0.0, np.inf, 2.0, -0.5, 0.25, np.inf, 1.0], np.float32)
GRAD_DY = np.array([0.0, 1.0, 0.0, 0.0, 3.0, -2.0, 1.0, np.nan], np.float32)
for op in ["SqrtGrad", "RsqrtGrad", "ReciprocalGrad", "InvGrad", "TanhGrad", "SigmoidGrad"]:
    low = 0.1 if op in ("SqrtGrad", "RsqrtGrad") else -0.9
    case(op, "f32", **F32, y=f32(2, 3, low=low, high=0.9), dy=f32(2, 3))
    case(op, "f64", **F64, y=f64(5, low=low, high=0.9), dy=f64(5))
    case(op, "f16", rtol=1e-2, atol=1e-3, y=f16(4, low=low, high=0.9), dy=f16(4))
    case(op, "scalar", **F32, y=f32(low=low, high=0.9), dy=f32())
    case(op, "empty", y=f32(0, 2), dy=f32(0, 2))
    case(op, "specials", **F32, y=GRAD_Y, dy=GRAD_DY)

# IgammaGradA and RandomGammaGrad (d sample / d alpha of a gamma sample).
case("IgammaGradA", "f32", rtol=1e-4, atol=1e-6, a=f32(2, 4, low=0.3, high=6), x=f32(2, 4, low=0.1, high=9))
case("IgammaGradA", "f64", rtol=1e-9, atol=1e-12, a=f64(6, low=0.3, high=6), x=f64(6, low=0.1, high=9))
case("IgammaGradA", "broadcast", rtol=1e-4, atol=1e-6, a=f32(3, 1, low=0.3, high=6), x=f32(4, low=0.1, high=9))
case("IgammaGradA", "edges", rtol=1e-9, atol=1e-12, a=np.array([0.0, -1.0, 1.0, 2.0, 1.0, 0.5]), x=np.array([1.0, 1.0, 0.0, -1.0, 40.0, 1e-8]))
case("RandomGammaGrad", "f32", rtol=1e-4, atol=1e-6, alpha=f32(2, 4, low=0.3, high=6), sample=f32(2, 4, low=0.1, high=9))
case("RandomGammaGrad", "f64", rtol=1e-9, atol=1e-12, alpha=f64(6, low=0.3, high=6), sample=f64(6, low=0.1, high=9))
case("RandomGammaGrad", "broadcast", rtol=1e-4, atol=1e-6, alpha=f32(3, 1, low=0.3, high=6), sample=f32(4, low=0.1, high=9))
case("RandomGammaGrad", "zero_sample", rtol=1e-9, atol=1e-12, alpha=np.array([0.5, 1.0, 3.0]), sample=np.array([0.0, 0.0, 0.0]))

# Cross: 3-vectors along the last axis.
case("Cross", "f32", **F32, a=f32(2, 3), b=f32(2, 3))
case("Cross", "f64_rank3", **F64, a=f64(2, 2, 3), b=f64(2, 2, 3))
case("Cross", "i32", a=i32(4, 3), b=i32(4, 3))
case("Cross", "vector", **F32, a=f32(3), b=f32(3))
case("Cross", "empty", a=f32(0, 3), b=f32(0, 3))

# Add (TF1's name for AddV2) and Mod (C's fmod: the dividend's sign).
case("Add", "f32_broadcast", x=f32(2, 3), y=f32(3))
case("Add", "i64_scalar", x=i64(4), y=np.int64(-7))
case("Mod", "i32_signs", x=np.array([7, -7, 7, -7, 0, 5], np.int32), y=np.array([3, 3, -3, -3, 2, 7], np.int32))
case("Mod", "f32_broadcast", x=f32(2, 3, low=-9, high=9), y=f32(3, low=0.5, high=3))
case("Mod", "f64_negative_divisor", x=f64(4, low=-9, high=9), y=f64(4, low=-3, high=-0.5))

# More variants of the basic elementwise ops: f64, edges, integers and empty tensors.
FLOAT_EDGES = np.array([0.0, -0.0, 1.0, -1.0, 1e-30, -1e-30, 30.0, -30.0, np.inf, -np.inf, np.nan])
for op in ["Tan", "Erf", "Erfc", "Expm1", "Log1p", "Sign", "Square", "Reciprocal", "Inv", "Rint", "Round", "Floor", "Ceil"]:
    case(op, "f64", **F64, x=f64(7, low=-3, high=3))
    case(op, "edges_f32", rtol=1e-5, atol=1e-30, x=FLOAT_EDGES.astype(np.float32))
    # TensorFlow's CPU kernel says erf(+-inf) is nan in f64 (1 in f32, and with XLA): tfc says 1.
    case(op, "edges_f64", **F64, x=FLOAT_EDGES[:-3] if op == "Erf" else FLOAT_EDGES)
    case(op, "empty", x=f32(0, 2))
HALFWAY = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.4999998, -3.5, 1e7 + 0.5, 4503599627370495.5])
case("Rint", "halfway_f64", x=HALFWAY)
case("Round", "halfway_f64", x=HALFWAY)
case("Round", "halfway_f32", x=HALFWAY.astype(np.float32))
# Integer Round is left out: TensorFlow's CPU kernel returns 0 (XLA refuses it); tfc returns x.
for op in ["Sign", "Square", "Neg", "Abs"]:
    case(op, "i64", x=i64(5, low=-50, high=50))
case("Log1p", "tiny_f32", rtol=1e-6, atol=0, x=np.array([1e-10, -1e-10, 1e-5, -0.5, -1.0, -2.0], np.float32))
case("Expm1", "tiny_f32", rtol=1e-6, atol=0, x=np.array([1e-10, -1e-10, 1e-5, -50.0, 80.0, 100.0], np.float32))
for op in ["IsNan", "IsInf", "IsFinite"]:
    case(op, "specials_f32", x=FLOAT_EDGES.astype(np.float32))
    case(op, "specials_f64", x=FLOAT_EDGES)
    case(op, "specials_f16", x=FLOAT_EDGES.astype(np.float16))
    case(op, "empty", x=f64(0))
case("Atan2", "f64", **F64, y=f64(6), x=f64(6))
case("Atan2", "signed_zeros_and_infinities", **F64, y=np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.inf, np.nan, 1.0]),
     x=np.array([0.0, 0.0, -0.0, -0.0, np.inf, -np.inf, np.inf, -np.inf, 1.0, 1.0, 0.0]))
for op in ["Softplus", "Softsign"]:
    case(op, "f64", **F64, features=f64(6, low=-5, high=5))
    case(op, "large_f32", **F32, features=np.array([-100.0, -20.0, -1e-3, 0.0, 20.0, 100.0, 1e30], np.float32))
case("DivNoNan", "f64_specials", **F64, x=np.array([1.0, np.inf, np.nan, 0.0, -2.0, 3.0]), y=np.array([0.0, 0.0, 0.0, 0.0, 4.0, -0.0]))
case("DivNoNan", "empty", x=f32(0), y=f32(0))
case("TruncateDiv", "f64_signs", x=f64(6, low=-9, high=9), y=f64(6, low=-3, high=3))
case("TruncateDiv", "i32_signs", x=np.array([7, -7, 7, -7, 0, 1], np.int32), y=np.array([2, 2, -2, -2, 3, -5], np.int32))
case("TruncateMod", "i64_signs", x=np.array([7, -7, 7, -7, 0, 1], np.int64), y=np.array([2, 2, -2, -2, 3, -5], np.int64))
case("FloorMod", "f64_signs", **F64, x=f64(8, low=-9, high=9), y=f64(8, low=-3, high=3))
case("FloorMod", "u8", x=np.array([0, 7, 200, 255], np.uint8), y=np.array([3, 7, 9, 16], np.uint8))
case("FloorDiv", "f64_signs", **F64, x=f64(8, low=-9, high=9), y=f64(8, low=-3, high=3))
case("SquaredDifference", "i32", x=i32(2, 3), y=i32(3))
case("SquaredDifference", "f64", **F64, x=f64(4), y=f64(4))

# Cumsum: every exclusive/reverse pair, integer and f64 operands, negative axes, empty tensors.
for exclusive in (False, True):
    for reverse in (False, True):
        flags = f"{'exclusive' if exclusive else 'inclusive'}_{'reverse' if reverse else 'forward'}"
        case("Cumsum", flags, **F32, x=f32(3, 5), axis=const(i32v(1)), exclusive=exclusive, reverse=reverse)
case("Cumsum", "i32_axis0", x=i32(5, 2), axis=const(i32v(0)), exclusive=True)
case("Cumsum", "i64_negative_axis", x=i64(2, 3, 2), axis=const(i64v(-2)), reverse=True)
case("Cumsum", "f64_long", **F64, x=f64(40), axis=const(i32v(0)))
case("Cumsum", "empty", x=f32(0, 3), axis=const(i32v(0)))

# Bucketize: the number of (float32) boundaries at or below each value.
BOUNDARIES = [-3.0, -1.0, 0.0, 0.0, 0.5, 2.0, 1e10]
case("Bucketize", "f32", input=np.array([-5.0, -3.0, -2.9, 0.0, 0.1, 0.5, 1.9, 2.0, 1e11, np.nan, -np.inf, np.inf], np.float32),
     boundaries=BOUNDARIES)
case("Bucketize", "f64_near_float32_boundary", input=np.array([0.1, 0.10000000149011612, 0.1000000015, -1.0000001]),
     boundaries=[0.1, 0.5])
case("Bucketize", "i32", input=i32(3, 4, low=-5, high=5), boundaries=BOUNDARIES)
case("Bucketize", "i64_large", input=i64v([16777217, 16777216, -16777217, 9007199254740993]), boundaries=[16777216.0, 1e15])
case("Bucketize", "no_boundaries", input=f32(2, 3), boundaries=[])
case("Bucketize", "empty", input=f32(0, 2), boundaries=[1.0])
case("Bucketize", "scalar", input=f32(), boundaries=[0.0])

# LinSpace: start + i * step, the last value stop exactly; num a constant.
case("LinSpace", "f32", start=np.float32(-1.5), stop=np.float32(2.25), num=const(np.int32(7)))
case("LinSpace", "f64_i64_num", start=np.float64(0.1), stop=np.float64(-3.3), num=const(np.int64(11)))
case("LinSpace", "one", start=np.float32(4.0), stop=np.float32(9.0), num=const(np.int32(1)))
case("LinSpace", "two", start=np.float64(-1.0), stop=np.float64(3.0), num=const(np.int32(2)))
case("LinSpace", "long_f32", start=f32(), stop=f32(low=5, high=9), num=const(np.int32(100)))

# SparseMatMul: MatMul whose sparsity flags are hints only.
case("SparseMatMul", "f32", **F32, a=f32(2, 3), b=f32(3, 4))
case("SparseMatMul", "transposes_and_hints", **F32, a=f32(3, 2), b=f32(4, 3), transpose_a=True, transpose_b=True, a_is_sparse=True,
     b_is_sparse=True)
case("SparseMatMul", "empty", a=f32(0, 3), b=f32(3, 2))
