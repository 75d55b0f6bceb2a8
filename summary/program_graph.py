"""Any tfc program as a GraphDef TensorBoard's graph plugin draws: a traced function (``@tfc.compile``
or its ``Lowered``), a tfc IR ``Module``, a TensorFlow 1 graph or an imported GraphDef.

Each IR op becomes a node named by where it came from: a GraphDef node's name, or in a traced
function the ``tfc.name_scope`` it was recorded in (``dense/dot_general``; a keras layer's ops are
under the layer's name) — their ``/`` scopes are TensorBoard's groups — else ``<function>/<op>_<n>``; ops inside a loop or branch are named under
their parent op, so the plugin folds a loop's body into it. ``tfc.device`` attributes become the
nodes' devices (the plugin's "color by device"; a partitioned program's functions carry theirs),
result types ``_output_shapes``.
"""

from __future__ import annotations

from tensorboard.compat.proto import attr_value_pb2, graph_pb2, tensor_shape_pb2

from tfc.device_spec import DEVICE_ATTR
from tfc.ir import Block, Module, Operation, OpResult, Value
from tfc.location import NameLoc
from tfc.types import TensorType

SKIPPED = ("func.return", "tfc.yield")  # terminators: their operands are the function's or region's results


def graph_def(program, *example_args, **example_kwargs) -> graph_pb2.GraphDef:
    """``program`` as a GraphDef: a GraphDef as it is; a TF1 graph's ``as_graph_def()``; a Module;
    a ``Lowered``; or a compiled function lowered for ``example_args``."""
    if isinstance(program, graph_pb2.GraphDef):
        return program
    if hasattr(program, "as_graph_def"):
        return program.as_graph_def()
    if hasattr(program, "lower"):
        program = program.lower(*example_args, **example_kwargs)
    module = getattr(program, "module", program)
    if not isinstance(module, Module):
        raise TypeError(f"graph_def: expected a tfc program (a compiled function, Lowered, Module, TF1 Graph or GraphDef), "
                        f"got {type(program).__name__}")
    return module_graph_def(module)


def module_graph_def(module: Module) -> graph_pb2.GraphDef:
    """Every function of ``module``, its arguments as ``Arg`` nodes and its ops as nodes."""
    return named_graph_def(module)[0]


def named_graph_def(module: Module) -> tuple[graph_pb2.GraphDef, dict[Operation, str]]:
    """:func:`module_graph_def` and the node name it gave each op (run metadata names its nodes so)."""
    namer = NodeNamer()
    out = graph_pb2.GraphDef()
    for function in module.functions:
        for index, argument in enumerate(function.args):
            node = out.node.add(name=namer.unique(f"{function.name}/{argument.name_hint or f'arg{index}'}"), op="Arg")
            namer.names[argument] = node.name
            _set_shapes(node, [argument])
        _add_block(out, function.body, function.name, namer, _device(function.op) or "")
    return out, namer.ops


class NodeNamer:
    """Unique node names, the node (``name`` or ``name:k``) each value comes from, and each op's node."""

    def __init__(self):
        self.names: dict[Value, str] = {}
        self.ops: dict[Operation, str] = {}
        self.taken: dict[str, int] = {}

    def unique(self, name: str) -> str:
        count = self.taken.get(name, 0)
        self.taken[name] = count + 1
        return name if count == 0 else f"{name}_{count}"

    def source(self, value: Value) -> str | None:
        node = self.names.get(value)
        index = value.index if isinstance(value, OpResult) else 0
        return None if node is None else (node if index == 0 else f"{node}:{index}")


def _add_block(out: graph_pb2.GraphDef, block: Block, scope: str, namer: NodeNamer, device: str) -> None:
    """``block``'s ops as nodes under ``scope``; ``device``: the enclosing function's (a partition's)."""
    for op in block.ops:
        if op.name in SKIPPED:
            continue
        node = out.node.add(name=namer.unique(_node_name(op, scope)), op=op.name)
        namer.ops[op] = node.name
        node.input.extend(name for name in map(namer.source, op.operands) if name is not None)
        for result in op.results:
            namer.names[result] = node.name
        node.device = _device(op) or device
        _set_shapes(node, op.results)
        for index, region in enumerate(op.regions):
            for block_index, inner in enumerate(region.blocks):
                inner_scope = f"{node.name}/region{index}" + (f"_{block_index}" if block_index else "")
                for argument in inner.args:  # what a loop or branch carries comes from the op that holds it
                    namer.names[argument] = node.name
                _add_block(out, inner, inner_scope, namer, node.device)


def _device(op: Operation) -> str | None:
    device = op.attr(DEVICE_ATTR)
    return None if device is None else str(device)


def _node_name(op: Operation, scope: str) -> str:
    """A GraphDef node's own name (scopes kept) when the op came from one, else ``scope/<op>``."""
    location = op.location
    if isinstance(location, NameLoc):
        return location.chain()[0][-1]
    return f"{scope}/{op.name.split('.', 1)[-1]}"


def _set_shapes(node, values) -> None:
    shapes = attr_value_pb2.AttrValue.ListValue()
    for value in values:
        shape = tensor_shape_pb2.TensorShapeProto()
        if isinstance(value.type, TensorType) and value.type.shape is not None:
            for size in value.type.shape:
                shape.dim.add(size=-1 if size is None else int(size))
        else:
            shape.unknown_rank = True
        shapes.shape.append(shape)
    node.attr["_output_shapes"].list.CopyFrom(shapes)


__all__ = ["NodeNamer", "graph_def", "module_graph_def", "named_graph_def"]
