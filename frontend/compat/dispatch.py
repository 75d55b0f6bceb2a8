"""``import tfc as tf``: the names tfc shares with TensorFlow 1, each building in the right world.

tfc's numpy-like functions (``tfc.matmul``, ``tfc.reduce_sum``...) record ops inside ``@tfc.compile``
and run eagerly on numpy values; TensorFlow 1's (``tf.matmul``...) add nodes to a graph. One import
serves both programs, so a shared name decides per call (:func:`builds_graph`): it adds a TF1 graph
node when any argument is a graph value (a ``tf.placeholder``, a graph Variable, an Operation) or a
graph or session has been entered (``with g.as_default():``, ``with tf.Session():``), and otherwise
behaves as tfc's. Names only TensorFlow 1 has (``tf.placeholder``, ``tf.Session``, ``tf.constant``,
``tf.train``...) always build graph nodes outside ``@tfc.compile``; inside it, the few with a traced
meaning (``tf.constant``, ``tf.cast``, ``tf.concat``...) record ops and the others say they cannot.

``tfc.Variable`` follows the same rule: a graph variable when its initial value is a graph value
(``tf.Variable(tf.zeros([784, 10]))``) or a graph is entered, else an eager variable for
``@tfc.compile``; an eager variable a graph op uses becomes that graph's variable there
(:func:`tfc.compat.v1.variables.graph_variable`), so ``tf.Variable(0)`` in a TF1 program works too.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable

from tfc.diagnostics import TraceError
from tfc.frontend import api, autodiff, control
from tfc.frontend import variables as eager_variables
from tfc.frontend.eager import public, traceable
from tfc.frontend.tracing import current_trace, user_location

from . import v1
from .v1.tensor import graph_entered, is_graph_value
from .v1.variables import EagerVariable
from .v1.variables import Variable as GraphVariable


def builds_graph(args, kwargs) -> bool:
    """A call outside ``@tfc.compile`` with a graph value among its arguments, or inside an entered
    graph or session, builds graph nodes."""
    if current_trace() is not None:
        return False
    return graph_entered() or is_graph_value(args) or is_graph_value(kwargs)


def shared(native: Callable, graph_fn: Callable) -> Callable:
    """``graph_fn`` when the call builds a graph, else ``native`` (traced in a trace, eager outside)."""

    @functools.wraps(graph_fn)
    def dispatch(*args, **kwargs):
        if builds_graph(args, kwargs):
            return graph_fn(*args, **kwargs)
        return native(*args, **kwargs)

    return dispatch


def graph_only(name: str, graph_fn: Callable, traced: Callable | None) -> Callable:
    """A TensorFlow 1 name: graph nodes outside a trace; ``traced`` (or a clear error) inside one."""

    @functools.wraps(graph_fn)
    def dispatch(*args, **kwargs):
        if current_trace() is None:
            return graph_fn(*args, **kwargs)
        if traced is None:
            raise TraceError(f"tfc.{name} builds a TensorFlow 1 graph node; it has no meaning inside @tfc.compile", user_location())
        return traced(*args, **kwargs)

    return dispatch


# ---- what TensorFlow 1's names mean inside @tfc.compile ------------------------------------------------
def _traced_constant(value, dtype=None, shape=None, name=None, verify_shape=False):
    tensor = api.to_tensor(value) if dtype is None else api.astype(value, dtype)
    return tensor if shape is None else api.broadcast_to(tensor, tuple(shape))


def _traced_fill(dims, value, name=None):
    return api.broadcast_to(api.to_tensor(value), tuple(dims))


TRACED_MEANINGS: dict[str, Callable] = {
    "constant": _traced_constant,
    "fill": _traced_fill,
    "zeros": lambda shape, dtype=v1.float32, name=None: api.broadcast_to(api.astype(0, dtype), tuple(shape)),
    "ones": lambda shape, dtype=v1.float32, name=None: api.broadcast_to(api.astype(1, dtype), tuple(shape)),
    "cast": lambda x, dtype, name=None: api.astype(x, dtype),
    "concat": lambda values, axis, name="concat": api.concatenate(values, axis),
    "add_n": lambda inputs, name=None: functools.reduce(api.add, inputs),
    "reduce_all": lambda input_tensor, axis=None, keepdims=False, name=None: api.all(input_tensor, axis, keepdims),
    "reduce_any": lambda input_tensor, axis=None, keepdims=False, name=None: api.any(input_tensor, axis, keepdims),
    "gradients": eager_variables.gradients,
    # scopes say nothing to a traced function (they name and place graph nodes)
    "name_scope": lambda name, default_name=None, values=None: contextlib.nullcontext(name),
    "device": lambda device_name: contextlib.nullcontext(),
    "control_dependencies": lambda control_inputs: contextlib.nullcontext(),
}


def _reduction(fn: Callable) -> Callable:
    def reduce(input_tensor, axis=None, keepdims=False, name=None):
        return fn(input_tensor, axis, keepdims)

    return traceable(reduce)


# Names both worlds have whose tfc meaning is not a numpy-like function of the same name.
NATIVE: dict[str, Callable] = {
    "reduce_sum": _reduction(api.sum),
    "reduce_mean": _reduction(api.mean),
    "reduce_max": _reduction(api.max),
    "reduce_min": _reduction(api.min),
    "reduce_prod": _reduction(api.prod),
    "identity": traceable(lambda input, name=None: api.to_tensor(input)),
    "stop_gradient": traceable(lambda input, name=None: autodiff.stop_gradient(input)),
    "cond": control.cond,
    "while_loop": control.while_loop,
}


# tfc's numpy-like names TensorFlow 1 spells differently: given graph values, they build these nodes,
# so one model function serves a traced function and a TF1 graph.
GRAPH_MEANINGS: dict[str, Callable] = {
    "sum": v1.reduce_sum, "mean": v1.reduce_mean, "max": v1.reduce_max, "min": v1.reduce_min, "prod": v1.reduce_prod,
    "all": v1.reduce_all, "any": v1.reduce_any, "concatenate": v1.concat, "astype": v1.cast,
    "relu": v1.nn.relu, "softmax": v1.nn.softmax, "log_softmax": v1.nn.log_softmax,
}


class NnNamespace:
    """``tfc.nn``: TensorFlow 1's ``tf.nn``, whose functions with a tfc counterpart (``relu``,
    ``softmax``...) also record ops inside ``@tfc.compile`` and run eagerly on numpy values."""

    NATIVE = {"relu": "relu", "relu6": "relu6", "softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid",
              "tanh": "tanh"}

    def __dir__(self):
        return list(v1.nn.__all__)

    @functools.cache  # noqa: B019 - one namespace object for the process, names resolved once
    def __getattr__(self, name: str):
        if name.startswith("__") or name not in v1.nn.__all__:
            raise AttributeError(f"module 'tfc.nn' has no attribute '{name}'")
        graph_fn = getattr(v1.nn, name)
        if name in self.NATIVE:
            return shared(public(self.NATIVE[name]), graph_fn)
        return graph_only(f"nn.{name}", graph_fn, None)


nn = NnNamespace()


class VariableMeta(type):
    """``tfc.Variable(...)`` makes a graph or an eager variable (see the module docstring), and both
    are instances of it."""

    def __call__(cls, initial_value=None, *args, **kwargs):
        if builds_graph((initial_value, args), kwargs):
            return GraphVariable(initial_value, *args, **kwargs)
        return EagerVariable(initial_value, *args, **kwargs)

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, (GraphVariable, eager_variables.Variable))


class Variable(metaclass=VariableMeta):
    """``tf.Variable``: a TensorFlow 1 graph variable or an eager variable for ``@tfc.compile``."""


@functools.cache
def public_name(name: str):
    """What ``tfc.<name>`` is: a shared, a TensorFlow 1 or a tfc name (AttributeError if none)."""
    if name == "Variable":
        return Variable
    if name == "nn":
        return nn
    graph_fn = getattr(v1, name, None) if name in v1.__all__ else GRAPH_MEANINGS.get(name)
    native = NATIVE.get(name) or (public(name) if name in api.NUMPY_FUNCTIONS else None)
    if graph_fn is None:
        if native is None:
            raise AttributeError(f"module 'tfc' has no attribute '{name}'")
        return native
    if not callable(graph_fn) or isinstance(graph_fn, type):
        return graph_fn  # a module, a class or a dtype: TensorFlow 1's
    if native is not None:
        return shared(native, graph_fn)
    return graph_only(name, graph_fn, TRACED_MEANINGS.get(name))


def public_names() -> set[str]:
    return set(v1.__all__) | set(NATIVE) | set(api.NUMPY_FUNCTIONS) | {"Variable"}


__all__ = ["Variable", "builds_graph", "public_name", "public_names", "shared"]
