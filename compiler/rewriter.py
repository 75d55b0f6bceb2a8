"""The one way passes change IR: replace, erase, insert and move ops, with a deferred block rebuild.

A pass walks a block's op list and asks the rewriter for changes; the list itself is rebuilt once
per touched block when the rewriter commits. So a pass that rewrites every op of a 100,000-op block
does 100,000 constant-time edits and one linear rebuild, instead of a ``list.remove`` or
``list.insert`` per edit. Until the commit:

* an erased op has ``parent is None`` (check it to skip ops erased during the walk);
* an inserted op already has its ``parent`` and its operands' uses, but is not in ``block.ops`` yet.

Use it as a context manager, which commits on a clean exit::

    with Rewriter() as rewriter:
        for op in block.ops:
            if is_trivially_dead(op):
                rewriter.erase(op)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .ir import Block, Operation, Value


class Rewriter:
    """Records edits to blocks and applies each block's list changes in one rebuild (:meth:`commit`)."""

    def __init__(self):
        self._before: dict[Operation, list[Operation]] = {}  # anchor -> ops placed just before it
        self._after: dict[Operation, list[Operation]] = {}  # anchor -> ops placed just after it
        self._placed: dict[Operation, tuple[Operation, bool]] = {}  # op -> (anchor, after?) of its latest placement
        self._touched: dict[Block, None] = {}  # blocks to rebuild, in first-touched order
        self.changes = 0
        """Edits so far (inserts, erasures, replacements): a pass reports "changed" when it is not 0."""

    def __enter__(self) -> Rewriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()

    # ---- edits ------------------------------------------------------------------------------------
    def insert_before(self, anchor: Operation, op: Operation) -> Operation:
        """Place ``op`` (not in any block) just before ``anchor``; ops inserted before one anchor keep their order."""
        self._place(op, anchor, self._before)
        return op

    def insert_after(self, anchor: Operation, op: Operation) -> Operation:
        """Place ``op`` just after ``anchor`` (after any op inserted after it earlier)."""
        self._place(op, anchor, self._after)
        return op

    def move_before(self, anchor: Operation, ops: Iterable[Operation]) -> None:
        """Move ``ops`` (from any block, ``anchor``'s included; moved or inserted before or not) to just
        before ``anchor``, in order. Only an op's latest placement counts."""
        for op in ops:
            if op.parent is not None:
                self._touched[op.parent] = None
            self._place(op, anchor, self._before)

    def erase(self, op: Operation) -> None:
        """Remove ``op`` and everything nested in it; its results must be unused."""
        for result in op.results:
            if result.uses:
                raise ValueError(f"cannot erase '{op.name}': result {result.index} still has uses")
        for inner in _owned(op):
            inner.drop_operands()
        if op.parent is not None:
            self._touched[op.parent] = None
        op.parent = None
        self.changes += 1

    def replace(self, op: Operation, values: Sequence[Value]) -> None:
        """Make every use of ``op``'s results use ``values`` instead, then erase ``op``."""
        if len(values) != len(op.results):
            raise ValueError(f"'{op.name}' has {len(op.results)} results, replaced by {len(values)} values")
        for result, value in zip(op.results, values):
            if value is not result:
                result.replace_all_uses_with(value)
        self.erase(op)

    def inline_block_before(self, block: Block, anchor: Operation, args: Sequence[Value] = ()) -> list[Value]:
        """Move ``block``'s ops but its terminator before ``anchor``, its arguments replaced by ``args``;
        returns the terminator's operands (what the block yields) and erases the terminator."""
        if len(args) != len(block.args):
            raise ValueError(f"the block takes {len(block.args)} arguments, {len(args)} given")
        for arg, value in zip(block.args, args):
            arg.replace_all_uses_with(value)
        terminator = block.ops[-1]
        self.move_before(anchor, block.ops[:-1])
        yielded = list(terminator.operands)
        self.erase(terminator)
        return yielded

    def _place(self, op: Operation, anchor: Operation, table: dict[Operation, list[Operation]]) -> None:
        block = anchor.parent
        if block is None:
            raise ValueError(f"cannot insert next to '{anchor.name}': it is not in a block")
        op.parent = block
        table.setdefault(anchor, []).append(op)
        self._placed[op] = (anchor, table is self._after)
        self._touched[block] = None
        self.changes += 1

    # ---- applying ---------------------------------------------------------------------------------
    def commit(self) -> None:
        """Rebuild every touched block once: drop erased and moved-away ops, place inserted ones."""
        for block in self._touched:
            block.ops[:] = self._rebuilt(block)
        self._before.clear()
        self._after.clear()
        self._placed.clear()
        self._touched.clear()

    def _rebuilt(self, block: Block) -> list[Operation]:
        """``block``'s ops with insertions expanded (an inserted op may anchor more), keeping each op
        once, where it belongs: erased ops drop out, an op placed by the rewriter appears only next to
        its latest anchor, and only in the block that anchor is in."""
        ops: list[Operation] = []
        stack = [(op, False) for op in reversed(block.ops) if op not in self._placed]
        while stack:
            op, expanded = stack.pop()
            if expanded:
                if op.parent is block:
                    ops.append(op)
                continue
            stack.extend((new, False) for new in reversed(self._after.get(op, ())) if self._placed[new] == (op, True))
            stack.append((op, True))
            stack.extend((new, False) for new in reversed(self._before.get(op, ())) if self._placed[new] == (op, False))
        return ops


def _owned(op: Operation):
    """``op`` and the ops nested in it, skipping ops already moved out of its blocks (not yet committed)."""
    yield op
    for region in op.regions:
        for block in region.blocks:
            for inner in block.ops:
                if inner.parent is block:
                    yield from _owned(inner)


__all__ = ["Rewriter"]
