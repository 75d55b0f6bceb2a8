"""TensorFlow 1's graph: ops appended to a real GraphDef as the program builds it, typed as they go.

Each op is a NodeDef with TensorFlow's attributes: its OpDef's defaults filled in and the type
attributes set from the inputs, as TensorFlow's op_def_library does. So ``as_graph_def()`` is a graph
TensorFlow could read, and a Session runs it through the importer like any GraphDef, specialized to
the shapes of each run's feeds. Static types (``?`` where a dimension is unknown) come from the tf
dialect's own type rules, run on a tf-level IR copy of the graph as each op is added, so
``x.shape`` says what TensorFlow's shape inference would.
"""

from __future__ import annotations

import contextlib
import re

from tensorboard.compat.proto import graph_pb2, node_def_pb2

from tfc.builder import Builder
from tfc.device_spec import DeviceSpec
from tfc.diagnostics import TfcError
from tfc.frontend.tf.graphdef import convert_attr
from tfc.frontend.tf.graphdef_writer import attr_value
from tfc.frontend.tf.op_schema import op_defs
from tfc.ir import Function, Module
from tfc.location import NameLoc
from tfc.registry import ShapeError, lookup
from tfc.strings import fresh_name
from tfc.types import FunctionType, ResourceType
from tfc.verifier import infer_types

from .tensor import Operation, Tensor, graph_stack, innermost_graph, registered_conversion

GRAPH_DEF_PRODUCER = 1882
"""The GraphDef ``versions.producer`` written (TensorFlow 2.21's)."""


class GraphError(TfcError, ValueError):
    """A graph that cannot be built as asked; names the op (ValueError, as TensorFlow raises)."""


class Graph:
    """A TensorFlow 1 graph: ``with tf.Graph().as_default():``, or the global default graph."""

    def __init__(self):
        self._nodes: list[node_def_pb2.NodeDef] = []
        self._ops: dict[str, Operation] = {}
        self._used: dict[str, int] = {}
        self._scope = ""
        self._control: list[list[Operation]] = []
        self._device = ""
        self._device_functions: list = []  # tf.device(function) scopes, outermost first
        self._colocation: list = []  # tf.colocate_with scopes: the ops new ones join
        self._collections: dict[str, list] = {}
        self._finalized = False
        self._module = Module.create()
        function = Function.create("main", [], [])
        function.set_type(FunctionType((), ()))
        self._module.add_function(function)
        self._builder = Builder(function.body)
        self._functions: list = []
        self._function_names: set[str] = set()
        self.eager_variables: dict = {}
        """Eager ``tfc.Variable`` -> the graph Variable standing for it here (``graph_variable``)."""
        self.seed: int | None = None
        """The graph-level random seed (``tf.set_random_seed``)."""
        self.host_feeds: dict = {}
        """Placeholder op name -> the host feed whose values a Session feeds it on each run that needs
        it (a tf.data iterator's ``get_next``): an object with ``names`` (the tensor names it feeds, in
        order) and ``pull(state)`` (one value per name; ``state`` is a dict each Session keeps)."""
        self.host_actions: dict = {}
        """Op name -> ``action(state)``, called by a Session before each run that runs the op (an
        iterator's initializer), with the same per-session ``state``."""

    # ---- being the default -----------------------------------------------------------------------
    def as_default(self):
        return graph_stack.entered(self)

    # ---- names and scopes ------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """``name`` under the current scope, with ``_1``, ``_2``... if taken (as TensorFlow names);
        a name ending in ``/`` (what ``name_scope`` yields) is taken as it is, without the slash."""
        if name.endswith("/"):
            self._used.setdefault(name[:-1].lower(), 1)
            return name[:-1]
        name = f"{self._scope}{name}"
        key = name.lower()
        count = self._used.get(key, 0)
        if mark_as_used:
            self._used[key] = count + 1
        if count == 0:
            return name
        base, base_key = name, key
        while key in self._used:
            key, name = f"{base_key}_{count}", f"{base}_{count}"
            count += 1
        if mark_as_used:
            self._used[key] = 1
        return name

    @contextlib.contextmanager
    def name_scope(self, name: str | None):
        """Ops created inside are named ``name/...`` (uniqued); None resets to the top, ``"a/b/"`` re-enters."""
        saved = self._scope
        if name is None or name == "":
            self._scope = ""
        elif name.endswith("/"):
            self._scope = name
        else:
            self._scope = self.unique_name(name) + "/"
        try:
            yield self._scope
        finally:
            self._scope = saved

    @contextlib.contextmanager
    def device(self, spec):
        """Ops created inside get ``spec`` merged into the outer scope's (TensorFlow's rule and its
        ``/device:CPU:1`` form); None clears it. ``spec`` may be a device function, as in TensorFlow
        (``tf.train.replica_device_setter``): it gets each new op and returns its device, innermost
        function first. DeviceError for a string that does not parse."""
        saved, saved_functions = self._device, self._device_functions
        if callable(spec):
            self._device_functions = [*saved_functions, spec]
        else:
            self._device = "" if spec is None else DeviceSpec.parse(spec).merged(DeviceSpec.parse(saved)).full
            self._device_functions = [] if spec is None else saved_functions
        try:
            yield
        finally:
            self._device, self._device_functions = saved, saved_functions

    @contextlib.contextmanager
    def colocate_with(self, op, ignore_existing: bool = False):
        """Ops created inside share ``op``'s device (it wins over device scopes and functions) and
        carry its colocation group (``_class = ["loc:@name"]``), as in TensorFlow; None clears."""
        saved = self._colocation
        if op is None:
            self._colocation = []
        else:
            self._colocation = ([] if ignore_existing else saved) + [as_operation(op)]
        try:
            yield
        finally:
            self._colocation = saved

    def _apply_colocation(self, op: Operation) -> None:
        groups: set[bytes] = set()
        for anchor in self._colocation:
            classes = list(anchor.node_def.attr["_class"].list.s) if "_class" in anchor.node_def.attr else []
            groups.update(classes or [f"loc:@{anchor.name}".encode()])
        device = next((anchor.device for anchor in self._colocation if anchor.device), None)
        if device is not None:
            op.node_def.device = device
        op.node_def.attr["_class"].list.s.extend(sorted(groups))

    def _apply_device_functions(self, op: Operation) -> None:
        for function in reversed(self._device_functions):
            chosen = function(op)
            op.node_def.device = "" if not chosen else DeviceSpec.parse(chosen).full

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run after ``control_inputs`` (None clears the outer ones)."""
        saved = self._control
        if control_inputs is None:
            self._control = []
        else:
            self._control = [*saved, [as_operation(c) for c in control_inputs]]
        try:
            yield
        finally:
            self._control = saved

    # ---- ops ---------------------------------------------------------------------------------------
    def create_op(self, op_type: str, inputs=(), attrs: dict | None = None, name: str | None = None,
                  result_types: list | None = None) -> Operation:
        """Append a ``op_type`` node: ``inputs`` by the OpDef's input args (a list for a list arg),
        ``attrs`` by name (type attributes default to the inputs' dtypes). ``result_types`` are given
        for ops whose type rule needs the function library (If, While)."""
        if self._finalized:
            raise GraphError("the graph is finalized and cannot be modified")
        op_def = op_defs().get(op_type)
        if op_def is None:
            raise GraphError(f"'{op_type}' is not a TensorFlow op")
        name = self.unique_name(name or op_type)
        inputs = [[self.local(t) for t in i] if isinstance(i, list) else self.local(i) for i in inputs]
        flat = _flatten_inputs(op_def, list(inputs), name)
        node = node_def_pb2.NodeDef(name=name, op=op_type, device=self._device)
        node.input.extend(t.name for t in flat)
        controls = self._control_inputs(flat)
        node.input.extend(f"^{c.name}" for c in controls)
        _set_attrs(node, op_def, _type_attrs(op_def, list(inputs), dict(attrs or {})), name)
        types = self._infer(node, flat, result_types)
        op = Operation(self, node, flat, controls, types)
        if self._device_functions:
            self._apply_device_functions(op)
        if self._colocation:
            self._apply_colocation(op)
        self._nodes.append(node)
        self._ops[name] = op
        return op

    def _control_inputs(self, inputs: list[Tensor]) -> list[Operation]:
        wanted = {id(t.op) for t in inputs}
        seen, controls = set(), []
        for group in self._control:
            for c in group:
                if id(c) not in wanted and id(c) not in seen:
                    seen.add(id(c))
                    controls.append(c)
        return controls

    def local(self, value):
        """``value`` if it is not a tensor of another graph (an error if it is: TensorFlow's rule)."""
        if isinstance(value, Tensor) and value.graph is not self:
            raise GraphError(f"tensor '{value.name}' must be from the same graph as the ops that use it (the default graph)")
        return value

    def _infer(self, node: node_def_pb2.NodeDef, inputs: list[Tensor], declared: list | None = None) -> list:
        """Result types by the tf dialect's rule (or ``declared``), on the IR copy (which keeps
        constants visible to the rules)."""
        opdef = lookup(f"tf.{node.op}")
        if opdef is None:
            raise GraphError(f"{node.op} '{node.name}': tfc does not support this TensorFlow op")
        operands = [self._operand(t, index in opdef.ref_inputs) for index, t in enumerate(inputs)]
        attrs = {k: a for k in sorted(node.attr) if (a := convert_attr(node.attr[k], f" in attribute '{k}' of node '{node.name}'")) is not None}
        try:
            types = declared if declared is not None else infer_types(opdef, [v.type for v in operands], {k: a.value for k, a in attrs.items()},
                                                                       operands=operands)
        except (ShapeError, TypeError, ValueError, KeyError, IndexError, AttributeError) as err:
            raise GraphError(f"{node.op} '{node.name}': {err}") from None
        ir_op = self._builder.create(opdef.name, operands, attrs, types, location=NameLoc(node.name), name_hint=node.name)
        return list(zip(types, ir_op.results))

    def _operand(self, tensor: Tensor, is_ref_input: bool):
        value = tensor.ir_value
        if isinstance(value.type, ResourceType) and not is_ref_input:
            read = self._builder.create("tf.ReadVariableOp", [value], {}, [value.type.value_type], location=NameLoc(tensor.op.name))
            return read.results[0]
        return value

    # ---- looking things up -------------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        return list(self._ops.values())

    def get_operation_by_name(self, name: str) -> Operation:
        op = self._ops.get(name)
        if op is None:
            raise KeyError(f"the name '{name}' refers to an operation not in the graph")
        return op

    def get_tensor_by_name(self, name: str) -> Tensor:
        node, _, index = name.partition(":")
        if not index:
            raise ValueError(f"the name '{name}' looks like an operation name, not a tensor name ('{name}:0')")
        op = self.get_operation_by_name(node)
        if int(index) >= len(op.outputs):
            raise KeyError(f"the name '{name}' refers to a tensor that does not exist ('{node}' has {len(op.outputs)} outputs)")
        return op.outputs[int(index)]

    def as_graph_element(self, item):
        """An Operation or Tensor for ``item`` (itself, a name, or anything with ``.op``/``as_graph_element``)."""
        if isinstance(item, str):
            return self.get_tensor_by_name(item) if ":" in item else self.get_operation_by_name(item)
        item = registered_conversion(item)
        convert = getattr(item, "as_graph_element", None)
        return convert() if convert is not None else item

    def unique_function_name(self, base: str) -> str:
        """``base``, or ``base_1``, ``base_2``... if the library has it (deterministic per graph)."""
        return fresh_name(base, self._function_names)

    def add_function(self, function_def) -> None:
        """Add a FunctionDef (a loop body, a cond branch) to the graph's library."""
        self._functions.append(function_def)
        self._function_names.add(function_def.signature.name)

    def as_graph_def(self) -> graph_pb2.GraphDef:
        graph = graph_pb2.GraphDef()
        graph.node.extend(self._nodes)
        graph.library.function.extend(self._functions)
        graph.versions.producer = GRAPH_DEF_PRODUCER
        return graph

    @property
    def version(self) -> int:
        """How many ops the graph has: a Session re-reads it when this grew."""
        return len(self._nodes)

    def finalize(self) -> None:
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    # ---- collections -------------------------------------------------------------------------------
    def add_to_collection(self, name: str, value) -> None:
        self._collections.setdefault(name, []).append(value)

    def get_collection(self, name: str, scope: str | None = None) -> list:
        items = self._collections.get(name, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)  # TensorFlow's rule: the scope is a regular expression matched at the name's start
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def get_collection_ref(self, name: str) -> list:
        return self._collections.setdefault(name, [])

    def get_name_scope(self) -> str:
        return self._scope.rstrip("/")


def _flatten_inputs(op_def, inputs: list, name: str) -> list[Tensor]:
    if len(inputs) != len(op_def.input_arg):
        args = ", ".join(a.name for a in op_def.input_arg)
        raise GraphError(f"{op_def.name} '{name}' takes {len(op_def.input_arg)} inputs ({args}), got {len(inputs)}")
    flat = []
    for arg, value in zip(op_def.input_arg, inputs):
        items = list(value) if (arg.number_attr or arg.type_list_attr) else [value]
        for item in items:
            if not isinstance(item, Tensor):
                raise GraphError(f"{op_def.name} '{name}': input '{arg.name}' must be a Tensor, got {type(item).__name__}")
            flat.append(item)
    return flat


def _type_attrs(op_def, inputs: list, attrs: dict) -> dict:
    """Type and count attributes that follow from the inputs (``T``, ``N``, ``Tidx``...), unless given."""
    for arg, value in zip(op_def.input_arg, inputs):
        if arg.number_attr:
            attrs.setdefault(arg.number_attr, len(value))
            if arg.type_attr and value:
                attrs.setdefault(arg.type_attr, value[0].dtype)
        elif arg.type_list_attr:
            attrs.setdefault(arg.type_list_attr, [t.dtype for t in value])
        elif arg.type_attr:
            attrs.setdefault(arg.type_attr, value.dtype)
    return attrs


def _set_attrs(node, op_def, attrs: dict, name: str) -> None:
    kinds = {a.name: a for a in op_def.attr}
    for key, value in attrs.items():
        declared = kinds.get(key)
        if declared is None:
            raise GraphError(f"{op_def.name} '{name}' has no attribute '{key}'")
        try:
            node.attr[key].CopyFrom(attr_value(value, declared.type))
        except (TypeError, ValueError, KeyError) as err:
            raise GraphError(f"{op_def.name} '{name}': attribute '{key}' ({declared.type}) cannot be {value!r}: {err}") from None
    for declared in op_def.attr:
        if declared.name not in node.attr and declared.HasField("default_value"):
            node.attr[declared.name].CopyFrom(declared.default_value)


def as_operation(item) -> Operation:
    """The op behind a control input: an Operation, a Tensor's op, or a variable's initializer-free op."""
    if isinstance(item, Operation):
        return item
    op = getattr(item, "op", None)
    if isinstance(op, Operation):
        return op
    raise TypeError(f"a control input must be an Operation or a Tensor, got {type(item).__name__}")


# ---- the default graph -----------------------------------------------------------------------------
_global = [Graph()]


def get_default_graph() -> Graph:
    """The innermost ``as_default()`` graph of this thread, else the global default graph."""
    return innermost_graph() or _global[0]


def reset_default_graph() -> None:
    """A new, empty global default graph (not inside a ``with g.as_default():`` block)."""
    if graph_stack.items:
        raise AssertionError("do not use tf.reset_default_graph() to clear nested graphs")
    _global[0] = Graph()


__all__ = ["Graph", "GraphError", "as_operation", "get_default_graph", "reset_default_graph"]
