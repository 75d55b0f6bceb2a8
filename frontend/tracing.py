"""Tracing: symbolic tensors that record core ops into a function as Python code runs.

A :class:`Trace` owns the module being built and a stack of builders (one per open region, so
``tfc.cond`` branches record into their own blocks). Every op gets the location of the user's line
that caused it: the first stack frame outside the tfc package.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from typing import Sequence

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.builder import Builder
from tfc.diagnostics import TraceError, VerifyError
from tfc.ir import Block, Function, Module, Value
from tfc.location import UNKNOWN, FileLineColLoc, Location
from tfc.types import DType, TensorType

from .promotion import default_dtype

_TFC_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TFC_DIRS = tuple(os.path.join(_TFC_ROOT, d) + os.sep for d in ("compiler", "frontend", "passes", "backends", "runtime", "tools"))


def user_location() -> Location:
    """The file:line of the innermost caller outside tfc (what the user wrote)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_TFC_DIRS) and not filename.startswith("<frozen"):
            return FileLineColLoc(filename, frame.f_lineno, _column(frame))
        frame = frame.f_back
    return UNKNOWN


def _column(frame) -> int:
    """1-based column of the expression the frame is executing (Python 3.11 keeps it per instruction)."""
    positions = next(itertools.islice(frame.f_code.co_positions(), frame.f_lasti // 2, None), None)
    return positions[2] + 1 if positions and positions[2] is not None else 1


class Trace:
    """The function being recorded and where new ops go."""

    def __init__(self, name: str, arg_types: Sequence[TensorType], arg_names: Sequence[str | None], location: Location = UNKNOWN):
        self.module = Module.create()
        self.function = Function.create(name, arg_types, [], arg_names, location)
        self.module.add_function(self.function)
        self.builders = [Builder(self.function.body)]
        self.constants: dict = {}
        self.location: Location | None = None  # when set, every op gets it instead of the user's line

    @classmethod
    def into_block(cls, module: Module, block: Block, location: Location) -> Trace:
        """A trace that appends to ``block`` of an existing module, every op at ``location``
        (how a ``tf.*`` op's decomposition is recorded by legalize-tf)."""
        trace = cls.__new__(cls)
        trace.module, trace.function = module, None
        trace.builders = [Builder(block, location)]
        trace.constants = {}
        trace.location = location
        return trace

    @property
    def builder(self) -> Builder:
        return self.builders[-1]

    def emit(self, name: str, operands: Sequence[Value], attributes=None, result_types=None, regions=()):
        """Record op ``name``; type-rule failures become TraceErrors at the user's line."""
        location = self.location or user_location()
        try:
            return self.builder.create(name, operands, attributes, result_types, regions, location)
        except VerifyError as err:
            raise TraceError(f"'{name}': {err.message}", location) from None

    def push_block(self, block: Block) -> None:
        self.builders.append(Builder(block))

    def pop_block(self) -> None:
        self.builders.pop()


_state = threading.local()


def current_trace() -> Trace | None:
    stack = getattr(_state, "stack", None)
    return stack[-1] if stack else None


class tracing:
    """Context manager making ``trace`` the target of tfc operations in this thread."""

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self) -> Trace:
        if not hasattr(_state, "stack"):
            _state.stack = []
        _state.stack.append(self.trace)
        return self.trace

    def __exit__(self, *exc) -> None:
        _state.stack.pop()


class Tensor:
    """A symbolic tensor inside a trace: shape and dtype are known, values are not.

    Supports Python operators (``+ - * / @ ** -x``, comparisons, indexing) and numpy-like methods;
    each records core ops. Using it as a Python bool or converting it to numpy is an error, since
    its value only exists when the compiled function runs.
    """

    __slots__ = ("value", "trace", "weak")
    __array_priority__ = 1000  # numpy defers to our operators: np_array + tensor -> Tensor.__radd__

    def __init__(self, value: Value, trace: Trace, weak: bool = False):
        self.value = value
        self.trace = trace
        self.weak = weak

    # ---- metadata
    @property
    def type(self) -> TensorType:
        return self.value.type

    @property
    def shape(self) -> tuple:
        return self.value.type.shape

    @property
    def dtype(self) -> DType:
        return self.value.type.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        if not self.shape:
            raise TraceError("len() of a 0-d tensor", user_location())
        return self.shape[0]

    def __repr__(self) -> str:
        return f"Tensor({self.type}, traced)"

    def __bool__(self):
        raise TraceError(
            "a traced tensor has no Python truth value (its value exists only at run time); use tfc.where or tfc.cond",
            user_location(),
        )

    def __array__(self, *args, **kwargs):
        raise TraceError("cannot convert a traced tensor to a numpy array inside a compiled function", user_location())

    __hash__ = object.__hash__

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def constant(trace: Trace, value, dtype: DType | None = None) -> Tensor:
    """A constant tensor in ``trace`` (Python scalars and lists are weakly typed, see promotion)."""
    weak = not isinstance(value, (np.ndarray, np.generic))
    try:
        array = np.asarray(value, dtype=(dtype or (default_dtype(value) if weak else DType.from_numpy(np.asarray(value).dtype))).numpy)
    except (ValueError, TypeError) as err:
        raise TraceError(f"cannot make a tensor from {type(value).__name__} value {value!r}: {err}", user_location()) from None
    key = (array.dtype.str, array.shape, array.tobytes(), weak)
    cached = trace.constants.get(key)
    if cached is not None and cached.trace is trace and _visible(trace, cached):
        return cached
    op = trace.emit("tfc.constant", [], {"value": DenseElementsAttr.from_array(array)})
    tensor = Tensor(op.result, trace, weak)
    trace.constants[key] = tensor
    return tensor


def _visible(trace: Trace, tensor: Tensor) -> bool:
    """Constants are reused only within the block that defined them (or its enclosing ones)."""
    owner = getattr(tensor.value, "op", None)
    block = owner.parent if owner is not None else None
    return any(b.block is block for b in trace.builders)


def to_tensor(value, trace: Trace | None = None) -> Tensor:
    """Turn a Tensor, numpy array or Python value into a Tensor of the current trace."""
    if isinstance(value, Tensor):
        return value
    trace = trace or current_trace()
    if trace is None:
        raise TraceError("tfc operations on Python values need an active trace", user_location())
    if not _is_tensor_like(value):
        raise TraceError(
            f"unsupported Python value of type {type(value).__name__} in a traced function; expected a tensor, "
            "a numpy array, a number or a nested list of numbers",
            user_location(),
        )
    return constant(trace, value)


def _is_tensor_like(value) -> bool:
    if isinstance(value, (bool, int, float, complex, np.ndarray, np.generic)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_tensor_like(v) for v in value)
    return hasattr(value, "__array__") and hasattr(value, "shape") and hasattr(value, "dtype")
