"""The reverse-mode gradient of ``tfc.while`` with a static trip count n, the way jax's ``lax.scan``
differentiates: the forward recurrence runs once, and the backward loop reads what it needs.

The rule grows the forward loop itself: it also carries a counter and one [n, ...] stack per
*residual* (a value of the body that the body's gradient reads: the carried state a matmul's
gradient needs, the output of a sigmoid, ...), written at each iteration's index. The backward loop
runs k = n - 1, ..., 0 and holds the body's gradient alone, reading iteration k's residuals from the
stacks. Values of the body that depend on no carried value but integer scalars (a constant, a read
variable, a step of a captured sequence read at the counter) are recomputed in the backward loop
rather than stacked n times.

How the residuals are found: the backward body is first built as for ``tfc.if`` and ``tfc.call``,
by replaying the forward body (from the block's extra state arguments) and backpropagating through
the copy. Then each copied value the gradient ops read is either stacked or recomputed (its copy
stays), the ops nobody reads are dropped, and so are the extra arguments. Before and after, for
``h = tanh(h @ w)`` over n steps::

    %h = tfc.while(%h0) {body(%s): %t = tanh(%s @ %w); yield %t}
    %dh0 = tfc.while(n - 1, %dh) {body(%k, %g): %s = <replay>; %t = <replay>; <gradient of %t>}

    %h, %j, %S, %T = tfc.while(%h0, 0, zeros, zeros) {body(%s, %j, %S, %T): %t = tanh(%s @ %w);
                                                      yield %t, %j + 1, %S[%j] = %s, %T[%j] = %t}
    %dh0 = tfc.while(n - 1, %dh) {body(%k, %g): %s = %S[%k]; %t = %T[%k]; <gradient of %t>}

A loop inside the body is differentiated the same way, on its copy in the backward body; that copy
has grown beyond the forward loop inside the body, so it stays (recomputed) and its own inputs are
stacked.
"""

from __future__ import annotations

import numpy as np

from ..attributes import DenseElementsAttr
from ..diagnostics import TraceError
from ..ir import Block, Operation, OpResult, Value, uses_from_block
from ..registry import Trait, lookup
from ..types import DType, TensorType
from .replay import captured_values, inexact, or_zeros, replay_ops

INDEX = TensorType(DType.i32, ())
MAX_TRIP_COUNT = 100_000


def g_while(ctx, *cotangents):
    """Cotangents of a ``tfc.while``'s operands, then of its captured values (see the module docstring)."""
    op, types = ctx.op, list(ctx.operand_types)
    carried = [i for i, t in enumerate(types) if inexact(t)]
    captures = captured_values(op)
    n = trip_count(ctx, op)
    grads = [None] * (len(types) + len(captures))
    if n == 0:
        for i in carried:
            grads[i] = cotangents[i]
        return grads
    wanted = [v for v in captures if inexact(v.type)]
    results = _reverse_loop(ctx, n, carried, wanted, cotangents)
    for i, r in zip(carried, results):
        grads[i] = ctx.tensor(r)
    position = {v: len(types) + i for i, v in enumerate(captures)}
    for v, r in zip(wanted, results[len(carried):]):
        grads[position[v]] = ctx.tensor(r)
    return grads


# ---- the trip count ------------------------------------------------------------------------------
def trip_count(ctx, op: Operation) -> int:
    """How many times a tfc.while runs, when that follows from constants alone (else a TraceError).

    The loop is simulated on the carried values that only depend on constants (a counter, say): each
    op of the cond and body is evaluated with its numpy reference when all its operands are known.
    """
    simulator = _LoopSimulator(ctx)
    state = [simulator.outside(v) for v in op.operands]
    for count in range(MAX_TRIP_COUNT + 1):
        go = simulator.run(op.regions[0].block, state)[0]
        if go is None:
            raise TraceError(
                "gradient of tfc.while needs a static trip count, but the loop condition depends on run-time values",
                op.location,
            )
        if not bool(go):
            return count
        state = simulator.run(op.regions[1].block, state)
    raise TraceError(f"gradient of tfc.while: the loop runs more than {MAX_TRIP_COUNT} iterations", op.location)


class _LoopSimulator:
    """Evaluates pure ops of a loop on the values that are known (None for the others)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.known: dict = {}
        self.depth = 0

    def call(self, inner: Operation, args):
        """The results of a call, each known when its callee computes it from known values (else None)."""
        callee = self.ctx.module.function(inner.attr("callee"))
        if callee is None:
            return None
        self.depth += 1
        try:
            return self.run(callee.body, list(args))
        finally:
            self.depth -= 1

    def evaluate(self, inner: Operation, args):
        if inner.name == "tfc.call" and self.ctx.module is not None and self.depth < 64:
            return self.call(inner, args)  # an imported loop's cond and body are calls of its functions
        opdef = lookup(inner.name)
        if opdef is None or opdef.reference is None or inner.regions or not opdef.has(Trait.PURE):
            return None
        if any(a is None for a in args):
            return None
        try:
            return self.ctx.evaluate(inner, list(args))
        except Exception:  # noqa: BLE001 - a value we cannot compute is just unknown
            return None

    def outside(self, value: Value, depth: int = 0):
        """The value of something defined outside the loop, when it is computed from constants."""
        if value not in self.known:
            result = None
            if isinstance(value, OpResult) and depth < 64:
                values = self.evaluate(value.op, [self.outside(v, depth + 1) for v in value.op.operands])
                result = None if values is None else values[value.index]
            self.known[value] = result
        return self.known[value]

    def run(self, block: Block, state):
        env = {a: s for a, s in zip(block.args, state)}
        local = set(block.args)
        for inner in block.ops[:-1]:
            values = self.evaluate(inner, [env.get(v) if v in local else self.outside(v) for v in inner.operands])
            for index, result in enumerate(inner.results):
                local.add(result)
                env[result] = None if values is None else values[index]
        return [env.get(v) if v in local else self.outside(v) for v in block.ops[-1].operands]


# ---- the backward loop ---------------------------------------------------------------------------
def _reverse_loop(ctx, n: int, carried, wanted, cotangents) -> list[Value]:
    """Iterations k = n - 1, ..., 0 of the body's gradient, reading the residuals the forward loop
    stacked; returns the carried cotangents, then the summed cotangents of the captured values ``wanted``."""
    api, types = ctx.api, list(ctx.operand_types)
    # (the start is no cached literal: api.zeros_like below may erase a cached literal nothing uses yet)
    start = ctx.tensor(_constant(ctx, np.int32(n - 1)))
    init = [start] + [cotangents[i] for i in carried] + [api.zeros_like(ctx.tensor(v)) for v in wanted]
    loop_types = [INDEX] + [types[i] for i in carried] + [v.type for v in wanted]
    cond = ctx.new_region(loop_types, lambda k, *rest: [api.greater_equal(k, 0)])
    copies: list[Operation] = []  # filled by _backward: the replayed forward ops
    body = ctx.new_region(loop_types + types, lambda *args: _backward(ctx, carried, wanted, args, copies))
    _read_residuals(ctx, n, body.block, copies, len(loop_types))
    return list(ctx.emit(ctx.op.name, [t.value for t in init], result_types=loop_types, regions=[cond, body]).results[1:])


def _backward(ctx, carried, wanted, args, copies: list) -> list:
    """One iteration's gradient, through a replay of the forward body from the state ``args`` ends
    with (those arguments go once the residuals replace them); appends the replayed ops to ``copies``."""
    api, body = ctx.api, ctx.op.regions[1].block
    k, carried_cts, sums = args[0], args[1:1 + len(carried)], args[1 + len(carried):len(args) - len(body.args)]
    state = args[len(args) - len(body.args):]
    outputs, replayed = replay_ops(ctx, body, [x.value for x in state])
    copies.extend(replayed)
    step = ctx.backprop([outputs[i] for i in carried], list(carried_cts), [state[i].value for i in carried] + wanted)
    new_cts = [or_zeros(api, g, state[i]) for g, i in zip(step, carried)]
    new_sums = [s if g is None else accumulate(ctx, s, g) for s, g in zip(sums, step[len(carried):])]
    return [api.subtract(k, 1)] + new_cts + new_sums


def _read_residuals(ctx, n: int, block: Block, copies: list[Operation], arity: int) -> None:
    """Turn the replayed backward body ``block`` into one that reads residuals: stack them in the
    forward loop, read iteration k's at the top of ``block``, drop the ops nothing reads any more and
    the state arguments (those after the first ``arity``)."""
    body = ctx.op.regions[1].block
    state = block.args[arity:]
    saved, kept = _plan(block, copies, body, state)
    dropped = [op for op in block.ops if op not in kept]
    if saved:
        stacks = _grow_forward(ctx, n, list(saved.values()))
        counter = block.args[0]
        reads = _emit_at(ctx, block, 0, lambda: _reads(ctx, stacks, counter, [v.type for v in saved]))
        for value, read in zip(saved, reads):
            value.replace_all_uses_with(read)
    _drop(block, dropped)
    if any(arg.uses for arg in state):
        raise ValueError("gradient of tfc.while: the backward body still reads the replayed state")
    del block.args[arity:]


def _plan(block: Block, copies: list[Operation], body: Block, state) -> tuple[dict, set]:
    """(saved, kept) for the backward body ``block``, swept from its end. ``saved`` maps each value the
    kept ops read that must come from the forward loop (a copied value that depends on the carried
    state, or a state argument) to the value of ``body`` it copies, in ``body``'s order. ``kept``: the
    ops that stay, i.e. the gradient ops something reads (or that have effects) and the copies that
    are recomputed (they do not depend on the state, or they grew: a loop in the body)."""
    source, variant = dict(zip(copies, body.ops)), _variant(body)
    needed: dict[Value, None] = {}
    saved, kept = {}, set()
    for op in reversed(block.ops):
        used = [r for r in op.results if r in needed]
        forward = source.get(op)
        if used and forward in variant and len(op.results) == len(forward.results) and all(_stackable(r.type) for r in used):
            saved.update((r, forward.results[r.index]) for r in used)
        elif used or (forward is None and not _removable(op)):
            kept.add(op)
            needed.update(dict.fromkeys(uses_from_block(op, block)))
    for arg, forward in zip(state, body.args):
        if arg in needed:
            if not _stackable(arg.type):
                raise TraceError(f"gradient of tfc.while: cannot save a carried value of type {arg.type}", body.parent.parent.location)
            saved[arg] = forward
    order = {v: i for i, v in enumerate([*body.args, *(r for op in body.ops for r in op.results)])}
    return dict(sorted(saved.items(), key=lambda item: order[item[1]])), kept


def _removable(op: Operation) -> bool:
    """Whether deleting ``op`` changes nothing when nothing reads it (the rule of ``effects``, which
    sits above the ops): it is pure and so is everything in its regions (terminators aside)."""
    for inner in op.walk():
        opdef = lookup(inner.name)
        if opdef is None or opdef.has(Trait.STATEFUL):
            return False
        if not opdef.has(Trait.PURE) and not (inner is not op and opdef.has(Trait.TERMINATOR)):
            return False
    return True


def _variant(body: Block) -> set[Operation]:
    """The ops of ``body`` whose results depend on its arguments (the carried state) other than
    integer scalars (counters): the rest, a step of a captured sequence read at the counter say, is
    recomputed in the backward loop from the counter, which costs no stack of its own."""
    values, ops = {a for a in body.args if not _counter(a.type)}, set()
    for op in body.ops[:-1]:
        if any(v in values for v in uses_from_block(op, body)):
            ops.add(op)
            values.update(op.results)
    return ops


def _counter(t) -> bool:
    return isinstance(t, TensorType) and t.shape == () and not t.dtype.is_inexact


def _stackable(t) -> bool:
    return isinstance(t, TensorType) and t.is_static


def _drop(block: Block, ops: list[Operation]) -> None:
    """Remove ``ops`` (nothing that stays reads them) from ``block``, one rebuild of its op list."""
    dropped = set(ops)
    for op in ops:
        for inner in op.walk():
            inner.drop_operands()
        op.parent = None
    block.ops[:] = [op for op in block.ops if op not in dropped]


# ---- the forward loop, grown ---------------------------------------------------------------------
def _grow_forward(ctx, n: int, values: list[Value]) -> list[Value]:
    """Make the forward loop ``ctx.op`` also carry a counter and an [n, ...] stack of each of ``values``
    (of its body), written at each iteration's index; returns the stacks (its new last results).
    The op stays the same object, so whatever already uses its results keeps them."""
    op = ctx.op
    cond, body = (region.block for region in op.regions)
    stack_types = [TensorType(v.type.dtype, (n, *v.type.shape)) for v in values]
    new_types = [INDEX, *stack_types]
    init = _emit_at(ctx, op.parent, op.parent.ops.index(op),
                    lambda: [_constant(ctx, np.int32(0))] + [_zeros(ctx, t) for t in stack_types])
    for t in new_types:
        cond.add_argument(t)
    counter, *stacks = [body.add_argument(t) for t in new_types]
    terminator = body.ops[-1]
    written = _emit_at(ctx, body, len(body.ops) - 1, lambda: _writes(ctx, counter, stacks, values))
    terminator.set_operands([*terminator.operands, *written])
    op.set_operands([*op.operands, *init])
    op.results.extend(OpResult(t, op, len(op.results) + i) for i, t in enumerate(new_types))
    return op.results[len(op.results) - len(stacks):]


def _emit_at(ctx, block: Block, index: int, build) -> list[Value]:
    """Record ``build()`` into a scratch block and move its ops into ``block`` before position ``index``.
    ``build`` emits with ``ctx.emit`` alone: the tracer's cached constants may not dominate ``index``."""
    scratch = Block()
    with ctx.recording(scratch):
        values = build()
    for op in scratch.ops:
        op.parent = block
    block.ops[index:index] = scratch.ops
    return values


def _constant(ctx, array) -> Value:
    return ctx.emit("tfc.constant", [], {"value": DenseElementsAttr.from_array(np.asarray(array))}).result


def _zeros(ctx, t: TensorType) -> Value:
    zero = _constant(ctx, np.zeros((), t.dtype.numpy))
    return ctx.emit("tfc.broadcast_in_dim", [zero], {"broadcast_dimensions": ()}, [t]).result


def _writes(ctx, counter: Value, stacks, values) -> list[Value]:
    """The counter plus one, then each stack with its value written at row ``counter``."""
    zero = _constant(ctx, np.int32(0))
    written = [ctx.emit("tfc.add", [counter, _constant(ctx, np.int32(1))]).result]
    for stack, value in zip(stacks, values):
        t = value.type
        row = ctx.emit("tfc.reshape", [value], result_types=[TensorType(t.dtype, (1, *t.shape))]).result
        written.append(ctx.emit("tfc.dynamic_update_slice", [stack, row, counter] + [zero] * len(t.shape)).result)
    return written


def _reads(ctx, stacks, counter: Value, types) -> list[Value]:
    """Row ``counter`` of each stack, as a value of its type in ``types``."""
    zero = _constant(ctx, np.int32(0))
    reads = []
    for stack, t in zip(stacks, types):
        row = ctx.emit("tfc.dynamic_slice", [stack, counter] + [zero] * len(t.shape), {"slice_sizes": (1, *t.shape)}).result
        reads.append(ctx.emit("tfc.reshape", [row], result_types=[t]).result)
    return reads


# ---- cotangents of captured values ---------------------------------------------------------------
def accumulate(ctx, total, g):
    """``total + g`` for one iteration's cotangent ``g`` of a captured value. When ``g`` is zeros with
    one slice set (the gradient of a ``tfc.dynamic_slice``: a loop reading step k of a captured
    sequence), only that slice of ``total`` is added to, so an iteration costs the slice and not the
    whole value (a loop over n steps: O(n) instead of O(n^2)). Exact: ``total`` starts at +0.0 and a
    sum of floats is -0.0 only from two -0.0s, so adding +0.0 elsewhere would change no bit."""
    api, owner = ctx.api, getattr(g.value, "op", None)
    if owner is None or owner.name != "tfc.dynamic_update_slice" or not _is_positive_zeros(owner.operands[0]):
        return api.add(total, g)
    update, starts = ctx.tensor(owner.operands[1]), [ctx.tensor(v) for v in owner.operands[2:]]
    current = api.emit("tfc.dynamic_slice", [total, *starts], {"slice_sizes": tuple(update.shape)})
    return api.emit("tfc.dynamic_update_slice", [total, api.add(current, update), *starts])


def _is_positive_zeros(value) -> bool:
    """Whether ``value`` is all +0.0 (or integer 0): a zero ``tfc.constant``, or a broadcast of one."""
    owner = getattr(value, "op", None)
    if owner is not None and owner.name == "tfc.broadcast_in_dim":
        owner = getattr(owner.operands[0], "op", None)
    if owner is None or owner.name != "tfc.constant":
        return False
    found = np.asarray(owner.attr("value"))
    return not np.any(found) and not np.any(np.signbit(found))


__all__ = ["INDEX", "MAX_TRIP_COUNT", "accumulate", "g_while", "trip_count"]
