"""The numpy-like functions of ``tfc.*`` and the operators of traced tensors.

Each function records core ops into the active trace. Called outside any trace (eagerly) it is
compiled for its argument signature and run on XLA like a one-op ``@tfc.compile`` function, and
returns numpy arrays. Broadcasting and dtype promotion happen here, at trace time, as explicit
``tfc.broadcast_in_dim`` and ``tfc.convert`` ops, so the core ops never broadcast implicitly.
"""

from __future__ import annotations

import builtins
import functools
from typing import Sequence

import numpy as np

from tfc.diagnostics import TraceError
from tfc.types import DType, TensorType

from .promotion import promote
from .tracing import Tensor, constant, current_trace, to_tensor, user_location

# ---------------------------------------------------------------------------------------------
# Plumbing


def traceable(fn):
    """Make ``fn`` work both inside a trace (records ops) and eagerly (compiles and runs it)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if current_trace() is None:
            from .compile import eager_call

            return eager_call(fn, args, kwargs)
        return fn(*args, **kwargs)

    return wrapper


def _emit(name: str, operands: Sequence[Tensor], attributes=None, result_types=None, weak=False) -> Tensor:
    trace = operands[0].trace if operands else current_trace()
    op = trace.emit(name, [t.value for t in operands], attributes, result_types)
    return Tensor(op.result, trace, weak)


def _fail(message: str):
    trace = current_trace()
    raise TraceError(message, trace.location if trace is not None and trace.location else user_location())


def astype(x, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (a tfc.DType or anything numpy accepts as a dtype)."""
    x = to_tensor(x)
    dtype = as_dtype(dtype)
    if x.dtype == dtype:
        return x
    literal = _weak_literal(x)
    if literal is not None:  # a Python literal takes its final dtype at trace time, as in JAX
        if not x.value.has_uses:
            _forget_constant(x)
            x.value.op.erase()
        return constant(x.trace, literal.astype(dtype.numpy), dtype)
    return _emit("tfc.convert", [x], result_types=[x.type.with_dtype(dtype)])


def _forget_constant(x: Tensor) -> None:
    """Drop ``x`` from the trace's constant cache before erasing it, so it is never handed out again."""
    for key in [k for k, cached in x.trace.constants.items() if cached is x]:
        del x.trace.constants[key]


def _weak_literal(x: Tensor):
    """The value of ``x`` if it is a weakly typed constant (a Python number or list), else None."""
    op = getattr(x.value, "op", None)
    if x.weak and op is not None and op.name == "tfc.constant":
        return op.attr("value")
    return None


def as_dtype(dtype) -> DType:
    if isinstance(dtype, DType):
        return dtype
    try:
        return DType.from_numpy(dtype)
    except ValueError as err:
        _fail(str(err))


def broadcast_shapes(*shapes) -> tuple:
    """numpy's broadcasting rule, with a TraceError naming both shapes when it fails."""
    rank = builtins.max(len(s) for s in shapes)
    result = []
    for dims in zip(*[(1,) * (rank - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            _fail(f"shapes {' and '.join(str(list(s)) for s in shapes)} cannot be broadcast together")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def broadcast_to(x, shape) -> Tensor:
    """``x`` broadcast to ``shape`` with numpy's rules."""
    x = to_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if broadcast_shapes(x.shape, shape) != shape:
        _fail(f"cannot broadcast shape {list(x.shape)} to {list(shape)}")
    dims = tuple(range(len(shape) - x.ndim, len(shape)))
    return _emit("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": dims}, [TensorType(x.dtype, shape)], x.weak)


def _unify(*values) -> list[Tensor]:
    """Tensors of one promoted dtype and one broadcast shape."""
    tensors = [to_tensor(v) for v in values]
    dtype, weak = tensors[0].dtype, tensors[0].weak
    for t in tensors[1:]:
        dtype = promote(dtype, weak, t.dtype, t.weak)
        weak = weak and t.weak
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return [broadcast_to(astype(t, dtype), shape) for t in tensors]


def _binary(name: str, a, b, **attributes) -> Tensor:
    x, y = _unify(a, b)
    return _emit(name, [x, y], attributes or None, weak=x.weak and y.weak)


def _float(x) -> Tensor:
    """Integers and bools become f32 for transcendental functions (as in numpy/jax)."""
    x = to_tensor(x)
    return x if x.dtype.is_inexact else astype(x, DType.f32)


def _unary_float(name: str):
    def fn(x):
        return _emit(name, [_float(x)])

    return fn


def _axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    normalized = []
    for a in axes:
        if not -ndim <= a < ndim:
            _fail(f"axis {a} is out of range for a tensor of rank {ndim}")
        normalized.append(a % ndim)
    if len(set(normalized)) != len(normalized):
        _fail(f"repeated axis in {axis}")
    return tuple(sorted(normalized))


# ---------------------------------------------------------------------------------------------
# Elementwise math

add = traceable(lambda x, y: _binary("tfc.add", x, y))
subtract = traceable(lambda x, y: _binary("tfc.subtract", x, y))
multiply = traceable(lambda x, y: _binary("tfc.multiply", x, y))
maximum = traceable(lambda x, y: _binary("tfc.maximum", x, y))
minimum = traceable(lambda x, y: _binary("tfc.minimum", x, y))
power = traceable(lambda x, y: _binary("tfc.power", x, y))
remainder = traceable(lambda x, y: _binary("tfc.remainder", x, y))


@traceable
def divide(x, y) -> Tensor:
    """True division: integers are converted to f32 first, as numpy's ``/`` would give a float."""
    x, y = _unify(x, y)
    if not x.dtype.is_inexact:
        x, y = astype(x, DType.f32), astype(y, DType.f32)
    return _emit("tfc.divide", [x, y], weak=x.weak and y.weak)


@traceable
def floor_divide(x, y) -> Tensor:
    x, y = _unify(x, y)
    if x.dtype.is_inexact:
        return floor(_emit("tfc.divide", [x, y]))
    # Integer floor division from XLA's truncating division: subtract one when signs differ and it is inexact.
    quotient = _emit("tfc.divide", [x, y])
    remainder_ = _emit("tfc.remainder", [x, y])
    zero = broadcast_to(astype(0, x.dtype), x.shape)
    inexact = _emit("tfc.compare", [remainder_, zero], {"comparison_direction": "NE"})
    signs_differ = _emit("tfc.compare", [_emit("tfc.compare", [x, zero], {"comparison_direction": "LT"}),
                                          _emit("tfc.compare", [y, zero], {"comparison_direction": "LT"})],
                         {"comparison_direction": "NE"})
    adjust = _emit("tfc.and", [inexact, signs_differ])
    one = broadcast_to(astype(1, x.dtype), x.shape)
    return where(adjust, _emit("tfc.subtract", [quotient, one]), quotient)


@traceable
def negative(x) -> Tensor:
    x = to_tensor(x)
    return _emit("tfc.negate", [x], weak=x.weak)


@traceable
def abs(x) -> Tensor:  # noqa: A001 - mirrors numpy's name
    x = to_tensor(x)
    return _emit("tfc.abs", [x], weak=x.weak) if x.dtype is not DType.bool and not x.dtype.is_unsigned_int else x


@traceable
def sign(x) -> Tensor:
    return _emit("tfc.sign", [to_tensor(x)])


exp = traceable(_unary_float("tfc.exp"))
expm1 = traceable(_unary_float("tfc.expm1"))
log = traceable(_unary_float("tfc.log"))
log1p = traceable(_unary_float("tfc.log1p"))
sqrt = traceable(_unary_float("tfc.sqrt"))
rsqrt = traceable(_unary_float("tfc.rsqrt"))
tanh = traceable(_unary_float("tfc.tanh"))
sigmoid = traceable(_unary_float("tfc.logistic"))
sin = traceable(_unary_float("tfc.sine"))
cos = traceable(_unary_float("tfc.cosine"))
tan = traceable(_unary_float("tfc.tan"))
erf = traceable(_unary_float("tfc.erf"))
floor = traceable(_unary_float("tfc.floor"))
ceil = traceable(_unary_float("tfc.ceil"))
round = traceable(_unary_float("tfc.round_nearest_even"))  # noqa: A001
isfinite = traceable(_unary_float("tfc.is_finite"))


@traceable
def square(x) -> Tensor:
    x = to_tensor(x)
    return _emit("tfc.multiply", [x, x], weak=x.weak)


@traceable
def relu(x) -> Tensor:
    """max(x, 0)."""
    return maximum(x, 0)


@traceable
def relu6(x) -> Tensor:
    return minimum(maximum(x, 0), 6)


# ---- comparisons and logic


def _compare(direction: str):
    def fn(x, y):
        x, y = _unify(x, y)
        return _emit("tfc.compare", [x, y], {"comparison_direction": direction})

    return traceable(fn)


equal, not_equal = _compare("EQ"), _compare("NE")
less, less_equal = _compare("LT"), _compare("LE")
greater, greater_equal = _compare("GT"), _compare("GE")


def _logical(name: str):
    def fn(x, y):
        x, y = _unify(x, y)
        if not (x.dtype is DType.bool or x.dtype.is_int):
            _fail(f"{name} needs bool or integer operands, got {x.dtype.value}")
        return _emit(f"tfc.{name}", [x, y])

    return traceable(fn)


logical_and, logical_or, logical_xor = _logical("and"), _logical("or"), _logical("xor")


@traceable
def logical_not(x) -> Tensor:
    return _emit("tfc.not", [to_tensor(x)])


@traceable
def where(condition, x, y) -> Tensor:
    """Elementwise ``x if condition else y``, with broadcasting."""
    condition = to_tensor(condition)
    if condition.dtype is not DType.bool:
        condition = not_equal(condition, 0)
    x, y = _unify(x, y)
    shape = broadcast_shapes(condition.shape, x.shape)
    return _emit("tfc.select", [broadcast_to(condition, shape), broadcast_to(x, shape), broadcast_to(y, shape)])


@traceable
def clip(x, lo, hi) -> Tensor:
    return minimum(maximum(x, lo), hi)


# ---------------------------------------------------------------------------------------------
# Shapes


@traceable
def reshape(x, shape) -> Tensor:
    """numpy's reshape, including one ``-1`` dimension."""
    x = to_tensor(x)
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    if shape.count(-1) > 1:
        _fail(f"reshape to {list(shape)}: only one dimension can be -1")
    total = x.size
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1]))
        if known == 0 or total % known:
            _fail(f"cannot reshape {list(x.shape)} to {list(shape)}")
        shape = tuple(total // known if d == -1 else d for d in shape)
    if int(np.prod(shape)) != total:
        _fail(f"cannot reshape {list(x.shape)} ({total} elements) to {list(shape)}")
    if shape == x.shape:
        return x
    return _emit("tfc.reshape", [x], result_types=[TensorType(x.dtype, shape)], weak=x.weak)


@traceable
def transpose(x, axes=None) -> Tensor:
    x = to_tensor(x)
    perm = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    if sorted(perm) != list(range(x.ndim)):
        _fail(f"axes {list(axes)} are not a permutation of the {x.ndim} dimensions")
    if perm == tuple(range(x.ndim)):
        return x
    return _emit("tfc.transpose", [x], {"permutation": perm})


@traceable
def expand_dims(x, axis: int) -> Tensor:
    x = to_tensor(x)
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


@traceable
def squeeze(x, axis=None) -> Tensor:
    x = to_tensor(x)
    axes = [a for a, d in enumerate(x.shape) if d == 1] if axis is None else _axes(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            _fail(f"cannot squeeze axis {a} of size {x.shape[a]}")
    return reshape(x, tuple(d for a, d in enumerate(x.shape) if a not in axes))


@traceable
def concatenate(values, axis: int = 0) -> Tensor:
    if not values:
        _fail("concatenate needs at least one tensor")
    tensors = [to_tensor(v) for v in values]
    dtype = functools.reduce(lambda d, t: promote(d, False, t.dtype, t.weak), tensors[1:], tensors[0].dtype)
    tensors = [astype(t, dtype) for t in tensors]
    rank = tensors[0].ndim
    if rank == 0:
        _fail("cannot concatenate 0-d tensors")
    return _emit("tfc.concatenate", tensors, {"dimension": axis % rank})


@traceable
def stack(values, axis: int = 0) -> Tensor:
    tensors = [to_tensor(v) for v in values]
    axis = axis % (tensors[0].ndim + 1)
    return concatenate([expand_dims(t, axis) for t in tensors], axis)


@traceable
def zeros_like(x) -> Tensor:
    x = to_tensor(x)
    return broadcast_to(astype(0, x.dtype), x.shape)


@traceable
def ones_like(x) -> Tensor:
    x = to_tensor(x)
    return broadcast_to(astype(1, x.dtype), x.shape)


@traceable
def take(x, indices, axis: int = 0) -> Tensor:
    """``x`` indexed along ``axis`` by integer ``indices`` (out-of-range indices are clamped, as in XLA)."""
    x, indices = to_tensor(x), to_tensor(indices)
    if not indices.dtype.is_int:
        _fail(f"indices must be integers, got {indices.dtype.value}")
    axis = axis % x.ndim
    index_vector = reshape(indices, indices.shape + (1,))
    offset_dims = tuple(d if d < axis else d - 1 + indices.ndim for d in range(x.ndim) if d != axis)
    slice_sizes = tuple(1 if d == axis else s for d, s in enumerate(x.shape))
    result_shape = x.shape[:axis] + indices.shape + x.shape[axis + 1 :]
    return _emit(
        "tfc.gather",
        [x, index_vector],
        {
            "offset_dims": offset_dims,
            "collapsed_slice_dims": (axis,),
            "start_index_map": (axis,),
            "index_vector_dim": indices.ndim,
            "slice_sizes": slice_sizes,
        },
        [TensorType(x.dtype, result_shape)],
    )


@traceable
def pad(x, pad_width, constant_values=0) -> Tensor:
    """numpy.pad with mode='constant'; ``pad_width`` is ((before, after), ...) per dimension."""
    x = to_tensor(x)
    widths = [tuple(p) for p in pad_width] if np.ndim(pad_width) == 2 else [tuple(pad_width)] * x.ndim
    value = astype(constant_values, x.dtype)
    return _emit(
        "tfc.pad",
        [x, value],
        {"edge_padding_low": tuple(w[0] for w in widths), "edge_padding_high": tuple(w[1] for w in widths), "interior_padding": (0,) * x.ndim},
    )


# ---------------------------------------------------------------------------------------------
# Reductions


def _reduce(kind: str, x, axis, keepdims: bool) -> Tensor:
    x = to_tensor(x)
    axes = _axes(axis, x.ndim)
    if kind in ("and", "or") and x.dtype is not DType.bool:
        x = not_equal(x, 0)
    out = _emit("tfc.reduce", [x], {"dimensions": axes, "kind": kind})
    if keepdims:
        out = reshape(out, tuple(1 if a in axes else d for a, d in enumerate(x.shape)))
    return out


sum = traceable(lambda x, axis=None, keepdims=False: _reduce("sum", x, axis, keepdims))  # noqa: A001
prod = traceable(lambda x, axis=None, keepdims=False: _reduce("prod", x, axis, keepdims))
max = traceable(lambda x, axis=None, keepdims=False: _reduce("max", x, axis, keepdims))  # noqa: A001
min = traceable(lambda x, axis=None, keepdims=False: _reduce("min", x, axis, keepdims))  # noqa: A001
all = traceable(lambda x, axis=None, keepdims=False: _reduce("and", x, axis, keepdims))  # noqa: A001
any = traceable(lambda x, axis=None, keepdims=False: _reduce("or", x, axis, keepdims))  # noqa: A001


@traceable
def mean(x, axis=None, keepdims: bool = False) -> Tensor:
    x = _float(x)
    count = int(np.prod([x.shape[a] for a in _axes(axis, x.ndim)]))
    return divide(_reduce("sum", x, axis, keepdims), count)


@traceable
def argmax(x, axis: int = -1, output_type=DType.i32) -> Tensor:
    x = to_tensor(x)
    axis = _axes(axis, x.ndim)[0]
    shape = tuple(d for a, d in enumerate(x.shape) if a != axis)
    return _emit("tfc.argmax", [x], {"axis": axis}, [TensorType(as_dtype(output_type), shape)])


@traceable
def argmin(x, axis: int = -1, output_type=DType.i32) -> Tensor:
    x = to_tensor(x)
    axis = _axes(axis, x.ndim)[0]
    shape = tuple(d for a, d in enumerate(x.shape) if a != axis)
    return _emit("tfc.argmin", [x], {"axis": axis}, [TensorType(as_dtype(output_type), shape)])


@traceable
def cumsum(x, axis: int = 0, reverse: bool = False, exclusive: bool = False) -> Tensor:
    x = to_tensor(x)
    return _emit("tfc.cumsum", [x], {"axis": _axes(axis, x.ndim)[0], "reverse": reverse, "exclusive": exclusive})


@traceable
def sort(x, axis: int = -1, descending: bool = False) -> Tensor:
    x = to_tensor(x)
    op = x.trace.emit("tfc.sort", [x.value], {"dimension": _axes(axis, x.ndim)[0], "descending": descending})
    return Tensor(op.results[0], x.trace)


@traceable
def softmax(x, axis: int = -1) -> Tensor:
    """exp(x - max) / sum(exp(x - max)) along ``axis`` (shifted for stability)."""
    x = _float(x)
    shifted = subtract(x, max(x, axis, keepdims=True))
    e = exp(shifted)
    return divide(e, sum(e, axis, keepdims=True))


@traceable
def log_softmax(x, axis: int = -1) -> Tensor:
    x = _float(x)
    shifted = subtract(x, max(x, axis, keepdims=True))
    return subtract(shifted, log(sum(exp(shifted), axis, keepdims=True)))


@traceable
def one_hot(indices, depth: int, dtype=DType.f32) -> Tensor:
    indices = to_tensor(indices)
    classes = _emit("tfc.iota", [], {"iota_dimension": indices.ndim}, [TensorType(indices.dtype, indices.shape + (depth,))])
    return astype(equal(expand_dims(indices, -1), classes), dtype)


# ---------------------------------------------------------------------------------------------
# Linear algebra


@traceable
def matmul(a, b) -> Tensor:
    """numpy.matmul: 1-D operands are promoted to matrices, leading dimensions broadcast as a batch."""
    a, b = to_tensor(a), to_tensor(b)
    dtype = promote(a.dtype, a.weak, b.dtype, b.weak)
    a, b = astype(a, dtype), astype(b, dtype)
    if a.ndim == 0 or b.ndim == 0:
        _fail("matmul needs operands of rank >= 1; use * for scalars")
    squeeze_a, squeeze_b = a.ndim == 1, b.ndim == 1
    if squeeze_a:
        a = reshape(a, (1,) + a.shape)
    if squeeze_b:
        b = reshape(b, b.shape + (1,))
    if a.shape[-1] != b.shape[-2]:
        _fail(f"matmul: contracting dimensions differ: {list(a.shape)} @ {list(b.shape)}")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = broadcast_to(a, batch + a.shape[-2:])
    b = broadcast_to(b, batch + b.shape[-2:])
    nb = len(batch)
    out = _emit(
        "tfc.dot_general",
        [a, b],
        {
            "lhs_batching_dimensions": tuple(range(nb)),
            "rhs_batching_dimensions": tuple(range(nb)),
            "lhs_contracting_dimensions": (nb + 1,),
            "rhs_contracting_dimensions": (nb,),
        },
    )
    if squeeze_a:
        out = reshape(out, out.shape[:-2] + out.shape[-1:])
    if squeeze_b:
        out = reshape(out, out.shape[:-1])
    return out


@traceable
def dot(a, b) -> Tensor:
    return matmul(a, b)


# ---------------------------------------------------------------------------------------------
# Tensor operators

_REVERSED = {"__radd__": add, "__rsub__": subtract, "__rmul__": multiply, "__rtruediv__": divide,
             "__rfloordiv__": floor_divide, "__rmod__": remainder, "__rpow__": power, "__rmatmul__": matmul,
             "__rand__": logical_and, "__ror__": logical_or, "__rxor__": logical_xor}
_FORWARD = {"__add__": add, "__sub__": subtract, "__mul__": multiply, "__truediv__": divide,
            "__floordiv__": floor_divide, "__mod__": remainder, "__pow__": power, "__matmul__": matmul,
            "__and__": logical_and, "__or__": logical_or, "__xor__": logical_xor,
            "__lt__": less, "__le__": less_equal, "__gt__": greater, "__ge__": greater_equal,
            "__eq__": equal, "__ne__": not_equal}

for _name, _fn in _FORWARD.items():
    setattr(Tensor, _name, (lambda f: lambda self, other: f(self, other))(_fn))
for _name, _fn in _REVERSED.items():
    setattr(Tensor, _name, (lambda f: lambda self, other: f(other, self))(_fn))
Tensor.__neg__ = lambda self: negative(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: abs(self)
Tensor.__invert__ = lambda self: logical_not(self)
Tensor.T = property(lambda self: transpose(self))
Tensor.astype = astype
Tensor.reshape = lambda self, *shape: reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)
Tensor.transpose = lambda self, *axes: transpose(self, axes or None)
Tensor.sum = lambda self, axis=None, keepdims=False: sum(self, axis, keepdims)
Tensor.mean = lambda self, axis=None, keepdims=False: mean(self, axis, keepdims)
Tensor.max = lambda self, axis=None, keepdims=False: max(self, axis, keepdims)
Tensor.min = lambda self, axis=None, keepdims=False: min(self, axis, keepdims)


def _getitem(self: Tensor, index) -> Tensor:
    from .indexing import getitem

    return getitem(self, index)


Tensor.__getitem__ = _getitem

__all__ = [n for n in dir() if not n.startswith("_") and n not in {"annotations", "functools", "operator", "np", "Sequence"}]
