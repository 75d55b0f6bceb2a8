"""``tf.gradients`` in a TF1 graph: one ``TfcGradients`` node (see :mod:`tfc.frontend.tf.gradients_op`),
whose outputs are the gradients; None for an x that no y depends on (through differentiable paths),
as TensorFlow returns."""

from __future__ import annotations

from .graph import GraphError, get_default_graph
from .ops import add_op, to_tensor
from .tensor import Tensor

_BLOCKING = {"StopGradient", "PreventGradient"}


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False, gate_gradients=False,
              aggregation_method=None, stop_gradients=None):
    """d(sum of ``ys``)/d(``xs``), weighted by ``grad_ys`` (default ones): one entry per x."""
    ys = [to_tensor(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    xs_list = [to_tensor(x) for x in (xs if isinstance(xs, (list, tuple)) else [xs])]
    grad_ys = [None] * len(ys) if grad_ys is None else list(grad_ys if isinstance(grad_ys, (list, tuple)) else [grad_ys])
    if len(grad_ys) != len(ys):
        raise GraphError(f"tf.gradients: {len(grad_ys)} grad_ys for {len(ys)} ys")
    for y in ys:
        if not y.dtype.is_inexact:
            raise GraphError(f"tf.gradients: cannot differentiate '{y.name}' of dtype {y.dtype.name} (not a float)")
    stops = {id(to_tensor(s).op) for s in (stop_gradients or [])}
    reached = _ancestors(ys, stops)
    connected = [x for x in xs_list if id(x) in reached and x.dtype.is_inexact]
    results: dict[int, Tensor] = {}
    if connected:
        graph = get_default_graph()
        with graph.name_scope(name):
            seeds = [add_op("OnesLike", [y], name="OnesLike").outputs[0] if g is None else to_tensor(g, y.dtype) for y, g in zip(ys, grad_ys)]
            unique = list({id(x): x for x in connected}.values())
            op = add_op("TfcGradients", [ys, unique, seeds], name="TfcGradients")
            results = {id(x): out for x, out in zip(unique, op.outputs)}
    return [results.get(id(x)) for x in xs_list]


def _ancestors(ys: list[Tensor], stops: set[int]) -> set[int]:
    """Ids of the tensors the ys depend on through ops that pass gradients."""
    seen: set[int] = set()
    ops_seen: set[int] = set()
    stack = list(ys)
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        op = tensor.op
        if id(op) in ops_seen or op.type in _BLOCKING or id(op) in stops:
            continue
        ops_seen.add(id(op))
        stack.extend(op.inputs)
    return seen


__all__ = ["gradients"]
