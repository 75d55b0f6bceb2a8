"""TensorFlow's CropAndResize (NHWC): boxes of normalized coordinates cut from a batch of images and
resampled (bilinear or nearest) to one crop size, with extrapolation_value outside the image.

Unlike a resize's, the sampling positions depend on the boxes, which may be computed at run time, so
they are traced arithmetic in the kernel's order of operations. TensorFlow rejects a ``box_ind``
outside the batch at run time; XLA cannot, and reads the clamped image (constant indices are checked
here, as TensorFlow would).
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import const, ints, shape_text, static
from .image import lerp, require_images, size_pair


def _crop_type(ctx, image, boxes, box_ind, crop_size):
    require_images(image.shape, "image")
    if ctx.attrs.get("method", "bilinear") not in ("bilinear", "nearest"):
        raise ShapeError(f"method must be 'bilinear' or 'nearest', got {ctx.attrs.get('method')!r}")
    if boxes.shape is not None and (len(boxes.shape) != 2 or boxes.shape[1] not in (None, 4)):
        raise ShapeError(f"boxes must have shape [num_boxes, 4], got {shape_text(boxes.shape)}")
    if box_ind.shape is not None and len(box_ind.shape) != 1:
        raise ShapeError(f"box_ind must be a vector, got shape {shape_text(box_ind.shape)}")
    value = ctx.constant(3)
    height, width = (None, None) if value is None else size_pair(value)
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
    crop_h, crop_w = size_pair(static(ctx, 3, "crop_size"))
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
        top = lerp(_pixels(image, box_ind, rows[0], cols[0]), _pixels(image, box_ind, rows[0], cols[1]), x_lerp)
        bottom = lerp(_pixels(image, box_ind, rows[1], cols[0]), _pixels(image, box_ind, rows[1], cols[1]), x_lerp)
        values = lerp(top, bottom, y_lerp)
    inside = tnp.logical_and(tnp.reshape(_inside(in_y, height), (n, crop_h, 1, 1)), tnp.reshape(_inside(in_x, width), (n, 1, crop_w, 1)))
    outside = const(ctx.attrs.get("extrapolation_value", 0.0), DType.f32)
    return tnp.where(tnp.broadcast_to(inside, (n, crop_h, crop_w, channels)), values, outside)


def _round(positions):
    """``roundf`` of the non-negative positions that are inside the image."""
    floor = tnp.floor(positions)
    return floor + tnp.astype(tnp.greater_equal(positions - floor, const(0.5, DType.f32)), DType.f32)


tf_op("CropAndResize", _crop_type, _crop_and_resize, outputs=(("crops", 1),))
