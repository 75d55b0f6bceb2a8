"""``tfc.Variable``: state that lives outside functions, read and updated in program order.

The variable owns a device array. Inside ``@tfc.compile`` a use records a read; the compiled
function is lifted so the variable becomes an input and (if assigned) an output; the runtime passes
the current value, donates its buffer (XLA updates it in place) and stores the new one back.
Outside any trace its operators and methods run eagerly. (TensorFlow 1's graph variables are
:mod:`tfc.compat.v1`'s; ``tfc.Variable`` picks between the two, see :mod:`tfc.compat.dispatch`.)

>>> v = tfc.Variable(0.0, name="counter")
>>> @tfc.compile
... def step():
...     v.assign_add(1.0)
...     return v.read_value()
>>> step(); float(step())
2.0
"""

from __future__ import annotations

import functools
import re
import threading
import weakref

import numpy as np

from tfc.backends import device_put
from tfc.diagnostics import TraceError
from tfc.ir import Operation
from tfc.types import DType, ResourceType, TensorType

from . import api
from .autodiff import backprop
from .compile import eager_call
from .promotion import default_dtype
from .tensor import Tensor, to_tensor
from .tracing import current_trace, user_location

VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
"""TensorFlow's rule for node names, which a variable's name must follow."""
_eager_names: dict[str, int] = {}
_eager_variables: list = []  # weak references, in creation order


class Variable(Tensor):
    """A named, typed, mutable tensor (TensorFlow's ``tf.Variable``).

    ``tfc.Variable(initial_value, name=None, trainable=True, dtype=None, device=None)``;
    ``initial_value`` may be a number, nested list, numpy array, or a callable giving one.
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
        if name is not None and not VALID_NAME.match(name):
            raise ValueError(f"'{name}' is not a valid variable name (letters, digits, '_', '.', '-', '/'; not starting with '_', '-' or '/')")
        self._init_eager(initial_value, name or "Variable", dtype, device or "cpu")

    # ---- creation
    def _init_eager(self, initial_value, name, dtype, device_spec):
        if isinstance(initial_value, Tensor):
            raise TraceError(
                "a variable needs a concrete initial value (a number or array), not a traced tensor; create it outside the "
                "compiled function",
                self._location,
            )
        array = _concrete(initial_value, dtype, self._location)
        self._type = TensorType(DType.from_numpy(array.dtype), array.shape)
        count = _eager_names.get(name, 0)
        _eager_names[name] = count + 1
        self._name = name if count == 0 else f"{name}_{count}"
        self._given_name = name
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
        """``"w"``: the name of its ``tfc.variable`` op in the functions that use it."""
        return self._name

    @property
    def given_name(self) -> str:
        """The name it was created with, before the process-wide ``_1`` suffixes (a TF1 graph that
        adopts it names it in the graph's own namespace)."""
        return self._given_name

    @property
    def lock(self) -> threading.Lock:
        """Held while the value is read or replaced (compiled functions hold it around a call), so
        threads updating one variable never lose an update or read a donated buffer."""
        return self._lock

    @property
    def array(self):
        """The value, as a device array (compiled functions read and replace it)."""
        return self._array

    @array.setter
    def array(self, value) -> None:
        self._array = value

    # ---- reading
    @property
    def trace(self):
        return self._trace_for_use()

    @property
    def value(self):
        """The IR value of a read at this point of the program (how tfc functions use a variable)."""
        return self._read(reuse=True).value

    def read_value(self):
        """The current value: a tensor read here (traced), or a numpy copy (eager)."""
        if current_trace() is None:
            return self.numpy()
        return self._read(reuse=False)

    def numpy(self) -> np.ndarray:
        """A copy of the value."""
        with self._lock:
            return np.array(self._array)

    def __array__(self, dtype=None, copy=None):
        if current_trace() is not None:
            raise TraceError(f"cannot convert variable '{self._name}' to numpy inside a traced function", user_location())
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def _trace_for_use(self):
        current = current_trace()
        if current is None:
            raise TraceError(f"variable '{self._name}' is read outside any trace", user_location())
        return current

    def _handle(self, trace):
        """The variable's handle value in ``trace`` (created at the top of a traced function on first use)."""
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
            if ops and ops[-1] is last.value.op:
                return last  # nothing happened since the last read: the same value
        handle = self._handle(trace)
        op = trace.emit("tfc.read_variable", [handle], result_types=[self._type])
        tensor = Tensor(op.result, trace)
        self._last_read = tensor
        return tensor

    def reads(self, trace) -> list:
        """Values of every read of this variable in ``trace``'s current block (for tfc.gradients)."""
        entry = trace.variables.get(self._name)
        if entry is None:
            return []
        handle = entry[1]
        block = trace.builder.block
        return [user.result for user in handle.users if user.name == "tfc.read_variable" and user.parent is block]

    # ---- updating
    def assign(self, value, use_locking=None, name: str | None = None, read_value: bool = True):
        """Set the value; returns the value after the update (traced) or the variable (eager)."""
        return self._update(value, None, name or "Assign", read_value)

    def assign_add(self, delta, use_locking=None, name: str | None = None, read_value: bool = True):
        """Add ``delta``; returns the value after the update (traced) or the variable (eager)."""
        return self._update(delta, api.add, name or "AssignAdd", read_value)

    def assign_sub(self, delta, use_locking=None, name: str | None = None, read_value: bool = True):
        """Subtract ``delta``; returns the value after the update (traced) or the variable (eager)."""
        return self._update(delta, api.subtract, name or "AssignSub", read_value)

    def _update(self, value, combine, node: str, read_value: bool):
        if current_trace() is None:
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
        compiles a read and an add once per signature and returns numpy); in a trace they record ops."""
        if current_trace() is None:
            return eager_call(fn, args, {})
        return fn(*args)

    # ---- identity semantics (as TensorFlow): usable in sets, dicts and `in` tests
    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        value = np.array2string(self.numpy(), threshold=10)
        return f"<tfc.Variable '{self._name}:0' shape={self.shape} dtype={self.dtype.name} value={value}>"


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
    """Every live variable, in creation order."""
    return [v for v in (r() for r in _eager_variables) if v is not None]


def trainable_variables() -> list:
    """The live variables created with ``trainable=True``."""
    return [v for v in global_variables() if v.trainable]


# ---------------------------------------------------------------------------------------------
# Gradients


def gradients(ys, xs, grad_ys=None, name: str = "gradients") -> list:
    """TensorFlow's ``tf.gradients`` inside a traced function: d(sum of ys)/d(xs), one entry per x
    (None where unconnected).

    ``grad_ys`` are the initial cotangents (default ones). An x may be a tensor or a ``tfc.Variable``
    (the gradient sums over every read of it). (In a TF1 graph, ``tfc.gradients`` is
    :func:`tfc.compat.v1.gradients`.)
    """
    trace = current_trace()
    if trace is None:
        raise TraceError("tfc.gradients outside a graph needs a traced function (use tfc.grad for eager code)", user_location())
    ys = [to_tensor(y, trace) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    grad_ys = [None] * len(ys) if grad_ys is None else list(grad_ys) if isinstance(grad_ys, (list, tuple)) else [grad_ys]
    if len(grad_ys) != len(ys):
        raise TraceError(f"tfc.gradients: {len(grad_ys)} grad_ys for {len(ys)} ys", user_location())
    seeds = [_seed(y, g, trace) for y, g in zip(ys, grad_ys)]
    groups = [_reads_of(x, trace) for x in xs]  # per x: the values whose cotangents add up to its gradient
    grads = iter(backprop(trace, [y.value for y in ys], seeds, [v for g in groups for v in g]))
    results = []
    for group in groups:
        parts = [p for p in (next(grads) for _ in group) if p is not None]
        results.append(functools.reduce(api.add, parts) if parts else None)
    return results


def _seed(y: Tensor, grad_y, trace) -> Tensor:
    if not y.dtype.is_float:
        raise TraceError(f"tfc.gradients: cannot differentiate a tensor of type {y.type} (not a float)", user_location())
    seed = api.ones_like(y) if grad_y is None else api.astype(to_tensor(grad_y, trace), y.dtype)
    if seed.shape != y.shape:
        raise TraceError(f"tfc.gradients: grad_ys entry has shape {list(seed.shape)}, its y has {list(y.shape)}", user_location())
    return seed


def _reads_of(x, trace) -> list:
    if isinstance(x, Variable):
        return x.reads(trace)
    if isinstance(x, Tensor):
        return [x.value]
    raise TraceError(f"tfc.gradients: xs must be tensors or variables, got {type(x).__name__}", user_location())


__all__ = ["Variable", "global_variables", "gradients", "trainable_variables"]
