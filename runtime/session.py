"""``tfc.Session``: TensorFlow 1's Extend/Run over a graph built with the graph API.

Each ``run(fetches, feed_dict, targets)`` prunes the graph to what the fetches, targets and their
control edges need (walking back from them and stopping at fed tensors: feeding *any* tensor cuts
off its producers), clones those ops in graph order into a fresh ``main`` function whose arguments
are the feeds, lifts variable reads and assigns into arguments and results (``lift-variables``)
and compiles it (XLA, or the numpy interpreter with ``backend="interp"``). The compiled step is
cached per (fetches, targets, feed tensors with their shapes and dtypes); a repeated ``run`` costs
one dictionary lookup, the XLA dispatch and the unpacking of results, all precomputed.
``make_callable`` gives the leanest path.

Variables live in the session (``sess.variables``: name -> device array) between runs; their
buffers are donated to XLA, which updates them in place.

A session may be used from any number of threads, as TensorFlow's: runs that read or write the
same variables are serialized (each update applies exactly once, and every read sees whole
updates), runs touching different variables or none run in parallel, and a step is compiled once
however many threads ask for it first (see :mod:`tfc.runtime.variable_store`).

>>> with tfc.Graph().as_default() as g:
...     x = tfc.placeholder(tfc.float32, [2, 2], name="x")
...     z = tfc.matmul(x, x) + tfc.matmul(x, [[1, 0], [0, 1]])
>>> with tfc.Session(g) as sess:
...     sess.run(z, {x: [[5, 6], [7, 8]]})
array([[ 72.,  84.],
       [ 98., 114.]], dtype=float32)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Self

import numpy as np

from tfc.backends import BACKENDS
from tfc.clone import clone_op
from tfc.frontend.graph import (
    Graph,
    GraphError,
    Group,
    Op,
    current_graph,
    default_session,
    get_default_session,
    nested_ops,
    outer_operands,
    split_tensor_name,
)
from tfc.frontend.tensor import Tensor
from tfc.frontend.variables import Variable
from tfc.ir import Function, Module, Operation, OpResult, Value
from tfc.types import FunctionType, TensorType

from .errors import SessionError
from .feeds import feed_array
from .step import Step, build_step
from .variable_store import VariableStore

VARIABLE, READ = "tfc.variable", "tfc.read_variable"


class Session:
    """Runs (parts of) a graph, keeping variable values between runs.

    ``tfc.Session(graph=None, target=None, *, backend="xla", device="cpu")``: ``graph`` defaults to
    the graph being built (inside ``with g.as_default():``) or a new empty one to ``extend``.
    Usable as a context manager (it becomes the default session for ``tensor.eval()``).
    """

    def __init__(self, graph: Graph | None = None, target: str | None = None, config=None, *, backend: str = "xla", device: str = "cpu"):
        if target not in (None, "", "local"):
            raise SessionError(f"target '{target}' is not supported: sessions run in this process (target=None)")
        if backend not in BACKENDS:
            raise SessionError(f"unknown backend '{backend}' (expected {' or '.join(repr(b) for b in BACKENDS)})")
        if graph is not None and not isinstance(graph, Graph):
            raise SessionError(f"Session(graph=...) needs a tfc.Graph, got {type(graph).__name__}")
        self.graph = graph if graph is not None else (current_graph() or Graph())
        self.backend = backend
        self.device = device
        self.variables = VariableStore()
        """Variable name -> its current value (a device array with XLA)."""
        self.compile_count = 0
        self._steps: dict = {}
        self._runners: dict = {}
        self._closed = False
        self._default: contextlib.ExitStack | None = None
        self._compiling = threading.Lock()

    # ---- lifetime
    def __enter__(self) -> Self:
        self._default = contextlib.ExitStack()
        self._default.enter_context(default_session(self))
        return self

    def __exit__(self, *exc) -> None:
        if self._default is not None:
            self._default.close()
        self.close()

    def as_default(self):
        """Make this the default session (for ``tensor.eval()`` / ``op.run()``) without closing it after."""
        return default_session(self)

    def close(self) -> None:
        """Free the compiled steps and variable values; later runs raise."""
        self._closed = True
        self._steps.clear()
        self._runners.clear()
        self.variables.clear()

    # ---- running
    def run(self, fetches, feed_dict=None, targets=None, options=None, run_metadata=None):
        """Compute ``fetches`` after running ``targets``, with ``feed_dict`` replacing tensors.

        ``fetches``: a tensor, variable, op (gives None), name (``"z:0"`` a tensor, ``"init"`` an op),
        or nested lists/tuples/dicts of those (the result has the same structure, numpy arrays at the
        leaves). ``feed_dict`` keys are tensors or names (``"x:0"`` or ``"x"``); values are arrays or
        Python numbers/lists of the tensor's shape (dtypes convert when no kind is lost).
        """
        # Shapes are static, so the fetches and the fed tensors pick the compiled step; the executable
        # checks each value's shape and dtype, and a value it refuses goes the slow way (converted or
        # explained) through _make_runner.
        try:
            key = (_key(fetches), None if targets is None else _key(targets),
                   None if not feed_dict else tuple([k.value if type(k) is Tensor else k for k in feed_dict]))
            runner = self._runners[key]
        except KeyError:
            runner = self._runners[key] = self._make_runner(fetches, feed_dict, targets, retry=True)
        except TypeError:  # unhashable fetches or feed_dict keys: no caching
            runner = self._make_runner(fetches, feed_dict, targets)
        return runner(feed_dict)

    def make_callable(self, fetches, feed_list=None, accept_options: bool = False) -> Callable:
        """A function ``f(*feed_values)`` computing ``fetches`` with ``feed_list`` fed: the fastest path.

        Compiles now (the feed shapes are the tensors' static shapes).
        """
        self._check_open()
        feeds = [self._feed_tensor(k) for k in _as_list(feed_list)]
        if len(set(feeds)) != len(feeds):
            raise SessionError("make_callable: a tensor appears twice in feed_list")
        names = [self._name_of(v) for v in feeds]
        outputs, roots, structure = self._fetch_plan(fetches, None, {v: i for i, v in enumerate(feeds)})
        step = self._step(outputs, roots, feeds)
        run, offset = step.run, step.offset
        types = [v.type for v in feeds]
        count = len(feeds)

        def convert(values):
            if len(values) != count:
                raise SessionError(f"this callable takes {count} feed value(s), got {len(values)}")
            return [_convert_feed(v, t, n)[0] for v, t, n in zip(values, types, names)]

        if structure[0] == "out":
            index = offset + structure[1]

            def call_single(*values):
                try:
                    outs = run(values)
                except (TypeError, ValueError):  # the executable checks types; explain or convert here
                    outs = run(convert(values))
                return np.asarray(outs[index])

            return call_single
        finish = _finisher(structure)

        def call(*values):
            try:
                outs = run(values)
            except (TypeError, ValueError):
                values = convert(values)
                outs = run(values)
            return finish(outs, values, offset)

        return call

    # ---- building a runner for one call shape
    def _make_runner(self, fetches, feed_dict, targets, retry: bool = False) -> Callable:
        """A runner ``r(feed_dict)`` for this call's fetches, targets and fed tensors. With ``retry``, a
        later call whose values the executable refuses is redone through a runner made for them."""
        self._check_open()
        feed_dict = feed_dict or {}
        if not isinstance(feed_dict, dict):
            raise SessionError(f"feed_dict must be a dict, got {type(feed_dict).__name__}")
        tensors, converters = [], []
        for key, value in feed_dict.items():
            tensor = self._feed_tensor(key)
            if tensor in tensors:
                raise SessionError(f"tensor '{self._name_of(tensor)}' is fed twice")
            converters.append(_convert_feed(value, tensor.type, self._name_of(tensor))[1])
            tensors.append(tensor)
        order = sorted(range(len(tensors)), key=lambda i: self._name_of(tensors[i]))
        feeds = [tensors[i] for i in order]  # the step's arguments: feeds sorted by name
        outputs, roots, structure = self._fetch_plan(fetches, targets, {v: i for i, v in enumerate(feeds)})
        step = self._step(outputs, roots, feeds)
        run, offset = step.run, step.offset
        picks = [(i, converters[i]) for i in order]  # feed_dict order -> argument order, converting where needed
        identity = order == list(range(len(order))) and not any(converters)

        def slow(feed_dict):
            return self._make_runner(fetches, feed_dict, targets)(feed_dict)

        if structure[0] == "out" and identity and step.single is not None:
            call_single = step.single

            def single(feed_dict):
                try:
                    return np.asarray(call_single(*feed_dict.values()) if feed_dict else call_single())
                except (TypeError, ValueError):
                    if not retry:
                        raise
                return slow(feed_dict)

            return single
        finish = _finisher(structure)

        def runner(feed_dict):
            values = list(feed_dict.values()) if feed_dict else []
            args = values if identity else [values[i] if c is None else c(values[i]) for i, c in picks]
            try:
                outs = run(args)
            except (TypeError, ValueError):
                if not retry:
                    raise
                return slow(feed_dict)
            return finish(outs, args, offset)

        return runner

    def _fetch_plan(self, fetches, targets, fed: dict):
        """Resolve fetches and targets: (outputs, roots, structure).

        ``outputs``: what the step returns, in order (values, or ``("var", handle op)`` for a variable's
        value at the end of the run); ``roots``: op or Group -> the fetch naming it (for messages);
        ``structure``: the fetch structure with leaves ("out", i), ("fed", argument i, its dtype) or ("none",).
        """
        outputs: dict = {}
        roots: dict = {}

        def leaf(item):
            kind, target, label = self._resolve_fetch(item)
            if kind == "op":
                roots.setdefault(target, label)
                return ("none",)
            if kind == "tensor" and target in fed:
                return ("fed", fed[target], target.type.dtype.numpy)
            key = ("var", target) if kind == "var" else target
            if key not in outputs:
                outputs[key] = len(outputs)
                roots.setdefault(target if kind == "var" else target.op, label)
            return ("out", outputs[key])

        structure = _map_structure(fetches, leaf)
        for item in _as_list(targets):
            kind, target, label = self._resolve_fetch(item, as_target=True)
            roots.setdefault(target if kind in ("op", "var") else target.op, label)
        return list(outputs), roots, structure

    def _step(self, outputs: list, roots: dict, feeds: list) -> Step:
        key = (tuple(outputs), tuple(roots), tuple((v, v.type) for v in feeds))
        step = self._steps.get(key)
        if step is None:
            with self._compiling:  # threads asking for the same new step compile it once
                step = self._steps.get(key)
                if step is None:
                    step = self._steps[key] = self._compile(outputs, roots, feeds)
        return step

    # ---- pruning, cloning, compiling
    def _compile(self, outputs: list, roots: dict, feeds: list) -> Step:
        """Prune to what ``roots`` need, clone that into a function ``main`` of the feeds, build the step."""
        graph = self.graph
        needed = self._prune(roots, set(feeds))
        module = Module.create()
        function = Function.create("main", [v.type for v in feeds], [], [self._name_of(v) for v in feeds])
        module.add_function(function)
        mapping: dict = dict(zip(feeds, function.args))
        readers: dict[str, str] = {}  # variable -> first op reading it (for the uninitialized error)
        for op in sorted(needed, key=graph.creation_order):
            if op.name == READ:
                readers.setdefault(op.operands[0].op.attr("name"), op.location.describe())
            function.body.append(clone_op(op, mapping))
        results = [self._output_value(out, function, mapping) for out in outputs]
        function.body.append(Operation("func.return", results))
        function.set_type(FunctionType(tuple(a.type for a in function.args), tuple(v.type for v in results)))
        self.compile_count += 1
        fetch_names = ", ".join(dict.fromkeys(roots.values())) or "nothing"
        return build_step(module, self.variables, backend=self.backend, device=self.device, readers=readers, needed_by=fetch_names)

    @staticmethod
    def _output_value(out, function: Function, mapping: dict) -> Value:
        """The value a fetch returns: a cloned tensor, or a variable's value at the end of the run."""
        if not isinstance(out, tuple):
            return mapping[out]
        handle = out[1]  # ("var", handle op)
        read = Operation(READ, [mapping[handle.result]], [handle.result.type.value_type], location=handle.location)
        function.body.append(read)
        return read.result

    def _prune(self, roots: dict, fed: set) -> set:
        """Top-level ops the roots need, following operands (except fed ones) and control edges."""
        graph = self.graph
        needed: set = set()
        visited_groups: set = set()
        stack = [(op, label) for op, label in roots.items()]
        while stack:
            op, label = stack.pop()
            if isinstance(op, Group):
                if op not in visited_groups:
                    visited_groups.add(op)
                    stack.extend((c, label) for c in graph.control_inputs(op))
                continue
            if op in needed:
                continue
            if not graph.is_top_level(op):
                name = graph.name_of(op) if graph.has_name(op) else op.name
                raise SessionError(f"'{name}' is inside a control-flow region or was removed; it cannot be run on its own")
            needed.add(op)
            if op.name == "tfc.placeholder":
                raise SessionError(f"placeholder '{graph.name_of(op)}' ({op.result.type}) must be fed: {label} needs it")
            for value in outer_operands(op):
                if value not in fed and isinstance(value, OpResult):
                    stack.append((value.op, label))
            for inner in nested_ops(op):
                stack.extend((c, label) for c in graph.control_inputs(inner))
        return needed

    # ---- resolving names and objects
    def _resolve_fetch(self, item, as_target: bool = False):
        """("tensor", Value, label) | ("var", handle op, label) | ("op", op or Group, label)."""
        if isinstance(item, Variable):
            if item.graph is None:
                raise SessionError(f"variable '{item.node_name}' is an eager variable (no graph): read it with v.numpy()")
            return ("var", self._local_op(item.handle_op, item.graph, item.name), f"'{item.name}'")
        if isinstance(item, Tensor):
            value = self._local_value(item)
            return self._tensor_kind(value, self._name_of(value))
        if isinstance(item, Op):
            return ("op", self._local_op(item.node, item.graph, item.name), f"'{item.name}'")
        if isinstance(item, Group):
            return ("op", self._local_op(item, item.graph, item.name), f"'{item.name}'")
        if isinstance(item, str):
            if ":" in item and not as_target:
                return self._tensor_kind(self._value_by_name(item), item)
            op = self.graph.node(item.split(":")[0] if as_target else item)
            if op is None:
                raise SessionError(f"fetch '{item}': no op named '{item}' in the graph")
            return ("op", op, f"'{item}'")
        what = "target" if as_target else "fetch"
        raise SessionError(f"cannot {what} an object of type {type(item).__name__} ({item!r}); expected a tensor, op, variable or name")

    def _tensor_kind(self, value: Value, label: str):
        if isinstance(value.type, TensorType):
            return ("tensor", value, f"'{label}'")
        op = value.op if isinstance(value, OpResult) else None
        if op is not None and op.name == VARIABLE:
            return ("var", op, f"'{label}'")
        raise SessionError(f"tensor '{label}' has type {value.type} and cannot be fetched")

    def _feed_tensor(self, key) -> Value:
        if isinstance(key, Variable):
            raise SessionError(f"cannot feed variable '{key.node_name}': feed a tensor, or run an assign to change a variable")
        if isinstance(key, Tensor):
            value = self._local_value(key)
        elif isinstance(key, str):
            value = self._value_by_name(key if ":" in key else f"{key}:0")
        else:
            raise SessionError(f"feed_dict keys must be tensors or tensor names, got {type(key).__name__}")
        if not isinstance(value.type, TensorType):
            raise SessionError(f"cannot feed '{self._name_of(value)}' of type {value.type}")
        return value

    def _value_by_name(self, name: str) -> Value:
        try:
            op_name, index = split_tensor_name(name)
        except GraphError as err:
            raise SessionError(str(err)) from None
        op = self.graph.node(op_name)
        if op is None:
            raise SessionError(f"tensor '{name}': no op named '{op_name}' in the graph")
        results = [] if isinstance(op, Group) else op.results
        if index >= len(results):
            what = "has no outputs" if not results else f"has only {len(results)} output(s)"
            raise SessionError(f"tensor '{name}': op '{op_name}' {what}; fetch the op ('{op_name}') or pass it as a target")
        return results[index]

    def _local_value(self, tensor: Tensor) -> Value:
        """The session graph's value for ``tensor`` (copied there by ``extend`` if from another graph)."""
        if tensor.graph is None:
            raise SessionError(f"{tensor!r} is not a graph tensor (built outside `with graph.as_default():`)")
        local = self.graph.local_value(tensor)
        if local is None:
            raise SessionError(f"tensor '{tensor.name}' is not in this session's graph; add it with sess.extend(...) first")
        return local

    def _local_op(self, op, graph: Graph, label: str):
        local = self.graph.local_op(op, graph)
        if local is None:
            raise SessionError(f"'{label}' is not in this session's graph; add it with sess.extend(...) first")
        return local

    def _name_of(self, value: Value) -> str:
        if isinstance(value, OpResult) and self.graph.has_name(value.op):
            return f"{self.graph.name_of(value.op)}:{value.index}"
        return repr(value)

    def _check_open(self) -> None:
        if self._closed:
            raise SessionError("this session is closed")

    # ---- Extend
    def extend(self, nodes) -> Session:
        """Add nodes to the session's graph (:meth:`tfc.Graph.extend`).

        A Session made on a graph sees every op later added to that graph without ``extend``.
        ``extend(other_graph)`` (or a list of ops, tensors, variables or groups of another graph, with
        everything they need) copies those nodes into the session's graph under the same names, as
        TensorFlow's ``Session.Extend`` does; copying twice adds only the new nodes. Afterwards the
        other graph's tensors, ops and variables can be fetched and fed directly or by name. A name
        already used by a different node raises SessionError.
        """
        self._check_open()
        try:
            self.graph.extend(nodes)
        except GraphError as err:
            raise SessionError(str(err)) from None
        return self

    def __repr__(self) -> str:
        return f"<tfc.Session on {self.graph!r}, {len(self._steps)} compiled step(s), {len(self.variables)} variable(s)>"


# ---------------------------------------------------------------------------------------------
# Helpers


def _key(x):
    """A hashable key for a fetch structure (tensors by their IR value, so new wrappers hit)."""
    t = type(x)
    if t is Tensor:
        return x.value
    if t is list or t is tuple:
        return (t, tuple([_key(i) for i in x]))
    if t is dict:
        return (dict, tuple([(k, _key(v)) for k, v in x.items()]))
    return x


def _as_list(items) -> list:
    if items is None:
        return []
    return list(items) if isinstance(items, (list, tuple)) else [items]


def _map_structure(fetches, leaf):
    if isinstance(fetches, (list, tuple)) and not isinstance(fetches, Tensor):
        fields = getattr(type(fetches), "_fields", None)
        kind = "namedtuple" if fields is not None else ("tuple" if isinstance(fetches, tuple) else "list")
        return (kind, type(fetches), [_map_structure(f, leaf) for f in fetches])
    if isinstance(fetches, dict):
        return ("dict", type(fetches), [(k, _map_structure(v, leaf)) for k, v in fetches.items()])
    return leaf(fetches)


def _finisher(structure) -> Callable:
    """finish(outs, args, offset) -> the fetch structure with numpy arrays (None for ops)."""
    kind = structure[0]
    if kind == "out":
        index = structure[1]
        return lambda outs, args, offset: np.asarray(outs[offset + index])
    if kind == "fed":  # a fed tensor fetched: its value as the graph types it
        position, dtype = structure[1], structure[2]
        return lambda outs, args, offset: np.asarray(args[position], dtype=dtype)
    if kind == "none":
        return lambda outs, args, offset: None
    if kind == "dict":
        keys = [k for k, _ in structure[2]]
        parts = [_finisher(s) for _, s in structure[2]]
        return lambda outs, args, offset: {k: p(outs, args, offset) for k, p in zip(keys, parts)}
    parts = [_finisher(s) for s in structure[2]]
    if kind == "list":
        return lambda outs, args, offset: [p(outs, args, offset) for p in parts]
    if kind == "tuple":
        return lambda outs, args, offset: tuple([p(outs, args, offset) for p in parts])
    make = structure[1]
    return lambda outs, args, offset: make(*[p(outs, args, offset) for p in parts])


def _convert_feed(value, ttype: TensorType, name: str):
    """(array, converter or None) for feeding ``value`` to a tensor of type ``ttype``, converted as
    TensorFlow converts feeds (``np.asarray(value, dtype)``: floats into an int32 placeholder
    truncate, float64 into float32 rounds, any byte order is accepted); SessionError if it cannot."""
    if isinstance(value, (Tensor, Op, Group)):
        raise SessionError(f"cannot feed '{name}' with a tfc tensor or op: feed values are numpy arrays or Python numbers")
    target = ttype.dtype.numpy
    if hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__array__") and value.dtype == target:
        array, converter = value, None  # already right (a device array stays on its device)
    else:
        array, converter = feed_array(name, value, ttype.dtype), _as_dtype(target)
    if tuple(array.shape) != tuple(ttype.shape):
        raise SessionError(f"cannot feed a value of shape {list(array.shape)} to '{name}', which has shape {list(ttype.shape)}")
    if converter is not None:
        array = converter(array)
    return array, converter


def _as_dtype(dtype):
    return lambda v: np.asarray(v, dtype=dtype)


__all__ = ["Session", "SessionError", "get_default_session"]
