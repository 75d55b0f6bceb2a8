"""Traced tensors: the :class:`Tensor` class, with every method and operator it has, and the array
operations those record.

A :class:`Tensor` is a symbolic value of a :class:`~tfc.frontend.tracing.Trace`. Its operators and
methods (``+ - * / // % ** @``, comparisons, ``& | ^ ~``, indexing, ``.T``, ``.reshape``, ``.sum``,
...) are all defined in its class body below and record core ops through the functions of this
module, so what a tensor can do never depends on what else was imported. (TensorFlow 1's graph
tensors, with ``.name``, ``.op`` and ``.eval()``, are :mod:`tfc.compat.v1`'s.)

Broadcasting and dtype promotion happen here, at trace time, as explicit ``tfc.broadcast_in_dim``
and ``tfc.convert`` ops, so core ops never broadcast implicitly. :func:`emit` records one core op on
tensors as they are; the rest of the numpy-like API (:mod:`.api`) builds on this module.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.diagnostics import TraceError
from tfc.effects import is_pure
from tfc.ir import Value
from tfc.types import DType, TensorType

from .promotion import default_dtype, promote
from .shapes import axes_of, broadcast_shapes, expand_ellipsis, reshape_sizes, shape_text, slice_plan
from .tracing import Trace, current_trace, fail, user_location


class Tensor:
    """A symbolic tensor inside a trace: shape and dtype are known, values are not.

    Using it as a Python bool or converting it to numpy is an error, since its value only exists
    when the compiled function runs.
    """

    __slots__ = ("value", "trace", "weak")
    __array_priority__ = 1000  # numpy defers to our operators: np_array + tensor -> Tensor.__radd__

    def __init__(self, value: Value, trace: Trace, weak: bool = False):
        self.value = value
        self.trace = trace
        self.weak = weak
        """A Python literal: it takes the other operand's dtype (``x_f16 * 2`` stays f16)."""

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

    def get_shape(self) -> tuple:
        return self.shape

    # ---- Python protocols
    def __len__(self) -> int:
        if not self.shape:
            raise TraceError("len() of a 0-d tensor", user_location())
        if self.shape[0] is None:
            raise TraceError(f"len() of a tensor of shape {shape_text(self.shape)}: its first dim is unknown (None) at trace time", user_location())
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

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

    # ---- operators
    def __add__(self, other): return self._dispatch(add, self, other)  # noqa: E704
    def __radd__(self, other): return self._dispatch(add, other, self)  # noqa: E704
    def __sub__(self, other): return self._dispatch(subtract, self, other)  # noqa: E704
    def __rsub__(self, other): return self._dispatch(subtract, other, self)  # noqa: E704
    def __mul__(self, other): return self._dispatch(multiply, self, other)  # noqa: E704
    def __rmul__(self, other): return self._dispatch(multiply, other, self)  # noqa: E704
    def __truediv__(self, other): return self._dispatch(divide, self, other)  # noqa: E704
    def __rtruediv__(self, other): return self._dispatch(divide, other, self)  # noqa: E704
    def __floordiv__(self, other): return self._dispatch(floor_divide, self, other)  # noqa: E704
    def __rfloordiv__(self, other): return self._dispatch(floor_divide, other, self)  # noqa: E704
    def __mod__(self, other): return self._dispatch(remainder, self, other)  # noqa: E704
    def __rmod__(self, other): return self._dispatch(remainder, other, self)  # noqa: E704
    def __pow__(self, other): return self._dispatch(power, self, other)  # noqa: E704
    def __rpow__(self, other): return self._dispatch(power, other, self)  # noqa: E704
    def __matmul__(self, other): return self._dispatch(matmul, self, other)  # noqa: E704
    def __rmatmul__(self, other): return self._dispatch(matmul, other, self)  # noqa: E704
    def __and__(self, other): return self._dispatch(logical_and, self, other)  # noqa: E704
    def __rand__(self, other): return self._dispatch(logical_and, other, self)  # noqa: E704
    def __or__(self, other): return self._dispatch(logical_or, self, other)  # noqa: E704
    def __ror__(self, other): return self._dispatch(logical_or, other, self)  # noqa: E704
    def __xor__(self, other): return self._dispatch(logical_xor, self, other)  # noqa: E704
    def __rxor__(self, other): return self._dispatch(logical_xor, other, self)  # noqa: E704
    def __lt__(self, other): return self._dispatch(less, self, other)  # noqa: E704
    def __le__(self, other): return self._dispatch(less_equal, self, other)  # noqa: E704
    def __gt__(self, other): return self._dispatch(greater, self, other)  # noqa: E704
    def __ge__(self, other): return self._dispatch(greater_equal, self, other)  # noqa: E704
    def __eq__(self, other): return self._dispatch(equal, self, other)  # noqa: E704
    def __ne__(self, other): return self._dispatch(not_equal, self, other)  # noqa: E704
    def __neg__(self): return self._dispatch(negative, self)  # noqa: E704
    def __pos__(self): return self  # noqa: E704
    def __abs__(self): return self._dispatch(abs, self)  # noqa: E704
    def __invert__(self): return self._dispatch(logical_not, self)  # noqa: E704
    def __getitem__(self, index): return self._dispatch(getitem, self, index)  # noqa: E704

    # ---- numpy-like methods
    @property
    def T(self) -> Tensor:
        return self._dispatch(transpose, self)

    def astype(self, dtype) -> Tensor:
        return self._dispatch(astype, self, dtype)

    def reshape(self, *shape) -> Tensor:
        return self._dispatch(reshape, self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)

    def transpose(self, *axes) -> Tensor:
        return self._dispatch(transpose, self, axes or None)

    def sum(self, axis=None, keepdims=False) -> Tensor:
        return self._dispatch(sum, self, axis, keepdims)

    def mean(self, axis=None, keepdims=False) -> Tensor:
        return self._dispatch(mean, self, axis, keepdims)

    def max(self, axis=None, keepdims=False) -> Tensor:
        return self._dispatch(max, self, axis, keepdims)

    def min(self, axis=None, keepdims=False) -> Tensor:
        return self._dispatch(min, self, axis, keepdims)

    def _dispatch(self, fn, *args):
        """How this tensor's operators and methods run ``fn``: here, recording ops. (A ``tfc.Variable``
        used outside any trace runs them eagerly instead.)"""
        return fn(*args)


# ---------------------------------------------------------------------------------------------
# Recording ops


def emit(name: str, operands: Sequence[Tensor], attributes=None, result_types=None, weak: bool = False) -> Tensor:
    """Record core op ``name`` on ``operands`` as they are (no promotion, no broadcasting); its one result.

    >>> emit("tfc.reverse", [x], {"dimensions": (0,)})   # doctest: +SKIP
    """
    return emit_results(name, operands, attributes, result_types, weak)[0]


def emit_results(name: str, operands: Sequence[Tensor], attributes=None, result_types=None, weak: bool = False) -> list[Tensor]:
    """Like :func:`emit`, for ops with several results (or none)."""
    trace = operands[0].trace if operands else current_trace()
    if trace is None:
        fail(f"'{name}' needs an active trace (inside @tfc.compile or a graph)")
    op = trace.emit(name, [t.value for t in operands], attributes, result_types)
    return [Tensor(r, trace, weak) for r in op.results]


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
        trace.reused_constants.add(key)
        return cached
    op = trace.emit("tfc.constant", [], {"value": DenseElementsAttr.from_array(array)})
    tensor = Tensor(op.result, trace, weak)
    trace.constants[key] = tensor
    return tensor


def _visible(trace: Trace, tensor: Tensor) -> bool:
    """Constants are reused only within the block that defined them (or its enclosing ones)."""
    owner = getattr(tensor.value, "op", None)
    block = owner.parent if owner is not None else None
    return builtins.any(b.block is block for b in trace.builders)


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
        return builtins.all(_is_tensor_like(v) for v in value)
    return hasattr(value, "__array__") and hasattr(value, "shape") and hasattr(value, "dtype")


def as_dtype(dtype) -> DType:
    """A tfc DType from a DType or anything numpy accepts as a dtype."""
    if isinstance(dtype, DType):
        return dtype
    try:
        return DType.from_numpy(dtype)
    except ValueError as err:
        fail(str(err))


# ---------------------------------------------------------------------------------------------
# Dtypes and broadcasting


def astype(x, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (a tfc.DType or anything numpy accepts as a dtype)."""
    x = to_tensor(x)
    dtype = as_dtype(dtype)
    if x.dtype == dtype:
        return x
    literal = _weak_literal(x)
    if literal is not None:  # a Python literal takes its final dtype at trace time, as in JAX
        _erase_if_unused(x)
        return constant(x.trace, literal.astype(dtype.numpy), dtype)
    return emit("tfc.convert", [x], result_types=[x.type.with_dtype(dtype)])


def _erase_if_unused(x: Tensor) -> None:
    """Erase the literal constant ``x`` that its conversion replaces, when nothing uses it and the
    cache never handed it to another caller (which may still hold it, to use later: a loop bound)."""
    keys = [k for k, cached in x.trace.constants.items() if cached is x]
    if x.value.has_uses or not x.trace.reused_constants.isdisjoint(keys):
        return
    for key in keys:  # never handed out again
        del x.trace.constants[key]
    x.value.op.erase()


def _weak_literal(x: Tensor):
    """The value of ``x`` if it is a weakly typed constant (a Python number or list), else None."""
    op = getattr(x.value, "op", None)
    if x.weak and op is not None and op.name == "tfc.constant":
        return op.attr("value")
    return None


def broadcast_to(x, shape) -> Tensor:
    """``x`` broadcast to ``shape`` with numpy's rules."""
    x = to_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if broadcast_shapes(x.shape, shape) != shape:
        fail(f"cannot broadcast shape {shape_text(x.shape)} to {shape_text(shape)}")
    dims = tuple(range(len(shape) - x.ndim, len(shape)))
    return emit("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": dims}, [TensorType(x.dtype, shape)], x.weak)


def unify(*values) -> list[Tensor]:
    """Tensors of one promoted dtype and one broadcast shape."""
    tensors = [to_tensor(v) for v in values]
    dtype, weak = tensors[0].dtype, tensors[0].weak
    for t in tensors[1:]:
        dtype = promote(dtype, weak, t.dtype, t.weak)
        weak = weak and t.weak
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return [broadcast_to(astype(t, dtype), shape) for t in tensors]


# ---------------------------------------------------------------------------------------------
# Elementwise arithmetic, comparisons and logic


def _binary(name: str, a, b) -> Tensor:
    x, y = unify(a, b)
    return emit(name, [x, y], weak=x.weak and y.weak)


def add(x, y) -> Tensor:
    return _binary("tfc.add", x, y)


def subtract(x, y) -> Tensor:
    return _binary("tfc.subtract", x, y)


def multiply(x, y) -> Tensor:
    return _binary("tfc.multiply", x, y)


def power(x, y) -> Tensor:
    return _binary("tfc.power", x, y)


def maximum(x, y) -> Tensor:
    return _binary("tfc.maximum", x, y)


def minimum(x, y) -> Tensor:
    return _binary("tfc.minimum", x, y)


def divide(x, y) -> Tensor:
    """True division: integers are converted to f32 first, as numpy's ``/`` would give a float."""
    x, y = unify(x, y)
    if not x.dtype.is_inexact:
        x, y = astype(x, DType.f32), astype(y, DType.f32)
    return emit("tfc.divide", [x, y], weak=x.weak and y.weak)


def remainder(x, y) -> Tensor:
    """Python's and numpy's ``%``: the result takes the divisor's sign (``-7 % 3 == 2``), for ints and floats."""
    x, y = unify(x, y)
    truncated = emit("tfc.remainder", [x, y], weak=x.weak and y.weak)
    if x.dtype.is_unsigned_int or x.dtype is DType.bool:
        return truncated
    floored = where(_needs_floor_fix(truncated, y), add(truncated, y), truncated)
    if not x.dtype.is_inexact:
        return floored
    return where(equal(floored, 0), where(less(y, 0), -0.0, 0.0), floored)  # a zero takes the divisor's sign too


def _needs_floor_fix(truncated: Tensor, y: Tensor) -> Tensor:
    """Where a truncated remainder is not zero and its sign differs from the divisor's."""
    zero = zeros_like(truncated)
    return logical_and(not_equal(truncated, zero), not_equal(less(truncated, zero), less(y, zero)))


def floor_divide(x, y) -> Tensor:
    """Python's and numpy's ``//``: rounds toward -inf, so ``x == (x // y) * y + x % y``."""
    x, y = unify(x, y)
    if x.dtype.is_unsigned_int or x.dtype is DType.bool:
        return emit("tfc.divide", [x, y])
    truncated = emit("tfc.remainder", [x, y])
    if not x.dtype.is_inexact:  # XLA's division truncates: one less where the signs differ and it is inexact
        quotient = emit("tfc.divide", [x, y])
        return where(_needs_floor_fix(truncated, y), subtract(quotient, 1), quotient)
    return _float_floor_divide(x, y, truncated)


def _float_floor_divide(x: Tensor, y: Tensor, truncated: Tensor) -> Tensor:
    """numpy's float floor division (its divmod): exact multiples give exact quotients, unlike floor(x / y)."""
    div = divide(subtract(x, truncated), y)
    div = where(_needs_floor_fix(truncated, y), subtract(div, 1), div)
    floored = floor(div)
    floored = where(greater(subtract(div, floored), 0.5), add(floored, 1), floored)
    quotient = divide(x, y)
    result = where(equal(div, 0), multiply(zeros_like(quotient), quotient), floored)  # a zero takes x / y's sign
    return where(equal(y, 0), quotient, result)  # x // 0 is x / 0 (inf or nan), as numpy gives


def floor(x) -> Tensor:
    x = to_tensor(x)
    return emit("tfc.floor", [x if x.dtype.is_inexact else astype(x, DType.f32)])


def negative(x) -> Tensor:
    x = to_tensor(x)
    return emit("tfc.negate", [x], weak=x.weak)


def abs(x) -> Tensor:
    x = to_tensor(x)
    return emit("tfc.abs", [x], weak=x.weak) if x.dtype is not DType.bool and not x.dtype.is_unsigned_int else x


def _compare(direction: str, x, y) -> Tensor:
    x, y = unify(x, y)
    return emit("tfc.compare", [x, y], {"comparison_direction": direction})


def equal(x, y) -> Tensor:
    return _compare("EQ", x, y)


def not_equal(x, y) -> Tensor:
    return _compare("NE", x, y)


def less(x, y) -> Tensor:
    return _compare("LT", x, y)


def less_equal(x, y) -> Tensor:
    return _compare("LE", x, y)


def greater(x, y) -> Tensor:
    return _compare("GT", x, y)


def greater_equal(x, y) -> Tensor:
    return _compare("GE", x, y)


def _logical(name: str, x, y) -> Tensor:
    x, y = unify(x, y)
    if not (x.dtype is DType.bool or x.dtype.is_int):
        fail(f"{name} needs bool or integer operands, got {x.dtype.value}")
    return emit(f"tfc.{name}", [x, y])


def logical_and(x, y) -> Tensor:
    return _logical("and", x, y)


def logical_or(x, y) -> Tensor:
    return _logical("or", x, y)


def logical_xor(x, y) -> Tensor:
    return _logical("xor", x, y)


def logical_not(x) -> Tensor:
    return emit("tfc.not", [to_tensor(x)])


def where(condition, x, y) -> Tensor:
    """Elementwise ``x if condition else y``, with broadcasting."""
    condition = to_tensor(condition)
    if condition.dtype is not DType.bool:
        condition = not_equal(condition, 0)
    x, y = unify(x, y)
    shape = broadcast_shapes(condition.shape, x.shape)
    return emit("tfc.select", [broadcast_to(condition, shape), broadcast_to(x, shape), broadcast_to(y, shape)])


def zeros_like(x) -> Tensor:
    return _filled_like(x, 0)


def ones_like(x) -> Tensor:
    return _filled_like(x, 1)


def filled(sizes, value, dtype) -> Tensor:
    """``value`` in ``dtype``, of the shape ``sizes`` gives: ints, and i32 scalars for sizes read at run
    time (a ``tfc.dynamic_broadcast_in_dim``; the result's dim is unknown there)."""
    scalar, sizes = astype(value, dtype), [_as_size(s) for s in sizes]
    if builtins.all(isinstance(s, int) for s in sizes):
        return broadcast_to(scalar, tuple(sizes))
    shape = tuple(s if isinstance(s, int) else None for s in sizes)
    return emit("tfc.dynamic_broadcast_in_dim", [scalar, size_vector(scalar, sizes)], {"broadcast_dimensions": ()},
                [TensorType(scalar.dtype, shape)])


def _filled_like(x, value) -> Tensor:
    """``value`` in ``x``'s dtype and shape; unknown dims take ``x``'s sizes at run time."""
    x = to_tensor(x)
    if None not in x.shape:
        return broadcast_to(astype(value, x.dtype), x.shape)
    return emit("tfc.dynamic_broadcast_in_dim", [astype(value, x.dtype), shape_tensor(x)], {"broadcast_dimensions": ()}, [x.type])


# ---------------------------------------------------------------------------------------------
# Shapes, reductions, products and gathers


def reshape(x, shape) -> Tensor:
    """numpy's reshape, including one ``-1`` dimension. With unknown dims in ``x`` a result dim that
    depends on them is unknown too, and the op is a ``tfc.dynamic_reshape`` whose shape operand
    computes it (a None in ``shape`` is the next unknown dim of ``x``, see ``reshape_sizes``)."""
    x = to_tensor(x)
    if isinstance(shape, Tensor) or (isinstance(shape, (list, tuple)) and builtins.any(isinstance(d, Tensor) for d in shape)):
        return _reshape_to_sizes(x, shape)
    sizes = reshape_sizes(x.shape, shape)
    target = tuple(None if axes else n for axes, n, _ in sizes)
    if target == x.shape:
        return x
    if None not in target:
        return emit("tfc.reshape", [x], result_types=[TensorType(x.dtype, target)], weak=x.weak)
    output_shape = size_vector(x, [size_product(x, axes, n, d) if axes else n for axes, n, d in sizes])
    return emit("tfc.dynamic_reshape", [x, output_shape], result_types=[TensorType(x.dtype, target)], weak=x.weak)


def _reshape_to_sizes(x: Tensor, shape) -> Tensor:
    """reshape to sizes some of which are integer scalar tensors read at run time (``[n, -1]`` with
    ``n = tfc.get_dimension_size(...)``), or to a 1-D integer shape tensor: a ``tfc.dynamic_reshape``."""
    if isinstance(shape, Tensor):
        if shape.ndim != 1 or shape.shape[0] is None or not shape.dtype.is_int:
            fail(f"reshape: a shape tensor must be a 1-D integer tensor of known length, got {shape.type}")
        known = static_value(shape)
        shape = [int(d) for d in known] if known is not None else [getitem(shape, i) for i in range(shape.shape[0])]
    for d in shape:
        if isinstance(d, Tensor) and (d.ndim != 0 or not d.dtype.is_int):
            fail(f"reshape: a size given as a tensor must be an integer scalar, got {d.type}")
    sizes = [_as_size(d) for d in shape]
    if builtins.all(isinstance(d, int) for d in sizes):  # every size known at trace time: a plain reshape
        return reshape(x, sizes)
    inferred = [i for i, d in enumerate(sizes) if isinstance(d, int) and d == -1]
    if len(inferred) > 1:
        fail("reshape: only one dimension can be -1")
    if inferred:
        known = [d for d in x.shape if d is not None]
        total = size_product(x, [a for a, d in enumerate(x.shape) if d is None], int(np.prod(known)))
        for i, d in enumerate(sizes):
            if i != inferred[0]:
                total = emit("tfc.divide", [total, d if isinstance(d, Tensor) else constant(x.trace, np.int32(d))])
        sizes[inferred[0]] = total
    target = tuple(d if isinstance(d, int) else None for d in sizes)
    return emit("tfc.dynamic_reshape", [x, size_vector(x, sizes)], result_types=[TensorType(x.dtype, target)], weak=x.weak)


def dynamic_slice(x, starts, sizes) -> Tensor:
    """``x[starts[d] : starts[d] + sizes[d]]`` per dim, ``starts`` i32 scalars read at run time: a
    ``tfc.dynamic_slice`` (starts clamped so the window fits) when the ``sizes`` are ints; with sizes
    read at run time (i32 scalars, for unknown dims) a ``tfc.real_dynamic_slice`` to ``starts + sizes``,
    which the loader's specialization makes that ``tfc.dynamic_slice`` again once they are known."""
    x = to_tensor(x)
    starts, sizes = [astype(s, DType.i32) for s in starts], [_as_size(s) for s in sizes]
    if builtins.all(isinstance(s, int) for s in sizes):
        return emit("tfc.dynamic_slice", [x, *starts], {"slice_sizes": tuple(sizes)})
    begin, extent = size_vector(x, starts), size_vector(x, sizes)
    limits = emit("tfc.add", [begin, extent])
    shape = tuple(s if isinstance(s, int) else None for s in sizes)
    return emit("tfc.real_dynamic_slice", [x, begin, limits, size_vector(x, [1] * x.ndim)], result_types=[TensorType(x.dtype, shape)])


def _constant_int(t: Tensor):
    """The value of an integer scalar computed from constants alone, else None (a size known only at run time)."""
    value = static_value(t)
    return None if value is None else int(value)


def _as_size(size):
    """A size as an int when it is known at trace time (an int, or a tensor computed from constants), else an i32 scalar."""
    if isinstance(size, (int, np.integer)):
        return int(size)
    known = _constant_int(size)
    return known if known is not None else astype(size, DType.i32)


def static_value(t: Tensor, depth: int = 8):
    """The value of a small integer tensor computed from constants alone (``shape_tensor(x)[0]`` of a
    static ``x``), evaluated by the ops' references; None when it depends on run-time values."""
    op = getattr(t.value, "op", None)
    if op is None or not t.dtype.is_int or None in t.shape or int(np.prod(t.shape)) > 64:
        return None
    if op.name == "tfc.constant":
        return op.attr("value")
    if depth == 0 or op.regions or not op.operands or len(op.results) != 1:
        return None
    arrays = [static_value(Tensor(v, t.trace), depth - 1) for v in op.operands]
    if builtins.any(a is None for a in arrays):
        return None
    if not is_pure(op):
        return None
    from tfc.backends.interp.interpreter import Interpreter  # imported when a size is first given as a tensor

    try:
        return np.asarray(Interpreter(None).evaluate(op, arrays, {})[0])
    except Exception:  # noqa: BLE001 - an op its reference cannot evaluate here: a run-time size
        return None


def dimension_size(x, axis: int) -> Tensor:
    """The size of ``x``'s dim ``axis`` as an i32 scalar: a constant, or a ``tfc.get_dimension_size``
    when the dim is unknown (None) at trace time."""
    x = to_tensor(x)
    if x.shape[axis] is not None:
        return constant(x.trace, np.int32(x.shape[axis]))
    return emit("tfc.get_dimension_size", [x], {"dimension": axis % x.ndim})


def size_product(x, axes, numerator: int = 1, denominator: int = 1) -> Tensor:
    """The product of ``x``'s dims ``axes``, times ``numerator // denominator``, as an i32 scalar."""
    x = to_tensor(x)
    size = None if numerator == 1 else constant(x.trace, np.int32(numerator))
    for a in axes:
        dim = dimension_size(x, a)
        size = dim if size is None else emit("tfc.multiply", [size, dim])
    if size is None:
        return constant(x.trace, np.int32(1))
    return size if denominator == 1 else emit("tfc.divide", [size, constant(x.trace, np.int32(denominator))])


def size_vector(x: Tensor, sizes) -> Tensor:
    """A 1-D i32 tensor of ``sizes`` (ints and i32 scalars), in ``x``'s trace: a shape operand."""
    if builtins.all(isinstance(s, int) for s in sizes):
        return constant(x.trace, np.asarray(sizes, np.int32).reshape(len(sizes)))
    parts = [constant(x.trace, np.asarray([s], np.int32)) if isinstance(s, int)
             else emit("tfc.reshape", [s], result_types=[TensorType(DType.i32, (1,))]) for s in sizes]
    return parts[0] if len(parts) == 1 else emit("tfc.concatenate", parts, {"dimension": 0})


def shape_tensor(x) -> Tensor:
    """``x``'s shape as a 1-D i32 tensor (unknown dims read at run time): what gradient rules of ops
    with unknown dims reshape to."""
    x = to_tensor(x)
    return size_vector(x, [d if d is not None else dimension_size(x, a) for a, d in enumerate(x.shape)])


def transpose(x, axes=None) -> Tensor:
    x = to_tensor(x)
    perm = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    if sorted(perm) != list(range(x.ndim)):
        fail(f"axes {list(axes)} are not a permutation of the {x.ndim} dimensions")
    if perm == tuple(range(x.ndim)):
        return x
    return emit("tfc.transpose", [x], {"permutation": perm})


def _reduce(kind: str, x, axis, keepdims: bool) -> Tensor:
    x = to_tensor(x)
    axes = axes_of(axis, x.ndim)
    if kind in ("and", "or") and x.dtype is not DType.bool:
        x = not_equal(x, 0)
    out = emit("tfc.reduce", [x], {"dimensions": axes, "kind": kind})
    if keepdims:
        out = reshape(out, tuple(1 if a in axes else d for a, d in enumerate(x.shape)))
    return out


def sum(x, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("sum", x, axis, keepdims)


def prod(x, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("prod", x, axis, keepdims)


def max(x, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("max", x, axis, keepdims)


def min(x, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("min", x, axis, keepdims)


def all(x, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("and", x, axis, keepdims)


def any(x, axis=None, keepdims: bool = False) -> Tensor:
    return _reduce("or", x, axis, keepdims)


def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    x = to_tensor(x)
    x = x if x.dtype.is_inexact else astype(x, DType.f32)
    axes = axes_of(axis, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes if x.shape[a] is not None]))
    unknown = [a for a in axes if x.shape[a] is None]
    if unknown:  # the count of an unknown dim is read at run time, in x's dtype as a literal would be
        count = astype(size_product(x, unknown, count), x.dtype)
    return divide(_reduce("sum", x, axis, keepdims), count)


def matmul(a, b) -> Tensor:
    """numpy.matmul: 1-D operands are promoted to matrices, leading dimensions broadcast as a batch."""
    a, b = to_tensor(a), to_tensor(b)
    dtype = promote(a.dtype, a.weak, b.dtype, b.weak)
    a, b = astype(a, dtype), astype(b, dtype)
    if a.ndim == 0 or b.ndim == 0:
        fail("matmul needs operands of rank >= 1; use * for scalars")
    squeeze_a, squeeze_b = a.ndim == 1, b.ndim == 1
    if squeeze_a:
        a = reshape(a, (1,) + a.shape)
    if squeeze_b:
        b = reshape(b, b.shape + (1,))
    if a.shape[-1] != b.shape[-2] and None not in (a.shape[-1], b.shape[-2]):
        fail(f"matmul: contracting dimensions differ: {shape_text(a.shape)} @ {shape_text(b.shape)}")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = broadcast_to(a, batch + a.shape[-2:])
    b = broadcast_to(b, batch + b.shape[-2:])
    nb = len(batch)
    dims = {
        "lhs_batching_dimensions": tuple(range(nb)),
        "rhs_batching_dimensions": tuple(range(nb)),
        "lhs_contracting_dimensions": (nb + 1,),
        "rhs_contracting_dimensions": (nb,),
    }
    out = emit("tfc.dot_general", [a, b], dims)
    if squeeze_a:
        out = reshape(out, out.shape[:-2] + out.shape[-1:])
    if squeeze_b:
        out = reshape(out, out.shape[:-1])
    return out


def take(x, indices, axis: int = 0) -> Tensor:
    """``x`` indexed along ``axis`` by integer ``indices`` (out-of-range indices are clamped, as in XLA)."""
    x, indices = to_tensor(x), to_tensor(indices)
    if not indices.dtype.is_int:
        fail(f"indices must be integers, got {indices.dtype.value}")
    axis = axis % x.ndim
    unknown = [d for d, size in enumerate(x.shape) if size is None and d != axis]
    if unknown:
        return _take_with_unknown_dims(x, indices, axis, unknown)
    index_vector = reshape(indices, indices.shape + (1,))
    attributes = {
        "offset_dims": tuple(d if d < axis else d - 1 + indices.ndim for d in range(x.ndim) if d != axis),
        "collapsed_slice_dims": (axis,),
        "start_index_map": (axis,),
        "index_vector_dim": indices.ndim,
        "slice_sizes": tuple(1 if d == axis else s for d, s in enumerate(x.shape)),
    }
    result_shape = x.shape[:axis] + indices.shape + x.shape[axis + 1 :]
    return emit("tfc.gather", [x, index_vector], attributes, [TensorType(x.dtype, result_shape)])


def _take_with_unknown_dims(x: Tensor, indices: Tensor, axis: int, unknown: list) -> Tensor:
    """``take`` when dims other than ``axis`` are unknown: a gather's slice_sizes are static, so those
    dims are indexed too (slices of 1), by coordinates from ``tfc.dynamic_iota`` beside the indices
    broadcast by ``tfc.dynamic_broadcast_in_dim``; the result is laid out as ``take``'s."""
    before, after = [u for u in unknown if u < axis], [u for u in unknown if u > axis]
    batch = [x.shape[u] for u in before] + list(indices.shape) + [x.shape[u] for u in after] + [1]
    sizes = [dimension_size(x, u) for u in before] + [dimension_size(indices, d) for d in range(indices.ndim)]
    shape = size_vector(x, [*sizes, *(dimension_size(x, u) for u in after), 1])
    coordinates = {axis: emit("tfc.dynamic_broadcast_in_dim", [indices, shape], {"broadcast_dimensions": tuple(range(len(before), len(before) + indices.ndim))},
                              [TensorType(indices.dtype, tuple(batch))])}
    positions = [*range(len(before)), *range(len(before) + indices.ndim, len(batch) - 1)]
    for u, p in zip(before + after, positions):
        coordinates[u] = emit("tfc.dynamic_iota", [shape], {"iota_dimension": p}, [TensorType(indices.dtype, tuple(batch))])
    collapsed = tuple(sorted(coordinates))
    index_vectors = emit("tfc.concatenate", [coordinates[d] for d in collapsed], {"dimension": len(batch) - 1})
    attributes = {
        "offset_dims": tuple(d if d < axis else d - 1 + indices.ndim for d in range(x.ndim) if d not in coordinates),
        "collapsed_slice_dims": collapsed,
        "start_index_map": collapsed,
        "index_vector_dim": len(batch) - 1,
        "slice_sizes": tuple(1 if d in coordinates else s for d, s in enumerate(x.shape)),
    }
    result_shape = x.shape[:axis] + indices.shape + x.shape[axis + 1 :]
    return emit("tfc.gather", [x, index_vectors], attributes, [TensorType(x.dtype, result_shape)])


# ---------------------------------------------------------------------------------------------
# Indexing: ints, slices (any step), None, ... and one integer array


def getitem(x: Tensor, index) -> Tensor:
    """numpy's basic indexing (reverse + slice + reshape) or one integer-array index (a gather).
    Boolean masks have data-dependent shapes and are rejected."""
    index = index if isinstance(index, tuple) else (index,)
    arrays = [i for i, ix in enumerate(index) if _is_array_index(ix)]
    if arrays:
        return _advanced(x, index, arrays)
    return _basic(x, expand_ellipsis(index, x.ndim))


def _is_array_index(ix) -> bool:
    return isinstance(ix, (Tensor, np.ndarray, list)) or (hasattr(ix, "__array__") and hasattr(ix, "dtype"))


def _basic(x: Tensor, index: tuple) -> Tensor:
    for ix in index:
        if not (ix is None or isinstance(ix, slice) or (isinstance(ix, (int, np.integer)) and not isinstance(ix, bool))):
            fail(f"unsupported index {ix!r} of type {type(ix).__name__}; expected int, slice, None, ... or an integer array")
    starts, limits, strides, reversed_dims, shape = slice_plan(x.shape, index)
    if reversed_dims:
        x = emit("tfc.reverse", [x], {"dimensions": reversed_dims})
    if None in starts:
        x = _slice_unknown(x, [ix for ix in index if ix is not None], starts, limits, strides, reversed_dims)
    elif starts != (0,) * x.ndim or limits != x.shape or strides != (1,) * x.ndim:
        x = emit("tfc.slice", [x], {"start_indices": starts, "limit_indices": limits, "strides": strides})
    return reshape(x, shape)


def _slice_unknown(x: Tensor, index: list, starts, limits, strides, reversed_dims) -> Tensor:
    """A ``tfc.real_dynamic_slice``: the bounds of unknown dims computed from their sizes as numpy's
    ``slice.indices`` does (in reversed coordinates where ``reversed_dims``); an int index takes one."""
    starts, limits, shape = list(starts), list(limits), []
    for d, ix in enumerate(index):
        if starts[d] is not None:
            shape.append(-(-(limits[d] - starts[d]) // strides[d]))
            continue
        n = dimension_size(x, d)
        if not isinstance(ix, slice):
            i = int(ix)
            starts[d] = constant(x.trace, np.int32(i)) if i >= 0 else emit("tfc.add", [n, constant(x.trace, np.int32(i))])
            limits[d] = emit("tfc.add", [starts[d], constant(x.trace, np.int32(1))])
            shape.append(1)
            continue
        start = _slice_bound(x, n, ix.start, d in reversed_dims, at_end=False)
        stop = _slice_bound(x, n, ix.stop, d in reversed_dims, at_end=True)
        starts[d], limits[d] = start, emit("tfc.maximum", [stop, start])
        shape.append(None)
    bounds = [size_vector(x, values) for values in (starts, limits, list(strides))]
    return emit("tfc.real_dynamic_slice", [x, *bounds], result_types=[TensorType(x.dtype, tuple(shape))], weak=x.weak)


def _slice_bound(x: Tensor, n: Tensor, value, reverse: bool, at_end: bool) -> Tensor:
    """numpy's clamped start (``at_end`` False) or stop of a slice of a dim of size ``n`` (an i32
    scalar); with ``reverse``, a negative step's bound in the reversed dim's coordinates."""
    def const(v):
        return constant(x.trace, np.int32(v))

    if value is None:
        return n if at_end else const(0)
    value = int(value)
    if not reverse:
        if value >= 0:
            return emit("tfc.minimum", [const(value), n])
        return emit("tfc.maximum", [emit("tfc.add", [n, const(value)]), const(0)])
    if value >= 0:
        return emit("tfc.maximum", [emit("tfc.subtract", [n, const(value + 1)]), const(0)])
    return emit("tfc.minimum", [const(-value - 1), n])


def _advanced(x: Tensor, index: tuple, arrays: list[int]) -> Tensor:
    if len(arrays) != 1 or builtins.any(not (isinstance(ix, slice) and ix == slice(None)) for i, ix in enumerate(index) if i != arrays[0]):
        fail("only one integer-array index combined with full slices (':') is supported")
    indices = to_tensor(index[arrays[0]])
    if indices.dtype is DType.bool:
        fail("boolean mask indexing gives a data-dependent shape; use tfc.where instead")
    if not indices.dtype.is_int:
        fail(f"array indices must be integers, got {indices.dtype.value}")
    size = x.shape[arrays[0]]
    if size is None:
        size = astype(dimension_size(x, arrays[0]), indices.dtype)
    wrapped = where(less(indices, 0), add(indices, size), indices)  # numpy's negative indices
    return take(x, wrapped, axis=arrays[0])


__all__ = [
    "Tensor",
    "abs",
    "add",
    "all",
    "any",
    "as_dtype",
    "astype",
    "broadcast_to",
    "constant",
    "dimension_size",
    "divide",
    "dynamic_slice",
    "emit",
    "emit_results",
    "equal",
    "filled",
    "floor",
    "floor_divide",
    "getitem",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "multiply",
    "negative",
    "not_equal",
    "ones_like",
    "power",
    "prod",
    "remainder",
    "reshape",
    "shape_tensor",
    "size_product",
    "size_vector",
    "static_value",
    "subtract",
    "sum",
    "take",
    "to_tensor",
    "transpose",
    "unify",
    "where",
    "zeros_like",
]
