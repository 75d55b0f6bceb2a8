"""TensorFlow's gradient kernels for the neural-network ops: BiasAddGrad, the filter backprops of the
convolutions (their input backprops are in :mod:`.nn`), the pooling gradients, FusedBatchNormGrad
(V1, V2, V3) and LRNGrad. ``tf.gradients`` and the optimizers emit them into every training graph.

They reuse the forward ops' geometry from :mod:`.nn` (layouts, SAME/VALID/EXPLICIT windows) and follow
TensorFlow's CPU kernels where those choose:

- MaxPoolGrad gives each window's gradient to its first maximum in row-major window order (a later
  element must be strictly greater; padding never wins), recomputing the maxima from orig_input.
- MaxPool3DGrad gives it to every element within 1e-5 of orig_output, so ties all receive it.
- MaxPoolGradGrad and MaxPool3DGradGrad read, for each window, the gradient at its first element equal
  to orig_output (0 when none is).
- AvgPoolGrad spreads each gradient evenly over the input elements of its window (padding not
  counted, as in AvgPool).
- FusedBatchNormGrad reads the statistics the forward op left in reserve_space_1/2 (the batch mean
  and biased variance when training, the population ones otherwise; see :mod:`.nn`), computes in the
  scale's type U and returns x_backprop in T; its last two outputs are empty placeholders ([0]).
- LRNGrad reads output_image, as the kernel does: d/dx_k = dy_k n_k^-beta -
  2 alpha beta x_k sum_j (dy_j y_j / n_j) over the channels j whose window holds k.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tfc.frontend import api as tnp
from tfc.ops.windows import dilated_size
from tfc.registry import ShapeError
from tfc.types import TensorType

from ..dialect import tf_op
from .array import const
from .math import fits, full_like, same_dtype
from .nn import (
    ConvSpec,
    LrnSpec,
    PoolSpec,
    check_out_backprop,
    merge_channels,
    norm_layout,
    pool_spec,
    shape_of,
    static_shape,
    window_counts,
)


def _check_fits(t: TensorType, shape, what: str, expected: str) -> None:
    if shape is not None and not fits(t.shape, tuple(shape)):
        raise ShapeError(f"{what} has shape {t}, but {expected} has shape {list(shape)}")


def shape_operand(value, rank: int, what: str) -> tuple:
    """A constant shape operand (filter_sizes, orig_input_shape): a vector of ``rank`` sizes."""
    value = np.asarray(value)
    sizes = tuple(int(s) for s in value.reshape(-1))
    if value.ndim != 1 or len(sizes) != rank or min(sizes, default=0) < 0:
        raise ShapeError(f"{what} {value.tolist()} must be a vector of {rank} non-negative sizes")
    return sizes


# ---- BiasAddGrad ---------------------------------------------------------------------------------
def _bias_channel(ctx, rank: int) -> int:
    return 1 if ctx.attrs.get("data_format", "NHWC") == "NCHW" else rank - 1


def _bias_add_grad_type(ctx, dy):
    if dy.shape is None:
        return TensorType(dy.dtype, (None,))
    least = 3 if ctx.attrs.get("data_format", "NHWC") == "NCHW" else 2
    if dy.rank < least:
        raise ShapeError(f"out_backprop must have rank >= {least} for data_format {ctx.attrs.get('data_format', 'NHWC')}, got {dy}")
    return TensorType(dy.dtype, (dy.shape[_bias_channel(ctx, dy.rank)],))


def _bias_add_grad(ctx, dy):
    """BiasAdd's bias gradient: out_backprop summed over every dimension but the channels."""
    channel = _bias_channel(ctx, dy.ndim)
    return tnp.sum(dy, tuple(d for d in range(dy.ndim) if d != channel))


tf_op("BiasAddGrad", _bias_add_grad_type, _bias_add_grad)


# ---- filter gradients of the convolutions ----------------------------------------------------------
def _backprop_filter_type(rank: int, depthwise: bool = False):
    def infer(ctx, x, sizes, dy):
        spec = ConvSpec.parse(ctx, rank, dilated=not depthwise)
        same_dtype(ctx, x, dy)
        xs, dys = shape_of(x, rank, "input"), shape_of(dy, rank, "out_backprop")
        value = ctx.constant(1)
        if value is None:
            return TensorType(x.dtype, (None,) * rank)
        ws = shape_operand(value, rank, "filter_sizes")
        check_out_backprop(spec, xs, ws, dys, depthwise)
        return TensorType(x.dtype, ws)

    return infer


def _backprop_filter(rank: int, depthwise: bool = False):
    """dW[k, i, o] = sum over batch and output positions of x[.., p*stride + k*dilation, i] * dy[.., p, o]:
    a convolution of the input (batch and features swapped) with out_backprop as its kernel, dilated
    by the strides. Groups (depthwise: one per input channel) become batch groups, so each group of
    input channels meets its own output channels (JAX's transpose of a grouped convolution). The
    depthwise op ignores ``dilations``, as TensorFlow's kernels do."""
    infer = _backprop_filter_type(rank, depthwise)

    def decompose(ctx, x, sizes, dy):
        ctx.require_constant(1, "filter_sizes")
        spec = ConvSpec.parse(ctx, rank, dilated=not depthwise)
        layout, n = spec.layout, rank - 2
        xs, dys = static_shape(ctx, 0, "input"), static_shape(ctx, 2, "out_backprop")
        ws = infer(ctx, *ctx.operand_types).shape  # not the imported type: legalize may have folded filter_sizes since
        groups = xs[layout.feature] if depthwise else xs[layout.feature] // ws[-2]
        padding = []
        for i, d in enumerate(layout.spatial):
            low = spec.window(i, xs[d], ws[i])[1][0]
            span = dilated_size(ws[i], spec.dilations[i])
            padding += [low, dilated_size(dys[d], spec.strides[i]) + span - 1 - xs[d] - low]
        attrs = {
            "window_strides": spec.dilations, "padding": tuple(padding), "lhs_dilation": (1,) * n, "rhs_dilation": spec.strides,
            "feature_group_count": 1, "batch_group_count": groups,
            "input_batch_dimension": layout.feature, "input_feature_dimension": layout.batch, "input_spatial_dimensions": layout.spatial,
            "kernel_input_feature_dimension": layout.batch, "kernel_output_feature_dimension": layout.feature,
            "kernel_spatial_dimensions": layout.spatial,
            "output_batch_dimension": n, "output_feature_dimension": n + 1, "output_spatial_dimensions": tuple(range(n)),
        }  # fmt: skip
        grad = tnp.emit("tfc.convolution", [x, dy], attrs)
        return tnp.reshape(grad, ws) if depthwise else grad  # depthwise: [*k, 1, C*M] -> [*k, C, M]

    return decompose


tf_op("Conv2DBackpropFilter", _backprop_filter_type(4), _backprop_filter(4))
tf_op("Conv3DBackpropFilterV2", _backprop_filter_type(5), _backprop_filter(5))
tf_op("DepthwiseConv2dNativeBackpropFilter", _backprop_filter_type(4, depthwise=True), _backprop_filter(4, depthwise=True))


# ---- pooling gradients -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PoolWindows:
    """A pooling's windows over a static input shape. A tap is one offset inside the window (one per
    dimension); taps come in row-major order, the order TensorFlow's kernels scan a window in."""

    spec: PoolSpec
    shape: tuple
    outs: tuple
    befores: tuple

    @staticmethod
    def of(spec: PoolSpec, shape) -> PoolWindows:
        windows = spec.windows(shape)
        return PoolWindows(spec, tuple(shape), tuple(out for out, _ in windows), tuple(pad[0] for _, pad in windows))

    @property
    def empty(self) -> bool:
        return 0 in self.outs

    def taps(self) -> list:
        return list(itertools.product(*(range(k) for k in self.spec.ksize)))

    def padded(self, x):
        """``x`` padded (with zeros, which callers mask) so that every window lies inside it."""
        highs = [(o - 1) * s + k - b - n for o, s, k, b, n in zip(self.outs, self.spec.strides, self.spec.ksize, self.befores, self.shape)]
        if not any(highs) and not any(self.befores):
            return x
        attrs = {"edge_padding_low": self.befores, "edge_padding_high": tuple(highs), "interior_padding": (0,) * len(highs)}
        return tnp.emit("tfc.pad", [x, tnp.astype(0, x.dtype)], attrs)

    def at(self, padded, tap):
        """The element at ``tap`` of every window of a padded() tensor: a pooled-shape tensor."""
        limits = tuple(t + (o - 1) * s + 1 for t, o, s in zip(tap, self.outs, self.spec.strides))
        return tnp.emit("tfc.slice", [padded], {"start_indices": tuple(tap), "limit_indices": limits, "strides": self.spec.strides})

    def scatter(self, values, tap):
        """The inverse of at(): pooled-shape ``values`` put back at the input positions ``tap`` reads,
        zeros elsewhere; values read from padding are dropped."""
        lows = tuple(t - b for t, b in zip(tap, self.befores))
        highs = tuple(n - lo - dilated_size(o, s) for n, lo, o, s in zip(self.shape, lows, self.outs, self.spec.strides))
        attrs = {"edge_padding_low": lows, "edge_padding_high": highs, "interior_padding": tuple(s - 1 for s in self.spec.strides)}
        return tnp.emit("tfc.pad", [values, tnp.astype(0, values.dtype)], attrs)

    def valid(self, tap) -> np.ndarray:
        """Where ``tap`` reads an input element rather than padding: a bool array that broadcasts to
        the pooled shape (size 1 in the dimensions where it always does)."""
        valid = np.ones((1,) * len(tap), bool)
        for d, (t, o, s, b, n) in enumerate(zip(tap, self.outs, self.spec.strides, self.befores, self.shape)):
            position = np.arange(o) * s + t - b
            inside = (position >= 0) & (position < n)
            if not inside.all():
                valid = valid & inside.reshape([-1 if i == d else 1 for i in range(len(tap))])
        return valid


def _and_valid(condition, valid: np.ndarray):
    """``condition`` where ``valid``, False where the tap reads padding."""
    if valid.all():
        return condition
    return tnp.logical_and(condition, tnp.broadcast_to(const(valid, condition.dtype), condition.shape))


def first_max_taps(windows: PoolWindows, x):
    """Per window, the maximum and the index of the tap TensorFlow's MaxPoolGrad picks: the first real
    element, then any later one that is strictly greater (a NaN is kept once taken and never taken later)."""
    padded, taps = windows.padded(x), windows.taps()
    best = windows.at(padded, taps[0])
    index = tnp.broadcast_to(const(0, tnp.as_dtype(np.int32)), best.shape)
    seen = windows.valid(taps[0])
    for i, tap in enumerate(taps[1:], start=1):
        value, valid = windows.at(padded, tap), windows.valid(tap)
        take = _and_valid(tnp.greater(value, best), valid)
        first = valid & ~seen  # the first real element of windows that began in padding
        if first.any():
            take = tnp.logical_or(take, tnp.broadcast_to(const(first, take.dtype), take.shape))
        best = tnp.where(take, value, best)
        index = tnp.where(take, tnp.broadcast_to(const(i, index.dtype), index.shape), index)
        seen = seen | valid
    return best, index


def _scatter_sum(windows: PoolWindows, per_tap):
    """The input gradient: per_tap(i, tap) (a pooled-shape tensor) scattered back and summed over taps."""
    total = None
    for i, tap in enumerate(windows.taps()):
        part = windows.scatter(per_tap(i, tap), tap)
        total = part if total is None else tnp.add(total, part)
    return total


def _max_pool_grad(windows: PoolWindows, x, y, grad):
    _, index = first_max_taps(windows, x)
    zeros = full_like(grad, 0)
    return _scatter_sum(windows, lambda i, tap: tnp.where(tnp.equal(index, full_like(index, i)), grad, zeros))


def _max_pool_3d_grad(windows: PoolWindows, x, y, grad):
    padded, zeros = windows.padded(x), full_like(grad, 0)

    def per_tap(i, tap):
        near = tnp.less(tnp.abs(tnp.subtract(windows.at(padded, tap), y)), 1e-5)
        return tnp.where(_and_valid(near, windows.valid(tap)), grad, zeros)

    return _scatter_sum(windows, per_tap)


def _max_pool_grad_grad(windows: PoolWindows, x, y, grad):
    """Going through the taps backwards, a window's first tap equal to its maximum is written last."""
    padded_x, padded_grad = windows.padded(x), windows.padded(grad)
    result = tnp.broadcast_to(tnp.astype(0, grad.dtype), y.shape)
    for tap in reversed(windows.taps()):
        hit = _and_valid(tnp.equal(windows.at(padded_x, tap), y), windows.valid(tap))
        result = tnp.where(hit, windows.at(padded_grad, tap), result)
    return result


@dataclass(frozen=True)
class _MaxPoolGradKind:
    """One of the max-pooling gradient ops: its rank, where its window comes from, and its kernel."""

    rank: int
    kernel: Callable
    grad_grad: bool = False
    from_operands: bool = False
    explicit_ok: bool = False

    def spec(self, ctx, decomposing: bool = False):
        return pool_spec(ctx, self.rank, self.from_operands, self.explicit_ok, decomposing, ksize_operand=3)

    def infer(self, ctx, x, y, grad, *window_operands):
        if x.dtype != y.dtype:
            raise ShapeError(f"orig_output must have orig_input's element type {x.dtype.value}, got {y.dtype.value}")
        xs = shape_of(x, self.rank, "orig_input")
        spec = self.spec(ctx)
        pooled = None if spec is None or x.shape is None else tuple(out for out, _ in spec.windows(xs))
        _check_fits(y, pooled, "orig_output", "the pooled orig_input")
        _check_fits(grad, x.shape if self.grad_grad else pooled, "grad", "orig_input" if self.grad_grad else "the pooled orig_input")
        if self.grad_grad:
            return TensorType(grad.dtype, pooled or shape_of(y, self.rank, "orig_output"))
        return TensorType(grad.dtype, xs)

    def decompose(self, ctx, x, y, grad, *window_operands):
        windows = PoolWindows.of(self.spec(ctx, decomposing=True), static_shape(ctx, 0, "orig_input"))
        if windows.empty:
            return tnp.broadcast_to(tnp.astype(0, grad.dtype), ctx.result_types[0].shape)
        return self.kernel(windows, x, y, grad)


for _name, _kind in {
    "MaxPoolGrad": _MaxPoolGradKind(4, _max_pool_grad, explicit_ok=True),
    "MaxPoolGradV2": _MaxPoolGradKind(4, _max_pool_grad, from_operands=True),
    "MaxPool3DGrad": _MaxPoolGradKind(5, _max_pool_3d_grad),
    "MaxPoolGradGrad": _MaxPoolGradKind(4, _max_pool_grad_grad, grad_grad=True),
    "MaxPoolGradGradV2": _MaxPoolGradKind(4, _max_pool_grad_grad, grad_grad=True, from_operands=True),
    "MaxPool3DGradGrad": _MaxPoolGradKind(5, _max_pool_grad_grad, grad_grad=True),
}.items():
    tf_op(_name, _kind.infer, _kind.decompose)


def _avg_pool_grad_type(rank: int):
    def infer(ctx, sizes, grad):
        spec = pool_spec(ctx, rank, False, False)
        value = ctx.constant(0)
        if value is None:
            return TensorType(grad.dtype, (None,) * rank)
        shape = shape_operand(value, rank, "orig_input_shape")
        _check_fits(grad, [out for out, _ in spec.windows(shape)], "grad", "the pooled orig_input")
        return TensorType(grad.dtype, shape)

    return infer


def _avg_pool_grad(rank: int):
    """Each gradient divided by its window's input count, summed back over the windows: the dilated
    gradient, padded by the window less the pooling's padding, summed over windows at stride 1."""
    infer = _avg_pool_grad_type(rank)

    def decompose(ctx, sizes, grad):
        ctx.require_constant(0, "orig_input_shape")
        spec = pool_spec(ctx, rank, False, False)
        shape = infer(ctx, *ctx.operand_types).shape  # not the imported type: legalize may have folded orig_input_shape since
        windows = PoolWindows.of(spec, shape)
        scaled = tnp.divide(grad, window_counts(spec, shape, grad.dtype))
        lows = tuple(k - 1 - b for k, b in zip(spec.ksize, windows.befores))
        highs = tuple(n + k - 1 - lo - dilated_size(o, s) for n, k, lo, o, s in zip(shape, spec.ksize, lows, windows.outs, spec.strides))
        attrs = {"edge_padding_low": lows, "edge_padding_high": highs, "interior_padding": tuple(s - 1 for s in spec.strides)}
        spread = tnp.emit("tfc.pad", [scaled, tnp.astype(0, grad.dtype)], attrs)
        window = {"kind": "sum", "window_dimensions": spec.ksize, "window_strides": (1,) * rank, "padding": (0,) * (2 * rank)}
        return tnp.emit("tfc.reduce_window", [spread], window)

    return decompose


tf_op("AvgPoolGrad", _avg_pool_grad_type(4), _avg_pool_grad(4))
tf_op("AvgPool3DGrad", _avg_pool_grad_type(5), _avg_pool_grad(5))


# ---- FusedBatchNormGrad ----------------------------------------------------------------------------
def _batch_norm_grad_type(ctx, dy, x, scale, mean, variance, *reserve_space_3):
    same_dtype(ctx, dy, x)
    _check_fits(dy, x.shape, "y_backprop", "x")
    for t, what in ((mean, "reserve_space_1"), (variance, "reserve_space_2")):
        if t.dtype != scale.dtype:
            raise ShapeError(f"{what} must have scale's element type {scale.dtype.value}, got {t.dtype.value}")
    channels = None
    if x.shape is not None:
        channels = x.shape[norm_layout(ctx, len(x.shape)).feature]
    for t, what in ((scale, "scale"), (mean, "reserve_space_1"), (variance, "reserve_space_2")):
        channels = merge_channels(channels, t, what, may_be_empty=False)
    stat, placeholder = TensorType(scale.dtype, (channels,)), TensorType(scale.dtype, (0,))
    return [x, stat, stat, placeholder, placeholder]


def _batch_norm_grad(ctx, dy, x, scale, mean, variance, *reserve_space_3):
    """Training: dx = scale / sigma * (dy - mean(dy) - (x - mu) * mean(dy * (x - mu)) / sigma^2);
    inference: dx = scale / sigma * dy. Both: dscale = sum(dy * (x - mu)) / sigma, doffset = sum(dy)."""
    shape = static_shape(ctx, 1, "x")
    layout = norm_layout(ctx, len(shape))
    stat_dtype = ctx.operand_types[2].dtype
    per_channel = tuple(n if d == layout.feature else 1 for d, n in enumerate(shape))
    broadcast = lambda v: tnp.reshape(v, per_channel)
    axes = tuple(d for d in range(len(shape)) if d != layout.feature)
    dys, centered = tnp.astype(dy, stat_dtype), tnp.subtract(tnp.astype(x, stat_dtype), broadcast(mean))
    var_eps = tnp.add(variance, float(ctx.attrs.get("epsilon", 1e-4)))
    inv_sigma = tnp.rsqrt(var_eps)
    offset_backprop = tnp.sum(dys, axes)
    scale_backprop = tnp.multiply(tnp.sum(tnp.multiply(dys, centered), axes), inv_sigma)
    if ctx.attrs.get("is_training", True):
        count = int(np.prod([shape[d] for d in axes]))
        dy_mean, slope = tnp.divide(offset_backprop, count), tnp.divide(tnp.mean(tnp.multiply(dys, centered), axes), var_eps)
        dys = tnp.subtract(tnp.subtract(dys, broadcast(dy_mean)), tnp.multiply(centered, broadcast(slope)))
    dx = tnp.multiply(dys, broadcast(tnp.multiply(scale, inv_sigma)))
    placeholder = const(np.zeros(0), stat_dtype)
    return [tnp.astype(dx, ctx.operand_types[0].dtype), scale_backprop, offset_backprop, placeholder, placeholder]


_BATCH_NORM_GRAD_OUTPUTS = (("x_backprop", 1), ("scale_backprop", 1), ("offset_backprop", 1))
tf_op("FusedBatchNormGrad", _batch_norm_grad_type, _batch_norm_grad,
      outputs=_BATCH_NORM_GRAD_OUTPUTS + (("reserve_space_3", 1), ("reserve_space_4", 1)))
tf_op("FusedBatchNormGradV2", _batch_norm_grad_type, _batch_norm_grad,
      outputs=_BATCH_NORM_GRAD_OUTPUTS + (("reserve_space_3", 1), ("reserve_space_4", 1)))
tf_op("FusedBatchNormGradV3", _batch_norm_grad_type, _batch_norm_grad,
      outputs=_BATCH_NORM_GRAD_OUTPUTS + (("reserve_space_4", 1), ("reserve_space_5", 1)))


# ---- LRNGrad ---------------------------------------------------------------------------------------
def _lrn_grad_type(ctx, dy, x, y):
    same_dtype(ctx, dy, x, y)
    for t, what in ((dy, "input_grads"), (x, "input_image"), (y, "output_image")):
        shape_of(t, 4, what)
    _check_fits(dy, x.shape, "input_grads", "input_image")
    _check_fits(y, x.shape, "output_image", "input_image")
    if int(ctx.attrs.get("depth_radius", 5)) < 0:
        raise ShapeError(f"depth_radius {ctx.attrs['depth_radius']} must not be negative")
    return x


def _lrn_grad(ctx, dy, x, y):
    spec = LrnSpec.parse(ctx)
    norm = spec.norm(x)
    direct = tnp.multiply(dy, tnp.power(norm, -spec.beta))
    cross = tnp.multiply(spec.depth_sums(tnp.divide(tnp.multiply(y, dy), norm)), -2.0 * spec.alpha * spec.beta)
    return tnp.add(direct, tnp.multiply(x, cross))


tf_op("LRNGrad", _lrn_grad_type, _lrn_grad)
