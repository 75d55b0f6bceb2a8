"""Writes into part of a variable: ``Scatter*`` and ``ResourceScatter*`` (rows named by indices),
``ScatterNd*`` and ``ResourceScatterNd*`` (elements or slices named by index vectors), and
``(Resource)StridedSliceAssign``.

An index listed twice is applied twice, in order, as TensorFlow's CPU kernels do (the second
``ScatterUpdate`` wins, ``ScatterMul`` multiplies by both): see :mod:`.indexed_rows`. ``ScatterAdd``
and ``ScatterSub`` add in one scatter instead (the order of additions may change the last bit of a
float). Constant indices out of range are errors at compile time (TensorFlow's at run time on CPU); those
computed at run time are skipped (a compiled step cannot fail; TensorFlow's GPU kernels skip them
too). A TF1 op returns its variable; a resource op returns nothing.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import ResourceType, TensorType

from ..dialect import attr_dtype, tf_op
from .array import static
from .array_index import strided_slice_plan
from .indexed_rows import check_constant_rows, scatter_rows, update_rows
from .state import assign, read_static

# combine(old rows, update rows) for each kind; None: added in one scatter
_COMBINE = {
    "Update": lambda old, new: new,
    "Add": None,
    "Sub": None,
    "Mul": lambda old, new: old * new,
    "Div": lambda old, new: tnp.emit("tfc.divide", [old, new]),  # ints truncate, as C's '/' does
    "Min": lambda old, new: tnp.minimum(old, new),
    "Max": lambda old, new: tnp.maximum(old, new),
}


def _variable_value(handle: ResourceType, what: str = "the variable") -> TensorType | None:
    if not isinstance(handle, ResourceType):
        raise ShapeError(f"{what} must be a variable, got {handle}")
    return handle.value_type


def _shape_text(shape) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _check_updates(updates: TensorType, want: tuple, allow_scalar: bool) -> None:
    if updates.shape is None or (allow_scalar and updates.shape == ()):
        return
    if not TensorType(updates.dtype, want).is_compatible(updates):
        raise ShapeError(f"updates must have shape {_shape_text(want)} (the indices' shape + the slice each names), got {updates}")


def _apply(kind: str, handle, value, rows, updates, leading: int = 1) -> None:
    """Write ``updates`` ([n, ...]) into the rows ``rows`` ([n]) of the variable (whose ``value`` was
    read) seen as a table whose rows are its first ``leading`` dimensions flattened."""
    table = tnp.reshape(value, (int(np.prod(value.shape[:leading])),) + value.shape[leading:])
    if kind in ("Add", "Sub"):
        step = updates if kind == "Add" else tnp.negative(updates)
        new = scatter_rows(table, rows, step, "add")
    else:
        combine = _COMBINE[kind]
        new = update_rows([table], rows, [updates], lambda old, per_index: [combine(old[0], per_index[0])])[0]
    assign(handle, tnp.reshape(new, value.shape))


# ---- Scatter: rows of the first dimension ---------------------------------------------------------
def _scatter_type(kind: str, resource: bool):
    def infer(ctx, handle, indices, updates):
        value = _variable_value(handle)
        dtype = attr_dtype(ctx, "dtype" if resource else "T")
        if value is not None and value.dtype is not dtype:
            raise ShapeError(f"the variable holds {value.dtype.value} values, but the updates are {dtype.value}")
        if value is not None and value.shape is not None and indices.shape is not None:
            if not value.shape:
                raise ShapeError("the variable must be at least 1-dimensional")
            _check_updates(updates, indices.shape + value.shape[1:], allow_scalar=True)
            check_constant_rows(ctx.constant(1), value.shape[0], "indices")
        return [] if resource else [handle]

    return infer


def _scatter(kind: str):
    def decompose(ctx, handle, indices, updates):
        value = read_static(handle)
        shape = value.shape
        rows = tnp.reshape(indices, (-1,))
        updates = tnp.broadcast_to(updates, indices.shape + shape[1:]) if updates.ndim == 0 else updates
        _apply(kind, handle, value, rows, tnp.reshape(updates, rows.shape + shape[1:]))
        return [handle] if ctx.result_types else []

    return decompose


# ---- ScatterNd: elements or slices named by index vectors -----------------------------------------
def _scatter_nd_type(resource: bool):
    def infer(ctx, handle, indices, updates):
        value = _variable_value(handle, "ref")
        dtype = attr_dtype(ctx)
        if value is not None and value.dtype is not dtype:
            raise ShapeError(f"the variable holds {value.dtype.value} values, but the updates are {dtype.value}")
        if value is None or value.shape is None or indices.shape is None:
            return [] if resource else [handle]
        if not indices.shape or indices.shape[-1] is None:
            raise ShapeError(f"indices must have a known last dimension (the index depth), got {indices}")
        depth = indices.shape[-1]
        if depth == 0:
            raise ShapeError("indices have depth 0 (their last dimension): TensorFlow rejects index vectors naming no element")
        if depth > len(value.shape):
            raise ShapeError(f"index depth {depth} is larger than the variable's rank {len(value.shape)}")
        _check_updates(updates, indices.shape[:-1] + value.shape[depth:], allow_scalar=False)
        if _bad_indices_policy(ctx) != "IGNORE":
            _check_constant_vectors(ctx.constant(1), value.shape[:depth])
        return [] if resource else [handle]

    return infer


def _bad_indices_policy(ctx) -> str:
    """``bad_indices_policy``: ``IGNORE`` skips indices out of range; the others (``""``, ``DEFAULT``,
    ``ERROR``) make them TensorFlow's run-time error, ours at compile time when they are constant."""
    policy = ctx.attrs.get("bad_indices_policy", "")
    if policy not in ("", "DEFAULT", "ERROR", "IGNORE"):
        raise ShapeError(f"bad_indices_policy must be '', 'DEFAULT', 'ERROR' or 'IGNORE', got {policy!r}")
    return policy


def _check_constant_vectors(indices, dims: tuple) -> None:
    """Constant index vectors must name elements of the variable (TensorFlow fails at run time)."""
    if indices is None or None in dims:
        return
    vectors = np.asarray(indices).reshape(-1, len(dims))
    outside = vectors[np.any((vectors < 0) | (vectors >= np.array(dims, np.int64)), axis=1)]
    if outside.size:
        raise ShapeError(f"indices {outside.tolist()[:8]} out of range for a variable whose first dimensions are {_shape_text(dims)}")


def _scatter_nd(kind: str):
    def decompose(ctx, handle, indices, updates):
        value = read_static(handle)
        shape, depth = value.shape, indices.shape[-1]
        rows = _flat_rows(tnp.reshape(indices, (-1, depth)), shape[:depth])
        _apply(kind, handle, value, rows, tnp.reshape(updates, rows.shape + shape[depth:]), depth)
        return [handle] if ctx.result_types else []

    return decompose


def _flat_rows(vectors, dims: tuple):
    """Row numbers of index ``vectors`` ([n, k]) in a table of the first ``k`` dims ``dims`` flattened;
    a vector with a coordinate out of range gets the row past the end (skipped)."""
    strides = np.cumprod((1,) + dims[::-1][:-1])[::-1] if dims else np.zeros(0, np.int64)
    rows = tnp.sum(vectors * tnp.to_tensor(strides.astype(vectors.dtype.numpy)), axis=1)
    inside = tnp.all((vectors >= 0) & (vectors < tnp.to_tensor(np.array(dims, vectors.dtype.numpy))), axis=1)
    return tnp.where(inside, rows, int(np.prod(dims)))


# ---- StridedSliceAssign ---------------------------------------------------------------------------
def _strided_assign_type(resource: bool):
    def infer(ctx, handle, begin, end, strides, value):
        var = _variable_value(handle, "ref")
        bounds = [ctx.constant(i) for i in (1, 2, 3)]
        if var is not None and var.shape is not None and all(b is not None for b in bounds):
            want = strided_slice_plan(var.shape, *bounds, ctx.attrs).shape
            if value.shape is not None and not _broadcasts(value.shape, want):
                raise ShapeError(f"the value assigned (shape {_shape_text(value.shape)}) does not broadcast to the slice's shape {_shape_text(want)}")
        return [] if resource else [handle]

    return infer


def _broadcasts(shape: tuple, target: tuple) -> bool:
    """Whether a value of ``shape`` broadcasts to ``target`` as TensorFlow's StridedSliceAssign
    broadcasts it: numpy's rule, and extra leading dimensions of size 1 dropped."""
    extra = len(shape) - len(target)
    if extra > 0:
        if any(d not in (1, None) for d in shape[:extra]):
            return False
        shape = shape[extra:]
    return all(d in (1, None) or t is None or d == t for d, t in zip(reversed(shape), reversed(target)))


def _strided_assign(ctx, handle, begin, end, strides, value):
    bounds = [static(ctx, i, what) for i, what in ((1, "begin"), (2, "end"), (3, "strides"))]
    var = read_static(handle)
    plan = strided_slice_plan(var.shape, *bounds, ctx.attrs)
    if not var.ndim:
        assign(handle, value)
    elif 0 not in plan.counts:
        value = tnp.reshape(value, value.shape[max(0, value.ndim - len(plan.shape)):])  # leading 1s dropped
        assign(handle, _write_strided(var, tnp.reshape(tnp.broadcast_to(value, plan.shape), plan.counts), plan))
    return [handle] if ctx.result_types else []


def _write_strided(var, values, plan):
    """``var`` with ``values`` (shaped like the slice per input dim) written where the plan reads:
    one scatter whose windows run along the unit-stride dims, one window per strided position."""
    starts, flipped, strided = [], [], []
    for d, (begin, stride, count) in enumerate(zip(plan.begins, plan.strides, plan.counts)):
        if stride < 0:  # the same positions, walked forward
            flipped.append(d)
            begin, stride = begin + (count - 1) * stride, -stride
        starts.append(np.arange(count) * stride + begin if stride != 1 and count > 1 else np.array([begin]))
        if stride != 1 and count > 1:
            strided.append(d)
    if flipped:
        values = tnp.emit("tfc.reverse", [values], {"dimensions": tuple(flipped)})
    grid = np.stack(np.meshgrid(*starts, indexing="ij"), axis=-1)
    grid = grid.reshape([len(s) for d, s in enumerate(starts) if d in strided] + [var.ndim])
    attributes = {
        "update_window_dims": tuple(d for d in range(var.ndim) if d not in strided),
        "inserted_window_dims": tuple(strided),
        "scatter_dims_to_operand_dims": tuple(range(var.ndim)),
        "index_vector_dim": len(strided),
        "kind": "set",
    }
    return tnp.emit("tfc.scatter", [var, tnp.to_tensor(grid.astype(np.int64)), values], attributes, [var.type])


def _register() -> None:
    ref_result = (("output_ref", 1),)
    for kind in _COMBINE:
        tf_op(f"Scatter{kind}", _scatter_type(kind, False), _scatter(kind), stateful=True, outputs=ref_result, ref_inputs=(0,))
        tf_op(f"ResourceScatter{kind}", _scatter_type(kind, True), _scatter(kind), stateful=True, outputs=(), ref_inputs=(0,))
    for kind in ("Update", "Add", "Sub", "Min", "Max"):
        tf_op(f"ScatterNd{kind}", _scatter_nd_type(False), _scatter_nd(kind), stateful=True, outputs=ref_result, ref_inputs=(0,))
        tf_op(f"ResourceScatterNd{kind}", _scatter_nd_type(True), _scatter_nd(kind), stateful=True, outputs=(), ref_inputs=(0,))
    tf_op("StridedSliceAssign", _strided_assign_type(False), _strided_assign, stateful=True, outputs=ref_result, ref_inputs=(0,))
    tf_op("ResourceStridedSliceAssign", _strided_assign_type(True), _strided_assign, stateful=True, outputs=(), ref_inputs=(0,))


_register()
