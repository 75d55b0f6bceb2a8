"""TensorFlow's color ops on [..., 3] images: RGBToHSV, HSVToRGB (the colorspace functors, in T), and
the float32 CPU kernels AdjustSaturation, AdjustHue and AdjustContrastv2.

Each kernel is per-pixel branching arithmetic; here the branches are selects over the channels and
the arithmetic keeps the kernels' order of operations (and their float64 constants where C++
promotes), so results match TensorFlow's CPU kernels.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType

from ..dialect import tf_op
from .array import const, shape_text


def _require_rgb(shape, what: str = "images", rank: int = 1) -> None:
    if shape is None:
        return
    if len(shape) < rank or shape[-1] not in (None, 3):
        raise ShapeError(f"{what} must have rank at least {rank} and 3 channels in its last dimension, got shape {shape_text(shape)}")


def _channels(x):
    return x[..., 0], x[..., 1], x[..., 2]


def _pick(condition, a, b):
    return tnp.where(condition, a, b)


def _scalar(value, like):
    return const(value, like.dtype)


def _ratio(numerator: int, denominator: int, like):
    """``T(numerator) / T(denominator)`` rounded once in T, as C++ folds it (not as a product with a
    reciprocal, which XLA would make of a traced division by a constant)."""
    dtype = like.dtype.numpy
    return const(np.asarray(numerator, dtype) / np.asarray(denominator, dtype), like.dtype)


# ---- RGBToHSV, HSVToRGB ---------------------------------------------------------------------------
def _rgb_to_hsv(ctx, images):
    r, g, b = _channels(images)
    zero, one = _scalar(0, r), _scalar(1, r)
    v = tnp.maximum(tnp.maximum(r, g), b)
    spread = v - tnp.minimum(tnp.minimum(r, g), b)
    s = _pick(tnp.greater(v, zero), spread / _pick(tnp.greater(v, zero), v, one), zero)
    norm = one / spread * _ratio(1, 6, r)
    h = _pick(tnp.equal(r, v), norm * (g - b),
              _pick(tnp.equal(g, v), norm * (b - r) + _ratio(2, 6, r), norm * (r - g) + _ratio(4, 6, r)))
    h = _pick(tnp.greater(spread, zero), h, zero)
    h = _pick(tnp.less(h, zero), h + one, h)
    return tnp.stack([h, s, v], axis=-1)


def _hsv_to_rgb(ctx, images):
    h, s, v = _channels(images)
    zero, one, two = _scalar(0, h), _scalar(1, h), _scalar(2, h)
    dh = h * _scalar(6, h)

    def clip01(t):
        return tnp.minimum(tnp.maximum(t, zero), one)

    dr = clip01(tnp.abs(dh - _scalar(3, h)) - one)
    dg = clip01(-tnp.abs(dh - two) + two)
    db = clip01(-tnp.abs(dh - _scalar(4, h)) + two)
    one_s = -s + one
    return tnp.stack([(one_s + s * d) * v for d in (dr, dg, db)], axis=-1)


def _rgb_type(ctx, images):
    _require_rgb(images.shape)
    if images.dtype not in (DType.f16, DType.bf16, DType.f32, DType.f64):
        raise ShapeError(f"images must be floating point, got {images.dtype.value}")
    return images


tf_op("RGBToHSV", _rgb_type, _rgb_to_hsv)
tf_op("HSVToRGB", _rgb_type, _hsv_to_rgb)


# ---- AdjustSaturation ----------------------------------------------------------------------------
def _in_categories(category, members) -> object:
    hit = tnp.equal(category, const(members[0], DType.i32))
    for m in members[1:]:
        hit = tnp.logical_or(hit, tnp.equal(category, const(m, DType.i32)))
    return hit


def _saturation_hsv(r, g, b):
    """The kernel's ``rgb_to_hsv`` (its 2.0 / 6.0 and 4.0 / 6.0 are doubles, so those sums round once)."""
    zero = _scalar(0, r)
    v = tnp.maximum(r, tnp.maximum(g, b))
    spread = v - tnp.minimum(r, tnp.minimum(g, b))
    s = _pick(tnp.greater(v, zero), spread / _pick(tnp.greater(v, zero), v, _scalar(1, r)), zero)
    norm = _scalar(1, r) / (_scalar(6, r) * spread)

    def plus_sixths(t, sixths: int):
        return tnp.astype(tnp.astype(t, DType.f64) + const(sixths / 6.0, DType.f64), DType.f32)

    h = _pick(tnp.equal(r, v), norm * (g - b),
              _pick(tnp.equal(g, v), plus_sixths(norm * (b - r), 2), plus_sixths(norm * (r - g), 4)))
    h = _pick(tnp.less_equal(spread, zero), zero, h)
    return _pick(tnp.less(h, zero), h + _scalar(1, r), h), s, v


def _saturation_rgb(h, s, v):
    """The kernel's ``hsv_to_rgb``: six hue categories of (c, x, 0) patterns, plus m."""
    c = s * v
    m = v - c
    dh = h * _scalar(6, h)
    category = tnp.astype(dh, DType.i32)
    x = c * (_scalar(1, h) - tnp.abs(tnp.remainder(dh, _scalar(2, h)) - _scalar(1, h)))
    zero = _scalar(0, h)
    # (categories taking c, categories taking x) per output channel
    patterns = (((0, 5), (1, 4)), ((1, 2), (0, 3)), ((3, 4), (2, 5)))
    return [_pick(_in_categories(category, cs), c, _pick(_in_categories(category, xs), x, zero)) + m for cs, xs in patterns]


def _adjust_saturation(ctx, images, scale):
    h, s, v = _saturation_hsv(*_channels(images))
    s = tnp.minimum(_scalar(1, s), tnp.maximum(_scalar(0, s), s * scale))
    return tnp.stack(_saturation_rgb(h, s, v), axis=-1)


def _float32_rgb_type(what: str):
    def infer(ctx, images, scalar):
        _require_rgb(images.shape, rank=3)
        if images.dtype is not DType.f32:
            raise ShapeError(f"images must be float32 (TensorFlow's CPU kernel), got {images.dtype.value}")
        if scalar.shape is not None and scalar.shape != ():
            raise ShapeError(f"{what} must be a scalar, got shape {shape_text(scalar.shape)}")
        return images

    return infer


tf_op("AdjustSaturation", _float32_rgb_type("scale"), _adjust_saturation)


# ---- AdjustHue -----------------------------------------------------------------------------------
def _hue_range(r, g, b):
    """The kernel's ``rgb_to_hv_range``: hue in [0, 6), the smallest and the largest channel."""
    r_lt_g = tnp.less(r, g)
    cases = [  # (condition within its half, (v_max, v_mid, v_min, category))
        (tnp.less(b, r), (g, r, b, 1)), (tnp.greater(b, g), (b, g, r, 3)), (None, (g, b, r, 2)),
        (tnp.less(b, g), (r, g, b, 0)), (tnp.greater(b, r), (b, r, g, 4)), (None, (r, b, g, 5)),
    ]

    def choose(half):
        (first, a), (second, b_), (_, c) = half
        return [_pick(first, x, _pick(second, y, z)) for x, y, z in zip(a, b_, c)]

    as_f32 = [(cond, (*vals[:3], const(float(vals[3]), DType.f32))) for cond, vals in cases]
    v_max, v_mid, v_min, category = (_pick(r_lt_g, x, y) for x, y in zip(choose(as_f32[:3]), choose(as_f32[3:])))
    ratio = (v_mid - v_min) / (v_max - v_min)
    even = tnp.equal(tnp.remainder(category, const(2.0, DType.f32)), const(0.0, DType.f32))
    h = category + _pick(even, ratio, const(1.0, DType.f32) - ratio)
    return _pick(tnp.equal(v_max, v_min), const(0.0, DType.f32), h), v_min, v_max


def _hue_rgb(h, v_min, v_max):
    """The kernel's ``hv_range_to_rgb``."""
    category = tnp.floor(h)
    ratio = h - category
    odd = tnp.equal(tnp.remainder(category, const(2.0, DType.f32)), const(1.0, DType.f32))
    ratio = _pick(odd, const(1.0, DType.f32) - ratio, ratio)
    v_mid = v_min + ratio * (v_max - v_min)
    index = tnp.astype(category, DType.i32)
    # categories taking (v_max, v_mid) per channel; the rest take v_min
    patterns = (((0, 5), (1, 4)), ((1, 2), (0, 3)), ((3, 4), (2, 5)))
    return [_pick(_in_categories(index, tops), v_max, _pick(_in_categories(index, mids), v_mid, v_min)) for tops, mids in patterns]


def _adjust_hue(ctx, images, delta):
    h, v_min, v_max = _hue_range(*_channels(images))
    h = h + delta * const(6.0, DType.f32)
    h = tnp.remainder(h, const(6.0, DType.f32))  # the kernel's add/subtract-6 loops, exactly
    h = _pick(tnp.greater_equal(h, const(6.0, DType.f32)), h - const(6.0, DType.f32), h)
    return tnp.stack(_hue_rgb(h, v_min, v_max), axis=-1)


tf_op("AdjustHue", _float32_rgb_type("delta"), _adjust_hue)


# ---- AdjustContrastv2 ----------------------------------------------------------------------------
def _contrast_type(ctx, images, factor):
    if images.shape is not None and len(images.shape) < 3:
        raise ShapeError(f"images must have rank at least 3 ([..., height, width, channels]), got shape {shape_text(images.shape)}")
    if images.dtype is not DType.f32:
        raise ShapeError(f"images must be float32 (TensorFlow's CPU kernel), got {images.dtype.value}")
    if factor.shape is not None and factor.shape != ():
        raise ShapeError(f"contrast_factor must be a scalar, got shape {shape_text(factor.shape)}")
    return images


def _adjust_contrast(ctx, images, factor):
    """mean + factor * (x - mean), the mean per image and channel (a sum times 1 / (height * width))."""
    height, width = images.shape[-3], images.shape[-2]
    total = tnp.sum(images, axis=(images.ndim - 3, images.ndim - 2), keepdims=True)
    mean = total * const(np.float32(1) / np.float32(height * width), DType.f32) if height * width else total
    return mean + factor * (images - mean)


tf_op("AdjustContrastv2", _contrast_type, _adjust_contrast)
