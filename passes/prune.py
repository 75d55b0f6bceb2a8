"""``prune``: keep only what the requested outputs, targets and side effects need (TensorFlow's
per-``Session.run`` pruning, done on the IR).

Before (``prune{outputs=1,targets=train}``)::

    ^bb0(%x: tensor<f32>):
      %a = "tf.Exp"(%x) : (tensor<f32>) -> tensor<f32> loc("a")
      %b = "tf.Neg"(%x) : (tensor<f32>) -> tensor<f32> loc("b")
      %t = "tf.Tanh"(%x) : (tensor<f32>) -> tensor<f32> loc("t")
      "tf.NoOp"() : () -> () loc("train")
      "func.return"(%a, %b) : (tensor<f32>, tensor<f32>) -> ()
    }) {function_type = (tensor<f32>) -> (tensor<f32>, tensor<f32>), sym_name = "main"}

After::

    ^bb0(%x: tensor<f32>):
      %b = "tf.Neg"(%x) : (tensor<f32>) -> tensor<f32> loc("b")
      "tf.NoOp"() : () -> () loc("train")
      "func.return"(%b) : (tensor<f32>) -> ()
    }) {function_type = (tensor<f32>) -> tensor<f32>, sym_name = "main"}

Options (all about the entry function, ``entry``, default ``main``):

* ``outputs``: which results to keep, as ``func.return`` operand indices in the order wanted:
  ``outputs=2,0`` returns what result 2 was, then what result 0 was. Indices are the one scheme
  because they are what the function type speaks in; an imported graph's results follow its fetch
  list (``ImportResult.fetches``), so ``fetches.index("loss:0")`` is the index to give. Empty (the
  default) keeps every result; ``none`` keeps none (a run of targets only). The other results are
  removed from ``func.return`` and from the function type.
* ``targets``: ops that must run although no output needs them, named as TensorFlow names nodes:
  the name in the op's location, ``loc("train_step")``. Every top-level op of the entry function
  with that name is kept, with everything it needs.
* ``keep_stateful`` (default true): stateful and other side-effecting ops are roots, as in
  ``dce``. With ``false`` only the outputs and targets are roots, so an assign or a print that
  nothing requested goes too (except unregistered ops, whose effects are unknown).

Without options ``prune`` is ``dce``: an op goes when no root needs it, where roots are terminators,
ops that are not pure (or have impure ops nested inside) and unregistered ops. Other functions, and
the regions of kept ops, are always pruned with these dce roots: TensorFlow runs a called function
or a branch whole. Each block is walked once from its end, so the pass is linear in the ops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tfc.attributes import ArrayAttr, Attribute, DictAttr, SymbolRefAttr
from tfc.diagnostics import TfcError
from tfc.effects import has_side_effects
from tfc.ir import Block, Function, Module, Operation
from tfc.location import NameLoc
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup
from tfc.rewriter import Rewriter
from tfc.types import FunctionType

NO_OUTPUTS = "none"


class PruneError(TfcError):
    """The prune options do not fit the module (unknown entry, bad index, unknown target)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"error: prune: {message}")


@register_pass
@dataclass(frozen=True)
class Prune(Pass):
    """Remove what no requested output, target or side effect needs."""

    name = "prune"
    outputs: str = ""
    """``func.return`` operand indices to keep, comma-separated, in the order wanted; "" keeps all, "none" none."""
    targets: str = ""
    """Names (``loc("name")``) of top-level entry ops that must run, comma-separated."""
    keep_stateful: bool = True
    """Whether side-effecting ops are roots even when no output or target needs them."""
    entry: str = "main"
    """The function whose outputs and targets are named."""

    def run(self, module: Module) -> None:
        entry_body, entry_roots = None, has_side_effects
        if self.outputs or self.targets or not self.keep_stateful:
            function = _entry(module, self.entry)
            if self.outputs:
                _keep_results(module, function, _output_indices(self.outputs, function))
            targets = _target_ops(function, self.targets)
            entry_body, entry_roots = function.body, self._entry_roots(targets)
        with Rewriter() as rewriter:
            _Sweeper(entry_body, entry_roots, rewriter).visit_regions(module.op)

    def _entry_roots(self, targets: set[Operation]) -> Callable[[Operation], bool]:
        """What the entry function's top level keeps unconditionally."""
        effects = has_side_effects if self.keep_stateful else _unknown_or_terminator

        def is_root(op: Operation) -> bool:
            return op in targets or effects(op)

        return is_root


# ---- what to keep --------------------------------------------------------------------------------
def _entry(module: Module, name: str) -> Function:
    for function in module.functions:
        if function.name == name:
            return function
    names = ", ".join(f.name for f in module.functions) or "none"
    raise PruneError(f"no function named '{name}' to prune (functions: {names}); choose one with prune{{entry=...}}")


def _output_indices(text: str, function: Function) -> list[int]:
    """The ``outputs`` option as indices into ``function``'s results."""
    if text.strip() == NO_OUTPUTS:
        return []
    count = len(function.return_op.operands)
    indices: list[int] = []
    for piece in text.split(","):
        piece = piece.strip()
        if not piece.isdigit():
            raise PruneError(f"outputs are func.return operand indices (outputs=0,2), got '{piece}'")
        index = int(piece)
        if index >= count:
            raise PruneError(f"output {index} does not exist: @{function.name} returns {count} values")
        if index in indices:
            raise PruneError(f"output {index} is named twice")
        indices.append(index)
    return indices


def _keep_results(module: Module, function: Function, indices: list[int]) -> None:
    """Make ``function`` return only the results at ``indices``, in that order."""
    if indices == list(range(len(function.return_op.operands))):
        return
    callers = _symbol_users(module, function.name)
    if callers:
        raise PruneError(f"cannot drop results of @{function.name}: '{callers[0].name}' refers to it at {callers[0].location.describe()}")
    returned = function.return_op.operands
    function.return_op.set_operands([returned[i] for i in indices])
    results = function.type.results
    function.set_type(FunctionType(function.type.inputs, tuple(results[i] for i in indices)))


def _symbol_users(module: Module, symbol: str) -> list[Operation]:
    return [op for op in module.walk() if any(_names_symbol(a, symbol) for a in op.attributes.values())]


def _names_symbol(attribute: Attribute, symbol: str) -> bool:
    if isinstance(attribute, SymbolRefAttr):
        return attribute.symbol == symbol
    if isinstance(attribute, ArrayAttr):
        return any(_names_symbol(e, symbol) for e in attribute.elements)
    if isinstance(attribute, DictAttr):
        return any(_names_symbol(v, symbol) for _, v in attribute.entries)
    return False


def _target_ops(function: Function, text: str) -> set[Operation]:
    """The top-level ops of ``function`` that the ``targets`` option names."""
    wanted = {name.strip() for name in text.split(",") if name.strip()}
    if not wanted:
        return set()
    found: set[Operation] = set()
    seen: set[str] = set()
    for op in function.body.ops:
        location = op.location
        if isinstance(location, NameLoc) and location.name in wanted:
            found.add(op)
            seen.add(location.name)
    missing = sorted(wanted - seen)
    if missing:
        raise PruneError(f"no op named '{missing[0]}' in @{function.name} (targets name ops by their loc(\"name\"))")
    return found


# ---- traits --------------------------------------------------------------------------------------
def _unknown_or_terminator(op: Operation) -> bool:
    """The roots left when side effects are not kept: what we know nothing about, and terminators."""
    opdef = lookup(op.name)
    return opdef is None or opdef.has(Trait.TERMINATOR)


# ---- the sweep -----------------------------------------------------------------------------------
class _Sweeper:
    """Walks blocks backwards, dropping ops whose results are unused and that are not roots.

    A use comes after its definition, so by the time the walk reaches an op every user of it has
    been kept or dropped; regions of a kept op are swept before the walk moves above it, so outer
    values used only by dead nested ops are seen as unused too.
    """

    def __init__(self, entry_body: Block | None, entry_roots: Callable[[Operation], bool], rewriter: Rewriter):
        self.entry_body = entry_body
        self.entry_roots = entry_roots
        self.rewriter = rewriter

    def visit_regions(self, op: Operation) -> None:
        for region in op.regions:
            for block in reversed(region.blocks):
                self.sweep(block)

    def sweep(self, block: Block) -> None:
        is_root = self.entry_roots if block is self.entry_body else has_side_effects
        for op in reversed(block.ops):
            if any(result.uses for result in op.results) or is_root(op):
                self.visit_regions(op)
            else:
                self.rewriter.erase(op)
