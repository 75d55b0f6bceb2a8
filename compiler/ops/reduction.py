"""Core ops that combine many elements: reduce, reduce_window, argmax/argmin, cumsum and sort.

Reductions name their combiner by ``kind`` rather than carrying a region, so the init value follows
from the kind and the element type (sum 0, max -inf or the type's lowest value...) and every backend
knows the combiner is associative. References follow XLA: integers wrap, windows read padding and
base-dilation holes as the init value, NaN wins max/min, and sort puts NaNs last.

The window helpers here (output sizes, padding with holes, strided window views) are shared with
``tfc.convolution`` in linalg.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, optional, register
from ..types import DType, TensorType
from . import rules
from .rules import declared, normalize_axis, tensor_operand
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
NOT_COMPLEX = ("real (non-complex)", lambda d: not d.is_complex)


# ---- attribute access ----------------------------------------------------------------------------
def lowest(dtype: DType):
    """The identity of max: -inf, the integer minimum, or false."""
    if dtype is DType.bool:
        return False
    return -np.inf if dtype.is_float else np.iinfo(dtype.numpy).min


def highest(dtype: DType):
    if dtype is DType.bool:
        return True
    return np.inf if dtype.is_float else np.iinfo(dtype.numpy).max


def compare_type(dtype: DType) -> str:
    if dtype.is_inexact:
        return "FLOAT"
    return "UNSIGNED" if dtype.is_unsigned_int or dtype is DType.bool else "SIGNED"


def compare(ctx, a, b, direction: str, kind: str):
    """A StableHLO compare of two values with an explicit comparison type."""
    hlo = ctx.hlo
    return hlo.CompareOp(a, b, hlo.ComparisonDirectionAttr.get(direction), compare_type=hlo.ComparisonTypeAttr.get(kind)).result


def _scalar(ctx, dtype: DType, value):
    return ctx.constant(np.array(value, dtype=dtype.numpy), dtype)


# ---- tfc.reduce ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Monoid:
    """An associative combiner with its identity: what a reduction kind means."""

    ufunc: np.ufunc
    hlo_op: str
    kinds: tuple
    identity: Callable[[DType], object]
    widen: bool = False  # accumulate in accumulation_dtype (sum, prod)


_MONOIDS = {
    "sum": _Monoid(np.add, "AddOp", rules.NUMERIC, lambda d: 0, widen=True),
    "prod": _Monoid(np.multiply, "MulOp", rules.NUMERIC, lambda d: 1, widen=True),
    "max": _Monoid(np.maximum, "MaxOp", NOT_COMPLEX, lowest),
    "min": _Monoid(np.minimum, "MinOp", NOT_COMPLEX, highest),
    "and": _Monoid(np.bitwise_and, "AndOp", rules.INT_OR_BOOL, lambda d: np.invert(np.zeros((), d.numpy))),
    "or": _Monoid(np.bitwise_or, "OrOp", rules.INT_OR_BOOL, lambda d: 0),
}


def _monoid(ctx, operand: TensorType, kinds=_MONOIDS) -> _Monoid:
    kind = ctx.attrs.get("kind")
    if kind not in kinds:
        raise ShapeError(f"kind {kind!r} is not one of {', '.join(kinds)}")
    monoid = kinds[kind]
    what, ok = monoid.kinds
    if not ok(operand.dtype):
        raise ShapeError(f"kind '{kind}' expects {what} operands, got {operand.dtype.value}")
    return monoid


def _combine(ctx, monoid: _Monoid, dtype: DType, region) -> None:
    ctx.scalar_body(region, dtype, lambda a, b: getattr(ctx.hlo, monoid.hlo_op)(a, b).result)


def _reduce_numpy(monoid: _Monoid, x: np.ndarray, axes, dtype: DType) -> np.ndarray:
    work = accumulation_dtype(x.dtype) if monoid.widen else x.dtype
    initial = np.array(monoid.identity(dtype), dtype=dtype.numpy).astype(work)
    with np.errstate(all="ignore"):
        return monoid.ufunc.reduce(x.astype(work), axis=tuple(axes), initial=initial).astype(x.dtype)


def _infer_reduce(ctx, operand):
    x = tensor_operand(operand)
    _monoid(ctx, x)
    dims = int_list(ctx, "dimensions")
    if len(set(dims)) != len(dims):
        raise ShapeError(f"dimensions {list(dims)} has repeated dimensions")
    if x.shape is None:
        return x
    for d in dims:
        if not 0 <= d < x.rank:
            raise ShapeError(f"dimensions {list(dims)}: dimension {d} is out of range for rank {x.rank}")
    return x.with_shape([n for i, n in enumerate(x.shape) if i not in dims])


def _lower_reduce(ctx, x):
    dtype = ctx.operand_types[0].dtype
    monoid = _MONOIDS[ctx.attrs["kind"]]
    init = _scalar(ctx, dtype, monoid.identity(dtype))
    op = ctx.hlo.ReduceOp([ctx.result_type], [x], [init], ctx.i64_array(ctx.attrs["dimensions"]))
    _combine(ctx, monoid, dtype, op.body)
    return op.result


# Gradient rules (``grad(ctx, g)``: one cotangent per operand, None for zero), in core ops via ctx.api.
def _restore_reduced(api, g, dims, shape):
    """``g`` (the reduced shape) broadcast back over the reduced ``dims`` of ``shape``."""
    kept = tuple(d for d in range(len(shape)) if d not in dims)
    return api.emit("tfc.broadcast_in_dim", [g], {"broadcast_dimensions": kept}, [TensorType(g.dtype, tuple(shape))])


def _g_reduce(ctx, g):
    api, x, kind, dims = ctx.api, ctx.operands[0], ctx.attrs["kind"], ctx.attrs["dimensions"]
    if kind in ("and", "or"):
        return [None]
    spread = _restore_reduced(api, g, dims, x.shape)
    if kind == "sum":
        return [spread]
    if kind in ("max", "min"):
        # The elements equal to the result share its cotangent evenly (as JAX does).
        winners = api.astype(api.equal(x, _restore_reduced(api, ctx.result, dims, x.shape)), g.dtype)
        counts = _restore_reduced(api, api.sum(winners, dims), dims, x.shape)
        return [spread * winners / counts]
    # prod: g * (product of the other elements), exact when elements are zero: with no zero it is
    # result / x; with one zero only that element gets the product of the rest; with more, all get 0.
    zero = api.equal(x, api.zeros_like(x))
    zeros = _restore_reduced(api, api.sum(api.astype(zero, DType.i32), dims), dims, x.shape)
    nonzero_product = _restore_reduced(api, api.prod(api.where(zero, api.ones_like(x), x), dims), dims, x.shape)
    safe_x = api.where(zero, api.ones_like(x), x)
    others = api.where(
        zero,
        api.where(api.equal(zeros, 1), nonzero_product, api.zeros_like(x)),
        api.where(api.equal(zeros, 0), nonzero_product / safe_x, api.zeros_like(x)),
    )
    return [spread * others]


# split_batch hooks (the shard-batch pass): a reduction over the split axis leaves each replica a
# partial result, which a tfc.all_reduce of the same kind completes; any other axis stays split.
def _split_reduce(ctx):
    (axis,) = ctx.axes
    dims = ctx.attrs["dimensions"]
    if axis is None:
        axis = [d for d in range(ctx.operand_types[0].rank) if d not in dims][ctx.demand]
    local = ctx.emit([ctx.operand(0, axis)])
    if axis in dims:
        return [(v, None) for v in ctx.all_reduce(local, ctx.attrs["kind"])]
    return [(local[0], axis - sum(d < axis for d in dims))]


def _split_same_axis(keeps):
    """For ops that keep each dimension where it is: a split axis ``keeps(ctx, axis)`` allows stays
    split (all operands follow it), else no rule."""

    def split(ctx):
        axis = ctx.demand if ctx.demand is not None else next(a for a in ctx.axes if a is not None)
        if not keeps(ctx, axis):
            return None
        return [(v, axis) for v in ctx.emit([ctx.operand(i, axis) for i in range(len(ctx.operand_types))])]

    return split


def _window_keeps(ctx, axis: int) -> bool:
    """Windows of one element, no stride, padding or dilation along ``axis``."""
    window = _Window.parse(ctx, ctx.operand_types[0].rank)
    return (window.dimensions[axis], window.strides[axis], tuple(window.padding[axis]), window.base_dilations[axis],
            window.window_dilations[axis]) == (1, 1, (0, 0), 1, 1)


REDUCE = register(
    OpDef(
        "tfc.reduce",
        "Combines elements along `dimensions` with sum, prod, max, min, and or or; those dimensions are dropped.",
        operands=("operand",),
        attributes={"dimensions": attr(AttrKind.INTS), "kind": attr(AttrKind.STRING, choices=_MONOIDS)},
        traits=_PURE,
        infer=_infer_reduce,
        reference=lambda ctx, x: _reduce_numpy(_MONOIDS[ctx.attrs["kind"]], x, ctx.attrs["dimensions"], ctx.operand_types[0].dtype),
        lower=_lower_reduce,
        grad=_g_reduce,
        split_batch=_split_reduce,
    )
)


# ---- tfc.reduce_window ---------------------------------------------------------------------------
_WINDOW_MONOIDS = {"max": _MONOIDS["max"], "sum": _MONOIDS["sum"]}


@dataclass(frozen=True)
class _Window:
    """reduce_window's geometry, one entry per operand dimension."""

    dimensions: tuple
    strides: tuple
    padding: list
    base_dilations: tuple
    window_dilations: tuple

    @staticmethod
    def parse(ctx, rank: int | None) -> _Window:
        dims = int_list(ctx, "window_dimensions")
        rank = len(dims) if rank is None else rank
        if len(dims) != rank:
            raise ShapeError(f"window_dimensions has {len(dims)} entries, expected {rank} (operand rank)")
        window = _Window(
            dims,
            int_list(ctx, "window_strides"),
            padding_pairs(ctx, rank),
            int_list(ctx, "base_dilations", (1,) * rank),
            int_list(ctx, "window_dilations", (1,) * rank),
        )
        for name in ("strides", "base_dilations", "window_dilations"):
            values = getattr(window, name)
            label = "window_strides" if name == "strides" else name
            if len(values) != rank:
                raise ShapeError(f"{label} has {len(values)} entries, expected {rank} (operand rank)")
            positive(values, label)
        positive(dims, "window_dimensions")
        return window

    def output_shape(self, shape):
        return [
            window_output_size(n, w, s, lo, hi, b, d)
            for n, w, s, (lo, hi), b, d in zip(shape, self.dimensions, self.strides, self.padding, self.base_dilations, self.window_dilations)
        ]


def _infer_reduce_window(ctx, operand):
    x = tensor_operand(operand)
    _monoid(ctx, x, _WINDOW_MONOIDS)
    window = _Window.parse(ctx, x.rank)
    shape = x.shape if x.shape is not None else (None,) * len(window.dimensions)
    return x.with_shape(window.output_shape(shape))


def _reduce_window_numpy(ctx, x):
    dtype = ctx.operand_types[0].dtype
    monoid = _WINDOW_MONOIDS[ctx.attrs["kind"]]
    window = _Window.parse(ctx, x.ndim)
    fill = np.array(monoid.identity(dtype), dtype=x.dtype)
    lows, highs = [p[0] for p in window.padding], [p[1] for p in window.padding]
    padded = pad_with(x, lows, highs, [b - 1 for b in window.base_dilations], fill)
    view = window_view(padded, window.dimensions, window.strides, window.window_dilations)
    return _reduce_numpy(monoid, view, range(x.ndim, 2 * x.ndim), dtype)


def _lower_reduce_window(ctx, x):
    operand = ctx.operand_types[0]
    dtype = operand.dtype
    monoid = _WINDOW_MONOIDS[ctx.attrs["kind"]]
    window = _Window.parse(ctx, operand.rank)
    init = _scalar(ctx, dtype, monoid.identity(dtype))
    if any(lo < 0 or hi < 0 for lo, hi in window.padding):
        x, window = _dilate_and_pad_first(ctx, x, init, operand, window)
    op = ctx.hlo.ReduceWindowOp(
        [ctx.result_type],
        [x],
        [init],
        ctx.i64_array(window.dimensions),
        window_strides=ctx.i64_array(window.strides),
        base_dilations=ctx.i64_array(window.base_dilations),
        window_dilations=ctx.i64_array(window.window_dilations),
        padding=padding_attr(ctx, window.padding),
    )
    _combine(ctx, monoid, dtype, op.body)
    return op.result


def _dilate_and_pad_first(ctx, x, init, operand, window: _Window):
    """Base dilation and padding as a ``stablehlo.pad`` (which may crop), leaving a window without
    either: XLA's simplifier miscompiles (and aborts on) a reduce_window with negative padding."""
    lows, highs = [lo for lo, _ in window.padding], [hi for _, hi in window.padding]
    interior = [b - 1 for b in window.base_dilations]
    shape = [None if n is None else (0 if n == 0 else (n - 1) * b + 1) + lo + hi
             for n, b, lo, hi in zip(operand.shape, window.base_dilations, lows, highs)]
    padded = ctx.hlo.PadOp(x, init, ctx.i64_array(lows), ctx.i64_array(highs), ctx.i64_array(interior),
                           results=[ctx.mlir_type(operand.with_shape(shape))]).result
    rank = len(shape)
    return padded, _Window(window.dimensions, window.strides, [(0, 0)] * rank, (1,) * rank, window.window_dilations)


def _window_table(shape, window: _Window, out_shape) -> np.ndarray:
    """For each output position and window element (out_shape + (window size,)), the flat index of
    the operand element it reads, or the operand's size where it reads padding or a dilation hole."""
    rank, size = len(shape), int(np.prod(shape))
    flat = np.zeros(tuple(out_shape) + tuple(window.dimensions), np.int64)
    valid = np.ones(flat.shape, bool)
    stride = 1
    for d in reversed(range(rank)):
        o = np.arange(out_shape[d])[:, None]
        w = np.arange(window.dimensions[d])[None, :]
        p = o * window.strides[d] + w * window.window_dilations[d] - window.padding[d][0]
        b = window.base_dilations[d]
        ok = (p >= 0) & (p % b == 0) & (p // b < shape[d])
        axes = [1] * (2 * rank)
        axes[d], axes[rank + d] = out_shape[d], window.dimensions[d]
        flat = flat + (p // b * stride).reshape(axes)
        valid = valid & ok.reshape(axes)
        stride *= shape[d]
    table = np.where(valid, flat, size).reshape(tuple(out_shape) + (-1,))
    return table.astype(np.int32 if size < 2**31 - 1 else np.int64)


def _scatter_add_flat(api, values, table, size: int, dtype):
    """A flat tensor of ``size`` holding the sums of ``values`` at positions ``table`` (``size`` drops)."""
    zeros = api.broadcast_to(api.astype(0, dtype), (size + 1,))
    attrs = {"update_window_dims": (), "inserted_window_dims": (0,), "scatter_dims_to_operand_dims": (0,),
             "index_vector_dim": table.ndim, "kind": "add"}
    out = api.emit("tfc.scatter", [zeros, api.to_tensor(table), values], attrs)
    return api.emit("tfc.slice", [out], {"start_indices": (0,), "limit_indices": (size,), "strides": (1,)})


MAX_GRAD_OFFSETS = 64
"""Windows of up to this many elements take the max gradient by window offsets (below); larger or
dilated ones scatter through a gather table."""


def _offsets_apply(window: _Window, shape) -> bool:
    return (all(b == 1 for b in window.base_dilations) and all(d == 1 for d in window.window_dilations)
            and all(lo >= 0 and hi >= 0 for lo, hi in window.padding) and int(np.prod(window.dimensions)) <= MAX_GRAD_OFFSETS
            and all(n is not None for n in shape))


def _max_grad_by_offsets(api, x, g, window: _Window):
    """The max gradient as dense ops: for each offset in the window, in row-major order, the strided
    slice of the (padded) input that offset reads; an output position's cotangent goes to the first
    offset equal to the window's max, placed back by an interior-padded ``tfc.pad``. 10-30x faster
    than XLA:CPU's select_and_scatter on pooling layers (measured in jax: 0.9 ms vs 28 ms for a
    2x2 pool of a [128, 26, 26, 32] batch), and no scatter."""
    rank, out = x.ndim, g.shape
    lows, highs = [lo for lo, _ in window.padding], [hi for _, hi in window.padding]
    padded = x if not any(lows + highs) else api.emit("tfc.pad", [x, api.astype(lowest(x.dtype), x.dtype)], {
        "edge_padding_low": tuple(lows), "edge_padding_high": tuple(highs), "interior_padding": (0,) * rank})
    spans = [(o - 1) * st + 1 for o, st in zip(out, window.strides)]
    slices = []
    for offset in np.ndindex(*window.dimensions):
        slices.append((offset, api.emit("tfc.slice", [padded], {"start_indices": tuple(offset), "limit_indices": tuple(
            o + n for o, n in zip(offset, spans)), "strides": tuple(window.strides)})))
    largest = slices[0][1]
    for _, candidate in slices[1:]:
        largest = api.maximum(largest, candidate)
    taken, total, zero = None, None, api.astype(0, g.dtype)
    for offset, candidate in slices:
        hit = api.equal(candidate, largest)
        chosen = hit if taken is None else api.logical_and(hit, api.logical_not(taken))
        taken = chosen if taken is None else api.logical_or(taken, chosen)
        placed = api.emit("tfc.pad", [api.where(chosen, g, api.zeros_like(g)), zero], {
            "edge_padding_low": tuple(offset), "interior_padding": tuple(st - 1 for st in window.strides),
            "edge_padding_high": tuple(n - o - sp for n, o, sp in zip(padded.shape, offset, spans))})
        total = placed if total is None else api.add(total, placed)
    if not any(lows + highs):
        return total
    return api.emit("tfc.slice", [total], {"start_indices": tuple(lows), "limit_indices": tuple(lo + n for lo, n in zip(lows, x.shape)),
                                           "strides": (1,) * rank})


def _g_reduce_window(ctx, g):
    api, x = ctx.api, ctx.operands[0]
    window = _Window.parse(ctx, x.ndim)
    if g.size == 0 or x.size == 0:
        return [api.zeros_like(x)]
    if ctx.attrs["kind"] == "sum":
        # JAX's transpose: pad the cotangent (holes for the strides) and sum it over the same windows
        lhs = [0 if n == 0 else (n - 1) * b + 1 for n, b in zip(x.shape, window.base_dilations)]
        rhs = [(w - 1) * d + 1 for w, d in zip(window.dimensions, window.window_dilations)]
        out = [(n - 1) * s + 1 for n, s in zip(g.shape, window.strides)]
        before = [r - lo - 1 for r, (lo, _) in zip(rhs, window.padding)]
        after = [l + r - 1 - o - b for l, r, o, b in zip(lhs, rhs, out, before)]
        padded = api.emit("tfc.pad", [g, api.astype(0, g.dtype)], {
            "edge_padding_low": tuple(before), "edge_padding_high": tuple(after),
            "interior_padding": tuple(s - 1 for s in window.strides),
        })
        return [api.emit("tfc.reduce_window", [padded], {
            "kind": "sum", "window_dimensions": window.dimensions, "window_strides": window.base_dilations,
            "padding": (0,) * (2 * x.ndim), "window_dilations": window.window_dilations,
        })]
    # max: each window's cotangent goes to its first largest element (XLA's select_and_scatter with GE).
    if _offsets_apply(window, x.shape):
        return [_max_grad_by_offsets(api, x, g, window)]
    table = _window_table(x.shape, window, g.shape)
    padding = api.to_tensor(np.full((1,), lowest(x.dtype), x.dtype.numpy))
    flat = api.concatenate([api.reshape(x, (x.size,)), padding])
    windows = api.take(flat, api.to_tensor(table))
    first = api.argmax(windows, axis=-1)
    picked = api.equal(api.expand_dims(first, -1), api.emit("tfc.iota", [], {"iota_dimension": table.ndim - 1},
                                                              [TensorType(first.dtype, table.shape)]))
    values = api.where(picked, api.broadcast_to(api.expand_dims(g, -1), table.shape), api.zeros_like(windows))
    return [api.reshape(_scatter_add_flat(api, values, table, x.size, g.dtype), x.shape)]


REDUCE_WINDOW = register(
    OpDef(
        "tfc.reduce_window",
        "Max or sum over strided, dilated windows; padding and holes read as the init value (pooling).",
        operands=("operand",),
        attributes={
            "kind": attr(AttrKind.STRING, choices=_WINDOW_MONOIDS),
            "window_dimensions": attr(AttrKind.INTS),
            "window_strides": attr(AttrKind.INTS),
            "padding": attr(AttrKind.INTS),
            "base_dilations": optional(AttrKind.INTS),
            "window_dilations": optional(AttrKind.INTS),
        },
        traits=_PURE,
        infer=_infer_reduce_window,
        reference=_reduce_window_numpy,
        lower=_lower_reduce_window,
        grad=_g_reduce_window,
        split_batch=_split_same_axis(_window_keeps),
    )
)


# ---- tfc.argmax / tfc.argmin ---------------------------------------------------------------------
def _infer_arg(ctx, operand):
    x = tensor_operand(operand)
    rules.require_dtype(x, NOT_COMPLEX)
    out = declared(ctx)
    if not out.dtype.is_int:
        raise ShapeError(f"result must have an integer element type (the index type), got {out.dtype.value}")
    if x.shape is None:
        return out
    if x.rank == 0:
        raise ShapeError("operand must have rank at least 1")
    axis = normalize_axis(int_attr(ctx, "axis"), x.rank)
    shape = x.shape[:axis] + x.shape[axis + 1 :]
    return out.with_shape(rules.merge_shapes(shape, out.shape))


def _arg_numpy(numpy_fn):
    def reference(ctx, x):
        axis = normalize_axis(ctx.attrs["axis"], x.ndim)
        if x.shape[axis] == 0:
            return np.zeros(x.shape[:axis] + x.shape[axis + 1 :], np.int64)
        if x.dtype == DType.bf16.numpy or x.dtype == np.float16:
            x = x.astype(np.float32)  # exact, and numpy's NaN handling is sure for float32
        return numpy_fn(x, axis=axis)  # numpy: ties and NaNs give the first index

    return reference


def _arg_body(ctx, direction: str, dtype: DType, va, ia, vb, ib):
    """(va, ia) wins over (vb, ib): better value, or same value (NaN counts as best) and smaller index.

    Symmetric in its arguments, so XLA may combine in any order.
    """
    hlo = ctx.hlo
    kind = compare_type(dtype)
    better = compare(ctx, va, vb, direction, kind)
    tie = compare(ctx, va, vb, "EQ", kind)
    if dtype.is_float:
        a_nan = compare(ctx, va, va, "NE", kind)
        b_nan = compare(ctx, vb, vb, "NE", kind)
        better = hlo.OrOp(better, hlo.AndOp(a_nan, hlo.NotOp(b_nan)).result).result
        tie = hlo.OrOp(tie, hlo.AndOp(a_nan, b_nan).result).result
    earlier = compare(ctx, ia, ib, "LT", "SIGNED")
    pick_a = hlo.OrOp(better, hlo.AndOp(tie, earlier).result).result
    return [hlo.SelectOp(pick_a, va, vb).result, hlo.SelectOp(pick_a, ia, ib).result]


def _lower_arg(direction: str, identity):
    def lower(ctx, x):
        ir, hlo = ctx.ir, ctx.hlo
        dtype, index = ctx.operand_types[0].dtype, ctx.result_tfc_types[0].dtype
        axis = normalize_axis(ctx.attrs["axis"], ctx.operand_types[0].rank)
        shape = ir.RankedTensorType(x.type).shape
        iota = hlo.IotaOp(ir.RankedTensorType.get(shape, ctx.element_type(index)), axis).result
        value_type = ir.RankedTensorType.get(ir.RankedTensorType(ctx.result_type).shape, ctx.element_type(dtype))
        inits = [_scalar(ctx, dtype, identity(dtype)), _scalar(ctx, index, 0)]
        op = hlo.ReduceOp([value_type, ctx.result_type], [x, iota], inits, ctx.i64_array([axis]))
        scalars = [ir.RankedTensorType.get([], ctx.element_type(t)) for t in (dtype, index)]
        block = op.body.blocks.append(*scalars, *scalars)
        with ir.InsertionPoint(block):
            hlo.ReturnOp(_arg_body(ctx, direction, dtype, *block.arguments))
        return op.results[1]

    return lower


def _split_arg(ctx):
    """argmax/argmin along another axis than the split one: the split axis moves past the dropped one."""
    (axis,) = ctx.axes
    along = normalize_axis(ctx.attrs["axis"], ctx.operand_types[0].rank)
    if axis is None:
        axis = ctx.demand if ctx.demand < along else ctx.demand + 1
    if axis == along:
        return None
    return [(ctx.emit([ctx.operand(0, axis)], result_types=[ctx.local_type(ctx.result_types[0], axis - (axis > along))])[0],
             axis - (axis > along))]


def _arg_op(name: str, summary: str, numpy_fn, direction: str, identity):
    return register(
        OpDef(
            f"tfc.{name}",
            summary,
            operands=("operand",),
            attributes={"axis": attr(AttrKind.INT)},
            traits=_PURE,
            infer=_infer_arg,
            reference=_arg_numpy(numpy_fn),
            lower=_lower_arg(direction, identity),
            grad=_g_not_differentiable,
            split_batch=_split_arg,
        )
    )


def _g_not_differentiable(ctx, *cotangents):
    return [None] * len(ctx.operands)


ARGMAX = _arg_op("argmax", "Index of the largest element along `axis` (first one on ties; NaN is largest).", np.argmax, "GT", lowest)
ARGMIN = _arg_op("argmin", "Index of the smallest element along `axis` (first one on ties; NaN is smallest).", np.argmin, "LT", highest)


# ---- tfc.cumsum ----------------------------------------------------------------------------------
def _infer_cumsum(ctx, operand):
    x = tensor_operand(operand)
    rules.require_dtype(x, rules.NUMERIC)
    if x.rank is not None:
        if x.rank == 0:
            raise ShapeError("operand must have rank at least 1")
        normalize_axis(int_attr(ctx, "axis"), x.rank)
    return x


def _cumsum_numpy(ctx, x):
    axis = normalize_axis(ctx.attrs["axis"], x.ndim)
    reverse, exclusive = ctx.attrs.get("reverse", False), ctx.attrs.get("exclusive", False)
    work = np.flip(x, axis) if reverse else x
    total = np.cumsum(work.astype(accumulation_dtype(x.dtype)), axis=axis)
    if exclusive:
        shifted = np.zeros_like(total)
        head = [slice(None)] * x.ndim
        tail = [slice(None)] * x.ndim
        head[axis], tail[axis] = slice(1, None), slice(None, -1)
        shifted[tuple(head)] = total[tuple(tail)]
        total = shifted
    return (np.flip(total, axis) if reverse else total).astype(x.dtype)


def _lower_cumsum(ctx, x):
    """A reduce_window whose window spans the whole axis, padded so position i sees elements 0..i."""
    t = ctx.operand_types[0]
    if 0 in t.shape:
        return x
    axis = normalize_axis(ctx.attrs["axis"], t.rank)
    n = t.shape[axis]
    before, after = (n, -1) if ctx.attrs.get("exclusive", False) else (n - 1, 0)
    if ctx.attrs.get("reverse", False):
        before, after = after, before
    window = [n if i == axis else 1 for i in range(t.rank)]
    pairs = [(before, after) if i == axis else (0, 0) for i in range(t.rank)]
    op = ctx.hlo.ReduceWindowOp(
        [ctx.result_type],
        [x],
        [_scalar(ctx, t.dtype, 0)],
        ctx.i64_array(window),
        window_strides=ctx.i64_array([1] * t.rank),
        padding=padding_attr(ctx, pairs),
    )
    _combine(ctx, _MONOIDS["sum"], t.dtype, op.body)
    return op.result


def _g_cumsum(ctx, g):
    """The transpose of a running sum is the running sum the other way, inclusive or exclusive alike."""
    a = ctx.attrs
    attrs = {"axis": a["axis"], "reverse": not a.get("reverse", False), "exclusive": a.get("exclusive", False)}
    return [ctx.api.emit("tfc.cumsum", [g], attrs)]


CUMSUM = register(
    OpDef(
        "tfc.cumsum",
        "Running sum along `axis` (inclusive unless `exclusive`; from the end when `reverse`).",
        operands=("operand",),
        attributes={"axis": attr(AttrKind.INT), "reverse": optional(AttrKind.BOOL, False), "exclusive": optional(AttrKind.BOOL, False)},
        traits=_PURE,
        infer=_infer_cumsum,
        reference=_cumsum_numpy,
        lower=_lower_cumsum,
        grad=_g_cumsum,
        split_batch=_split_same_axis(lambda ctx, axis: axis != normalize_axis(ctx.attrs["axis"], ctx.operand_types[0].rank)),
    )
)


# ---- tfc.sort ------------------------------------------------------------------------------------
def _infer_sort(ctx, *operands):
    if not operands:
        raise ShapeError("needs at least one operand (the keys)")
    types = [tensor_operand(t, f"operand #{i}") for i, t in enumerate(operands)]
    if types[0].dtype.is_complex:
        raise ShapeError(f"keys (operand #0) must be real, got {types[0].dtype.value}")
    shape = None
    for t in types:
        shape = rules.merge_shapes(shape, t.shape)
    if shape is not None:
        if len(shape) == 0:
            raise ShapeError("operands must have rank at least 1")
        normalize_axis(int_attr(ctx, "dimension"), len(shape), "dimension")
    return [t.with_shape(shape) for t in types]


def _sort_order(keys: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable permutation along ``axis``: NaNs last ascending (first descending); -0.0 equals 0.0."""
    if keys.dtype == DType.bf16.numpy or keys.dtype == np.float16:
        keys = keys.astype(np.float32)
    if not descending:
        return np.argsort(keys, axis=axis, kind="stable")
    n = keys.shape[axis]
    backwards = np.argsort(np.flip(keys, axis), axis=axis, kind="stable")
    return n - 1 - np.flip(backwards, axis)  # reverse order, equal keys still in original order


def _sort_numpy(ctx, *xs):
    axis = normalize_axis(ctx.attrs["dimension"], xs[0].ndim, "dimension")
    order = _sort_order(xs[0], axis, ctx.attrs.get("descending", False))
    return tuple(np.take_along_axis(x, order, axis) for x in xs)


def _sort_key(ctx, x, dtype: DType):
    """Floats with -0.0 made 0.0 and every NaN made one positive NaN, so TOTALORDER ties them."""
    if not dtype.is_float:
        return x
    hlo = ctx.hlo
    zero = _scalar(ctx, dtype, 0)
    x = hlo.SelectOp(compare(ctx, x, zero, "EQ", "FLOAT"), zero, x).result
    return hlo.SelectOp(compare(ctx, x, x, "NE", "FLOAT"), _scalar(ctx, dtype, np.nan), x).result


def _lower_sort(ctx, *xs):
    ir, hlo = ctx.ir, ctx.hlo
    types = ctx.operand_types
    axis = normalize_axis(ctx.attrs["dimension"], types[0].rank, "dimension")
    op = hlo.SortOp(
        ctx.result_types,
        list(xs),
        dimension=ir.IntegerAttr.get(ir.IntegerType.get_signless(64), axis),
        is_stable=ir.BoolAttr.get(bool(ctx.attrs.get("is_stable", False))),
    )
    scalars = [ir.RankedTensorType.get([], ctx.element_type(t.dtype)) for t in types]
    block = op.comparator.blocks.append(*[s for s in scalars for _ in (0, 1)])
    key = types[0].dtype
    with ir.InsertionPoint(block):
        a, b = (_sort_key(ctx, v, key) for v in block.arguments[:2])
        kind = "TOTALORDER" if key.is_float else compare_type(key)
        direction = "GT" if ctx.attrs.get("descending", False) else "LT"
        hlo.ReturnOp([compare(ctx, a, b, direction, kind)])
    return list(op.results)


def _g_sort(ctx, *cotangents):
    """Each operand's cotangent is its result's cotangent sent back through the sorting permutation,
    which a second sort of the keys with an iota payload recovers."""
    api, keys = ctx.api, ctx.operands[0]
    axis = normalize_axis(ctx.attrs["dimension"], keys.ndim, "dimension")
    index_type = TensorType(DType.i32, keys.shape)
    iota = api.emit("tfc.iota", [], {"iota_dimension": axis}, [index_type])
    attrs = {k: ctx.attrs[k] for k in ("dimension", "descending", "is_stable") if k in ctx.attrs}
    sort = keys.trace.emit("tfc.sort", [keys.value, iota.value], attrs)
    order = type(keys)(sort.results[1], keys.trace)  # order[..., i, ...]: where sorted element i came from
    coordinates = []
    for d in range(keys.ndim):
        c = order if d == axis else api.emit("tfc.iota", [], {"iota_dimension": d}, [index_type])
        coordinates.append(api.expand_dims(c, -1))
    indices = api.concatenate(coordinates, -1)
    attrs = {"update_window_dims": (), "inserted_window_dims": tuple(range(keys.ndim)),
             "scatter_dims_to_operand_dims": tuple(range(keys.ndim)), "index_vector_dim": keys.ndim, "kind": "add"}
    grads = []
    for x, g in zip(ctx.operands, cotangents):
        differentiable = x.dtype.is_inexact and g is not None
        grads.append(api.emit("tfc.scatter", [api.zeros_like(x), indices, g], attrs) if differentiable else None)
    return grads


SORT = register(
    OpDef(
        "tfc.sort",
        "Sorts all operands along `dimension` by the first (the keys); floats in total order, NaNs last.",
        operands=("operands*",),
        results=("results*",),
        attributes={"dimension": attr(AttrKind.INT), "descending": optional(AttrKind.BOOL, False), "is_stable": optional(AttrKind.BOOL, False)},
        traits=_PURE,
        infer=_infer_sort,
        reference=_sort_numpy,
        lower=_lower_sort,
        grad=_g_sort,
        split_batch=_split_same_axis(lambda ctx, axis: axis != normalize_axis(ctx.attrs["dimension"], ctx.operand_types[0].rank, "dimension")),
    )
)
