"""``tfc.Variable``: state that lives outside functions, read and updated in program order.

One class serves both ways of writing programs:

* **Graph mode** (inside ``with g.as_default():``): creating a variable adds its handle op
  (``tfc.variable``), its initial value and its initializer (a ``tfc.assign_variable``). Every use in
  an expression records a ``tfc.read_variable`` at that point, so reads created after an assign (in
  graph order) see it. ``v.assign(x)`` returns the value after the update (a read with a control
  edge on the assign). Values live in the Session, which lifts reads and assigns into arguments and
  results of each compiled step (``lift-variables``).
* **Eager / traced mode** (no graph): the variable owns a device array. Inside ``@tfc.compile`` a use
  records a read; the compiled function is lifted so the variable becomes an input and (if
  assigned) an output; the runtime passes the current value, donates its buffer (XLA updates it in
  place) and stores the new one back.

>>> v = tfc.Variable(0.0, name="counter")
>>> @tfc.compile
... def step():
...     v.assign_add(1.0)
...     return v.read_value()
>>> step(); float(step())
2.0
"""

from __future__ import annotations

import contextlib
import threading
import weakref

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.backends import device_put
from tfc.diagnostics import TraceError
from tfc.ir import Operation
from tfc.types import DType, ResourceType, TensorType

from . import api
from .autodiff import backprop
from .compile import eager_call
from .graph import GraphError, check_name, current_graph
from .graph_api import control_dependencies, device, group, name_scope
from .promotion import default_dtype
from .tensor import Tensor, to_tensor
from .tracing import current_trace, user_location

_eager_names: dict[str, int] = {}
_eager_variables: list = []  # weak references, in creation order


class Variable(Tensor):
    """A named, typed, mutable tensor (TensorFlow's ``tf.Variable``).

    ``tfc.Variable(initial_value, name=None, trainable=True, dtype=None, device=None)``;
    ``initial_value`` may be a number, nested list, numpy array, graph tensor, or a callable giving one.
    Use it like a tensor (``x @ w + b``); update it with ``assign``, ``assign_add``, ``assign_sub``.
    """

    is_variable = True  # what pytree and the compiled-function runner recognize a variable by

    def __init__(self, initial_value, name: str | None = None, trainable: bool = True, dtype=None, device: str | None = None):
        self.weak = False
        self.trainable = trainable
        self._lock = threading.Lock()
        self._last_read: Tensor | None = None
        self._location = user_location()
        if callable(initial_value):
            initial_value = initial_value()
        if name is not None:
            check_name(name)
        graph = current_graph()
        self._graph = graph
        if graph is not None:
            self._init_graph(graph, initial_value, name or "Variable", dtype, device)
        else:
            self._init_eager(initial_value, name or "Variable", dtype, device or "cpu")

    # ---- creation
    def _init_graph(self, graph, initial_value, name, dtype, device_spec):
        placement = device(device_spec) if device_spec else contextlib.nullcontext()
        with control_dependencies(None), placement:  # an initializer ignores the control deps around it
            array = None
            if isinstance(initial_value, Tensor):
                init = to_tensor(initial_value)
                if dtype is not None:
                    init = api.astype(init, dtype)
                self._type = init.type
            else:
                array = _concrete(initial_value, dtype, self._location)
                self._type = TensorType(DType.from_numpy(array.dtype), array.shape)
            handle = graph.trace.emit("tfc.variable", [], {"name": graph.unique_name(name, mark_as_used=False)},
                                      [ResourceType(self._type)], node_name=name)
            self._name = graph.name_of(handle)
            self._handle_op = handle
            with name_scope(self._name + "/"):
                if array is not None:
                    const = graph.trace.emit("tfc.constant", [], {"value": DenseElementsAttr.from_array(array)}, node_name="initial_value")
                    init = Tensor(const.result, graph.trace)
                assign = graph.trace.emit("tfc.assign_variable", [handle.result, init.value], node_name="Assign")
        self._initial_value = init
        self._initializer = graph.wrap(assign)
        self.device = device_spec
        graph.add_variable(self, self.trainable)

    def _init_eager(self, initial_value, name, dtype, device_spec):
        if isinstance(initial_value, Tensor):
            raise TraceError(
                "a variable created outside a graph needs a concrete initial value (a number or array), not a traced "
                "tensor; create it outside the compiled function",
                self._location,
            )
        array = _concrete(initial_value, dtype, self._location)
        self._type = TensorType(DType.from_numpy(array.dtype), array.shape)
        count = _eager_names.get(name, 0)
        _eager_names[name] = count + 1
        self._name = name if count == 0 else f"{name}_{count}"
        self._handle_op = None
        self._initial_value = None
        self._initializer = None
        self.device = device_spec
        self._array = device_put(array, device_spec)
        _eager_variables.append(weakref.ref(self))

    # ---- tensor metadata (no reads)
    @property
    def type(self) -> TensorType:
        return self._type

    @property
    def shape(self) -> tuple:
        return self._type.shape

    @property
    def dtype(self) -> DType:
        return self._type.dtype

    @property
    def name(self) -> str:
        """``"w:0"``, as TensorFlow names a variable."""
        return f"{self._name}:0"

    @property
    def node_name(self) -> str:
        """``"w"``: the name of its node, which also keys its value in a Session's variable store."""
        return self._name

    @property
    def handle_op(self) -> Operation | None:
        """The ``tfc.variable`` op naming it in its graph (None for an eager variable)."""
        return self._handle_op

    @property
    def lock(self) -> threading.Lock:
        """Held while the value is read or replaced (compiled functions hold it around a call), so
        threads updating one variable never lose an update or read a donated buffer."""
        return self._lock

    @property
    def array(self):
        """The value of an eager variable, as a device array (compiled functions read and replace it)."""
        if self._graph is not None:
            raise GraphError(f"variable '{self._name}' lives in a graph: its value is in a Session (sess.run(v))")
        return self._array

    @array.setter
    def array(self, value) -> None:
        self._array = value

    @property
    def op(self):
        """The handle op (graph mode)."""
        return None if self._graph is None else self._graph.wrap(self._handle_op)

    @property
    def graph(self):
        return self._graph

    @property
    def initializer(self):
        """The op that assigns the initial value (graph mode)."""
        return self._initializer

    @property
    def initial_value(self):
        return self._initial_value

    # ---- reading
    @property
    def trace(self):
        return self._trace_for_use()

    @property
    def value(self):
        """The IR value of a read at this point of the program (how tfc functions use a variable)."""
        return self._read(reuse=True).value

    def read_value(self):
        """The current value: a tensor read here (graph or traced mode), or a numpy copy (eager)."""
        if self._graph is None and current_trace() is None:
            return self.numpy()
        return self._read(reuse=False)

    def numpy(self) -> np.ndarray:
        """A copy of the value of an eager variable (graph variables live in a Session: sess.run(v))."""
        if self._graph is not None:
            raise GraphError(f"variable '{self._name}' lives in a graph: its value is in a Session (sess.run(v))")
        with self._lock:
            return np.array(self._array)

    def __array__(self, dtype=None, copy=None):
        if self._graph is not None or current_trace() is not None:
            raise TraceError(f"cannot convert variable '{self._name}' to numpy here (graph or traced code)", user_location())
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def _trace_for_use(self):
        current = current_trace()
        if self._graph is not None:
            trace = self._graph.trace
            if current is not trace:
                raise TraceError(
                    f"variable '{self._name}' belongs to a graph; use it inside `with graph.as_default():`", user_location()
                )
            return trace
        if current is None:
            raise TraceError(f"variable '{self._name}' is read outside any trace", user_location())
        if current.graph is not None:
            raise TraceError(
                f"variable '{self._name}' was created outside any graph; create it inside `with graph.as_default():` "
                "to use it in that graph",
                user_location(),
            )
        return current

    def _handle(self, trace):
        """The variable's handle value in ``trace`` (created at the top of a traced function on first use)."""
        if self._graph is not None:
            return self._handle_op.result
        handles = trace.variables
        entry = handles.get(self._name)
        if entry is None:
            block = trace.function.body if trace.function is not None else trace.builders[0].block
            op = Operation("tfc.variable", (), [ResourceType(self._type)], {"name": self._name}, location=self._location,
                           result_names=[self._name])
            block.insert(len(handles), op)
            entry = handles[self._name] = (self, op.result)
        elif entry[0] is not self:
            raise TraceError(f"two variables named '{self._name}' in one function", user_location())
        return entry[1]

    def _read(self, reuse: bool) -> Tensor:
        trace = self._trace_for_use()
        last = self._last_read
        if reuse and last is not None and last.trace is trace:
            ops = trace.builder.block.ops
            graph = self._graph
            if ops and ops[-1] is last.value.op and not (graph is not None and graph.has_control_dependencies):
                return last  # nothing happened since the last read: the same value
        handle = self._handle(trace)
        if trace.graph is not None:
            op = trace.emit("tfc.read_variable", [handle], result_types=[self._type], node_name=f"{self._name}/read", scoped=False)
        else:
            op = trace.emit("tfc.read_variable", [handle], result_types=[self._type])
        tensor = Tensor(op.result, trace)
        self._last_read = tensor
        return tensor

    def reads(self, trace) -> list:
        """Values of every read of this variable in ``trace``'s current block (for tfc.gradients)."""
        if self._graph is None:
            entry = trace.variables.get(self._name)
            if entry is None:
                return []
            handle = entry[1]
        else:
            handle = self._handle_op.result
        block = trace.builder.block
        return [user.result for user in handle.users if user.name == "tfc.read_variable" and user.parent is block]

    # ---- updating
    def assign(self, value, use_locking=None, name: str | None = None, read_value: bool = True):
        """Set the value; returns the value after the update (graph/traced mode) or the variable (eager)."""
        return self._update(value, None, name or "Assign", read_value)

    def assign_add(self, delta, use_locking=None, name: str | None = None, read_value: bool = True):
        """Add ``delta``; returns the value after the update (graph/traced mode) or the variable (eager)."""
        return self._update(delta, api.add, name or "AssignAdd", read_value)

    def assign_sub(self, delta, use_locking=None, name: str | None = None, read_value: bool = True):
        """Subtract ``delta``; returns the value after the update (graph/traced mode) or the variable (eager)."""
        return self._update(delta, api.subtract, name or "AssignSub", read_value)

    def _update(self, value, combine, node: str, read_value: bool):
        if self._graph is None and current_trace() is None:
            return self._update_eager(value, combine)
        trace = self._trace_for_use()
        value = to_tensor(value, trace)
        if combine is not None:
            value = combine(self, value)
        if value.dtype != self.dtype:
            if not value.weak:
                raise TraceError(f"cannot assign a {value.dtype.name} value to variable '{self._name}' of type {self.dtype.name}", user_location())
            value = api.astype(value, self.dtype)
        if value.shape != self.shape:
            raise TraceError(f"cannot assign a value of shape {list(value.shape)} to variable '{self._name}' of shape {list(self.shape)}", user_location())
        handle = self._handle(trace)
        if trace.graph is not None:
            op = trace.emit("tfc.assign_variable", [handle, value.value], node_name=node)
            if not read_value:
                return self._graph.wrap(op)
            with control_dependencies([op]):
                return self._read(reuse=False)
        trace.emit("tfc.assign_variable", [handle, value.value])
        return self._read(reuse=False) if read_value else None

    def _update_eager(self, value, combine):
        value = np.asarray(value.numpy() if isinstance(value, Variable) else value)
        with self._lock:  # read, combine and store as one step: concurrent assign_adds all count
            self._store_eager(value, combine)
        return self

    def _store_eager(self, value: np.ndarray, combine) -> None:
        current = np.array(self._array)
        if combine is api.add:
            value = current + value
        elif combine is api.subtract:
            value = current - value
        if value.shape != self.shape:
            raise TraceError(f"cannot assign a value of shape {list(value.shape)} to variable '{self._name}' of shape {list(self.shape)}", user_location())
        if not np.can_cast(value.dtype, self.dtype.numpy, "same_kind"):
            raise TraceError(f"cannot assign a {value.dtype} value to variable '{self._name}' of type {self.dtype.name}", user_location())
        self._array = device_put(value.astype(self.dtype.numpy), self.device)

    def _dispatch(self, fn, *args):
        """Outside any trace, an eager variable's operators and methods run eagerly (``v + 1.0``
        compiles a read and an add once per signature and returns numpy); elsewhere they record ops."""
        if self._graph is None and current_trace() is None:
            return eager_call(fn, args, {})
        self._trace_for_use()  # a graph variable used outside its graph: say so first
        return fn(*args)

    # ---- identity semantics (as TensorFlow 1): usable in sets, dicts and `in` tests
    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        text = f"<tfc.Variable '{self._name}:0' shape={self.shape} dtype={self.dtype.name}"
        if self._graph is None:
            text += f" value={np.array2string(self.numpy(), threshold=10)}"
        return text + ">"


def _concrete(value, dtype, location) -> np.ndarray:
    """``value`` as a numpy array of ``dtype`` (default: its own, or TensorFlow's for Python literals)."""
    try:
        if dtype is not None:
            dtype = api.as_dtype(dtype)
        elif isinstance(value, (np.ndarray, np.generic)) or (hasattr(value, "dtype") and hasattr(value, "shape")):
            dtype = DType.from_numpy(value.dtype)
        else:
            dtype = default_dtype(value)
        return np.asarray(value, dtype=dtype.numpy)
    except (TypeError, ValueError) as err:
        raise TraceError(f"bad initial value for a variable ({type(value).__name__}): {err}", location) from None


# ---------------------------------------------------------------------------------------------
# Collections


def global_variables() -> list:
    """Every variable of the default graph (or, outside a graph, every live eager variable)."""
    graph = current_graph()
    if graph is not None:
        return list(graph.variables)
    return [v for v in (r() for r in _eager_variables) if v is not None]


def trainable_variables() -> list:
    """The variables created with ``trainable=True`` (default graph, or live eager ones)."""
    graph = current_graph()
    if graph is not None:
        return list(graph.trainable)
    return [v for v in global_variables() if v.trainable]


def variables_initializer(var_list, name: str = "init"):
    """An op running the initializers of ``var_list`` (graph mode; eager variables need none: None)."""
    if current_graph() is None:
        return None
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    """An op (named ``init``) running every variable's initializer; run it once per Session."""
    return variables_initializer(global_variables(), name="init")


# ---------------------------------------------------------------------------------------------
# Gradients


def gradients(ys, xs, grad_ys=None, name: str = "gradients") -> list:
    """TensorFlow's ``tf.gradients``: d(sum of ys)/d(xs), one entry per x (None where unconnected).

    ``grad_ys`` are the initial cotangents (default ones). An x may be a tensor or a ``tfc.Variable``
    (the gradient sums over every read of it). The gradient ops are appended to the graph (or the
    traced function) under the name scope ``gradients``.
    """
    trace = current_trace()
    if trace is None:
        raise GraphError("tfc.gradients needs a graph or a traced function (use tfc.grad for eager code)")
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    single_x = not isinstance(xs, (list, tuple))
    xs = [xs] if single_x else list(xs)
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    grad_ys = list(grad_ys) if isinstance(grad_ys, (list, tuple)) else [grad_ys]
    if len(grad_ys) != len(ys):
        raise GraphError(f"tfc.gradients: {len(grad_ys)} grad_ys for {len(ys)} ys")
    with name_scope(name):
        ys = [to_tensor(y, trace) for y in ys]
        seeds = []
        for y, g in zip(ys, grad_ys):
            if not y.dtype.is_float:
                raise GraphError(f"tfc.gradients: cannot differentiate {_describe(y)} of type {y.type} (not a float)")
            seed = api.ones_like(y) if g is None else api.astype(to_tensor(g, trace), y.dtype)
            if seed.shape != y.shape:
                raise GraphError(f"tfc.gradients: grad_ys entry has shape {list(seed.shape)}, {_describe(y)} has {list(y.shape)}")
            seeds.append(seed)
        groups = []  # per x: the values whose cotangents add up to its gradient
        for x in xs:
            if isinstance(x, Variable):
                groups.append(x.reads(trace))
            elif isinstance(x, Tensor):
                groups.append([x.value])
            else:
                raise GraphError(f"tfc.gradients: xs must be tensors or variables, got {type(x).__name__}")
        flat = [v for g in groups for v in g]
        grads = backprop(trace, [y.value for y in ys], seeds, flat)
        results, i = [], 0
        for g in groups:
            parts = [p for p in grads[i : i + len(g)] if p is not None]
            i += len(g)
            total = parts[0] if parts else None
            for p in parts[1:]:
                total = api.add(total, p)
            results.append(total)
    return results


def _describe(t: Tensor) -> str:
    name = getattr(t, "name", None)
    return f"'{name}'" if name else "a tensor"


__all__ = [
    "Variable",
    "global_variables",
    "global_variables_initializer",
    "gradients",
    "trainable_variables",
    "variables_initializer",
]
