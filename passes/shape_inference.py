"""``shape-inference``: refine ``?`` dims and unknown ranks by re-running each op's type rule.

Before::

    %s = "tf.Const"() {value = dense<[2, 3]> : tensor<2xi32>} : () -> tensor<2xi32>
    %r = "tf.Reshape"(%x, %s) : (tensor<6xf32>, tensor<2xi32>) -> tensor<*xf32>
    %n = "tfc.negate"(%r) : (tensor<*xf32>) -> tensor<*xf32>
    "func.return"(%n) : (tensor<*xf32>) -> ()
    // function_type = (tensor<6xf32>) -> tensor<*xf32>

After::

    %r = "tf.Reshape"(%x, %s) : (tensor<6xf32>, tensor<2xi32>) -> tensor<2x3xf32>
    %n = "tfc.negate"(%r) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    "func.return"(%n) : (tensor<2x3xf32>) -> ()
    // function_type = (tensor<6xf32>) -> tensor<2x3xf32>

One forward walk per function runs each op's registry type rule on the current operand types, with
the operands themselves so rules see constants (a ``tf.Reshape`` whose shape is a ``tf.Const``), and
merges what it gives into the declared result type: a type only ever becomes more specific, and a
rule that disagrees (or fails) changes nothing. Ops whose results are all static are skipped.

Some types must stay equal to others: a ``tfc.if``'s results and what both branches yield; a
``tfc.while``'s initial values, results, region arguments and body yields; a call's arguments and
its callee's signature (checked by the op's ``verify`` hook). An ``if`` result is refined when both
branches yield the same refined type; a ``while`` tries its refined initial types as the carried
types and keeps them only when the body yields them back (otherwise the body is re-inferred with the
old types). Whatever still disagrees at the end goes back to its original type — always valid, as
it was before. A function's results follow its ``func.return`` unless some op refers to the
function by symbol (a call would disagree with the new signature); then its returns keep their types.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.attributes import ArrayAttr, Attribute, DictAttr, SymbolRefAttr
from tfc.ir import FUNC_OP, Block, Function, Module, Operation, Value
from tfc.ops.control_flow import IF_OP, WHILE_OP
from tfc.ops.rules import merge_shapes
from tfc.passmanager import Pass, register_pass
from tfc.registry import ShapeError, Trait, lookup
from tfc.types import FunctionType, TensorType, Type
from tfc.verifier import infer_types


@register_pass
@dataclass(frozen=True)
class ShapeInference(Pass):
    """Make result types as specific as the type rules can prove."""

    name = "shape-inference"

    def run(self, module: Module) -> None:
        infer_shapes(module)


def infer_shapes(module: Module) -> int:
    """Refine ``module``'s types in place; returns how many values ended up with a more specific type."""
    referenced = _referenced_symbols(module)
    refined = 0
    for op in module.body.ops:
        if op.name == FUNC_OP:
            refined += _refine_function(Function(op), pinned=op.attr("sym_name") in referenced)
    return refined


def _refine_function(function: Function, pinned: bool) -> int:
    refiner = _Refiner()
    refiner.block(function.body)
    returned = function.return_op.operands
    if pinned:
        refiner.fixed.update(returned)
    refiner.settle()
    if not pinned:
        function.set_type(FunctionType(function.type.inputs, tuple(v.type for v in returned)))
    return sum(1 for value, original in refiner.original.items() if value.type != original)


def refine_type(current: Type, inferred: Type) -> Type | None:
    """The most specific type both describe, when it is more specific than ``current``; else None."""
    if not isinstance(current, TensorType) or not isinstance(inferred, TensorType):
        return None
    if not current.is_compatible(inferred) or inferred.shape is None:
        return None
    if current.shape is None:
        merged = inferred.shape
    else:
        merged = tuple(a if a is not None else b for a, b in zip(current.shape, inferred.shape))
    return None if merged == current.shape else current.with_shape(merged)


class _Refiner:
    """Refines one function; remembers original types so disagreeing groups can be put back."""

    def __init__(self):
        self.original: dict[Value, Type] = {}
        self.log: list[tuple[Value, Type]] = []  # (value, type before the change), to roll back a while
        self.ties: list[list[Value]] = []  # values whose types must be equal
        self.fixed: set[Value] = set()  # values whose types must stay as they were
        self.hooked: list[Operation] = []  # ops with a verify hook whose operand or result types changed

    def set_type(self, value: Value, new: Type) -> None:
        self.log.append((value, value.type))
        self.original.setdefault(value, value.type)
        value.type = new

    def rollback(self, mark: int) -> None:
        while len(self.log) > mark:
            value, old = self.log.pop()
            value.type = old

    def revert(self, value: Value) -> bool:
        original = self.original.get(value)
        if original is None or value.type == original:
            return False
        self.set_type(value, original)
        return True

    # ---- the walk --------------------------------------------------------------------------------
    def block(self, block: Block) -> None:
        for op in block.ops:
            if op.name == IF_OP:
                self.if_op(op)
            elif op.name == WHILE_OP:
                self.while_op(op)
            elif op.regions:
                self.other_regions(op)
            else:
                self.results(op)

    def results(self, op: Operation) -> None:
        """Merge what ``op``'s type rule gives now into its result types."""
        opdef = lookup(op.name)
        if opdef is None or opdef.infer is None:
            return
        changed_operand = any(v in self.original for v in op.operands)
        if not changed_operand and all(_settled(r.type) for r in op.results):
            return
        attrs = {k: v.value for k, v in op.attributes.items()}
        try:
            inferred = infer_types(opdef, [v.type for v in op.operands], attrs, [r.type for r in op.results], op.regions, op.operands)
            if opdef.has(Trait.ELEMENTWISE):
                inferred = [_with_operand_shapes(t, op.operands) for t in inferred]
        except (ShapeError, TypeError, AttributeError, IndexError, KeyError, ValueError):  # as the importer does
            inferred = None
        if inferred is None or len(inferred) != len(op.results) or not all(r.type.is_compatible(t) for r, t in zip(op.results, inferred)):
            self.fixed.update(op.operands)  # the rule rejects the refined operands: keep their old types
            return
        for result, t in zip(op.results, inferred):
            new = refine_type(result.type, t)
            if new is not None:
                self.set_type(result, new)
        if opdef.verify is not None:
            self.hooked.append(op)

    def if_op(self, op: Operation) -> None:
        """Refine both branches; a result takes the type both branches now yield, if they agree."""
        for region in op.regions:
            self.block(region.block)
        then_yield, else_yield = (region.block.ops[-1].operands for region in op.regions)
        for result, a, b in zip(op.results, then_yield, else_yield):
            if a.type == b.type:
                new = refine_type(result.type, a.type)
                if new is not None:
                    self.set_type(result, new)
            self.ties.append([result, a, b])

    def while_op(self, op: Operation) -> None:
        """Carry the refined initial types when the body keeps them; else re-infer with the old ones."""
        carried = [[op.operands[i], op.results[i]] + [r.block.args[i] for r in op.regions] for i in range(len(op.results))]
        mark = len(self.log)
        for group in carried:
            for value in group[1:]:
                new = refine_type(value.type, group[0].type)
                if new is not None:
                    self.set_type(value, new)
        trying = len(self.log) > mark
        for region in op.regions:
            self.block(region.block)
        body_yield = op.regions[1].block.ops[-1].operands
        if trying and any(v.type != group[1].type for v, group in zip(body_yield, carried)):
            self.rollback(mark)
            for region in op.regions:
                self.block(region.block)
        for group, yielded in zip(carried, body_yield):
            self.ties.append(group + [yielded])

    def other_regions(self, op: Operation) -> None:
        """Ops with regions of unknown meaning: refine inside, keep what their terminators pass out."""
        for region in op.regions:
            for block in region.blocks:
                self.block(block)
                if block.ops:
                    self.fixed.update(block.ops[-1].operands)
        self.results(op)

    # ---- putting back what disagrees -------------------------------------------------------------
    def settle(self) -> None:
        """Revert values until every tie agrees, fixed values are original and verify hooks pass."""
        changed = True
        while changed:
            changed = False
            for value in self.fixed:
                changed |= self.revert(value)
            for group in self.ties:
                if any(v.type != group[0].type for v in group):
                    for value in group:
                        changed |= self.revert(value)
            for op in self.hooked:
                if op.parent is not None and lookup(op.name).verify(op):
                    for value in (*op.operands, *op.results):
                        changed |= self.revert(value)


def _with_operand_shapes(t: Type, operands) -> Type:
    """An elementwise op's result has the shape of its operands (scalar predicates and bounds aside)."""
    if not isinstance(t, TensorType):
        return t
    shapes = [v.type.shape for v in operands if isinstance(v.type, TensorType) and v.type.shape is not None]
    if operands and len(shapes) == len(operands) and not any(shapes):
        shapes = [()]  # every operand is a scalar
    shape = t.shape
    for other in shapes:
        if other:
            shape = merge_shapes(shape, other)
    if shapes == [()] and shape is None:
        shape = ()
    return t.with_shape(shape)


def _settled(t: Type) -> bool:
    """Nothing to refine: a static tensor, or not a tensor at all."""
    return not isinstance(t, TensorType) or t.is_static


def _referenced_symbols(module: Module) -> set[str]:
    """Names that any attribute of any op refers to (calls, tf functional control flow)."""
    names: set[str] = set()
    for op in module.walk():
        for attribute in op.attributes.values():
            _collect_symbols(attribute, names)
    return names


def _collect_symbols(attribute: Attribute, names: set[str]) -> None:
    if isinstance(attribute, SymbolRefAttr):
        names.add(attribute.symbol)
    elif isinstance(attribute, ArrayAttr):
        for element in attribute.elements:
            _collect_symbols(element, names)
    elif isinstance(attribute, DictAttr):
        for _, element in attribute.entries:
            _collect_symbols(element, names)
