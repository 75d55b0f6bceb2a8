"""Copying ops: a session clones the part of a graph a run needs into a fresh function, and
``Graph.extend`` copies nodes from another graph."""

from __future__ import annotations

from .ir import Block, Operation, Region


def clone_op(op: Operation, mapping: dict) -> Operation:
    """A copy of ``op`` (regions included) whose operands are ``mapping[operand]``.

    ``mapping`` (old value -> new value) must hold every operand, including values an op's regions
    use from outside; the copy's results are added to it (unless already mapped). The copy has no
    parent block yet.
    """
    regions = [_clone_region(r, mapping) for r in op.regions]
    new = Operation(
        op.name,
        [mapping[v] for v in op.operands],
        [r.type for r in op.results],
        dict(op.attributes),
        regions,
        op.location,
        [r.name_hint for r in op.results],
    )
    for old, result in zip(op.results, new.results):
        mapping.setdefault(old, result)
    return new


def _clone_region(region: Region, mapping: dict) -> Region:
    new_region = Region()
    for block in region.blocks:
        new_block = Block([a.type for a in block.args], [a.name_hint for a in block.args])
        for old, arg in zip(block.args, new_block.args):
            mapping[old] = arg
        for inner in block.ops:
            new_block.append(clone_op(inner, mapping))
        new_region.add_block(new_block)
    return new_region


__all__ = ["clone_op"]
