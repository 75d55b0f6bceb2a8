"""TensorFlow's own op schemas, so a GraphDef node is checked as TensorFlow checks it before it runs.

``tf_op_defs.pb.gz`` holds the OpDef of every op TensorFlow registers (written by
``scripts/generate_tf_op_defs.py`` from TensorFlow itself; documentation stripped). A node must give
every attribute its OpDef declares without a default, each of the declared kind (``type``,
``list(int)``...), within its allowed values and minimum, and exactly the number of data inputs its
input args add up to (``N`` for ``AddN``'s list, one per type of a type list). What this catches would
otherwise surface as a Python error deep in a type rule or a pass.

Lenient where tfc can be: a type attribute that an input is typed by may be left out (tfc infers it
from the inputs, where TensorFlow insists on it); attributes the OpDef does not declare are ignored (a newer
producer may add some), ops TensorFlow does not register (tfc's own custom ops) are not checked, and
and function-body attributes that are still placeholders (``$T``) are not checked.
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources

from google.protobuf import text_format
from tensorboard.compat.proto import attr_value_pb2, node_def_pb2, op_def_pb2, types_pb2

# OpDef attribute kind -> the AttrValue field that holds it (for ``list(kind)``: the ListValue field)
_FIELDS = {"string": "s", "int": "i", "float": "f", "bool": "b", "type": "type", "shape": "shape",
           "tensor": "tensor", "func": "func"}


@functools.cache
def op_defs() -> dict[str, op_def_pb2.OpDef]:
    """Op name -> TensorFlow's OpDef (loaded once, on first use: about 5 ms)."""
    data = resources.files("tfc.frontend.tf").joinpath("tf_op_defs.pb.gz").read_bytes()
    ops = op_def_pb2.OpList()
    ops.ParseFromString(gzip.decompress(data))
    text_format.Merge(TFC_OP_DEFS, ops)
    return {op.name: op for op in ops.op}


TFC_OP_DEFS = """
op {
  name: "TfcGradients"
  input_arg { name: "ys" type_list_attr: "Tys" }
  input_arg { name: "xs" type_list_attr: "Txs" }
  input_arg { name: "grad_ys" type_list_attr: "Tys" }
  output_arg { name: "dxs" type_list_attr: "Txs" }
  attr { name: "Tys" type: "list(type)" has_minimum: true minimum: 1 }
  attr { name: "Txs" type: "list(type)" has_minimum: true minimum: 1 }
  summary: "tfc's tf.gradients: d(sum of ys * grad_ys)/d(xs) (frontend/tf/gradients_op.py)."
}
"""
"""The ops tfc adds to TensorFlow's set, in OpDef text form."""
TFC_OPS = frozenset({"TfcGradients"})
"""Their names (not TensorFlow's: ``tfc ops`` does not count them as TensorFlow op types)."""


def node_problem(node: node_def_pb2.NodeDef) -> str | None:
    """What is wrong with ``node`` by its op's schema (one sentence), or None."""
    op_def = op_defs().get(node.op)
    if op_def is None:
        return None
    for attr in op_def.attr:
        problem = _attr_problem(node, op_def, attr)
        if problem:
            return f"{node.op}: {problem}"
    expected = _input_count(node, op_def)
    given = sum(1 for name in node.input if not name.startswith("^"))
    if expected is not None and expected != given:
        args = ", ".join(_arg_label(node, arg) for arg in op_def.input_arg) or "none"
        return f"{node.op} takes {expected} input{'' if expected == 1 else 's'} ({args}), got {given}"
    return None


def output_types(node: node_def_pb2.NodeDef) -> list[int | None] | None:
    """TensorFlow's ``DataType`` of each output of ``node`` by its OpDef (an entry is None where an
    attribute that sets it is missing); None for an op TensorFlow does not register, or whose number
    of outputs is not known from its attributes."""
    op_def = op_defs().get(node.op)
    if op_def is None:
        return None
    types: list[int | None] = []
    for arg in op_def.output_arg:
        value = _attr_or_default(node, op_def, arg.type_attr) if arg.type_attr else None
        one = arg.type or (value.type if value is not None and value.WhichOneof("value") == "type" else None)
        if arg.number_attr:
            count = _attr_or_default(node, op_def, arg.number_attr)
            if count is None or count.WhichOneof("value") != "i":
                return None
            types.extend([one] * count.i)
        elif arg.type_list_attr:
            listed = _attr_or_default(node, op_def, arg.type_list_attr)
            if listed is None or listed.WhichOneof("value") != "list":
                return None
            types.extend(listed.list.type)
        else:
            types.append(one)
    return types


def _attr_problem(node: node_def_pb2.NodeDef, op_def: op_def_pb2.OpDef, attr: op_def_pb2.OpDef.AttrDef) -> str | None:
    if attr.name not in node.attr:
        if attr.HasField("default_value") or attr.name in _input_types(op_def):
            return None  # a type left out follows from the inputs, as tfc's type rules infer it
        return f"missing attribute '{attr.name}' ({attr.type})"
    value = node.attr[attr.name]
    kind = value.WhichOneof("value")
    if kind == "placeholder":
        return None
    listed = attr.type.startswith("list(")
    field = _FIELDS[attr.type[5:-1] if listed else attr.type]
    if kind != ("list" if listed else field) or (listed and _list_fields(value) - {field}):
        return f"attribute '{attr.name}' should be {attr.type}, got {_describe(value)}"
    items = list(getattr(value.list, field)) if listed else [getattr(value, field)]
    allowed = getattr(attr.allowed_values.list, field) if attr.HasField("allowed_values") else None
    for item in items if allowed else ():
        if item not in allowed:
            return f"attribute '{attr.name}' = {_show(field, item)} is not allowed (allowed: {', '.join(_show(field, a) for a in allowed)})"
    if attr.has_minimum:
        size = len(items) if listed else items[0]
        if size < attr.minimum:
            what = "its length" if listed else "it"
            return f"attribute '{attr.name}' = {items if listed else size}: {what} must be at least {attr.minimum}"
    return None


def _input_types(op_def: op_def_pb2.OpDef) -> frozenset[str]:
    """The type attributes some input arg is typed by (so their values follow from the inputs)."""
    return _input_types_of(op_def.name)


@functools.cache
def _input_types_of(op: str) -> frozenset[str]:
    return frozenset(name for arg in op_defs()[op].input_arg for name in (arg.type_attr, arg.type_list_attr) if name)


def _input_count(node: node_def_pb2.NodeDef, op_def: op_def_pb2.OpDef) -> int | None:
    """How many tensors the input args add up to; None while a count is still a placeholder."""
    total = 0
    for arg in op_def.input_arg:
        if arg.number_attr:
            value = _attr_or_default(node, op_def, arg.number_attr)
            if value is None or value.WhichOneof("value") != "i":
                return None
            total += value.i
        elif arg.type_list_attr:
            value = _attr_or_default(node, op_def, arg.type_list_attr)
            if value is None or value.WhichOneof("value") != "list":
                return None
            total += len(value.list.type)
        else:
            total += 1
    return total


def _attr_or_default(node, op_def, name: str) -> attr_value_pb2.AttrValue | None:
    if name in node.attr:
        return node.attr[name]
    return next((a.default_value for a in op_def.attr if a.name == name and a.HasField("default_value")), None)


def _arg_label(node, arg: op_def_pb2.OpDef.ArgDef) -> str:
    if arg.number_attr:
        return f"{arg.name}: {arg.number_attr} of them"
    if arg.type_list_attr:
        return f"{arg.name}: one per type of {arg.type_list_attr}"
    return arg.name


def _list_fields(value: attr_value_pb2.AttrValue) -> set[str]:
    return {descriptor.name for descriptor, _ in value.list.ListFields()}


def _describe(value: attr_value_pb2.AttrValue) -> str:
    kind = value.WhichOneof("value")
    if kind is None:
        return "no value"
    if kind == "list":
        fields = sorted(_list_fields(value))
        inverse = {v: k for k, v in _FIELDS.items()}
        return f"list({inverse[fields[0]]})" if len(fields) == 1 else "a list"
    return {v: k for k, v in _FIELDS.items()}[kind]


def _show(field: str, item) -> str:
    if field == "type":
        known = item in types_pb2.DataType.values()
        return types_pb2.DataType.Name(item).removeprefix("DT_").lower() if known else f"type #{item}"
    if field == "s":
        return repr(item.decode(errors="replace"))
    return str(item)
