"""``legalize-tf``: rewrite every ``tf.*`` op into core ops with its registry decomposition.

Before::

    %z = "tf.AddV2"(%x, %y) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("z")

After::

    %0 = "tfc.add"(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc("z")

Decompositions are written with the tracing API and recorded at the tf op's location, so an imported
graph becomes an ordinary core module that lowers, optimizes and differentiates like traced code.
Control tokens disappear: core ops keep program order, which the importer made TensorFlow's order.
Each block is rebuilt once, so the pass is linear in the number of ops. Ops without a decomposition
are reported together, with the nodes that use them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.attributes import ArrayAttr, StringAttr, SymbolRefAttr
from tfc.device_spec import COLOCATE_ATTR, DEVICE_ATTR, TASK_ATTR, canonical_device, task_of
from tfc.diagnostics import TfcError
from tfc.effects import constant_value, is_pure
from tfc.frontend.tensor import Tensor, constant, to_tensor
from tfc.frontend.tracing import Trace, tracing
from tfc.ir import Block, Function, Module, Operation
from tfc.location import NameLoc
from tfc.passmanager import Pass, register_pass
from tfc.registry import ShapeError, lookup
from tfc.rewriter import Rewriter
from tfc.types import FunctionType, ResourceType, TensorType, TokenType

from .dialect import STATIC_SHAPES_HINT, ConstantRequired, DataDependentShape, DecomposeContext, data_types
from .gradients_op import GRADIENTS, differentiated_ops, expand_gradients
from .tf_ir import discard, evaluate_on_constants


class LegalizationError(TfcError):
    """tf ops that have no decomposition (or whose decomposition failed), with where they are.
    ``constant_required``: the operand that had to be a constant, when that is why; ``host_op``: the
    name of the op whose output shape depends on its input values (a session runs it on the host)."""

    def __init__(self, message: str, constant_required=None, host_op: str | None = None):
        super().__init__(message)
        self.constant_required = constant_required
        self.host_op = host_op


@register_pass
@dataclass(frozen=True)
class LegalizeTF(Pass):
    """Decompose all ``tf.*`` ops into core ops."""

    name = "legalize-tf"

    def run(self, module: Module) -> None:
        missing: dict[str, list[str]] = {}
        for function in _callees_first(module):
            with Rewriter() as rewriter:  # committed per function: callers read their callees' bodies
                _Legalizer(module, missing, rewriter).block(function.body)
            if not missing:
                try:
                    expand_gradients(module, function)  # tf.gradients nodes, now that their forward is core ops
                except ShapeError as err:
                    raise LegalizationError(str(err)) from None
            returned = tuple(v.type for v in function.return_op.operands)
            function.set_type(FunctionType(function.type.inputs, returned))
        if missing:
            rows = [f"{op} x{len(where)} ({', '.join(where[:3])}{', ...' if len(where) > 3 else ''})" for op, where in sorted(missing.items())]
            raise LegalizationError(f"error: no decomposition into core ops for: {'; '.join(rows)}")


# Shape arithmetic (Shape -> StridedSlice -> Pack -> Reshape) must become constants as it is
# legalized, since core ops need static shapes; the cap keeps real data computations out.
FOLD_MAX_ELEMENTS = 1 << 16


def _fold(module: Module, op: Operation, produced: list[Tensor], scratch: Block) -> list[Tensor] | None:
    """Evaluate a decomposition whose inputs are all constants; its ops become constants."""
    if any(t.type.num_elements is None or t.type.num_elements > FOLD_MAX_ELEMENTS for t in produced):
        return None
    values = evaluate_on_constants(module, scratch.ops, [t.value for t in produced], FOLD_MAX_ELEMENTS)
    if values is None:
        return None
    discard(scratch)
    trace = Trace.into_block(module, scratch, op.location)
    return [constant(trace, np.asarray(v), t.dtype) for v, t in zip(values, produced)]


def _callees_first(module: Module) -> list[Function]:
    """Functions in post-order of the call graph, so a call is legalized after (and typed by) its callee."""
    functions = {f.name: f for f in module.functions}
    order: list[Function] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name):
            return
        state[name] = 1
        for op in functions[name].op.walk():
            for attribute in op.attributes.values():
                refs = attribute.elements if isinstance(attribute, ArrayAttr) else (attribute,)
                for ref in refs:
                    if isinstance(ref, SymbolRefAttr) and ref.symbol in functions:
                        visit(ref.symbol)
        order.append(functions[name])

    for name in functions:
        visit(name)
    return order


def carry_placement(op: Operation, ops: list[Operation]) -> None:
    """Give the core ops of ``op``'s decomposition its device (``tf.device``, as a short name), its
    task when the device names one (``/job:ps/task:0``) and its colocation (``_class = ["loc:@name"]``,
    and the variables it takes), for the ``place`` and ``place-tasks`` passes."""
    device = op.attr("tf.device")
    name = canonical_device(device) if device else None
    task = task_of(device) if device else None
    groups = [entry[len("loc:@"):] for entry in op.attr("_class", ()) if isinstance(entry, str) and entry.startswith("loc:@")]
    if device:  # placement matters: the op goes with the variables it takes
        groups += [v for v in _variables_taken(op) if v not in groups]
    if name is None and task is None and not groups:
        return
    for core_op in ops:
        if name is not None:
            core_op.attributes[DEVICE_ATTR] = StringAttr(name)
        if task is not None:
            core_op.attributes[TASK_ATTR] = StringAttr(task)
        if groups:
            core_op.attributes[COLOCATE_ATTR] = ArrayAttr(tuple(StringAttr(g) for g in groups))


def _variables_taken(op: Operation) -> list[str]:
    """The variables ``op`` takes by reference (their handles): TensorFlow's placer keeps such an op
    with its variable, so an update's arithmetic runs where the variable is, read and write in one
    piece (on a parameter server: under the variable's lock, so concurrent updates all apply)."""
    names = []
    for value in op.operands:
        producer = getattr(value, "op", None)
        if isinstance(value.type, ResourceType) and producer is not None and isinstance(producer.location, NameLoc):
            names.append(producer.location.name)
    return names


class _Legalizer:
    def __init__(self, module: Module, missing: dict, rewriter: Rewriter):
        self.module = module
        self.missing = missing
        self.rewriter = rewriter

    def block(self, block: Block) -> None:
        legalized: list[Operation] = []
        differentiated = differentiated_ops(block)  # not folded: a tf.gradients path runs through them
        for op in block.ops:
            if op.name == GRADIENTS:  # expanded once the function is legalized
                continue
            if not op.name.startswith("tf."):
                for region in op.regions:
                    for inner in region.blocks:
                        self.block(inner)
                continue
            scratch = Block()
            if self.decompose(op, scratch, foldable=op not in differentiated):
                carry_placement(op, scratch.ops)
                self.rewriter.move_before(op, scratch.ops)
                legalized.append(op)
        for op in legalized:  # control tokens link legalized ops: let go of them all first
            op.drop_operands()
        for op in legalized:
            if any(result.uses for result in op.results):
                raise LegalizationError(f"{op.location.describe()}: error: '{op.name}' result still used after legalization")
            self.rewriter.erase(op)

    def decompose(self, op: Operation, scratch: Block, foldable: bool = True) -> bool:
        opdef = lookup(op.name)
        if opdef is None or opdef.decompose is None:
            self.missing.setdefault(op.name, []).append(op.location.describe())
            return False
        operands = op.operands[: len(data_types(v.type for v in op.operands))]
        for index, value in enumerate(operands):
            if isinstance(value.type, TensorType) and not value.type.is_static:  # core ops have static shapes
                raise LegalizationError(f"{op.location.describe()}: error: '{op.name}': operand #{index} of type {value.type} "
                                        f"is not static: {STATIC_SHAPES_HINT}", value)  # integer feeds behind it may fix it
        results = [r for r in op.results if not isinstance(r.type, TokenType)]
        trace = Trace.into_block(self.module, scratch, op.location)
        try:
            with tracing(trace):
                produced = opdef.decompose(DecomposeContext(op, operands, results), *[Tensor(v, trace) for v in operands])
                produced = produced if isinstance(produced, (list, tuple)) else [produced]
                produced = [to_tensor(p, trace) for p in produced]
        except ShapeError as err:
            required = err.value if isinstance(err, ConstantRequired) else None
            host = op.location.name if isinstance(err, DataDependentShape) and isinstance(op.location, NameLoc) else None
            raise LegalizationError(f"{op.location.describe()}: error: '{op.name}': {err}", required, host) from None
        except (TypeError, AttributeError, IndexError, KeyError, ValueError) as err:  # malformed attributes/inputs
            raise LegalizationError(
                f"{op.location.describe()}: error: '{op.name}': cannot interpret its attributes or inputs ({type(err).__name__}: {err})"
            ) from None
        if len(produced) != len(results):
            raise LegalizationError(f"{op.location.describe()}: error: decomposition of '{op.name}' made {len(produced)} values for {len(results)} results")
        if foldable and is_pure(op) and all(constant_value(v) is not None for v in operands):
            produced = _fold(self.module, op, produced, scratch) or produced
        for result, tensor in zip(results, produced):
            if not result.type.is_compatible(tensor.value.type):
                raise LegalizationError(
                    f"{op.location.describe()}: error: decomposition of '{op.name}' gives {tensor.value.type} for result declared {result.type}"
                )
            if tensor.value.name_hint is None:
                tensor.value.name_hint = result.name_hint
            result.replace_all_uses_with(tensor.value)
        return True
