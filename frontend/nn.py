"""``tfc.nn`` inside ``@tfc.compile`` (and eagerly): TensorFlow 2's ``tf.nn`` windows and normalizations,
recording core ops (``tfc.convolution``, ``tfc.reduce_window``...), so layers and models are traced.

Names, arguments and defaults are ``tf.nn``'s: ``conv2d(input, filters, strides, padding,
data_format="NHWC", dilations=None)``. ``strides``, ``ksize`` and ``dilations`` take an int, one value
per spatial dimension, or one per input dimension (batch and channels then 1); ``padding`` is
"SAME", "VALID" or, for convolutions, explicit (low, high) pairs per input dimension. The window
geometry is :mod:`.windows`', which the imported ``tf.Conv2D`` ... decompositions use too, so a model
traced here and the same model imported from a GraphDef compute alike. Gradients come from the core
ops' rules.
"""

from __future__ import annotations

import functools

from tfc.diagnostics import TraceError
from tfc.registry import ShapeError

from . import api as tnp
from .tensor import Tensor, to_tensor
from .tracing import user_location
from .windows import Layout, emit_convolution, emit_reduce_window, tf_window, window_sizes


def _user_errors(fn):
    """``fn`` raising a shape problem as a TraceError at the user's line, naming the function."""

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ShapeError as err:
            raise TraceError(f"tf.nn.{fn.__name__}: {err}", user_location()) from None

    return checked


def _spatial(value, n: int, layout: Layout, what: str, default: int = 1) -> tuple:
    """An int, n values, or one per input dimension (1 on batch and channels), as n spatial values."""
    if value is None:
        return (default,) * n
    values = (int(value),) * n if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) == 1:
        values *= n
    if len(values) == n + 2:
        if values[layout.batch] != 1 or values[layout.feature] != 1:
            raise ShapeError(f"{what} {list(values)} must be 1 in the batch and channel dimensions")
        values = tuple(values[d] for d in layout.spatial)
    if len(values) != n or any(v < 1 for v in values):
        raise ShapeError(f"{what} must be an int or {n} or {n + 2} positive ints, got {value!r}")
    return values


def _padding(padding, layout: Layout, n: int) -> tuple[str, list]:
    """("SAME" | "VALID" | "EXPLICIT", the explicit (low, high) pairs of the spatial dimensions)."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode not in ("SAME", "VALID"):
            raise ShapeError(f"padding must be 'SAME', 'VALID' or (low, high) pairs, got {padding!r}")
        return mode, [(0, 0)] * n
    pairs = [tuple(int(p) for p in pair) for pair in padding]
    if len(pairs) != n + 2 or any(len(p) != 2 or min(p) < 0 for p in pairs) or pairs[layout.batch] != (0, 0) or pairs[layout.feature] != (0, 0):
        raise ShapeError(f"explicit padding must be {n + 2} non-negative (low, high) pairs, (0, 0) on batch and channels; got {padding!r}")
    return "EXPLICIT", [pairs[d] for d in layout.spatial]


def _static_shape(x: Tensor, what: str, layout: Layout | None = None, padding=None) -> tuple:
    """``x``'s shape, all of it known but (given the ``layout``) the batch dim, which no window slides
    over, and the spatial dims under VALID or explicit ``padding`` (their padding needs no size)."""
    free = set() if layout is None else {layout.batch}
    if layout is not None and not (isinstance(padding, str) and padding.upper() == "SAME"):
        free |= set(layout.spatial)
    if any(d is None and a not in free for a, d in enumerate(x.shape)):
        allowed = "" if layout is None else " but the batch dim" + ("" if free == {layout.batch} else " and, without SAME padding, the spatial dims")
        raise ShapeError(f"{what} needs a static shape{allowed}, got [{', '.join('?' if d is None else str(d) for d in x.shape)}]")
    return x.shape


@_user_errors
def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None, name=None) -> Tensor:
    """``tf.nn.convolution``: an N-d convolution (N = rank - 2) with a [*spatial, in, out] filter; an
    input with ``in * g`` channels is a grouped convolution of g groups."""
    x, w = to_tensor(input), to_tensor(filters)
    layout = Layout.named(data_format, x.ndim)
    n = x.ndim - 2
    xs, ws = _static_shape(x, "convolution input", layout, padding), _static_shape(w, "convolution filter")
    if len(ws) != n + 2:
        raise ShapeError(f"a rank-{x.ndim} input needs a rank-{n + 2} filter [*spatial, in, out], got shape {list(ws)}")
    channels = xs[layout.feature]
    if ws[-2] < 1 or channels % ws[-2] or ws[-1] % (channels // ws[-2]):
        raise ShapeError(f"input channels {channels} do not fit the filter {list(ws)}: they must be its in ({ws[-2]}) "
                         "times a group count that divides its out")
    strides, dilations = _spatial(strides, n, layout, "strides"), _spatial(dilations, n, layout, "dilations")
    mode, explicit = _padding(padding, layout, n)
    pads = [tf_window(xs[d], ws[i], strides[i], dilations[i], mode, explicit[i])[1] for i, d in enumerate(layout.spatial)]
    return emit_convolution(x, w, layout, strides, pads, (1,) * n, dilations, channels // ws[-2])


@_user_errors
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None) -> Tensor:
    return convolution(input, filters, stride, padding, data_format, dilations)


@_user_errors
def conv2d(input, filters=None, strides=None, padding=None, data_format="NHWC", dilations=None, name=None, filter=None) -> Tensor:
    """``tf.nn.conv2d`` (``filter=`` is TensorFlow 1's spelling of ``filters``)."""
    return convolution(input, filters if filters is not None else filter, strides, padding, data_format, dilations)


@_user_errors
def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None) -> Tensor:
    return convolution(input, filters, strides, padding, data_format, dilations)


@_user_errors
def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None) -> Tensor:
    """``tf.nn.depthwise_conv2d``: a [h, w, in, multiplier] filter; output channel ``c * multiplier + m``."""
    w = to_tensor(filter)
    ws = _static_shape(w, "depthwise filter")
    if len(ws) != 4:
        raise ShapeError(f"depthwise_conv2d needs a [h, w, in, multiplier] filter, got shape {list(ws)}")
    channels = to_tensor(input).shape[Layout.named(data_format, 4).feature]
    if channels != ws[2]:
        raise ShapeError(f"input channels {channels} must equal the depthwise filter's in ({ws[2]})")
    return convolution(input, tnp.reshape(w, (ws[0], ws[1], 1, ws[2] * ws[3])), strides, padding, data_format, dilations)


@_user_errors
def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, data_format=None, dilations=None, name=None) -> Tensor:
    """``tf.nn.separable_conv2d``: a depthwise convolution, then a 1x1 one mixing its channels."""
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return convolution(depthwise, pointwise_filter, 1, "VALID", data_format)


@_user_errors
def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None, dilations=None, name=None) -> Tensor:
    """``tf.nn.conv_transpose``: the gradient of ``convolution`` with respect to its input, for an
    input of ``output_shape`` (a [*spatial, out, in] filter, as TensorFlow's)."""
    dy, w = to_tensor(input), to_tensor(filters)
    layout = Layout.named(data_format, dy.ndim)
    n, out = dy.ndim - 2, tuple(None if d is None else int(d) for d in output_shape)
    if any(d is None for a, d in enumerate(out) if a != layout.batch):
        raise ShapeError(f"conv_transpose: output_shape {list(out)} may leave only the batch dim unknown (None)")
    ds, ws = _static_shape(dy, "conv_transpose input", layout), _static_shape(w, "conv_transpose filter")
    if len(out) != dy.ndim or len(ws) != n + 2 or ws[-1] != ds[layout.feature] or out[layout.feature] != ws[-2]:
        raise ShapeError(f"conv_transpose: input {list(ds)}, filter {list(ws)} and output_shape {list(out)} do not fit "
                         "(the filter is [*spatial, out channels, in channels])")
    strides, dilations = _spatial(strides, n, layout, "strides"), _spatial(dilations, n, layout, "dilations")
    mode, explicit = _padding(padding, layout, n)
    pads = []
    for i, d in enumerate(layout.spatial):
        size, (before, _) = tf_window(out[d], ws[i], strides[i], dilations[i], mode, explicit[i])
        if size != ds[d]:
            raise ShapeError(f"conv_transpose: output_shape {list(out)} convolved gives {size} in dimension {d}, but the input has {ds[d]}")
        span = (ws[i] - 1) * dilations[i] + 1
        pads.append((span - 1 - before, out[d] - 1 - (ds[d] - 1) * strides[i] + before))
    mirrored = tnp.emit("tfc.reverse", [w], {"dimensions": tuple(range(n))})
    return emit_convolution(dy, mirrored, layout, (1,) * n, pads, strides, dilations, 1, kernel_features=(n + 1, n))


@_user_errors
def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC", dilations=None, name=None) -> Tensor:
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def _pool(kind: str, input, ksize, strides, padding, data_format) -> Tensor:
    x = to_tensor(input)
    layout = Layout.named(data_format, x.ndim)
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ShapeError(f"pooling padding must be 'SAME' or 'VALID', got {padding!r}")
    n, shape = x.ndim - 2, _static_shape(x, f"{kind} pooling input", layout, padding)
    sizes, steps = _spatial(ksize, n, layout, "ksize"), _spatial(strides, n, layout, "strides")
    full_k, full_s = [1] * x.ndim, [1] * x.ndim
    for i, d in enumerate(layout.spatial):
        full_k[d], full_s[d] = sizes[i], steps[i]
    # an unknown dim (the batch, or a spatial one under VALID padding) has no padding and windows all
    # within it: one window's size stands for it, and every window covers k elements
    known = tuple(k if d is None else d for d, k in zip(shape, full_k))
    windows = [tf_window(size, k, s, 1, padding.upper()) for size, k, s in zip(known, full_k, full_s)]
    pooled = emit_reduce_window(x, "max" if kind == "max" else "sum", full_k, full_s, [pad for _, pad in windows])
    return pooled if kind == "max" else tnp.divide(pooled, window_sizes(known, full_k, full_s, windows, x.dtype))


@_user_errors
def max_pool(input, ksize, strides, padding, data_format=None, name=None) -> Tensor:
    """``tf.nn.max_pool`` (1-, 2- or 3-d by the input's rank); padding never wins."""
    return _pool("max", input, ksize, strides, padding, data_format)


@_user_errors
def avg_pool(input, ksize, strides, padding, data_format=None, name=None) -> Tensor:
    """``tf.nn.avg_pool``: each window's mean over the input elements it covers (padding does not count)."""
    return _pool("avg", input, ksize, strides, padding, data_format)


max_pool1d = max_pool2d = max_pool3d = max_pool
avg_pool1d = avg_pool2d = avg_pool3d = avg_pool


@_user_errors
def bias_add(value, bias, data_format=None, name=None) -> Tensor:
    """``value + bias`` along the channel dimension (the last one unless ``data_format`` says "NC...")."""
    x, b = to_tensor(value), to_tensor(bias)
    channels_first = data_format is not None and data_format.startswith("NC")
    axis = 1 if channels_first else x.ndim - 1
    if b.ndim != 1 or b.shape[0] != x.shape[axis]:
        raise ShapeError(f"bias_add: bias of shape {list(b.shape)} must be a vector of the {x.shape[axis]} channels of {list(x.shape)}")
    return tnp.add(x, tnp.reshape(b, tuple(b.shape[0] if a == axis else 1 for a in range(x.ndim))))


@_user_errors
def moments(x, axes, shift=None, keepdims=False, name=None) -> tuple[Tensor, Tensor]:
    """``tf.nn.moments``: the mean and (biased) variance over ``axes``; the variance's differences are
    taken from the mean with its gradient stopped, as TensorFlow does."""
    x = to_tensor(x)
    axes = tuple(axes) if not isinstance(axes, int) else (axes,)
    mean = tnp.mean(x, axes, keepdims=True)
    centered = tnp.subtract(x, tnp.emit("tfc.stop_gradient", [mean]))
    variance = tnp.mean(tnp.square(centered), axes, keepdims=True)
    if keepdims:
        return mean, variance
    return tnp.squeeze(mean, axes), tnp.squeeze(variance, axes)


@_user_errors
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None) -> Tensor:
    """``tf.nn.batch_normalization``: ``(x - mean) * scale / sqrt(variance + epsilon) + offset``,
    computed as TensorFlow does (``x * inv + (offset - mean * inv)``)."""
    x = to_tensor(x)
    inv = tnp.rsqrt(tnp.add(variance, variance_epsilon))
    if scale is not None:
        inv = tnp.multiply(inv, scale)
    shift = tnp.negative(tnp.multiply(mean, inv)) if offset is None else tnp.subtract(offset, tnp.multiply(mean, inv))
    return tnp.add(tnp.multiply(x, tnp.astype(inv, x.dtype)), tnp.astype(shift, x.dtype))


# Each function's tensor parameters; the others take Python values (compiled in when run eagerly).
TENSOR_ARGUMENTS = {
    "convolution": ("input", "filters"), "conv1d": ("input", "filters"), "conv2d": ("input", "filters", "filter"),
    "conv3d": ("input", "filters"), "depthwise_conv2d": ("input", "filter"),
    "separable_conv2d": ("input", "depthwise_filter", "pointwise_filter"), "conv_transpose": ("input", "filters"),
    "conv2d_transpose": ("input", "filters"), "bias_add": ("value", "bias"), "moments": ("x",),
    "batch_normalization": ("x", "mean", "variance", "offset", "scale"),
    **{f"{kind}_pool{suffix}": ("input",) for kind in ("max", "avg") for suffix in ("", "1d", "2d", "3d")},
}  # fmt: skip

__all__ = [
    "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "batch_normalization", "bias_add", "conv1d", "conv2d",
    "conv2d_transpose", "conv3d", "conv_transpose", "convolution", "depthwise_conv2d", "max_pool", "max_pool1d",
    "max_pool2d", "max_pool3d", "moments", "separable_conv2d",
]  # fmt: skip
