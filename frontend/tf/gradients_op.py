"""``TfcGradients``: TensorFlow's ``tf.gradients`` as one node, expanded by core autodiff once the
graph around it is legalized.

TensorFlow writes a gradient graph op by op from Python gradient functions. tfc's TF1 graph API
instead adds one ``TfcGradients(ys, xs, grad_ys) -> dxs`` node (an op tfc adds to TensorFlow's set:
its OpDef is in :mod:`.op_schema`); after ``legalize-tf`` has turned the forward computation into
core ops, :func:`expand_gradients` replaces the node by the backward computation of those ops'
gradient rules. So every op with a decomposition is differentiable, unknown dimensions are known
by then, and the gradient is exactly that of the computation that runs.
"""

from __future__ import annotations

from tfc.frontend import api
from tfc.frontend.autodiff import backprop
from tfc.frontend.tensor import Tensor
from tfc.frontend.tracing import Trace, tracing
from tfc.ir import Block, Function, Module, Operation
from tfc.registry import ShapeError
from tfc.rewriter import Rewriter
from tfc.types import TokenType

from .dialect import tf_op

GRADIENTS = "tf.TfcGradients"


class GradientsError(ShapeError):
    """A ``TfcGradients`` node that cannot be expanded (names it)."""


def _split(ys: int, operands: list) -> tuple[list, list, list]:
    """``(ys, xs, grad_ys)`` of a node with ``ys`` ys (its operands are ys, then xs, then grad_ys)."""
    xs = len(operands) - 2 * ys
    return operands[:ys], operands[ys : ys + xs], operands[ys + xs :]


def _types(ctx, *types):
    ys, xs, seeds = _split(len(ctx.attrs["Tys"]), list(types))
    if len(seeds) != len(ys):
        raise ShapeError(f"takes {len(ys)} grad_ys for {len(ys)} ys, got {len(seeds)}")
    return list(xs)


tf_op("TfcGradients", _types, None, summary="tf.gradients: d(sum of ys * grad_ys)/d(xs), expanded after legalization.",
      outputs=(("dxs", lambda attrs: len(attrs.get("Txs", ()))),))


def differentiated_ops(block: Block) -> set[Operation]:
    """The ops of ``block`` that compute from an ``xs`` of one of its ``TfcGradients`` nodes: folding
    them into constants (when ``xs`` is a ``tf.constant``) would cut the path the gradient follows."""
    gradients = [op for op in block.ops if op.name == GRADIENTS]
    if not gradients:
        return set()
    reached = {x for op in gradients for x in _split(len(op.attr("Tys")), [v for v in op.operands if not isinstance(v.type, TokenType)])[1]}
    chosen: set[Operation] = set()
    for op in block.ops:
        if op.name != GRADIENTS and any(v in reached for v in op.operands):
            chosen.add(op)
            reached.update(op.results)
    return chosen


def expand_gradients(module: Module, function: Function) -> None:
    """Replace each ``TfcGradients`` node of ``function`` by its gradient computation, in order (so a
    gradient of a gradient sees the first one expanded)."""
    for op in [op for op in function.op.walk() if op.name == GRADIENTS]:
        if op.parent is not function.body:
            raise GradientsError(f"{op.location.describe()}: error: tf.gradients inside a loop or cond body is not supported")
        with Rewriter() as rewriter:
            _expand(module, op, rewriter)


def _expand(module: Module, op: Operation, rewriter: Rewriter) -> None:
    data = [v for v in op.operands if not isinstance(v.type, TokenType)]
    ys, xs, seeds = _split(len(op.attr("Tys")), data)
    block = op.parent
    forward = block.ops[: block.ops.index(op)]
    scratch = Block()
    trace = Trace.into_block(module, scratch, op.location)
    with tracing(trace):
        grads = backprop(trace, ys, [Tensor(s, trace) for s in seeds], xs, forward=forward)
        grads = [g if g is not None else api.zeros_like(Tensor(x, trace)) for g, x in zip(grads, xs)]
    rewriter.move_before(op, scratch.ops)
    results = [r for r in op.results if not isinstance(r.type, TokenType)]
    for result, grad in zip(results, grads):
        result.replace_all_uses_with(grad.value)
    op.drop_operands()
    rewriter.erase(op)


__all__ = ["GRADIENTS", "GradientsError", "expand_gradients"]
