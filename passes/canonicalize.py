"""``canonicalize``: ``simplify``, ``fold``, ``cse`` and ``dce`` repeated until nothing changes.

Before::

    %one = "tfc.constant"() {value = dense<1> : tensor<i32>} : () -> tensor<i32>
    %two = "tfc.add"(%one, %one) : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %a = "tfc.multiply"(%x, %two) : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %b = "tfc.multiply"(%x, %two) : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %d = "tfc.subtract"(%a, %b) : (tensor<i32>, tensor<i32>) -> tensor<i32>
    "func.return"(%d) : (tensor<i32>) -> ()

After (fold makes %two a constant, cse merges %b into %a, then simplify sees ``a - a``)::

    %d = "tfc.constant"() {value = dense<0> : tensor<i32>} : () -> tensor<i32>
    "func.return"(%d) : (tensor<i32>) -> ()

Each round runs the four passes once; the loop stops after a round in which no rewrite or fold
fired and the op count stayed the same (cse and dce only ever remove ops), or after
``max_iterations`` rounds. Every pass is linear, so a round is too; real graphs settle in two or three
rounds. The default pipeline is built on this pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.ir import Module
from tfc.passmanager import Pass, count_ops, register_pass

from .cse import CommonSubexpressionElimination
from .dce import DeadCodeElimination
from .fold import DEFAULT_MAX_ELEMENTS, fold_module
from .simplify import simplify_module


@register_pass
@dataclass(frozen=True)
class Canonicalize(Pass):
    """Simplify, fold, merge and prune to a fixed point."""

    name = "canonicalize"
    max_iterations: int = 10
    """Rounds before giving up on a fixed point (the IR is valid after every round)."""
    max_elements: int = DEFAULT_MAX_ELEMENTS
    """The size cap of ``fold`` and ``simplify``: no constant with more elements is made."""
    fast_math: bool = False
    """Let ``simplify`` apply rewrites that are not exact for -0.0, NaN, Inf or rounding."""

    def run(self, module: Module) -> None:
        ops = count_ops(module)
        for _ in range(self.max_iterations):
            changed, ops = canonicalize_round(module, ops, self.max_elements, self.fast_math)
            if not changed:
                break


def canonicalize_round(module: Module, ops: int, max_elements: int = DEFAULT_MAX_ELEMENTS, fast_math: bool = False) -> tuple[bool, int]:
    """One round of simplify, fold, cse and dce on a module of ``ops`` ops: (changed, ops after)."""
    rewrites = simplify_module(module, max_elements, fast_math)
    folds = fold_module(module, max_elements)
    CommonSubexpressionElimination().run(module)
    DeadCodeElimination().run(module)
    after = count_ops(module)
    return bool(rewrites or folds) or after != ops, after
