"""``tf-fold``: evaluate pure tf ops whose data inputs are all constants; they become ``tf.Const``.

Before::

    %a = "tf.Const"() {dtype = f32, value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
    %b = "tf.Const"() {dtype = f32, value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
    %c = "tf.Mul"(%a, %b) {T = f32} : (tensor<f32>, tensor<f32>) -> tensor<f32> loc("c")

After::

    %c = "tf.Const"() {dtype = f32, value = dense<6.0> : tensor<f32>} : () -> tensor<f32> loc("c")

The op's decomposition is recorded and run on the interp backend, so folding means exactly what
legalization would compute. Ops with a run-time operand of static shape and a small integer result
are tried too: ``Shape``, ``Size`` and ``Rank`` of a static tensor fold. Never folded: stateful
ops, ops with control inputs, ops whose results (or intermediate values) have more than
``max_elements`` elements. A folded op's control token result, if used, moves to the new constant.
One walk in program order, so chains fold.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.effects import constant_value, is_pure
from tfc.ir import Block, Module, Operation, OpResult, Value
from tfc.passmanager import Pass, register_pass
from tfc.patterns import DEFAULT_MAX_ELEMENTS
from tfc.registry import Trait, lookup
from tfc.rewriter import Rewriter
from tfc.types import TensorType

from .gradients_op import differentiated_ops
from .tf_ir import (
    data_results,
    discard,
    evaluate_on_constants,
    is_tf,
    make_const,
    split_operands,
    token_result,
    too_big,
    trace_decomposition,
    walk_blocks,
)

_SHAPE_ELEMENTS = 64  # at most this many integers: what a Shape, Size or Rank of a static tensor gives


@register_pass
@dataclass(frozen=True)
class TFFold(Pass):
    """Evaluate pure tf ops whose data inputs are all constants; they become ``tf.Const``."""

    name = "tf-fold"
    max_elements: int = DEFAULT_MAX_ELEMENTS

    def run(self, module: Module) -> None:
        with Rewriter() as rewriter:
            for block in list(walk_blocks(module.op)):
                differentiated = differentiated_ops(block)
                for op in block.ops:
                    self.fold(module, op, rewriter, op in differentiated)

    def fold(self, module: Module, op: Operation, rewriter: Rewriter, differentiated: bool = False) -> None:
        """Replace ``op`` by constants when it folds (a ``differentiated`` op only when its results are
        integers computed from static shapes, which carry no gradient)."""
        if not self.eligible(op, differentiated):
            return
        scratch = Block()
        produced = trace_decomposition(module, op, scratch)
        try:
            values = None if produced is None else evaluate_on_constants(module, scratch.ops, produced, self.max_elements)
        finally:
            discard(scratch)
        if values is None:
            return
        results = data_results(op)
        token = token_result(op)
        moves_token = token is not None and bool(token.uses)
        consts = [rewriter.insert_before(op, make_const(v, r.type, op, r.name_hint, moves_token and i == 0))
                  for i, (v, r) in enumerate(zip(values, results))]
        replacements: list[Value] = [c.results[0] for c in consts]
        if token is not None:  # an unused token stands for itself: nothing to move
            replacements.append(consts[0].results[-1] if moves_token else token)
        rewriter.replace(op, replacements)

    def eligible(self, op: Operation, differentiated: bool = False) -> bool:
        if not is_tf(op) or op.regions or not is_pure(op):
            return False
        opdef = lookup(op.name)
        if opdef.decompose is None or opdef.has(Trait.CONSTANT_LIKE):
            return False
        data, tokens = split_operands(op)
        results = data_results(op)
        if tokens or not results:
            return False
        if (differentiated or any(constant_value(v) is None for v in data)) and not _shape_arithmetic(data, results):
            return False
        return all(not too_big(r.type, self.max_elements) or not r.type.is_static for r in results)


def _shape_arithmetic(data: list[Value], results: list[OpResult]) -> bool:
    """Small integer results from operands of static shape: their values may not depend on the
    operands' values (Shape, Size, Rank), which evaluating the decomposition finds out."""
    small = all(isinstance(r.type, TensorType) and r.type.is_static and r.type.num_elements <= _SHAPE_ELEMENTS for r in results)
    return small and all(r.type.dtype.is_int for r in results) and all(isinstance(v.type, TensorType) and v.type.is_static for v in data)


__all__ = ["DEFAULT_MAX_ELEMENTS", "TFFold"]
