"""The TensorFlow 1 graph API: ``tfc.Graph``, placeholders, name scopes, devices, control dependencies.

A :class:`Graph` is a trace whose ops append to one growing ``graph`` function block, so every
``tfc.*`` function and tensor operator works unchanged inside ``with g.as_default():``. Each op gets
a TensorFlow-style node name (``layer1/MatMul``, uniqued as ``MatMul_1``) carried in its location
(``loc("layer1/MatMul"("model.py":12:5))``), so errors name both the node and the user's line.
Control dependencies are a side table on the graph (``op -> ops that must run first``); a Session
prunes along data and control edges. Graph order is program order: stateful ops (variable reads
and assigns) that a run needs execute in the order they were created.

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
from collections.abc import Iterable, Sequence

from tfc.diagnostics import TfcError, TraceError, VerifyError
from tfc.ir import Block, Operation, OpResult, Region, Value
from tfc.location import UNKNOWN, NameLoc
from tfc.registry import AttrKind, OpDef, Trait, attr, register
from tfc.types import TensorType

from . import api
from .tracing import Tensor, Trace, current_trace, to_tensor, tracing, user_location


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


def _type_name(op_name: str, attributes) -> str:
    if op_name == "tfc.reduce" and attributes:
        kind = attributes.get("kind")
        return _REDUCE_NAMES.get(getattr(kind, "value", kind), "Reduce")
    known = _TYPE_NAMES.get(op_name)
    if known:
        return known
    return "".join(part.capitalize() for part in op_name.split(".")[-1].split("_"))


_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")


# ---------------------------------------------------------------------------------------------
# The trace behind a graph


class GraphTrace(Trace):
    """A trace that names every op it records and applies the graph's scopes to it."""

    def __init__(self, graph: Graph):
        super().__init__("graph", [], [])
        self.graph = graph

    def emit(self, name, operands, attributes=None, result_types=None, regions=(), node_name=None, scoped=True):
        """Record op ``name`` as a node called ``node_name`` (default: its type, e.g. ``MatMul``),
        prefixed by the name scope unless ``scoped`` is false, and uniqued."""
        graph = self.graph
        graph._release_erased()
        location = self.location or user_location()
        if current_trace() is not self:
            raise TraceError(f"'{name}': a tensor of another graph is used here (build with one graph at a time, inside its as_default())", location)
        grad_of = ""
        if isinstance(location, NameLoc):  # backprop records gradient ops at the forward op's location
            grad_of = location.name + "_grad/"
            location = location.child or UNKNOWN
        for value in operands:
            owner = value.op if isinstance(value, OpResult) else None
            if owner is not None and owner not in graph._order:
                raise TraceError(f"'{name}': an operand is a tensor from another graph or trace", location)
        if graph._device is not None:
            attributes = dict(attributes or {})
            attributes["tfc.device"] = graph._device
        requested = node_name or grad_of + _type_name(name, attributes)
        if scoped and graph._scope:
            requested = graph._scope + requested
        node = graph.unique_name(requested, scoped=False)
        try:
            op = self.builder.create(name, operands, attributes, result_types, regions, NameLoc(node, location), name_hint=node)
        except VerifyError as err:
            raise TraceError(f"'{name}' ({node}): {err.message}", location) from None
        graph._add(op, node, requested)
        return op


# ---------------------------------------------------------------------------------------------
# Graphs


class Graph:
    """A TensorFlow 1 style graph: ops appended in creation order, with node names and control edges.

    Use ``with g.as_default():`` to build into it; run it with ``tfc.Session(g)``.
    """

    def __init__(self):
        self._trace = GraphTrace(self)
        self._block: Block = self._trace.function.body
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
        self.variables: list = []  # tfc.Variable objects, in creation order
        self.trainable: list = []

    # ---- building
    @contextlib.contextmanager
    def as_default(self):
        """Make this graph the target of tfc operations (``tfc.matmul``, ``+``, ``tfc.Variable``...)."""
        with tracing(self._trace):
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

    def _add(self, op: Operation | Group, node: str, base: str | None = None) -> None:
        if node in self._names:
            raise GraphError(f"duplicate node name '{node}' in the graph")
        self._names[node] = op
        self._last = (op, node, (base or node).lower())
        if isinstance(op, Operation):
            self._op_names[op] = node
            self._order[op] = len(self._order)
        if self._control_stack and self._control_stack[-1]:
            self._control[op] = self._control_stack[-1]

    def _emit(self, name, operands=(), attributes=None, result_types=None, node_name=None, scoped=True) -> Operation:
        return self._trace.emit(name, list(operands), attributes, result_types, node_name=node_name, scoped=scoped)

    # ---- looking things up
    def get_operations(self) -> list:
        """Top-level ops (wrapped) in creation order."""
        return [self._wrap(op) for op in self._block.ops]

    def get_operation_by_name(self, name: str):
        """The op called ``name``; GraphError when there is none."""
        op = self._names.get(name)
        if op is None or (isinstance(op, Operation) and op.parent is None):
            raise GraphError(f"no op named '{name}' in the graph")
        return op if isinstance(op, Group) else self._wrap(op)

    def get_tensor_by_name(self, name: str):
        """The tensor called ``name`` ("op:index"); a variable's handle gives the Variable."""
        op_name, index = split_tensor_name(name)
        op = self._names.get(op_name)
        if op is None or (isinstance(op, Operation) and op.parent is None):
            raise GraphError(f"tensor '{name}': no op named '{op_name}' in the graph")
        outputs = [] if isinstance(op, Group) else op.results
        if index >= len(outputs):
            what = "has no outputs" if not outputs else f"has {len(outputs)} output(s)"
            raise GraphError(f"tensor '{name}': op '{op_name}' {what}; fetch it as an op ('{op_name}') instead")
        variable = self._variable_of(op)
        if variable is not None:
            return variable
        return Tensor(outputs[index], self._trace)

    def _variable_of(self, op):
        if isinstance(op, Operation) and op.name == "tfc.variable":
            for v in self.variables:
                if v._handle_op is op:
                    return v
        return None

    def _wrap(self, op: Operation) -> Op:
        wrapper = self._wrappers.get(op)
        if wrapper is None:
            wrapper = self._wrappers[op] = Op(op, self)
        return wrapper

    def name_of(self, op: Operation) -> str:
        return self._op_names[op]

    def control_inputs(self, op) -> tuple:
        return self._control.get(op, ())

    def as_text(self) -> str:
        """The graph's IR (one ``graph`` function; control edges are not shown)."""
        from tfc.printer import print_module

        return print_module(self._trace.module)

    def __repr__(self) -> str:
        return f"<tfc.Graph with {len(self._block.ops)} ops>"


class Op:
    """An op of a graph, as TensorFlow's ``tf.Operation``: name, type, inputs, outputs, control inputs."""

    def __init__(self, node: Operation, graph: Graph):
        self.node = node
        self.graph = graph

    @property
    def name(self) -> str:
        return self.graph._op_names[self.node]

    @property
    def type(self) -> str:
        """The core op (``tfc.dot_general``)."""
        return self.node.name

    @property
    def outputs(self) -> list[Tensor]:
        return [Tensor(r, self.graph._trace) for r in self.node.results]

    @property
    def inputs(self) -> list[Tensor]:
        return [Tensor(v, self.graph._trace) for v in self.node.operands]

    @property
    def control_inputs(self) -> list:
        return [self.graph._wrap(c) if isinstance(c, Operation) else c for c in self.graph.control_inputs(self.node)]

    @property
    def device(self) -> str | None:
        return self.node.attr("tfc.device")

    def __repr__(self) -> str:
        return f"<tfc.Operation '{self.name}' type={self.type}>"


class Group:
    """An op with no outputs that runs its control inputs (TensorFlow's ``NoOp``/``tf.group``)."""

    def __init__(self, graph: Graph, name: str, inputs: Sequence):
        self.graph = graph
        self.name = name
        self.inputs: list = []  # no data inputs: what it runs are its control inputs
        self.outputs: list = []
        self.type = "NoOp"

    @property
    def control_inputs(self) -> list:
        return [self.graph._wrap(c) if isinstance(c, Operation) else c for c in self.graph.control_inputs(self)]

    def __repr__(self) -> str:
        return f"<tfc.Operation '{self.name}' type=NoOp>"


# ---------------------------------------------------------------------------------------------
# The default graph and the scopes


def current_graph() -> Graph | None:
    """The graph being built, when the current trace is a graph's (else None: eager or traced mode)."""
    trace = current_trace()
    return trace.graph if isinstance(trace, GraphTrace) else None


def get_default_graph() -> Graph:
    """The graph made default by ``with g.as_default():``; GraphError outside one."""
    graph = current_graph()
    if graph is None:
        raise GraphError("no default graph: build graphs inside `with tfc.Graph().as_default():`")
    return graph


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
    saved = graph._scope
    if name is None or name == "":
        scope = ""
    elif name.endswith("/"):
        scope = name
    else:
        _check_name(name)
        scope = graph.unique_name(name) + "/"
    graph._scope = scope
    try:
        yield scope
    finally:
        graph._scope = saved


@contextlib.contextmanager
def device(spec: str | None):
    """Record ``spec`` ("cpu:1", "gpu:0") as the ``tfc.device`` attribute of ops created inside.

    ``None`` clears it. Outside a graph it does nothing. (Placement across devices is the partition
    pass's job; a Session compiles for its own device.)
    """
    graph = current_graph()
    if graph is None:
        yield
        return
    saved, saved_constants = graph._device, graph._trace.constants
    graph._device = spec
    graph._trace.constants = {}  # a constant is reused only under the same device and control deps
    try:
        yield
    finally:
        graph._device, graph._trace.constants = saved, saved_constants


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
    if control_inputs is None:
        edges: tuple = ()
    else:
        outer = graph._control_stack[-1] if graph._control_stack else ()
        edges = tuple(dict.fromkeys(outer + tuple(as_graph_op(c, graph) for c in control_inputs)))
    saved_constants = graph._trace.constants
    graph._control_stack.append(edges)
    graph._trace.constants = {}
    try:
        yield
    finally:
        graph._control_stack.pop()
        graph._trace.constants = saved_constants


def as_graph_op(item, graph: Graph):
    """The ir Operation (or Group) behind an op, tensor, variable or name of ``graph``."""
    if isinstance(item, str):
        item = graph.get_operation_by_name(item) if ":" not in item else graph.get_tensor_by_name(item)
    if isinstance(item, (Group, Operation)):
        return item
    if isinstance(item, Op):
        return item.node
    handle = getattr(item, "_handle_op", None)
    if handle is not None:
        return handle
    if isinstance(item, Tensor) and isinstance(item.value, OpResult):
        return item.value.op
    raise GraphError(f"expected an op, a tensor or a variable, got {type(item).__name__}")


def _check_name(name: str) -> None:
    if not _VALID_NAME.match(name):
        raise GraphError(f"'{name}' is not a valid node name (letters, digits, '_', '.', '-', '/')")


# ---------------------------------------------------------------------------------------------
# Graph-only functions


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """A graph input that every ``Session.run`` needing it must feed.

    ``shape`` must be fully known (core ops have static shapes): ``tfc.placeholder(tfc.float32, [256, 784])``.
    """
    graph = _need_graph("tfc.placeholder")
    dtype = api.as_dtype(dtype)
    if shape is None or any(d is None or (isinstance(d, int) and d < 0) for d in shape):
        raise GraphError(
            f"placeholder '{name or 'Placeholder'}': shape {shape} is not fully known; tfc compiles static "
            "shapes, so give every dimension (e.g. [256, 784])"
        )
    if name is not None:
        _check_name(name)
    node = graph.unique_name(name or "Placeholder", mark_as_used=False)
    op = graph._emit("tfc.placeholder", [], {"name": node}, [TensorType(dtype, tuple(int(d) for d in shape))], node_name=name or "Placeholder")
    return Tensor(op.result, graph._trace)


def identity(x, name: str | None = None) -> Tensor:
    """``x`` itself; in a graph, a new node (named ``name``) that control dependencies attach to."""
    graph = current_graph()
    x = to_tensor(x)
    if graph is None:
        return x
    if name is not None:
        _check_name(name)
    op = graph._emit("tfc.identity", [x.value], node_name=name)
    return Tensor(op.result, graph._trace, x.weak)


def group(*inputs, name: str | None = None) -> Group:
    """An op (no outputs) that runs all of ``inputs``; fetch it or pass it as a target."""
    graph = _need_graph("tfc.group")
    ops = [as_graph_op(i, graph) for i in inputs]
    if name is not None:
        _check_name(name)
    node = graph.unique_name(name or "NoOp")
    g = Group(graph, node, ops)
    graph._add(g, node)
    graph._control[g] = tuple(dict.fromkeys(graph.control_inputs(g) + tuple(ops)))
    return g


def no_op(name: str | None = None) -> Group:
    """An op that does nothing (but runs its control dependencies)."""
    return group(name=name)


def _named(make, name: str | None) -> Tensor:
    """``make()``, its result's node renamed to ``name`` in graph mode (TensorFlow's ``name=`` argument)."""
    graph = current_graph()
    if graph is None or name is None:
        return make()
    _check_name(name)
    before = len(graph._order)
    result = make()
    op = result.value.op if isinstance(result.value, OpResult) else None
    if op is None or graph._order.get(op, -1) < before or op.parent is not graph._block:
        return identity(result, name)  # an existing tensor came back: name a new node instead
    old = graph._op_names[op]
    new = graph.unique_name(name)
    del graph._names[old]
    graph._names[new] = op
    graph._op_names[op] = new
    op.location = NameLoc(new, op.location.child)
    for r in op.results:
        r.name_hint = new
    return result


def reduce_sum(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_sum`` (``tfc.sum`` with an optional node name)."""
    return _named(lambda: api.sum(input_tensor, axis, keepdims), name)


def reduce_mean(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_mean``."""
    return _named(lambda: api.mean(input_tensor, axis, keepdims), name)


def reduce_max(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_max``."""
    return _named(lambda: api.max(input_tensor, axis, keepdims), name)


def reduce_min(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_min``."""
    return _named(lambda: api.min(input_tensor, axis, keepdims), name)


def reduce_prod(input_tensor, axis=None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """TensorFlow 1's ``tf.reduce_prod``."""
    return _named(lambda: api.prod(input_tensor, axis, keepdims), name)


def split_tensor_name(name: str) -> tuple[str, int]:
    """``"x:0"`` -> ("x", 0); ``"x"`` -> ("x", 0)."""
    op_name, sep, index = name.rpartition(":")
    if not sep:
        return name, 0
    if not index.isdigit():
        raise GraphError(f"'{name}' is not a tensor name (expected 'op:index')")
    return op_name, int(index)


# ---------------------------------------------------------------------------------------------
# Graph tensors speak TensorFlow: .name, .op, .graph, .get_shape()


def _graph_of(t: Tensor) -> Graph | None:
    trace = t.trace
    return trace.graph if isinstance(trace, GraphTrace) else None


def _tensor_name(t: Tensor) -> str | None:
    graph = _graph_of(t)
    value = t.value
    if graph is None or not isinstance(value, OpResult):
        return None
    return f"{graph._op_names[value.op]}:{value.index}"


def _tensor_op(t: Tensor):
    graph = _graph_of(t)
    if graph is None or not isinstance(t.value, OpResult):
        return None
    return graph._wrap(t.value.op)


_plain_repr = Tensor.__repr__


def _tensor_repr(t: Tensor) -> str:
    name = _tensor_name(t)
    if name is None:
        return _plain_repr(t)
    return f"<tfc.Tensor '{name}' shape={t.shape} dtype={t.dtype.name}>"


Tensor.name = property(_tensor_name)
Tensor.op = property(_tensor_op)
Tensor.graph = property(_graph_of)
Tensor.get_shape = lambda self: self.shape
Tensor.__repr__ = _tensor_repr


# ---------------------------------------------------------------------------------------------
# Cloning ops (used by Session: per-run pruned functions, and extending with another graph)


def clone_op(op: Operation, mapping: dict) -> Operation:
    """A copy of ``op`` (regions included) whose operands are ``mapping[operand]``.

    ``mapping`` (old value -> new value) must hold every operand, including values an op's regions
    use from outside; the copy's results are added to it (unless already mapped). The copy has no
    parent block yet.
    """
    regions = [_clone_region(r, mapping) for r in op.regions]
    new = Operation(
        op.name,
        [mapping[v] for v in op.operands],
        [r.type for r in op.results],
        dict(op.attributes),
        regions,
        op.location,
        [r.name_hint for r in op.results],
    )
    for old, result in zip(op.results, new.results):
        mapping.setdefault(old, result)
    return new


def _clone_region(region: Region, mapping: dict) -> Region:
    new_region = Region()
    for block in region.blocks:
        new_block = Block([a.type for a in block.args], [a.name_hint for a in block.args])
        for old, arg in zip(block.args, new_block.args):
            mapping[old] = arg
        for inner in block.ops:
            new_block.append(clone_op(inner, mapping))
        new_region.add_block(new_block)
    return new_region


def outer_operands(op: Operation) -> list[Value]:
    """Operands of ``op`` plus values its regions use from outside it (what ``op`` depends on)."""
    if not op.regions:
        return list(op.operands)
    inside: set = set()
    used: list = list(op.operands)
    for inner in op.walk():
        if inner is op:
            continue
        for region in inner.regions:
            for block in region.blocks:
                inside.update(block.args)
        used.extend(inner.operands)
        inside.update(inner.results)
    for region in op.regions:
        for block in region.blocks:
            inside.update(block.args)
    return list(dict.fromkeys(v for v in used if v not in inside))


def nested_ops(op) -> list:
    """``op`` and every op in its regions (a Group has none)."""
    return list(op.walk()) if getattr(op, "regions", None) else [op]


__all__ = [
    "Graph",
    "GraphError",
    "GraphTrace",
    "Group",
    "Op",
    "as_graph_op",
    "clone_op",
    "control_dependencies",
    "current_graph",
    "device",
    "get_default_graph",
    "group",
    "identity",
    "name_scope",
    "no_op",
    "outer_operands",
    "placeholder",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_sum",
    "split_tensor_name",
]
