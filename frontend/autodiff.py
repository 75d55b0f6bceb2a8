"""Reverse-mode automatic differentiation as an IR transformation.

``backprop`` walks the ops between some inputs and outputs of a block in reverse and appends, for
each, the ops of its registry gradient rule (written in core ops with the tracing API). The
gradient is ordinary IR: it prints, optimizes and lowers like anything else. ``tfc.grad`` and
``tfc.value_and_grad`` build on it for traced functions.

A gradient rule is ``grad(ctx, *cotangents) -> [operand cotangent or None, ...]``; ``None`` means
zero. The :class:`GradContext` gives a rule everything it needs, so op definitions in the core never
import the frontend: the forward values as tensors, the tracing API (``ctx.api``), and for ops with
regions ``ctx.backprop`` (differentiate a replayed region), ``ctx.new_region``, ``ctx.recording``,
``ctx.in_function`` and ``ctx.evaluate`` (run an op's numpy reference).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import numpy as np

from tfc.backends.interp.interpreter import Interpreter
from tfc.builder import Builder
from tfc.device_spec import DEVICE_ATTR, DeviceSpec
from tfc.diagnostics import TraceError
from tfc.ir import Block, Function, Operation, Region, Value
from tfc.location import Location, NameLoc
from tfc.ops.replay import captured_values
from tfc.registry import lookup
from tfc.types import FunctionType, TensorType

from . import api
from .compile import eager_call
from .pytree import flatten, unflatten
from .tensor import Tensor, emit, to_tensor
from .tracing import Trace, current_trace, tracing


class GradContext:
    """What a gradient rule sees: the op, its forward values as tensors, and ways to build IR."""

    api = api

    def __init__(self, op: Operation, trace: Trace):
        self.op = op
        self.trace = trace
        self.attrs = {k: v.value for k, v in op.attributes.items()}
        self.operands = [Tensor(v, trace) for v in op.operands]
        self.results = [Tensor(r, trace) for r in op.results]
        self.operand_types = [v.type for v in op.operands]
        # values the op's regions use from outside: its rule returns their cotangents after the operands'
        self.captures = [Tensor(v, trace) for v in captured_values(op)] if op.regions else []

    @property
    def result(self) -> Tensor:
        return self.results[0]

    @property
    def module(self):
        return self.trace.module

    def tensor(self, value: Value) -> Tensor:
        """``value`` as a tensor of the trace being differentiated."""
        return Tensor(value, self.trace)

    def emit(self, name: str, operands: Sequence[Value], attributes=None, result_types=None,
             regions: Sequence[Region] = (), location: Location | None = None) -> Operation:
        """Record op ``name`` on IR values (regions included) where the gradient is being built."""
        return self.trace.emit(name, operands, attributes, result_types, regions, location)

    def backprop(self, outputs: Sequence[Value], seeds: Sequence[Tensor], wrt: Sequence[Value]) -> list[Tensor | None]:
        """Cotangents of ``wrt`` given ``seeds`` for ``outputs``, in the block being recorded now."""
        return backprop(self.trace, outputs, seeds, wrt)

    @contextlib.contextmanager
    def recording(self, block: Block):
        """Record into ``block`` (a new region's block) while inside the ``with``."""
        self.trace.push_block(block)
        try:
            yield block
        finally:
            self.trace.pop_block()

    def new_region(self, arg_types, body: Callable) -> Region:
        """A one-block region taking ``arg_types`` and yielding ``body(*argument tensors)``."""
        block = Block(list(arg_types))
        with self.recording(block):
            outputs = body(*[Tensor(a, self.trace) for a in block.args])
            self.trace.emit("tfc.yield", [t.value for t in outputs])
        return Region([block])

    @contextlib.contextmanager
    def in_function(self, function: Function):
        """Record into ``function``'s body, seeing nothing of the caller's (a function is isolated)."""
        saved = self.trace.builders
        self.trace.builders = [Builder(function.body)]
        try:
            yield function
        finally:
            self.trace.builders = saved

    @staticmethod
    def evaluate(op: Operation, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """Run ``op``'s numpy reference on ``arrays`` (raises when it cannot)."""
        return Interpreter(None).evaluate(op, arrays, {})


def _inputs(op: Operation) -> list[Value]:
    """What an op depends on: its operands, then (for ops with regions) the values its regions capture."""
    return list(op.operands) + (captured_values(op) if op.regions else [])


def _differentiable(value: Value) -> bool:
    return isinstance(value.type, TensorType) and value.type.dtype.is_inexact


def backprop(trace: Trace, outputs: Sequence[Value], seeds: Sequence[Tensor], wrt: Sequence[Value],
             forward: Sequence[Operation] | None = None) -> list[Tensor | None]:
    """Cotangents of ``wrt`` given cotangents ``seeds`` of ``outputs`` (None where unconnected).

    ``forward`` is the computation, in order (default: the ops recorded so far in ``trace``'s block)."""
    forward = list(trace.builder.block.ops) if forward is None else list(forward)
    depends = {v for v in wrt if _differentiable(v)}
    for op in forward:
        if any(v in depends for v in _inputs(op)):
            depends.update(r for r in op.results if _differentiable(r))
    cotangents: dict[Value, Tensor] = {}
    for value, seed in zip(outputs, seeds):
        if value in depends:
            _accumulate(cotangents, value, seed)
    saved_location, saved_device, saved_scope = trace.location, trace.device, trace.name_scope
    try:
        for op in reversed(forward):
            inputs = _inputs(op)
            if not any(r in cotangents for r in op.results) or not any(v in depends for v in inputs):
                continue
            incoming = [cotangents[r] if r in cotangents else api.zeros_like(Tensor(r, trace)) for r in op.results]
            trace.location, trace.name_scope = _gradient_place(op.location, saved_scope)  # at the op they differentiate
            device = op.attr(DEVICE_ATTR)  # and run where it runs (TensorFlow's colocate_gradients_with_ops)
            trace.device = saved_device if device is None else DeviceSpec.parse(device)
            for operand, grad in zip(inputs, _rule(op)(GradContext(op, trace), *incoming)):
                if grad is not None and operand in depends:
                    _accumulate(cotangents, operand, to_tensor(grad, trace))
    finally:
        trace.location, trace.device, trace.name_scope = saved_location, saved_device, saved_scope
    return [cotangents.get(v) for v in wrt]


def _gradient_place(location: Location, scope: str) -> tuple[Location, str]:
    """Where the gradient ops of an op at ``location`` are recorded: an op a ``tfc.name_scope`` named
    (``loc("dense/dot_general"(line))``) has its gradient ops under TensorFlow 2's
    ``gradient_tape/dense/dot_general/`` at its line, so TensorBoard groups them apart from the forward
    pass; any other op's at its location in the current scope (TF1 graph names are left as they are)."""
    if isinstance(location, NameLoc) and location.child is not None and not isinstance(location.child, NameLoc):
        return location.child, f"gradient_tape/{location.name}/"
    return location, scope


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
            return eager_call(wrapper, args, {})
        args, structures, leaves = _traced_arguments(trace, list(args), indices)
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


def _traced_arguments(trace: Trace, args: list, indices: Sequence[int]):
    """(args with the differentiated ones as tensors, their structures, their tensor leaves):
    an argument may be a nested structure of tensors."""
    structures, leaves = {}, {}
    for i in indices:
        if i >= len(args):
            raise TraceError(f"argnums {i} is out of range for {len(args)} arguments")
        found: list = []
        structures[i] = flatten(args[i], found)
        leaves[i] = [to_tensor(leaf, trace) for leaf in found]
        args[i] = unflatten(structures[i], leaves[i])
    return args, structures, leaves


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``g(*args) -> df/dargs[argnums]`` (a tuple when ``argnums`` is a tuple)."""
    both = value_and_grad(f, argnums)

    def wrapper(*args):
        if current_trace() is None:
            return eager_call(wrapper, args, {})
        return both(*args)[1]

    return wrapper


def _zeros_for(tensor: Tensor) -> Tensor:
    if not tensor.dtype.is_inexact:
        raise TraceError(f"cannot differentiate with respect to a {tensor.dtype.value} argument (not a float)")
    return api.zeros_like(tensor)


def stop_gradient(x):
    """``x``, but differentiation treats it as a constant."""
    x = to_tensor(x)
    return emit("tfc.stop_gradient", [x], weak=x.weak)


def add_gradients(module, function_name: str = "main", output: int = 0, wrt=None) -> list[int]:
    """Append to ``function_name``'s results the gradients of its result ``output`` (a float scalar)
    with respect to its arguments ``wrt`` (indices; default all float arguments).

    This is how an imported graph, once legalized (and its variables lifted to arguments), is
    differentiated: the gradient ops are appended to the same function. Returns the argument
    indices differentiated, in the order their gradients were appended.
    """
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


__all__ = ["GradContext", "add_gradients", "backprop", "grad", "stop_gradient", "value_and_grad"]
