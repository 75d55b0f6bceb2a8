"""Feed values converted as TensorFlow's ``Session.run`` converts them, for both sessions.

TensorFlow converts each fed value with ``np.asarray(value, dtype=<the tensor's dtype>)``: a float
into an int32 placeholder truncates, float64 into float32 rounds, any byte order is accepted; what
does not convert (strings, objects) is an error. tfc does the same, and also refuses complex into
a real tensor, where numpy would silently drop the imaginary part.
"""

from __future__ import annotations

import numpy as np

from tfc.types import DType

from .errors import SessionError


def feed_array(name: str, value, dtype: DType | None) -> np.ndarray:
    """``value`` fed to tensor ``name``, as an array of ``dtype`` — or, where the tensor's dtype is not
    known (None), of its own dtype in native byte order, which must be one a tensor can have."""
    try:
        array = np.asarray(value)
    except Exception as err:  # noqa: BLE001 - any failure means the value is not a tensor
        raise SessionError(f"cannot feed '{name}' with a value of type {type(value).__name__}: {err}") from None
    if array.dtype.kind not in "biufc":
        raise SessionError(f"cannot feed '{name}' a value of dtype {array.dtype}: feeds are numbers or booleans")
    if dtype is None:
        try:
            DType.from_numpy(array.dtype.newbyteorder("="))
        except ValueError:
            raise SessionError(f"cannot feed '{name}' a value of dtype {array.dtype}: no tensor has that dtype") from None
        return array.astype(array.dtype.newbyteorder("="), copy=False)
    if array.dtype.kind == "c" and not dtype.is_complex:
        raise SessionError(f"cannot feed '{name}' ({dtype.numpy} tensor) a {array.dtype} value: it would drop the imaginary part")
    return np.asarray(array, dtype=dtype.numpy)


def check_feed_shape(name: str, array: np.ndarray, shape: tuple | None) -> None:
    """SessionError unless ``array`` has ``shape`` (None: any shape; a None dim: any size)."""
    if shape is None:
        return
    if array.ndim != len(shape) or any(d is not None and d != n for d, n in zip(shape, array.shape)):
        declared = "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"
        raise SessionError(f"cannot feed a value of shape {list(array.shape)} to '{name}', which has shape {declared}")


__all__ = ["check_feed_shape", "feed_array"]
