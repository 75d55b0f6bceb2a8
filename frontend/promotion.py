"""Type promotion for traced arithmetic, in the style of JAX.

Python scalars and list literals are *weak*: they take the other operand's dtype (``x_f16 * 2`` stays
f16). Between two strong dtypes: bool < integers < floats < complex, integer + float gives the float
(not float64 as in numpy), and within a kind the wider type wins.
"""

from __future__ import annotations

import numpy as np

from tfc.types import DType

_KIND = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}
_DEFAULT = {0: DType.bool, 1: DType.i32, 2: DType.f32, 3: DType.c64}


def kind(dtype: DType) -> int:
    if dtype is DType.bf16:
        return 2
    return _KIND[dtype.numpy.kind]


def default_dtype(value) -> DType:
    """The dtype of a Python scalar or nested list literal: bool, i32, f32 or c64 (TensorFlow's defaults)."""
    array = np.asarray(value)
    return _DEFAULT[_KIND[array.dtype.kind]] if array.dtype.kind in _KIND else DType.from_numpy(array.dtype)


def promote(a: DType, a_weak: bool, b: DType, b_weak: bool) -> DType:
    """The dtype both operands convert to."""
    if a == b:
        return a
    ka, kb = kind(a), kind(b)
    if a_weak != b_weak:
        strong, weak, ks, kw = (b, a, kb, ka) if a_weak else (a, b, ka, kb)
        return strong if kw <= ks else _DEFAULT[kw]
    if ka != kb:
        return a if ka > kb else b
    if ka == 1:
        return DType.from_numpy(np.promote_types(a.numpy, b.numpy)) if kind(DType.from_numpy(np.promote_types(a.numpy, b.numpy))) == 1 else DType.i64
    if ka == 2:
        if a.bits != b.bits:
            return a if a.bits > b.bits else b
        return DType.f32  # f16 with bf16
    return a if a.bits > b.bits else b
