"""Complex-number core ops: ``complex`` builds a complex tensor from its parts, ``real`` and ``imag``
take them apart. Everything else on complex numbers (conjugate, angle, magnitude) composes from
these and the float ops; the arithmetic ops take complex operands as they are.
"""

from __future__ import annotations

import numpy as np

from ..types import DType
from .pointwise import define, hlo

_COMPLEX_OF = {DType.f32: DType.c64, DType.f64: DType.c128}
_PART_OF = {complex_type: part for part, complex_type in _COMPLEX_OF.items()}
FLOAT_PART = ("f32 or f64", lambda d: d in _COMPLEX_OF)
COMPLEX = ("complex", lambda d: d.is_complex)


def _complex(real, imag):
    """real + i imag, built part by part (``real + 1j * imag`` would turn an infinite imag into nan)."""
    out = np.empty(real.shape, np.complex64 if real.dtype == np.float32 else np.complex128)
    out.real, out.imag = real, imag
    return out


# Cotangents follow JAX's convention (the transpose of the linear map, no conjugation), as
# tfc.multiply's ``g * y`` does: so a real loss's gradient is right through any mix of these ops.
def _g_complex(ctx, g):
    return [ctx.api.emit("tfc.real", [g]), ctx.api.negative(ctx.api.emit("tfc.imag", [g]))]


def _g_real(ctx, g):
    return [ctx.api.emit("tfc.complex", [g, ctx.api.zeros_like(g)])]


def _g_imag(ctx, g):
    return [ctx.api.emit("tfc.complex", [ctx.api.zeros_like(g), ctx.api.negative(g)])]


COMPLEX_OP = define("complex", "The complex number lhs + i rhs.", ("lhs", "rhs"), FLOAT_PART, _complex, hlo("ComplexOp"),
                    _g_complex, result_dtype=_COMPLEX_OF.__getitem__)
REAL = define("real", "The real part of a complex number.", ("operand",), COMPLEX, np.real, hlo("RealOp"), _g_real,
              result_dtype=_PART_OF.__getitem__)
IMAG = define("imag", "The imaginary part of a complex number.", ("operand",), COMPLEX, np.imag, hlo("ImagOp"), _g_imag,
              result_dtype=_PART_OF.__getitem__)
