"""The dtypes a feature column accepts, named as TensorFlow names them, and the check that a feature's
values match the column's kind (strings or integers)."""

from __future__ import annotations

import numpy as np

import tfc


def _numpy(dtype, where: str) -> np.dtype | None:
    """The numpy dtype of ``dtype``; None for TensorFlow's string type."""
    if dtype is tfc.string or str(dtype) in ("string", "tf.string", "tfc.string"):
        return None
    try:
        return np.dtype(tfc.as_dtype(dtype).numpy)
    except Exception as err:  # tfc.as_dtype raises its own diagnostic type for unknown names
        raise TypeError(f"{where}: unknown dtype {dtype!r}") from err


def numeric_dtype(dtype, where: str) -> np.dtype:
    """A real or integer numpy dtype, or an error naming ``where``."""
    found = _numpy(dtype, where)
    if found is None or found.kind not in "iuf":
        raise TypeError(f"{where}: dtype must be a real or integer dtype, got {dtype!r}")
    return found


def key_kind(dtype, where: str) -> str:
    """``"string"`` or ``"int"``: the kind of values a categorical column looks up."""
    found = _numpy(dtype, where)
    if found is None:
        return "string"
    if found.kind in "iu":
        return "int"
    raise TypeError(f"{where}: dtype must be tf.string or an integer dtype, got {dtype!r}")


def check_kind(values: np.ndarray, kind: str, where: str) -> None:
    """Raise unless ``values`` hold the column's kind of value (TensorFlow rejects the mix)."""
    if not values.size:
        return
    is_int = values.dtype.kind in "iu"
    is_str = values.dtype.kind in "SU" or (values.dtype.kind == "O" and isinstance(values.flat[0], (str, bytes)))
    if (kind == "int" and not is_int) or (kind == "string" and not is_str):
        expected = "integers" if kind == "int" else "strings"
        raise TypeError(f"{where}: the feature's values must be {expected}, got values of {values.dtype}")


__all__ = ["check_kind", "key_kind", "numeric_dtype"]
