"""TensorFlow's LinSpace: ``num`` evenly spaced values from ``start`` to ``stop``, computed as its
kernel does (``start + i * step`` with ``step = (stop - start) / (num - 1)``, the last value ``stop``
exactly). ``num`` sets the result's shape, so it must be a constant."""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import tf_op
from .math import emit, full_like, same_dtype


def _count(value) -> int:
    num = np.asarray(value)
    if num.ndim != 0:
        raise ShapeError(f"LinSpace's num must be a scalar, got shape {list(num.shape)}")
    if int(num) <= 0:
        raise ShapeError(f"LinSpace's num must be positive, got {int(num)}")
    return int(num)


def _linspace_type(ctx, start, stop, num):
    same_dtype(ctx, start, stop)
    for name, t in (("start", start), ("stop", stop)):
        if t.shape is not None and t.rank != 0:
            raise ShapeError(f"LinSpace's {name} must be a scalar, got {t}")
    value = ctx.constant(2)
    return TensorType(start.dtype, (None if value is None else _count(value),))


def _linspace(ctx, start, stop, num):
    n = _count(ctx.require_constant(2, "num"))
    start, stop = tnp.reshape(start, (1,)), tnp.reshape(stop, (1,))
    if n == 1:
        return start
    step = emit("divide", tnp.subtract(stop, start), full_like(stop, n - 1))
    index = tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(start.dtype, (n,))])
    values = tnp.add(tnp.broadcast_to(start, (n,)), tnp.multiply(tnp.broadcast_to(step, (n,)), index))
    is_last = tnp.equal(index, full_like(index, n - 1))
    return tnp.where(is_last, tnp.broadcast_to(stop, (n,)), values)


tf_op("LinSpace", _linspace_type, _linspace)
