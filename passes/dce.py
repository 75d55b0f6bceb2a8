"""``dce``: dead code elimination — drop side-effect-free ops whose results nobody uses.

Before::

    %a = "tfc.exp"(%x) : (tensor<f32>) -> tensor<f32>
    %b = "tfc.negate"(%a) : (tensor<f32>) -> tensor<f32>      // unused
    "func.return"(%x) : (tensor<f32>) -> ()

After::

    "func.return"(%x) : (tensor<f32>) -> ()

Only ops the registry marks ``pure`` are removed (never terminators, stateful or unregistered ops);
an op with regions goes only when everything inside it is side-effect free too. Each block is walked
once from its end, so an op freed by a later removal is seen in the same walk.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.ir import Block, Module, Operation
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup


@register_pass
@dataclass(frozen=True)
class DeadCodeElimination(Pass):
    """Remove unused pure ops, inside nested regions too."""

    name = "dce"

    def run(self, module: Module) -> None:
        _visit_regions(module.op)


def _visit_regions(op: Operation) -> None:
    for region in op.regions:
        for block in reversed(region.blocks):
            _sweep_block(block)


def _sweep_block(block: Block) -> None:
    """Walk ``block`` backwards, erasing dead ops; rebuild the op list once (linear time)."""
    kept: list[Operation] = []
    for op in reversed(block.ops):
        if _is_dead(op):
            _detach(op)
        else:
            _visit_regions(op)
            kept.append(op)
    kept.reverse()
    block.ops[:] = kept


def _is_dead(op: Operation) -> bool:
    if any(result.uses for result in op.results):
        return False
    return _removable(op) and all(_side_effect_free(inner) for inner in _nested_ops(op))


def _removable(op: Operation) -> bool:
    opdef = lookup(op.name)
    return opdef is not None and opdef.has(Trait.PURE) and not opdef.has(Trait.STATEFUL) and not opdef.has(Trait.TERMINATOR)


def _side_effect_free(op: Operation) -> bool:
    """An op nested in a dead op may go with it: pure, or the terminator of its block."""
    opdef = lookup(op.name)
    if opdef is None or opdef.has(Trait.STATEFUL):
        return False
    return opdef.has(Trait.PURE) or opdef.has(Trait.TERMINATOR)


def _nested_ops(op: Operation):
    walk = op.walk()
    next(walk)  # the op itself
    return walk


def _detach(op: Operation) -> None:
    """Forget ``op``: drop its (and its nested ops') operand uses; the caller removes it from the block."""
    for inner in op.walk():
        inner.drop_operands()
    op.parent = None
