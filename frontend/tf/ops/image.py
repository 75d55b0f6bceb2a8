"""TensorFlow's image resizing: ResizeBilinear, ResizeNearestNeighbor, their gradients
ResizeBilinearGrad and ResizeNearestNeighborGrad, and CropAndResize (all NHWC).

A resize's sampling positions depend only on the sizes, so they are computed here in float32 exactly
as TensorFlow's CPU kernels compute them (``CalculateResizeScale``, the legacy and half-pixel scalers,
``floorf``/``ceilf``/``roundf``) and become constant tables: a resize is gathers along the height and
the width and TensorFlow's lerps; a gradient scatters the incoming gradient back through the same
tables. CropAndResize's positions depend on the boxes, which may be computed at run time, so they
are traced arithmetic, in the kernel's order of operations.

TensorFlow rejects a ``box_ind`` outside the batch at run time; XLA cannot, and reads the clamped
image (constant indices are checked here, as TensorFlow would).
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


def _resize_flags(ctx) -> tuple[bool, bool]:
    align, half = ctx.attrs.get("align_corners", False), ctx.attrs.get("half_pixel_centers", False)
    if align and half:
        raise ShapeError("align_corners and half_pixel_centers cannot both be true")
    return align, half


def _require_images(shape, what: str = "images") -> None:
    if shape is not None and len(shape) != 4:
        raise ShapeError(f"{what} must have rank 4 (NHWC), got shape {shape_text(shape)}")


def _size(value) -> tuple[int, int]:
    size = ints(value)
    if np.shape(value) != (2,) or min(size) <= 0:
        raise ShapeError(f"size must hold two positive sizes (height, width), got {np.asarray(value).tolist()}")
    return size[0], size[1]


def _lerp(a, b, weight):
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
        _require_images(images.shape)
        _resize_flags(ctx)
        value = ctx.constant(1)
        height, width = (None, None) if value is None else _size(value)
        batch, channels = (None, None) if images.shape is None else (images.shape[0], images.shape[3])
        return TensorType(dtype_of(images.dtype), (batch, height, width, channels))

    return infer


def _resize_bilinear(ctx, images, size):
    """Gather the rows and columns around each sample, then TensorFlow's three lerps in float32."""
    (height, width), (align, half) = _size(static(ctx, 1, "size")), _resize_flags(ctx)
    rows = linear_positions(images.shape[1], height, align, half)
    cols = linear_positions(images.shape[2], width, align, half)
    x = tnp.astype(images, DType.f32)
    top, bottom = tnp.take(x, rows.lower, 1), tnp.take(x, rows.upper, 1)
    x_lerp = _along(cols.lerp, 2)
    top = _lerp(tnp.take(top, cols.lower, 2), tnp.take(top, cols.upper, 2), x_lerp)
    bottom = _lerp(tnp.take(bottom, cols.lower, 2), tnp.take(bottom, cols.upper, 2), x_lerp)
    return _lerp(top, bottom, _along(rows.lerp, 1))


def _resize_nearest(ctx, images, size):
    (height, width), (align, half) = _size(static(ctx, 1, "size")), _resize_flags(ctx)
    rows = nearest_positions(images.shape[1], height, align, half)
    cols = nearest_positions(images.shape[2], width, align, half)
    return tnp.take(tnp.take(images, rows, 1), cols, 2)


tf_op("ResizeBilinear", _resize_type(lambda dtype: DType.f32), _resize_bilinear, outputs=(("resized_images", 1),))
tf_op("ResizeNearestNeighbor", _resize_type(lambda dtype: dtype), _resize_nearest, outputs=(("resized_images", 1),))


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
    _require_images(grads.shape, "grads")
    _require_images(original.shape, "original_image")
    _resize_flags(ctx)
    if grads.shape is None or original.shape is None:
        return TensorType(original.dtype, None if original.shape is None else original.shape)
    return TensorType(original.dtype, grads.shape[:1] + original.shape[1:3] + grads.shape[3:])


def _resize_bilinear_grad(ctx, grads, original):
    """Each gradient element, weighted for each of its four corners in float32 and cast to T, is
    added to the corner it was read from (the kernel's order: the sums are in T)."""
    align, half = _resize_flags(ctx)
    _, height, width, _ = original.shape
    rows = linear_positions(height, grads.shape[1], align, half)
    cols = linear_positions(width, grads.shape[2], align, half)
    g = tnp.astype(grads, DType.f32)
    result = _zeros(original.dtype, (grads.shape[0], height, width, grads.shape[3]))
    for row_index, row_weight in ((rows.lower, np.float32(1) - rows.lerp), (rows.upper, rows.lerp)):
        for col_index, col_weight in ((cols.lower, np.float32(1) - cols.lerp), (cols.upper, cols.lerp)):
            part = tnp.astype(g * _along(row_weight, 1) * _along(col_weight, 2), original.dtype)
            result = add_at(result, row_index, col_index, part)
    return result


def _nearest_grad_type(ctx, grads, size):
    _require_images(grads.shape, "grads")
    _resize_flags(ctx)
    value = ctx.constant(1)
    height, width = (None, None) if value is None else _size(value)
    batch, channels = (None, None) if grads.shape is None else (grads.shape[0], grads.shape[3])
    return TensorType(grads.dtype, (batch, height, width, channels))


def _resize_nearest_grad(ctx, grads, size):
    """Each gradient element added to the input element it was read from."""
    (height, width), (align, half) = _size(static(ctx, 1, "size")), _resize_flags(ctx)
    rows = nearest_positions(height, grads.shape[1], align, half)
    cols = nearest_positions(width, grads.shape[2], align, half)
    return add_at(_zeros(grads.dtype, (grads.shape[0], height, width, grads.shape[3])), rows, cols, grads)


tf_op("ResizeBilinearGrad", _grad_type, _resize_bilinear_grad)
tf_op("ResizeNearestNeighborGrad", _nearest_grad_type, _resize_nearest_grad)


# ---- CropAndResize --------------------------------------------------------------------------------
def _crop_type(ctx, image, boxes, box_ind, crop_size):
    _require_images(image.shape, "image")
    if ctx.attrs.get("method", "bilinear") not in ("bilinear", "nearest"):
        raise ShapeError(f"method must be 'bilinear' or 'nearest', got {ctx.attrs.get('method')!r}")
    if boxes.shape is not None and (len(boxes.shape) != 2 or boxes.shape[1] not in (None, 4)):
        raise ShapeError(f"boxes must have shape [num_boxes, 4], got {shape_text(boxes.shape)}")
    if box_ind.shape is not None and len(box_ind.shape) != 1:
        raise ShapeError(f"box_ind must be a vector, got shape {shape_text(box_ind.shape)}")
    value = ctx.constant(3)
    height, width = (None, None) if value is None else _size(value)
    boxes_count = None if boxes.shape is None else boxes.shape[0]
    return TensorType(DType.f32, (boxes_count, height, width, None if image.shape is None else image.shape[3]))


def _crop_positions(low, high, image_size: int, crop_size: int):
    """The kernel's sample positions along one axis, [boxes, crop_size] float32, from the boxes'
    normalized coordinates ``low`` and ``high`` ([boxes, 1])."""
    extent = const(image_size - 1, DType.f32)
    if crop_size == 1:
        return const(0.5, DType.f32) * (low + high) * extent
    scale = exact_quotient((high - low) * extent, crop_size - 1)
    return low * extent + const(np.arange(crop_size)[None, :], DType.f32) * scale


def exact_quotient(numerator, divisor: int):
    """``numerator / divisor`` in float32, rounded as TensorFlow's kernel rounds it. XLA compiles a
    division by a constant as a multiplication by its reciprocal, which can be one ulp off (and move
    a position across a rounding tie); done in float64 the product is close enough to the true
    quotient that rounding it to float32 gives the correctly rounded result."""
    quotient = tnp.astype(numerator, DType.f64) / const(divisor, DType.f64)
    return tnp.astype(quotient, DType.f32)


def _inside(positions, image_size: int):
    return tnp.logical_and(tnp.greater_equal(positions, const(0, DType.f32)), tnp.less_equal(positions, const(image_size - 1, DType.f32)))


def _pixels(image, box_ind, rows, cols):
    """image[box_ind[n], rows[n, y], cols[n, x], :] for every box n: [boxes, crop_h, crop_w, channels]."""
    n, h, w = rows.shape[0], rows.shape[1], cols.shape[1]
    index = [tnp.broadcast_to(tnp.reshape(t, shape), (n, h, w)) for t, shape in
             ((box_ind, (n, 1, 1)), (rows, (n, h, 1)), (cols, (n, 1, w)))]
    attrs = {"offset_dims": (3,), "collapsed_slice_dims": (0, 1, 2), "start_index_map": (0, 1, 2), "index_vector_dim": 3,
             "slice_sizes": (1, 1, 1, image.shape[3])}
    pixels = tnp.emit("tfc.gather", [image, tnp.stack(index, axis=-1)], attrs, [TensorType(image.dtype, (n, h, w, image.shape[3]))])
    return tnp.astype(pixels, DType.f32)


def _index(positions, size: int):
    """Float positions as int32 indices kept inside [0, size) (positions outside are extrapolated anyway)."""
    return tnp.clip(tnp.astype(positions, DType.i32), 0, size - 1)


def _check_box_ind(ctx, batch: int) -> None:
    value = ctx.constant(2)
    if value is not None and np.any((value < 0) | (value >= batch)):
        raise ShapeError(f"box_ind {ints(value)} must be in [0, {batch}) (the image batch)")


def _crop_and_resize(ctx, image, boxes, box_ind, crop_size):
    crop_h, crop_w = _size(static(ctx, 3, "crop_size"))
    _check_box_ind(ctx, image.shape[0])
    _, height, width, channels = image.shape
    n = boxes.shape[0]
    corner = [tnp.reshape(boxes[:, i], (n, 1)) for i in range(4)]  # y1, x1, y2, x2
    in_y, in_x = _crop_positions(corner[0], corner[2], height, crop_h), _crop_positions(corner[1], corner[3], width, crop_w)
    box_ind = tnp.astype(box_ind, DType.i32)
    if ctx.attrs.get("method", "bilinear") == "nearest":
        values = _pixels(image, box_ind, _index(_round(in_y), height), _index(_round(in_x), width))
    else:
        top_y, left_x = tnp.floor(in_y), tnp.floor(in_x)
        rows = _index(top_y, height), _index(tnp.ceil(in_y), height)
        cols = _index(left_x, width), _index(tnp.ceil(in_x), width)
        y_lerp, x_lerp = tnp.reshape(in_y - top_y, (n, crop_h, 1, 1)), tnp.reshape(in_x - left_x, (n, 1, crop_w, 1))
        top = _lerp(_pixels(image, box_ind, rows[0], cols[0]), _pixels(image, box_ind, rows[0], cols[1]), x_lerp)
        bottom = _lerp(_pixels(image, box_ind, rows[1], cols[0]), _pixels(image, box_ind, rows[1], cols[1]), x_lerp)
        values = _lerp(top, bottom, y_lerp)
    inside = tnp.logical_and(tnp.reshape(_inside(in_y, height), (n, crop_h, 1, 1)), tnp.reshape(_inside(in_x, width), (n, 1, crop_w, 1)))
    outside = const(ctx.attrs.get("extrapolation_value", 0.0), DType.f32)
    return tnp.where(tnp.broadcast_to(inside, (n, crop_h, crop_w, channels)), values, outside)


def _round(positions):
    """``roundf`` of the non-negative positions that are inside the image."""
    floor = tnp.floor(positions)
    return floor + tnp.astype(tnp.greater_equal(positions - floor, const(0.5, DType.f32)), DType.f32)


tf_op("CropAndResize", _crop_type, _crop_and_resize, outputs=(("crops", 1),))
