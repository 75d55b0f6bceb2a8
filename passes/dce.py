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

from tfc.effects import is_trivially_dead
from tfc.ir import Block, Module, Operation
from tfc.passmanager import Pass, register_pass
from tfc.rewriter import Rewriter


@register_pass
@dataclass(frozen=True)
class DeadCodeElimination(Pass):
    """Remove unused pure ops, inside nested regions too."""

    name = "dce"

    def run(self, module: Module) -> None:
        with Rewriter() as rewriter:
            _visit_regions(module.op, rewriter)


def _visit_regions(op: Operation, rewriter: Rewriter) -> None:
    for region in op.regions:
        for block in reversed(region.blocks):
            _sweep_block(block, rewriter)


def _sweep_block(block: Block, rewriter: Rewriter) -> None:
    """Walk ``block`` backwards, so an op freed by a later removal is seen in the same walk."""
    for op in reversed(block.ops):
        if is_trivially_dead(op):
            rewriter.erase(op)
        else:
            _visit_regions(op, rewriter)
