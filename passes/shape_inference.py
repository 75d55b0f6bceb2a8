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

Ops with regions refine through their registry ``refine_regions`` hook, which sees a
:class:`RefineContext`; it also names the values whose types must stay equal (a ``tfc.if``'s
results and what both branches yield; a ``tfc.while``'s initial values, results, region arguments
and body yields). A call's arguments must match its callee's signature (checked by the op's
``verify`` hook). Whatever still disagrees at the end goes back to its original type — always
valid, as it was before. A function's results follow its ``func.return`` unless some op refers to the
function by symbol (a call would disagree with the new signature); then its returns keep their types.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.attributes import ArrayAttr, Attribute, DictAttr, SymbolRefAttr
from tfc.ir import FUNC_OP, Block, Function, Module, Operation, Value
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
            opdef = lookup(op.name)
            if opdef is not None and opdef.refine_regions is not None:
                opdef.refine_regions(RefineContext(self, op))
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
            self.refine(result, t)
        if opdef.verify is not None:
            self.hooked.append(op)

    def refine(self, value: Value, inferred: Type) -> bool:
        """Make ``value``'s type as specific as ``inferred`` allows; True when it changed."""
        new = refine_type(value.type, inferred)
        if new is None:
            return False
        self.set_type(value, new)
        return True

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


class RefineContext:
    """What an op's ``refine_regions`` hook sees."""

    def __init__(self, refiner: _Refiner, op: Operation):
        self._refiner = refiner
        self.op = op

    def refine_block(self, block: Block) -> None:
        """Refine the ops of ``block`` (a region of the op) with the types its arguments have now."""
        self._refiner.block(block)

    def refine(self, value: Value, inferred: Type) -> bool:
        """Make ``value``'s type as specific as ``inferred`` allows; True when it changed."""
        return self._refiner.refine(value, inferred)

    def tie(self, values: list[Value]) -> None:
        """These values must end with equal types (else all go back to their original types)."""
        self._refiner.ties.append(list(values))

    def mark(self) -> int:
        """A point to :meth:`rollback` to."""
        return len(self._refiner.log)

    def rollback(self, mark: int) -> None:
        """Undo every refinement made since ``mark``."""
        self._refiner.rollback(mark)


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
