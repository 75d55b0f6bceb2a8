"""Complex numbers end to end: Complex, Real, Imag, Angle, Conj, ComplexAbs, and complex64/complex128
through the elementwise, reduction and matrix ops TensorFlow defines on them (fed and constant)."""

import numpy as np
from spec import case, const, f32, f64, family, i32v

family("complex")

C64 = dict(rtol=1e-5, atol=1e-5)
C128 = dict(rtol=1e-11, atol=1e-12)


def c64(*shape, low=-2.0, high=2.0):
    real, imag = f32(*shape, low=low, high=high), f32(*shape, low=low, high=high)
    return lambda: (real() + 1j * imag()).astype(np.complex64)


def c128(*shape, low=-2.0, high=2.0):
    real, imag = f64(*shape, low=low, high=high), f64(*shape, low=low, high=high)
    return lambda: real() + 1j * imag()


# Signed zeros, axes, infinities and nan in both parts.
SPECIALS = np.array([0j, complex(-0.0, 0.0), complex(0.0, -0.0), complex(-1.0, 0.0), complex(-1.0, -0.0), 1j, -1j,
                     complex(np.inf, 1.0), complex(1.0, np.nan), complex(3.0, 4.0), complex(-5.0, 12.0)], np.complex128)

case("Complex", "f32", real=f32(2, 3), imag=f32(2, 3))
case("Complex", "f64_broadcast", real=f64(3, 1), imag=f64(4), Tout=np.complex128)
case("Complex", "scalar_real", real=f32(), imag=f32(3))
case("Complex", "const_parts", real=const(f32(2)), imag=const(f32(2)))
case("Complex", "empty", real=f32(0, 2), imag=f32(0, 2))
for op in ["Real", "Imag", "Angle", "ComplexAbs"]:
    arg = "x" if op == "ComplexAbs" else "input"  # TensorFlow's names
    case(op, "c64", **C64, **{arg: c64(2, 3)})
    case(op, "c128", **C128, **{arg: c128(5), "Tout": np.float64})
    case(op, "specials", **C128, **{arg: SPECIALS, "Tout": np.float64})
    case(op, "empty", **{arg: c64(0)})
case("ComplexAbs", "huge_and_tiny", **C64, x=np.array([3e30 + 4e30j, 3e-30 + 4e-30j, 1e38 + 1e38j], np.complex64))
case("Conj", "c64", input=c64(2, 3))
case("Conj", "c128_specials", input=SPECIALS)
case("Conj", "const", input=const(c64(3)))

# The elementwise ops on complex operands.
for op, domain in [("Neg", {}), ("Square", {}), ("Exp", {}), ("Expm1", {}), ("Log", {}), ("Log1p", {}), ("Sqrt", {}),
                   ("Rsqrt", {}), ("Reciprocal", {}), ("Sin", {}), ("Cos", {}), ("Tan", dict(low=-1, high=1)),
                   ("Tanh", dict(low=-1, high=1)), ("Sigmoid", {}), ("Sign", {}), ("Sinh", {}), ("Cosh", {}),
                   ("Asinh", {}), ("Acosh", {}), ("Atanh", {}), ("Asin", {}), ("Acos", {}), ("Atan", {})]:
    case(op, "complex64", **C64, x=c64(2, 3, **domain))
    case(op, "complex128", **C128, x=c128(4, **domain))
for op in ["AddV2", "Sub", "Mul", "RealDiv", "Div", "DivNoNan", "SquaredDifference", "Pow", "Xdivy", "Xlogy", "Xlog1py",
           "MulNoNan"]:
    case(op, "complex64", **C64, x=c64(2, 3), y=c64(3))
    case(op, "complex128", **C128, x=c128(4), y=c128(4))
# Zeros where the result is fixed, whatever the other operand holds. A zero or infinite divisor
# otherwise is left out: TensorFlow's CPU kernel gives nan or C99's inf depending on where the element
# falls in its SIMD packets (tfc follows XLA, C99's answer).
FINITE = np.array([1.5 - 2j, 0j, complex(-0.0, 0.0), 3j, -4.0, 0.25 + 0.5j, 0j, 2 + 2j, 1 - 1j, 0j, -1 + 7j], np.complex128)
case("DivNoNan", "complex_zeros", **C128, x=SPECIALS, y=FINITE)
DIVISORS = SPECIALS[::-1].copy()
case("Xdivy", "complex_zeros", **C128, x=np.where((DIVISORS == 0) | np.isinf(DIVISORS), 0j, FINITE), y=DIVISORS)
for op in ["Xlogy", "MulNoNan"]:
    case(op, "complex_zeros", **C128, x=SPECIALS, y=SPECIALS[::-1].copy())
for op in ["Equal", "NotEqual"]:
    case(op, "complex64", x=np.array([1 + 2j, 3j, 1, 0], np.complex64), y=np.array([1 + 2j, -3j, 1, -0.0], np.complex64))
case("AddN", "complex128", **C128, inputs=[c128(2, 2), c128(2, 2), c128(2, 2)])
case("ZerosLike", "complex64", x=c64(3))
case("OnesLike", "complex128", x=c128(3))
case("Select", "complex64", condition=np.array([True, False, True]), x=c64(3), y=c64(3))

# Casts in and out of complex: to real types TensorFlow keeps the real part.
for src, dst, value in [(np.float32, np.complex64, f32(4)), (np.complex64, np.float32, c64(4)), (np.complex128, np.complex64, c128(4)),
                        (np.complex64, np.complex128, c64(4)), (np.int32, np.complex128, lambda: np.arange(-2, 2, dtype=np.int32)),
                        (np.complex128, np.float64, c128(4)), (np.complex64, np.bool_, lambda: np.array([0, 1j, 2, 0j], np.complex64))]:
    case("Cast", f"{np.dtype(src).name}_to_{np.dtype(dst).name}", x=value, DstT=dst)

# Reductions, running sums and products, matrix products.
for op in ["Sum", "Prod", "Mean"]:
    case(op, "complex64", **C64, input=c64(3, 4), axis=const(i32v([1])))
    case(op, "complex128_all", **C128, input=c128(2, 3), axis=const(i32v([0, 1])), keep_dims=True)
case("Cumsum", "complex64", **C64, x=c64(4, 2), axis=const(i32v(0)), exclusive=True)
case("Cumprod", "complex128", **C128, x=c128(5), axis=const(i32v(0)), reverse=True)
case("MatMul", "complex64", **C64, a=c64(2, 3), b=c64(3, 2))
case("MatMul", "complex128_transpose", **C128, a=c128(3, 2), b=c128(2, 3), transpose_a=True, transpose_b=True)
case("BatchMatMulV2", "complex64_adjoint", **C64, x=c64(2, 3, 2), y=c64(2, 3, 4), adj_x=True)
case("BatchMatMulV2", "complex128_adjoint_y", **C128, x=c128(2, 3), y=c128(4, 3), adj_y=True)

# Constants: a complex Const (TensorFlow writes tensor_content) feeding an op.
case("AddV2", "complex64_const", **C64, x=const(c64(2, 2)), y=c64(2, 2))
case("Mul", "complex128_const_scalar", **C128, x=const(np.complex128(1.5 - 2j)), y=c128(3))

# The gradient ops of elementwise math conjugate y for complex numbers.
for op in ["SqrtGrad", "RsqrtGrad", "ReciprocalGrad", "InvGrad", "TanhGrad", "SigmoidGrad"]:
    case(op, "complex64", **C64, y=c64(2, 3), dy=c64(2, 3))
    case(op, "complex128", **C128, y=c128(4), dy=c128(4))
