"""Window geometry as TensorFlow defines it, and the core ops windows become: what both the tf.*
decompositions (:mod:`tfc.frontend.tf.ops.nn`) and the traced ``tfc.nn`` functions build on.

A window is given in data_format order: strides, sizes and dilations hold one entry per input
dimension, batch and feature included. SAME padding is asymmetric, the extra element going after::

    out = ceil(in / stride)
    pad_total = max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0)
    pad_before = pad_total // 2

Callers compute that padding from static shapes and hand the core ops explicit (low, high) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.registry import ShapeError

from . import api as tnp
from .tensor import constant as traced_constant
from .tracing import current_trace

FORMATS = {3: ("NWC", "NCW"), 4: ("NHWC", "NCHW"), 5: ("NDHWC", "NCDHW")}


@dataclass(frozen=True)
class Layout:
    """Where a data_format puts the batch, feature and spatial dimensions."""

    batch: int
    feature: int
    spatial: tuple

    @staticmethod
    def of(ctx, rank: int) -> Layout:
        """The layout named by a node's ``data_format`` attribute (NHWC by default) for a rank-``rank`` input."""
        return Layout.named(ctx.attrs.get("data_format", FORMATS[rank][0]), rank)

    @staticmethod
    def named(data_format: str | None, rank: int) -> Layout:
        """The layout of ``data_format`` ("NHWC", "NCHW"...; None: channels last) for a rank-``rank`` input."""
        if rank not in FORMATS:
            raise ShapeError(f"expected an input of rank 3, 4 or 5 (batch, spatial dimensions, channels), got rank {rank}")
        fmt = FORMATS[rank][0] if data_format is None else data_format
        if fmt not in FORMATS[rank]:
            raise ShapeError(f"data_format {fmt!r} is not supported for rank-{rank} inputs (expected {' or '.join(FORMATS[rank])})")
        return Layout.channels(rank, last=fmt.endswith("C"))

    @staticmethod
    def channels(rank: int, last: bool) -> Layout:
        if last:
            return Layout(0, rank - 1, tuple(range(1, rank - 1)))
        return Layout(0, 1, tuple(range(2, rank)))


def trunc_div(a: int, b: int) -> int:
    """C++ integer division (rounds toward zero), which TensorFlow's size checks use."""
    return a // b if a >= 0 else -(-a // b)


def tf_window(size, window, stride, dilation, mode, explicit=(0, 0)):
    """(output size, (pad_before, pad_after)) of one dimension as TensorFlow computes them.

    Either part is None when it depends on an unknown ``size`` or ``window``.
    """
    if window is None:
        return None, None
    span = (window - 1) * dilation + 1
    if mode == "SAME":
        if size is None:
            return None, None
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return out, (total // 2, total - total // 2)
    low, high = explicit
    if size is None:
        return None, (low, high)
    out = trunc_div(size + low + high - span + stride, stride)
    if out < 0:
        raise ShapeError(f"a window spanning {span} does not fit an input dimension of size {size} padded by ({low}, {high})")
    return out, (low, high)


def emit_convolution(x, w, layout: Layout, strides, pads, lhs_dilation, rhs_dilation, groups: int, kernel_features=None):
    """A ``tfc.convolution`` of an input in ``layout`` with a [*spatial, in, out] filter."""
    n = len(layout.spatial)
    k_in, k_out = kernel_features or (n, n + 1)
    attrs = {
        "window_strides": tuple(strides),
        "padding": tuple(p for pair in pads for p in pair),
        "lhs_dilation": tuple(lhs_dilation),
        "rhs_dilation": tuple(rhs_dilation),
        "feature_group_count": groups,
        "batch_group_count": 1,
        "kernel_input_feature_dimension": k_in,
        "kernel_output_feature_dimension": k_out,
        "kernel_spatial_dimensions": tuple(range(n)),
    }
    for side in ("input", "output"):
        attrs.update({f"{side}_batch_dimension": layout.batch, f"{side}_feature_dimension": layout.feature, f"{side}_spatial_dimensions": layout.spatial})
    return tnp.emit("tfc.convolution", [x, w], attrs)


def emit_reduce_window(x, kind: str, ksize, strides, pads):
    """A ``tfc.reduce_window`` (``kind``: max, sum...) over every dimension of ``x``."""
    attrs = {"kind": kind, "window_dimensions": tuple(ksize), "window_strides": tuple(strides), "padding": tuple(p for pair in pads for p in pair)}
    return tnp.emit("tfc.reduce_window", [x], attrs)


def _valid_counts(size: int, window: int, stride: int, out: int, before: int) -> np.ndarray:
    """How many input elements (not padding) each output position's window covers along one dimension."""
    starts = np.arange(out) * stride - before
    counts = np.minimum(starts + window, size) - np.maximum(starts, 0)
    return counts[:1] if out and (counts == counts[0]).all() else counts


def window_sizes(shape, ksize, strides, windows, dtype):
    """How many input elements each window of an input of ``shape`` covers (at least 1), as a constant
    broadcastable to the pooled shape (``windows``: each dimension's (out, (before, after))): the
    divisor of an average pool and of its gradient."""
    counts = np.ones((), np.float64)
    for size, k, s, (out, pad) in zip(shape, ksize, strides, windows):
        counts = np.multiply.outer(counts, _valid_counts(size, k, s, out, pad[0]))
    return traced_constant(current_trace(), np.maximum(counts, 1).astype(dtype.numpy))
