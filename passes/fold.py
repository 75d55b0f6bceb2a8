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
elements (default 1 << 20, i.e. 4 MiB of f32 — about what Grappler's 10 MB cap allows), so folding
never turns a small broadcast into a huge constant. Each result becomes a ``tfc.constant`` at the
op's location, keeping its name. Ops without operands (``tfc.iota``) are evaluated for their users
but not replaced themselves: the constant would only be a bigger spelling of the same op.

Structured control flow folds too: a ``tfc.if`` with a constant predicate is replaced by the ops of
the branch it takes (its results become the values that branch yields), and a ``tfc.while`` whose
condition is false on entry is replaced by its initial values.

One forward walk with a map of the constant values found so far; inlined ops join the walk where
the ``tfc.if`` stood, so the whole pass is linear in the number of ops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.backends.interp.interpreter import Interpreter
from tfc.ir import Block, Module, Operation, Value
from tfc.ops.control_flow import IF_OP, WHILE_OP
from tfc.passmanager import Pass, register_pass
from tfc.registry import OpDef, Trait, lookup
from tfc.types import TensorType

DEFAULT_MAX_ELEMENTS = 1 << 20
CONSTANT_OP = "tfc.constant"


@register_pass
@dataclass(frozen=True)
class Fold(Pass):
    """Replace pure ops on constants by constants; resolve if/while with known conditions."""

    name = "fold"
    max_elements: int = DEFAULT_MAX_ELEMENTS
    """Results with more elements than this stay computed at run time."""

    def run(self, module: Module) -> None:
        fold_module(module, self.max_elements)


def fold_module(module: Module, max_elements: int = DEFAULT_MAX_ELEMENTS) -> int:
    """Fold ``module`` in place; returns how many ops were folded or inlined (0: unchanged)."""
    folder = _Folder(max_elements)
    with np.errstate(all="ignore"):  # references compute what XLA would, inf and nan included
        folder.visit_regions(module.op)
    return folder.changes


_UNKNOWN = object()  # cached "not a constant" marker in the value map


class _Folder:
    def __init__(self, max_elements: int):
        self.max_elements = max_elements
        self.known: dict[Value, object] = {}
        self.interpreter = Interpreter(None)
        self.evaluable: dict[str, bool] = {}  # op name -> may its reference run at compile time
        self.changes = 0

    # ---- walking ---------------------------------------------------------------------------------
    def visit_regions(self, op: Operation) -> None:
        for region in op.regions:
            for block in region.blocks:
                self.visit_block(block)

    def visit_block(self, block: Block) -> None:
        """Fold ``block``'s ops in order; rebuild its op list once."""
        kept: list[Operation] = []
        pending = list(reversed(block.ops))  # a stack, so inlined ops are visited next
        while pending:
            op = pending.pop()
            if op.name == IF_OP and self.inline_if(op, block, pending):
                continue
            if op.name == WHILE_OP and self.skip_while(op):
                continue
            constants = self.fold(op)
            if constants is not None:
                kept.extend(constants)
                continue
            self.visit_regions(op)
            kept.append(op)
        block.ops[:] = kept

    # ---- constant values -------------------------------------------------------------------------
    def constant(self, value: Value) -> np.ndarray | None:
        """The value of ``value`` when it is known at compile time, else None."""
        found = self.known.get(value)
        if found is None:
            found = self.known[value] = self.lookup(value)
        return None if found is _UNKNOWN else found

    def lookup(self, value: Value):
        owner = getattr(value, "op", None)
        opdef = lookup(owner.name) if owner is not None else None
        if opdef is None:
            return _UNKNOWN
        if opdef.has(Trait.CONSTANT_LIKE):
            attribute = owner.attributes.get("value")
            return attribute.value if isinstance(attribute, DenseElementsAttr) else _UNKNOWN
        if not owner.operands and self.foldable(owner):  # e.g. iota: evaluated, not replaced
            values = self.evaluate(owner, [])
            if values is not None:
                for result, array in zip(owner.results, values):
                    self.known[result] = array
                return self.known[value]
        return _UNKNOWN

    # ---- folding pure ops ------------------------------------------------------------------------
    def foldable(self, op: Operation) -> bool:
        """Pure, region-free, evaluable, and every result static and within the size cap."""
        evaluable = self.evaluable.get(op.name)
        if evaluable is None:
            evaluable = self.evaluable[op.name] = _evaluable(lookup(op.name))
        if not evaluable or op.regions or not op.results:
            return False
        for result in op.results:
            t = result.type
            if not isinstance(t, TensorType) or not t.is_static or t.num_elements > self.max_elements:
                return False
        return True

    def fold(self, op: Operation) -> list[Operation] | None:
        """The constants that replace ``op``, or None when it does not fold."""
        if not op.operands:
            return None
        arrays = []
        for value in op.operands:  # cheapest test first: most ops have a run-time operand
            array = self.constant(value)
            if array is None:
                return None
            arrays.append(array)
        if not self.foldable(op):
            return None
        values = self.evaluate(op, arrays)
        if values is None:
            return None
        constants = [_constant_op(op, result, array) for result, array in zip(op.results, values)]
        for result, new in zip(op.results, constants):
            result.replace_all_uses_with(new.result)
            self.known[new.result] = new.attributes["value"].value
        op.drop_operands()
        op.parent = None
        self.changes += 1
        return constants

    def evaluate(self, op: Operation, arrays: list[np.ndarray]) -> list[np.ndarray] | None:
        """Run ``op``'s reference; None when it fails (the op is then left for run time)."""
        try:
            return self.interpreter.evaluate(op, arrays, {})
        except Exception:  # noqa: BLE001 - a reference that rejects these values: not folding is always safe
            return None

    # ---- structured control flow -----------------------------------------------------------------
    def inline_if(self, op: Operation, block: Block, pending: list[Operation]) -> bool:
        """Replace a ``tfc.if`` whose predicate is known by the ops of the branch it takes."""
        pred = self.constant(op.operands[0]) if op.operands else None
        if pred is None or pred.size != 1:
            return False
        taken = op.regions[0 if bool(pred.reshape(())) else 1].block
        terminator = taken.ops[-1]
        for result, value in zip(op.results, terminator.operands):
            result.replace_all_uses_with(value)
        inlined = taken.ops[:-1]
        taken.ops[:] = [terminator]
        _forget(op)
        for inner in reversed(inlined):
            inner.parent = block
            pending.append(inner)
        self.changes += 1
        return True

    def skip_while(self, op: Operation) -> bool:
        """Replace a ``tfc.while`` whose condition is false for its initial values by those values."""
        if self.entry_condition(op) is not False:
            return False
        for result, init in zip(op.results, op.operands):
            result.replace_all_uses_with(init)
        _forget(op)
        self.changes += 1
        return True

    def entry_condition(self, op: Operation) -> bool | None:
        """The cond region's verdict on the initial values, when pure constant ops decide it."""
        cond = op.regions[0].block
        env: dict[Value, np.ndarray | None] = {arg: self.constant(v) for arg, v in zip(cond.args, op.operands)}
        for inner in cond.ops[:-1]:
            arrays = [env[v] if v in env else self.constant(v) for v in inner.operands]
            if any(a is None for a in arrays) or not self.foldable(inner):
                return None
            values = self.evaluate(inner, arrays)
            if values is None:
                return None
            env.update(zip(inner.results, values))
        yielded = cond.ops[-1].operands
        verdict = (env[yielded[0]] if yielded[0] in env else self.constant(yielded[0])) if yielded else None
        return None if verdict is None or verdict.size != 1 else bool(verdict.reshape(()))


def _evaluable(opdef: OpDef | None) -> bool:
    """Registered, pure, not stateful, with a numpy reference, and not already a constant."""
    if opdef is None or opdef.reference is None:
        return False
    return opdef.has(Trait.PURE) and not opdef.has(Trait.STATEFUL) and not opdef.has(Trait.CONSTANT_LIKE)


def _constant_op(op: Operation, result: Value, array: np.ndarray) -> Operation:
    """A ``tfc.constant`` holding ``array`` for ``result``, at ``op``'s location and with its name."""
    value = DenseElementsAttr(np.array(array, order="C", copy=True), result.type)
    new = Operation(CONSTANT_OP, (), [result.type], {"value": value}, (), op.location, [result.name_hint])
    new.parent = op.parent
    return new


def _forget(op: Operation) -> None:
    """Drop the operand uses of ``op`` and everything nested in it; the caller drops the op itself."""
    for inner in op.walk():
        inner.drop_operands()
    op.parent = None
