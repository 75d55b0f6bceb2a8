"""Core contraction ops: dot_general and convolution, with StableHLO's semantics and attribute names.

Both keep the operands' element type for the result (integers wrap, as XLA's do). Dimension
attributes are explicit layouts, so they must be non-negative, in range and distinct; nothing here
moves dimensions implicitly. The references compute in a wide type (int64, float64) and cast back,
which matches XLA's wrap-around for integers and is at least as accurate for floats.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, register
from ..types import TensorType
from . import rules
from .rules import tensor_operand
from .windows import (
    accumulation_dtype,
    int_attr,
    int_list,
    pad_with,
    padding_attr,
    padding_pairs,
    positive,
    window_output_size,
    window_view,
)

_PURE = frozenset({Trait.PURE})


def _operands(lhs, rhs) -> tuple[TensorType, TensorType]:
    """Two numeric tensors of one element type."""
    lhs, rhs = tensor_operand(lhs, "lhs"), tensor_operand(rhs, "rhs")
    if lhs.dtype != rhs.dtype:
        raise ShapeError(f"lhs and rhs must have the same element type, got {lhs.dtype.value} and {rhs.dtype.value}")
    rules.require_dtype(lhs, rules.NUMERIC)
    return lhs, rhs


def _distinct_in_range(dims, rank: int | None, what: str) -> None:
    if len(set(dims)) != len(dims):
        raise ShapeError(f"{what} {list(dims)} must be distinct")
    for d in dims:
        if d < 0 or (rank is not None and d >= rank):
            raise ShapeError(f"{what} {list(dims)}: dimension {d} is out of range for rank {rank}")


def _merge_size(a, b, what: str):
    if a is not None and b is not None and a != b:
        raise ShapeError(f"{what}: sizes {a} and {b} differ")
    return a if a is not None else b


# ---- tfc.dot_general -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _DotDims:
    """dot_general's dimension numbers."""

    lhs_batch: tuple
    rhs_batch: tuple
    lhs_contract: tuple
    rhs_contract: tuple

    @staticmethod
    def parse(ctx) -> _DotDims:
        dims = _DotDims(*(int_list(ctx, f"{side}_{kind}_dimensions") for kind in ("batching", "contracting") for side in ("lhs", "rhs")))
        if len(dims.lhs_batch) != len(dims.rhs_batch):
            raise ShapeError(f"lhs_batching_dimensions {list(dims.lhs_batch)} and rhs_batching_dimensions {list(dims.rhs_batch)} must have the same length")
        if len(dims.lhs_contract) != len(dims.rhs_contract):
            raise ShapeError(f"lhs_contracting_dimensions {list(dims.lhs_contract)} and rhs_contracting_dimensions "
                             f"{list(dims.rhs_contract)} must have the same length")
        return dims

    def free(self, rank: int, side: str) -> list[int]:
        used = self.lhs_batch + self.lhs_contract if side == "lhs" else self.rhs_batch + self.rhs_contract
        return [d for d in range(rank) if d not in used]


def _infer_dot_general(ctx, lhs, rhs):
    lhs, rhs = _operands(lhs, rhs)
    dims = _DotDims.parse(ctx)
    for side, t, batch, contract in (("lhs", lhs, dims.lhs_batch, dims.lhs_contract), ("rhs", rhs, dims.rhs_batch, dims.rhs_contract)):
        _distinct_in_range(batch + contract, t.rank, f"{side} batching and contracting dimensions")
    if lhs.shape is None or rhs.shape is None:
        return TensorType(lhs.dtype, None)
    for a, b in zip(dims.lhs_contract, dims.rhs_contract):
        _merge_size(lhs.shape[a], rhs.shape[b], f"contracting dimension {a} of lhs and {b} of rhs")
    batch = [_merge_size(lhs.shape[a], rhs.shape[b], f"batching dimension {a} of lhs and {b} of rhs") for a, b in zip(dims.lhs_batch, dims.rhs_batch)]
    free = [lhs.shape[d] for d in dims.free(lhs.rank, "lhs")] + [rhs.shape[d] for d in dims.free(rhs.rank, "rhs")]
    return TensorType(lhs.dtype, tuple(batch + free))


def _dot_general_numpy(ctx, lhs, rhs):
    """Batched matmul after moving dimensions to (batch, free, contracting) and (batch, contracting, free)."""
    dims = _DotDims.parse(ctx)
    lhs_free, rhs_free = dims.free(lhs.ndim, "lhs"), dims.free(rhs.ndim, "rhs")
    batch_shape = [lhs.shape[d] for d in dims.lhs_batch]
    size = lambda x, ds: math.prod(x.shape[d] for d in ds)
    work = accumulation_dtype(lhs.dtype)
    a = lhs.transpose(list(dims.lhs_batch) + lhs_free + list(dims.lhs_contract)).astype(work)
    b = rhs.transpose(list(dims.rhs_batch) + list(dims.rhs_contract) + rhs_free).astype(work)
    a = a.reshape(math.prod(batch_shape), size(lhs, lhs_free), size(lhs, dims.lhs_contract))
    b = b.reshape(math.prod(batch_shape), size(rhs, dims.rhs_contract), size(rhs, rhs_free))
    out = np.matmul(a, b).reshape(batch_shape + [lhs.shape[d] for d in lhs_free] + [rhs.shape[d] for d in rhs_free])
    return out.astype(lhs.dtype)


def _lower_dot_general(ctx, lhs, rhs):
    dims = _DotDims.parse(ctx)
    numbers = ctx.hlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=list(dims.lhs_batch),
        rhs_batching_dimensions=list(dims.rhs_batch),
        lhs_contracting_dimensions=list(dims.lhs_contract),
        rhs_contracting_dimensions=list(dims.rhs_contract),
    )
    return ctx.hlo.DotGeneralOp(ctx.result_type, lhs, rhs, numbers).result


# Gradient rules: each operand's cotangent is another contraction with the result's cotangent,
# transposed back to the operand's layout (as JAX's dot_general / conv_general_dilated transposes).
def _dot_transpose(api, g, other, mine: tuple, theirs: tuple, ndim: int, g_other_first: bool):
    """Cotangent of the operand with dimension numbers ``mine`` (batch, contract) given the other's ``theirs``.

    ``g`` holds (batch, lhs free, rhs free); ``g_other_first`` says the other operand's free dims come first.
    """
    (my_batch, my_contract), (their_batch, their_contract) = mine, theirs
    my_free = [d for d in range(ndim) if d not in my_batch + my_contract]
    their_free = [d for d in range(other.ndim) if d not in their_batch + their_contract]
    nb = len(my_batch)
    first = nb if g_other_first else nb + len(my_free)
    g_their_free = tuple(range(first, first + len(their_free)))
    out = api.emit("tfc.dot_general", [g, other], {
        "lhs_batching_dimensions": tuple(range(nb)),
        "rhs_batching_dimensions": their_batch,
        "lhs_contracting_dimensions": g_their_free,
        "rhs_contracting_dimensions": tuple(their_free),
    })
    # out: (batch, g's dims for my free dims, other's remaining dims = its contracting dims in increasing order)
    contract_in_order = [my_contract[i] for i in np.argsort(their_contract, kind="stable")]
    layout = list(my_batch) + my_free + contract_in_order
    return api.transpose(out, [int(i) for i in np.argsort(layout)])


def _g_dot_general(ctx, g):
    api, (lhs, rhs), a = ctx.api, ctx.operands, ctx.attrs
    lhs_dims = (tuple(a["lhs_batching_dimensions"]), tuple(a["lhs_contracting_dimensions"]))
    rhs_dims = (tuple(a["rhs_batching_dimensions"]), tuple(a["rhs_contracting_dimensions"]))
    return [
        _dot_transpose(api, g, rhs, lhs_dims, rhs_dims, lhs.ndim, g_other_first=False),
        _dot_transpose(api, g, lhs, rhs_dims, lhs_dims, rhs.ndim, g_other_first=True),
    ]


def _dot_general_flops(op) -> int:
    """A multiply and an add per result element and contracted index."""
    lhs = op.operands[0].type.shape
    contracted = int(np.prod([lhs[d] for d in op.attr("lhs_contracting_dimensions")], dtype=np.int64))
    return 2 * int(np.prod(op.result.type.shape, dtype=np.int64)) * contracted


# split_batch hooks (the shard-batch pass): a split batching dimension stays split in the result; a
# split contracting dimension (a weight's gradient, summed over the batch) leaves each replica a
# partial sum, which a tfc.all_reduce completes; a split free dimension stays split.
def _split_dot_general(ctx):
    dims = _DotDims.parse(ctx)
    ranks = [t.rank for t in ctx.operand_types]
    free = [dims.free(ranks[0], "lhs"), dims.free(ranks[1], "rhs")]
    pairs = [(dims.lhs_batch, dims.rhs_batch), (dims.lhs_contract, dims.rhs_contract)]
    nb = len(dims.lhs_batch)
    if ctx.demand is not None:
        p = ctx.demand
        axes = [dims.lhs_batch[p], dims.rhs_batch[p]] if p < nb else [free[0][p - nb], None] if p < nb + len(free[0]) else \
            [None, free[1][p - nb - len(free[0])]]
        return [(ctx.emit([ctx.operand(0, axes[0]), ctx.operand(1, axes[1])])[0], p)]
    for side, axis in enumerate(ctx.axes):
        for kind, (lhs_dims, rhs_dims) in enumerate(pairs):
            mine, theirs = (lhs_dims, rhs_dims) if side == 0 else (rhs_dims, lhs_dims)
            if axis is None or axis not in mine:
                continue
            i = mine.index(axis)
            axes = [axis, theirs[i]] if side == 0 else [theirs[i], axis]
            local = ctx.emit([ctx.operand(0, axes[0]), ctx.operand(1, axes[1])])
            return [(local[0], i)] if kind == 0 else [(v, None) for v in ctx.all_reduce(local, "sum")]
    lhs_axis, rhs_axis = ctx.axes
    if lhs_axis is not None:
        return [(ctx.emit([ctx.operand(0, lhs_axis), ctx.operand(1)])[0], nb + free[0].index(lhs_axis))]
    return [(ctx.emit([ctx.operand(0), ctx.operand(1, rhs_axis)])[0], nb + len(free[0]) + free[1].index(rhs_axis))]


DOT_GENERAL = register(
    OpDef(
        "tfc.dot_general",
        "Batched contraction; the result holds batch dims, then lhs free dims, then rhs free dims.",
        operands=("lhs", "rhs"),
        attributes={
            "lhs_batching_dimensions": attr(AttrKind.INTS),
            "rhs_batching_dimensions": attr(AttrKind.INTS),
            "lhs_contracting_dimensions": attr(AttrKind.INTS),
            "rhs_contracting_dimensions": attr(AttrKind.INTS),
        },
        traits=_PURE,
        infer=_infer_dot_general,
        reference=_dot_general_numpy,
        lower=_lower_dot_general,
        grad=_g_dot_general,
        split_batch=_split_dot_general,
        flops=_dot_general_flops,
    )
)


# ---- tfc.convolution -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Conv:
    """convolution's window and dimension numbers. Layouts list (batch, feature, *spatial) positions."""

    strides: tuple
    padding: list
    lhs_dilation: tuple
    rhs_dilation: tuple
    feature_groups: int
    batch_groups: int
    input: tuple  # (batch, feature, *spatial) dimensions of lhs
    kernel: tuple  # (input feature, output feature, *spatial) dimensions of rhs
    output: tuple  # (batch, feature, *spatial) dimensions of the result

    @property
    def spatial_rank(self) -> int:
        return len(self.input) - 2

    @staticmethod
    def parse(ctx) -> _Conv:
        layouts = {
            name: (int_attr(ctx, f"{name}_{a}_dimension"), int_attr(ctx, f"{name}_{b}_dimension"), *int_list(ctx, f"{name}_spatial_dimensions"))
            for name, a, b in (("input", "batch", "feature"), ("kernel", "input_feature", "output_feature"), ("output", "batch", "feature"))
        }
        k = len(layouts["input"]) - 2
        conv = _Conv(
            int_list(ctx, "window_strides"),
            padding_pairs(ctx, k),
            int_list(ctx, "lhs_dilation"),
            int_list(ctx, "rhs_dilation"),
            int_attr(ctx, "feature_group_count"),
            int_attr(ctx, "batch_group_count"),
            layouts["input"],
            layouts["kernel"],
            layouts["output"],
        )
        conv.check(k)
        return conv

    def check(self, k: int) -> None:
        for name in ("kernel", "output"):
            if len(getattr(self, name)) - 2 != k:
                raise ShapeError(f"{name}_spatial_dimensions has {len(getattr(self, name)) - 2} entries, expected {k} (input_spatial_dimensions)")
        for name, layout in (("input", self.input), ("kernel", self.kernel), ("output", self.output)):
            if sorted(layout) != list(range(k + 2)):
                raise ShapeError(f"{name} dimension numbers {list(layout)} must be a permutation of 0..{k + 1}")
        for name in ("window_strides", "lhs_dilation", "rhs_dilation"):
            values = getattr(self, "strides" if name == "window_strides" else name)
            if len(values) != k:
                raise ShapeError(f"{name} has {len(values)} entries, expected {k} (one per spatial dimension)")
            positive(values, name)
        positive([self.feature_groups], "feature_group_count")
        positive([self.batch_groups], "batch_group_count")
        if self.feature_groups > 1 and self.batch_groups > 1:
            raise ShapeError("feature_group_count and batch_group_count cannot both be greater than 1")

    def out_spatial(self, lhs_shape, rhs_shape) -> list:
        sizes = []
        for i in range(self.spatial_rank):
            n, w = lhs_shape[self.input[2 + i]], rhs_shape[self.kernel[2 + i]]
            if w is not None and w < 1:
                raise ShapeError(f"kernel spatial dimension {self.kernel[2 + i]} has size {w}; windows must be non-empty")
            lo, hi = self.padding[i]
            sizes.append(None if w is None else window_output_size(n, w, self.strides[i], lo, hi, self.lhs_dilation[i], self.rhs_dilation[i]))
        return sizes


def _shape_of(t: TensorType, rank: int, what: str) -> tuple:
    if t.shape is None:
        return (None,) * rank
    if t.rank != rank:
        raise ShapeError(f"{what} has rank {t.rank}, but the dimension numbers describe rank {rank}")
    return t.shape


def _divides(count: int, size, what: str, group: str) -> None:
    if size is not None and size % count:
        raise ShapeError(f"{what} {size} is not divisible by {group} {count}")


def _infer_convolution(ctx, lhs, rhs):
    lhs, rhs = _operands(lhs, rhs)
    conv = _Conv.parse(ctx)
    rank = conv.spatial_rank + 2
    lshape, rshape = _shape_of(lhs, rank, "lhs"), _shape_of(rhs, rank, "rhs")
    batch, features = lshape[conv.input[0]], lshape[conv.input[1]]
    kernel_in, kernel_out = rshape[conv.kernel[0]], rshape[conv.kernel[1]]
    _divides(conv.feature_groups, features, "input feature size", "feature_group_count")
    if features is not None and kernel_in is not None and kernel_in * conv.feature_groups != features:
        raise ShapeError(
            f"kernel input feature size {kernel_in} must equal input feature size {features} / feature_group_count {conv.feature_groups}"
        )
    _divides(conv.feature_groups, kernel_out, "kernel output feature size", "feature_group_count")
    _divides(conv.batch_groups, kernel_out, "kernel output feature size", "batch_group_count")
    _divides(conv.batch_groups, batch, "input batch size", "batch_group_count")
    canonical = [None if batch is None else batch // conv.batch_groups, kernel_out, *conv.out_spatial(lshape, rshape)]
    shape = [None] * rank
    for position, size in zip(conv.output, canonical):
        shape[position] = size
    return TensorType(lhs.dtype, tuple(shape))


def _convolution_numpy(ctx, lhs, rhs):
    """Windows of the padded, dilated input, contracted with the kernel group by group."""
    conv = _Conv.parse(ctx)
    k = conv.spatial_rank
    work = accumulation_dtype(lhs.dtype)
    x = lhs.transpose(conv.input).astype(work)  # (N, C, *spatial)
    w = rhs.transpose(conv.kernel[1:2] + conv.kernel[:1] + conv.kernel[2:]).astype(work)  # (O, I, *spatial)
    x = pad_with(x, [0, 0] + [p[0] for p in conv.padding], [0, 0] + [p[1] for p in conv.padding], [0, 0] + [d - 1 for d in conv.lhs_dilation], 0)
    view = window_view(x, (1, 1) + w.shape[2:], (1, 1) + conv.strides, (1, 1) + conv.rhs_dilation)
    view = view[(slice(None),) * (k + 2) + (0, 0)]  # (N, C, *out_spatial, *kernel_spatial)
    groups, batches = conv.feature_groups, conv.batch_groups
    (n, c, *out_spatial), features = view.shape[: 2 + k], w.shape[0]
    view = view.reshape((batches, n // batches, groups, c // groups) + view.shape[2:])
    w = w.reshape((batches, groups, features // (batches * groups)) + w.shape[1:])
    spatial, window = "ABCDEFGHIJKLM"[:k], "NOPQRSTUVWXYZ"[:k]
    out = np.einsum(f"bngc{spatial}{window},bgoc{window}->nbgo{spatial}", view, w)
    out = out.reshape((n // batches, features, *out_spatial))
    return out.transpose(np.argsort(conv.output)).astype(lhs.dtype)


def _lower_convolution(ctx, lhs, rhs):
    conv = _Conv.parse(ctx)
    ir, hlo = ctx.ir, ctx.hlo
    numbers = hlo.ConvDimensionNumbers.get(
        input_batch_dimension=conv.input[0],
        input_feature_dimension=conv.input[1],
        input_spatial_dimensions=list(conv.input[2:]),
        kernel_input_feature_dimension=conv.kernel[0],
        kernel_output_feature_dimension=conv.kernel[1],
        kernel_spatial_dimensions=list(conv.kernel[2:]),
        output_batch_dimension=conv.output[0],
        output_feature_dimension=conv.output[1],
        output_spatial_dimensions=list(conv.output[2:]),
    )
    i64 = ir.IntegerType.get_signless(64)
    return hlo.ConvolutionOp(
        ctx.result_type,
        lhs,
        rhs,
        numbers,
        ir.IntegerAttr.get(i64, conv.feature_groups),
        ir.IntegerAttr.get(i64, conv.batch_groups),
        window_strides=ctx.i64_array(conv.strides),
        padding=padding_attr(ctx, conv.padding),
        lhs_dilation=ctx.i64_array(conv.lhs_dilation),
        rhs_dilation=ctx.i64_array(conv.rhs_dilation),
    ).result


def _dilate(sizes, dilations):
    return [0 if n == 0 else (n - 1) * d + 1 for n, d in zip(sizes, dilations)]


def _split_axis(api, x, axis: int, parts: int):
    """Dimension ``axis`` of size n becomes (parts, n // parts)."""
    shape = list(x.shape)
    shape[axis:axis + 1] = [parts, shape[axis] // parts]
    return api.reshape(x, shape)


def _merge_axis(api, x, source: int, target: int):
    """Moves dimension ``source`` in front of dimension ``target`` (counted without ``source``) and merges them."""
    perm = [d for d in range(x.ndim) if d != source]
    perm.insert(target, source)
    shape = [n for d, n in enumerate(x.shape) if d != source]
    shape[target] *= x.shape[source]
    return api.reshape(api.transpose(x, perm), shape)


def _conv_attrs(strides, padding, lhs_dilation, rhs_dilation, features, batches, input, kernel, output) -> dict:
    """Attributes of tfc.convolution; ``kernel`` lists (input feature, output feature, *spatial) dimensions."""
    return {
        "window_strides": tuple(strides),
        "padding": tuple(int(p) for pair in padding for p in pair),
        "lhs_dilation": tuple(lhs_dilation),
        "rhs_dilation": tuple(rhs_dilation),
        "feature_group_count": features,
        "batch_group_count": batches,
        "input_batch_dimension": input[0],
        "input_feature_dimension": input[1],
        "input_spatial_dimensions": tuple(input[2:]),
        "kernel_input_feature_dimension": kernel[0],
        "kernel_output_feature_dimension": kernel[1],
        "kernel_spatial_dimensions": tuple(kernel[2:]),
        "output_batch_dimension": output[0],
        "output_feature_dimension": output[1],
        "output_spatial_dimensions": tuple(output[2:]),
    }


def _conv_grad_lhs(api, conv: _Conv, g, lhs_shape, rhs):
    """A convolution of the cotangent with the spatially reversed kernel, input and output features
    swapped, strides turned into lhs dilation (JAX's _conv_general_dilated_transpose_lhs)."""
    k_in, k_out = conv.kernel[0], conv.kernel[1]
    groups = conv.feature_groups
    if conv.feature_groups > 1 or conv.batch_groups > 1:
        # the group index moves from the kernel's output features into its input features
        parts = max(conv.feature_groups, conv.batch_groups)
        rhs = _merge_axis(api, _split_axis(api, rhs, k_out, parts), k_out, k_in)
        groups = parts
    spatial = [lhs_shape[d] for d in conv.input[2:]]
    window = [rhs.shape[d] for d in conv.kernel[2:]]
    out_spatial = [g.shape[d] for d in conv.output[2:]]
    lhs_dilated, rhs_dilated = _dilate(spatial, conv.lhs_dilation), _dilate(window, conv.rhs_dilation)
    out_dilated = _dilate(out_spatial, conv.strides)
    before = [w - lo - 1 for w, (lo, _) in zip(rhs_dilated, conv.padding)]
    after = [l + w - 1 - o - b for l, w, o, b in zip(lhs_dilated, rhs_dilated, out_dilated, before)]
    reversed_rhs = api.emit("tfc.reverse", [rhs], {"dimensions": tuple(conv.kernel[2:])})
    attrs = _conv_attrs(conv.lhs_dilation, zip(before, after), conv.strides, conv.rhs_dilation, groups, 1,
                        conv.output, (k_out, k_in, *conv.kernel[2:]), conv.input)
    out = api.emit("tfc.convolution", [g, reversed_rhs], attrs)
    if conv.batch_groups > 1:  # the batch groups were computed as feature groups: move them back to the batch
        out = _merge_axis(api, _split_axis(api, out, conv.input[1], conv.batch_groups), conv.input[1], conv.input[0])
    return out


def _conv_grad_rhs(api, conv: _Conv, g, lhs, rhs_shape):
    """A convolution of the input with the cotangent as kernel, batch and features swapped, strides
    turned into rhs dilation (JAX's _conv_general_dilated_transpose_rhs)."""
    features, batches = conv.feature_groups, conv.batch_groups
    if batches > 1:
        features, batches = batches, 1
    elif features > 1:
        features, batches = 1, features
    spatial = [lhs.shape[d] for d in conv.input[2:]]
    window = [rhs_shape[d] for d in conv.kernel[2:]]
    out_spatial = [g.shape[d] for d in conv.output[2:]]
    lhs_dilated, rhs_dilated = _dilate(spatial, conv.lhs_dilation), _dilate(window, conv.rhs_dilation)
    out_dilated = _dilate(out_spatial, conv.strides)
    lows = [lo for lo, _ in conv.padding]
    highs = [o - l + w - lo - 1 for o, l, w, lo in zip(out_dilated, lhs_dilated, rhs_dilated, lows)]
    attrs = _conv_attrs(conv.rhs_dilation, zip(lows, highs), conv.lhs_dilation, conv.strides, features, batches,
                        (conv.input[1], conv.input[0], *conv.input[2:]),
                        (conv.output[0], conv.output[1], *conv.output[2:]),
                        (conv.kernel[0], conv.kernel[1], *conv.kernel[2:]))
    return api.emit("tfc.convolution", [lhs, g], attrs)


def _g_convolution(ctx, g):
    api, (lhs, rhs) = ctx.api, ctx.operands
    conv = _Conv.parse(ctx)
    if g.size == 0:
        return [api.zeros_like(lhs), api.zeros_like(rhs)]
    return [_conv_grad_lhs(api, conv, g, lhs.shape, rhs), _conv_grad_rhs(api, conv, g, lhs, rhs.shape)]


MAX_DEPTHWISE_TAPS = 64
"""Kernels up to this many taps (3x3 = 9, 7x7 = 49) are rewritten as shifted multiply-adds on CPU."""

MAX_ONE_CHANNEL_TAPS = 25
"""The cap for a one-channel input (an ungrouped convolution, which Eigen computes well enough):
measured against Eigen, 128x28x28x1 -> 32 channels 3x3: 1.47 -> 0.35 ms; 32x64x64x1 -> 64, 5x5:
3.6 -> 2.8 ms, but 7x7: 4.7 -> 7.8 ms."""


class _Attrs:
    """An op's attributes as a type rule's context sees them (for ``_Conv.parse``)."""

    def __init__(self, op):
        self.attrs = {key: value.value for key, value in op.attributes.items()}


def _depthwise_for_cpu(op, platform: str, builder):
    """A depthwise convolution (one input channel per group, any channel multiplier; a one-channel
    input, as a network's first layer on grey images, is one group) as a sum of shifted, strided
    slices of the padded input times one kernel tap each. XLA:CPU compiles grouped convolutions
    with one channel per group 30-50x slower than this form (2x48x48x96, 3x3: 12-19 ms against
    0.33-0.40 ms, NOTES-xla), and gives a one-channel input to Eigen's im2col (128x28x28x1 -> 32
    channels, 3x3, with its bias and relu: 4.2 ms against 0.6 ms fused); only the order of the
    additions differs."""
    conv = _Conv.parse(_Attrs(op))
    x, kernel = op.operands
    shape, kernel_shape = x.type.shape, kernel.type.shape
    features = shape[conv.input[1]]
    depthwise = (platform == "cpu" and conv.batch_groups == 1 and conv.feature_groups == features
                 and kernel_shape[conv.kernel[0]] == 1 and kernel_shape[conv.kernel[1]] % features == 0
                 and all(d == 1 for d in conv.lhs_dilation) and conv.output == conv.input and x.type.dtype.is_float)
    taps = [kernel_shape[d] for d in conv.kernel[2:]]
    if not depthwise or math.prod(taps) > (MAX_DEPTHWISE_TAPS if features > 1 else MAX_ONE_CHANNEL_TAPS):
        return None
    padded = _pad_spatial(builder, x, conv)
    out_shape = op.result.type.shape
    total = None
    for tap in itertools.product(*(range(t) for t in taps)):
        starts, limits, strides = [0] * len(shape), list(padded.type.shape), [1] * len(shape)
        for i, d in enumerate(conv.input[2:]):
            starts[d] = tap[i] * conv.rhs_dilation[i]
            limits[d] = starts[d] + (out_shape[d] - 1) * conv.strides[i] + 1
            strides[d] = conv.strides[i]
        window = builder.value("tfc.slice", padded, start_indices=tuple(starts), limit_indices=tuple(limits), strides=tuple(strides))
        window = _repeat_channels(builder, window, conv.input[1], out_shape)
        term = builder.value("tfc.multiply", window, _kernel_tap(builder, kernel, conv, tap, out_shape))
        total = term if total is None else builder.value("tfc.add", total, term)
    return [total]


def _repeat_channels(builder, window, axis: int, out_shape):
    """Each of the window's channels repeated for the output channels it feeds (channel c feeds
    outputs c*m ... c*m+m-1, m the multiplier): a broadcast along a new axis after ``axis``, merged
    into it. The window itself where the multiplier is 1."""
    shape = window.type.shape
    multiplier = out_shape[axis] // shape[axis]
    if multiplier == 1:
        return window
    split = (*shape[:axis + 1], multiplier, *shape[axis + 1:])
    dims = tuple(d if d <= axis else d + 1 for d in range(len(shape)))
    repeated = builder.create("tfc.broadcast_in_dim", [window], {"broadcast_dimensions": dims}, [TensorType(window.type.dtype, split)]).result
    return builder.create("tfc.reshape", [repeated], {}, [TensorType(window.type.dtype, tuple(out_shape))]).result


def _pad_spatial(builder, x, conv):
    if all(low == high == 0 for low, high in conv.padding):
        return x
    low, high = [0] * len(x.type.shape), [0] * len(x.type.shape)
    for (lo, hi), d in zip(conv.padding, conv.input[2:]):
        low[d], high[d] = lo, hi
    zero = builder.value("tfc.constant", value=np.zeros((), x.type.dtype.numpy))
    return builder.value("tfc.pad", x, zero, edge_padding_low=tuple(low), edge_padding_high=tuple(high),
                         interior_padding=(0,) * len(low))


def _kernel_tap(builder, kernel, conv, tap, out_shape):
    """Kernel tap ``tap`` (one weight per channel), broadcast along the output's feature dimension."""
    shape = kernel.type.shape
    starts, limits = [0] * len(shape), list(shape)
    for i, d in enumerate(conv.kernel[2:]):
        starts[d], limits[d] = tap[i], tap[i] + 1
    weights = builder.value("tfc.slice", kernel, start_indices=tuple(starts), limit_indices=tuple(limits), strides=(1,) * len(shape))
    vector = builder.create("tfc.reshape", [weights], {}, [TensorType(kernel.type.dtype, (shape[conv.kernel[1]],))]).result
    return builder.create("tfc.broadcast_in_dim", [vector], {"broadcast_dimensions": (conv.output[1],)},
                          [TensorType(kernel.type.dtype, tuple(out_shape))]).result


def _convolution_flops(op) -> int:
    """A multiply and an add per result element and kernel element of one feature group."""
    kernel = op.operands[1].type.shape
    per_output = int(np.prod(kernel, dtype=np.int64)) // max(kernel[op.attr("kernel_output_feature_dimension")], 1)
    return 2 * int(np.prod(op.result.type.shape, dtype=np.int64)) * per_output


def _split_convolution(ctx):
    """A split input batch stays split in the output's batch; the kernel's gradient (input batch as
    the contracted feature, the cotangent's batch as the kernel's input feature) is a partial sum per
    replica, completed by a tfc.all_reduce. Grouped convolutions have no rule (whole operands)."""
    conv = _Conv.parse(ctx)
    if conv.feature_groups != 1 or conv.batch_groups != 1:
        return None
    lhs_axis, rhs_axis = ctx.axes
    if ctx.demand == conv.output[0] or (ctx.demand is None and lhs_axis == conv.input[0] and rhs_axis is None):
        return [(ctx.emit([ctx.operand(0, conv.input[0]), ctx.operand(1)])[0], conv.output[0])]
    if ctx.demand is None and lhs_axis == conv.input[1] and rhs_axis == conv.kernel[0]:
        local = ctx.emit([ctx.operand(0, lhs_axis), ctx.operand(1, rhs_axis)])
        return [(v, None) for v in ctx.all_reduce(local, "sum")]
    return None


CONVOLUTION = register(
    OpDef(
        "tfc.convolution",
        "StableHLO convolution: strided, padded, dilated windows of lhs contracted with the kernel rhs.",
        operands=("lhs", "rhs"),
        attributes={
            "window_strides": attr(AttrKind.INTS),
            "padding": attr(AttrKind.INTS),
            "lhs_dilation": attr(AttrKind.INTS),
            "rhs_dilation": attr(AttrKind.INTS),
            "feature_group_count": attr(AttrKind.INT),
            "batch_group_count": attr(AttrKind.INT),
            "input_batch_dimension": attr(AttrKind.INT),
            "input_feature_dimension": attr(AttrKind.INT),
            "input_spatial_dimensions": attr(AttrKind.INTS),
            "kernel_input_feature_dimension": attr(AttrKind.INT),
            "kernel_output_feature_dimension": attr(AttrKind.INT),
            "kernel_spatial_dimensions": attr(AttrKind.INTS),
            "output_batch_dimension": attr(AttrKind.INT),
            "output_feature_dimension": attr(AttrKind.INT),
            "output_spatial_dimensions": attr(AttrKind.INTS),
        },
        traits=_PURE,
        infer=_infer_convolution,
        reference=_convolution_numpy,
        lower=_lower_convolution,
        grad=_g_convolution,
        split_batch=_split_convolution,
        flops=_convolution_flops,
        rewrite_for=_depthwise_for_cpu,
    )
)
