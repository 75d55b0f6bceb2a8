"""Fourier transforms: FFT, IFFT, RFFT, IRFFT over 1, 2 and 3 innermost dimensions, complex64 and
complex128 (float32 and float64 for the real side), batches, empty batches, fed and constant
inputs, fft_length cropping the input (TensorFlow's CPU kernels refuse to pad, so padding is
tested against numpy in tests/tf/test_fft.py), odd and even lengths, IRFFT of spectra that are not
Hermitian."""

import numpy as np
from spec import case, const, f32, f64, family, i32v

family("fft")

C64 = dict(rtol=1e-5, atol=1e-5)
C128 = dict(rtol=1e-11, atol=1e-11)


def c64(*shape):
    real, imag = f32(*shape), f32(*shape)
    return lambda: (real() + 1j * imag()).astype(np.complex64)


def c128(*shape):
    real, imag = f64(*shape), f64(*shape)
    return lambda: real() + 1j * imag()


for rank, suffix in [(1, ""), (2, "2D"), (3, "3D")]:
    inner = (4, 3, 5)[-rank:]
    for op in (f"FFT{suffix}", f"IFFT{suffix}"):
        case(op, "c64", **C64, input=c64(2, *inner))
        case(op, "c128", **C128, input=c128(*inner))
        case(op, "const", **C64, input=const(c64(*inner)))
        case(op, "empty_batch", input=c64(0, *inner))
        case(op, "empty_inner", input=c64(2, *inner[:-1], 0))
        case(op, "length_1", **C64, input=c64(3, *(1,) * rank))
    lengths = (3, 4, 6)[-rank:]
    half = (*lengths[:-1], lengths[-1] // 2 + 1)
    rfft, irfft = f"RFFT{suffix}", f"IRFFT{suffix}"
    case(rfft, "f32", **C64, input=f32(2, *lengths), fft_length=const(i32v(lengths)))
    case(rfft, "f64", **C128, input=f64(*lengths), fft_length=const(i32v(lengths)), Tcomplex=np.complex128)
    case(rfft, "odd", **C64, input=f32(2, *lengths[:-1], 5), fft_length=const(i32v((*lengths[:-1], 5))))
    case(rfft, "cropped", **C64, input=f32(2, *(n + 2 for n in lengths)), fft_length=const(i32v(lengths)))
    case(rfft, "const_input", **C64, input=const(f32(*lengths)), fft_length=const(i32v(lengths)))
    case(rfft, "empty_batch", input=f32(0, *lengths), fft_length=const(i32v(lengths)))
    case(irfft, "c64", **C64, input=c64(2, *half), fft_length=const(i32v(lengths)))
    case(irfft, "c128", **C128, input=c128(*half), fft_length=const(i32v(lengths)), Treal=np.float64)
    case(irfft, "odd", **C64, input=c64(2, *lengths[:-1], 3), fft_length=const(i32v((*lengths[:-1], 5))))
    case(irfft, "cropped", **C64, input=c64(2, *(n + 1 for n in half)), fft_length=const(i32v(lengths)))
    case(irfft, "empty_batch", input=c64(0, *half), fft_length=const(i32v(lengths)))
case("RFFT", "length_1", input=f32(3, 1), fft_length=const(i32v([1])))
case("IRFFT", "length_1", input=c64(3, 1), fft_length=const(i32v([1])))
case("IRFFT", "length_2_crops_to_2", **C64, input=c64(2, 3), fft_length=const(i32v([2])))
