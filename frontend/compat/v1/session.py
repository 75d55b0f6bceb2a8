"""``tf.Session`` over a TF1 graph: the graph's GraphDef run by a :class:`GraphSession`.

Fetches may be any nesting of lists, tuples and dicts of Tensors, Operations, Variables and names;
the result has the same structure (None for an op). Feeds are keyed by Tensor or name. The graph may
grow after the session is made (as in TensorFlow): a run sees the ops added since. Variable values
live in the session, so two sessions over one graph hold separate values.
"""

from __future__ import annotations

import contextlib

import numpy as np

from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.errors import SessionError
from tfc.runtime.graph_session import GraphSession

from .graph import get_default_graph
from .tensor import Operation, Tensor, default_session, get_default_session


class Session:
    """``tf.Session(target='', graph=None, config=None)``; ``backend=`` picks ``"xla"`` or ``"interp"``."""

    def __init__(self, target="", graph=None, config=None, backend: str = "xla"):
        if target:
            raise SessionError(f"tf.Session: target '{target}' is not supported (tfc runs in this process)")
        self.graph = graph if graph is not None else get_default_graph()
        self._backend = backend
        self._runner: GraphSession | None = None
        self._version = -1
        self._closed = False
        self._contexts: list = []

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """The values of ``fetches`` (same structure) after running them with ``feed_dict``."""
        if self._closed:
            raise RuntimeError("attempted to use a closed Session")
        leaves: list = []
        structure = _flatten(fetches, leaves)
        names, targets, slots = [], [], []
        for leaf in leaves:
            element = self._element(leaf)
            if isinstance(element, Operation):
                targets.append(element.name)
                slots.append(None)
            else:
                slots.append(len(names))
                names.append(element.name)
        feeds = {self._feed_name(k): v for k, v in (feed_dict or {}).items()}
        values = self._graph_session().run(names, feeds, targets)
        results = [None if slot is None else values[slot] for slot in slots]
        return _rebuild(structure, iter(results))

    def _element(self, item):
        element = self.graph.as_graph_element(item)
        if not isinstance(element, (Tensor, Operation)):
            raise TypeError(f"fetch argument {item!r} has invalid type {type(item).__name__}: must be a Tensor, Operation, Variable or name")
        if element.graph is not self.graph:
            raise ValueError(f"fetch '{element.name}' is not an element of this session's graph")
        return element

    def _feed_name(self, key) -> str:
        element = self.graph.as_graph_element(key)
        if not isinstance(element, Tensor):
            raise TypeError(f"feed key {key!r} must be a Tensor or a tensor name")
        return element.name

    def _graph_session(self) -> GraphSession:
        """The runner, told of the ops added since the last run (compiled steps and variables stay)."""
        if self._version != self.graph.version:
            importer = GraphImporter(self.graph.as_graph_def())
            if self._runner is None:
                self._runner = GraphSession(importer, backend=self._backend)
            else:
                self._runner.extend(importer)
            self._version = self.graph.version
        return self._runner

    def load_variable(self, variable, value) -> None:
        """Set ``variable`` to ``value`` in this session (``Variable.load``)."""
        runner = self._graph_session()
        runner.variables[variable.op.name] = np.asarray(value, dtype=variable.dtype.numpy).reshape(variable.shape.as_list())

    # ---- default session and lifetime ---------------------------------------------------------------
    def as_default(self):
        return default_session(self)

    def __enter__(self):
        stack = contextlib.ExitStack()
        stack.enter_context(self.graph.as_default())
        stack.enter_context(default_session(self))
        self._contexts.append(stack)
        return self

    def __exit__(self, *exc) -> None:
        self._contexts.pop().close()
        self.close()

    def close(self) -> None:
        self._closed = True
        self._runner = None

    @property
    def variables(self) -> dict:
        """Variable name -> value held by this session."""
        return self._graph_session().variables


class InteractiveSession(Session):
    """A Session that makes itself the default on creation (for shells and notebooks) until closed."""

    def __init__(self, target="", graph=None, config=None, backend: str = "xla"):
        super().__init__(target, graph, config, backend)
        self._default = default_session(self)
        self._default.__enter__()

    def close(self) -> None:
        if self._default is not None:
            self._default.__exit__(None, None, None)
            self._default = None
        super().close()


def _flatten(fetches, leaves: list):
    if isinstance(fetches, (list, tuple)):
        return type(fetches), [_flatten(f, leaves) for f in fetches]
    if isinstance(fetches, dict):
        return dict, {k: _flatten(v, leaves) for k, v in fetches.items()}
    leaves.append(fetches)
    return None


def _rebuild(structure, values):
    if structure is None:
        return next(values)
    kind, items = structure
    if kind is dict:
        return {k: _rebuild(v, values) for k, v in items.items()}
    rebuilt = [_rebuild(i, values) for i in items]
    return rebuilt if kind is list else tuple(rebuilt) if kind is tuple else kind(*rebuilt)


__all__ = ["InteractiveSession", "Session", "get_default_session"]
