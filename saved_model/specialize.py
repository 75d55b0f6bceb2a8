"""Specialize an exported program whose inputs have ``?`` dims to one call's input shapes.

``shape-inference`` refines forward, from operands to results. A traced program also has values
whose size only their users know: a scalar broadcast to ``?x2`` before it is added to ``x @ w``
gets its ``?`` from ``x``, which ``tfc.broadcast_in_dim`` cannot see. Elementwise ops have
same-shaped operands and results, so each dim one of them knows is given to all of them; the
two steps alternate until nothing changes.

Before (``x: tensor<4x3xf32>``)::

    %2 = "tfc.broadcast_in_dim"(%c) : (tensor<f32>) -> tensor<?x2xf32>
    %3 = "tfc.subtract"(%0, %2) : (tensor<4x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>

After::

    %2 = "tfc.broadcast_in_dim"(%c) : (tensor<f32>) -> tensor<4x2xf32>
    %3 = "tfc.subtract"(%0, %2) : (tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
"""

from __future__ import annotations

from collections.abc import Sequence

from tfc.ir import Module
from tfc.passmanager import PassManager
from tfc.registry import Trait, lookup
from tfc.types import FunctionType, TensorType

MAX_ROUNDS = 32


def specialize(module: Module, entry: str, arg_types: Sequence[TensorType], platform: str) -> None:
    """Retype ``entry``'s leading parameters to ``arg_types``, refine every type from them, then
    rewrite for ``platform`` (``backend-lowering``), in place."""
    function = module.function(entry)
    types = [*arg_types, *(a.type for a in function.args[len(arg_types):])]
    for argument, new in zip(function.args, types):
        argument.type = new
    function.set_type(FunctionType(tuple(types), function.type.results))
    for _ in range(MAX_ROUNDS):
        PassManager("shape-inference").run(module)
        if not unify_elementwise(module):
            break
    PassManager("shape-inference").run(module)
    function.set_type(FunctionType(tuple(types), tuple(v.type for v in function.return_op.operands)))
    PassManager(f"backend-lowering{{platform={platform}}}").run(module)


def unify_elementwise(module: Module) -> int:
    """Give every operand and result of each elementwise op the dims any of them knows; returns how
    many values changed."""
    changed = 0
    for op in module.walk():
        opdef = lookup(op.name)
        if opdef is None or not opdef.has(Trait.ELEMENTWISE):
            continue
        values = [v for v in (*op.operands, *op.results) if isinstance(v.type, TensorType) and v.type.shape is not None]
        ranks = {len(v.type.shape) for v in values}
        if len(ranks) != 1:
            continue
        merged = [next((d for d in dims if d is not None), None) for dims in zip(*(v.type.shape for v in values))]
        for value in values:
            if any(d is None and m is not None for d, m in zip(value.type.shape, merged)):
                value.type = TensorType(value.type.dtype, tuple(merged))
                changed += 1
    return changed


__all__ = ["specialize", "unify_elementwise"]
