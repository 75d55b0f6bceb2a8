"""TensorFlow's Fourier transforms: FFT, IFFT (and their 2D, 3D forms) over a complex tensor's
innermost one to three dimensions; RFFT, IRFFT (and 2D, 3D) between real signals and their half
spectra, of the lengths a constant ``fft_length`` gives.

Each is one ``tfc.fft``. As TensorFlow's XLA bridge does, RFFT crops or zero-pads the signal's
innermost dimensions to ``fft_length``, and IRFFT the spectrum's to ``fft_length`` with the last one
n // 2 + 1 (TensorFlow's CPU kernels crop but refuse to pad). An ``fft_length`` of 0 is refused:
TensorFlow's CPU kernel aborts on it.
"""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.ops.fft import half_spectrum
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import ints, shape_text, static

_COMPLEX_OF = {DType.f32: DType.c64, DType.f64: DType.c128}
_REAL_OF = {c: r for r, c in _COMPLEX_OF.items()}
_SUFFIX = {1: "", 2: "2D", 3: "3D"}


def _require_rank(x: TensorType, rank: int) -> None:
    if x.shape is not None and x.rank < rank:
        raise ShapeError(f"input must have rank >= {rank}, got shape {shape_text(x.shape)}")


def _fft(x, kind: str, lengths):
    return tnp.emit("tfc.fft", [x], {"fft_type": kind, "fft_length": tuple(lengths)})


# ---- FFT, IFFT ------------------------------------------------------------------------------------
def _complex_type(rank: int):
    def infer(ctx, x):
        _require_rank(x, rank)
        return x

    return infer


def _complex_transform(kind: str, rank: int):
    def decompose(ctx, x):
        lengths = x.shape[x.ndim - rank:]
        if 0 in lengths:
            return x  # nothing to transform: the result is as empty as the input
        return _fft(x, kind, lengths)

    return decompose


# ---- RFFT, IRFFT ----------------------------------------------------------------------------------
def _fft_length(value, rank: int) -> tuple[int, ...]:
    lengths = tuple(ints(value))
    if len(lengths) != rank:
        raise ShapeError(f"fft_length must have {rank} entr{'y' if rank == 1 else 'ies'}, got {list(lengths)}")
    if any(n < 1 for n in lengths):
        raise ShapeError(f"fft_length must be positive, got {list(lengths)}")
    return lengths


def _result_dtype(ctx, x: TensorType, inverse: bool) -> DType:
    """The complex (RFFT) or real (IRFFT) counterpart of ``x``'s dtype, which ``Tcomplex`` or
    ``Treal`` must name (TensorFlow's schema allows either precision with either)."""
    counterparts, key = (_REAL_OF, "Treal") if inverse else (_COMPLEX_OF, "Tcomplex")
    out = counterparts[x.dtype]
    declared = ctx.attrs.get(key, out)
    if declared != out:
        raise ShapeError(f"{key} must be {out.value} for a {x.dtype.value} input, got {declared.value}")
    return out


def _real_type(rank: int, inverse: bool):
    def infer(ctx, x, fft_length):
        dtype = _result_dtype(ctx, x, inverse)
        _require_rank(x, rank)
        value = ctx.constant(1)
        lengths = (None,) * rank if value is None else _fft_length(value, rank)
        if x.shape is None:
            return TensorType(dtype, None)
        inner = lengths if inverse or value is None else half_spectrum(lengths)
        return TensorType(dtype, (*x.shape[: x.rank - rank], *inner))

    return infer


def fit_to(x, dims):
    """``x`` with its innermost dimensions cropped or zero-padded to ``dims``."""
    outer = x.ndim - len(dims)
    kept = tuple(slice(None) for _ in range(outer)) + tuple(slice(0, min(s, n)) for s, n in zip(x.shape[outer:], dims))
    cropped = x[kept]
    widths = [(0, 0)] * outer + [(0, n - s) for s, n in zip(cropped.shape[outer:], dims)]
    return tnp.pad(cropped, widths) if any(w for _, w in widths) else cropped


def _real_transform(rank: int, inverse: bool):
    def decompose(ctx, x, fft_length):
        lengths = _fft_length(static(ctx, 1, "fft_length"), rank)
        if inverse:
            return _fft(fit_to(x, half_spectrum(lengths)), "IRFFT", lengths)
        return _fft(fit_to(x, lengths), "RFFT", lengths)

    return decompose


for _rank, _suffix in _SUFFIX.items():
    tf_op(f"FFT{_suffix}", _complex_type(_rank), _complex_transform("FFT", _rank))
    tf_op(f"IFFT{_suffix}", _complex_type(_rank), _complex_transform("IFFT", _rank))
    tf_op(f"RFFT{_suffix}", _real_type(_rank, inverse=False), _real_transform(_rank, inverse=False))
    tf_op(f"IRFFT{_suffix}", _real_type(_rank, inverse=True), _real_transform(_rank, inverse=True))
