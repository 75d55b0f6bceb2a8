"""A complex tensor's parts and its conjugate, for every family that meets complex operands
(Conj, the adjoints of BatchMatMul, SquaredDifference, Bitcast...): written with the tracing API
only, so that :mod:`.math` can use them too."""

from __future__ import annotations

from tfc.frontend import api as tnp


def real_part(z):
    return tnp.emit("tfc.real", [z])


def imag_part(z):
    return tnp.emit("tfc.imag", [z])


def conjugate(z):
    """The complex conjugate of ``z`` (a real tensor is its own)."""
    if not z.dtype.is_complex:
        return z
    return tnp.emit("tfc.complex", [real_part(z), tnp.negative(imag_part(z))])
