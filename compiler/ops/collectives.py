"""Collectives between the replicas of a data-parallel program: ``tfc.all_reduce``, ``tfc.all_gather``
and ``tfc.replica_id``.

The ``shard-batch`` pass writes them: every replica runs the same function on its slice of the batch,
and where a reduction crosses the split axis the replicas' partial results are combined. ``replicas``
says how many take part (all of them, replica ids 0..replicas-1, one group); the backend compiles the
module for that many devices. One ``tfc.all_reduce`` may carry several tensors (a bucket): XLA sends
them together, which is what makes bucketing small gradients pay.

The numpy references run one replica, the interpreter's world: there, combining a value with itself
alone is the value, and the replica id is 0. With ``replicas`` > 1 they refuse (the interpreter cannot
stand in for the other replicas).

Collectives are communication, so they are ``stateful``: never merged, moved or dropped by a pass, and
``replica_id`` is never folded to the interpreter's 0.
"""

from __future__ import annotations

import numpy as np

from ..diagnostics import BackendError
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, optional, register
from ..types import DType, TensorType
from . import rules
from .rules import tensor_operand

_COLLECTIVE = frozenset({Trait.STATEFUL})

# reduction -> (StableHLO combiner, which element types it accepts)
REDUCTIONS = {
    "sum": ("AddOp", rules.NUMERIC),
    "prod": ("MulOp", rules.NUMERIC),
    "max": ("MaxOp", ("real (non-complex)", lambda d: not d.is_complex)),
    "min": ("MinOp", ("real (non-complex)", lambda d: not d.is_complex)),
    "and": ("AndOp", rules.INT_OR_BOOL),
    "or": ("OrOp", rules.INT_OR_BOOL),
}


def _replicas(ctx) -> int:
    count = ctx.attrs.get("replicas", 1)
    if count < 1:
        raise ShapeError(f"replicas must be at least 1, got {count}")
    return count


def _one_replica(ctx) -> None:
    """The interpreter runs one replica: more cannot be simulated here."""
    if ctx.attrs.get("replicas", 1) != 1:
        raise BackendError(f"'{ctx.op.name}' combines {ctx.attrs['replicas']} replicas; the interpreter runs one "
                           "(run the data-parallel program with the XLA backend)", ctx.op.location)


def _replica_groups(ctx):
    count = ctx.attrs.get("replicas", 1)
    groups = np.arange(count, dtype=np.int64).reshape(1, count)
    return ctx.ir.DenseElementsAttr.get(groups, type=ctx.ir.IntegerType.get_signless(64))


# ---- tfc.all_reduce ------------------------------------------------------------------------------
def _infer_all_reduce(ctx, *operands):
    if not operands:
        raise ShapeError("needs at least one operand")
    _replicas(ctx)
    types = [tensor_operand(t, f"operand #{i}") for i, t in enumerate(operands)]
    _, kinds = REDUCTIONS[ctx.attrs.get("reduction", "sum")]
    for i, t in enumerate(types):
        if t.dtype != types[0].dtype:
            raise ShapeError(f"operands of one all_reduce share an element type (one combiner): operand #{i} is "
                             f"{t.dtype.value}, operand #0 {types[0].dtype.value}")
        rules.require_dtype(t, kinds)
    return types


def _all_reduce_numpy(ctx, *arrays):
    _one_replica(ctx)
    return tuple(np.array(a, copy=True) for a in arrays)


def _lower_all_reduce(ctx, *values):
    combiner, _ = REDUCTIONS[ctx.attrs.get("reduction", "sum")]
    op = ctx.hlo.AllReduceOp(ctx.result_types, list(values), _replica_groups(ctx))
    dtype = ctx.operand_types[0].dtype
    ctx.scalar_body(op.computation, dtype, lambda a, b: getattr(ctx.hlo, combiner)(a, b).result)
    return list(op.results)


def _g_all_reduce(ctx, *cotangents):
    """A sum's transpose is a sum over the replicas' cotangents (each replica holds its own)."""
    if ctx.attrs.get("reduction", "sum") != "sum":
        return [None] * len(cotangents)
    return [None if g is None else ctx.api.emit("tfc.all_reduce", [g], dict(ctx.attrs)) for g in cotangents]


ALL_REDUCE = register(
    OpDef(
        "tfc.all_reduce",
        "Combines each operand over all `replicas` with `reduction` (sum, prod, max, min, and, or); every replica gets the result.",
        operands=("operands*",),
        results=("results*",),
        attributes={"reduction": attr(AttrKind.STRING, choices=REDUCTIONS), "replicas": optional(AttrKind.INT, 1)},
        traits=_COLLECTIVE,
        infer=_infer_all_reduce,
        reference=_all_reduce_numpy,
        lower=_lower_all_reduce,
        grad=_g_all_reduce,
    )
)


# ---- tfc.all_gather ------------------------------------------------------------------------------
def _infer_all_gather(ctx, operand):
    x = tensor_operand(operand)
    count = _replicas(ctx)
    if x.shape is None:
        return x
    axis = rules.normalize_axis(ctx.attrs.get("dimension", 0), x.rank, "dimension")
    return x.with_shape([None if n is None else n * count if i == axis else n for i, n in enumerate(x.shape)])


def _all_gather_numpy(ctx, x):
    _one_replica(ctx)
    return np.array(x, copy=True)


def _lower_all_gather(ctx, x):
    axis = rules.normalize_axis(ctx.attrs.get("dimension", 0), ctx.operand_types[0].rank, "dimension")
    return ctx.hlo.AllGatherOp([ctx.result_type], [x], axis, _replica_groups(ctx)).results[0]


ALL_GATHER = register(
    OpDef(
        "tfc.all_gather",
        "The replicas' operands concatenated along `dimension` in replica order; every replica gets the whole.",
        operands=("operand",),
        attributes={"dimension": attr(AttrKind.INT), "replicas": optional(AttrKind.INT, 1)},
        traits=_COLLECTIVE,
        infer=_infer_all_gather,
        reference=_all_gather_numpy,
        lower=_lower_all_gather,
    )
)


# ---- tfc.replica_id ------------------------------------------------------------------------------
def _lower_replica_id(ctx):
    ir, hlo = ctx.ir, ctx.hlo
    unsigned = hlo.ReplicaIdOp().result
    return hlo.ConvertOp(ir.RankedTensorType.get([], ctx.element_type(DType.i32)), unsigned).result


REPLICA_ID = register(
    OpDef(
        "tfc.replica_id",
        "This replica's index (0 .. replicas-1) as an i32 scalar; where a replica's slice of a batch starts.",
        traits=_COLLECTIVE,
        infer=lambda ctx: TensorType(DType.i32, ()),
        reference=lambda ctx: np.array(0, np.int32),
        lower=_lower_replica_id,
    )
)
