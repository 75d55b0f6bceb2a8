"""TensorFlow's image resizing (NHWC): ResizeBilinear, ResizeNearestNeighbor, ResizeBicubic and their
gradients ResizeBilinearGrad, ResizeNearestNeighborGrad, ResizeBicubicGrad.

A resize's sampling positions and weights depend only on the sizes, so they are computed here in
float32 exactly as TensorFlow's CPU kernels compute them (``CalculateResizeScale``, the legacy and
half-pixel scalers, ``floorf``/``ceilf``/``roundf``/``lrintf``, the cubic coefficient table) and
become constant tables: a resize is gathers along the height and the width and the kernels'
weighted sums; a gradient scatters the incoming gradient back through the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import const, ints, shape_text, static


# ---- sampling positions (TensorFlow's image_resizer_state.h, in float32) --------------------------
def resize_scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def round_half_away(values: np.ndarray) -> np.ndarray:
    """C's ``roundf`` (halves away from zero), exactly, for non-negative float32 values."""
    floor = np.floor(values)
    return floor + (values - floor >= np.float32(0.5))


@dataclass(frozen=True)
class Linear:
    """Bilinear sampling along one axis: each output reads ``lower`` and ``upper``, mixed by ``lerp``."""

    lower: np.ndarray
    upper: np.ndarray
    lerp: np.ndarray  # float32


def linear_positions(in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> Linear:
    scale = resize_scale(in_size, out_size, align_corners)
    x = np.arange(out_size, dtype=np.float32)
    source = (x + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel else x * scale
    floor = np.floor(source)
    lower = np.maximum(floor, 0).astype(np.int32)
    upper = np.minimum(np.ceil(source), in_size - 1).astype(np.int32)
    return Linear(lower, upper, (source - floor).astype(np.float32))


def nearest_positions(in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> np.ndarray:
    """The input index each output reads (the nearest-neighbor scaler adds 0.5 but does not subtract it)."""
    scale = resize_scale(in_size, out_size, align_corners)
    x = np.arange(out_size, dtype=np.float32)
    source = (x + np.float32(0.5)) * scale if half_pixel else x * scale
    index = np.minimum(round_half_away(source) if align_corners else np.floor(source), in_size - 1)
    return np.maximum(index, 0).astype(np.int32) if half_pixel else index.astype(np.int32)


TABLE_SIZE = 1 << 10  # the kernel's cubic coefficient table has TABLE_SIZE + 1 entries


def cubic_table(a: float) -> np.ndarray:
    """The kernel's ``InitCoeffsTable``: [TABLE_SIZE + 1, 2] float32 weights of the near and far taps
    of Keys' cubic with parameter ``a``, computed in double from float32 offsets."""
    x = (np.arange(TABLE_SIZE + 1) / TABLE_SIZE).astype(np.float32).astype(np.float64)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1)) - 4 * a
    return np.stack([near, far], axis=1).astype(np.float32)


@dataclass(frozen=True)
class Cubic:
    """Bicubic sampling along one axis: output i is sum_k weights[k][i] * input[indices[k][i]], k < 4."""

    indices: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]  # float32


def cubic_positions(in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> Cubic:
    """The kernel's ``GetWeightsAndIndices``: half-pixel centers use Keys' a = -0.5 with taps outside
    the image dropped and the rest renormalized; legacy sampling uses a = -0.75 and repeats edges."""
    scale = resize_scale(in_size, out_size, align_corners)
    x = np.arange(out_size, dtype=np.float32)
    source = (x + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel else x * scale
    floor = np.floor(source)
    offset = np.rint((source - floor) * np.float32(TABLE_SIZE)).astype(np.int64)
    table = cubic_table(-0.5 if half_pixel else -0.75)
    weights = [table[offset, 1], table[offset, 0], table[TABLE_SIZE - offset, 0], table[TABLE_SIZE - offset, 1]]
    taps = [floor.astype(np.int64) + k for k in (-1, 0, 1, 2)]
    indices = [np.clip(t, 0, in_size - 1) for t in taps]
    if half_pixel:
        weights = [np.where(i == t, w, np.float32(0)) for i, t, w in zip(indices, taps, weights)]
        total = ((weights[0] + weights[1]) + weights[2]) + weights[3]
        usable = np.abs(total) >= np.float32(1000) * np.finfo(np.float32).tiny
        inverse = np.float32(1) / np.where(usable, total, np.float32(1))
        weights = [np.where(usable, w * inverse, w) for w in weights]
    return Cubic(tuple(i.astype(np.int32) for i in indices), tuple(w.astype(np.float32) for w in weights))


def _resize_flags(ctx) -> tuple[bool, bool]:
    align, half = ctx.attrs.get("align_corners", False), ctx.attrs.get("half_pixel_centers", False)
    if align and half:
        raise ShapeError("align_corners and half_pixel_centers cannot both be true")
    return align, half


def require_images(shape, what: str = "images") -> None:
    if shape is not None and len(shape) != 4:
        raise ShapeError(f"{what} must have rank 4 (NHWC), got shape {shape_text(shape)}")


def size_pair(value) -> tuple[int, int]:
    size = ints(value)
    if np.shape(value) != (2,) or min(size) <= 0:
        raise ShapeError(f"size must hold two positive sizes (height, width), got {np.asarray(value).tolist()}")
    return size[0], size[1]


def lerp(a, b, weight):
    """TensorFlow's ``a + (b - a) * weight``."""
    return a + (b - a) * weight


def _along(weights: np.ndarray, axis: int):
    """A 1-D float32 table shaped to broadcast along ``axis`` of an NHWC tensor."""
    shape = [1, 1, 1, 1]
    shape[axis] = weights.size
    return const(weights.reshape(shape), DType.f32)


# ---- ResizeBilinear, ResizeNearestNeighbor --------------------------------------------------------
def _resize_type(dtype_of):
    def infer(ctx, images, size):
        require_images(images.shape)
        _resize_flags(ctx)
        value = ctx.constant(1)
        height, width = (None, None) if value is None else size_pair(value)
        batch, channels = (None, None) if images.shape is None else (images.shape[0], images.shape[3])
        return TensorType(dtype_of(images.dtype), (batch, height, width, channels))

    return infer


def _resize_bilinear(ctx, images, size):
    """Gather the rows and columns around each sample, then TensorFlow's three lerps in float32."""
    (height, width), (align, half) = size_pair(static(ctx, 1, "size")), _resize_flags(ctx)
    rows = linear_positions(images.shape[1], height, align, half)
    cols = linear_positions(images.shape[2], width, align, half)
    x = tnp.astype(images, DType.f32)
    top, bottom = tnp.take(x, rows.lower, 1), tnp.take(x, rows.upper, 1)
    x_lerp = _along(cols.lerp, 2)
    top = lerp(tnp.take(top, cols.lower, 2), tnp.take(top, cols.upper, 2), x_lerp)
    bottom = lerp(tnp.take(bottom, cols.lower, 2), tnp.take(bottom, cols.upper, 2), x_lerp)
    return lerp(top, bottom, _along(rows.lerp, 1))


def _resize_nearest(ctx, images, size):
    (height, width), (align, half) = size_pair(static(ctx, 1, "size")), _resize_flags(ctx)
    rows = nearest_positions(images.shape[1], height, align, half)
    cols = nearest_positions(images.shape[2], width, align, half)
    return tnp.take(tnp.take(images, rows, 1), cols, 2)


def _cubic_along(x, axis: int, positions: Cubic):
    """The kernel's ``Interpolate1D`` along ``axis``: four taps weighted and summed in order."""
    terms = [tnp.take(x, index, axis) * _along(weight, axis) for index, weight in zip(positions.indices, positions.weights)]
    return ((terms[0] + terms[1]) + terms[2]) + terms[3]


def _resize_bicubic(ctx, images, size):
    """Interpolate along the height, then the width, in float32, as the kernel does."""
    (height, width), (align, half) = size_pair(static(ctx, 1, "size")), _resize_flags(ctx)
    rows = cubic_positions(images.shape[1], height, align, half)
    cols = cubic_positions(images.shape[2], width, align, half)
    return _cubic_along(_cubic_along(tnp.astype(images, DType.f32), 1, rows), 2, cols)


tf_op("ResizeBilinear", _resize_type(lambda dtype: DType.f32), _resize_bilinear, outputs=(("resized_images", 1),))
tf_op("ResizeNearestNeighbor", _resize_type(lambda dtype: dtype), _resize_nearest, outputs=(("resized_images", 1),))
tf_op("ResizeBicubic", _resize_type(lambda dtype: DType.f32), _resize_bicubic, outputs=(("resized_images", 1),))


# ---- ResizeBilinearGrad, ResizeNearestNeighborGrad ------------------------------------------------
def _zeros(dtype: DType, shape):
    return tnp.broadcast_to(const(0, dtype), tuple(shape))


def add_at(base, rows: np.ndarray, cols: np.ndarray, updates):
    """``base`` [n, H, W, c] with ``updates[:, y, x]`` added at row ``rows[y]``, column ``cols[x]``."""
    index = np.stack(np.broadcast_arrays(rows[:, None], cols[None, :]), axis=-1)
    attrs = {"update_window_dims": (0, 3), "inserted_window_dims": (1, 2), "scatter_dims_to_operand_dims": (1, 2),
             "index_vector_dim": 2, "kind": "add"}
    return tnp.emit("tfc.scatter", [base, const(index, DType.i32), updates], attrs)


def _grad_type(ctx, grads, original):
    require_images(grads.shape, "grads")
    require_images(original.shape, "original_image")
    _resize_flags(ctx)
    if grads.shape is None or original.shape is None:
        return TensorType(original.dtype, None if original.shape is None else original.shape)
    return TensorType(original.dtype, grads.shape[:1] + original.shape[1:3] + grads.shape[3:])


def _scatter_taps(grads, original, row_taps, col_taps, product: DType):
    """The transpose of a separable resize whose output reads input rows ``row_taps`` and columns
    ``col_taps`` ((index, float32 weight) tables): each gradient element, weighted for each tap pair
    in ``product`` and cast to T, is added to the input element that tap read (the sums are in T,
    as in TensorFlow's gradient kernels)."""
    g = tnp.astype(grads, product)
    _, height, width, _ = original.shape
    result = _zeros(original.dtype, (grads.shape[0], height, width, grads.shape[3]))
    for row_index, row_weight in row_taps:
        for col_index, col_weight in col_taps:
            weighted = g * tnp.astype(_along(row_weight, 1), product) * tnp.astype(_along(col_weight, 2), product)
            result = add_at(result, row_index, col_index, tnp.astype(weighted, original.dtype))
    return result


def _linear_taps(positions: Linear):
    return [(positions.lower, np.float32(1) - positions.lerp), (positions.upper, positions.lerp)]


def _resize_bilinear_grad(ctx, grads, original):
    align, half = _resize_flags(ctx)
    rows = linear_positions(original.shape[1], grads.shape[1], align, half)
    cols = linear_positions(original.shape[2], grads.shape[2], align, half)
    return _scatter_taps(grads, original, _linear_taps(rows), _linear_taps(cols), DType.f32)


def _resize_bicubic_grad(ctx, grads, original):
    align, half = _resize_flags(ctx)
    rows = cubic_positions(original.shape[1], grads.shape[1], align, half)
    cols = cubic_positions(original.shape[2], grads.shape[2], align, half)
    # The bicubic kernel reads the gradient as T before weighting it (the bilinear one weights in float32).
    return _scatter_taps(grads, original, zip(rows.indices, rows.weights), list(zip(cols.indices, cols.weights)), original.dtype)


def _nearest_grad_type(ctx, grads, size):
    require_images(grads.shape, "grads")
    _resize_flags(ctx)
    value = ctx.constant(1)
    height, width = (None, None) if value is None else size_pair(value)
    batch, channels = (None, None) if grads.shape is None else (grads.shape[0], grads.shape[3])
    return TensorType(grads.dtype, (batch, height, width, channels))


def _resize_nearest_grad(ctx, grads, size):
    """Each gradient element added to the input element it was read from."""
    (height, width), (align, half) = size_pair(static(ctx, 1, "size")), _resize_flags(ctx)
    rows = nearest_positions(height, grads.shape[1], align, half)
    cols = nearest_positions(width, grads.shape[2], align, half)
    return add_at(_zeros(grads.dtype, (grads.shape[0], height, width, grads.shape[3])), rows, cols, grads)


tf_op("ResizeBilinearGrad", _grad_type, _resize_bilinear_grad)
tf_op("ResizeBicubicGrad", _grad_type, _resize_bicubic_grad)
tf_op("ResizeNearestNeighborGrad", _nearest_grad_type, _resize_nearest_grad)
