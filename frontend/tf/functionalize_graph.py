"""The graph model shared by the v1 control-flow rewrites (see ``functionalize.py``).

A ``FlowGraph`` holds a GraphDef's NodeDefs by name, in file order, and is edited in place: regions
(a loop's condition or body, a conditional's branch) are cut out of it with :func:`extract` and
turned into library functions with :func:`function_def`; the control-flow nodes they replace become
one ``While``/``If`` node inserted with :meth:`FlowGraph.rebuild`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from tensorboard.compat.proto import (
    attr_value_pb2,
    function_pb2,
    node_def_pb2,
    tensor_pb2,
    types_pb2,
)

from tfc.registry import Trait, lookup
from tfc.strings import fresh_name

from .graphdef import GraphImportError

SWITCH = frozenset({"Switch", "RefSwitch"})
MERGE = frozenset({"Merge", "RefMerge"})
ENTER = frozenset({"Enter", "RefEnter"})
EXIT = frozenset({"Exit", "RefExit"})
NEXT_ITERATION = frozenset({"NextIteration", "RefNextIteration"})
LOOP_COND = frozenset({"LoopCond"})
V1_CONTROL_FLOW = SWITCH | MERGE | ENTER | EXIT | NEXT_ITERATION | LOOP_COND

# ``resolve`` answers for an input that is copied into the region along with its consumer.
INSIDE = object()


def parse_ref(text: str) -> tuple[str, int]:
    """``node:3`` -> ("node", 3); ``node`` -> ("node", 0); ``^node`` -> ("node", -1)."""
    if text.startswith("^"):
        return text[1:], -1
    name, sep, index = text.rpartition(":")
    if sep and index.isdigit():
        return name, int(index)
    return text, 0


def format_ref(node: str, index: int) -> str:
    if index < 0:
        return f"^{node}"
    return node if index == 0 else f"{node}:{index}"


def is_pure(op: str) -> bool:
    """Whether the registry says ``op`` has no effects (unknown ops are assumed to have some)."""
    opdef = lookup(f"tf.{op}")
    return opdef is not None and opdef.has(Trait.PURE)


def type_attr(node, key: str = "T") -> int:
    """A node's type attribute (DT_INVALID when absent), read without adding it to the NodeDef."""
    return node.attr[key].type if key in node.attr else types_pb2.DT_INVALID


def is_free_constant(node) -> bool:
    """A Const without inputs: it can be copied into any region that uses it."""
    return node.op == "Const" and not node.input


def _feeds_only_control_flow(node) -> bool:
    return is_free_constant(node) or node.op == "Identity"


class FlowGraph:
    """NodeDefs by name in file order, edited in place; errors name the file and the node."""

    def __init__(self, nodes, filename: str | None):
        self.nodes: dict[str, node_def_pb2.NodeDef] = {node.name: node for node in nodes}
        self.filename = filename
        self._refs: dict[str, list[tuple[str, int]]] = {}  # parsed inputs; NodeDefs are never edited
        self._consumers: dict | None = None

    def fail(self, message: str, node: str | None = None):
        raise GraphImportError(message, self.filename, node)

    def refs(self, name: str) -> list[tuple[str, int]]:
        found = self._refs.get(name)
        if found is None:
            found = self._refs[name] = [parse_ref(text) for text in self.nodes[name].input]
        return found

    def data_refs(self, name: str) -> list[tuple[str, int]]:
        return [ref for ref in self.refs(name) if ref[1] >= 0]

    def consumers(self) -> dict[str, list[tuple[str, int]]]:
        """Node -> its (consumer, output index) pairs; index -1 for a control edge. Do not modify."""
        if self._consumers is None:
            table: dict[str, list[tuple[str, int]]] = {name: [] for name in self.nodes}
            for name in self.nodes:
                for src, index in self.refs(name):
                    table[src].append((name, index))
            self._consumers = table
        return self._consumers

    def check_inputs(self) -> None:
        for name in self.nodes:
            for src, index in self.refs(name):
                if src not in self.nodes:
                    self.fail(f"input '{format_ref(src, index)}' names a node that does not exist", name)

    def unique(self, base: str) -> str:
        return fresh_name(base, self.nodes)

    def topological(self) -> list[str]:
        """Kahn's order over data and control edges; a cycle left here is an error."""
        indegree = {name: len(self.nodes[name].input) for name in self.nodes}
        consumers = self.consumers()
        ready = deque(name for name, degree in indegree.items() if degree == 0)
        order = []
        while ready:
            name = ready.popleft()
            order.append(name)
            for consumer, _ in consumers[name]:
                indegree[consumer] -= 1
                if indegree[consumer] == 0:
                    ready.append(consumer)
        if len(order) != len(self.nodes):
            stuck = next(name for name in self.nodes if indegree[name] > 0)
            self.fail("is on a cycle that is not a TensorFlow v1 while loop (no Enter leads into it)", stuck)
        return order

    def rebuild(self, removed: set[str], replaced: dict, added: list, before: str) -> None:
        """Drop ``removed``, swap in ``replaced`` NodeDefs by name, put ``added`` where ``before`` was.

        Constants and Identity nodes left without consumers by the removal go too: they only fed
        the old control flow (TF1's ``pred_id``), and must not become new default outputs.
        """
        consumers = self.consumers()
        still_used = {parse_ref(text)[0] for node in [*added, *replaced.values()] for text in node.input}
        orphans = {
            src
            for name in removed
            for src, _ in self.refs(name)
            if src not in removed and src not in replaced and src not in still_used
            and _feeds_only_control_flow(self.nodes[src]) and all(c in removed for c, _ in consumers[src])
        }
        nodes = {}
        for name, node in self.nodes.items():
            if name == before:
                nodes.update((new.name, new) for new in added)
            if name in replaced:
                nodes[name] = replaced[name]
            elif name not in removed and name not in orphans:
                nodes[name] = node
        self.nodes = nodes
        for name in [*removed, *orphans, *replaced, *(new.name for new in added)]:
            self._refs.pop(name, None)
        self._consumers = None


def extract(graph: FlowGraph, roots: list[str], resolve: Callable) -> list[node_def_pb2.NodeDef]:
    """Copies, in file order, of ``roots`` and every node they need, walking inputs backwards.

    ``resolve(consumer, src, index)`` classifies each input: INSIDE (copy ``src`` too), the name of a
    function argument that replaces it, or None (a control input to drop). It may raise.
    """
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for src, index in graph.refs(name):
            if resolve(name, src, index) is INSIDE:
                stack.append(src)
    copies = []
    for name in graph.nodes:
        if name not in seen:
            continue
        node = node_def_pb2.NodeDef()
        node.CopyFrom(graph.nodes[name])
        del node.input[:]
        for src, index in graph.refs(name):
            kind = resolve(name, src, index)
            if kind is INSIDE:
                node.input.append(format_ref(src, index))
            elif kind is not None and index >= 0:
                node.input.append(kind)
        copies.append(node)
    return copies


def placeholder(name: str, dtype: int) -> node_def_pb2.NodeDef:
    node = node_def_pb2.NodeDef(name=name, op="Placeholder")
    node.attr["dtype"].type = dtype
    return node


def int32_constant(name: str, value: int) -> node_def_pb2.NodeDef:
    node = node_def_pb2.NodeDef(name=name, op="Const")
    node.attr["dtype"].type = types_pb2.DT_INT32
    node.attr["value"].tensor.CopyFrom(tensor_pb2.TensorProto(dtype=types_pb2.DT_INT32, int_val=[value]))
    return node


def identity(name: str, source: str, dtype: int, device: str) -> node_def_pb2.NodeDef:
    node = node_def_pb2.NodeDef(name=name, op="Identity", input=[source], device=device)
    node.attr["T"].type = dtype
    return node


def type_list(dtypes) -> attr_value_pb2.AttrValue:
    return attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(type=list(dtypes)))


def func_attr(name: str) -> attr_value_pb2.AttrValue:
    return attr_value_pb2.AttrValue(func=attr_value_pb2.NameAttrList(name=name))


def output_dtype(node, index: int) -> int:
    """A node output's TensorFlow dtype as its attributes tell (only documents a signature: tfc
    types every value itself), DT_FLOAT when they do not."""
    for key in ("T", "dtype", "out_type", "DstT", "Tout", "output_type"):
        if key not in node.attr:
            continue
        value = node.attr[key]
        if value.WhichOneof("value") == "type":
            return value.type
        if value.WhichOneof("value") == "list" and index < len(value.list.type):
            return value.list.type[index]
    return types_pb2.DT_FLOAT


class Library:
    """The FunctionDefs made by the rewrite, named uniquely within the graph's library."""

    def __init__(self, library_proto):
        self.taken = {f.signature.name for f in library_proto.function}
        self.added: list[function_pb2.FunctionDef] = []

    def fresh(self, base: str) -> str:
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in base).strip("_") or "fn"
        name, n = base, 0
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def add(self, base: str, graph: FlowGraph, args, outputs) -> tuple[str, bool]:
        """Add ``graph`` as a function; returns its name and whether any of its nodes has effects.

        Every node with effects is a control output, so it runs even when no output needs it."""
        arg_names = {arg for arg, _ in args}
        targets = [name for name, node in graph.nodes.items() if name not in arg_names and not is_pure(node.op)]
        fdef = function_def(self.fresh(base), graph, args, outputs, targets)
        self.added.append(fdef)
        return fdef.signature.name, bool(targets)


def function_def(name: str, graph: FlowGraph, args, outputs, targets) -> function_pb2.FunctionDef:
    """A FunctionDef of ``graph`` whose Placeholders named in ``args`` ((name, dtype) pairs) are the
    arguments; ``outputs`` are (tensor, dtype) pairs, ``targets`` nodes that must run.

    Inputs are written in the flat ``node:index`` form, which tfc's function importer accepts as well
    as TensorFlow's ``node:output_arg:index``, so no op's output argument names are needed.
    """
    fdef = function_pb2.FunctionDef()
    fdef.signature.name = name
    arg_names = {arg for arg, _ in args}
    for arg, dtype in args:
        fdef.signature.input_arg.add(name=arg, type=dtype)

    def flat(text: str) -> str:
        src, index = parse_ref(text)
        if index < 0 or src in arg_names:
            return text if index < 0 else src
        return f"{src}:{index}"

    for node in graph.nodes.values():
        if node.name in arg_names:
            continue
        copy = fdef.node_def.add()
        copy.CopyFrom(node)
        del copy.input[:]
        copy.input.extend(flat(text) for text in node.input if not (text.startswith("^") and text[1:] in arg_names))
    for i, (ref, dtype) in enumerate(outputs):
        fdef.signature.output_arg.add(name=f"output_{i}", type=dtype)
        fdef.ret[f"output_{i}"] = flat(ref)
    for target in targets:
        fdef.signature.control_output.append(target)
        fdef.control_ret[target] = target
    return fdef
