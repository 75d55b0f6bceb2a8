"""Adding ops to the default graph: what every TF1 function of this package is written with."""

from __future__ import annotations

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from .graph import Graph, get_default_graph
from .tensor import Operation, Tensor, convert_to_tensor


def add_op(op_type: str, inputs=(), attrs: dict | None = None, name: str | None = None) -> Operation:
    """A ``op_type`` op in the default graph; inputs may be lists (list args), values become Consts.
    (The graph checks, or in a loop body captures, tensors of other graphs.)"""
    graph = get_default_graph()
    converted = [[to_tensor(v, graph=graph) for v in i] if isinstance(i, (list, tuple)) else to_tensor(i, graph=graph) for i in inputs]
    return graph.create_op(op_type, converted, attrs, name or op_type)


def add(op_type: str, inputs=(), attrs: dict | None = None, name: str | None = None) -> Tensor:
    """The first output of a new ``op_type`` op."""
    return add_op(op_type, inputs, attrs, name).outputs[0]


def to_tensor(value, dtype=None, name: str = "Const", graph: Graph | None = None) -> Tensor:
    """``value`` as a Tensor of the default graph (TensorFlow's ``convert_to_tensor``)."""
    graph = graph or get_default_graph()
    return convert_to_tensor(value, None if dtype is None else as_dtype(dtype), graph, name)


def like(value, anchor: Tensor, name: str = "Const") -> Tensor:
    """``value`` as a Tensor, a Python number taking ``anchor``'s dtype."""
    if isinstance(value, Tensor) or hasattr(value, "as_graph_element"):
        return to_tensor(value)
    return to_tensor(value, anchor.dtype, name)


def axis_list(axis, name: str = "axis") -> Tensor | None:
    """An ``int32`` Const of axes (None stays None, to mean every axis)."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        return axis
    return to_tensor(axis, DType.i32, name)


def check_axes(fn: str, x: Tensor, axis, arg: str = "axis") -> None:
    """ValueError when a constant ``axis`` of ``tf.math.<fn>`` is outside ``x``'s known rank."""
    rank = x.shape.ndims
    if axis is None or isinstance(axis, Tensor) or rank is None:
        return
    for a in np.atleast_1d(np.asarray(axis)).tolist():
        if not isinstance(a, int) or not -rank <= a < rank:
            raise ValueError(f"tf.math.{fn}: {arg}={axis!r} is out of range for a tensor of rank {rank} (shape {x.shape})")


def pick(value, alias, what: str, alias_name: str):
    """A TF1 argument given under its old name (``reduction_indices=``, ``keep_dims=``...)."""
    if alias is None:
        return value
    if value is not None:
        raise ValueError(f"cannot give both '{what}' and its deprecated name '{alias_name}'")
    return alias


__all__ = ["add", "add_op", "axis_list", "check_axes", "like", "pick", "to_tensor"]
