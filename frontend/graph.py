"""The TensorFlow 1 graph: ``tfc.Graph``, its ops and names, scopes, control edges, and the default
graph and session.

A :class:`Graph` is a trace whose ops append to one growing ``graph`` function block, so every
``tfc.*`` function and tensor operator works unchanged inside ``with g.as_default():``. Each op gets
a TensorFlow-style node name (``layer1/MatMul``, uniqued as ``MatMul_1``) carried in its location
(``loc("layer1/MatMul"("model.py":12:5))``), so errors name both the node and the user's line.
Control dependencies are a side table on the graph (``op -> ops that must run first``); a Session
prunes along data and control edges. Graph order is program order: stateful ops (variable reads
and assigns) that a run needs execute in the order they were created.

The functions users call (``tfc.placeholder``, ``tfc.name_scope``, ...) are in :mod:`.graph_api`.

>>> g = tfc.Graph()
>>> with g.as_default():
...     x = tfc.placeholder(tfc.float32, [2, 2], name="x")
...     with tfc.name_scope("layer1"):
...         y = tfc.matmul(x, x)
>>> y.name
'layer1/MatMul:0'
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable

from tfc.clone import clone_op
from tfc.diagnostics import TfcError, TraceError, VerifyError
from tfc.ir import Block, Operation, OpResult, Value
from tfc.location import UNKNOWN, NameLoc
from tfc.ops.control_flow import captured_values
from tfc.printer import print_module

from .tensor import Tensor
from .tracing import Trace, current_trace, tracing, user_location


class GraphError(TfcError):
    """Misuse of the graph API: unknown names, tensors from another graph, no default graph."""


# TensorFlow's names for the node types users know; other core ops are CamelCased (``dot_general``
# -> ``DotGeneral``). Only names: nothing decides behaviour from this table.
_TYPE_NAMES = {
    "tfc.constant": "Const", "tfc.multiply": "Mul", "tfc.subtract": "Sub", "tfc.divide": "RealDiv",
    "tfc.negate": "Neg", "tfc.dot_general": "MatMul", "tfc.convert": "Cast", "tfc.logistic": "Sigmoid",
    "tfc.broadcast_in_dim": "BroadcastTo", "tfc.reduce": "Reduce", "tfc.select": "Select",
    "tfc.placeholder": "Placeholder", "tfc.variable": "Variable", "tfc.read_variable": "read",
    "tfc.assign_variable": "Assign", "tfc.identity": "Identity", "tfc.power": "Pow", "tfc.maximum": "Maximum",
}
_REDUCE_NAMES = {"sum": "Sum", "max": "Max", "min": "Min", "prod": "Prod", "and": "All", "or": "Any"}
VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")


def _type_name(op_name: str, attributes) -> str:
    if op_name == "tfc.reduce" and attributes:
        kind = attributes.get("kind")
        return _REDUCE_NAMES.get(getattr(kind, "value", kind), "Reduce")
    known = _TYPE_NAMES.get(op_name)
    if known:
        return known
    return "".join(part.capitalize() for part in op_name.split(".")[-1].split("_"))


def check_name(name: str) -> None:
    """GraphError unless ``name`` is a valid TensorFlow node name."""
    if not VALID_NAME.match(name):
        raise GraphError(f"'{name}' is not a valid node name (letters, digits, '_', '.', '-', '/')")


# ---------------------------------------------------------------------------------------------
# The trace behind a graph


class GraphTrace(Trace):
    """A trace that names every op it records and applies the graph's scopes to it."""

    def __init__(self, graph: Graph):
        super().__init__("graph", [], [])
        self.graph = graph

    def emit(self, name, operands, attributes=None, result_types=None, regions=(), location=None, node_name=None, scoped=True):
        """Record op ``name`` as a node called ``node_name`` (default: its type, e.g. ``MatMul``),
        prefixed by the name scope unless ``scoped`` is false, and uniqued."""
        if current_trace() is not self:
            raise TraceError(f"'{name}': a tensor of another graph is used here (build with one graph at a time, inside its as_default())",
                             location or self.location or user_location())
        return self.graph.add_node(name, operands, attributes, result_types, regions, location, node_name, scoped)

    def tensor_name(self, value: Value) -> str | None:
        return f"{self.graph.name_of(value.op)}:{value.index}" if isinstance(value, OpResult) else None

    def tensor_op(self, value: Value):
        return self.graph.wrap(value.op) if isinstance(value, OpResult) else None

    def evaluate(self, tensor, feed_dict, session):
        return session_for(session).run(tensor, feed_dict)


# ---------------------------------------------------------------------------------------------
# Graphs


class Graph:
    """A TensorFlow 1 style graph: ops appended in creation order, with node names and control edges.

    Use ``with g.as_default():`` to build into it; run it with ``tfc.Session(g)``.
    """

    def __init__(self):
        self.trace = GraphTrace(self)
        self._block: Block = self.trace.function.body
        self._names: dict[str, object] = {}  # node name -> ir Operation or Group
        self._op_names: dict[Operation, str] = {}
        self._order: dict[Operation, int] = {}  # creation order (nested region ops included)
        self._control: dict[object, tuple] = {}  # op or Group -> ops/Groups that must run first
        self._names_in_use: dict[str, int] = {}
        self._last: tuple | None = None  # (op, node name, requested name) of the last op added
        self._scope = ""
        self._device: str | None = None
        self._control_stack: list[tuple] = []
        self._wrappers: dict[Operation, Op] = {}
        self._extended: dict[Graph, dict] = {}  # another graph -> its values and ops -> ours (extend)
        self.variables: list = []  # tfc.Variable objects, in creation order
        self.trainable: list = []

    # ---- building
    @contextlib.contextmanager
    def as_default(self):
        """Make this graph the target of tfc operations (``tfc.matmul``, ``+``, ``tfc.Variable``...)."""
        with tracing(self.trace):
            yield self

    def unique_name(self, name: str, mark_as_used: bool = True, scoped: bool = True) -> str:
        """``name`` in the current name scope, made unique as TensorFlow does (``MatMul``, ``MatMul_1``)."""
        if self._scope and scoped:
            name = self._scope + name
        key = name.lower()
        count = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = count + 1
        if count > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{count}"
                count += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{count - 1}"
        return name

    def add_node(self, name, operands, attributes=None, result_types=None, regions=(), location=None,
                 node_name=None, scoped=True) -> Operation:
        """Record op ``name`` as a named node of this graph (what the graph's trace does for every op)."""
        self._release_erased()
        location = location or self.trace.location or user_location()
        grad_of = ""
        if isinstance(location, NameLoc):  # backprop records gradient ops at the forward op's location
            grad_of = location.name + "_grad/"
            location = location.child or UNKNOWN
        for value in operands:
            owner = value.op if isinstance(value, OpResult) else None
            if owner is not None and owner not in self._order:
                raise TraceError(f"'{name}': an operand is a tensor from another graph or trace", location)
        if self._device is not None:
            attributes = dict(attributes or {})
            attributes["tfc.device"] = self._device
        requested = node_name or grad_of + _type_name(name, attributes)
        if scoped and self._scope:
            requested = self._scope + requested
        node = self.unique_name(requested, scoped=False)
        try:
            op = self.trace.builder.create(name, operands, attributes, result_types, regions, NameLoc(node, location), name_hint=node)
        except VerifyError as err:
            raise TraceError(f"'{name}' ({node}): {err.message}", location) from None
        self._register(op, node, requested)
        return op

    def add_group(self, inputs: list, name: str | None = None) -> Group:
        """A NoOp-like node (no outputs) that runs ``inputs`` (ops or groups of this graph)."""
        if name is not None:
            check_name(name)
        node = self.unique_name(name or "NoOp")
        group = Group(self, node)
        self._register(group, node)
        self._control[group] = tuple(dict.fromkeys(self.control_inputs(group) + tuple(inputs)))
        return group

    def _release_erased(self) -> None:
        """Give back the name of the op added last if it was erased since (a weak literal that
        ``astype`` replaced), so names stay dense: ``Const``, not ``Const_1`` after a dead ``Const``."""
        last = self._last
        if last is None or not isinstance(last[0], Operation) or last[0].parent is not None:
            return
        op, node, base = last
        self._last = None
        del self._names[node]
        del self._op_names[op]
        self._order.pop(op, None)
        self._control.pop(op, None)
        key = node.lower()
        if key != base:
            self._names_in_use.pop(key, None)
        remaining = self._names_in_use.get(base, 0) - 1
        if remaining > 0:
            self._names_in_use[base] = remaining
        else:
            self._names_in_use.pop(base, None)

    def _register(self, op: Operation | Group, node: str, base: str | None = None) -> None:
        if node in self._names:
            raise GraphError(f"duplicate node name '{node}' in the graph")
        self._names[node] = op
        self._last = (op, node, (base or node).lower())
        if isinstance(op, Operation):
            self._op_names[op] = node
            self._order[op] = len(self._order)
        if self._control_stack and self._control_stack[-1]:
            self._control[op] = self._control_stack[-1]

    def rename(self, op: Operation, name: str) -> None:
        """Give node ``op`` the (uniqued, scoped) name ``name`` (TensorFlow's ``name=`` arguments)."""
        check_name(name)
        old = self._op_names[op]
        new = self.unique_name(name)
        del self._names[old]
        self._names[new] = op
        self._op_names[op] = new
        op.location = NameLoc(new, op.location.child)
        for r in op.results:
            r.name_hint = new

    def add_variable(self, variable, trainable: bool) -> None:
        self.variables.append(variable)
        if trainable:
            self.trainable.append(variable)

    # ---- scopes
    @contextlib.contextmanager
    def name_scope(self, name: str | None):
        """See :func:`tfc.frontend.graph_api.name_scope`."""
        saved = self._scope
        if name is None or name == "":
            scope = ""
        elif name.endswith("/"):
            scope = name
        else:
            check_name(name)
            scope = self.unique_name(name) + "/"
        self._scope = scope
        try:
            yield scope
        finally:
            self._scope = saved

    @contextlib.contextmanager
    def device(self, spec: str | None):
        """See :func:`tfc.frontend.graph_api.device`."""
        saved, saved_constants = self._device, self.trace.constants
        self._device = spec
        self.trace.constants = {}  # a constant is reused only under the same device and control deps
        try:
            yield
        finally:
            self._device, self.trace.constants = saved, saved_constants

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs: Iterable | None):
        """See :func:`tfc.frontend.graph_api.control_dependencies`."""
        if control_inputs is None:
            edges: tuple = ()
        else:
            outer = self._control_stack[-1] if self._control_stack else ()
            edges = tuple(dict.fromkeys(outer + tuple(self.as_graph_op(c) for c in control_inputs)))
        saved_constants = self.trace.constants
        self._control_stack.append(edges)
        self.trace.constants = {}
        try:
            yield
        finally:
            self._control_stack.pop()
            self.trace.constants = saved_constants

    @property
    def has_control_dependencies(self) -> bool:
        """Whether ops created now get control edges (so a value read before may not be reused)."""
        return bool(self._control_stack and self._control_stack[-1])

    # ---- looking things up
    def get_operations(self) -> list:
        """Top-level ops (wrapped) in creation order."""
        return [self.wrap(op) for op in self._block.ops]

    def top_level_ops(self) -> list[Operation]:
        """The ir ops of the graph's body, in creation order."""
        return list(self._block.ops)

    def groups(self) -> list[Group]:
        """The groups (NoOps) of the graph, in creation order."""
        return [g for g in self._names.values() if isinstance(g, Group)]

    def node(self, name: str):
        """The ir Operation or Group called ``name``, or None (also for an op that was removed)."""
        op = self._names.get(name)
        if op is None or (isinstance(op, Operation) and op.parent is None):
            return None
        return op

    def get_operation_by_name(self, name: str):
        """The op called ``name``; GraphError when there is none."""
        op = self.node(name)
        if op is None:
            raise GraphError(f"no op named '{name}' in the graph")
        return op if isinstance(op, Group) else self.wrap(op)

    def get_tensor_by_name(self, name: str):
        """The tensor called ``name`` ("op:index"); a variable's handle gives the Variable."""
        op_name, index = split_tensor_name(name)
        op = self.node(op_name)
        if op is None:
            raise GraphError(f"tensor '{name}': no op named '{op_name}' in the graph")
        outputs = [] if isinstance(op, Group) else op.results
        if index >= len(outputs):
            what = "has no outputs" if not outputs else f"has {len(outputs)} output(s)"
            raise GraphError(f"tensor '{name}': op '{op_name}' {what}; fetch it as an op ('{op_name}') instead")
        variable = self.variable_of(op)
        if variable is not None:
            return variable
        return Tensor(outputs[index], self.trace)

    def variable_of(self, op):
        """The Variable whose handle op is ``op``, or None."""
        if isinstance(op, Operation) and op.name == "tfc.variable":
            for v in self.variables:
                if v.handle_op is op:
                    return v
        return None

    def wrap(self, op: Operation) -> Op:
        """The ``tf.Operation``-like view of ir op ``op`` (one per op)."""
        wrapper = self._wrappers.get(op)
        if wrapper is None:
            wrapper = self._wrappers[op] = Op(op, self)
        return wrapper

    def name_of(self, op: Operation) -> str:
        return self._op_names[op]

    def has_name(self, op: Operation) -> bool:
        return op in self._op_names

    def control_inputs(self, op) -> tuple:
        return self._control.get(op, ())

    def creation_order(self, op: Operation) -> int:
        """When ``op`` was created (graph order is program order for stateful ops); -1 if not here."""
        return self._order.get(op, -1)

    @property
    def created(self) -> int:
        """How many ops were created so far (nested ones included): the next op's creation order."""
        return len(self._order)

    def is_top_level(self, op: Operation) -> bool:
        """Whether ``op`` is a top-level op of the graph (not inside a region, not removed)."""
        return op.parent is self._block

    def as_graph_op(self, item):
        """The ir Operation (or Group) behind an op, tensor, variable or name of this graph."""
        if isinstance(item, str):
            item = self.get_operation_by_name(item) if ":" not in item else self.get_tensor_by_name(item)
        if isinstance(item, (Group, Operation)):
            return item
        if isinstance(item, Op):
            return item.node
        handle = getattr(item, "handle_op", None)
        if handle is not None:
            return handle
        if isinstance(item, Tensor) and isinstance(item.value, OpResult):
            return item.value.op
        raise GraphError(f"expected an op, a tensor or a variable, got {type(item).__name__}")

    def as_text(self) -> str:
        """The graph's IR (one ``graph`` function; control edges are not shown)."""
        return print_module(self.trace.module)

    def __repr__(self) -> str:
        return f"<tfc.Graph with {len(self._block.ops)} ops>"

    # ---- extending with another graph's nodes
    def extend(self, nodes) -> Graph:
        """Copy nodes of another graph into this one under the same names, as TensorFlow's
        ``Session.Extend`` does: ``extend(other_graph)``, or a list of its ops, tensors, variables or
        groups (with everything they need). Copying twice adds only the new nodes. Afterwards
        :meth:`local_value` and :meth:`local_op` find the copies. GraphError when a name is taken.
        """
        source, roots = _extension_roots(nodes)
        if source is None or source is self:
            return self
        copied = self._extended.setdefault(source, {})
        ops, groups = _closure(source, roots, copied)
        for op in sorted(ops, key=source.creation_order):
            self._copy_op(source, op, copied)
        for group in groups:
            self._claim(group.name)
            copy = Group(self, group.name)
            self._register(copy, group.name)
            copied[group] = copy
        for old in [*ops, *groups]:
            self._copy_control_edges(source, old, copied)
        return self

    def _claim(self, name: str) -> None:
        if name in self._names:
            raise GraphError(f"extend: node name '{name}' is already used in this graph")
        self._names_in_use.setdefault(name.lower(), 1)

    def _copy_op(self, source: Graph, op: Operation, copied: dict) -> None:
        name = source.name_of(op)
        self._claim(name)
        copy = clone_op(op, copied)
        self._block.append(copy)
        self._register(copy, name)
        for inner in nested_ops(copy)[1:]:
            self._order[inner] = len(self._order)
        copied[op] = copy

    def _copy_control_edges(self, source: Graph, old, copied: dict) -> None:
        edges = source.control_inputs(old)
        if edges:
            self._control[copied[old]] = tuple(copied[c] for c in edges)
        if isinstance(old, Operation):
            for inner_old, inner_new in zip(nested_ops(old)[1:], nested_ops(copied[old])[1:]):
                inner_edges = source.control_inputs(inner_old)
                if inner_edges:
                    self._control[inner_new] = tuple(copied[c] for c in inner_edges)

    def local_value(self, tensor: Tensor) -> Value | None:
        """This graph's value for ``tensor`` (its own, or the copy ``extend`` made); None if neither."""
        if tensor.graph is self:
            return tensor.value
        return self._extended.get(tensor.graph, {}).get(tensor.value)

    def local_op(self, op, graph: Graph):
        """This graph's op (or Group) for ``op`` of ``graph``; None when it was not copied here."""
        if graph is self:
            return op
        return self._extended.get(graph, {}).get(op)


def _extension_roots(nodes) -> tuple[Graph | None, list]:
    """(the graph the nodes come from, the ops and groups to copy with what they need)."""
    if isinstance(nodes, Graph):
        return nodes, [*nodes.top_level_ops(), *nodes.groups()]
    source, roots = None, []
    for item in nodes if isinstance(nodes, (list, tuple)) else [nodes]:
        graph = getattr(item, "graph", None)
        if not isinstance(graph, Graph):
            raise GraphError(f"extend takes a Graph or ops/tensors/variables of one, got {type(item).__name__}")
        if source is not None and graph is not source:
            raise GraphError("extend: all nodes must come from one graph")
        source = graph
        roots.append(graph.as_graph_op(item))
        initializer = getattr(item, "initializer", None)
        if initializer is not None and not isinstance(item, (Op, Group)):
            roots.append(initializer.node)
    return source, roots


def _closure(source: Graph, roots: list, copied: dict) -> tuple[set, list]:
    """The ops and groups of ``source`` that ``roots`` need (data and control), not copied yet."""
    ops, groups, stack = set(), [], list(roots)
    while stack:
        op = stack.pop()
        if op in copied or op in ops or op in groups:
            continue
        if isinstance(op, Group):
            groups.append(op)
            stack.extend(source.control_inputs(op))
            continue
        ops.add(op)
        stack.extend(v.op for v in outer_operands(op) if isinstance(v, OpResult))
        for inner in nested_ops(op):
            stack.extend(source.control_inputs(inner))
    return ops, groups


class Op:
    """An op of a graph, as TensorFlow's ``tf.Operation``: name, type, inputs, outputs, control inputs."""

    def __init__(self, node: Operation, graph: Graph):
        self.node = node
        self.graph = graph

    @property
    def name(self) -> str:
        return self.graph.name_of(self.node)

    @property
    def type(self) -> str:
        """The core op (``tfc.dot_general``)."""
        return self.node.name

    @property
    def outputs(self) -> list[Tensor]:
        return [Tensor(r, self.graph.trace) for r in self.node.results]

    @property
    def inputs(self) -> list[Tensor]:
        return [Tensor(v, self.graph.trace) for v in self.node.operands]

    @property
    def control_inputs(self) -> list:
        return [self.graph.wrap(c) if isinstance(c, Operation) else c for c in self.graph.control_inputs(self.node)]

    @property
    def device(self) -> str | None:
        return self.node.attr("tfc.device")

    def run(self, feed_dict=None, session=None) -> None:
        """Run this op in ``session`` (default: the default session), as TensorFlow 1's ``Operation.run``."""
        session_for(session).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tfc.Operation '{self.name}' type={self.type}>"


class Group:
    """An op with no outputs that runs its control inputs (TensorFlow's ``NoOp``/``tf.group``)."""

    def __init__(self, graph: Graph, name: str):
        self.graph = graph
        self.name = name
        self.inputs: list = []  # no data inputs: what it runs are its control inputs
        self.outputs: list = []
        self.type = "NoOp"

    @property
    def control_inputs(self) -> list:
        return [self.graph.wrap(c) if isinstance(c, Operation) else c for c in self.graph.control_inputs(self)]

    def run(self, feed_dict=None, session=None) -> None:
        """Run this group in ``session`` (default: the default session)."""
        session_for(session).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tfc.Operation '{self.name}' type=NoOp>"


def outer_operands(op: Operation) -> list[Value]:
    """Operands of ``op`` plus values its regions use from outside it (what ``op`` depends on)."""
    if not op.regions:
        return list(op.operands)
    return list(dict.fromkeys([*op.operands, *captured_values(op)]))


def nested_ops(op) -> list:
    """``op`` and every op in its regions (a Group has none)."""
    return list(op.walk()) if getattr(op, "regions", None) else [op]


def split_tensor_name(name: str) -> tuple[str, int]:
    """``"x:0"`` -> ("x", 0); ``"x"`` -> ("x", 0)."""
    op_name, sep, index = name.rpartition(":")
    if not sep:
        return name, 0
    if not index.isdigit():
        raise GraphError(f"'{name}' is not a tensor name (expected 'op:index')")
    return op_name, int(index)


# ---------------------------------------------------------------------------------------------
# The default graph and the default session


def current_graph() -> Graph | None:
    """The graph being built, when the current trace is a graph's (else None: eager or traced mode)."""
    trace = current_trace()
    return trace.graph if trace is not None else None


def get_default_graph() -> Graph:
    """The graph made default by ``with g.as_default():``; GraphError outside one."""
    graph = current_graph()
    if graph is None:
        raise GraphError("no default graph: build graphs inside `with tfc.Graph().as_default():`")
    return graph


_sessions = threading.local()


def get_default_session():
    """The innermost session entered with ``with``/``as_default()``, or None."""
    stack = getattr(_sessions, "stack", None)
    return stack[-1] if stack else None


@contextlib.contextmanager
def default_session(session):
    """Make ``session`` the default (for ``tensor.eval()`` and ``op.run()``) inside the ``with``."""
    _sessions.__dict__.setdefault("stack", []).append(session)
    try:
        yield session
    finally:
        _sessions.stack.pop()


def session_for(session):
    """``session``, or the default one; GraphError when there is none."""
    session = session or get_default_session()
    if session is None:
        raise GraphError("no default session: use `with tfc.Session(graph) as sess:` or pass session=")
    return session


__all__ = [
    "Graph",
    "GraphError",
    "GraphTrace",
    "Group",
    "Op",
    "check_name",
    "current_graph",
    "default_session",
    "get_default_graph",
    "get_default_session",
    "nested_ops",
    "outer_operands",
    "session_for",
    "split_tensor_name",
]
