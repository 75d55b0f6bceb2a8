"""Structured control flow in traced code: ``tfc.cond``, ``tfc.while_loop`` and ``tfc.fori_loop``.

Python ``if``/``for`` run at trace time; these record ``tfc.if`` / ``tfc.while`` ops whose regions
are traced from the given Python functions, so the branch or trip count is decided at run time.
"""

from __future__ import annotations

from collections.abc import Callable

from tfc.diagnostics import TraceError
from tfc.ir import Block, Region
from tfc.types import DType

from . import api
from .pytree import flatten, unflatten
from .tensor import Tensor, to_tensor
from .tracing import current_trace, user_location


def _trace_region(trace, fn: Callable, args: list[Tensor], arg_types=()) -> tuple[Region, list[Tensor], object]:
    """Trace ``fn(*args)`` into a new one-block region; returns (region, yielded tensors, output structure)."""
    block = Block(arg_types)
    region = Region([block])
    trace.push_block(block)
    try:
        block_args = [Tensor(a, trace) for a in block.args]
        result = fn(*block_args) if arg_types else fn(*args)
        leaves: list = []
        structure = flatten(result, leaves)
        outputs = [to_tensor(leaf, trace) for leaf in leaves]
        trace.emit("tfc.yield", [t.value for t in outputs])
    finally:
        trace.pop_block()
    return region, outputs, structure


def cond(pred, true_fn: Callable, false_fn: Callable, *operands):
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``, decided at run time.

    Both branches must return the same structure of tensors with the same types.
    """
    trace = current_trace()
    if trace is None:
        return true_fn(*operands) if bool(pred) else false_fn(*operands)
    pred = to_tensor(pred)
    if pred.shape != ():
        raise TraceError(f"cond predicate must be a scalar, got shape {list(pred.shape)}", user_location())
    if pred.dtype is not DType.bool:
        pred = api.not_equal(pred, 0)
    then_region, then_out, structure = _trace_region(trace, true_fn, list(operands))
    else_region, else_out, else_structure = _trace_region(trace, false_fn, list(operands))
    then_types = [t.type for t in then_out]
    else_types = [t.type for t in else_out]
    if structure != else_structure or then_types != else_types:
        raise TraceError(
            f"cond branches return different types: ({', '.join(map(str, then_types))}) vs ({', '.join(map(str, else_types))})",
            user_location(),
        )
    op = trace.emit("tfc.if", [pred.value], result_types=then_types, regions=[then_region, else_region])
    return unflatten(structure, [Tensor(r, trace) for r in op.results])


def while_loop(cond_fn: Callable, body_fn: Callable, init_val):
    """Repeat ``val = body_fn(val)`` while ``cond_fn(val)``; ``val`` is a tensor or a nested structure of them."""
    trace = current_trace()
    if trace is None:
        val = init_val
        while bool(cond_fn(val)):
            val = body_fn(val)
        return val
    leaves: list = []
    structure = flatten(init_val, leaves)
    init = [to_tensor(leaf, trace) for leaf in leaves]
    types = [t.type for t in init]

    def rebuild(fn):
        return lambda *carried: fn(unflatten(structure, list(carried)))

    cond_region, cond_out, _ = _trace_region(trace, rebuild(cond_fn), [], types)
    if len(cond_out) != 1 or cond_out[0].type.dtype is not DType.bool or cond_out[0].shape != ():
        raise TraceError("while_loop cond_fn must return one scalar bool", user_location())
    body_region, body_out, body_structure = _trace_region(trace, rebuild(body_fn), [], types)
    if body_structure != structure or [t.type for t in body_out] != types:
        raise TraceError(
            "while_loop body_fn must return the same structure and types as init_val: "
            f"({', '.join(map(str, types))}) vs ({', '.join(str(t.type) for t in body_out)})",
            user_location(),
        )
    op = trace.emit("tfc.while", [t.value for t in init], result_types=types, regions=[cond_region, body_region])
    return unflatten(structure, [Tensor(r, trace) for r in op.results])


def fori_loop(lower: int, upper, body_fn: Callable, init_val):
    """``for i in range(lower, upper): val = body_fn(i, val)`` as one ``tfc.while`` (``i`` is an i32 tensor)."""
    if current_trace() is None:
        val = init_val
        for i in range(int(lower), int(upper)):
            val = body_fn(i, val)
        return val
    start = api.astype(lower, DType.i32)
    stop = api.astype(upper, DType.i32)

    def cond_fn(state):
        return api.less(state[0], stop)

    def body(state):
        i, val = state
        return (api.add(i, 1), body_fn(i, val))

    return while_loop(cond_fn, body, (start, init_val))[1]
