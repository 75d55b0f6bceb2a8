"""TensorFlow's array ops: reshape and transpose, concat/split, pack/unpack, squeeze/expand, shape
queries, fill/range/tile, pads, broadcast, and the pass-through ops.

Shape-like operands (a Reshape's shape, a Transpose's perm, paddings, multiples) must be constants,
because tfc compiles static shapes. TensorFlow graphs usually compute them at run time from other
shapes (``Reshape(x, Pack([StridedSlice(Shape(x), 0), -1]))``), so Shape/ShapeN/Size/Rank always
become constants, and legalize-tf folds every op whose operands are all constants: by the time the
Reshape is legalized, its shape operand is a constant.

Slicing, reversing and gathering (Slice, StridedSlice, ReverseV2, Gather*, Where, OneHot, TopKV2) live
in array_index.py; the helpers at the top of this file are shared with it and the other array families.
"""

from __future__ import annotations

import math

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.tensor import constant as traced_constant
from tfc.frontend.tracing import current_trace
from tfc.ops.rules import merge_shapes
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import STATIC_SHAPES_HINT, attr_dtype, require_constant, same_as_first, tf_op
from ..graphdef import tensor_type_from_attrs


# ---- helpers shared with array_index.py ----------------------------------------------------------
def static(ctx, index: int, what: str) -> np.ndarray:
    """Operand ``index``'s value; ConstantRequired (a clear error) when it is computed at run time."""
    return require_constant(ctx, index, what)


def ints(value) -> list[int]:
    return [int(v) for v in np.ravel(value)]


def scalar_int(value, what: str) -> int:
    """A 0-d or one-element integer operand (TensorFlow accepts both for axes and counts)."""
    if np.size(value) != 1:
        raise ShapeError(f"{what} must be a scalar, got shape {list(np.shape(value))}")
    return int(np.ravel(value)[0])


def axis_in(axis: int, rank: int, what: str = "axis") -> int:
    """``axis`` in [-rank, rank) made non-negative."""
    if not -rank <= axis < rank:
        raise ShapeError(f"{what} {axis} is out of range [{-rank}, {rank}) for a tensor of rank {rank}")
    return axis % rank


def vector_dims(t: TensorType):
    """Unknown dims for a result whose rank is the length of the 1-D operand ``t`` (None if not known)."""
    if t.shape is not None and len(t.shape) == 1 and t.shape[0] is not None:
        return (None,) * t.shape[0]
    return None


def unknown_dims(x: TensorType, rank_source: TensorType | None):
    """All dims unknown, the rank from ``x`` or else from the length of the 1-D ``rank_source``."""
    if x.shape is not None:
        return (None,) * len(x.shape)
    return None if rank_source is None else vector_dims(rank_source)


def shape_text(shape) -> str:
    return "[*]" if shape is None else "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def require_static(ctx, index: int, t: TensorType) -> tuple:
    """The static shape of operand ``index`` (data-dependent shapes cannot be compiled)."""
    if not t.is_static:
        raise ShapeError(f"operand #{index} has shape {shape_text(t.shape)}, which is not static: {STATIC_SHAPES_HINT}")
    return t.shape


def const(value, dtype: DType):
    """A traced constant of exactly ``dtype``."""
    return traced_constant(current_trace(), np.asarray(value, dtype.numpy), dtype)


def slice_along(x, axis: int, start: int, stop: int):
    return x[(slice(None),) * axis + (slice(start, stop),)]


# ---- Reshape, Transpose ---------------------------------------------------------------------------
def reshape_dims(shape, target) -> tuple:
    """TensorFlow's Reshape target with its -1 resolved (None where the input size is unknown)."""
    target = ints(target)
    if target.count(-1) > 1 or any(d < -1 for d in target):
        raise ShapeError(f"shape {target} may hold only non-negative sizes and at most one -1")
    if shape is None or None in shape:
        return tuple(None if d == -1 else d for d in target)
    total, known = math.prod(shape), math.prod(d for d in target if d != -1)
    if -1 in target:
        if known == 0 or total % known:
            raise ShapeError(f"cannot reshape {list(shape)} ({total} elements) to {target}: the -1 size has no integer solution")
        return tuple(total // known if d == -1 else d for d in target)
    if known != total:
        raise ShapeError(f"cannot reshape {list(shape)} ({total} elements) to {target} ({known} elements)")
    return tuple(target)


def _reshape_type(ctx, x, shape):
    target = ctx.constant(1)
    if target is None:
        return TensorType(x.dtype, vector_dims(shape))
    return x.with_shape(reshape_dims(x.shape, target))


def _reshape(ctx, x, shape):
    dims = reshape_dims(x.shape, static(ctx, 1, "the shape"))
    return tnp.reshape(x, dims)


tf_op("Reshape", _reshape_type, _reshape)


def _permutation(value, rank) -> tuple:
    perm = tuple(ints(value))
    if rank is not None and len(perm) != rank:
        raise ShapeError(f"perm {list(perm)} must have one entry per dimension of the rank-{rank} input")
    if sorted(perm) != list(range(len(perm))):
        raise ShapeError(f"perm {list(perm)} is not a permutation of 0..{len(perm) - 1}")
    return perm




def _transpose_type(ctx, x, perm):
    value = ctx.constant(1)
    if value is None:
        return TensorType(x.dtype, unknown_dims(x, perm))
    p = _permutation(value, x.rank)
    return x.with_shape((None,) * len(p) if x.shape is None else [x.shape[i] for i in p])


def _transpose(ctx, x, perm):
    p = _permutation(static(ctx, 1, "perm"), x.ndim)
    return tnp.transpose(x, p)


tf_op("Transpose", _transpose_type, _transpose, outputs=(("y", 1),))


def _invert_permutation(ctx, x):
    if x.ndim != 1:
        raise ShapeError(f"expects a 1-D permutation, got shape {list(x.shape)}")
    value = ctx.constant(0)
    if value is not None and sorted(ints(value)) != list(range(value.size)):
        raise ShapeError(f"{ints(value)} is not a permutation of 0..{value.size - 1}")
    # inverse[x[i]] = i: sorting the positions by x puts each i at x[i]. (TensorFlow rejects a run-time
    # input that is not a permutation; XLA cannot, and returns some reordering of 0..n-1.)
    positions = tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [x.type])
    op = x.trace.emit("tfc.sort", [x.value, positions.value], {"dimension": 0, "is_stable": True})
    return type(x)(op.results[1], x.trace)


tf_op("InvertPermutation", same_as_first, _invert_permutation, outputs=(("y", 1),))


# ---- ConcatV2, Concat, Split, SplitV --------------------------------------------------------------
def concat_shape(shapes, axis) -> tuple | None:
    """Inputs' shapes joined along ``axis`` (None: unknown axis); other dims must agree."""
    ranked = [s for s in shapes if s is not None]
    if not ranked:
        return None
    rank = len(ranked[0])
    if rank == 0:
        raise ShapeError("cannot concatenate scalars")
    if axis is None:
        return (None,) * rank
    axis = axis_in(axis, rank)
    others, total = None, 0
    for s in ranked:
        if len(s) != rank:
            raise ShapeError(f"inputs have ranks {rank} and {len(s)}: all must have the same rank")
        try:
            others = merge_shapes(others, s[:axis] + s[axis + 1:])
        except ShapeError:
            raise ShapeError(f"inputs {shape_text(ranked[0])} and {shape_text(s)} differ outside the concat axis {axis}") from None
        total = None if total is None or s[axis] is None else total + s[axis]
    if len(ranked) != len(shapes):
        total = None
    return others[:axis] + (total,) + others[axis:]


def _concat_type(values, axis_value):
    axis = None if axis_value is None else scalar_int(axis_value, "axis")
    return TensorType(values[0].dtype, concat_shape([t.shape for t in values], axis))


def _concat(ctx, values, axis_index: int):
    axis = axis_in(scalar_int(static(ctx, axis_index, "axis"), "axis"), values[0].ndim)
    concat_shape([v.shape for v in values], axis)  # a clear error for mismatched inputs
    return values[0] if len(values) == 1 else tnp.concatenate(list(values), axis)


tf_op("ConcatV2", lambda ctx, *ts: _concat_type(ts[:-1], ctx.constant(len(ts) - 1)), lambda ctx, *xs: _concat(ctx, xs[:-1], len(xs) - 1))
tf_op("Concat", lambda ctx, dim, *ts: _concat_type(ts, ctx.constant(0)), lambda ctx, dim, *xs: _concat(ctx, xs, 0))


def split_sizes(dim, sizes, num: int) -> list:
    """Per-output sizes along the split axis: ``sizes`` None means ``num`` equal parts (Split)."""
    if sizes is None:
        if num <= 0:
            raise ShapeError(f"num_split must be positive, got {num}")
        if dim is not None and dim % num:
            raise ShapeError(f"dimension of size {dim} cannot be split into {num} equal parts")
        return [None if dim is None else dim // num] * num
    sizes = ints(sizes)
    if len(sizes) != num:
        raise ShapeError(f"size_splits has {len(sizes)} entries but num_split is {num}")
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
        raise ShapeError(f"size_splits {sizes} may hold only non-negative sizes and at most one -1")
    known = sum(s for s in sizes if s != -1)
    if dim is None:
        return [None if s == -1 else s for s in sizes]
    if (-1 in sizes and known > dim) or (-1 not in sizes and known != dim):
        raise ShapeError(f"size_splits {sizes} do not add up to the dimension's size {dim}")
    return [dim - known if s == -1 else s for s in sizes]


def _split_types(x: TensorType, axis_value, sizes, num: int) -> list:
    if x.shape is None or axis_value is None:
        return [x.with_shape(unknown_dims(x, None))] * num
    axis = axis_in(scalar_int(axis_value, "split_dim"), len(x.shape), "split_dim")
    return [x.with_shape(x.shape[:axis] + (s,) + x.shape[axis + 1:]) for s in split_sizes(x.shape[axis], sizes, num)]


def _split(ctx, x, axis_index: int, sizes):
    axis = axis_in(scalar_int(static(ctx, axis_index, "split_dim"), "split_dim"), x.ndim, "split_dim")
    parts, start = [], 0
    for size in split_sizes(x.shape[axis], sizes, ctx.attrs["num_split"]):
        parts.append(slice_along(x, axis, start, start + size))
        start += size
    return parts


_SPLIT_OUTPUTS = (("output", lambda attrs: attrs["num_split"]),)
tf_op(
    "Split",
    lambda ctx, dim, x: _split_types(x, ctx.constant(0), None, ctx.attrs["num_split"]),
    lambda ctx, dim, x: _split(ctx, x, 0, None),
    outputs=_SPLIT_OUTPUTS,
)


def _split_v_types(ctx, x, sizes, dim):
    sizes_value = ctx.constant(1)
    if sizes_value is None:
        return [x.with_shape(unknown_dims(x, None))] * ctx.attrs["num_split"]
    return _split_types(x, ctx.constant(2), sizes_value, ctx.attrs["num_split"])


tf_op(
    "SplitV",
    _split_v_types,
    lambda ctx, x, sizes, dim: _split(ctx, x, 2, static(ctx, 1, "size_splits")),
    outputs=_SPLIT_OUTPUTS,
)


# ---- Pack, Unpack, Squeeze, ExpandDims ------------------------------------------------------------
def _pack_type(ctx, *values):
    shape = None
    for t in values:
        try:
            shape = merge_shapes(shape, t.shape)
        except ShapeError:
            raise ShapeError(f"all inputs must have the same shape, got {shape_text(values[0].shape)} and {shape_text(t.shape)}") from None
    if shape is None:
        return TensorType(values[0].dtype, None)
    axis = axis_in(ctx.attrs.get("axis", 0), len(shape) + 1)
    return TensorType(values[0].dtype, shape[:axis] + (len(values),) + shape[axis:])


def _pack(ctx, *values):
    axis = axis_in(ctx.attrs.get("axis", 0), values[0].ndim + 1)
    _pack_type(ctx, *[v.type for v in values])
    return tnp.stack(list(values), axis)


tf_op("Pack", _pack_type, _pack)


def _unpack_types(ctx, x):
    num = ctx.attrs["num"]
    if x.shape is None:
        return [TensorType(x.dtype, None)] * num
    axis = axis_in(ctx.attrs.get("axis", 0), len(x.shape))
    if x.shape[axis] not in (None, num):
        raise ShapeError(f"num = {num} but dimension {axis} of the input has size {x.shape[axis]}")
    return [x.with_shape(x.shape[:axis] + x.shape[axis + 1:])] * num


def _unpack(ctx, x):
    axis = axis_in(ctx.attrs.get("axis", 0), x.ndim)
    _unpack_types(ctx, x.type)
    index = (slice(None),) * axis
    return [x[index + (i,)] for i in range(ctx.attrs["num"])]


tf_op("Unpack", _unpack_types, _unpack, outputs=(("output", lambda attrs: attrs["num"]),))


def squeeze_shape(shape, dims) -> tuple | None:
    if shape is None:
        return None
    if not dims:
        return None if None in shape else tuple(d for d in shape if d != 1)
    axes = {axis_in(d, len(shape), "squeeze_dims entry") for d in dims}
    for a in sorted(axes):
        if shape[a] not in (1, None):
            raise ShapeError(f"cannot squeeze dimension {a}: it has size {shape[a]}, not 1")
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _squeeze(ctx, x):
    shape = squeeze_shape(x.shape, ctx.attrs.get("squeeze_dims", ()))
    return tnp.reshape(x, shape)


tf_op("Squeeze", lambda ctx, x: TensorType(x.dtype, squeeze_shape(x.shape, ctx.attrs.get("squeeze_dims", ()))), _squeeze)


def _expanded(shape, dim_value):
    axis = scalar_int(dim_value, "dim")
    axis = axis_in(axis, len(shape) + 1, "dim")
    return shape[:axis] + (1,) + shape[axis:]


def _expand_dims_type(ctx, x, dim):
    value = ctx.constant(1)
    if x.shape is None:
        return x
    if value is None:
        return TensorType(x.dtype, (None,) * (len(x.shape) + 1))
    return x.with_shape(_expanded(x.shape, value))


def _expand_dims(ctx, x, dim):
    shape = _expanded(x.shape, static(ctx, 1, "dim"))
    return tnp.reshape(x, shape)


tf_op("ExpandDims", _expand_dims_type, _expand_dims)


# ---- Shape, ShapeN, Size, Rank: constants ---------------------------------------------------------
def _out_type(ctx) -> DType:
    return ctx.attrs.get("out_type", DType.i32)


def _shape_type(ctx, x):
    return TensorType(_out_type(ctx), (None if x.shape is None else len(x.shape),))


def _shape_value(ctx, index: int, t: TensorType):
    return const(require_static(ctx, index, t), _out_type(ctx))


tf_op("Shape", _shape_type, lambda ctx, x: _shape_value(ctx, 0, x.type))
tf_op(
    "ShapeN",
    lambda ctx, *xs: [_shape_type(ctx, x) for x in xs],
    lambda ctx, *xs: [_shape_value(ctx, i, x.type) for i, x in enumerate(xs)],
    outputs=(("output", lambda attrs: attrs["N"]),),
)
tf_op("Size", lambda ctx, x: TensorType(_out_type(ctx), ()), lambda ctx, x: const(math.prod(require_static(ctx, 0, x.type)), _out_type(ctx)))


def _rank(ctx, x):
    if x.type.shape is None:
        raise ShapeError("the input's rank is unknown: data-dependent shapes are unsupported")
    return const(x.ndim, DType.i32)


tf_op("Rank", lambda ctx, x: TensorType(DType.i32, ()), _rank)


# ---- Fill, Range, Tile ----------------------------------------------------------------------------
def _fill_dims(value) -> tuple:
    dims = tuple(ints(value))
    if any(d < 0 for d in dims):
        raise ShapeError(f"dims {list(dims)} must be non-negative")
    return dims


def _fill_type(ctx, dims, value):
    given = ctx.constant(0)
    return TensorType(value.dtype, vector_dims(dims) if given is None else _fill_dims(given))


def _fill(ctx, dims, value):
    shape = _fill_dims(static(ctx, 0, "dims"))
    if value.ndim != 0:
        raise ShapeError(f"value must be a scalar, got shape {list(value.shape)}")
    return tnp.broadcast_to(value, shape)


tf_op("Fill", _fill_type, _fill)


def range_values(start, limit, delta, dtype: DType) -> np.ndarray:
    """TensorFlow's Range kernel: the size from |limit - start| / |delta| rounded up, the values by
    repeatedly adding delta in the output dtype (so float ranges round exactly as TensorFlow's)."""
    start, limit, delta = (np.asarray(np.ravel(v)[0]).astype(dtype.numpy) for v in (start, limit, delta))
    if delta == 0:
        raise ShapeError("delta must not be 0")
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        raise ShapeError(f"start {start} and limit {limit} do not match the sign of delta {delta}")
    if dtype.is_int:
        size = (abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta))
    else:
        size = int(np.ceil(np.abs((limit - start) / delta)))
    steps = np.full(size, delta, dtype.numpy)
    if size:
        steps[0] = start
    return np.cumsum(steps, dtype=dtype.numpy)


def _range_type(ctx, start, limit, delta):
    dtype = attr_dtype(ctx, "Tidx") if "Tidx" in ctx.attrs else start.dtype
    values = [ctx.constant(i) for i in range(3)]
    if any(v is None for v in values):
        return TensorType(dtype, (None,))
    return TensorType(dtype, range_values(*values, dtype).shape)


def _range(ctx, start, limit, delta):
    values = [static(ctx, i, what) for i, what in enumerate(("start", "limit", "delta"))]
    return const(range_values(*values, ctx.result_type.dtype), ctx.result_type.dtype)


tf_op("Range", _range_type, _range)


def _multiples(value, rank) -> tuple:
    multiples = tuple(ints(value))
    if rank is not None and len(multiples) != rank:
        raise ShapeError(f"multiples {list(multiples)} must have one entry per dimension of the rank-{rank} input")
    if any(m < 0 for m in multiples):
        raise ShapeError(f"multiples {list(multiples)} must be non-negative")
    return multiples


def _tile_type(ctx, x, multiples):
    value = ctx.constant(1)
    if value is None or x.shape is None:
        return TensorType(x.dtype, unknown_dims(x, multiples))
    m = _multiples(value, len(x.shape))
    return x.with_shape([None if d is None else d * k for d, k in zip(x.shape, m)])


def _tile(ctx, x, multiples):
    m = _multiples(static(ctx, 1, "multiples"), x.ndim)
    if all(k == 1 for k in m):
        return x
    # Broadcast to [m0, d0, m1, d1, ...] (operand dim i -> 2i+1), then merge each (m, d) pair.
    interleaved = tuple(v for pair in zip(m, x.shape) for v in pair)
    dims = tuple(2 * i + 1 for i in range(x.ndim))
    wide = tnp.emit("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": dims}, [TensorType(x.dtype, interleaved)])
    return tnp.reshape(wide, tuple(k * d for k, d in zip(m, x.shape)))


tf_op("Tile", _tile_type, _tile)


# ---- Pad, PadV2, MirrorPad ------------------------------------------------------------------------
def _paddings(value, rank) -> list[tuple[int, int]]:
    value = np.asarray(value)
    if value.ndim != 2 or value.shape[1] != 2 or (rank is not None and value.shape[0] != rank):
        raise ShapeError(f"paddings must have shape [{'rank' if rank is None else rank}, 2], got {list(value.shape)}")
    pairs = [(int(a), int(b)) for a, b in value]
    if any(a < 0 or b < 0 for a, b in pairs):
        raise ShapeError(f"paddings {pairs} must be non-negative")
    return pairs


def _pad_type(ctx, x, paddings, *rest):
    value = ctx.constant(1)
    if x.shape is None:
        return x if value is None else TensorType(x.dtype, (None,) * len(_paddings(value, None)))
    if value is None:
        return x.with_shape((None,) * len(x.shape))
    pairs = _paddings(value, len(x.shape))
    return x.with_shape([None if d is None else d + a + b for d, (a, b) in zip(x.shape, pairs)])


def _pad(ctx, x, paddings, value=None):
    pairs = _paddings(static(ctx, 1, "paddings"), x.ndim)
    if value is not None and value.ndim != 0:
        raise ShapeError(f"constant_values must be a scalar, got shape {list(value.shape)}")
    return tnp.pad(x, pairs, constant_values=0 if value is None else value)


tf_op("Pad", _pad_type, _pad)
tf_op("PadV2", _pad_type, _pad)


def mirror_indices(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """Source positions of a MirrorPad'ed dimension: REFLECT skips the edge element, SYMMETRIC repeats it."""
    limit, skip = (size - 1, 1) if mode == "REFLECT" else (size, 0)
    if before > limit or after > limit:
        raise ShapeError(f"{mode} paddings ({before}, {after}) must be at most {limit} for a dimension of size {size}")
    left = np.arange(before)[::-1] + skip
    right = size - 1 - skip - np.arange(after)
    return np.concatenate([left, np.arange(size), right]).astype(np.int32)


def _mirror_pad(ctx, x, paddings):
    mode = ctx.attrs.get("mode")
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ShapeError(f"mode must be REFLECT or SYMMETRIC, got {mode!r}")
    for axis, (before, after) in enumerate(_paddings(static(ctx, 1, "paddings"), x.ndim)):
        if before or after:
            x = tnp.take(x, mirror_indices(x.shape[axis], before, after, mode), axis)
    return x


tf_op("MirrorPad", _pad_type, _mirror_pad)


# ---- BroadcastTo ------------------------------------------------------------------------------
def broadcast_target(shape, value) -> tuple:
    target = tuple(ints(value))
    if shape is None:
        return target
    if len(shape) > len(target):
        raise ShapeError(f"cannot broadcast a rank-{len(shape)} input to the lower rank shape {list(target)}")
    for d, t in zip(shape[::-1], target[::-1]):
        if d not in (None, 1, t):
            raise ShapeError(f"cannot broadcast shape {shape_text(shape)} to {list(target)}")
    return target


def _broadcast_to_type(ctx, x, shape):
    value = ctx.constant(1)
    return TensorType(x.dtype, vector_dims(shape) if value is None else broadcast_target(x.shape, value))


def _broadcast_to(ctx, x, shape):
    target = broadcast_target(x.shape, static(ctx, 1, "shape"))
    return tnp.broadcast_to(x, target)


tf_op("BroadcastTo", _broadcast_to_type, _broadcast_to)


# ---- pass-through ops -----------------------------------------------------------------------------
def fit_shape_attr(ctx, x, mismatch: str) -> TensorType:
    """``x``'s type refined by the node's ``shape`` attribute; ShapeError ``mismatch`` (formatted with
    ``given`` and ``wanted``) when the two disagree."""
    wanted = tensor_type_from_attrs(x.dtype, ctx.attrs.get("shape"))
    try:
        return TensorType(x.dtype, merge_shapes(x.shape, wanted.shape))
    except ShapeError:
        raise ShapeError(mismatch.format(given=shape_text(x.shape), wanted=shape_text(wanted.shape))) from None


def _ensure_shape_type(ctx, x):
    return fit_shape_attr(ctx, x, "the input's shape {given} is not compatible with the expected {wanted}")


def _ensure_shape(ctx, x):
    _ensure_shape_type(ctx, x.type)
    return x


tf_op("PreventGradient", same_as_first, lambda ctx, x: x)
tf_op("EnsureShape", _ensure_shape_type, _ensure_shape)
# XLA has no run-time assertions: CheckNumerics passes its input through and never fails on NaN/Inf.
tf_op("CheckNumerics", same_as_first, lambda ctx, x: x)
