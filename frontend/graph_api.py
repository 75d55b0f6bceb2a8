"""The TensorFlow 1 functions of the graph API: ``tfc.placeholder``, ``tfc.name_scope``,
``tfc.device``, ``tfc.control_dependencies``, ``tfc.identity``, ``tfc.group``, ``tfc.reduce_sum``, ...

Scopes and control dependencies apply to the default graph (``with g.as_default():``); outside a
graph they do nothing, so the same model code also works in traced functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from tfc.ir import OpResult
from tfc.types import TensorType

from . import api
from .eager import traceable
from .graph import Graph, GraphError, Group, check_name, current_graph
from .tensor import Tensor, as_dtype, to_tensor


def _need_graph(what: str) -> Graph:
    graph = current_graph()
    if graph is None:
        raise GraphError(f"{what} needs a graph: call it inside `with tfc.Graph().as_default():`")
    return graph


@contextlib.contextmanager
def name_scope(name: str | None):
    """Prefix the names of ops created inside with ``name/`` (uniqued: ``layer``, ``layer_1``).

    ``None`` resets to the top; a name ending in ``/`` re-enters that exact scope. Yields the scope
    (``"layer1/"``). Outside a graph it does nothing.
    """
    graph = current_graph()
    if graph is None:
        yield ""
        return
    with graph.name_scope(name) as scope:
        yield scope


@contextlib.contextmanager
def device(spec: str | None):
    """Record ``spec`` ("cpu:1", "gpu:0") as the ``tfc.device`` attribute of ops created inside.

    ``None`` clears it. Outside a graph it does nothing. (tfc records it but does not place ops on
    several devices yet: a Session compiles for its own device.)
    """
    graph = current_graph()
    if graph is None:
        yield
        return
    with graph.device(spec):
        yield


@contextlib.contextmanager
def control_dependencies(control_inputs: Iterable | None):
    """Ops created inside run only after ``control_inputs`` (ops, tensors, variables or groups).

    Nested blocks add up; ``None`` clears them. Outside a graph (traced code runs in program order
    anyway) it does nothing.
    """
    graph = current_graph()
    if graph is None:
        yield
        return
    with graph.control_dependencies(control_inputs):
        yield


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """A graph input that every ``Session.run`` needing it must feed.

    ``shape`` must be fully known (core ops have static shapes): ``tfc.placeholder(tfc.float32, [256, 784])``.
    """
    graph = _need_graph("tfc.placeholder")
    dtype = as_dtype(dtype)
    if shape is None or any(d is None or (isinstance(d, int) and d < 0) for d in shape):
        raise GraphError(
            f"placeholder '{name or 'Placeholder'}': shape {shape} is not fully known; tfc compiles static "
            "shapes, so give every dimension (e.g. [256, 784])"
        )
    if name is not None:
        check_name(name)
    node = graph.unique_name(name or "Placeholder", mark_as_used=False)
    op = graph.trace.emit("tfc.placeholder", [], {"name": node}, [TensorType(dtype, tuple(int(d) for d in shape))],
                          node_name=name or "Placeholder")
    return Tensor(op.result, graph.trace)


def identity(x, name: str | None = None) -> Tensor:
    """``x`` itself; in a graph, a new node (named ``name``) that control dependencies attach to."""
    graph = current_graph()
    x = to_tensor(x)
    if graph is None:
        return x
    if name is not None:
        check_name(name)
    op = graph.trace.emit("tfc.identity", [x.value], node_name=name)
    return Tensor(op.result, graph.trace, x.weak)


def group(*inputs, name: str | None = None) -> Group:
    """An op (no outputs) that runs all of ``inputs``; fetch it or pass it as a target."""
    graph = _need_graph("tfc.group")
    return graph.add_group([graph.as_graph_op(i) for i in inputs], name)


def no_op(name: str | None = None) -> Group:
    """An op that does nothing (but runs its control dependencies)."""
    return group(name=name)


def _named(make, name: str | None) -> Tensor:
    """``make()``, its result's node renamed to ``name`` in graph mode (TensorFlow's ``name=`` argument)."""
    graph = current_graph()
    if graph is None or name is None:
        return make()
    check_name(name)
    before = graph.created
    result = make()
    op = result.value.op if isinstance(result.value, OpResult) else None
    if op is None or not graph.is_top_level(op) or graph.creation_order(op) < before:
        return identity(result, name)  # an existing tensor came back: name a new node instead
    graph.rename(op, name)
    return result


@traceable
def reduce_sum(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_sum`` (``tfc.sum`` with an optional node name)."""
    return _named(lambda: api.sum(input_tensor, axis, keepdims), name)


@traceable
def reduce_mean(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_mean``."""
    return _named(lambda: api.mean(input_tensor, axis, keepdims), name)


@traceable
def reduce_max(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_max``."""
    return _named(lambda: api.max(input_tensor, axis, keepdims), name)


@traceable
def reduce_min(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_min``."""
    return _named(lambda: api.min(input_tensor, axis, keepdims), name)


@traceable
def reduce_prod(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_prod``."""
    return _named(lambda: api.prod(input_tensor, axis, keepdims), name)


__all__ = [
    "control_dependencies",
    "device",
    "group",
    "identity",
    "name_scope",
    "no_op",
    "placeholder",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_sum",
]
