"""Reverse-mode automatic differentiation as an IR transformation.

``backprop`` walks the ops between some inputs and outputs of a block in reverse and appends, for
each, the ops of its registry gradient rule (written in core ops with the tracing API). The
gradient is ordinary IR: it prints, optimizes and lowers like anything else. ``tfc.grad`` and
``tfc.value_and_grad`` build on it for traced functions.

A gradient rule is ``grad(ctx, *cotangents) -> [operand cotangent or None, ...]``; ``ctx.operands``
and ``ctx.results`` are the forward values as Tensors, ``ctx.api`` is the tracing API (so rules in
the compiler room need not import the frontend), ``None`` means zero.
"""

from __future__ import annotations

from typing import Callable, Sequence

from tfc.diagnostics import TraceError
from tfc.ir import Operation, Value
from tfc.ops.control_flow import captured_values
from tfc.registry import lookup
from tfc.types import TensorType

from . import api
from .tracing import Tensor, Trace, current_trace, to_tensor, tracing


class GradContext:
    """What a gradient rule sees."""

    api = api

    def __init__(self, op: Operation, trace: Trace):
        self.op = op
        self.attrs = {k: v.value for k, v in op.attributes.items()}
        self.operands = [Tensor(v, trace) for v in op.operands]
        self.results = [Tensor(r, trace) for r in op.results]
        self.operand_types = [v.type for v in op.operands]
        # values the op's regions use from outside: its rule returns their cotangents after the operands'
        self.captures = [Tensor(v, trace) for v in captured_values(op)] if op.regions else []

    @property
    def result(self) -> Tensor:
        return self.results[0]


def _inputs(op: Operation) -> list[Value]:
    """What an op depends on: its operands, then (for ops with regions) the values its regions capture."""
    return list(op.operands) + (captured_values(op) if op.regions else [])


def _differentiable(value: Value) -> bool:
    return isinstance(value.type, TensorType) and value.type.dtype.is_inexact


def backprop(trace: Trace, outputs: Sequence[Value], seeds: Sequence[Tensor], wrt: Sequence[Value]) -> list[Tensor | None]:
    """Cotangents of ``wrt`` given cotangents ``seeds`` of ``outputs`` (None where unconnected)."""
    block = trace.builder.block
    forward = list(block.ops)
    depends = {v for v in wrt if _differentiable(v)}
    for op in forward:
        if any(v in depends for v in _inputs(op)):
            depends.update(r for r in op.results if _differentiable(r))
    cotangents: dict[Value, Tensor] = {}
    for value, seed in zip(outputs, seeds):
        if value in depends:
            _accumulate(cotangents, value, seed)
    saved_location = trace.location
    try:
        for op in reversed(forward):
            inputs = _inputs(op)
            if not any(r in cotangents for r in op.results) or not any(v in depends for v in inputs):
                continue
            incoming = [cotangents[r] if r in cotangents else api.zeros_like(Tensor(r, trace)) for r in op.results]
            trace.location = op.location  # gradient ops point at the op they differentiate
            for operand, grad in zip(inputs, _rule(op)(GradContext(op, trace), *incoming)):
                if grad is not None and operand in depends:
                    _accumulate(cotangents, operand, to_tensor(grad, trace))
    finally:
        trace.location = saved_location
    return [cotangents.get(v) for v in wrt]


def _rule(op: Operation) -> Callable:
    opdef = lookup(op.name)
    if opdef is None or opdef.grad is None:
        raise TraceError(f"'{op.name}' has no gradient rule, so it cannot be differentiated", op.location)
    return opdef.grad


def _accumulate(cotangents: dict, value: Value, grad: Tensor) -> None:
    if grad.type != value.type:
        grad = api.broadcast_to(api.astype(grad, value.type.dtype), value.type.shape)
    previous = cotangents.get(value)
    cotangents[value] = grad if previous is None else api.add(previous, grad)


# ---- the public functions ------------------------------------------------------------------------
def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``g(*args) -> (f(*args), df/dargs[argnums])`` for a ``f`` returning a float scalar.

    >>> loss_and_grads = tfc.value_and_grad(lambda w, x: tfc.sum((x @ w) ** 2))   # doctest: +SKIP
    """
    single = isinstance(argnums, int)
    indices = (argnums,) if single else tuple(argnums)

    def wrapper(*args):
        trace = current_trace()
        if trace is None:
            from .compile import eager_call

            return eager_call(wrapper, args, {})
        from .compile import flatten, unflatten

        args = list(args)
        structures, leaves = {}, {}
        for i in indices:
            if i >= len(args):
                raise TraceError(f"argnums {i} is out of range for {len(args)} arguments")
            found: list = []
            structures[i] = flatten(args[i], found)  # an argument may be a nested structure of tensors
            leaves[i] = [to_tensor(leaf, trace) for leaf in found]
            args[i] = unflatten(structures[i], leaves[i])
        out = to_tensor(f(*args), trace)
        if out.shape != () or not out.dtype.is_float:
            raise TraceError(f"grad needs a function returning a float scalar, got {out.type}", trace.location)
        wrt = [t for i in indices for t in leaves[i]]
        found_grads = iter(backprop(trace, [out.value], [api.ones_like(out)], [t.value for t in wrt]))
        grads = []
        for i in indices:
            flat = [g if g is not None else _zeros_for(t) for t, g in zip(leaves[i], found_grads)]
            grads.append(unflatten(structures[i], flat))
        return out, (grads[0] if single else tuple(grads))

    return wrapper


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``g(*args) -> df/dargs[argnums]`` (a tuple when ``argnums`` is a tuple)."""
    both = value_and_grad(f, argnums)

    def wrapper(*args):
        if current_trace() is None:
            from .compile import eager_call

            return eager_call(wrapper, args, {})
        return both(*args)[1]

    return wrapper


def _zeros_for(tensor: Tensor) -> Tensor:
    if not tensor.dtype.is_inexact:
        raise TraceError(f"cannot differentiate with respect to a {tensor.dtype.value} argument (not a float)")
    return api.zeros_like(tensor)


def stop_gradient(x):
    """``x``, but differentiation treats it as a constant."""
    x = api.to_tensor(x)
    return api._emit("tfc.stop_gradient", [x], weak=x.weak)


__all__ = ["backprop", "grad", "value_and_grad", "stop_gradient", "GradContext", "tracing"]


def add_gradients(module, function_name: str = "main", output: int = 0, wrt=None) -> list[int]:
    """Append to ``function_name``'s results the gradients of its result ``output`` (a float scalar)
    with respect to its arguments ``wrt`` (indices; default all float arguments).

    This is how an imported graph, once legalized (and its variables lifted to arguments), is
    differentiated: the gradient ops are appended to the same function. Returns the argument
    indices differentiated, in the order their gradients were appended.
    """
    from tfc.types import FunctionType

    function = module.function(function_name)
    ret = function.return_op
    results = list(ret.operands)
    loss = results[output]
    if not isinstance(loss.type, TensorType) or loss.type.shape != () or not loss.type.dtype.is_float:
        raise TraceError(f"add_gradients: result #{output} of @{function_name} must be a float scalar, got {loss.type}")
    indices = [i for i, a in enumerate(function.args) if _differentiable(a)] if wrt is None else list(wrt)
    ret.drop_operands()
    function.body.ops.remove(ret)
    trace = Trace.into_block(module, function.body, ret.location)
    with tracing(trace):
        seed = api.ones_like(Tensor(loss, trace))
        grads = backprop(trace, [loss], [seed], [function.args[i] for i in indices])
        grads = [g if g is not None else api.zeros_like(Tensor(function.args[i], trace)) for g, i in zip(grads, indices)]
    function.body.append(ret)
    ret.set_operands(results + [g.value for g in grads])
    function.set_type(FunctionType(function.type.inputs, tuple(v.type for v in ret.operands)))
    return indices
