"""A GraphDef's function library, imported on demand and specialized for argument types.

TensorFlow instantiates a function for the shapes it is called with; so does tfc: each
(function, argument types) pair becomes one ``func.func`` (``name``, then ``name_1``, ...). A
FunctionDef is imported by rewriting it as a graph — each input argument a Placeholder, each
``node:output_arg:index`` reference a flat ``node:k`` — and running the graph importer on it, so
function bodies get exactly the treatment of top-level graphs.
"""

from __future__ import annotations

from collections.abc import Callable

from tensorboard.compat.proto import graph_pb2, node_def_pb2

from tfc.ir import Function, Module
from tfc.limits import MAX_REGION_DEPTH
from tfc.registry import lookup
from tfc.strings import fresh_name
from tfc.types import TensorType

from .graphdef import GraphImportError, convert_attr

# Importing a function recurses through the functions it calls (6 frames a call): as in the IR, where
# a call counts as one more region, main's body being two regions deep, 62 nested calls at most.
MAX_CALL_DEPTH = MAX_REGION_DEPTH - 2

# build(graph, where, library, outputs, targets, feeds, function_name) -> the function, detached:
# imports a GraphDef-shaped function body (``feeds``: (node, index) -> (tensor name, type)).
BuildFunction = Callable[..., Function]


class CallDepthError(GraphImportError):
    """Function calls nested past :data:`MAX_CALL_DEPTH`: reported once, at the innermost call
    site, instead of being wrapped again by every call around it."""


class FunctionLibrary:
    """The FunctionDefs of one GraphDef and the specializations imported so far."""

    def __init__(self, library_proto, filename: str | None, build: BuildFunction):
        self.build = build
        self.filename = filename
        self.defs = {f.signature.name: f for f in library_proto.function}
        self.specialized: dict[tuple, Function] = {}
        self.pending: list[Function] = []
        self.modules: list[Module] = []
        self.active: dict[str, None] = {}  # the functions being imported, callers first

    def reachable_nodes(self, nodes):
        """(where, NodeDef) for ``nodes`` and every node of the library functions they call, transitively."""
        seen: set[str] = set()
        stack = [(n.name, n) for n in reversed(list(nodes))]
        while stack:
            where, node = stack.pop()
            yield where, node
            for name in _called_functions(node):
                fdef = self.defs.get(name)
                if fdef is not None and name not in seen:
                    seen.add(name)
                    stack.extend((f"{name}/{inner.name}", inner) for inner in reversed(fdef.node_def))

    def attach(self, module: Module) -> None:
        """Add the functions imported while building ``module`` to it."""
        for function in self.pending:
            module.add_function(Function(function.op))
        self.pending = []
        self.specialized = {}

    def instantiate(self, name: str, arg_types: list[TensorType]) -> Function:
        """The function ``name`` specialized for ``arg_types`` (imported on first use)."""
        key = (name, tuple(arg_types))
        found = self.specialized.get(key)
        if found is not None:
            return found
        fdef = self.defs.get(name)
        if fdef is None:
            raise GraphImportError(f"function '{name}' is not in the graph's library", self.filename)
        if name in self.active:
            raise GraphImportError(f"function '{name}' calls itself (recursion is not supported)", self.filename)
        if len(self.active) >= MAX_CALL_DEPTH:
            chain = " -> ".join([*list(self.active)[:3], "...", name])
            raise CallDepthError(f"function calls nest more than {MAX_CALL_DEPTH} deep ({chain}); each call counts as a region "
                                 f"toward tfc's nesting limit of {MAX_REGION_DEPTH}", self.filename)
        inputs = list(fdef.signature.input_arg)
        if len(inputs) != len(arg_types):
            raise GraphImportError(f"function '{name}' takes {len(inputs)} arguments, called with {len(arg_types)}", self.filename)
        self.active[name] = None
        try:
            function = self._import(fdef, arg_types)
        finally:
            del self.active[name]
        self.specialized[key] = function
        self.pending.append(function)
        return function

    def discard(self, function: Function) -> None:
        """Forget a specialization that was superseded (it will not be added to the module)."""
        self.pending = [f for f in self.pending if f.op is not function.op]
        self.specialized = {k: f for k, f in self.specialized.items() if f.op is not function.op}

    def _import(self, fdef, arg_types) -> Function:
        graph, outputs, targets = self._as_graph(fdef)
        # Every argument is a feed, so it stays a parameter even if unused and call sites keep their arity.
        feeds = {(arg.name, 0): (f"{arg.name}:0", t) for arg, t in zip(fdef.signature.input_arg, arg_types)}
        where = f"{self.filename or ''}#{fdef.signature.name}"
        return self.build(graph, where, self, outputs, targets, feeds, self._fresh(fdef.signature.name))

    def _fresh(self, base: str) -> str:
        return fresh_name(base, {f.name for f in self.pending} | {"main"})

    def _as_graph(self, fdef):
        """The function body as a GraphDef with Placeholder arguments and flat ``node:k`` inputs."""
        graph = graph_pb2.GraphDef()
        for arg in fdef.signature.input_arg:
            node = graph.node.add(name=arg.name, op="Placeholder")
            if arg.type:
                node.attr["dtype"].type = arg.type
        offsets = {n.name: _output_offsets(n, self.filename) for n in fdef.node_def}
        for node in fdef.node_def:
            copy = graph.node.add()
            copy.CopyFrom(node)
            del copy.input[:]
            copy.input.extend(_flat_input(i, offsets, node.name, self.filename) for i in node.input)
        outputs = [_flat_input(fdef.ret[arg.name], offsets, fdef.signature.name, self.filename) for arg in fdef.signature.output_arg]
        targets = [fdef.control_ret[k] for k in sorted(fdef.control_ret)]
        return graph, outputs, targets


def _called_functions(node) -> list[str]:
    """Names of the library functions a node's attributes refer to (If branches, While bodies, calls)."""
    names = []
    for value in node.attr.values():
        if value.HasField("func"):
            names.append(value.func.name)
        elif value.HasField("list"):
            names.extend(f.name for f in value.list.func)
    return names


def _output_offsets(node: node_def_pb2.NodeDef, filename) -> dict[str, int]:
    """Output arg name -> index of its first output, from the op's registry entry."""
    opdef = lookup(f"tf.{node.op}")
    if opdef is None or not opdef.output_args:
        return {}
    attrs = {}
    for key in node.attr:
        converted = convert_attr(node.attr[key])
        if converted is not None:
            attrs[key] = converted.value
    offsets, position = {}, 0
    for arg_name, count in opdef.output_args:
        offsets[arg_name] = position
        position += count(attrs) if callable(count) else count
    return offsets


def _flat_input(text: str, offsets: dict, node: str, filename) -> str:
    """``n:out_arg:i`` → ``n:k``; argument names and ``^control`` inputs stay as they are."""
    if text.startswith("^"):
        return text
    parts = text.split(":")
    if len(parts) == 1:
        return f"{parts[0]}:0"  # a function argument
    if len(parts) == 3:
        producer, arg_name, index = parts
        table = offsets.get(producer)
        if table is None:
            raise GraphImportError(f"input '{text}' names a node that does not exist", filename, node)
        if not table or len(table) == 1:
            return f"{producer}:{index}"  # one output arg: its index is the flat index
        if arg_name not in table:
            raise GraphImportError(f"input '{text}': op has no output named '{arg_name}'", filename, node)
        return f"{producer}:{table[arg_name] + int(index)}"
    return text
