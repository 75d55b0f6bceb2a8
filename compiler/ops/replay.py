"""Re-tracing a region's ops where a gradient rule records, for the ops with regions.

An op with regions also depends on the values its regions capture from outside (``tfc.if`` takes all
its inputs that way). Its gradient rule returns one cotangent per operand and then one per value of
``captured_values(op)``, in that order; ``backprop`` differentiates with respect to both. The rules
re-trace (replay) the forward ops of a region where they need its intermediate values (inside a new
region, loop body or function) and differentiate there with ``ctx.backprop``, so the gradient is
ordinary IR too. Everything they build goes through their context (see ``GradContext``).
"""

from __future__ import annotations

from ..diagnostics import TraceError
from ..ir import FUNC_OP, Block, BlockArgument, Operation, Region, Value
from ..registry import Trait, lookup
from ..types import TensorType

# Replaying a read gives the value the forward pass read unless something wrote in between; replaying
# any other stateful op would repeat its effect, so those cannot be differentiated this way.
REPLAYABLE_STATEFUL = frozenset({"tfc.read_variable"})


def captured_values(op: Operation) -> list[Value]:
    """Values that ``op``'s regions use but that are defined outside ``op``, in order of first use."""
    inner_blocks = {block for nested in op.walk() for region in nested.regions for block in region.blocks}
    seen: dict[Value, None] = {}
    for nested in op.walk():
        if nested is op:
            continue
        for value in nested.operands:
            owner = value.block if isinstance(value, BlockArgument) else value.op.parent
            if owner not in inner_blocks:
                seen[value] = None
    return list(seen)


def inexact(t) -> bool:
    """Whether values of type ``t`` have cotangents (float or complex tensors)."""
    return isinstance(t, TensorType) and t.dtype.is_inexact


def or_zeros(api, grad, like):
    """``grad``, or zeros shaped like ``like`` where the cotangent is None (zero)."""
    return grad if grad is not None else api.zeros_like(like)


def clone_ops(ctx, ops, mapping: dict) -> list[Operation]:
    """Re-create ``ops`` where ``ctx`` records, operands renamed through ``mapping`` (updated);
    returns the new ops, one per op of ``ops``, in order."""
    cloned = []
    for op in ops:
        regions = [_clone_region(ctx, region, mapping) for region in op.regions]
        new = ctx.emit(op.name, [mapping.get(v, v) for v in op.operands], dict(op.attributes),
                       [r.type for r in op.results], regions, op.location)
        mapping.update(zip(op.results, new.results))
        cloned.append(new)
    return cloned


def _clone_region(ctx, region: Region, mapping: dict) -> Region:
    block = Block([a.type for a in region.block.args])
    mapping.update(zip(region.block.args, block.args))
    with ctx.recording(block):
        clone_ops(ctx, region.block.ops, mapping)
    return Region([block])


def replay_ops(ctx, block: Block, args) -> tuple[list[Value], list[Operation]]:
    """Re-trace ``block``'s ops with its arguments bound to ``args``: (what it yields or returns, the
    copies of its ops but the terminator, in order). A stateful op other than a read is a TraceError."""
    for op in block.ops:
        for nested in op.walk():
            opdef = lookup(nested.name)
            if opdef is not None and opdef.has(Trait.STATEFUL) and nested.name not in REPLAYABLE_STATEFUL:
                owner = block.parent.parent
                what = f"function @{owner.attr('sym_name')}" if owner.name == FUNC_OP else f"'{owner.name}'"
                raise TraceError(f"cannot differentiate through {what}: it holds the stateful op "
                                 f"'{nested.name}', which the gradient would run again", nested.location)
    mapping = dict(zip(block.args, args))
    cloned = clone_ops(ctx, block.ops[:-1], mapping)
    return [mapping.get(v, v) for v in block.ops[-1].operands], cloned


def replay(ctx, block: Block, args) -> list[Value]:
    """Re-trace ``block``'s ops with its arguments bound to ``args``; returns what it yields (or returns)."""
    return replay_ops(ctx, block, args)[0]


__all__ = ["REPLAYABLE_STATEFUL", "captured_values", "clone_ops", "inexact", "or_zeros", "replay", "replay_ops"]
