"""The discrete Fourier transform over an operand's innermost one to three dimensions: ``tfc.fft``,
StableHLO's ``fft`` (which XLA compiles with the DUCC library on CPU, as TensorFlow's kernels do).

``fft_type`` is one of
  FFT    complex -> complex, the forward transform (e^{-2 pi i k n / N}),
  IFFT   complex -> complex, the inverse (e^{+2 pi i k n / N}, divided by N),
  RFFT   real -> complex, the forward transform of a real signal: only the first n // 2 + 1 entries of
         the innermost dimension (the rest are their conjugates),
  IRFFT  complex -> real, the inverse of RFFT: the innermost dimension holds n // 2 + 1 entries.
``fft_length`` gives the transformed dimensions' lengths (innermost last); the operand's dimensions
must match them exactly (TensorFlow's cropping and padding are the tf ops' business).

The transforms are linear, so their gradients are transforms again. In TensorFlow's convention for
complex cotangents (d/d re + i d/d im; tfc's are their conjugates, JAX's convention) the cotangent of
y = A x is A^H g: N IFFT for FFT, FFT / N for IFFT (TensorFlow's spectral_grad.py); for RFFT the real
part of N IFFT of the cotangent padded with zeros to n; for IRFFT the RFFT of the cotangent, over N,
times 1 for the entries without a conjugate twin and 2 for the others (TensorFlow's and jax's rule).
"""

from __future__ import annotations

import math

import numpy as np

from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, register
from ..types import DType, TensorType
from .rules import shape_text, tensor_operand

_COMPLEX_OF = {DType.f32: DType.c64, DType.f64: DType.c128}
_REAL_OF = {c: r for r, c in _COMPLEX_OF.items()}
FFT_TYPES = ("FFT", "IFFT", "RFFT", "IRFFT")


# ---- type rule -----------------------------------------------------------------------------------
def _lengths(ctx) -> tuple[int, ...]:
    lengths = tuple(int(n) for n in ctx.attrs["fft_length"])
    if not 1 <= len(lengths) <= 3:
        raise ShapeError(f"fft_length must have 1 to 3 entries (the transformed dimensions), got {list(lengths)}")
    if any(n < 1 for n in lengths):
        raise ShapeError(f"fft_length must be positive, got {list(lengths)}")
    return lengths


def half_spectrum(lengths) -> tuple[int, ...]:
    """The innermost dimensions of a real signal's spectrum: the last one holds n // 2 + 1 entries."""
    return (*lengths[:-1], lengths[-1] // 2 + 1)


def _require_trailing(t: TensorType, dims: tuple, what: str) -> None:
    if t.shape is None:
        return
    if t.rank < len(dims):
        raise ShapeError(f"{what} must have rank >= {len(dims)} for an fft_length of {len(dims)} entries, got {t}")
    for size, want in zip(t.shape[t.rank - len(dims):], dims):
        if size is not None and size != want:
            raise ShapeError(f"{what}'s innermost dimensions must be {list(dims)}, got shape {shape_text(t.shape)}")


def _infer_fft(ctx, x):
    x = tensor_operand(x)
    kind, lengths = ctx.attrs["fft_type"], _lengths(ctx)
    if kind == "RFFT":
        if x.dtype not in _COMPLEX_OF:
            raise ShapeError(f"an RFFT's operand must be f32 or f64, got {x.dtype.value}")
        _require_trailing(x, lengths, "the operand")
        shape = None if x.shape is None else (*x.shape[: x.rank - len(lengths)], *half_spectrum(lengths))
        return TensorType(_COMPLEX_OF[x.dtype], shape)
    if x.dtype not in _REAL_OF:
        raise ShapeError(f"an {kind}'s operand must be complex, got {x.dtype.value}")
    if kind == "IRFFT":
        _require_trailing(x, half_spectrum(lengths), "the operand")
        shape = None if x.shape is None else (*x.shape[: x.rank - len(lengths)], *lengths)
        return TensorType(_REAL_OF[x.dtype], shape)
    _require_trailing(x, lengths, "the operand")
    return x


# ---- numpy reference -----------------------------------------------------------------------------
def _fft_numpy(ctx, x):
    kind, lengths = ctx.attrs["fft_type"], tuple(ctx.attrs["fft_length"])
    axes = tuple(range(x.ndim - len(lengths), x.ndim))
    if kind == "RFFT":
        out, dtype = np.fft.rfftn(x, lengths, axes), np.complex64 if x.dtype == np.float32 else np.complex128
    elif kind == "IRFFT":
        out, dtype = np.fft.irfftn(x, lengths, axes), np.float32 if x.dtype == np.complex64 else np.float64
    else:
        out, dtype = (np.fft.fftn if kind == "FFT" else np.fft.ifftn)(x, axes=axes), x.dtype
    return np.asarray(out).astype(dtype)


# ---- StableHLO lowering --------------------------------------------------------------------------
def _lower_fft(ctx, x):
    """StableHLO's fft; an empty result is zeros (DUCC is not asked to transform nothing)."""
    hlo, result = ctx.hlo, ctx.result_tfc_types[0]
    if math.prod(result.shape) == 0:
        zero = ctx.constant(0, result.dtype)
        return hlo.BroadcastInDimOp(ctx.result_type, zero, ctx.i64_array([])).result
    kind = hlo.FftTypeAttr.get(ctx.attrs["fft_type"])
    return hlo.FftOp(x, kind, ctx.i64_array(ctx.attrs["fft_length"]), results=[ctx.result_type]).result


# ---- gradient ------------------------------------------------------------------------------------
def fft(api, x, kind: str, lengths):
    """``tfc.fft`` of ``x`` (the tracing API's emit)."""
    return api.emit("tfc.fft", [x], {"fft_type": kind, "fft_length": tuple(lengths)})


def _scaled(api, x, scale: float):
    return api.multiply(x, np.asarray(scale, x.dtype.numpy))


def _hermitian_weights(lengths, dtype: DType) -> np.ndarray:
    """1 for the half spectrum's entries without a conjugate twin (0, and n / 2 for even n), else 2;
    divided by the transform's size."""
    n = lengths[-1]
    weights = np.full(n // 2 + 1, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return (weights / math.prod(lengths)).astype(dtype.numpy)


def _conjugate(api, x):
    if not x.dtype.is_complex:
        return x
    return api.emit("tfc.complex", [api.emit("tfc.real", [x]), api.negative(api.emit("tfc.imag", [x]))])


def _g_fft(ctx, g):
    """tfc's cotangents follow JAX's convention (no conjugation, as ``tfc.multiply``'s): the
    conjugate of TensorFlow's, whose rules :func:`_g_fft_tensorflow` writes."""
    return [_conjugate(ctx.api, d) for d in _g_fft_tensorflow(ctx, _conjugate(ctx.api, g))]


def _g_fft_tensorflow(ctx, g):
    api, kind, lengths = ctx.api, ctx.attrs["fft_type"], tuple(ctx.attrs["fft_length"])
    size = math.prod(lengths)
    if kind == "FFT":
        return [_scaled(api, fft(api, g, "IFFT", lengths), size)]
    if kind == "IFFT":
        return [_scaled(api, fft(api, g, "FFT", lengths), 1.0 / size)]
    if kind == "RFFT":
        missing = lengths[-1] - g.shape[-1]
        padded = api.pad(g, [(0, 0)] * (g.ndim - 1) + [(0, missing)])
        return [api.emit("tfc.real", [_scaled(api, fft(api, padded, "IFFT", lengths), size)])]
    spectrum = fft(api, g, "RFFT", lengths)
    return [api.multiply(spectrum, _hermitian_weights(lengths, spectrum.dtype))]


FFT = register(OpDef(
    "tfc.fft",
    "The discrete Fourier transform (FFT, IFFT, RFFT or IRFFT) over the innermost len(fft_length) dimensions.",
    operands=("operand",),
    attributes={"fft_type": attr(AttrKind.STRING, choices=FFT_TYPES), "fft_length": attr(AttrKind.INTS)},
    traits=frozenset({Trait.PURE}), infer=_infer_fft, reference=_fft_numpy, lower=_lower_fft, grad=_g_fft))
