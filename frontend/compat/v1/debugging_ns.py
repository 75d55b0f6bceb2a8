"""tf.debugging: TensorFlow 1's assertions and numeric checks.

An assertion whose operands are constants is decided while the graph is built (an
``InvalidArgumentError`` then, as TensorFlow raises it); otherwise it is an ``Assert`` op. tfc's
compiled programs do not stop on a false ``Assert`` or a ``CheckNumerics`` that sees a NaN, so the
Session checks them: :func:`runtime_checks` finds those a run needs, the run also fetches their
conditions (and data), and :func:`verify` raises TensorFlow's ``InvalidArgumentError`` with
TensorFlow's message when one fails. The check comes after the run: the run's other effects (a
variable update not held back by the assertion) have happened by then.
"""

from __future__ import annotations

import weakref

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.runtime.errors import SessionError
from tfc.types import DType

from . import errors_ns
from .array_ops import group
from .dtypes_ns import dtype_name
from .graph import get_default_graph
from .math_ns import is_finite, is_inf, is_nan  # tf.debugging's are tf.math's
from .math_ops import reduce_all
from .ops import add, add_op, to_tensor
from .tensor import Operation, Tensor

_ASSERT_DATA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Assert op -> its data: strings and input indices
_CHECKED_OPS = ("Assert", "CheckNumerics")


def constant_value(tensor):
    """``tensor``'s value when the graph fixes it (a Const, or the Shape/Rank/Size of a static shape), else None."""
    if not isinstance(tensor, Tensor):
        return None
    op = tensor.op
    if op.type == "Const":
        return np.asarray(op.get_attr("value"))
    source = op.inputs[0].shape if op.inputs else None
    if op.type == "Rank" and source.rank is not None:
        return np.asarray(source.rank, np.int32)
    dims = None if source is None or source.rank is None else source.as_list()
    if dims is None or any(d is None for d in dims):
        return None
    if op.type == "Shape":
        return np.asarray(dims, tensor.dtype.numpy)
    if op.type == "Size":
        return np.asarray(int(np.prod(dims)), tensor.dtype.numpy)
    return None


def Assert(condition, data, summarize=None, name=None):
    """An op that fails the run (InvalidArgumentError, printing ``data``) when ``condition`` is false."""
    with get_default_graph().name_scope(name or "Assert"):
        condition = to_tensor(condition, DType.bool, name="Condition")
        items, tensors = [], []
        for item in data:
            if isinstance(item, (str, bytes)):
                items.append(item.decode() if isinstance(item, bytes) else item)
            else:
                items.append(len(tensors))
                tensors.append(to_tensor(item))
        op = add_op("Assert", [condition, tensors], {"summarize": 3 if summarize is None else int(summarize)}, name="Assert")
    _ASSERT_DATA[op] = items
    return op


def _static_failure(data) -> errors_ns.InvalidArgumentError:
    """TensorFlow's error for an assertion its constants already fail: the data, one item a line."""
    def text(item):
        value = constant_value(item) if isinstance(item, Tensor) else None
        return str(value) if value is not None else str(item)

    return errors_ns.InvalidArgumentError(None, None, "\n".join(text(item) for item in data))


def _binary_assert(sym: str, op_type: str, check, x, y, data, summarize, message, name, default_name: str):
    with get_default_graph().name_scope(name or default_name):
        x = to_tensor(x, name="x")
        y = y if isinstance(y, Tensor) else to_tensor(y, x.dtype, name="y")
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:", f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message, *data]
        condition = reduce_all(add(op_type, [x, y]))
        x_static, y_static = constant_value(x), constant_value(y)
        if x_static is not None and y_static is not None and not np.all(check(x_static, y_static)):
            raise _static_failure(data)
        return Assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Fails unless ``x == y`` element-wise (broadcast)."""
    return _binary_assert("==", "Equal", np.equal, x, y, data, summarize, message, name, "assert_equal")


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Fails unless ``x != y`` element-wise (broadcast)."""
    return _binary_assert("!=", "NotEqual", np.not_equal, x, y, data, summarize, message, name, "assert_none_equal")


def assert_less(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert("<", "Less", np.less, x, y, data, summarize, message, name, "assert_less")


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert("<=", "LessEqual", np.less_equal, x, y, data, summarize, message, name, "assert_less_equal")


def assert_greater(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert(">", "Greater", np.greater, x, y, data, summarize, message, name, "assert_greater")


def assert_greater_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert(">=", "GreaterEqual", np.greater_equal, x, y, data, summarize, message, name, "assert_greater_equal")


def _prefix(message) -> str:
    return f"{message}.  " if message else ""


def _sign_assert(x, data, summarize, message, name, default_name: str, sym: str, compare):
    """``x <sym> 0`` element-wise, as TensorFlow words it (``compare`` puts zero on the right side)."""
    with get_default_graph().name_scope(name or default_name):
        x = to_tensor(x, name="x")
        if data is None:
            data = [_prefix(message), f"Condition x {sym} 0 did not hold element-wise:", f"x ({x.name}) = ", x]
        zero = to_tensor(0, x.dtype)
        return compare(zero, x, data=data, summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert(x, data, summarize, message, name, "assert_positive", ">", assert_less)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert(x, data, summarize, message, name, "assert_non_negative", ">=", assert_less_equal)


def assert_negative(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert(x, data, summarize, message, name, "assert_negative", "<", lambda zero, x, **kw: assert_less(x, zero, **kw))


def assert_non_positive(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert(x, data, summarize, message, name, "assert_non_positive", "<=",
                        lambda zero, x, **kw: assert_less_equal(x, zero, **kw))


def _rank_assert(x, ranks, data, summarize, message, name, what: str):
    """A rank assertion: decided now when ``x``'s rank and ``ranks`` are static (ValueError), else an Assert
    on ``Rank(x)``. ``what`` is "rank", "rank at least" or "rank in"."""
    with get_default_graph().name_scope(name or {"rank": "assert_rank", "rank at least": "assert_rank_at_least"}.get(what, "assert_rank_in")):
        x = to_tensor(x, name="x")
        ranks = to_tensor(ranks, DType.i32, name="rank" if what != "rank in" else "ranks")
        if ranks.dtype is not DType.i32:
            raise TypeError(f"tf.assert_{what.replace(' ', '_')}: the rank must be int32, got {dtype_name(ranks.dtype)}")
        message, static = _prefix(message), constant_value(ranks)
        if data is None:
            data = [message, f"Tensor {x.name} must have {what}", ranks, "Received shape: ", add("Shape", [x], {"out_type": DType.i32})]
        if static is not None and (static.ndim != 0) == (what != "rank in"):
            raise ValueError(f"{'Rank must be a scalar' if what != 'rank in' else 'Ranks must be a vector'}: got {static.tolist()}")
        actual = x.shape.rank
        if static is not None and actual is not None:
            holds = actual == static if what == "rank" else actual >= static if what == "rank at least" else actual in static.tolist()
            if not holds:
                wanted = tuple(np.asarray(r, np.int32) for r in static.tolist()) if what == "rank in" else int(static)  # as TensorFlow prints it
                raise ValueError(f"{message}Tensor {x.name} must have {what} {wanted}.  Received rank {actual}, shape {x.shape}")
            return add_op("NoOp", name="static_checks_determined_all_ok")
        rank = add("Rank", [x])
        op_type = {"rank": "Equal", "rank at least": "GreaterEqual"}.get(what)
        condition = add(op_type, [rank, ranks]) if op_type else add("Any", [add("Equal", [rank, ranks]), to_tensor(0, DType.i32)])
        return Assert(condition, data, summarize=summarize)


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """Fails unless ``x`` has rank ``rank`` (a ValueError when known while building)."""
    return _rank_assert(x, rank, data, summarize, message, name, "rank")


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None, name=None):
    return _rank_assert(x, rank, data, summarize, message, name, "rank at least")


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    return _rank_assert(x, ranks, data, summarize, message, name, "rank in")


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Checks tensors' shapes against specs like ``(x, ('N', 3))``: an int is a size, a string names a
    size that must agree wherever it appears, ``None``/``'.'`` is any size, a leading ``...``/``'*'`` any
    leading dims. Decided while building where shapes are static (ValueError), else Assert ops."""
    prefix = _prefix(message)
    with get_default_graph().name_scope(name or "assert_shapes"):
        specs = [_shape_spec(to_tensor(x), s, prefix) for x, s in (shapes.items() if isinstance(shapes, dict) else shapes) if s is not None]
        rank_checks = [check for check in (_spec_rank_check(spec, data, summarize, message, name) for spec in specs) if check is not None]
        size_checks, named = [], {}
        with get_default_graph().control_dependencies(rank_checks):
            for x, leading, sizes, symbols in specs:
                for i, symbol in enumerate(symbols):
                    if symbol is None or symbol == ".":
                        continue
                    dim = i - len(symbols) if leading else i
                    actual = sizes[dim] if isinstance(sizes, list) else _dim_of(sizes, dim)
                    if not _is_size(symbol) and symbol not in named:
                        named[symbol] = actual, x, dim
                        continue
                    wanted, how = (int(symbol), "Specified explicitly") if _is_size(symbol) else (
                        named[symbol][0], f"Specified by tensor {named[symbol][1].name} dimension {named[symbol][2]}")
                    if isinstance(actual, int) and isinstance(wanted, int):
                        if actual != wanted:
                            raise ValueError(f"{prefix}{how}.  Tensor {x.name} dimension {dim} must have size {wanted}.  "
                                             f"Received size {actual}, shape {x.shape}")
                        continue
                    condition = add("Equal", [to_tensor(actual, DType.i32), to_tensor(wanted, DType.i32)])
                    size_data = data if data is not None else [prefix, how, f"Tensor {x.name} dimension", dim, "must have size", wanted,
                                                               "Received shape: ", add("Shape", [x], {"out_type": DType.i32})]
                    size_checks.append(Assert(condition, size_data, summarize=summarize))
            return group(*size_checks)


def _is_size(symbol) -> bool:
    return isinstance(symbol, (int, np.integer)) or (isinstance(symbol, str) and symbol.isdigit())


def _shape_spec(x: Tensor, spec, prefix: str):
    """(x, whether leading dims are left open, x's sizes (ints where static), the spec's symbols)."""
    if not hasattr(spec, "__iter__") and not hasattr(spec, "__getitem__"):
        raise ValueError(f"{prefix}Tensor {x.name}.  Specified shape must be an iterable.  An iterable has the attribute `__iter__` "
                         f"or `__getitem__`.  Received specified shape: {spec}")
    symbols = tuple(spec.as_list() if hasattr(spec, "as_list") else spec)
    for i, symbol in enumerate(symbols):
        if (symbol is Ellipsis or symbol == "*") and i != 0:
            raise ValueError(f"{prefix}Tensor {x.name} specified shape index {i}.  Symbol `...` or `*` for a variable number of "
                             "unspecified dimensions is only allowed as the first entry")
    leading = bool(symbols) and (symbols[0] is Ellipsis or symbols[0] == "*")
    symbols = symbols[1:] if leading else symbols
    return x, leading, _dimension_sizes(x), symbols or (1,)


def _dimension_sizes(x: Tensor):
    """x's sizes, a scalar counting as ``[1]``: a list (ints where static, else scalar tensors), or, for an unknown rank, one shape tensor."""
    rank = x.shape.rank
    if rank == 0:
        return [1]
    shape = add("Shape", [x], {"out_type": DType.i32})
    if rank is None:  # the shape, or [1] for a scalar: the first max(rank, 1) of shape + [1]
        padded = add("ConcatV2", [[shape, to_tensor(np.array([1], np.int32))], to_tensor(0, DType.i32)])
        length = add("Maximum", [add("Rank", [x]), to_tensor(1, DType.i32)])
        return add("Slice", [padded, to_tensor(np.array([0], np.int32)), add("Reshape", [length, to_tensor(np.array([1], np.int32))])])
    return [d if d is not None else _dim_of(shape, i) for i, d in enumerate(x.shape.as_list())]


def _dim_of(shape: Tensor, dim: int) -> Tensor:
    begin, end = to_tensor(np.array([dim], np.int32)), to_tensor(np.array([dim + 1 if dim != -1 else 0], np.int32))
    return add("StridedSlice", [shape, begin, end, to_tensor(np.array([1], np.int32))], {"Index": DType.i32, "shrink_axis_mask": 1})


def _spec_rank_check(spec, data, summarize, message, name):
    x, leading, _, symbols = spec
    rank = len(symbols)
    if leading:
        return None if rank in (0, 1) else assert_rank_at_least(x, rank, data, summarize, message, name)
    if rank in (0, 1):
        return assert_rank_in(x, [0, 1], data, summarize, message, name)
    return assert_rank(x, rank, data, summarize, message, name)


def assert_scalar(tensor, name=None, message=None):
    """``tensor``, after checking while building that it is a scalar (ValueError otherwise)."""
    tensor = to_tensor(tensor, name=name or "assert_scalar")
    if tensor.shape.rank != 0:
        raise ValueError(f"{_prefix(message)}Expected scalar shape for {tensor.name}, saw shape: {tensor.shape}.")
    return tensor


def assert_type(tensor, tf_type, message=None, name=None):
    """A no-op after checking while building that ``tensor`` has dtype ``tf_type`` (TypeError otherwise)."""
    tf_type = as_dtype(tf_type)
    tensor = to_tensor(tensor, name="tensor")
    if tensor.dtype != tf_type:
        raise TypeError(f"{_prefix(message)}{tensor.name} must be of type {dtype_name(tf_type)}; got {dtype_name(tensor.dtype)}")
    return add_op("NoOp", name=f"{name or 'assert_type'}/statically_determined_correct_type")


def assert_integer(x, message=None, name=None):
    """A no-op after checking while building that ``x`` has an integer dtype (TypeError otherwise)."""
    x = to_tensor(x, name="x")
    if not x.dtype.is_int:
        raise TypeError(f'{_prefix(message)}Expected "x" to be integer type.  Found: {x.name} of dtype {dtype_name(x.dtype)}')
    return add_op("NoOp", name=f"{name or 'assert_integer'}/statically_determined_was_integer")


def assert_same_float_dtype(tensors=None, dtype=None):
    """The one float dtype of ``tensors`` and ``dtype`` (float32 when there are none); ValueError on a mix or a non-float."""
    dtypes = [as_dtype(dtype)] if dtype is not None else []
    dtypes += [t.dtype for t in tensors or () if isinstance(t, Tensor)]
    if any(not d.is_float for d in dtypes):
        raise ValueError(f"Expected floating point type, got {[dtype_name(d) for d in dtypes if not d.is_float][0]}.")
    if len(set(dtypes)) > 1:
        raise ValueError(f"Mismatched type: expected one float dtype, got {sorted({dtype_name(d) for d in dtypes})}.")
    return dtypes[0] if dtypes else DType.f32


def assert_proper_iterable(values):
    """TypeError unless ``values`` is an iterable of values (not a Tensor, an array, a string)."""
    if isinstance(values, (Tensor, np.ndarray, str, bytes)):
        raise TypeError(f"Expected argument 'values' to be a \"proper\" iterable.  Found: {type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f"Expected argument 'values' to be iterable.  Found: {type(values)}")


def is_numeric_tensor(tensor) -> bool:
    return isinstance(tensor, Tensor) and isinstance(tensor.dtype, DType) and tensor.dtype is not DType.bool


def _diffs(x, what: str) -> Tensor:
    """``x`` flattened, each element less the one before it (empty for fewer than two)."""
    x = add("Reshape", [to_tensor(x, name="x"), to_tensor(np.array([-1], np.int32))])
    if not is_numeric_tensor(x):
        raise TypeError(f"{what}: expected x to be numeric, instead found: {x}")
    one, zero, minus = (to_tensor(np.array([v], np.int32)) for v in (1, 0, -1))
    later = add("StridedSlice", [x, one, zero, one], {"Index": DType.i32, "end_mask": 1})
    earlier = add("StridedSlice", [x, zero, minus, one], {"Index": DType.i32, "begin_mask": 1})
    return add("Sub", [later, earlier])


def is_non_decreasing(x, name=None):
    """True when each element of flattened ``x`` is >= the one before it."""
    with get_default_graph().name_scope(name or "is_non_decreasing"):
        diff = _diffs(x, "tf.is_non_decreasing")
        return reduce_all(add("LessEqual", [to_tensor(0, diff.dtype), diff]))


def is_strictly_increasing(x, name=None):
    """True when each element of flattened ``x`` is > the one before it."""
    with get_default_graph().name_scope(name or "is_strictly_increasing"):
        diff = _diffs(x, "tf.is_strictly_increasing")
        return reduce_all(add("Less", [to_tensor(0, diff.dtype), diff]))


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None, name=None):
    """Fails unless ``|x - y| < atol + rtol * |y|`` element-wise (tolerances default to 10 eps)."""
    with get_default_graph().name_scope(name or "assert_near"):
        x = to_tensor(x, name="x")
        y = to_tensor(y, x.dtype, name="y")
        real = {DType.c64: DType.f32, DType.c128: DType.f64}.get(x.dtype, x.dtype)
        eps = float(np.finfo(real.numpy).eps)
        rtol = to_tensor(10 * eps if rtol is None else rtol, real, name="rtol")
        atol = to_tensor(10 * eps if atol is None else atol, real, name="atol")
        if data is None:
            data = [_prefix(message), f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        tolerance = add("AddV2", [atol, add("Mul", [rtol, add("ComplexAbs" if x.dtype.is_complex else "Abs", [y])])])
        diff = add("ComplexAbs" if x.dtype.is_complex else "Abs", [add("Sub", [x, y])])
        return Assert(reduce_all(add("Less", [diff, tolerance])), data, summarize=summarize)


def check_numerics(tensor, message, name=None):
    """``tensor``, failing the run (InvalidArgumentError naming ``message``) when it holds a NaN or an Inf."""
    tensor = to_tensor(tensor, name="tensor")
    if not tensor.dtype.is_float:
        raise TypeError(f"tf.debugging.check_numerics: tensor must be a float tensor, got {dtype_name(tensor.dtype)}")
    return add("CheckNumerics", [tensor], {"message": str(message)}, name=name or "CheckNumerics")


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """``x`` (also spelled ``t``), checked as :func:`check_numerics` checks it before it is used."""
    x, message = _one_of(x, t, "x", "t"), _one_of(message, msg, "message", "msg")
    with get_default_graph().name_scope(name or "VerifyFinite"):
        x = to_tensor(x, name="x")
        checked = check_numerics(x, message)
        with get_default_graph().control_dependencies([checked.op]):
            return add("Identity", [x])


def add_check_numerics_ops():
    """One op checking every float16/32/64 output of the default graph's ops so far, named ``op:index``
    in the message of the first with a NaN or an Inf (each check runs after the one before)."""
    graph, checks = get_default_graph(), []
    for op in graph.get_operations():
        for output in op.outputs:
            if output.dtype in (DType.f16, DType.f32, DType.f64):
                with graph.control_dependencies([c.op for c in checks]):
                    checks = [check_numerics(output, message=f"{op.name}:{output.value_index}")]
    return group(*checks)

def _one_of(value, alias, what: str, alias_name: str):
    if value is not None and alias is not None:
        raise ValueError(f"cannot give both '{what}' and its deprecated name '{alias_name}'")
    if value is None and alias is None:
        raise ValueError(f"tf.verify_tensor_all_finite: '{what}' is required")
    return value if value is not None else alias


assert_all_finite = verify_tensor_all_finite


# ---- the checks a Session run makes ---------------------------------------------------------------
_HAS_CHECKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> (version, has Assert/CheckNumerics ops)


def runtime_checks(graph, elements) -> list[Operation]:
    """The Assert and CheckNumerics ops that a run of ``elements`` (Tensors and Operations) runs:
    those its fetches depend on through inputs and control inputs, in the order they were made."""
    cached = _HAS_CHECKS.get(graph)
    if cached is None or cached[0] != graph.version:
        cached = _HAS_CHECKS[graph] = graph.version, any(op.type in _CHECKED_OPS for op in graph.get_operations())
    if not cached[1]:
        return []
    seen, found = set(), []
    stack = [e.op if isinstance(e, Tensor) else e for e in elements]
    while stack:
        op = stack.pop()
        if id(op) in seen:
            continue
        seen.add(id(op))
        if op.type in _CHECKED_OPS:
            found.append(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    order = {id(op): i for i, op in enumerate(graph.get_operations())}
    return sorted(found, key=lambda op: order.get(id(op), -1))  # the first made fails first, as chained checks do


def checked_tensors(ops) -> list[Tensor]:
    """What a run fetches to make ``ops``' checks: each Assert's condition and data, each CheckNumerics' input."""
    return [t for op in ops for t in _checked_inputs(op)]


def _checked_inputs(op: Operation) -> list[Tensor]:
    if op.type == "CheckNumerics":
        return op.inputs[:1]
    return [t for t in op.inputs if isinstance(t.dtype, DType)]


def verify(ops, values) -> None:
    """Raise TensorFlow's InvalidArgumentError (also a SessionError) for the first of ``ops`` whose
    fetched ``values`` (in :func:`checked_tensors`' order) fail."""
    values = iter(values)
    for op in ops:
        fetched = [next(values) for _ in _checked_inputs(op)]
        failure = _numerics_failure(op, fetched[0]) if op.type == "CheckNumerics" else _assert_failure(op, fetched)
        if failure is not None:
            raise errors_ns.as_op_error(SessionError(failure), errors_ns.InvalidArgumentError, op)


def _numerics_failure(op: Operation, value) -> str | None:
    value = np.asarray(value)
    nan, inf = bool(np.isnan(value).any()), bool(np.isinf(value).any())
    if not (nan or inf):
        return None
    found = "Inf and NaN" if nan and inf else "NaN" if nan else "Inf"
    return f"{op.get_attr('message')} : Tensor had {found} values"


def _assert_failure(op: Operation, fetched: list) -> str | None:
    """TensorFlow's Assert message, ``assertion failed: [item] [item]...``, when the condition is false."""
    if bool(np.all(fetched[0])):
        return None
    limit = op.get_attr("summarize")
    numeric = [i for i, t in enumerate(op.inputs[1:]) if isinstance(t.dtype, DType)]
    by_input = dict(zip(numeric, fetched[1:]))
    items = _ASSERT_DATA.get(op, list(range(len(op.inputs) - 1)))
    parts = [item if isinstance(item, str) else summarize(by_input[item], limit) if item in by_input else op.inputs[1 + item].name
             for item in items]
    return "assertion failed: " + " ".join(f"[{part}]" for part in parts)


def summarize(value, limit: int) -> str:
    """``value`` as TensorFlow's ``Tensor::SummarizeValue`` prints it: nested brackets, the first
    ``limit`` elements (all when negative), ``...`` for the rest."""
    array = np.asarray(value)
    flat = array.reshape(-1)
    limit = flat.size if limit < 0 else min(limit, flat.size)
    if array.ndim == 0:
        text = " ".join(_element(v) for v in flat[:limit])
    else:
        text, _ = _one_dim(array.shape, 0, flat, 0, limit)
    return text + ("..." if flat.size > limit else "")


def _one_dim(shape, dim: int, flat, index: int, limit: int) -> tuple[str, int]:
    if index >= limit:
        return "", index
    if dim == len(shape) - 1:
        parts = []
        for _ in range(shape[dim]):
            if index >= limit:
                return " ".join(parts) + ("..." if dim != 0 else ""), index
            parts.append(_element(flat[index]))
            index += 1
        return " ".join(parts), index
    text = ""
    for _ in range(shape[dim]):
        opened = index < limit
        inner, index = _one_dim(shape, dim + 1, flat, index, limit)
        text += ("[" if opened else "") + inner + ("]" if index < limit or opened else "")
    return text, index


def _element(value) -> str:
    """One element as TensorFlow's StrCat prints it: floats in the fewest of 6/9 (float) or 15/17
    (double) significant digits that read back the same, bools as 1/0."""
    if isinstance(value, np.bool_):
        return str(int(value))
    if isinstance(value, np.floating):
        kind = np.float64 if value.dtype == np.float64 else np.float32
        short, long = (15, 17) if kind is np.float64 else (6, 9)
        text = f"{float(value):.{short}g}"
        return text if np.isnan(value) or kind(text) == kind(value) else f"{float(value):.{long}g}"
    return str(value)


__all__ = ["Assert", "assert_all_finite", "assert_equal", "assert_greater", "assert_greater_equal", "assert_integer", "assert_less",
           "assert_less_equal", "assert_near", "assert_negative", "assert_non_negative", "assert_non_positive", "assert_none_equal",
           "assert_positive", "assert_proper_iterable", "assert_rank", "assert_rank_at_least", "assert_rank_in",
           "assert_same_float_dtype", "assert_scalar", "assert_shapes", "assert_type", "check_numerics", "is_finite", "is_inf", "is_nan",
           "is_non_decreasing", "is_numeric_tensor", "is_strictly_increasing"]
# TF1's top-level names (tf.Assert, tf.assert_equal...; tf.add_check_numerics_ops and tf.verify_tensor_all_finite are top-level only).
TOP_LEVEL: tuple[str, ...] = (*(n for n in __all__ if n not in ("assert_all_finite", "assert_shapes")),
                              "add_check_numerics_ops", "verify_tensor_all_finite")
