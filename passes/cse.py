"""``cse``: common subexpression elimination — merge pure ops that compute the same thing.

Before::

    %a = "tfc.add"(%x, %y) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %b = "tfc.add"(%y, %x) : (tensor<f32>, tensor<f32>) -> tensor<f32>   // commutative: same as %a
    %c = "tfc.multiply"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>

After::

    %a = "tfc.add"(%x, %y) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %c = "tfc.multiply"(%a, %a) : (tensor<f32>, tensor<f32>) -> tensor<f32>

Two ops match when they have the same name, attributes, operands (sorted for ``commutative`` ops)
and result types, and the registry marks them ``pure`` with no regions. Expressions are scoped per
block: an op in a nested region may reuse one from an enclosing block, never the reverse, and
nothing crosses into ops that are isolated from above (functions). One dict, one walk: linear.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.effects import is_pure
from tfc.ir import Block, Module, Operation, Value
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup
from tfc.rewriter import Rewriter


@register_pass
@dataclass(frozen=True)
class CommonSubexpressionElimination(Pass):
    """Merge equivalent pure ops, reusing expressions from enclosing blocks."""

    name = "cse"

    def run(self, module: Module) -> None:
        with Rewriter() as rewriter:
            _Scope(rewriter).visit_regions(module.op)


class _Scope:
    """The expressions visible at the current point of one isolated-from-above scope."""

    def __init__(self, rewriter: Rewriter):
        self.rewriter = rewriter
        self.known: dict[tuple, Operation] = {}
        self.value_ids: dict[Value, int] = {}

    def visit_regions(self, op: Operation) -> None:
        for region in op.regions:
            for block in region.blocks:
                self.visit_block(block)

    def visit_block(self, block: Block) -> None:
        added: list[tuple] = []
        for op in block.ops:
            if not self.try_merge(op, added):
                self.visit_nested(op)
        for key in added:  # leaving the block: its expressions go out of scope
            del self.known[key]

    def visit_nested(self, op: Operation) -> None:
        opdef = lookup(op.name)
        if opdef is not None and opdef.has(Trait.ISOLATED_FROM_ABOVE):
            _Scope(self.rewriter).visit_regions(op)
        else:
            self.visit_regions(op)

    def try_merge(self, op: Operation, added: list[tuple]) -> bool:
        """Replace ``op`` by an equivalent visible op (True), or record it as available (False)."""
        key = self.key(op)
        if key is None:
            return False
        existing = self.known.get(key)
        if existing is None:
            self.known[key] = op
            added.append(key)
            return False
        self.rewriter.replace(op, existing.results)
        return True

    def key(self, op: Operation) -> tuple | None:
        """What makes two ops interchangeable, or None when ``op`` must never be merged."""
        if op.regions or not op.results or not is_pure(op):
            return None
        operands = op.operands
        if lookup(op.name).has(Trait.COMMUTATIVE):
            operands = tuple(sorted(operands, key=self.value_id))
        attributes = tuple(sorted(op.attributes.items()))
        return (op.name, attributes, operands, tuple(r.type for r in op.results))

    def value_id(self, value: Value) -> int:
        """A deterministic number per value (first-seen order), to sort commutative operands."""
        return self.value_ids.setdefault(value, len(self.value_ids))
