"""TensorFlow 1's ``Tensor`` and ``Operation``: handles on a graph's nodes, with the operators.

A Tensor is an op's output: its dtype and static shape (``None`` dims where unknown) come from the
graph. Operators add the ops TensorFlow's would (``x + y`` is ``AddV2``, ``x[1:, 0]`` a
``StridedSlice``); ``eval()``/``run()`` use the default session. The session layer registers
itself through :func:`default_session`, so this module imports nothing above it.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from tfc.frontend.tf.graphdef import convert_attr
from tfc.frontend.tracing import current_trace
from tfc.types import DType, TensorType

from .slicing import strided_slice_spec


class Dimension(int):
    """A known dimension: an int that also has TF1's ``.value`` (``x.get_shape()[1].value``)."""

    @property
    def value(self) -> int:
        return int(self)


class TensorShape:
    """A static shape: a list of ints and Nones, or unknown rank (``dims is None``); indexing gives
    a :class:`Dimension` (an int) or None for an unknown one."""

    def __init__(self, dims):
        self.dims = None if dims is None else tuple(None if d is None or d < 0 else int(d) for d in dims)

    @property
    def ndims(self) -> int | None:
        return None if self.dims is None else len(self.dims)

    rank = ndims

    def as_list(self) -> list:
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape")
        return list(self.dims)

    def is_fully_defined(self) -> bool:
        return self.dims is not None and None not in self.dims

    def num_elements(self) -> int | None:
        return int(np.prod(self.dims, dtype=np.int64)) if self.is_fully_defined() else None

    def __len__(self) -> int:
        if self.dims is None:
            raise ValueError("cannot take the length of a shape of unknown rank")
        return len(self.dims)

    def __iter__(self):
        return iter(self.as_list())

    def __getitem__(self, index):
        if self.dims is None:
            return None if isinstance(index, int) else TensorShape(None)
        if isinstance(index, slice):
            return TensorShape(self.dims[index])
        dim = self.dims[index]
        return None if dim is None else Dimension(dim)

    def __eq__(self, other) -> bool:
        other_dims = other.dims if isinstance(other, TensorShape) else (None if other is None else tuple(other))
        return self.dims == other_dims

    def __hash__(self) -> int:
        return hash(self.dims)

    def __repr__(self) -> str:
        return "TensorShape(None)" if self.dims is None else f"TensorShape({list(self.dims)})"

    def __str__(self) -> str:
        if self.dims is None:
            return "<unknown>"
        return "(" + ", ".join("?" if d is None else str(d) for d in self.dims) + ("," if len(self.dims) == 1 else "") + ")"


class Operation:
    """A node of the graph: its name, type, inputs, control inputs and outputs."""

    def __init__(self, graph, node_def, inputs, control_inputs, typed_results):
        self.graph = graph
        self.node_def = node_def
        self.inputs = list(inputs)
        self.control_inputs = list(control_inputs)
        self.outputs = [Tensor(self, i, t, v) for i, (t, v) in enumerate(typed_results)]

    @property
    def name(self) -> str:
        return self.node_def.name

    @property
    def type(self) -> str:
        return self.node_def.op

    @property
    def device(self) -> str:
        return self.node_def.device

    def get_attr(self, name: str):
        attr = convert_attr(self.node_def.attr[name])
        return None if attr is None else attr.value

    def run(self, feed_dict=None, session=None) -> None:
        """Run this op in ``session`` (default: the default session)."""
        session_for(session).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


class Tensor:
    """An output of an Operation."""

    def __init__(self, op: Operation, value_index: int, ir_type, ir_value):
        self.op = op
        self.value_index = value_index
        self.ir_value = ir_value
        """Its value in the graph's typing copy (what the tf dialect's type rules see)."""
        self.is_ref = not isinstance(ir_type, TensorType)
        self._type: TensorType = ir_type if not self.is_ref else ir_type.value_type

    @property
    def graph(self):
        return self.op.graph

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def dtype(self) -> DType:
        return self._type.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._type.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def device(self) -> str:
        return self.op.device

    def consumers(self) -> list[Operation]:
        return [op for op in self.graph.get_operations() if any(t is self for t in op.inputs)]

    def eval(self, feed_dict=None, session=None):
        """This tensor's value, computed by ``session`` (default: the default session)."""
        return session_for(session).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    __hash__ = object.__hash__  # identity, as TensorFlow 1's; in C, so a feed_dict lookup runs no Python

    def __bool__(self):
        raise TypeError("using a tf.Tensor as a Python bool is not allowed in graph mode (use tf.cond)")

    def __iter__(self):
        raise TypeError("a tf.Tensor is not iterable in graph mode (use tf.unstack)")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"cannot convert the symbolic tensor '{self.name}' to a numpy array (run it in a Session)")

    # ---- operators: the ops TensorFlow's operators add -------------------------------------------
    def __add__(self, other):
        return binary("AddV2", self, other, "add")

    def __radd__(self, other):
        return binary("AddV2", other, self, "add")

    def __sub__(self, other):
        return binary("Sub", self, other, "sub")

    def __rsub__(self, other):
        return binary("Sub", other, self, "sub")

    def __mul__(self, other):
        return binary("Mul", self, other, "mul")

    def __rmul__(self, other):
        return binary("Mul", other, self, "mul")

    def __truediv__(self, other):
        return true_divide(self, other)

    def __rtruediv__(self, other):
        return true_divide(other, self)

    def __floordiv__(self, other):
        return binary("FloorDiv", self, other, "floordiv")

    def __rfloordiv__(self, other):
        return binary("FloorDiv", other, self, "floordiv")

    def __mod__(self, other):
        return binary("FloorMod", self, other, "mod")

    def __rmod__(self, other):
        return binary("FloorMod", other, self, "mod")

    def __pow__(self, other):
        return binary("Pow", self, other, "pow")

    def __rpow__(self, other):
        return binary("Pow", other, self, "pow")

    def __matmul__(self, other):
        return binary("MatMul", self, other, "matmul")

    def __rmatmul__(self, other):
        return binary("MatMul", other, self, "matmul")

    def __neg__(self):
        return unary("Neg", self)

    def __abs__(self):
        return unary("Abs", self)

    def __invert__(self):
        return unary("LogicalNot", self)

    def __and__(self, other):
        return binary("LogicalAnd", self, other)

    def __or__(self, other):
        return binary("LogicalOr", self, other)

    def __lt__(self, other):
        return binary("Less", self, other)

    def __le__(self, other):
        return binary("LessEqual", self, other)

    def __gt__(self, other):
        return binary("Greater", self, other)

    def __ge__(self, other):
        return binary("GreaterEqual", self, other)

    def __getitem__(self, key):
        begin, end, strides, masks = strided_slice_spec(key, self.shape.ndims)
        graph = self.graph
        parts = [constant_in(graph, np.asarray(v, np.int32)) for v in (begin, end, strides)]
        return graph.create_op("StridedSlice", [self, *parts], masks, name="strided_slice").outputs[0]


def constant_in(graph, value, dtype: DType | None = None, name: str = "Const") -> Tensor:
    """A Const node of ``graph`` holding ``value`` (converted to ``dtype`` when given)."""
    array = python_array(value) if dtype is None else np.asarray(value, dtype=dtype.numpy)
    return graph.create_op("Const", [], {"value": array, "dtype": DType.from_numpy(array.dtype)}, name=name).outputs[0]


def python_array(value) -> np.ndarray:
    """``value`` as an array with TensorFlow's dtypes for Python values: floats float32, ints int32
    (int64 when they do not fit); numpy arrays keep theirs."""
    array = np.asarray(value)
    if isinstance(value, np.ndarray | np.generic):
        return array
    if array.dtype == np.float64:
        return array.astype(np.float32)
    if array.dtype == np.int64 and (array.size == 0 or (array.min() >= -(2**31) and array.max() < 2**31)):
        return array.astype(np.int32)
    return array


CONVERSIONS: list[tuple[int, type, object]] = []
"""``(priority, base_type, conversion_func)``: what :func:`register_tensor_conversion_function` added."""


def register_tensor_conversion_function(base_type, conversion_func, priority: int = 100) -> None:
    """TensorFlow's hook: a value of ``base_type`` becomes ``conversion_func(value, dtype, name, as_ref)``
    wherever a Tensor is expected (lower ``priority`` first)."""
    CONVERSIONS.append((priority, base_type, conversion_func))
    CONVERSIONS.sort(key=lambda entry: entry[0])


def registered_conversion(value, dtype: DType | None = None, name: str | None = None):
    """``value`` converted by the first registered function for its type (itself if none)."""
    for _, base_type, conversion_func in CONVERSIONS:
        if isinstance(value, base_type):
            return conversion_func(value, dtype, name, False)
    return value


def convert_to_tensor(value, dtype: DType | None = None, graph=None, name: str = "Const") -> Tensor:
    """``value`` as a Tensor of ``graph``: a Tensor (checked against ``dtype``), a variable, or a constant."""
    value = registered_conversion(value, dtype, name)
    convert = getattr(value, "as_graph_element", None)
    if convert is not None:
        value = convert()
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f"tensor '{value.name}' has dtype {value.dtype.name}, expected {dtype.name}")
        return value
    if graph is None:
        raise ValueError("a constant needs a graph")
    return constant_in(graph, value, dtype, name)


def binary(op_type: str, x, y, name: str | None = None) -> Tensor:
    """``op_type(x, y)`` named ``name`` (default: the op type), a Python number converted to the
    other operand's dtype."""
    anchor = x if isinstance(x, Tensor) else y
    graph = innermost_graph() or anchor.graph  # a loop body's op may use a tensor from outside it
    with graph.name_scope(name or op_type) as scope:  # constants are named inside it ("mul/y"), as TensorFlow names them
        x = convert_to_tensor(x, None if isinstance(x, Tensor) else anchor.dtype, graph, "x")
        y = convert_to_tensor(y, None if isinstance(y, Tensor) else anchor.dtype, graph, "y")
        return graph.create_op(op_type, [x, y], name=scope).outputs[0]


def unary(op_type: str, x: Tensor) -> Tensor:
    return x.graph.create_op(op_type, [x], name=op_type).outputs[0]


def true_divide(x, y, name: str = "truediv") -> Tensor:
    """``/``: RealDiv on floats; integers are cast to float first (Python 3 division, as TensorFlow)."""
    anchor = x if isinstance(x, Tensor) else y
    if anchor.dtype.is_float or anchor.dtype.is_complex:
        return binary("RealDiv", x, y, name)
    target = DType.f64 if anchor.dtype in (DType.i32, DType.i64) else DType.f32
    graph = innermost_graph() or anchor.graph
    x, y = (graph.create_op("Cast", [convert_to_tensor(v, anchor.dtype, graph)], {"DstT": target}, name="Cast").outputs[0] for v in (x, y))
    return binary("RealDiv", x, y, name)


# ---- the default graph and session: per-thread stacks ------------------------------------------------
class DefaultStack(threading.local):
    """This thread's ``as_default()`` objects, innermost last."""

    def __init__(self):
        self.items: list = []

    @contextlib.contextmanager
    def entered(self, item):
        """``item`` is the innermost default inside the ``with`` (an InteractiveSession may leave out of order)."""
        self.items.append(item)
        try:
            yield item
        finally:
            del self.items[len(self.items) - 1 - self.items[::-1].index(item)]

    def innermost(self):
        return self.items[-1] if self.items else None


graph_stack = DefaultStack()
"""``with g.as_default():`` graphs (the graph module keeps the global default graph)."""
session_stack = DefaultStack()
"""``with sess.as_default():`` sessions."""


def innermost_graph():
    """The innermost ``as_default()`` graph of this thread, or None."""
    return graph_stack.innermost()


def default_session(session):
    """Make ``session`` the default (``with sess.as_default():``) for this thread."""
    return session_stack.entered(session)


def get_default_session():
    """The innermost default session of this thread (None outside any)."""
    return session_stack.innermost()


def is_graph_value(value) -> bool:
    """Whether ``value`` (or anything in a list, tuple or dict of it) belongs to a TF1 graph: a Tensor,
    an Operation or a graph variable."""
    if isinstance(value, (Tensor, Operation)) or hasattr(value, "as_graph_element"):
        return True
    if isinstance(value, (list, tuple)):
        return any(is_graph_value(v) for v in value)
    if isinstance(value, dict):
        return any(is_graph_value(v) for v in value.values())
    return False


def graph_entered() -> bool:
    """Whether this thread is inside ``with g.as_default():`` or a default session."""
    return bool(graph_stack.items or session_stack.items)


def builds_graph(args, kwargs) -> bool:
    """The rule for a name both TensorFlow 1 and tfc have: a call outside ``@tfc.compile`` with a
    graph value among its arguments, or inside an entered graph or session, builds graph nodes."""
    return current_trace() is None and (graph_entered() or is_graph_value(args) or is_graph_value(kwargs))


def session_for(session):
    session = session if session is not None else get_default_session()
    if session is None:
        raise ValueError("cannot evaluate a tensor with no default session: use `with tf.Session():` or pass session=")
    return session


__all__ = ["DefaultStack", "Dimension", "Operation", "Tensor", "TensorShape", "binary", "constant_in", "convert_to_tensor",
           "builds_graph", "default_session", "get_default_session", "graph_entered", "graph_stack", "innermost_graph", "is_graph_value", "python_array",
           "register_tensor_conversion_function", "registered_conversion", "session_for", "session_stack", "true_divide", "unary"]
