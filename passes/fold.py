"""``fold``: constant folding — evaluate pure ops whose operands are all constants.

Before::

    %a = "tfc.constant"() {value = dense<2> : tensor<i32>} : () -> tensor<i32>
    %b = "tfc.constant"() {value = dense<3> : tensor<i32>} : () -> tensor<i32>
    %c = "tfc.multiply"(%a, %b) : (tensor<i32>, tensor<i32>) -> tensor<i32> loc("m")
    %t = "tfc.constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
    %r = "tfc.if"(%t) ({
      %n = "tfc.negate"(%c) : (tensor<i32>) -> tensor<i32>
      "tfc.yield"(%n) : (tensor<i32>) -> ()
    }, {
      "tfc.yield"(%a) : (tensor<i32>) -> ()
    }) : (tensor<i1>) -> tensor<i32>

After (the now unused constants are left to ``dce``)::

    %c = "tfc.constant"() {value = dense<6> : tensor<i32>} : () -> tensor<i32> loc("m")
    %n = "tfc.constant"() {value = dense<-6> : tensor<i32>} : () -> tensor<i32>
    // users of %r use %n

An op folds when the registry marks it ``pure`` and not ``stateful``, it has no regions and has a
numpy ``reference`` (core ops; ``tf.*`` import ops have none and are left alone), every operand is
defined by a ``constant``-like op, and every result has a static shape of at most ``max_elements``
elements (default 1 << 20, i.e. 4 MiB of f32 — about what Grappler's 10 MB cap allows); and a fold
never makes a constant with more elements than its operands together unless every element is the
same (a splat), so a bias broadcast to an activation's shape stays a ``broadcast_in_dim`` of the
small bias; whatever ``max_elements`` says, no result over
``tfc.limits.max_tensor_bytes()`` is ever folded (nor evaluated: the check comes first). Each result becomes a ``tfc.constant`` at the
op's location, keeping its name. Ops without operands (``tfc.iota``) are evaluated for their users
but not replaced themselves: the constant would only be a bigger spelling of the same op.

Ops with regions fold through their registry ``fold`` hook, which sees a :class:`FoldContext`: a
``tfc.if`` with a constant predicate is replaced by the ops of the branch it takes (its results
become the values that branch yields), and a ``tfc.while`` whose condition is false on entry is
replaced by its initial values.

One forward walk with a map of the constant values found so far; inlined ops join the walk where
the op they came from stood, so the whole pass is linear in the number of ops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.backends.interp.interpreter import Interpreter
from tfc.effects import constant_value, is_pure
from tfc.ir import Block, Module, Operation, Region, Value
from tfc.limits import type_too_big
from tfc.passmanager import Pass, register_pass
from tfc.patterns import DEFAULT_MAX_ELEMENTS
from tfc.registry import Trait, lookup
from tfc.rewriter import Rewriter
from tfc.types import TensorType

CONSTANT_OP = "tfc.constant"


@register_pass
@dataclass(frozen=True)
class Fold(Pass):
    """Replace pure ops on constants by constants; resolve ops with regions through their fold hooks."""

    name = "fold"
    max_elements: int = DEFAULT_MAX_ELEMENTS
    """Results with more elements than this stay computed at run time."""

    def run(self, module: Module) -> None:
        fold_module(module, self.max_elements)


def fold_module(module: Module, max_elements: int = DEFAULT_MAX_ELEMENTS) -> int:
    """Fold ``module`` in place; returns how many ops were folded or inlined (0: unchanged)."""
    with Rewriter() as rewriter:
        folder = _Folder(max_elements, rewriter)
        with np.errstate(all="ignore"):  # references compute what XLA would, inf and nan included
            folder.visit_regions(module.op)
    return folder.changes


_UNKNOWN = object()  # cached "not a constant" marker in the value map


class FoldContext:
    """What an op's ``fold`` hook sees: constants it can ask about, and ways to replace the op."""

    def __init__(self, folder: _Folder, op: Operation, pending: list[Operation]):
        self._folder, self._pending = folder, pending
        self.op = op

    def constant(self, value: Value) -> np.ndarray | None:
        """The value of ``value`` when it is known at compile time, else None."""
        return self._folder.constant(value)

    def evaluate_region(self, region: Region, args: list[np.ndarray | None]) -> list[np.ndarray | None] | None:
        """What ``region`` yields for ``args`` (None for an unknown argument), or None when pure
        constant ops cannot decide it."""
        return self._folder.evaluate_block(region.block, args)

    def replace(self, values: list[Value]) -> None:
        """Replace the op's results by ``values`` and erase it."""
        self._folder.rewriter.replace(self.op, values)

    def inline_region(self, index: int) -> list[Value]:
        """Move region ``index``'s ops before the op (they are folded next); returns what it yields."""
        block = self.op.regions[index].block
        moved = block.ops[:-1]
        yielded = self._folder.rewriter.inline_block_before(block, self.op)
        self._pending.extend(reversed(moved))
        return yielded


class _Folder:
    def __init__(self, max_elements: int, rewriter: Rewriter):
        self.max_elements = max_elements
        self.rewriter = rewriter
        self.known: dict[Value, object] = {}
        self.interpreter = Interpreter(None)
        self.changes = 0

    # ---- walking ---------------------------------------------------------------------------------
    def visit_regions(self, op: Operation) -> None:
        for region in op.regions:
            for block in region.blocks:
                self.visit_block(block)

    def visit_block(self, block: Block) -> None:
        """Fold ``block``'s ops in order (ops inlined from a region are visited where they land)."""
        pending = list(reversed(block.ops))  # a stack, so inlined ops are visited next
        while pending:
            op = pending.pop()
            if op.parent is not block:
                continue  # erased
            opdef = lookup(op.name)
            if opdef is not None and opdef.fold is not None and opdef.fold(FoldContext(self, op, pending)):
                self.changes += 1
                continue
            if not self.fold(op):
                self.visit_regions(op)

    # ---- constant values -------------------------------------------------------------------------
    def constant(self, value: Value) -> np.ndarray | None:
        """The value of ``value`` when it is known at compile time, else None."""
        found = self.known.get(value)
        if found is None:
            found = self.known[value] = self.lookup(value)
        return None if found is _UNKNOWN else found

    def lookup(self, value: Value):
        found = constant_value(value)
        if found is not None:
            return found
        owner = getattr(value, "op", None)
        if owner is not None and not owner.operands and self.foldable(owner):  # e.g. iota: evaluated, not replaced
            values = self.evaluate(owner, [])
            if values is not None:
                for result, array in zip(owner.results, values):
                    self.known[result] = array
                return self.known[value]
        return _UNKNOWN

    # ---- folding pure ops ------------------------------------------------------------------------
    def foldable(self, op: Operation) -> bool:
        """Pure, region-free, evaluable, and every result static and within both size caps."""
        if op.regions or not op.results or not _evaluable(op):
            return False
        for result in op.results:
            t = result.type
            if not isinstance(t, TensorType) or not t.is_static or t.num_elements > self.max_elements:
                return False
            if type_too_big(t, "folded value"):
                return False
        return True

    def fold(self, op: Operation) -> bool:
        """Replace ``op`` by constants when its operands are all known (True when it did)."""
        if not op.operands:
            return False
        arrays = []
        for value in op.operands:  # cheapest test first: most ops have a run-time operand
            array = self.constant(value)
            if array is None:
                return False
            arrays.append(array)
        if not self.foldable(op):
            return False
        values = self.evaluate(op, arrays)
        if values is None or _grows(arrays, values):
            return False
        constants = [self.rewriter.insert_before(op, _constant_op(op, r, a)) for r, a in zip(op.results, values)]
        for new in constants:
            self.known[new.result] = new.attributes["value"].value
        self.rewriter.replace(op, [new.result for new in constants])
        self.changes += 1
        return True

    def evaluate(self, op: Operation, arrays: list[np.ndarray]) -> list[np.ndarray] | None:
        """Run ``op``'s reference; None when it fails (the op is then left for run time)."""
        try:
            return self.interpreter.evaluate(op, arrays, {})
        except Exception:  # noqa: BLE001 - a reference that rejects these values: not folding is always safe
            return None

    def evaluate_block(self, block: Block, args: list[np.ndarray | None]) -> list[np.ndarray | None] | None:
        """What ``block`` yields when its pure ops can all be evaluated on constants, else None."""
        env: dict[Value, np.ndarray | None] = dict(zip(block.args, args))
        for inner in block.ops[:-1]:
            arrays = [env[v] if v in env else self.constant(v) for v in inner.operands]
            if any(a is None for a in arrays) or not self.foldable(inner):
                return None
            values = self.evaluate(inner, arrays)
            if values is None:
                return None
            env.update(zip(inner.results, values))
        return [env[v] if v in env else self.constant(v) for v in block.ops[-1].operands]


def _grows(arrays: list[np.ndarray], values: list[np.ndarray]) -> bool:
    """Whether folding would make a constant larger than what it is computed from (a bias broadcast
    to an activation's shape): the op stays, small, and XLA fuses it. Splats (one value repeated)
    are always folded: they print and fold as the one value."""
    size = sum(a.size for a in arrays)
    return any(v.size > size and v.size > 1 and not (v.flat[0] == v).all() for v in values)


_evaluable_names: dict[str, bool] = {}


def _evaluable(op: Operation) -> bool:
    """Pure, with a numpy reference, and not already a constant."""
    known = _evaluable_names.get(op.name)
    if known is None:
        opdef = lookup(op.name)
        if opdef is None:
            return False
        known = _evaluable_names[op.name] = (
            is_pure(op) and opdef.reference is not None and not opdef.has(Trait.CONSTANT_LIKE)
        )
    return known


def _constant_op(op: Operation, result: Value, array: np.ndarray) -> Operation:
    """A ``tfc.constant`` holding ``array`` for ``result``, at ``op``'s location and with its name."""
    value = DenseElementsAttr(np.array(array, order="C", copy=True), result.type)
    return Operation(CONSTANT_OP, (), [result.type], {"value": value}, (), op.location, [result.name_hint])
