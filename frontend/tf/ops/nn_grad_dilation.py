"""Grayscale morphological dilation and its gradient kernels: Dilation2D, Dilation2DBackpropInput and
Dilation2DBackpropFilter (which TensorFlow's registered gradient of Dilation2D emits).

    output[b, y, x, c] = max over (i, j) of input[b, y*sy + i*ry - top, x*sx + j*rx - left, c] + filter[i, j, c]

over the taps (i, j) that fall inside the input (SAME/VALID windows as a convolution with dilations
``rates`` computes them). As TensorFlow's CPU kernels do, the maximum starts at the type's lowest value
and a tap replaces it only when strictly greater, scanning taps in row-major order; each gradient goes
to that tap's input element and filter element. A window where no tap replaces it (all values at the
lowest, or NaN) sends its gradient to input element (max(y*sy - top, 0), max(x*sx - left, 0)) and
filter element (0, 0), the kernels' starting positions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import const
from .math import same_dtype
from .nn import shape_of, static_shape, tf_window, window_attr


@dataclass(frozen=True)
class _Geometry:
    """The windows of a dilation: per spatial dimension its output size, stride, rate and top padding."""

    shape: tuple  # input [B, H, W, C]
    taps: tuple  # filter [h, w]
    outs: tuple
    strides: tuple
    rates: tuple
    befores: tuple

    @staticmethod
    def parse(ctx, x: TensorType, w: TensorType) -> _Geometry:
        strides, rates = window_attr(ctx.attrs.get("strides"), "strides", 4), window_attr(ctx.attrs.get("rates"), "rates", 4)
        for key, values in (("strides", strides), ("rates", rates)):
            if values[0] != 1 or values[3] != 1:
                raise ShapeError(f"{key} {list(values)} must be 1 in the batch and depth dimensions")
        mode = ctx.attrs.get("padding")
        if mode not in ("SAME", "VALID"):
            raise ShapeError(f"padding {mode!r} is not one of SAME, VALID")
        xs, ws = shape_of(x, 4, "input"), shape_of(w, 3, "filter")
        if None not in (xs[3], ws[2]) and xs[3] != ws[2]:
            raise ShapeError(f"input depth {xs[3]} must equal filter depth {ws[2]}")
        windows = [tf_window(n, k, s, r, mode) for n, k, s, r in zip(xs[1:3], ws[:2], strides[1:3], rates[1:3])]
        befores = tuple(None if pads is None else pads[0] for _, pads in windows)
        return _Geometry(xs, ws[:2], tuple(out for out, _ in windows), strides[1:3], rates[1:3], befores)

    @property
    def out_shape(self) -> tuple:
        return (self.shape[0], *self.outs, self.shape[3])

    def positions(self, tap: tuple) -> list[np.ndarray]:
        """The input row and column each output reads at ``tap``."""
        return [np.arange(o) * s + t * r - b for o, s, r, b, t in zip(self.outs, self.strides, self.rates, self.befores, tap)]

    def valid(self, tap: tuple) -> np.ndarray:
        """Where ``tap`` falls inside the input: an [1, OH, OW, 1] bool array."""
        rows, cols = (((p >= 0) & (p < n)) for p, n in zip(self.positions(tap), self.shape[1:3]))
        return (rows[:, None] & cols[None, :]).reshape(1, *self.outs, 1)


def _static_type(ctx, index: int, what: str) -> TensorType:
    return TensorType(ctx.operand_types[index].dtype, static_shape(ctx, index, what))


def _static_geometry(ctx) -> _Geometry:
    """The geometry a decomposition needs: every size known."""
    return _Geometry.parse(ctx, _static_type(ctx, 0, "input"), _static_type(ctx, 1, "filter"))


def _result_type(ctx, x, w):
    same_dtype(ctx, x, w)
    return TensorType(x.dtype, _Geometry.parse(ctx, x, w).out_shape)


def _lowest(dtype: DType):
    return np.finfo(dtype.numpy).min if dtype.is_float else np.iinfo(dtype.numpy).min


def _max_taps(geometry: _Geometry, x, w):
    """Each window's maximum of input + filter and the index (row-major) of the tap that gave it, -1
    where none beat the lowest value."""
    highs = [(o - 1) * s + (k - 1) * r + 1 - b - n for o, s, k, r, b, n in
             zip(geometry.outs, geometry.strides, geometry.taps, geometry.rates, geometry.befores, geometry.shape[1:3])]
    pads = {"edge_padding_low": (0, *geometry.befores, 0), "edge_padding_high": (0, *(max(h, 0) for h in highs), 0), "interior_padding": (0,) * 4}
    padded = tnp.emit("tfc.pad", [x, tnp.astype(0, x.dtype)], pads)
    out_shape = geometry.out_shape
    best = tnp.broadcast_to(tnp.astype(_lowest(x.dtype), x.dtype), out_shape)
    index = tnp.broadcast_to(const(-1, DType.i32), out_shape)
    for i, tap in enumerate(itertools.product(*(range(k) for k in geometry.taps))):
        valid = geometry.valid(tap)
        if not valid.any():
            continue
        start = (0, *(t * r for t, r in zip(tap, geometry.rates)), 0)
        limit = (out_shape[0], *(s + (o - 1) * st + 1 for s, o, st in zip(start[1:3], geometry.outs, geometry.strides)), out_shape[3])
        value = tnp.emit("tfc.slice", [padded], {"start_indices": start, "limit_indices": limit, "strides": (1, *geometry.strides, 1)})
        value = tnp.add(value, tnp.reshape(w[tap[0], tap[1]], (1, 1, 1, -1)))
        take = tnp.greater(value, best)
        if not valid.all():
            take = tnp.logical_and(take, tnp.broadcast_to(const(valid, DType.bool), out_shape))
        best = tnp.where(take, value, best)
        index = tnp.where(take, tnp.broadcast_to(const(i, DType.i32), out_shape), index)
    return best, index


def _dilation(ctx, x, w):
    geometry = _static_geometry(ctx)
    if 0 in geometry.out_shape:
        return tnp.broadcast_to(tnp.astype(0, x.dtype), geometry.out_shape)
    return _max_taps(geometry, x, w)[0]


tf_op("Dilation2D", _result_type, _dilation)


# ---- the gradients -----------------------------------------------------------------------------------
def _backprop_type(result: int):
    def infer(ctx, x, w, dy):
        want = _result_type(ctx, x, w)
        same_dtype(ctx, x, dy)
        if dy.shape is not None and want.shape is not None and any(a is not None and b is not None and a != b for a, b in zip(dy.shape, want.shape)):
            raise ShapeError(f"out_backprop has shape {list(dy.shape)}, but the dilation's output has shape {list(want.shape)}")
        if dy.shape is not None and len(dy.shape) != 4:
            raise ShapeError(f"out_backprop must have rank 4, got {dy}")
        return (x, w)[result]

    return infer


def _scatter_add(size: int, indices, updates):
    """A [size] vector of zeros with each update added at its flat index."""
    attrs = {"update_window_dims": (), "inserted_window_dims": (0,), "scatter_dims_to_operand_dims": (0,), "index_vector_dim": 1, "kind": "add"}
    zeros = tnp.broadcast_to(tnp.astype(0, updates.dtype), (size,))
    return tnp.emit("tfc.scatter", [zeros, tnp.reshape(indices, (-1, 1)), tnp.reshape(updates, (-1,))], attrs)


def _grid(shape: tuple, dimension: int):
    return tnp.emit("tfc.iota", [], {"iota_dimension": dimension}, [TensorType(DType.i64, shape)])


def _backprop_input(ctx, x, w, dy):
    """Each gradient added at the input element its window's maximum came from."""
    geometry = _static_geometry(ctx)
    batch, height, width, depth = geometry.shape
    if 0 in geometry.out_shape or 0 in geometry.shape:
        return tnp.broadcast_to(tnp.astype(0, x.dtype), geometry.shape)
    index = tnp.astype(_max_taps(geometry, x, w)[1], DType.i64)
    none = tnp.less(index, tnp.astype(0, DType.i64))
    shape, fw = geometry.out_shape, geometry.taps[1]
    coordinates = []
    for d, tap in ((1, tnp.floor_divide(index, tnp.astype(fw, DType.i64))), (2, tnp.remainder(index, tnp.astype(fw, DType.i64)))):
        stride, rate, before = geometry.strides[d - 1], geometry.rates[d - 1], geometry.befores[d - 1]
        start = tnp.subtract(tnp.multiply(_grid(shape, d), tnp.astype(stride, DType.i64)), tnp.astype(before, DType.i64))
        found = tnp.add(start, tnp.multiply(tap, tnp.astype(rate, DType.i64)))
        coordinates.append(tnp.where(none, tnp.maximum(start, tnp.astype(0, DType.i64)), found))
    rows, cols = coordinates
    flat = tnp.add(tnp.multiply(tnp.add(tnp.multiply(tnp.add(tnp.multiply(_grid(shape, 0), tnp.astype(height, DType.i64)), rows),
                                                     tnp.astype(width, DType.i64)), cols), tnp.astype(depth, DType.i64)), _grid(shape, 3))
    return tnp.reshape(_scatter_add(batch * height * width * depth, flat, dy), geometry.shape)


def _backprop_filter(ctx, x, w, dy):
    """Each gradient added at the filter element that gave its window's maximum."""
    geometry = _static_geometry(ctx)
    fh, fw = geometry.taps
    depth = geometry.shape[3]
    if 0 in geometry.out_shape or 0 in (fh, fw, depth):
        return tnp.broadcast_to(tnp.astype(0, x.dtype), (fh, fw, depth))
    index = tnp.astype(_max_taps(geometry, x, w)[1], DType.i64)
    tap = tnp.maximum(index, tnp.astype(0, DType.i64))
    flat = tnp.add(tnp.multiply(tap, tnp.astype(depth, DType.i64)), _grid(geometry.out_shape, 3))
    return tnp.reshape(_scatter_add(fh * fw * depth, flat, dy), (fh, fw, depth))


tf_op("Dilation2DBackpropInput", _backprop_type(0), _backprop_input)
tf_op("Dilation2DBackpropFilter", _backprop_type(1), _backprop_filter)
