"""``import tfc as tf``: the names tfc shares with TensorFlow 1, each building in the right world.

tfc's numpy-like functions (``tfc.matmul``, ``tfc.reduce_sum``...) record ops inside ``@tfc.compile``
and run eagerly on numpy values; TensorFlow 1's (``tf.matmul``...) add nodes to a graph. One import
serves both programs, so a shared name decides per call (:func:`builds_graph`): it adds a TF1 graph
node when any argument is a graph value (a ``tf.placeholder``, a graph Variable, an Operation) or a
graph or session has been entered (``with g.as_default():``, ``with tf.Session():``), and otherwise
behaves as tfc's. Names only TensorFlow 1 has (``tf.placeholder``, ``tf.Session``, ``tf.constant``,
``tf.train``...) always build graph nodes outside ``@tfc.compile``; inside it, those with a traced
meaning (``tf.constant``, ``tf.cast``, ``tf.split``, ``tf.gather``...: :mod:`.traced_tf1`) record ops, and
the others are built on a scratch graph and inlined (:mod:`.graph_inlining`).

``tfc.Variable`` follows the same rule: a graph variable when its initial value is a graph value
(``tf.Variable(tf.zeros([784, 10]))``) or a graph is entered, else an eager variable for
``@tfc.compile``; an eager variable a graph op uses becomes that graph's variable there
(:func:`tfc.compat.v1.variables.graph_variable`), so ``tf.Variable(0)`` in a TF1 program works too.

``tfc.compat.v1`` (the importer, the runtime, TensorFlow's protos) is loaded on the first use of a
TensorFlow 1 name: numpy-like calls stay as light as they were, since no graph value can exist
before it is loaded.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import operator
import sys
import threading
from collections.abc import Callable

from tfc.frontend import api, autodiff, control
from tfc.frontend import nn as traced_nn
from tfc.frontend import variables as eager_variables
from tfc.frontend.eager import public, traceable
from tfc.frontend.tracing import current_trace, device_scope, name_scope
from tfc.types import DType

from .traced_tf1 import ARRAY_MEANINGS

V1 = "tfc.compat.v1"


def v1():
    """``tfc.compat.v1``, imported on first use."""
    return importlib.import_module(V1)


def builds_graph(args, kwargs) -> bool:
    """:func:`tfc.compat.v1.tensor.builds_graph`, without loading tfc.compat.v1: before it is loaded
    no graph or graph value exists."""
    tensor = sys.modules.get(f"{V1}.tensor")
    return tensor is not None and tensor.builds_graph(args, kwargs)


@functools.cache
def graph_function(path: str) -> Callable | None:
    """TensorFlow 1's function at ``path`` (``reduce_sum``, ``nn.relu``) in tfc.compat.v1, or None."""
    namespace, _, name = path.rpartition(".")
    module = operator.attrgetter(namespace)(v1()) if namespace else v1()
    return getattr(module, name) if name in module.__all__ else None


def shared(native: Callable, graph_path: str) -> Callable:
    """TensorFlow 1's ``graph_path`` function when the call builds a graph (and it has one), else
    ``native`` (traced in a trace, eager outside)."""

    @functools.wraps(native)
    def dispatch(*args, **kwargs):
        if builds_graph(args, kwargs):
            graph_fn = graph_function(graph_path)
            if graph_fn is not None:
                return graph_fn(*args, **kwargs)
        return native(*args, **kwargs)

    return dispatch


def graph_only(name: str, graph_fn: Callable, traced: Callable | None) -> Callable:
    """A TensorFlow 1 name: graph nodes outside a trace; ``traced`` (or a clear error) inside one."""

    eager = EAGER_MEANINGS.get(name)

    @functools.wraps(graph_fn)
    def dispatch(*args, **kwargs):
        if current_trace() is None:
            if eager is not None and getattr(_eager_scope, "depth", 0) and not builds_graph(args, kwargs):
                return eager(*args, **kwargs)
            return graph_fn(*args, **kwargs)
        if traced is None:  # built on a scratch graph and inlined (most of TensorFlow 1's API)
            return inlined(name, graph_fn, args, kwargs)
        return traced(*args, **kwargs)

    return dispatch


def inlined(path: str, graph_fn: Callable, args, kwargs):
    """``tf.<path>`` built on a scratch graph and inlined into the trace (:mod:`tfc.compat.graph_inlining`,
    loaded with tfc.compat.v1)."""
    return importlib.import_module("tfc.compat.graph_inlining").call_in_trace(path, graph_fn, args, kwargs)


# ---- what TensorFlow 1's names mean inside @tfc.compile ------------------------------------------------
def _traced_constant(value, dtype=None, shape=None, name=None, verify_shape=False):
    tensor = api.to_tensor(value) if dtype is None else api.astype(value, dtype)
    return tensor if shape is None else api.broadcast_to(tensor, tuple(shape))


def _traced_fill(dims, value, name=None):
    return api.broadcast_to(api.to_tensor(value), tuple(dims))


def _traced_gather(params, indices, axis, batch_dims):
    if batch_dims != 0:  # TensorFlow 1's GatherV2 with batch dims, inlined
        return inlined("gather", graph_function("gather"), (params, indices), {"axis": axis, "batch_dims": batch_dims})
    return api.take(params, indices, axis=0 if axis is None else axis)


TRACED_MEANINGS: dict[str, Callable] = {
    "constant": _traced_constant,
    "fill": _traced_fill,
    "zeros": lambda shape, dtype=DType.f32, name=None: api.broadcast_to(api.astype(0, dtype), tuple(shape)),
    "ones": lambda shape, dtype=DType.f32, name=None: api.broadcast_to(api.astype(1, dtype), tuple(shape)),
    "cast": lambda x, dtype, name=None: api.astype(x, dtype),
    "concat": lambda values, axis, name="concat": api.concatenate(values, axis),
    "add_n": lambda inputs, name=None: functools.reduce(api.add, inputs),
    "gather": lambda params, indices, validate_indices=None, name=None, axis=None, batch_dims=0: _traced_gather(params, indices, axis, batch_dims),
    "reduce_all": lambda input_tensor, axis=None, keepdims=False, name=None: api.all(input_tensor, axis, keepdims),
    "reduce_any": lambda input_tensor, axis=None, keepdims=False, name=None: api.any(input_tensor, axis, keepdims),
    "gradients": eager_variables.gradients,
    # name scopes name a traced function's ops (TensorBoard's groups), device scopes place them;
    # dependency scopes say nothing to it (its ops run in program order)
    "name_scope": name_scope,
    "device": device_scope,
    "control_dependencies": lambda control_inputs: contextlib.nullcontext(),
    **ARRAY_MEANINGS,
}


# Inside eager_functions() (a tf.data map function: TensorFlow 2 code) these run on numpy values.
EAGER_MEANINGS: dict[str, Callable] = {
    name: traceable(TRACED_MEANINGS[name]) for name in ("constant", "fill", "zeros", "ones", "cast", "concat", "add_n", "gather", "reduce_all", "reduce_any")
}
_eager_scope = threading.local()


@contextlib.contextmanager
def eager_functions():
    """In this thread, TensorFlow 1 names with an eager meaning (``tf.cast``, ``tf.constant``...) run
    on numpy values rather than adding graph nodes, unless given graph values: how the functions
    ``tfc.data`` runs (``map``, ``filter``...) read them, as TensorFlow 2 code."""
    depth = getattr(_eager_scope, "depth", 0)
    _eager_scope.depth = depth + 1
    try:
        yield
    finally:
        _eager_scope.depth = depth


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
GRAPH_MEANINGS: dict[str, str] = {
    "sum": "reduce_sum", "mean": "reduce_mean", "max": "reduce_max", "min": "reduce_min", "prod": "reduce_prod",
    "all": "reduce_all", "any": "reduce_any", "concatenate": "concat", "astype": "cast",
    "relu": "nn.relu", "softmax": "nn.softmax", "log_softmax": "nn.log_softmax",
}


class NnNamespace:
    """``tfc.nn``: TensorFlow 1's ``tf.nn``, whose functions with a tfc counterpart (``relu``,
    ``softmax``..., and :mod:`tfc.frontend.nn`'s convolutions, pooling and normalizations) also
    record ops inside ``@tfc.compile`` and run eagerly on numpy values."""

    NATIVE = ("relu", "relu6", "softmax", "log_softmax", "sigmoid", "tanh")

    def __dir__(self):
        return sorted(set(v1().nn.__all__) | set(traced_nn.TENSOR_ARGUMENTS))

    @functools.cache  # noqa: B019 - one namespace object for the process, names resolved once
    def __getattr__(self, name: str):
        if name in self.NATIVE:
            return shared(public(name), f"nn.{name}")
        if name in traced_nn.TENSOR_ARGUMENTS:
            return shared(traceable(getattr(traced_nn, name), traced_nn.TENSOR_ARGUMENTS[name]), f"nn.{name}")
        graph_fn = None if name.startswith("__") else graph_function(f"nn.{name}")
        if graph_fn is None:
            raise AttributeError(f"module 'tfc.nn' has no attribute '{name}'")
        return graph_only(f"nn.{name}", graph_fn, None)


nn = NnNamespace()


class Tf1Namespace:
    """``tfc.math``, ``tfc.linalg``, ``tfc.random``, ``tfc.debugging``: TensorFlow 1's namespace, whose
    functions build graph nodes outside ``@tfc.compile`` and are inlined into a trace inside it."""

    def __init__(self, path: str):
        self.path = path

    def __dir__(self):
        return sorted(getattr(v1(), self.path).__all__)

    @functools.cache  # noqa: B019 - one namespace object per name for the process, names resolved once
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = graph_function(f"{self.path}.{name}")
        if value is None:
            raise AttributeError(f"module 'tfc.{self.path}' has no attribute '{name}'")
        if not callable(value) or isinstance(value, type):
            return value
        return graph_only(f"{self.path}.{name}", value, None)


NAMESPACES = {path: Tf1Namespace(path) for path in ("math", "linalg", "random", "debugging")}


class VariableMeta(type):
    """``tfc.Variable(...)`` makes a graph or an eager variable (see the module docstring), and both
    are instances of it."""

    def __call__(cls, initial_value=None, *args, **kwargs):
        variables = importlib.import_module(f"{V1}.variables")
        if builds_graph((initial_value, args), kwargs):
            return variables.Variable(initial_value, *args, **kwargs)
        return variables.EagerVariable(initial_value, *args, **kwargs)

    def __instancecheck__(cls, instance) -> bool:
        variables = sys.modules.get(f"{V1}.variables")
        return isinstance(instance, eager_variables.Variable) or (variables is not None and isinstance(instance, variables.Variable))


class Variable(metaclass=VariableMeta):
    """``tf.Variable``: a TensorFlow 1 graph variable or an eager variable for ``@tfc.compile``."""


@functools.cache
def public_name(name: str):
    """What ``tfc.<name>`` is: a shared, a TensorFlow 1 or a tfc name (AttributeError if none)."""
    if name == "Variable":
        return Variable
    if name == "nn":
        return nn
    if name in NAMESPACES:
        return NAMESPACES[name]
    native = NATIVE.get(name) or (public(name) if name in api.NUMPY_FUNCTIONS else None)
    if native is not None:
        return shared(native, GRAPH_MEANINGS.get(name, name))
    graph_fn = getattr(v1(), name) if name in v1().__all__ else None
    if graph_fn is None:
        raise AttributeError(f"module 'tfc' has no attribute '{name}'")
    if not callable(graph_fn) or isinstance(graph_fn, type):
        return graph_fn  # a module, a class or a dtype: TensorFlow 1's
    return graph_only(name, graph_fn, TRACED_MEANINGS.get(name))


def public_names() -> set[str]:
    return set(v1().__all__) | set(NATIVE) | set(api.NUMPY_FUNCTIONS) | {"Variable"}


__all__ = ["Variable", "builds_graph", "graph_function", "nn", "public_name", "public_names", "shared"]
