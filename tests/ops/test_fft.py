"""tfc.fft: xla == interp == numpy.fft for the four transforms over one to three dimensions, empty
operands, gradients (through tfc.complex/real/imag: jax.grad and finite differences), bad input."""

import jax.numpy as jnp
import numpy as np
import pytest

from tfc.builder import Builder
from tfc.diagnostics import VerifyError
from tfc.frontend import api
from tfc.ir import Function
from tfc.types import DType, TensorType
from tfc.verifier import verify

from ..autodiff.test_gradients import check_gradients
from .harness import check_op

RNG = np.random.default_rng(0)


def _complex(shape, dtype):
    return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dtype)


def _fft(kind, lengths):
    return {"fft_type": kind, "fft_length": tuple(lengths)}


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("shape, rank", [((6,), 1), ((2, 5), 1), ((2, 3, 4), 2), ((2, 3, 4, 2), 3), ((0, 4), 1)])
@pytest.mark.parametrize("kind", ["FFT", "IFFT"])
def test_complex_transforms(kind, shape, rank, dtype):
    x = _complex(shape, dtype)
    axes = tuple(range(len(shape) - rank, len(shape)))
    want = (np.fft.fftn if kind == "FFT" else np.fft.ifftn)(x, axes=axes)
    check_op("tfc.fft", [x], _fft(kind, shape[-rank:]), expected=[want.astype(dtype)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, rank", [((6,), 1), ((2, 5), 1), ((3, 4, 5), 2), ((2, 3, 2, 4), 3), ((0, 4), 1), ((1,), 1)])
def test_real_transforms(shape, rank, dtype):
    """RFFT, then IRFFT of a spectrum that is not Hermitian (its imaginary parts at 0 and n / 2 are dropped)."""
    lengths = shape[-rank:]
    axes = tuple(range(len(shape) - rank, len(shape)))
    x = RNG.standard_normal(shape).astype(dtype)
    [spectrum] = check_op("tfc.fft", [x], _fft("RFFT", lengths), expected=[np.fft.rfftn(x, lengths, axes)])
    assert spectrum.shape == (*shape[:-1], shape[-1] // 2 + 1)
    noisy = spectrum + _complex(spectrum.shape, spectrum.dtype)
    [back] = check_op("tfc.fft", [noisy], _fft("IRFFT", lengths), expected=[np.fft.irfftn(noisy, lengths, axes)])
    assert back.dtype == dtype and back.shape == shape


def _emit(kind, lengths):
    return lambda x: api.emit("tfc.fft", [x], _fft(kind, lengths))


def _parts(z):
    return [api.emit("tfc.real", [z]), api.emit("tfc.imag", [z])]


@pytest.mark.parametrize("kind, lengths", [("FFT", (5,)), ("IFFT", (3, 4)), ("FFT", (2, 2, 3))])
def test_complex_transform_gradients(kind, lengths):
    jax_fn = {"FFT": jnp.fft.fftn, "IFFT": jnp.fft.ifftn}[kind]
    axes = tuple(range(-len(lengths), 0))
    shape = (2, *lengths)
    check_gradients(lambda re, im: _parts(_emit(kind, lengths)(api.emit("tfc.complex", [re, im]))),
                    lambda re, im: [jnp.real(jax_fn(re + 1j * im, axes=axes)), jnp.imag(jax_fn(re + 1j * im, axes=axes))],
                    [RNG.standard_normal(shape), RNG.standard_normal(shape)], [0, 1], RNG)


@pytest.mark.parametrize("lengths", [(6,), (5,), (3, 4), (2, 3, 3)])
def test_rfft_gradient(lengths):
    axes = tuple(range(-len(lengths), 0))
    check_gradients(lambda x: _parts(_emit("RFFT", lengths)(x)),
                    lambda x: [jnp.real(jnp.fft.rfftn(x, axes=axes)), jnp.imag(jnp.fft.rfftn(x, axes=axes))],
                    [RNG.standard_normal((2, *lengths))], [0], RNG)


@pytest.mark.parametrize("lengths", [(6,), (5,), (1,), (3, 4), (2, 3, 3)])
def test_irfft_gradient(lengths):
    axes = tuple(range(-len(lengths), 0))
    shape = (2, *lengths[:-1], lengths[-1] // 2 + 1)
    check_gradients(lambda re, im: _emit("IRFFT", lengths)(api.emit("tfc.complex", [re, im])),
                    lambda re, im: jnp.fft.irfftn(re + 1j * im, lengths, axes=axes),
                    [RNG.standard_normal(shape), RNG.standard_normal(shape)], [0, 1], RNG)


def _verify(t, attrs):
    function = Function.create("main", [t], [])
    Builder(function.body).create("tfc.fft", function.args, attrs)
    verify(function.op)


@pytest.mark.parametrize("t, attrs, message", [
    (TensorType(DType.f32, (4,)), _fft("FFT", (4,)), "an FFT's operand must be complex, got f32"),
    (TensorType(DType.c64, (4,)), _fft("RFFT", (4,)), "an RFFT's operand must be f32 or f64, got complex<f32>"),
    (TensorType(DType.c64, (2, 4)), _fft("IFFT", (2, 5)), r"innermost dimensions must be \[2, 5\], got shape \[2, 4\]"),
    (TensorType(DType.c64, (2, 4)), _fft("IRFFT", (4,)), r"innermost dimensions must be \[3\]"),
    (TensorType(DType.c64, (4,)), _fft("FFT", (1, 4)), "rank >= 2"),
    (TensorType(DType.c64, (1, 1, 1, 4)), _fft("FFT", (1, 1, 1, 4)), "1 to 3 entries"),
    (TensorType(DType.f32, (0,)), _fft("RFFT", (0,)), "fft_length must be positive"),
    (TensorType(DType.c64, (4,)), _fft("DCT", (4,)), "expected one of FFT, IFFT, RFFT, IRFFT"),
])
def test_bad_operands(t, attrs, message):
    with pytest.raises(VerifyError, match=message):
        _verify(t, attrs)
