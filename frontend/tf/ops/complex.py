"""TensorFlow's complex-number ops: Complex, Real, Imag, Conj, Angle and ComplexAbs.

Complex, Real and Imag are core ops; the others compose from them: Conj negates the imaginary part,
Angle is atan2(imag, real), and ComplexAbs is |z| scaled by its larger part, so squares neither
overflow nor underflow (|3e30 + 4e30i| is 5e30 in f32). The arithmetic, transcendental, reduction
and matrix ops take complex operands directly.
"""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType

from ..dialect import attr_dtype, broadcast, tf_op
from .complex_parts import conjugate, imag_part, real_part
from .math import emit, full_like, same_dtype

_COMPLEX_OF = {DType.f32: DType.c64, DType.f64: DType.c128}


def magnitude(z):
    """|z| = big * sqrt(1 + (small / big)^2) for the larger and smaller of |re| and |im|; an infinite
    part makes it inf even when the other is nan (C99's hypot)."""
    re, im = tnp.abs(real_part(z)), tnp.abs(imag_part(z))
    big, small = tnp.maximum(re, im), tnp.minimum(re, im)
    ratio = emit("divide", small, tnp.where(tnp.equal(big, full_like(big, 0)), full_like(big, 1), big))
    result = tnp.multiply(big, tnp.sqrt(tnp.add(full_like(ratio, 1), tnp.multiply(ratio, ratio))))
    infinite = tnp.logical_or(tnp.equal(re, full_like(re, float("inf"))), tnp.equal(im, full_like(im, float("inf"))))
    return tnp.where(infinite, full_like(result, float("inf")), result)


def _complex_type(ctx, real, imag):
    same_dtype(ctx, real, imag)
    out = attr_dtype(ctx, "Tout") if "Tout" in ctx.attrs else DType.c64
    if _COMPLEX_OF.get(real.dtype) is not out:
        raise ShapeError(f"Complex of {real.dtype.value} parts makes {_COMPLEX_OF[real.dtype].value}, not Tout = {out.value}")
    return broadcast(ctx, real, imag).with_dtype(out)


def _complex(ctx, real, imag):
    shape = tnp.broadcast_shapes(real.shape, imag.shape)
    return emit("complex", tnp.broadcast_to(real, shape), tnp.broadcast_to(imag, shape))


def _part_type(ctx, z):
    """Real, Imag, Angle, ComplexAbs: Tout must be the part type of T."""
    part = DType.f32 if z.dtype is DType.c64 else DType.f64
    out = attr_dtype(ctx, "Tout") if "Tout" in ctx.attrs else DType.f32
    if out is not part:
        raise ShapeError(f"the parts of {z.dtype.value} are {part.value}, not Tout = {out.value}")
    return z.with_dtype(part)


def _angle(ctx, z):
    return emit("atan2", imag_part(z), real_part(z))


tf_op("Complex", _complex_type, _complex, outputs=(("out", 1),))
tf_op("Real", _part_type, lambda ctx, z: real_part(z))
tf_op("Imag", _part_type, lambda ctx, z: imag_part(z))
tf_op("Angle", _part_type, _angle)
tf_op("ComplexAbs", _part_type, lambda ctx, z: magnitude(z), outputs=(("y", 1),))
tf_op("Conj", lambda ctx, z: z, lambda ctx, z: conjugate(z))
