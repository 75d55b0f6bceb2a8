"""``tf.Session`` over a TF1 graph: the graph's GraphDef run by a :class:`GraphSession`.

Fetches may be any nesting of lists, tuples and dicts of Tensors, Operations, Variables and names;
the result has the same structure (None for an op). Feeds are keyed by Tensor or name. The graph may
grow after the session is made (as in TensorFlow): a run sees the ops added since. Variable values
live in the session, so two sessions over one graph hold separate values. Placeholders the graph
registers as host feeds (``Graph.host_feeds``: a tf.data iterator's ``get_next``) the session feeds
itself, on each run that reads them; their state (an iterator's position) is the session's too.
"""

from __future__ import annotations

import contextlib
import logging
import threading

import numpy as np
from tensorboard.compat.proto.config_pb2 import ConfigProto, RunMetadata, RunOptions

from tfc.backends import devices, set_cpu_devices
from tfc.backends import run_metadata as run_metadata_core
from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.errors import SessionError
from tfc.runtime.graph_session import GraphSession

from . import debugging_ns
from .errors_ns import as_op_error
from .graph import get_default_graph
from .tensor import Operation, Tensor, default_session, get_default_session

log = logging.getLogger("tfc")
SERVER_SCHEMES = ("grpc://", "local")  # a tf.train.Server's target: this process, in its cluster


class Session:
    """``tf.Session(target='', graph=None, config=None)``; ``backend=`` picks ``"xla"`` or ``"interp"``."""

    def __init__(self, target="", graph=None, config=None, backend: str = "xla"):
        if target and not (isinstance(target, str) and target.startswith(SERVER_SCHEMES)):
            raise SessionError(f"tf.Session: target {target!r} is not supported: tfc runs the graph in this process, with "
                               "parameter servers' parts on their tasks (give '' or a tf.train.Server's target)")
        self.graph = graph if graph is not None else get_default_graph()
        self._backend = backend
        self._config = _checked_config(config)
        self._runner: GraphSession | None = None
        self._version = -1
        self._closed = False
        self._contexts: list = []
        self._lock = threading.Lock()  # threads sharing the session see one runner, extended once
        self._callables: dict = {}  # (fetches, feed keys) -> a make_callable function, for run
        self._host_state: dict = {}  # this session's state of the graph's host feeds (its iterators' positions)
        self._host_plans: dict = {}  # (fetched names, fed names) -> the HostInputs they need, or None

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """The values of ``fetches`` (same structure) after running them with ``feed_dict``."""
        if feed_dict is not None and not isinstance(feed_dict, dict):
            raise SessionError(f"feed_dict must be a dict, got {type(feed_dict).__name__}")
        keys = tuple(feed_dict or ())
        try:
            run = self._callables[fetches, keys]
        except TypeError:  # unhashable fetches (a list): resolved for this run only
            run = self.make_callable(fetches, keys)
        except KeyError:
            run = self._callables[fetches, keys] = self.make_callable(fetches, keys)
        if options is not None and not isinstance(options, RunOptions):
            raise TypeError(f"Session.run: options must be a RunOptions (tf.RunOptions(...)), got {type(options).__name__}")
        if run_metadata is not None and not isinstance(run_metadata, RunMetadata):
            raise TypeError(f"Session.run: run_metadata must be a RunMetadata (tf.RunMetadata()), got {type(run_metadata).__name__}")
        if options is not None and options.trace_level != RunOptions.NO_TRACE:
            return self._run_traced(run, list((feed_dict or {}).values()), run_metadata)
        return run(*(feed_dict or {}).values())

    def _run_traced(self, run, values: list, run_metadata):
        """``run`` under a profile (``RunOptions(trace_level=FULL_TRACE)``): ``run_metadata`` gets each
        graph node's XLA time and output bytes (``tfc.backends.run_metadata``)."""
        runner = self._graph_session()
        runner.steps_ran = ran = []
        graph_def = self.graph.as_graph_def()

        def programs():
            if any(step.program is None and step.executor is not None for step in ran):
                log.warning("Session.run: the step spans devices; its ops are left out of run_metadata (per-op run metadata covers "
                            "one-device steps only, not yet)")
            unique = list({id(step): step.program for step in ran if step.program is not None}.values())
            return [run_metadata_core.module_map(module, "main", device, donate, run_metadata_core.graph_node_names(module), graph_def)
                    for module, device, donate in unique]

        try:
            result, metadata = run_metadata_core.profile_run(lambda: run(*values), programs)
        finally:
            runner.steps_ran = None
        if run_metadata is not None:
            run_metadata.CopyFrom(metadata)
        return result

    def make_callable(self, fetches, feed_list=None, accept_options=False):
        """A function of the ``feed_list`` values giving ``fetches``' values, as ``run`` would, with
        the fetches and feeds resolved once."""
        if self._closed:
            raise SessionError("attempted to use a closed Session")
        feed_names: list[str] = []
        for key in feed_list or ():
            name = self._feed_name(key)
            if name in feed_names:
                raise SessionError(f"'{name}' is fed twice (by {key!r} and another key naming the same tensor)")
            feed_names.append(name)
        leaves: list = []
        structure = _flatten(fetches, leaves)
        names, targets, slots, elements = [], [], [], []
        for leaf in leaves:
            element = self._element(leaf)
            elements.append(element)
            if isinstance(element, Operation):
                targets.append(element.name)
                slots.append(None)
            else:
                slots.append(len(names))
                names.append(element.name)
        checks = debugging_ns.runtime_checks(self.graph, elements)  # the Asserts and CheckNumerics the run runs
        host = self._host_inputs(elements, feed_names) if self.graph.host_feeds or self.graph.host_actions else None
        fed = feed_names if host is None else feed_names + host.names
        with op_errors():
            call = self._graph_session().make_callable(names + [t.name for t in debugging_ns.checked_tensors(checks)], fed, targets)
        single = structure is None and slots == [0]

        def run(*values):
            if self._closed:
                raise SessionError("attempted to use a closed Session")
            if self._version != self.graph.version:
                self._graph_session()  # sees the ops added since
            if host is not None:
                values = (*values, *host.values(self._host_state))
            with op_errors():
                values = call(*values)
            if checks:
                debugging_ns.verify(checks, values[len(names):])
            return values[0] if single else _rebuild(structure, iter([None if slot is None else values[slot] for slot in slots]))

        return run

    def _host_inputs(self, elements: list, feed_names: list[str]) -> HostInputs | None:
        key = tuple(e.name for e in elements), tuple(feed_names)
        if key not in self._host_plans:
            self._host_plans[key] = host_inputs(self.graph, elements, feed_names)
        return self._host_plans[key]

    def _element(self, item):
        try:
            element = self.graph.as_graph_element(item)
        except (KeyError, ValueError) as err:
            raise SessionError(f"cannot fetch {item!r}: {err.args[0] if err.args else err}") from None
        if not isinstance(element, (Tensor, Operation)):
            raise SessionError(f"cannot fetch an object of type {type(item).__name__} ({item!r}): "
                               "fetch a Tensor, Operation, Variable or name")
        if element.graph is not self.graph:
            raise SessionError(f"fetch '{element.name}' is not an element of this session's graph")
        return element

    def _feed_name(self, key) -> str:
        try:
            element = self.graph.as_graph_element(key)
        except (KeyError, ValueError) as err:
            raise SessionError(f"cannot feed {key!r}: {err.args[0] if err.args else err}") from None
        if not isinstance(element, Tensor):
            raise SessionError(f"feed key {key!r} must be a Tensor or a tensor name ('x:0')")
        if element.graph is not self.graph:
            raise SessionError(f"feed '{element.name}' is not an element of this session's graph")
        return element.name

    def _graph_session(self) -> GraphSession:
        """The runner, told of the ops added since the last run (compiled steps and variables stay)."""
        with self._lock:
            if self._version != self.graph.version:
                importer = GraphImporter(self.graph.as_graph_def())
                if self._runner is None:
                    self._runner = GraphSession(importer, backend=self._backend, allow_soft_placement=self._config.allow_soft_placement)
                else:
                    self._runner.extend(importer)
                self._version = self.graph.version
            return self._runner

    def load_variable(self, variable, value) -> None:
        """Set ``variable`` to ``value`` in this session (``Variable.load``)."""
        self.load_variables({variable: value})

    def load_variables(self, values: dict) -> None:
        """Set several variables (Variable -> value) at once: a restore, wherever they live."""
        converted = {v.op.name: np.asarray(value, dtype=v.dtype.numpy).reshape(v.shape.as_list()) for v, value in values.items()}
        self._graph_session().set_variables(converted)

    def variable_values(self, variables) -> dict:
        """Variable name -> value for those of ``variables`` that are initialized, wherever they live."""
        return self._graph_session().variable_values([v.op.name for v in variables])

    def uninitialized_variables(self, variables) -> list[str]:
        """The names of those of ``variables`` that have no value yet."""
        return self._graph_session().uninitialized([v.op.name for v in variables])

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
        self._callables.clear()
        for state in list(self._host_state.values()):
            if hasattr(state, "close"):
                state.close()  # an iterator's pipeline threads stop now
        self._host_state.clear()

    @property
    def compile_count(self) -> int:
        """How many steps this session has compiled (one per fetches, feeds and shapes)."""
        return 0 if self._runner is None else self._runner.compile_count

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


class HostInputs:
    """The graph's host feeds and actions that one run needs (:attr:`Graph.host_feeds`): before the
    step, the actions run, then each feed gives one value per placeholder the run reads."""

    def __init__(self, actions: list, feeds: list):
        self.actions = actions
        self.feeds = feeds  # (feed, the positions in feed.names that this run feeds)
        self.names = [feed.names[i] for feed, picks in feeds for i in picks]

    def values(self, state: dict) -> list:
        for action in self.actions:
            action(state)
        values = []
        for feed, picks in self.feeds:
            pulled = feed.pull(state)
            values.extend(pulled[i] for i in picks)
        return values


def host_inputs(graph, elements: list, fed: list[str]) -> HostInputs | None:
    """The host feeds and actions of ``graph`` that a run of ``elements`` reaches (through inputs and
    control inputs, not past the tensors it feeds), in the order they were registered; None if none."""
    ops = _reached_ops(elements, set(fed))
    actions = [action for name, action in graph.host_actions.items() if name in ops]
    feeds: dict = {}
    for name, feed in graph.host_feeds.items():
        tensor = f"{name}:0"
        if name in ops and tensor not in fed:
            feeds.setdefault(id(feed), (feed, []))[1].append(feed.names.index(tensor))
    if not actions and not feeds:
        return None
    return HostInputs(actions, [(feed, sorted(picks)) for feed, picks in feeds.values()])


def _reached_ops(elements: list, fed: set) -> set[str]:
    stack = [e if isinstance(e, Operation) else e.op for e in elements if isinstance(e, Operation) or e.name not in fed]
    seen: set[str] = set()
    while stack:
        op = stack.pop()
        if op.name not in seen:
            seen.add(op.name)
            stack.extend(t.op for t in op.inputs if t.name not in fed)
            stack.extend(op.control_inputs)
    return seen


@contextlib.contextmanager
def op_errors():
    """A tfc error of a run that TensorFlow raises as one of tf.errors' classes (an uninitialized
    variable, a bad feed) leaves as an instance of both."""
    try:
        yield
    except TfcError as err:
        as_op_error(err)
        raise


def _checked_config(config) -> ConfigProto:
    """``config`` (TensorFlow's ConfigProto; None: the defaults). Its CPU ``device_count`` asks for
    that many host devices, which XLA can give only before its CPU backend starts: later, a warning
    on the ``tfc`` logger when there are fewer (a device a graph names that does not exist is an error
    at its first run, or a warning under ``allow_soft_placement``)."""
    if config is None:
        return ConfigProto()
    if not isinstance(config, ConfigProto):
        raise SessionError(f"tf.Session: config must be a tf.ConfigProto, got {type(config).__name__}")
    cpus = config.device_count.get("CPU", 0)
    if cpus > 1:
        try:
            set_cpu_devices(cpus)
        except TfcError as err:
            if len([d for d in devices() if d.startswith("cpu:")]) < cpus:
                log.warning("tf.Session: ConfigProto asks for %d CPU devices but %s", cpus, str(err).removeprefix("error: "))
    return config


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
