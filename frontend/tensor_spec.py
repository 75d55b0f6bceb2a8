"""``tfc.TensorSpec``: the shape and dtype a compiled function's argument must have (TensorFlow's name).

``@tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32)])`` accepts any batch: a
``None`` dimension matches any size, and each size seen is traced and compiled once (XLA compiles
static shapes), so the signature says what may be passed, not how many programs there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.diagnostics import TraceError
from tfc.types import STRING, DType, is_string_dtype

from .tensor import as_dtype


@dataclass(frozen=True)
class TensorSpec:
    """``TensorSpec(shape, dtype=tfc.float32, name=None)``; ``shape`` None means any rank."""

    shape: tuple | None
    dtype: DType = DType.f32
    name: str | None = None

    def __init__(self, shape, dtype=DType.f32, name: str | None = None):
        dims = None if shape is None else tuple(None if d is None or (isinstance(d, int) and d < 0) else int(d) for d in shape)
        object.__setattr__(self, "shape", dims)
        object.__setattr__(self, "dtype", STRING if is_string_dtype(dtype) else as_dtype(dtype))
        object.__setattr__(self, "name", name)

    def is_compatible_with(self, shape) -> bool:
        """Whether an array of ``shape`` fits: same rank, equal wherever this spec gives a size."""
        if self.shape is None:
            return True
        return len(shape) == len(self.shape) and all(d is None or d == n for d, n in zip(self.shape, shape))

    def conform(self, value, what: str):
        """``value`` as an argument of this spec: a numpy array or device array of its dtype and a
        fitting shape; Python numbers and lists convert (as ``tf.function`` converts them). TraceError
        naming ``what`` otherwise."""
        if self.dtype is STRING:
            raise TraceError(f"{what}: a tfc.string spec describes input pipeline data (tfc.data); compiled functions take numbers only")
        target = self.dtype.numpy
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            if np.dtype(value.dtype) != target:
                raise TraceError(f"{what}: expected {self.dtype.numpy.name} (input_signature), got {np.dtype(value.dtype)}")
        else:
            try:
                value = np.asarray(value, dtype=target)
            except (TypeError, ValueError) as err:
                raise TraceError(f"{what}: cannot convert {type(value).__name__} to {self.dtype.numpy.name} (input_signature): {err}") from None
        if not self.is_compatible_with(tuple(value.shape)):
            raise TraceError(f"{what}: shape {list(value.shape)} does not fit {self._shape_text()} (input_signature)")
        return value

    def _shape_text(self) -> str:
        return "any shape" if self.shape is None else "[" + ", ".join("None" if d is None else str(d) for d in self.shape) + "]"

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        dtype = "tfc.string" if self.dtype is STRING else f"tfc.{self.dtype.numpy.name}"
        return f"TensorSpec(shape={self._shape_text()}, dtype={dtype}{name})"


__all__ = ["TensorSpec"]
