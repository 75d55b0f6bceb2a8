"""The body of a loop or a branch of a cond: a graph of its own that becomes a FunctionDef.

Its arguments are Placeholders; a tensor of an enclosing graph used inside is *captured*: it
becomes one more argument, and the caller passes the outer tensor (as TensorFlow 2's FuncGraph
does). :meth:`FunctionGraph.function_def` writes the body in FunctionDef form (inputs named
``node:output_arg:index``) into the outermost graph's library.
"""

from __future__ import annotations

from tensorboard.compat.proto import function_pb2, op_def_pb2

from tfc.frontend.tf.graphdef_writer import datatype_enum
from tfc.frontend.tf.op_schema import op_defs

from .graph import Graph
from .tensor import Tensor


class FunctionGraph(Graph):
    """A function body built inside ``outer`` (a Graph or another FunctionGraph)."""

    def __init__(self, outer: Graph, name: str):
        super().__init__()
        self.outer = outer
        self.name = name
        self.seed = outer.seed
        self.args: list[Tensor] = []
        self.captures: dict[int, tuple[Tensor, Tensor]] = {}
        """id(outer tensor) -> (outer tensor, its argument here)."""

    def add_arg(self, dtype, shape, name: str = "arg") -> Tensor:
        arg = self.create_op("Placeholder", [], {"dtype": dtype, "shape": shape}, name=name).outputs[0]
        self.args.append(arg)
        return arg

    def local(self, value):
        """A tensor of an enclosing graph becomes (once) an argument of this function."""
        if not isinstance(value, Tensor) or value.graph is self:
            return value
        found = self.captures.get(id(value))
        if found is None:
            outer_value = self.outer.local(value)  # through every function graph in between
            found = (outer_value, self.add_arg(value.dtype, value.shape.dims, "capture"))
            self.captures[id(value)] = found
        return found[1]

    @property
    def root(self) -> Graph:
        graph = self.outer
        while isinstance(graph, FunctionGraph):
            graph = graph.outer
        return graph

    def function_def(self, name: str, outputs: list[Tensor]) -> function_pb2.FunctionDef:
        """This body as a FunctionDef returning ``outputs`` (tensors of this graph), in the root's library."""
        fdef = function_pb2.FunctionDef()
        fdef.signature.name = name
        arg_names = {arg.op.name for arg in self.args}
        for arg in self.args:
            fdef.signature.input_arg.add(name=arg.op.name, type=datatype_enum(arg.dtype))
        for index, output in enumerate(outputs):
            fdef.signature.output_arg.add(name=f"output_{index}", type=datatype_enum(output.dtype))
            fdef.ret[f"output_{index}"] = _reference(output, arg_names)
        for node in self.as_graph_def().node:
            if node.name in arg_names:
                continue
            copy = fdef.node_def.add()
            copy.CopyFrom(node)
            del copy.input[:]
            copy.input.extend(_reference_text(i, self, arg_names) for i in node.input)
        self.root.add_function(fdef)
        return fdef


def _reference_text(text: str, graph: FunctionGraph, arg_names: set[str]) -> str:
    if text.startswith("^"):
        return text
    node, _, index = text.partition(":")
    return _reference(graph.get_operation_by_name(node).outputs[int(index or 0)], arg_names)


def _reference(tensor: Tensor, arg_names: set[str]) -> str:
    """How a FunctionDef names ``tensor``: an argument by name, else ``node:output_arg:index``."""
    op = tensor.op
    if op.name in arg_names:
        return op.name
    arg, index = _output_arg(op, tensor.value_index)
    return f"{op.name}:{arg}:{index}"


def _output_arg(op, flat_index: int) -> tuple[str, int]:
    """The output arg of ``op``'s OpDef that flat output ``flat_index`` belongs to, and its index in it."""
    op_def: op_def_pb2.OpDef = op_defs()[op.type]
    position = 0
    for arg in op_def.output_arg:
        count = _arg_count(op, arg)
        if flat_index < position + count:
            return arg.name, flat_index - position
        position += count
    raise IndexError(f"{op.type} '{op.name}' has no output {flat_index}")


def _arg_count(op, arg) -> int:
    if arg.number_attr:
        return op.node_def.attr[arg.number_attr].i
    if arg.type_list_attr:
        return len(op.node_def.attr[arg.type_list_attr].list.type)
    return 1


__all__ = ["FunctionGraph"]
