"""Core ops that move elements without computing on them: broadcast, reshape, transpose, reverse,
slices, pad, concatenate and iota (gather and scatter are in gather_scatter.py), and those of
shapes known only at run time: get_dimension_size, dynamic_reshape and real_dynamic_slice.

They follow StableHLO semantics exactly (dimension lists are non-negative and in range; dynamic
start indices are clamped so windows stay in bounds; out-of-bounds scatter windows are skipped), so
the numpy reference, XLA and the tracer agree on every corner case.
"""

from __future__ import annotations

import numpy as np

from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, lookup, register
from ..types import DType, TensorType
from . import rules
from .rules import declared, shape_text, tensor_operand


# split_batch hooks (the shard-batch pass, passes/shard_batch.py): where a batch-split operand's
# axis goes. Ops that keep dimensions in place keep the split where they leave that axis alone.
def _split_in_place(untouched, attrs=None):
    """A split axis the op leaves alone (``untouched(ctx, axis)``) stays split; operands of the
    result's rank follow it, scalars stay whole. ``attrs(ctx, axis)``: the op's attributes on slices."""

    def split(ctx):
        axis = ctx.demand if ctx.demand is not None else next((a for a in ctx.axes if a is not None), None)
        if axis is None or not untouched(ctx, axis):
            return None
        rank = ctx.result_types[0].rank
        operands = [ctx.operand(i, axis if t.rank == rank else None) for i, t in enumerate(ctx.operand_types)]
        return [(v, axis) for v in ctx.emit(operands, None if attrs is None else attrs(ctx, axis))]

    return split


def _split_broadcast_in_dim(ctx):
    """The split dimension lands where broadcast_dimensions maps it; asked to split a new (or size-1)
    dimension, the broadcast just makes the local size."""
    (axis,) = ctx.axes
    dims, source = ctx.attrs["broadcast_dimensions"], ctx.operand_types[0]
    target = dims[axis] if axis is not None else ctx.demand
    if axis is None and target in dims and source.shape[dims.index(target)] != 1:
        axis = dims.index(target)
    out = ctx.local_type(ctx.result_types[0], target)
    return [(ctx.emit([ctx.operand(0, axis)], result_types=[out])[0], target)]


def _reshape_axis(source, target, axis: int, replicas: int):
    """The dimension of ``target`` whose slices are ``source``'s slices along ``axis``: the same
    elements precede it, and it divides among the replicas (None when there is none)."""
    before = int(np.prod(source[:axis], dtype=np.int64))
    for k, n in enumerate(target):
        if int(np.prod(target[:k], dtype=np.int64)) == before and n % replicas == 0 and (n > 1 or replicas == 1):
            return k
    return None


def _split_reshape(ctx):
    source, target = ctx.operand_types[0].shape, ctx.result_types[0].shape
    (axis,) = ctx.axes
    if axis is None:
        out, axis = ctx.demand, _reshape_axis(target, source, ctx.demand, ctx.replicas)
        if axis is None or _reshape_axis(source, target, axis, ctx.replicas) != out:
            return None
    else:
        out = _reshape_axis(source, target, axis, ctx.replicas)
    if out is None or source[axis] % ctx.replicas:
        return None
    result = ctx.local_type(ctx.result_types[0], out)
    return [(ctx.emit([ctx.operand(0, axis)], result_types=[result])[0], out)]


def _split_transpose(ctx):
    perm = list(ctx.attrs["permutation"])
    (axis,) = ctx.axes
    axis = perm[ctx.demand] if axis is None else axis
    return [(ctx.emit([ctx.operand(0, axis)])[0], perm.index(axis))]


# ---- broadcast_in_dim, reshape, transpose, reverse -----------------------------------------------
def _infer_broadcast_in_dim(ctx, x):
    x = tensor_operand(x)
    out = declared(ctx)
    rules.require_same_dtype(out, x, "result")
    dims = ctx.attrs["broadcast_dimensions"]
    rules.check_length(dims, x.rank, "broadcast_dimensions")
    rules.unique_in_range(dims, out.rank, "broadcast_dimensions")
    if x.shape is None or out.shape is None:
        return out
    for i, d in enumerate(dims):
        have, want = x.shape[i], out.shape[d]
        if have not in (1, None) and want is not None and have != want:
            raise ShapeError(
                f"operand dimension {i} (size {have}) maps to result dimension {d} (size {want}): sizes must match or be 1"
            )
    return out


def _broadcast_in_dim(ctx, x):
    return _broadcast_to(x, ctx.attrs["broadcast_dimensions"], ctx.result_type.shape)


def _broadcast_to(x, dims, shape):
    """``x`` with operand dim i placed at result dim ``dims[i]``, broadcast to ``shape``."""
    order = np.argsort(dims, kind="stable")
    x = np.transpose(x, order)
    expanded = [1] * len(shape)
    for axis, d in enumerate(sorted(dims)):
        expanded[d] = x.shape[axis]
    return np.broadcast_to(x.reshape(expanded), shape).copy()


# Gradient rules: ``grad(ctx, g)`` returns one cotangent per operand, of exactly the operand's type
# (None: zero or not differentiable); they are written in core ops through ``ctx.api``.
def _g_broadcast_in_dim(ctx, g):
    """Sum over the new dimensions and over size-1 dimensions that were expanded, then restore the operand's layout."""
    api, x = ctx.api, ctx.operand_types[0]
    dims = ctx.attrs["broadcast_dimensions"]
    expanded = {d for i, d in enumerate(dims) if x.shape[i] == 1 and g.shape[d] != 1}
    summed = tuple(d for d in range(g.ndim) if d not in dims or d in expanded)
    if summed:
        g = api.sum(g, summed)
    kept = sorted(d for d in dims if d not in expanded)  # the remaining dimensions of g, in order
    g = api.transpose(g, [kept.index(d) for d in dims if d not in expanded])
    return [api.reshape(g, x.shape)]


BROADCAST_IN_DIM = register(
    OpDef(
        "tfc.broadcast_in_dim",
        "Broadcasts to the declared shape; operand dim i becomes result dim broadcast_dimensions[i].",
        operands=("operand",),
        attributes={"broadcast_dimensions": attr(AttrKind.INTS)},
        traits=rules.PURE,
        infer=_infer_broadcast_in_dim,
        reference=_broadcast_in_dim,
        lower=lambda ctx, x: ctx.hlo.BroadcastInDimOp(ctx.result_type, x, *rules.i64_attrs(ctx, "broadcast_dimensions")).result,
        grad=_g_broadcast_in_dim,
        split_batch=_split_broadcast_in_dim,
    )
)


def _infer_reshape(ctx, x):
    x = tensor_operand(x)
    out = declared(ctx)
    rules.require_same_dtype(out, x, "result")
    if x.is_static and out.is_static and x.num_elements != out.num_elements:
        raise ShapeError(
            f"cannot reshape {shape_text(x.shape)} ({x.num_elements} elements) to "
            f"{shape_text(out.shape)} ({out.num_elements} elements): element counts differ"
        )
    return out


def _g_reshape(ctx, g):
    return [ctx.api.reshape(g, ctx.operand_types[0].shape)]


RESHAPE = register(
    OpDef(
        "tfc.reshape",
        "Same elements in row-major order, declared shape.",
        operands=("operand",),
        traits=rules.PURE,
        infer=_infer_reshape,
        reference=lambda ctx, x: x.reshape([-1 if d is None else d for d in ctx.result_type.shape]),
        lower=lambda ctx, x: ctx.hlo.ReshapeOp(ctx.result_type, x).result,
        grad=_g_reshape,
        split_batch=_split_reshape,
    )
)


def _infer_transpose(ctx, x):
    x = tensor_operand(x)
    perm = ctx.attrs["permutation"]
    rank = len(perm) if x.rank is None else x.rank
    if sorted(perm) != list(range(rank)):
        raise ShapeError(f"permutation {list(perm)} is not a permutation of 0..{rank - 1}")
    if x.shape is None:
        return x.with_shape([None] * rank)
    return x.with_shape([x.shape[p] for p in perm])


def _g_transpose(ctx, g):
    return [ctx.api.transpose(g, [int(i) for i in np.argsort(ctx.attrs["permutation"])])]


TRANSPOSE = register(
    OpDef(
        "tfc.transpose",
        "Permutes dimensions: result dim i is operand dim permutation[i].",
        operands=("operand",),
        attributes={"permutation": attr(AttrKind.INTS)},
        traits=rules.PURE,
        infer=_infer_transpose,
        reference=lambda ctx, x: np.transpose(x, ctx.attrs["permutation"]),
        lower=lambda ctx, x: ctx.hlo.TransposeOp(x, *rules.i64_attrs(ctx, "permutation"), results=[ctx.result_type]).result,
        grad=_g_transpose,
        split_batch=_split_transpose,
    )
)


def _infer_reverse(ctx, x):
    x = tensor_operand(x)
    rules.unique_in_range(ctx.attrs["dimensions"], x.rank, "dimensions")
    return x


def _g_reverse(ctx, g):
    return [ctx.api.emit("tfc.reverse", [g], {"dimensions": ctx.attrs["dimensions"]})]


REVERSE = register(
    OpDef(
        "tfc.reverse",
        "Reverses the order of elements along the given dimensions.",
        operands=("operand",),
        attributes={"dimensions": attr(AttrKind.INTS)},
        traits=rules.PURE,
        infer=_infer_reverse,
        reference=lambda ctx, x: np.flip(x, axis=tuple(ctx.attrs["dimensions"])).copy(),
        lower=lambda ctx, x: ctx.hlo.ReverseOp(x, *rules.i64_attrs(ctx, "dimensions"), results=[ctx.result_type]).result,
        grad=_g_reverse,
        split_batch=_split_in_place(lambda ctx, axis: axis not in ctx.attrs["dimensions"]),
    )
)


# ---- slice, dynamic_slice, dynamic_update_slice --------------------------------------------------
_SLICE_ATTRS = ("start_indices", "limit_indices", "strides")


def _infer_slice(ctx, x):
    x = tensor_operand(x)
    starts, limits, strides = (ctx.attrs[k] for k in _SLICE_ATTRS)
    rank = len(starts) if x.rank is None else x.rank
    for values, what in zip((starts, limits, strides), _SLICE_ATTRS):
        rules.check_length(values, rank, what)
    shape = []
    for d, (start, limit, stride) in enumerate(zip(starts, limits, strides)):
        dim = None if x.shape is None else x.shape[d]
        if stride <= 0:
            raise ShapeError(f"strides must be positive, got {stride} in dimension {d}")
        if not (0 <= start <= limit and rules.fits(limit, dim)):
            raise ShapeError(
                f"slice [{start}:{limit}] of dimension {d} (size {'?' if dim is None else dim}) "
                "needs 0 <= start <= limit <= size"
            )
        shape.append(-(-(limit - start) // stride))
    return x.with_shape(shape)


def _slice(ctx, x):
    return x[tuple(slice(*s) for s in zip(*(ctx.attrs[k] for k in _SLICE_ATTRS)))]


def _dilated(size: int, stride: int) -> int:
    return 0 if size == 0 else (size - 1) * stride + 1


def _g_slice(ctx, g):
    """Zeros with the cotangent at the sliced positions: pad with stride - 1 holes between elements."""
    api, x = ctx.api, ctx.operand_types[0]
    starts, _, strides = (ctx.attrs[k] for k in _SLICE_ATTRS)
    high = [n - s - _dilated(m, st) for n, s, m, st in zip(x.shape, starts, g.shape, strides)]
    attrs = {"edge_padding_low": starts, "edge_padding_high": tuple(high), "interior_padding": tuple(s - 1 for s in strides)}
    return [api.emit("tfc.pad", [g, api.astype(0, g.dtype)], attrs)]


def _whole_along(ctx, axis: int) -> bool:
    starts, limits, strides = (ctx.attrs[k] for k in _SLICE_ATTRS)
    return starts[axis] == 0 and strides[axis] == 1 and limits[axis] == ctx.operand_types[0].shape[axis]


def _local_slice(ctx, axis: int) -> dict:
    limits = list(ctx.attrs["limit_indices"])
    limits[axis] //= ctx.replicas
    return {"start_indices": ctx.attrs["start_indices"], "limit_indices": tuple(limits), "strides": ctx.attrs["strides"]}

SLICE = register(
    OpDef(
        "tfc.slice",
        "Static strided slice [start:limit:stride] in every dimension.",
        operands=("operand",),
        attributes={name: attr(AttrKind.INTS) for name in _SLICE_ATTRS},
        traits=rules.PURE,
        infer=_infer_slice,
        reference=_slice,
        lower=lambda ctx, x: ctx.hlo.SliceOp(x, *rules.i64_attrs(ctx, *_SLICE_ATTRS), results=[ctx.result_type]).result,
        grad=_g_slice,
        split_batch=_split_in_place(_whole_along, _local_slice),
    )
)


def _check_start_indices(starts, rank) -> None:
    """One rank-0 integer tensor per operand dimension, all of one element type."""
    if rank is not None and len(starts) != rank:
        raise ShapeError(f"expects one start index per operand dimension ({rank}), got {len(starts)}")
    for i, t in enumerate(starts):
        t = rules.index_operand(t, f"start index #{i}")
        if t.rank not in (0, None):
            raise ShapeError(f"start index #{i} must be a rank-0 tensor, got {t}")
        if t.dtype != starts[0].dtype:
            raise ShapeError(f"start indices must share one element type, got {starts[0].dtype.value} and {t.dtype.value}")


def _clamped_starts(starts, shape, sizes) -> list[int]:
    """XLA clamps each start into [0, dim - size] so the window stays inside the operand."""
    return [int(np.clip(rules.as_int64(np.asarray(s)), 0, dim - size)) for s, dim, size in zip(starts, shape, sizes)]


def _infer_dynamic_slice(ctx, x, *starts):
    x = tensor_operand(x)
    sizes = ctx.attrs["slice_sizes"]
    rules.check_length(sizes, x.rank, "slice_sizes")
    _check_start_indices(starts, len(sizes))
    for d, size in enumerate(sizes):
        rules.check_size(f"slice_sizes[{d}]", size, None if x.shape is None else x.shape[d])
    return x.with_shape(sizes)


def _dynamic_slice(ctx, x, *starts):
    sizes = ctx.attrs["slice_sizes"]
    begin = _clamped_starts(starts, x.shape, sizes)
    return x[tuple(slice(b, b + s) for b, s in zip(begin, sizes))]


def _g_dynamic_slice(ctx, g):
    api, (x, *starts) = ctx.api, ctx.operands
    return [api.emit("tfc.dynamic_update_slice", [api.zeros_like(x), g, *starts])] + [None] * len(starts)


DYNAMIC_SLICE = register(
    OpDef(
        "tfc.dynamic_slice",
        "Slice of static size at run-time start indices (clamped so it stays in bounds).",
        operands=("operand", "start_indices*"),
        attributes={"slice_sizes": attr(AttrKind.INTS)},
        traits=rules.PURE,
        infer=_infer_dynamic_slice,
        reference=_dynamic_slice,
        lower=lambda ctx, x, *starts: ctx.hlo.DynamicSliceOp(x, starts, *rules.i64_attrs(ctx, "slice_sizes"), results=[ctx.result_type]).result,
        grad=_g_dynamic_slice,
    )
)


def _infer_dynamic_update_slice(ctx, x, update, *starts):
    x = tensor_operand(x)
    update = tensor_operand(update, "update")
    rules.require_same_dtype(update, x, "update")
    if x.rank is not None and update.rank is not None:
        if x.rank != update.rank:
            raise ShapeError(f"update rank {update.rank} must equal operand rank {x.rank}")
        for d, (u, o) in enumerate(zip(update.shape, x.shape)):
            if u is not None and not rules.fits(u, o):
                raise ShapeError(f"update dimension {d} (size {u}) is larger than the operand's ({o})")
    _check_start_indices(starts, x.rank if x.rank is not None else update.rank)
    return x


def _dynamic_update_slice(ctx, x, update, *starts):
    begin = _clamped_starts(starts, x.shape, update.shape)
    out = x.copy()
    out[tuple(slice(b, b + s) for b, s in zip(begin, update.shape))] = update
    return out


def _g_dynamic_update_slice(ctx, g):
    """The operand gets the cotangent outside the (clamped) window, the update the window itself."""
    api, (_, update, *starts) = ctx.api, ctx.operands
    g_x = api.emit("tfc.dynamic_update_slice", [g, api.zeros_like(update), *starts])
    g_update = api.emit("tfc.dynamic_slice", [g, *starts], {"slice_sizes": update.shape})
    return [g_x, g_update] + [None] * len(starts)


DYNAMIC_UPDATE_SLICE = register(
    OpDef(
        "tfc.dynamic_update_slice",
        "Operand with update written at run-time start indices (clamped so it stays in bounds).",
        operands=("operand", "update", "start_indices*"),
        traits=rules.PURE,
        infer=_infer_dynamic_update_slice,
        reference=_dynamic_update_slice,
        lower=lambda ctx, x, u, *starts: ctx.hlo.DynamicUpdateSliceOp(x, u, starts, results=[ctx.result_type]).result,
        grad=_g_dynamic_update_slice,
    )
)


# ---- pad, concatenate, iota ----------------------------------------------------------------------
_PAD_ATTRS = ("edge_padding_low", "edge_padding_high", "interior_padding")


def _padded_size(dim, low, high, interior):
    if dim is None:
        return None
    return low + high + dim + max(dim - 1, 0) * interior


def _infer_pad(ctx, x, value):
    x = tensor_operand(x)
    value = tensor_operand(value, "padding_value")
    rules.require_same_dtype(value, x, "padding_value")
    if value.rank not in (0, None):
        raise ShapeError(f"padding_value must be a rank-0 tensor, got {value}")
    low, high, interior = (ctx.attrs[k] for k in _PAD_ATTRS)
    rank = len(low) if x.rank is None else x.rank
    for values, what in zip((low, high, interior), _PAD_ATTRS):
        rules.check_length(values, rank, what)
    if any(i < 0 for i in interior):
        raise ShapeError(f"interior_padding {list(interior)} must be non-negative")
    dims = [None] * rank if x.shape is None else x.shape
    shape = [_padded_size(*p) for p in zip(dims, low, high, interior)]
    if any(d is not None and d < 0 for d in shape):
        raise ShapeError(f"padding gives a negative result size {shape_text(shape)}")
    return x.with_shape(shape)


def _pad(ctx, x, value):
    low, high, interior = (ctx.attrs[k] for k in _PAD_ATTRS)
    shape = [_padded_size(*p) for p in zip(x.shape, low, high, interior)]
    out = np.full(shape, value, dtype=x.dtype)
    source, target = [], []
    for d, n in enumerate(x.shape):
        position = low[d] + np.arange(n) * (interior[d] + 1)
        keep = (position >= 0) & (position < shape[d])  # negative edge padding drops elements
        source.append(np.nonzero(keep)[0])
        target.append(position[keep])
    out[np.ix_(*target)] = x[np.ix_(*source)]
    return out


def _g_pad(ctx, g):
    """Undo the edge padding (negative padding comes back as zeros), then take every (interior+1)-th element;
    the padding value gets everything else."""
    api = ctx.api
    low, high, interior = (ctx.attrs[k] for k in _PAD_ATTRS)
    zero = api.astype(0, g.dtype)
    unpadded = api.emit("tfc.pad", [g, zero], {
        "edge_padding_low": tuple(-v for v in low), "edge_padding_high": tuple(-v for v in high), "interior_padding": (0,) * g.ndim,
    })
    g_x = api.emit("tfc.slice", [unpadded], {
        "start_indices": (0,) * g.ndim, "limit_indices": unpadded.shape, "strides": tuple(i + 1 for i in interior),
    })
    g_value = api.subtract(api.sum(g), api.sum(g_x))
    return [g_x, g_value]


PAD = register(
    OpDef(
        "tfc.pad",
        "Edge padding (negative removes elements) and interior padding with padding_value.",
        operands=("operand", "padding_value"),
        attributes={name: attr(AttrKind.INTS) for name in _PAD_ATTRS},
        traits=rules.PURE,
        infer=_infer_pad,
        reference=_pad,
        lower=lambda ctx, x, v: ctx.hlo.PadOp(x, v, *rules.i64_attrs(ctx, *_PAD_ATTRS), results=[ctx.result_type]).result,
        grad=_g_pad,
        split_batch=_split_in_place(lambda ctx, axis: all(ctx.attrs[k][axis] == 0 for k in _PAD_ATTRS)),
    )
)


def _infer_concatenate(ctx, *inputs):
    if not inputs:
        raise ShapeError("needs at least one input")
    inputs = [tensor_operand(t, f"input #{i}") for i, t in enumerate(inputs)]
    for t in inputs[1:]:
        rules.require_same_dtype(t, inputs[0], "inputs")
    ranked = [t for t in inputs if t.shape is not None]
    if not ranked:
        return inputs[0]
    dim, rank = ctx.attrs["dimension"], ranked[0].rank
    if not 0 <= dim < rank:
        raise ShapeError(f"dimension {dim} is out of range for rank {rank}")
    others, along = None, 0
    for t in ranked:
        if t.rank != rank:
            raise ShapeError(f"inputs must have the same rank, got {rank} and {t.rank}")
        others = rules.merge_shapes(others, t.shape[:dim] + t.shape[dim + 1:])
        along = None if along is None or t.shape[dim] is None else along + t.shape[dim]
    if len(ranked) != len(inputs):
        along = None
    shape = others[:dim] + (along,) + others[dim:]
    return inputs[0].with_shape(shape)


def _g_concatenate(ctx, g):
    api, dim, grads, offset = ctx.api, ctx.attrs["dimension"], [], 0
    for t in ctx.operand_types:
        start, limit = [0] * g.ndim, list(g.shape)
        start[dim], limit[dim] = offset, offset + t.shape[dim]
        offset += t.shape[dim]
        grads.append(api.emit("tfc.slice", [g], {"start_indices": tuple(start), "limit_indices": tuple(limit), "strides": (1,) * g.ndim}))
    return grads


CONCATENATE = register(
    OpDef(
        "tfc.concatenate",
        "Joins the inputs along one dimension; the other dimensions must agree.",
        operands=("inputs*",),
        attributes={"dimension": attr(AttrKind.INT)},
        traits=rules.PURE,
        infer=_infer_concatenate,
        reference=lambda ctx, *xs: np.concatenate(xs, axis=ctx.attrs["dimension"]),
        lower=lambda ctx, *xs: ctx.hlo.ConcatenateOp(xs, ctx.attrs["dimension"], results=[ctx.result_type]).result,
        grad=_g_concatenate,
        split_batch=_split_in_place(lambda ctx, axis: axis != ctx.attrs["dimension"]),
    )
)


def _infer_iota(ctx):
    out = declared(ctx)
    if out.dtype is DType.bool:
        raise ShapeError("result must have a numeric element type, got i1")
    dim = ctx.attrs["iota_dimension"]
    if out.rank is not None and not 0 <= dim < out.rank:
        raise ShapeError(f"iota_dimension {dim} is out of range for rank {out.rank}")
    return out


def _iota(ctx):
    shape, dim = ctx.result_type.shape, ctx.attrs["iota_dimension"]
    line = np.arange(shape[dim]).reshape([-1 if d == dim else 1 for d in range(len(shape))])
    return np.broadcast_to(line, shape).astype(ctx.result_type.dtype.numpy)


def _g_iota(ctx, g):
    return []


IOTA = register(
    OpDef(
        "tfc.iota",
        "0, 1, 2, ... along iota_dimension, repeated along the others; declared shape.",
        attributes={"iota_dimension": attr(AttrKind.INT)},
        traits=rules.PURE,
        infer=_infer_iota,
        reference=_iota,
        lower=lambda ctx: ctx.hlo.IotaOp(ctx.result_type, ctx.attrs["iota_dimension"]).result,
        grad=_g_iota,
    )
)


# ---- shapes known only at run time: get_dimension_size, dynamic_reshape, real_dynamic_slice --------
# A traced function with a ``None`` dim in its input_signature records these where a size depends on
# that dim; ``tfc.saved_model``'s loader folds them once a call gives the shapes (saved_model/specialize.py).
def _constant_value(value):
    """The array of a constant-like op's result (``tfc.constant``), else None."""
    owner = getattr(value, "op", None)
    opdef = None if owner is None else lookup(owner.name)
    if opdef is None or not opdef.has(Trait.CONSTANT_LIKE):
        return None
    found = owner.attr("value")
    return found if isinstance(found, np.ndarray) else None


def _infer_get_dimension_size(ctx, x):
    x = tensor_operand(x)
    dim = ctx.attrs["dimension"]
    if dim < 0 or (x.rank is not None and dim >= x.rank):
        raise ShapeError(f"dimension {dim} is out of range for {x}")
    return TensorType(DType.i32, ())


GET_DIMENSION_SIZE = register(
    OpDef(
        "tfc.get_dimension_size",
        "The size of the operand's dimension ``dimension``, as an i32 scalar (StableHLO's get_dimension_size): "
        "how a program traced with an unknown (?) dim counts along it.",
        operands=("operand",),
        attributes={"dimension": attr(AttrKind.INT)},
        traits=rules.PURE,
        infer=_infer_get_dimension_size,
        reference=lambda ctx, x: np.array(x.shape[ctx.attrs["dimension"]], np.int32),
        lower=lambda ctx, x: ctx.hlo.GetDimensionSizeOp(x, ctx.attrs["dimension"], results=[ctx.result_type]).result,
        grad=lambda ctx, g: [None],
    )
)


def _shape_vector(t, rank, what: str):
    """A 1-D integer tensor of ``rank`` entries (rank None: any length)."""
    t = rules.index_operand(t, what)
    if t.rank != 1 or (rank is not None and t.shape[0] not in (None, rank)):
        raise ShapeError(f"{what} must be a 1-D integer tensor of {'its' if rank is None else rank} entries, got {t}")
    return t


def _infer_dynamic_reshape(ctx, x, shape):
    x = tensor_operand(x)
    out = declared(ctx)
    rules.require_same_dtype(out, x, "result")
    _shape_vector(shape, out.rank, "output_shape")
    value = ctx.constant(1)
    if value is not None:  # a constant shape: the result is static
        out = out.with_shape(rules.merge_shapes(out.shape, tuple(int(d) for d in value)))
    if x.is_static and out.is_static and x.num_elements != out.num_elements:
        raise ShapeError(f"cannot reshape {shape_text(x.shape)} ({x.num_elements} elements) to {shape_text(out.shape)}: element counts differ")
    return out


def _g_dynamic_reshape(ctx, g):
    x = ctx.operands[0]
    return [ctx.api.reshape(g, x.shape) if None not in x.shape else ctx.api.emit("tfc.dynamic_reshape", [g, ctx.api.shape_tensor(x)],
                                                                                    result_types=[x.type]), None]


def _lower_dynamic_reshape(ctx, x, shape):
    if ctx.result_tfc_types[0].is_static:
        return ctx.hlo.ReshapeOp(ctx.result_type, x).result
    return ctx.hlo.DynamicReshapeOp(ctx.result_type, x, shape).result


DYNAMIC_RESHAPE = register(
    OpDef(
        "tfc.dynamic_reshape",
        "Same elements in row-major order, in the shape the 1-D integer tensor output_shape holds "
        "(StableHLO's dynamic_reshape); the declared result may have ? dims.",
        operands=("operand", "output_shape"),
        traits=rules.PURE,
        infer=_infer_dynamic_reshape,
        reference=lambda ctx, x, shape: x.reshape(tuple(int(d) for d in shape)),
        lower=_lower_dynamic_reshape,
        grad=_g_dynamic_reshape,
    )
)


_REAL_SLICE_OPERANDS = ("start_indices", "limit_indices", "strides")


def _infer_real_dynamic_slice(ctx, x, *bounds):
    x = tensor_operand(x)
    out = declared(ctx)
    rules.require_same_dtype(out, x, "result")
    if out.rank is not None and x.rank is not None and out.rank != x.rank:
        raise ShapeError(f"result rank {out.rank} must equal the operand rank {x.rank}")
    for t, what in zip(bounds, _REAL_SLICE_OPERANDS):
        _shape_vector(t, x.rank, what)
    values = [ctx.constant(i + 1) for i in range(3)]
    if all(v is not None for v in values) and x.shape is not None:  # constant bounds: a static slice
        shape = []
        for d, (start, limit, stride) in enumerate(zip(*values)):
            if stride <= 0 or not (0 <= start <= limit and rules.fits(int(limit), x.shape[d])):
                raise ShapeError(f"slice [{start}:{limit}:{stride}] of dimension {d} (size {'?' if x.shape[d] is None else x.shape[d]}) "
                                 "needs 0 <= start <= limit <= size and a positive stride")
            shape.append(-(-(int(limit) - int(start)) // int(stride)))
        out = out.with_shape(rules.merge_shapes(out.shape, tuple(shape)))
    return out


def _real_dynamic_slice(ctx, x, starts, limits, strides):
    return x[tuple(slice(int(a), int(b), int(s)) for a, b, s in zip(starts, limits, strides))]


def _g_real_dynamic_slice(ctx, g):
    """Zeros with the cotangent at the sliced positions: a scatter-free pad needs static bounds, so this
    rule asks for them (a function differentiated with unknown dims is traced at its concrete shape)."""
    api, x = ctx.api, ctx.operand_types[0]
    bounds = [_constant_value(v) for v in ctx.op.operands[1:]]
    if any(b is None for b in bounds) or not x.is_static:
        raise ShapeError("the gradient of tfc.real_dynamic_slice needs constant bounds and a static operand")
    starts, _, strides = (tuple(int(v) for v in b) for b in bounds)
    high = [n - s - _dilated(m, st) for n, s, m, st in zip(x.shape, starts, g.shape, strides)]
    attrs = {"edge_padding_low": starts, "edge_padding_high": tuple(high), "interior_padding": tuple(s - 1 for s in strides)}
    return [api.emit("tfc.pad", [g, api.astype(0, g.dtype)], attrs), None, None, None]


def _lower_real_dynamic_slice(ctx, x, *bounds):
    """A static ``stablehlo.slice`` when the bounds are constants (XLA translates no other form)."""
    values = [_constant_value(v) for v in ctx.op.operands[1:]]
    if any(v is None for v in values):
        return ctx.hlo.RealDynamicSliceOp(ctx.result_type, x, *bounds).result
    return ctx.hlo.SliceOp(x, *(ctx.i64_array(v) for v in values), results=[ctx.result_type]).result


REAL_DYNAMIC_SLICE = register(
    OpDef(
        "tfc.real_dynamic_slice",
        "Strided slice [start:limit:stride] per dimension with bounds in 1-D integer tensors (StableHLO's "
        "real_dynamic_slice): slicing a ? dim; the declared result may have ? dims.",
        operands=("operand", *_REAL_SLICE_OPERANDS),
        traits=rules.PURE,
        infer=_infer_real_dynamic_slice,
        reference=_real_dynamic_slice,
        lower=_lower_real_dynamic_slice,
        grad=_g_real_dynamic_slice,
    )
)


def _infer_dynamic_iota(ctx, shape):
    out = declared(ctx)
    _shape_vector(shape, out.rank, "output_shape")
    if out.dtype is DType.bool:
        raise ShapeError("result must have a numeric element type, got i1")
    dim = ctx.attrs["iota_dimension"]
    if out.rank is not None and not 0 <= dim < out.rank:
        raise ShapeError(f"iota_dimension {dim} is out of range for rank {out.rank}")
    value = ctx.constant(0)
    return out if value is None else out.with_shape(rules.merge_shapes(out.shape, tuple(int(d) for d in value)))


def _dynamic_iota(ctx, shape):
    shape, dim = tuple(int(d) for d in shape), ctx.attrs["iota_dimension"]
    line = np.arange(shape[dim]).reshape([-1 if d == dim else 1 for d in range(len(shape))])
    return np.broadcast_to(line, shape).astype(ctx.result_type.dtype.numpy)


def _lower_dynamic_iota(ctx, shape):
    if ctx.result_tfc_types[0].is_static:
        return ctx.hlo.IotaOp(ctx.result_type, ctx.attrs["iota_dimension"]).result
    return ctx.hlo.DynamicIotaOp(ctx.result_type, shape, ctx.attrs["iota_dimension"]).result


DYNAMIC_IOTA = register(
    OpDef(
        "tfc.dynamic_iota",
        "0, 1, 2, ... along iota_dimension in the shape the 1-D integer tensor output_shape holds "
        "(StableHLO's dynamic_iota): coordinates along a ? dim.",
        operands=("output_shape",),
        attributes={"iota_dimension": attr(AttrKind.INT)},
        traits=rules.PURE,
        infer=_infer_dynamic_iota,
        reference=_dynamic_iota,
        lower=_lower_dynamic_iota,
        grad=lambda ctx, g: [None],
    )
)


def _infer_dynamic_broadcast_in_dim(ctx, x, shape):
    x = tensor_operand(x)
    out = declared(ctx)
    rules.require_same_dtype(out, x, "result")
    _shape_vector(shape, out.rank, "output_dimensions")
    value = ctx.constant(1)
    if value is not None:
        out = out.with_shape(rules.merge_shapes(out.shape, tuple(int(d) for d in value)))
    return _infer_broadcast_in_dim(type(ctx)(ctx.op_name, ctx.attrs, [out]), x)


def _lower_dynamic_broadcast_in_dim(ctx, x, shape):
    dims = rules.i64_attrs(ctx, "broadcast_dimensions")
    if ctx.result_tfc_types[0].is_static:
        return ctx.hlo.BroadcastInDimOp(ctx.result_type, x, *dims).result
    return ctx.hlo.DynamicBroadcastInDimOp(ctx.result_type, x, shape, *dims).result


DYNAMIC_BROADCAST_IN_DIM = register(
    OpDef(
        "tfc.dynamic_broadcast_in_dim",
        "broadcast_in_dim to the shape the 1-D integer tensor output_dimensions holds (StableHLO's "
        "dynamic_broadcast_in_dim): broadcasting to ? dims.",
        operands=("operand", "output_dimensions"),
        attributes={"broadcast_dimensions": attr(AttrKind.INTS)},
        traits=rules.PURE,
        infer=_infer_dynamic_broadcast_in_dim,
        reference=lambda ctx, x, shape: _broadcast_to(x, ctx.attrs["broadcast_dimensions"], tuple(int(d) for d in shape)),
        lower=_lower_dynamic_broadcast_in_dim,
        grad=lambda ctx, g: [_g_broadcast_in_dim(ctx, g)[0] if ctx.operand_types[0].is_static and g.type.is_static else _no_grad(ctx), None],
    )
)


def _no_grad(ctx):
    raise ShapeError(f"the gradient of {ctx.op.name} needs static shapes (differentiate the function traced at its concrete shape)")
