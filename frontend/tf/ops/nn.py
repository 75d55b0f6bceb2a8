"""TensorFlow's neural-network ops (convolutions, pooling, FusedBatchNorm, LRN), decomposed into core ops.

Windows become ``tfc.convolution`` and ``tfc.reduce_window`` through :mod:`tfc.frontend.windows`,
which also says how TensorFlow's SAME and VALID padding become the explicit (low, high) pairs the
core ops take (the traced ``tfc.nn`` functions use the same geometry).

FusedBatchNorm (V1, V2, V3) follows TensorFlow's XLA kernel (tf2xla batch_norm_op.cc), which matches
the CPU one:

- statistics are computed in the scale's type U (f32 for half inputs), y is cast back to T;
- inference (``is_training = false``) normalizes with the given mean and variance and returns them
  unchanged as batch_mean, batch_variance and both reserve spaces;
- training normalizes with the batch mean and the biased batch variance, but reports the variance
  with Bessel's correction (n / (n - 1), n = elements per channel) as batch_variance. With an
  ``exponential_avg_factor`` f other than 1, batch_mean and batch_variance become the running averages
  (1 - f) * given + f * batch. reserve_space_1/2 hold the batch mean and the biased variance;
- reserve_space_3 (V3 only) is an empty vector, as in the XLA kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.tensor import constant as traced_constant
from tfc.frontend.tracing import current_trace
from tfc.frontend.windows import Layout, emit_convolution, emit_reduce_window, tf_window, window_sizes
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import tf_op


# ---- window attributes ---------------------------------------------------------------------------
def window_attr(values, key: str, rank: int) -> tuple:
    """A per-dimension window attribute (strides, ksize, dilations): ``rank`` positive ints."""
    if values is None:
        raise ShapeError(f"needs attribute '{key}'")
    values = tuple(int(v) for v in np.asarray(values).reshape(-1))
    if len(values) != rank or any(v < 1 for v in values):
        raise ShapeError(f"{key} {list(values)} must hold {rank} positive entries, one per input dimension")
    return values


def padding_mode(ctx, rank: int, explicit_ok: bool = True) -> tuple[str, list]:
    """The ``padding`` attribute and, for EXPLICIT, the (low, high) pairs of ``explicit_paddings``."""
    mode = ctx.attrs.get("padding")
    allowed = ("SAME", "VALID", "EXPLICIT") if explicit_ok else ("SAME", "VALID")
    if mode not in allowed:
        raise ShapeError(f"padding {mode!r} is not one of {', '.join(allowed)}")
    if mode != "EXPLICIT":
        return mode, [(0, 0)] * rank
    flat = tuple(ctx.attrs.get("explicit_paddings", ()))
    if len(flat) != 2 * rank or any(p < 0 for p in flat):
        raise ShapeError(f"explicit_paddings {list(flat)} must hold {2 * rank} non-negative entries (a pair per input dimension)")
    return mode, list(zip(flat[::2], flat[1::2]))


def shape_of(t: TensorType, rank: int, what: str) -> tuple:
    """``t``'s shape, all unknown when its rank is; ShapeError when the rank is wrong."""
    if t.shape is None:
        return (None,) * rank
    if len(t.shape) != rank:
        raise ShapeError(f"{what} must have rank {rank}, got {t}")
    return t.shape


def static_shape(ctx, index: int, what: str) -> tuple:
    """A data operand's shape, which a decomposition needs in full (padding is computed from it)."""
    shape = ctx.operand_types[index].shape
    if shape is None or None in shape:
        raise ShapeError(f"{what} needs a static shape, got {ctx.operand_types[index]}")
    return shape


def _same_dtype(a: TensorType, b: TensorType, what: str) -> None:
    if a.dtype != b.dtype:
        raise ShapeError(f"{what} must have the input's element type {a.dtype.value}, got {b.dtype.value}")


# ---- convolutions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConvSpec:
    """A TensorFlow convolution's attributes, reduced to its spatial dimensions."""

    layout: Layout
    strides: tuple
    dilations: tuple
    mode: str
    explicit: list

    @staticmethod
    def parse(ctx, rank: int, dilated: bool = True) -> ConvSpec:
        """The spec of the node's attributes. ``dilated=False`` reads every dilation as 1: TensorFlow's
        depthwise backprop kernels (CPU and XLA alike) ignore their ``dilations`` attribute."""
        layout = Layout.of(ctx, rank)
        strides = window_attr(ctx.attrs.get("strides"), "strides", rank)
        dilations = window_attr(ctx.attrs.get("dilations", (1,) * rank), "dilations", rank)
        for key, values in (("strides", strides), ("dilations", dilations)):
            if values[layout.batch] != 1 or values[layout.feature] != 1:
                raise ShapeError(f"{key} {list(values)} must be 1 in the batch and feature dimensions")
        mode, pairs = padding_mode(ctx, rank)
        pick = lambda values: tuple(values[d] for d in layout.spatial)
        return ConvSpec(layout, pick(strides), pick(dilations) if dilated else (1,) * (rank - 2), mode, list(pick(pairs)))

    def window(self, i: int, size, kernel):
        """(output size, padding) of spatial dimension ``i``."""
        return tf_window(size, kernel, self.strides[i], self.dilations[i], self.mode, self.explicit[i])

    def output_shape(self, batch, features, in_shape, kernel_spatial) -> tuple:
        shape = [None] * (len(self.layout.spatial) + 2)
        shape[self.layout.batch], shape[self.layout.feature] = batch, features
        for i, d in enumerate(self.layout.spatial):
            shape[d] = self.window(i, in_shape[d], kernel_spatial[i])[0]
        return tuple(shape)


def _conv_features(channels, k_in, k_out, depthwise: bool):
    """Output features of a (grouped or depthwise) convolution, checking the filter fits the input."""
    if depthwise:
        if channels is not None and k_in is not None and channels != k_in:
            raise ShapeError(f"input depth {channels} must equal the filter's in_channels {k_in}")
        return None if k_in is None or k_out is None else k_in * k_out
    if channels is not None and k_in is not None:
        if k_in < 1 or channels % k_in:
            raise ShapeError(f"input depth {channels} must be evenly divisible by the filter depth {k_in}")
        if k_out is not None and k_out % (channels // k_in):
            raise ShapeError(f"filter output depth {k_out} must be divisible by the number of groups {channels // k_in}")
    return k_out


def _conv_type(rank: int, depthwise: bool = False):
    def infer(ctx, x, w):
        spec = ConvSpec.parse(ctx, rank)
        _same_dtype(x, w, "filter")
        xs, ws = shape_of(x, rank, "input"), shape_of(w, rank, "filter")
        features = _conv_features(xs[spec.layout.feature], ws[-2], ws[-1], depthwise)
        return TensorType(x.dtype, spec.output_shape(xs[spec.layout.batch], features, xs, ws[:-2]))

    return infer


def _depthwise_filter(w, ws):
    """[*spatial, C, M] -> [*spatial, 1, C*M]: a grouped filter whose output feature c*M + m is (c, m)."""
    return tnp.reshape(w, ws[:-2] + (1, ws[-2] * ws[-1])), ws[-2]


def _conv(rank: int, depthwise: bool = False):
    def decompose(ctx, x, w):
        spec = ConvSpec.parse(ctx, rank)
        xs, ws = static_shape(ctx, 0, "input"), static_shape(ctx, 1, "filter")
        if depthwise:
            w, groups = _depthwise_filter(w, ws)
        else:
            groups = xs[spec.layout.feature] // ws[-2]
        pads = [spec.window(i, xs[d], ws[i])[1] for i, d in enumerate(spec.layout.spatial)]
        ones = (1,) * (rank - 2)
        return emit_convolution(x, w, spec.layout, spec.strides, pads, ones, spec.dilations, groups)

    return decompose


# ---- input gradients (transposed convolutions) ---------------------------------------------------
def _backprop_input_shape(value, rank: int, layout: Layout, batch, channels, spatial_ok: bool) -> tuple:
    """The gradient's shape from ``input_sizes``: the full shape or, for Conv2DBackpropInput, the
    spatial sizes alone (batch from out_backprop, depth from the filter)."""
    value = np.asarray(value)
    sizes = tuple(int(s) for s in value.reshape(-1))
    if value.ndim != 1 or len(sizes) not in ((rank, rank - 2) if spatial_ok else (rank,)) or min(sizes, default=0) < 0:
        raise ShapeError(f"input_sizes {value.tolist()} must be a vector of {rank} sizes (the input's shape)")
    if len(sizes) == rank:
        return sizes
    shape = [None] * rank
    shape[layout.batch], shape[layout.feature] = batch, channels
    for d, size in zip(layout.spatial, sizes):
        shape[d] = size
    return tuple(shape)


def check_out_backprop(spec: ConvSpec, shape, ws, dys, depthwise: bool) -> None:
    """out_backprop must have the shape the forward convolution of ``shape`` would produce."""
    features = _conv_features(shape[spec.layout.feature], ws[-2], ws[-1], depthwise)
    want = spec.output_shape(shape[spec.layout.batch], features, shape, ws[:-2])
    for d, (a, b) in enumerate(zip(want, dys)):
        if a is not None and b is not None and a != b:
            raise ShapeError(f"out_backprop has shape {list(dys)}, but a convolution of a {list(shape)} input gives size {a} in dimension {d}")


def _backprop_input_type(rank: int, depthwise: bool = False):
    def infer(ctx, sizes, w, dy):
        spec = ConvSpec.parse(ctx, rank, dilated=not depthwise)
        _same_dtype(dy, w, "filter")
        ws, dys = shape_of(w, rank, "filter"), shape_of(dy, rank, "out_backprop")
        value = ctx.constant(0)
        if value is None:
            return TensorType(dy.dtype, (None,) * rank)
        spatial_ok = rank == 4 and not depthwise
        shape = _backprop_input_shape(value, rank, spec.layout, dys[spec.layout.batch], ws[-2], spatial_ok)
        check_out_backprop(spec, shape, ws, dys, depthwise)
        return TensorType(dy.dtype, shape)

    return infer


def _mirrored_kernel(w, ws, groups: int):
    """The filter flipped in space with in/out features swapped within each group.

    Returns the kernel and its (input feature, output feature) dimensions. A filter [*s, I/G, O]
    becomes [*s, O/G, I] with K[.., o, g*I/G + i] = W[.., i, g*O/G + o]; without groups the swap is
    done by the dimension numbers alone.
    """
    n = len(ws) - 2
    w = tnp.emit("tfc.reverse", [w], {"dimensions": tuple(range(n))})
    if groups == 1:
        return w, (n + 1, n)
    per_in, per_out = ws[-2], ws[-1] // groups
    w = tnp.reshape(w, ws[:-2] + (per_in, groups, per_out))
    w = tnp.transpose(w, tuple(range(n)) + (n + 2, n + 1, n))
    return tnp.reshape(w, ws[:-2] + (per_out, groups * per_in)), (n, n + 1)


def _backprop_input(rank: int, depthwise: bool = False):
    """The input gradient: a convolution of out_backprop, dilated by the strides, with the mirrored filter."""
    infer = _backprop_input_type(rank, depthwise)

    def decompose(ctx, sizes, w, dy):
        ctx.require_constant(0, "input_sizes")
        spec = ConvSpec.parse(ctx, rank, dilated=not depthwise)
        shape = infer(ctx, *ctx.operand_types).shape  # not the imported type: legalize may have folded input_sizes since
        ws, dys = static_shape(ctx, 1, "filter"), static_shape(ctx, 2, "out_backprop")
        if 0 in dys:  # no output position reads the input (a window wider than it): the gradient is zero
            zero = traced_constant(current_trace(), np.zeros((), ctx.result_types[0].dtype.numpy))
            return tnp.broadcast_to(zero, shape)
        if depthwise:
            w, groups = _depthwise_filter(w, ws)
            ws = ws[:-2] + (1, ws[-2] * ws[-1])
        else:
            groups = shape[spec.layout.feature] // ws[-2]
        kernel, features = _mirrored_kernel(w, ws, groups)
        pads = []
        for i, d in enumerate(spec.layout.spatial):
            span = (ws[i] - 1) * spec.dilations[i] + 1
            before = span - 1 - spec.window(i, shape[d], ws[i])[1][0]
            pads.append((before, shape[d] + span - 1 - ((dys[d] - 1) * spec.strides[i] + 1) - before))
        ones = (1,) * (rank - 2)
        return emit_convolution(dy, kernel, spec.layout, ones, pads, spec.strides, spec.dilations, groups, features)

    return decompose


# ---- pooling -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PoolSpec:
    """A pooling window over every input dimension, in data_format order."""

    ksize: tuple
    strides: tuple
    mode: str
    explicit: list

    @staticmethod
    def parse(ctx, rank: int, ksize, strides, explicit_ok: bool) -> PoolSpec:
        Layout.of(ctx, rank)
        mode, pairs = padding_mode(ctx, rank, explicit_ok)
        return PoolSpec(window_attr(ksize, "ksize", rank), window_attr(strides, "strides", rank), mode, pairs)

    def windows(self, shape) -> list:
        return [tf_window(n, k, s, 1, self.mode, p) for n, k, s, p in zip(shape, self.ksize, self.strides, self.explicit)]


def pool_spec(ctx, rank: int, from_operands: bool, explicit_ok: bool, decomposing: bool = False, ksize_operand: int = 1):
    """The pooling window, from attributes or (the V2 ops) constant operands ``ksize_operand`` and the
    strides after it; None if those are unknown."""
    if not from_operands:
        return PoolSpec.parse(ctx, rank, ctx.attrs.get("ksize"), ctx.attrs.get("strides"), explicit_ok)
    k, s = ksize_operand, ksize_operand + 1
    if decomposing:
        ksize, strides = ctx.require_constant(k, "ksize"), ctx.require_constant(s, "strides")
    else:
        ksize, strides = ctx.constant(k), ctx.constant(s)
        if ksize is None or strides is None:
            return None
    return PoolSpec.parse(ctx, rank, ksize, strides, explicit_ok)


def _pool_type(rank: int, from_operands: bool = False, explicit_ok: bool = False):
    def infer(ctx, x, *window_operands):
        spec = pool_spec(ctx, rank, from_operands, explicit_ok)
        shape = shape_of(x, rank, "input")
        if spec is None:
            return TensorType(x.dtype, (None,) * rank)
        return TensorType(x.dtype, tuple(out for out, _ in spec.windows(shape)))

    return infer


def reduce_window(x, kind: str, spec: PoolSpec, pads):
    return emit_reduce_window(x, kind, spec.ksize, spec.strides, pads)


def _max_pool(rank: int, from_operands: bool = False, explicit_ok: bool = False):
    """Padding reads as the lowest value, so it never wins."""

    def decompose(ctx, x, *window_operands):
        spec = pool_spec(ctx, rank, from_operands, explicit_ok, decomposing=True)
        pads = [pad for _, pad in spec.windows(static_shape(ctx, 0, "input"))]
        return reduce_window(x, "max", spec, pads)

    return decompose


def window_counts(spec: PoolSpec, shape, dtype):
    """How many input elements each window covers (at least 1): the divisor of AvgPool and of its gradient."""
    return window_sizes(shape, spec.ksize, spec.strides, spec.windows(shape), dtype)


def _avg_pool(rank: int):
    """Window sums divided by the number of input elements in each window: padding does not count."""

    def decompose(ctx, x):
        spec = pool_spec(ctx, rank, False, False)
        shape = static_shape(ctx, 0, "input")
        total = reduce_window(x, "sum", spec, [pad for _, pad in spec.windows(shape)])
        return tnp.divide(total, window_counts(spec, shape, ctx.operand_types[0].dtype))

    return decompose


# ---- registration of the convolutions and pooling ops -------------------------------------------
tf_op("Conv2D", _conv_type(4), _conv(4))
tf_op("Conv3D", _conv_type(5), _conv(5))
tf_op("DepthwiseConv2dNative", _conv_type(4, depthwise=True), _conv(4, depthwise=True))
tf_op("Conv2DBackpropInput", _backprop_input_type(4), _backprop_input(4))
tf_op("Conv3DBackpropInputV2", _backprop_input_type(5), _backprop_input(5))
tf_op("DepthwiseConv2dNativeBackpropInput", _backprop_input_type(4, depthwise=True), _backprop_input(4, depthwise=True))
tf_op("MaxPool", _pool_type(4, explicit_ok=True), _max_pool(4, explicit_ok=True))
tf_op("MaxPoolV2", _pool_type(4, from_operands=True), _max_pool(4, from_operands=True))
tf_op("MaxPool3D", _pool_type(5), _max_pool(5))
tf_op("AvgPool", _pool_type(4), _avg_pool(4))
tf_op("AvgPool3D", _pool_type(5), _avg_pool(5))


# ---- batch normalization --------------------------------------------------------------------------
_BATCH_NORM_FORMATS = ("NHWC", "NCHW", "NDHWC", "NCDHW")


def norm_layout(ctx, rank: int) -> Layout:
    """TensorFlow accepts any of the four names for 4-D and 5-D inputs; only where C sits matters."""
    fmt = ctx.attrs.get("data_format", "NHWC")
    if fmt not in _BATCH_NORM_FORMATS:
        raise ShapeError(f"data_format {fmt!r} is not one of {', '.join(_BATCH_NORM_FORMATS)}")
    if rank not in (4, 5):
        raise ShapeError(f"x must have rank 4 or 5, got rank {rank}")
    return Layout.channels(rank, last=fmt.endswith("C"))


def merge_channels(channels, t: TensorType, what: str, may_be_empty: bool):
    """Check a per-channel vector against the channel count; returns the count if it was unknown."""
    if t.shape is None:
        return channels
    if len(t.shape) != 1:
        raise ShapeError(f"{what} must be a vector, got {t}")
    size = t.shape[0]
    if size is None or (may_be_empty and size == 0):
        return channels
    if channels is not None and size != channels:
        raise ShapeError(f"{what} has {size} elements, but x has {channels} channels")
    return size


def _batch_norm_type(v3: bool):
    def infer(ctx, x, scale, offset, mean, variance):
        stat_dtype = scale.dtype
        for t, what in ((offset, "offset"), (mean, "mean"), (variance, "variance")):
            if t.dtype != stat_dtype:
                raise ShapeError(f"{what} must have scale's element type {stat_dtype.value}, got {t.dtype.value}")
        channels = None
        if x.shape is not None:
            channels = x.shape[norm_layout(ctx, len(x.shape)).feature]
        training = ctx.attrs.get("is_training", True)
        for t, what in ((scale, "scale"), (offset, "offset"), (mean, "mean"), (variance, "variance")):
            channels = merge_channels(channels, t, what, may_be_empty=training and what in ("mean", "variance"))
        stat = TensorType(stat_dtype, (channels,))
        extra = [TensorType(stat_dtype, (0,))] if v3 else []
        return [x, stat, stat, stat, stat, *extra]

    return infer


def _batch_norm(v3: bool):
    def decompose(ctx, x, scale, offset, mean, variance):
        shape = static_shape(ctx, 0, "x")
        layout = norm_layout(ctx, len(shape))
        stat_dtype = ctx.operand_types[1].dtype
        per_channel = [1] * len(shape)
        per_channel[layout.feature] = shape[layout.feature]
        broadcast = lambda v: tnp.reshape(v, tuple(per_channel))
        xs = tnp.astype(x, stat_dtype)
        if ctx.attrs.get("is_training", True):
            stats, reported = _batch_statistics(ctx, xs, layout, mean, variance)
        else:
            stats, reported = (mean, variance), [mean, variance, mean, variance]
        batch_mean, batch_var = stats
        factor = tnp.multiply(tnp.rsqrt(tnp.add(batch_var, float(ctx.attrs.get("epsilon", 1e-4)))), scale)
        y = tnp.add(tnp.multiply(tnp.subtract(xs, broadcast(batch_mean)), broadcast(factor)), broadcast(offset))
        extra = [traced_constant(current_trace(), np.zeros((0,), stat_dtype.numpy))] if v3 else []
        return [tnp.astype(y, ctx.operand_types[0].dtype), *reported, *extra]

    return decompose


def _batch_statistics(ctx, xs, layout: Layout, running_mean, running_var):
    """((mean, biased variance) to normalize with, [batch_mean, batch_variance, reserve_1, reserve_2])."""
    axes = tuple(d for d in range(xs.ndim) if d != layout.feature)
    mean = tnp.mean(xs, axes)
    centered = tnp.subtract(xs, tnp.mean(xs, axes, keepdims=True))
    var = tnp.mean(tnp.square(centered), axes)
    n = xs.size // xs.shape[layout.feature] if xs.shape[layout.feature] else 0
    corrected = tnp.multiply(var, n / max(n - 1, 1))
    factor = float(ctx.attrs.get("exponential_avg_factor", 1.0))
    if factor == 1.0:
        return (mean, var), [mean, corrected, mean, var]
    blend = lambda old, new: tnp.add(tnp.multiply(old, 1.0 - factor), tnp.multiply(new, factor))
    return (mean, var), [blend(running_mean, mean), blend(running_var, corrected), mean, var]


_BATCH_NORM_OUTPUTS = (("y", 1), ("batch_mean", 1), ("batch_variance", 1), ("reserve_space_1", 1), ("reserve_space_2", 1))

tf_op("FusedBatchNorm", _batch_norm_type(False), _batch_norm(False), outputs=_BATCH_NORM_OUTPUTS)
tf_op("FusedBatchNormV2", _batch_norm_type(False), _batch_norm(False), outputs=_BATCH_NORM_OUTPUTS)
tf_op("FusedBatchNormV3", _batch_norm_type(True), _batch_norm(True), outputs=_BATCH_NORM_OUTPUTS + (("reserve_space_3", 1),))


# ---- LRN -----------------------------------------------------------------------------------------
def _lrn_type(ctx, x):
    shape_of(x, 4, "input")
    if int(ctx.attrs.get("depth_radius", 5)) < 0:
        raise ShapeError(f"depth_radius {ctx.attrs['depth_radius']} must not be negative")
    return x


@dataclass(frozen=True)
class LrnSpec:
    """LRN's attributes: ``depth_radius`` channels on each side, and norm = bias + alpha * sum of squares."""

    radius: int
    bias: float
    alpha: float
    beta: float

    @staticmethod
    def parse(ctx) -> LrnSpec:
        values = (float(ctx.attrs.get(k, d)) for k, d in (("bias", 1.0), ("alpha", 1.0), ("beta", 0.5)))
        return LrnSpec(int(ctx.attrs.get("depth_radius", 5)), *values)

    def depth_sums(self, x):
        """Sums over the 2r+1 neighbouring channels of each element (NHWC: the last dimension)."""
        r = self.radius
        attrs = {"kind": "sum", "window_dimensions": (1, 1, 1, 2 * r + 1), "window_strides": (1, 1, 1, 1), "padding": (0, 0, 0, 0, 0, 0, r, r)}
        return tnp.emit("tfc.reduce_window", [x], attrs)

    def norm(self, x):
        return tnp.add(tnp.multiply(self.depth_sums(tnp.square(x)), self.alpha), self.bias)


def _lrn(ctx, x):
    """x / (bias + alpha * sum of squares over the 2r+1 neighbouring channels) ** beta (NHWC only)."""
    spec = LrnSpec.parse(ctx)
    return tnp.divide(x, tnp.power(spec.norm(x), spec.beta))


tf_op("LRN", _lrn_type, _lrn)
