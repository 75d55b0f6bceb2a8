"""GraphDef → tfc module of ``tf.*`` ops.

The graph is pruned to what the requested outputs and targets need (feeding a tensor cuts off its
producers, as in a TensorFlow Session), ordered topologically (data and control edges; ties keep the
file's order, so the output is deterministic), and every node becomes one op: its name is the op's
location and SSA name hint, its device and colocation are kept as ``tf.device`` / ``_class``
attributes, and control inputs become ``!tfc.token`` operands so stateful ops keep TensorFlow's order.
Unsupported op types are all reported at once, before anything is built.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
from tensorboard.compat.proto import types_pb2

from tfc.attributes import DenseElementsAttr, DTypeAttr, StringAttr
from tfc.builder import Builder
from tfc.device_spec import DeviceError, DeviceSpec
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module, Value
from tfc.limits import type_too_big
from tfc.location import NameLoc
from tfc.registry import ShapeError, lookup
from tfc.types import DType, FunctionType, ResourceType, TensorType
from tfc.verifier import infer_types

from . import ops  # noqa: F401 - registers the tf.* dialect
from .dialect import IMPORT_HOOKS, TOKEN, data_types
from .functionalize import functionalize_if_needed
from .functions import CallDepthError, FunctionLibrary
from .graphdef import GraphImportError, convert_attr, load_graphdef, tensor_type_from_attrs
from .op_schema import node_problem

# Attributes TensorFlow adds for its own bookkeeping; kept out of the IR to keep it readable.
_DROPPED_ATTRS = {"_has_manual_control_dependencies", "_output_shapes", "_read_only_resource_inputs", "_XlaMustCompile"}
PLACEHOLDERS = ("Placeholder", "PlaceholderWithDefault")
"""The op types a feed replaces by design (their declared dtype and shape check the fed value)."""


@dataclass
class TensorRef:
    """``node:index`` (index -1 means a control edge ``^node``)."""

    node: str
    index: int

    @staticmethod
    def parse(text: str) -> TensorRef:
        if text.startswith("^"):
            return TensorRef(text[1:], -1)
        name, _, index = text.rpartition(":")
        if name and index.isdigit():
            return TensorRef(name, int(index))
        return TensorRef(text, 0)

    def __str__(self) -> str:
        return f"^{self.node}" if self.index < 0 else f"{self.node}:{self.index}"


@dataclass
class ImportResult:
    """The imported module and what its ``main`` function computes."""

    module: Module
    fetches: list[str]
    feeds: list[str]
    targets: list[str]
    total_nodes: int
    imported_nodes: int
    notes: list[str] = field(default_factory=list)

    @property
    def pruned(self) -> int:
        return self.total_nodes - self.imported_nodes

    def summary(self) -> str:
        """One comment line saying what was imported, so a graph never silently lowers to nothing."""
        return (
            f"// tfc: outputs {', '.join(self.fetches) or '(none)'}; targets {', '.join(self.targets) or '(none)'}; "
            f"feeds {', '.join(self.feeds) or '(none)'}; {self.imported_nodes} of {self.total_nodes} nodes imported, {self.pruned} pruned"
        )


class UnsupportedOpsError(GraphImportError):
    """Every op type the requested outputs need but tfc does not know, with the nodes using each."""

    def __init__(self, file: str | None, table: dict[str, list[str]]):
        self.table = table
        rows = [f"{op} x{len(nodes)} ({', '.join(nodes[:3])}{', ...' if len(nodes) > 3 else ''})" for op, nodes in sorted(table.items())]
        super().__init__(f"unsupported TensorFlow ops: {'; '.join(rows)}", file)



def without_string_messages(graph):
    """``graph`` with the string data inputs of each ``Assert`` left out. tfc has no string tensors,
    and XLA programs cannot raise, so the check is dropped at legalization (as TensorFlow's XLA bridge
    drops it): its message, the string constants ``tf.nn.dynamic_rnn``'s sequence_length check
    carries, need not import."""
    strings = types_pb2.DT_STRING
    if not any(node.op == "Assert" and strings in node.attr["T"].list.type for node in graph.node):
        return graph
    copy = type(graph)()
    copy.CopyFrom(graph)
    for node in copy.node:
        types = list(node.attr["T"].list.type) if node.op == "Assert" else []
        if strings in types:
            condition, *data = [i for i in node.input if not i.startswith("^")]
            kept = [(x, t) for x, t in zip(data, types) if t != strings] or [(condition, types_pb2.DT_BOOL)]  # data: one at least
            controls = [i for i in node.input if i.startswith("^")]
            del node.input[:]
            node.input.extend([condition, *(x for x, _ in kept), *controls])
            del node.attr["T"].list.type[:]
            node.attr["T"].list.type.extend(t for _, t in kept)
    return copy


class GraphImporter:
    """Imports one GraphDef; ``import_graph`` may be called for several output sets."""

    def __init__(self, graph, filename: str | None = None, library=None):
        graph = without_string_messages(functionalize_if_needed(graph, filename))
        self.graph = graph
        self.filename = filename
        self.library = library if library is not None else FunctionLibrary(graph.library, filename, build_function)
        self.nodes = {}
        self.order = {}
        for index, node in enumerate(graph.node):
            if not node.name or not node.op:  # what another kind of protobuf parsed as a GraphDef looks like
                raise GraphImportError(f"node #{index} has no {'name' if not node.name else 'op type'}", filename, node.name or None)
            if node.name in self.nodes:
                raise GraphImportError("duplicate node name", filename, node.name)
            self.nodes[node.name] = node
            self.order[node.name] = index
        self.inputs = {name: [TensorRef.parse(i) for i in node.input] for name, node in self.nodes.items()}
        for name, refs in self.inputs.items():
            for ref in refs:
                if ref.node not in self.nodes:
                    raise GraphImportError(f"input '{ref}' names a node that does not exist", filename, name)

    @staticmethod
    def from_file(path) -> GraphImporter:
        return GraphImporter(load_graphdef(path), str(path))

    # ---- what to import ----------------------------------------------------------------------
    def sinks(self) -> list[str]:
        """Nodes nothing else consumes, in file order: the default outputs. A Placeholder nothing
        uses is not one (TensorFlow's control-flow lowering leaves ``unused_control_flow_input``
        placeholders behind), unless the graph has nothing else."""
        used = {ref.node for refs in self.inputs.values() for ref in refs}
        sinks = [name for name in self.nodes if name not in used]
        computed = [name for name in sinks if self.nodes[name].op not in PLACEHOLDERS]
        return computed or sinks

    def resolve_output(self, name: str) -> TensorRef | None:
        """A tensor name (``loss:0``) or op name; an op with no data outputs is a target (None)."""
        ref = TensorRef.parse(name)
        if ref.node not in self.nodes:
            raise GraphImportError(f"output '{name}' names a node that does not exist", self.filename)
        return ref

    def placeholder_type(self, name: str) -> TensorType | None:
        """The type a Placeholder (or PlaceholderWithDefault) declares for tensor ``name`` (``x:0``),
        ``?`` where TensorFlow leaves a dimension open; None when the tensor is not a Placeholder's output."""
        ref = TensorRef.parse(name)
        node = self.nodes.get(ref.node)
        if node is None or node.op not in PLACEHOLDERS or ref.index != 0:
            return None
        attrs = {key: convert_attr(node.attr[key], f" in attribute of node '{node.name}'") for key in ("dtype", "shape") if key in node.attr}
        dtype = attrs.get("dtype")
        if dtype is None:
            return None
        shape = attrs.get("shape")
        return tensor_type_from_attrs(dtype.value, None if shape is None else shape.value)

    def import_graph(self, outputs=None, targets=(), feeds=None, placeholder_types=None) -> ImportResult:
        """Import what ``outputs`` (tensor or op names; default: the sinks) and ``targets`` need.

        ``feeds`` maps tensor names to types (or None to use a Placeholder's own): each becomes an
        argument of ``main``, cutting off its producer; a numpy array instead is compiled in as a
        constant (a feed that determines a shape). Without ``feeds``, every needed Placeholder is one,
        of the type ``placeholder_types`` gives it (by tensor name) or else of its own.
        """
        fetch_refs, target_names = [], list(targets)
        if outputs is None:
            self.topological_order(set(self.nodes))  # a cycle with no sink must not import as nothing
            outputs = self.sinks()
            if not outputs and not target_names:
                raise GraphImportError("the graph has no sinks to use as outputs; name them with --outputs", self.filename)
        for name in outputs:
            ref = self.resolve_output(name)
            if self._data_output_count(ref.node) == 0 and ":" not in name:
                target_names.append(ref.node)
            else:
                fetch_refs.append((name, ref))
        for name in target_names:
            if name not in self.nodes:
                raise GraphImportError(f"target '{name}' names a node that does not exist", self.filename)
        feed_refs = {}
        for name, ftype in (feeds or {}).items():
            ref = TensorRef.parse(name)
            if ref.node not in self.nodes:
                raise GraphImportError(f"feed '{name}' names a node that does not exist", self.filename)
            feed_refs[(ref.node, ref.index)] = (name, ftype)
        needed = self.needed_nodes([r for _, r in fetch_refs], target_names, feed_refs)
        if feeds is None:
            for name in sorted(needed, key=self.order.get):
                if self.nodes[name].op == "Placeholder":
                    feed_refs[(name, 0)] = (name, (placeholder_types or {}).get(f"{name}:0"))
            needed = self.needed_nodes([r for _, r in fetch_refs], target_names, feed_refs)
        self.check_supported(needed)
        self.check_schemas((n, self.nodes[n]) for n in sorted({node for node, _ in feed_refs}))  # fed: types from attributes
        module = Module.create()
        result = FunctionBuilder(self, needed, fetch_refs, target_names, feed_refs).run(module, "main")
        if feeds is not None:
            self._check_placeholders_fed(needed, outputs or target_names)
        self.library.attach(module)
        return result

    def _check_placeholders_fed(self, needed, wanted) -> None:
        """As TensorFlow's Session: a Placeholder that what is asked for depends on must be fed."""
        for name in sorted(needed, key=self.order.get):
            if self.nodes[name].op == "Placeholder":
                declared = self.placeholder_type(name)
                typed = "" if declared is None else f" of type {declared}"
                raise GraphImportError(f"you must feed a value for placeholder '{name}'{typed} (needed by {', '.join(wanted)})",
                                       self.filename, name)

    def _data_output_count(self, node: str) -> int:
        opdef = lookup(f"tf.{self.nodes[node].op}")
        if opdef is None:
            return 1
        return 0 if not opdef.output_args else 1

    def needed_nodes(self, fetches, targets, feed_refs) -> set[str]:
        """Nodes reachable backwards from fetches and targets, not crossing fed tensors."""
        fed_nodes = {node for node, _ in feed_refs}
        needed: set[str] = set()
        stack = [r.node for r in fetches if (r.node, r.index) not in feed_refs] + list(targets)
        while stack:
            name = stack.pop()
            if name in needed:
                continue
            needed.add(name)
            for ref in self.inputs[name]:
                if (ref.node, ref.index) in feed_refs:
                    continue
                stack.append(ref.node)
        # A fed node whose every needed use is fed need not be imported (its other outputs are unused).
        return needed - {n for n in fed_nodes if n in needed and not self._used_unfed(n, needed, feed_refs)}

    def _used_unfed(self, node: str, needed: set[str], feed_refs) -> bool:
        for consumer in needed:
            for ref in self.inputs[consumer]:
                if ref.node == node and (ref.node, ref.index) not in feed_refs:
                    return True
        return False

    def check_supported(self, needed: set[str]) -> None:
        """Report every unknown op type the request needs, in the graph and in the functions it calls;
        then the first node that breaks its op's TensorFlow schema (attributes, number of inputs)."""
        table: dict[str, list[str]] = {}
        nodes = [self.nodes[name] for name in sorted(needed, key=self.order.get)]
        reachable = list(self.library.reachable_nodes(nodes))
        for where, node in reachable:
            if lookup(f"tf.{node.op}") is None:
                table.setdefault(node.op, []).append(where)
        if table:
            raise UnsupportedOpsError(self.filename, table)
        self.check_schemas(reachable)

    def check_schemas(self, nodes) -> None:
        """GraphImportError for the first of ``nodes`` ((where, NodeDef) pairs) that breaks its op's schema."""
        for where, node in nodes:
            problem = node_problem(node)
            if problem:
                raise GraphImportError(problem, self.filename, where)

    def topological_order(self, needed: set[str]) -> list[str]:
        """Kahn's algorithm over data and control edges; ties go to the node earlier in the file."""
        indegree = {name: 0 for name in needed}
        consumers: dict[str, list[str]] = {name: [] for name in needed}
        for name in needed:
            for ref in self.inputs[name]:
                if ref.node in needed:
                    indegree[name] += 1
                    consumers[ref.node].append(name)
        ready = [(self.order[n], n) for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            _, name = heapq.heappop(ready)
            order.append(name)
            for consumer in consumers[name]:
                indegree[consumer] -= 1
                if indegree[consumer] == 0:
                    heapq.heappush(ready, (self.order[consumer], consumer))
        if len(order) != len(needed):
            stuck = sorted((n for n, d in indegree.items() if d > 0), key=self.order.get)
            loops = any(self.nodes[n].op == "NextIteration" for n in stuck)
            what = "a TensorFlow v1 while loop (NextIteration back edge)" if loops else "a cycle that is not a loop"
            raise GraphImportError(f"{what} through nodes {', '.join(stuck[:6])}{', ...' if len(stuck) > 6 else ''}", self.filename, stuck[0])
        return order


class FunctionBuilder:
    """Builds one function (``main``, or a library function's body) for one import request."""

    def __init__(self, importer: GraphImporter, needed, fetch_refs, targets, feed_refs):
        self.importer = importer
        self.needed = needed
        self.fetch_refs = fetch_refs
        self.targets = targets
        self.feed_refs = feed_refs
        self.values: dict[tuple[str, int], Value] = {}
        self.tokens: dict[str, Value] = {}
        self.control_sources = {ref.node for n in needed for ref in importer.inputs[n] if ref.index < 0}

    def fail(self, message: str, node: str | None = None):
        raise GraphImportError(message, self.importer.filename, node)

    def run(self, module: Module, function_name: str) -> ImportResult:
        importer = self.importer
        order = importer.topological_order(self.needed)
        ordered = sorted(self.feed_refs.items(), key=lambda kv: (importer.order[kv[0][0]], kv[0][1]))
        feed_items = [item for item in ordered if not isinstance(item[1][1], np.ndarray)]
        arg_types = [self._feed_type(node, index, ftype) for (node, index), (_, ftype) in feed_items]
        function = Function.create(function_name, arg_types, [], [_arg_name(name) for _, (name, _) in feed_items])
        module.add_function(function)
        for ((node, index), _), arg in zip(feed_items, function.args):
            self.values[(node, index)] = arg
        builder = Builder(function.body)
        for (node, index), (name, value) in ordered:
            if isinstance(value, np.ndarray):  # a feed compiled in as a constant (it determines a shape)
                self.values[(node, index)] = _constant(builder, value, name)
        for name in order:
            self._build_node(builder, name)
        results = []
        for name, ref in self.fetch_refs:
            value = self.values.get((ref.node, ref.index))
            if value is None:
                self.fail(f"output '{name}' does not exist (the node has fewer outputs)", ref.node)
            if isinstance(value.type, ResourceType):
                value = self._read(builder, value, ref.node)  # fetching a variable fetches its value
            results.append(value)
        builder.create("func.return", results, location=NameLoc(function_name))
        function.set_type(FunctionType(tuple(arg_types), tuple(v.type for v in results)))
        return ImportResult(
            module,
            [name for name, _ in self.fetch_refs],
            [name for _, (name, _) in feed_items],
            list(self.targets),
            len(importer.nodes),
            len(self.needed | {node for node, _ in self.feed_refs}),
        )

    def _feed_type(self, node: str, index: int, ftype) -> TensorType:
        if ftype is not None:
            return ftype
        proto = self.importer.nodes[node]
        if proto.op != "Placeholder":
            self.fail("feeding a tensor that is not a Placeholder needs its type (give the feed a value)", node)
        opdef = lookup("tf.Placeholder")
        try:
            return opdef.infer.rule(_AttrsOnly(self._attributes(proto)))
        except ShapeError as err:
            self.fail(f"Placeholder: {err}", node)

    def _attributes(self, proto) -> dict:
        attrs = {}
        where = f" in attribute of node '{proto.name}'"
        for key in sorted(proto.attr):
            if key in _DROPPED_ATTRS:
                continue
            converted = convert_attr(proto.attr[key], where)
            if converted is not None:
                attrs[key] = converted
        if proto.device:
            try:
                DeviceSpec.parse(proto.device)
            except DeviceError as err:
                self.fail(f"its device field: {err}", proto.name)
            attrs["tf.device"] = StringAttr(proto.device)
        return attrs

    def _read(self, builder: Builder, handle: Value, node: str) -> Value:
        if handle.type.value_type is None:
            self.fail("cannot read a variable whose type is unknown", node)
        read = builder.create("tf.ReadVariableOp", [handle], {"dtype": handle.type.value_type.dtype}, location=NameLoc(node), name_hint=node)
        return read.results[0]

    def _build_node(self, builder: Builder, name: str) -> None:
        proto = self.importer.nodes[name]
        opdef = lookup(f"tf.{proto.op}")
        operands = []
        for ref in self.importer.inputs[name]:
            if ref.index >= 0:
                value = self.values.get((ref.node, ref.index))
                if value is None:
                    self.fail(f"input '{ref}' does not exist (node '{ref.node}' has fewer outputs)", name)
                if isinstance(value.type, ResourceType) and len(operands) not in opdef.ref_inputs:
                    value = self._read(builder, value, name)  # a ref used as a value reads the variable
                operands.append(value)
        for ref in self.importer.inputs[name]:
            if ref.index < 0:
                token = self.tokens.get(ref.node)
                if token is None:
                    self.fail(f"control input '{ref}' does not come from an imported node", name)
                operands.append(token)
        try:
            attrs = self._attributes(proto)
        except GraphImportError as err:
            self.fail(err.message, name)
        location = NameLoc(name)
        hook = IMPORT_HOOKS.get(opdef.name)
        declared = None
        if hook is not None:  # ops that call library functions: specialize them for these operand types
            try:
                types = data_types([v.type for v in operands])
                attrs, declared = hook(self.importer.library, types, attrs, operands[: len(types)])
            except CallDepthError as err:
                if err.node is not None:  # named where the calls got too deep: not wrapped once per call
                    raise
                raise CallDepthError(f"{proto.op}: {err.message}", err.file, name) from None
            except (ShapeError, GraphImportError) as err:
                self.fail(f"{proto.op}: {getattr(err, 'message', err)}", name)
            except (KeyError, TypeError, AttributeError, ValueError) as err:  # the schema check should have caught it
                self.fail(f"{proto.op}: cannot import this node ({type(err).__name__}: {err}); if it is valid, this is a tfc bug", name)
        try:
            attr_values = {k: v.value for k, v in attrs.items()}
            result_types = infer_types(opdef, [v.type for v in operands], attr_values, declared, operands=operands)
        except ShapeError as err:
            self.fail(f"{proto.op}: {err}", name)
        except (TypeError, AttributeError, IndexError, KeyError, ValueError) as err:  # malformed attributes/inputs
            self.fail(f"{proto.op}: cannot interpret this node's attributes or inputs ({type(err).__name__}: {err})", name)
        self._check_sizes(proto, result_types)
        if name in self.control_sources:
            result_types.append(TOKEN)
        try:
            op = builder.create(opdef.name, operands, attrs, result_types, location=location, name_hint=name)
        except VerifyError as err:
            self.fail(f"{proto.op}: {err.message}", name)
        for index, result in enumerate(op.results):
            if result.type == TOKEN:
                self.tokens[name] = result
            else:
                self.values[(name, index)] = result
        if name in self.control_sources and name not in self.tokens:
            self.fail("internal: control source without a token", name)


    def _check_sizes(self, proto, result_types) -> None:
        """A node whose static result type is over ``tfc.limits.max_tensor_bytes()`` (a ``Fill`` of
        a huge shape, say) is refused at import, naming it, before anything computes or folds it."""
        for index, t in enumerate(result_types):
            problem = type_too_big(t, f"{proto.op} output {index}")
            if problem:
                self.fail(problem, proto.name)


def _constant(builder: Builder, value: np.ndarray, name: str) -> Value:
    dtype = DType.from_numpy(value.dtype)
    attrs = {"dtype": DTypeAttr(dtype), "value": DenseElementsAttr.from_array(value)}
    op = builder.create("tf.Const", [], attrs, [TensorType(dtype, value.shape)], location=NameLoc(name), name_hint=_arg_name(name))
    return op.results[0]


def _arg_name(tensor: str) -> str:
    """SSA hint for a fed tensor: ``x:0`` is ``%x``, ``x:1`` is ``%x_1``."""
    return tensor[:-2] if tensor.endswith(":0") else tensor.replace(":", "_")


class _AttrsOnly:
    """A minimal type-rule context for a Placeholder's own type."""

    def __init__(self, attrs):
        self.attrs = {k: v.value for k, v in attrs.items()}
        self.declared = None
        self.operands = ()


def build_function(graph, where: str, library: FunctionLibrary, outputs, targets, feeds, name: str) -> Function:
    """A function body of ``library`` (a FunctionDef rewritten as a graph), imported like a graph
    and returned detached from any module: how the library specializes functions."""
    importer = GraphImporter(graph, where, library)
    fetch_refs = [(output, importer.resolve_output(output)) for output in outputs]
    needed = importer.needed_nodes([r for _, r in fetch_refs], targets, feeds)
    importer.check_supported(needed)
    module = Module.create()
    FunctionBuilder(importer, needed, fetch_refs, targets, feeds).run(module, name)
    function = module.functions[0]
    module.body.ops.remove(function.op)
    function.op.parent = None
    return function


def import_graphdef(path, outputs=None, targets=(), feeds=None) -> ImportResult:
    """Load and import a GraphDef file (``.pb`` binary or ``.pbtxt`` text)."""
    return GraphImporter.from_file(path).import_graph(outputs, targets, feeds)


__all__ = ["PLACEHOLDERS", "FunctionBuilder", "GraphImporter", "ImportResult", "TensorRef", "UnsupportedOpsError", "build_function", "import_graphdef"]
