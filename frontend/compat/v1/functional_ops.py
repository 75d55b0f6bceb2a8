"""TensorFlow 1's higher-order functions ``tf.map_fn``, ``tf.scan``, ``tf.foldl`` and ``tf.foldr``.

TensorFlow builds them from TensorArrays inside a ``tf.while_loop``; tfc's TensorArrays need sizes
known when the graph is imported, so here the stacked results are dense loop variables instead:
preallocated ``[n, ...]`` zeros whose row ``i`` each iteration writes with ``TensorScatterUpdate``
(the element ``i`` is read with ``GatherV2``). ``n`` is the elements' static leading dim or
``tf.shape(elems)[0]`` at run time. The loop is :func:`tf.while_loop`'s functional While, so
``tf.gradients`` goes through it. Nested elems, initializers and results follow ``tf.nest``
(dicts by sorted key).

``map_fn`` must know the shape of what ``fn`` returns before the loop: it calls ``fn`` once on a
scratch function graph (nothing of it reaches the real graph). Where that shape is not static, the
first element is computed before the loop. Elems of zero rows are not supported: the loop body's read
of a row (``GatherV2``) does not legalize for an empty operand, even though it never runs.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from .array_ops import concat, gather, reshape, shape, stop_gradient
from .control_flow import while_loop
from .function_graph import FunctionGraph
from .graph import get_default_graph
from .indexing_ops import tensor_scatter_nd_update
from .ops import add, to_tensor
from .tensor import Tensor, TensorShape


# ---- tf.nest, as far as these functions need it --------------------------------------------------
def _is_nested(value) -> bool:
    return isinstance(value, (list, tuple, dict))


def _flatten(value) -> list:
    """The leaves of ``value`` in tf.nest's order (dict values by sorted key)."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _flatten(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


def _pack(structure, leaves: list):
    """``leaves`` in the nesting of ``structure`` (tf.nest.pack_sequence_as)."""
    it = iter(leaves)

    def build(s):
        if isinstance(s, dict):
            values = {key: build(s[key]) for key in sorted(s)}
            return type(s)((key, values[key]) for key in s)
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*(build(item) for item in s))
        if isinstance(s, (list, tuple)):
            return type(s)(build(item) for item in s)
        return next(it)

    return build(structure)


def _assert_same_structure(expected, got) -> None:
    """tf.nest.assert_same_structure: ValueError for another nesting, TypeError for another sequence type."""
    if _is_nested(expected) != _is_nested(got) or len(_flatten(expected)) != len(_flatten(got)) or not _same_nesting(expected, got):
        raise ValueError(f"The two structures don't have the same nested structure.\n\nFirst structure: {expected!r}\n\n"
                         f"Second structure: {got!r}")
    if not _same_types(expected, got):
        raise TypeError(f"The two structures don't have the same sequence type. Input structure has type {type(got)}, "
                        f"while shallow structure has type {type(expected)}.")


def _same_nesting(a, b) -> bool:
    if not _is_nested(a) or not _is_nested(b):
        return _is_nested(a) == _is_nested(b)
    if isinstance(a, dict) != isinstance(b, dict):
        return False
    if isinstance(a, dict):
        return sorted(a) == sorted(b) and all(_same_nesting(a[k], b[k]) for k in a)
    return len(a) == len(b) and all(_same_nesting(x, y) for x, y in zip(a, b))


def _same_types(a, b) -> bool:
    if not _is_nested(a):
        return True
    if isinstance(a, dict):
        return isinstance(b, dict) and all(_same_types(a[k], b[k]) for k in a)
    kind = (lambda v: (type(v) if hasattr(v, "_fields") else tuple) if isinstance(v, tuple) else list)
    return kind(a) == kind(b) and all(_same_types(x, y) for x, y in zip(a, b))


# ---- the shared pieces ---------------------------------------------------------------------------
def _check_callable(fn) -> None:
    if not callable(fn):
        raise TypeError(f"{getattr(fn, '__name__', fn)!r} is not callable. Please provide a callable function.")


def _elements(elems, what: str) -> list[Tensor]:
    flat = [to_tensor(e, name="elem") for e in _flatten(elems)]
    if not flat:
        raise ValueError(f"elems must be a Tensor or (possibly nested) sequence of Tensors. Got {elems}, which does not contain any Tensors.")
    for e in flat:
        if e.shape.ndims is not None and e.shape.ndims < 1:
            raise ValueError(f"tf.{what}: elements in elems must be 1+ dimensional Tensors, not scalars (got shape {e.shape})")
    return flat


def _leading_size(flat: list[Tensor], check: bool):
    """The static leading size (None if unknown); with ``check``, the elems' sizes must agree (TensorFlow's message)."""
    sizes = [None if e.shape.ndims is None else e.shape.dims[0] for e in flat]
    known = [s for s in sizes if s is not None]
    if check and len(set(known)) > 1:
        raise ValueError(f"Dimensions {known[0]} and {next(s for s in known if s != known[0])} are not compatible: "
                         f"elems must all have the same leading dimension (their shapes: {[str(e.shape) for e in flat]})")
    return sizes[0]


def _count(flat: list[Tensor], n_static):
    """n: the static size, or ``tf.shape(elems[0])[0]`` at run time."""
    return n_static if n_static is not None else gather(shape(flat[0]), 0)


def _buffer(n, dtype: DType, dims, row_shape: Tensor | None = None) -> Tensor:
    """Zeros ``[n, *dims]``: a constant shape where ``n`` and ``dims`` are static, else ``row_shape`` (a row's shape at run time)."""
    static = dims is not None and None not in dims
    if static and not isinstance(n, Tensor):
        size = to_tensor(np.asarray([n, *dims], np.int32), name="shape")
    else:
        rows = reshape(n, [1]) if isinstance(n, Tensor) else to_tensor(np.asarray([n], np.int32))
        size = concat([rows, to_tensor(np.asarray(dims, np.int32)) if static else row_shape], 0)
    return add("Fill", [size, to_tensor(np.zeros((), dtype.numpy))], name="zeros")


def _write(buffer: Tensor, i, row: Tensor) -> Tensor:
    """Row ``i`` of ``buffer`` set to ``row`` (one TensorScatterUpdate)."""
    index = reshape(to_tensor(i, DType.i32) if not isinstance(i, Tensor) else i, [1, 1])
    return tensor_scatter_nd_update(buffer, index, add("ExpandDims", [row, to_tensor(0, DType.i32)], name="ExpandDims"))


def _index(k, n, reverse: bool):
    """The element the ``k``-th step reads: ``n - 1 - k`` when reversed."""
    return (n - 1) - k if reverse else k


def _loop(n, first: int, carried: list[Tensor], step, invariants, options: dict) -> list[Tensor]:
    """``carried = step(k, carried)`` for k in first..n-1; the values after the last step."""
    def body(k, values):
        return k + 1, list(step(k, values))

    _, values = while_loop(lambda k, values: k < n, body, [to_tensor(first, DType.i32), list(carried)],
                           shape_invariants=[TensorShape([]), [TensorShape(d) for d in invariants]], **options)
    if not options.get("back_prop", True):
        values = [stop_gradient(v) for v in values]
    return values


def _options(parallel_iterations, back_prop, swap_memory) -> dict:
    return {"parallel_iterations": parallel_iterations or 10, "back_prop": back_prop, "swap_memory": swap_memory}


def _static_shape(t: Tensor):
    return None if t.shape.dims is None else tuple(t.shape.dims)


def _invariant(n_static, dims):
    return None if dims is None else [n_static, *dims]


# ---- the four functions --------------------------------------------------------------------------
def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True, name=None,
           fn_output_signature=None):
    """``fn`` on each row of ``elems`` (rows along dim 0 of every tensor of the structure), the results stacked.
    The results have ``elems``' structure and dtypes unless ``fn_output_signature`` (or the older ``dtype``) says."""
    _check_callable(fn)
    signature = dtype if fn_output_signature is None else fn_output_signature
    flat = _elements(elems, "map_fn")
    n_static = _leading_size(flat, check=True)
    expected = elems if signature is None else signature
    dtypes = [e.dtype for e in flat] if signature is None else [as_dtype(d) for d in _flatten(signature)]

    def call(i) -> list[Tensor]:
        result = fn(_pack(elems, [gather(e, i) for e in flat]))
        _assert_same_structure(expected, result)
        rows = [r if isinstance(r, Tensor) else to_tensor(r, d) for r, d in zip(_flatten(result), dtypes)]
        for r, d in zip(rows, dtypes):
            if r.dtype != d:
                raise TypeError(f"tf.map_fn: fn returned a {r.dtype.name} tensor where fn_output_signature (or dtype) says {d.name}")
        return rows

    graph = get_default_graph()
    with graph.name_scope(name or "map"):
        probe = FunctionGraph(graph, "map_fn_probe")  # learns the rows' shapes; never part of the graph
        with probe.as_default():
            dims = [_static_shape(r) for r in call(probe.add_arg(DType.i32, (), "index"))]
        n = _count(flat, n_static)
        if all(d is not None and None not in d for d in dims):
            buffers, first = [_buffer(n, t, d) for t, d in zip(dtypes, dims)], 0
        else:  # a row shape known only at run time: the first row, computed before the loop, sizes the results
            rows = call(0)
            buffers, first = [_write(_buffer(n, r.dtype, d, shape(r)), 0, r) for r, d in zip(rows, dims)], 1
        step = (lambda k, values: [_write(b, k, r) for b, r in zip(values, call(k))])
        results = _loop(n, first, buffers, step, [_invariant(n_static, d) for d in dims], _options(parallel_iterations, back_prop, swap_memory))
    return _pack(expected, results)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, infer_shape=True, reverse=False, name=None):
    """Every accumulator ``a = fn(a, row)`` over the rows of ``elems`` (last to first when ``reverse``), stacked.
    Without ``initializer`` the first row (last when reversed) is the first accumulator, and the first result."""
    _check_callable(fn)
    flat = _elements(elems, "scan")
    n_static = _leading_size(flat, check=True)
    structure = elems if initializer is None else initializer
    with get_default_graph().name_scope(name or "scan"):
        n = _count(flat, n_static)
        start, first = _index(0, n, reverse), 0 if initializer is not None else 1
        carried = [to_tensor(v) for v in _flatten(initializer)] if initializer is not None else [gather(e, start) for e in flat]
        buffers = [_buffer(n, a.dtype, _static_shape(a), shape(a)) for a in carried]
        if initializer is None:
            buffers = [_write(b, start, a) for b, a in zip(buffers, carried)]
        count = len(carried)

        def step(k, values):
            i = _index(k, n, reverse)
            out = _accumulate(fn, structure, values[:count], elems, [gather(e, i) for e in flat])
            return out + [_write(b, i, o) for b, o in zip(values[count:], out)]

        invariants = [_static_shape(a) for a in carried] + [_invariant(n_static, _static_shape(a)) for a in carried]
        values = _loop(n, first, carried + buffers, step, invariants, _options(parallel_iterations, back_prop, swap_memory))
    return _pack(structure, values[count:])


def _accumulate(fn, structure, accumulators: list[Tensor], elems, rows: list[Tensor]) -> list[Tensor]:
    """``fn(a, x)`` with the structures packed; its result flat, in the accumulators' dtypes, checked to keep their structure."""
    out = fn(_pack(structure, accumulators), _pack(elems, rows))
    _assert_same_structure(structure, out)
    out = [o if isinstance(o, Tensor) else to_tensor(o, a.dtype) for o, a in zip(_flatten(out), accumulators)]
    for o, a in zip(out, accumulators):
        if o.dtype != a.dtype:
            raise TypeError(f"Loop var {a.name} enters the loop with type {a.dtype.name} but has type {o.dtype.name} after 1 iteration: "
                            "fn must return accumulators of the initializer's dtypes")
        if not _compatible(_static_shape(a), _static_shape(o)):
            raise ValueError(f"Input tensor '{a.name}' enters the loop with shape {a.shape}, but has shape {o.shape} after one iteration: "
                             "fn must return accumulators of the initializer's shapes")
    return out


def _compatible(a, b) -> bool:
    return a is None or b is None or (len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b)))


def _fold(fn, elems, initializer, reverse: bool, options: dict, name: str):
    """foldl / foldr: the last accumulator."""
    _check_callable(fn)
    flat = _elements(elems, name)
    structure = elems if initializer is None else initializer
    with get_default_graph().name_scope(name):
        n = _count(flat, _leading_size(flat, check=False))
        first = 0 if initializer is not None else 1
        carried = [to_tensor(v) for v in _flatten(initializer)] if initializer is not None else [gather(e, _index(0, n, reverse)) for e in flat]

        def step(k, values):
            i = _index(k, n, reverse)
            return _accumulate(fn, structure, values, elems, [gather(e, i) for e in flat])

        values = _loop(n, first, carried, step, [_static_shape(a) for a in carried], options)
    return _pack(structure, values)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """``a = fn(a, row)`` over the rows of ``elems``, first to last; the last ``a``. Without ``initializer``, ``a`` starts as the first row."""
    return _fold(fn, elems, initializer, False, _options(parallel_iterations, back_prop, swap_memory), name or "foldl")


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """``a = fn(a, row)`` over the rows of ``elems``, last to first; the last ``a``. Without ``initializer``, ``a`` starts as the last row."""
    return _fold(fn, elems, initializer, True, _options(parallel_iterations, back_prop, swap_memory), name or "foldr")


TOP_LEVEL = ("foldl", "foldr", "map_fn", "scan")
__all__ = list(TOP_LEVEL)
