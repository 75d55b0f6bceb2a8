"""Structured control flow: ``tfc.if``, ``tfc.while``, their ``tfc.yield`` terminator, and ``tfc.call``.

Regions hold one block each and may use values defined outside the op (captures), as StableHLO's
``if`` and ``while`` do, so each op lowers one-to-one. The verifier checks that blocks end with a
terminator and that captures are visible; the hooks here check the type contracts between the op,
its block arguments and what its regions yield. None of these ops is PURE: their regions (or the
callee) may hold stateful ops, so passes must not merge or drop them on purity grounds.
"""

from __future__ import annotations

import numpy as np

from ..attributes import SymbolRefAttr
from ..diagnostics import TraceError
from ..ir import (
    FUNC_OP,
    MODULE_OP,
    RETURN_OP,
    Block,
    BlockArgument,
    Function,
    Operation,
    OpResult,
    Region,
    Value,
)
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, lookup, register
from ..types import DType, FunctionType, TensorType

YIELD_OP = "tfc.yield"
IF_OP = "tfc.if"
WHILE_OP = "tfc.while"
_PRED = TensorType(DType.bool, ())


def _text(types) -> str:
    return "(" + ", ".join(map(str, types)) + ")"


def _yielded(region) -> tuple | None:
    """The types the single block of ``region`` yields, or None when it does not end in ``tfc.yield``."""
    if len(region.blocks) != 1 or not region.block.ops or region.block.ops[-1].name != YIELD_OP:
        return None
    return tuple(v.type for v in region.block.ops[-1].operands)


def _check_region(op: Operation, index: int, what: str, arg_types, want, rule: str) -> str | None:
    """Error text unless region ``index`` is one block taking ``arg_types`` and yielding ``want``."""
    blocks = op.regions[index].blocks
    if len(blocks) != 1:
        return f"{what} region must have exactly one block, has {len(blocks)}"
    args = tuple(a.type for a in blocks[0].args)
    if args != tuple(arg_types):
        return f"{what} region takes arguments {_text(args)} but must take {_text(arg_types)}"
    yielded = _yielded(op.regions[index])
    if yielded is None:
        return f"{what} region must end with '{YIELD_OP}'"
    if yielded != tuple(want):
        return f"{what} region yields {_text(yielded)} but {rule} {_text(want)}"
    return None


# ---- gradients -----------------------------------------------------------------------------------
# An op with regions also depends on the values its regions capture from outside (``tfc.if`` takes all
# its inputs that way). Its gradient rule returns one cotangent per operand and then one per value of
# ``captured_values(op)``, in that order; ``backprop`` differentiates with respect to both.
# The rules re-trace the forward ops of a region where they need its intermediate values (inside a
# new region, loop body or function) and differentiate there with ``ctx.backprop``, so the gradient
# is ordinary IR too. Everything they build goes through their context (see ``GradContext``).


def captured_values(op: Operation) -> list[Value]:
    """Values that ``op``'s regions use but that are defined outside ``op``, in order of first use."""
    inner_blocks = {block for nested in op.walk() for region in nested.regions for block in region.blocks}
    seen: dict[Value, None] = {}
    for nested in op.walk():
        if nested is op:
            continue
        for value in nested.operands:
            owner = value.block if isinstance(value, BlockArgument) else value.op.parent
            if owner not in inner_blocks:
                seen[value] = None
    return list(seen)


def _inexact(t) -> bool:
    return isinstance(t, TensorType) and t.dtype.is_inexact


def _clone_ops(ctx, ops, mapping: dict) -> None:
    """Re-create ``ops`` where ``ctx`` records, operands renamed through ``mapping`` (updated)."""
    for op in ops:
        regions = [_clone_region(ctx, region, mapping) for region in op.regions]
        new = ctx.emit(op.name, [mapping.get(v, v) for v in op.operands], dict(op.attributes),
                       [r.type for r in op.results], regions, op.location)
        mapping.update(zip(op.results, new.results))


def _clone_region(ctx, region: Region, mapping: dict) -> Region:
    block = Block([a.type for a in region.block.args])
    mapping.update(zip(region.block.args, block.args))
    with ctx.recording(block):
        _clone_ops(ctx, region.block.ops, mapping)
    return Region([block])


# Replaying a read gives the value the forward pass read unless something wrote in between; replaying
# any other stateful op would repeat its effect, so those cannot be differentiated this way.
_REPLAYABLE_STATEFUL = frozenset({"tfc.read_variable"})


def _replay(ctx, block: Block, args) -> list[Value]:
    """Re-trace ``block``'s ops with its arguments bound to ``args``; returns what it yields (or returns)."""
    for op in block.ops:
        for nested in op.walk():
            opdef = lookup(nested.name)
            if opdef is not None and opdef.has(Trait.STATEFUL) and nested.name not in _REPLAYABLE_STATEFUL:
                owner = block.parent.parent
                what = f"function @{owner.attr('sym_name')}" if owner.name == FUNC_OP else f"'{owner.name}'"
                raise TraceError(f"cannot differentiate through {what}: it holds the stateful op "
                                 f"'{nested.name}', which the gradient would run again", nested.location)
    mapping = dict(zip(block.args, args))
    _clone_ops(ctx, block.ops[:-1], mapping)
    return [mapping.get(v, v) for v in block.ops[-1].operands]


def _or_zeros(api, grad, like):
    return grad if grad is not None else api.zeros_like(like)


def _g_if(ctx, *cotangents):
    """A tfc.if on the same predicate whose branches replay the forward branch and backpropagate
    through it; it returns the cotangents of the captured values."""
    api, op, pred = ctx.api, ctx.op, ctx.operands[0]
    captures = captured_values(op)
    wanted = [v for v in captures if _inexact(v.type)]
    outputs = [i for i, r in enumerate(op.results) if _inexact(r.type)]
    if not wanted or not outputs:
        return [None] * (1 + len(captures))

    def branch(index):
        def body():
            yielded = _replay(ctx, op.regions[index].block, [])
            grads = ctx.backprop([yielded[i] for i in outputs], [cotangents[i] for i in outputs], wanted)
            return [_or_zeros(api, g, ctx.tensor(v)) for g, v in zip(grads, wanted)]

        return ctx.new_region((), body)

    new = ctx.emit(IF_OP, [pred.value], result_types=[v.type for v in wanted], regions=[branch(0), branch(1)])
    by_value = dict(zip(wanted, new.results))
    return [None] + [ctx.tensor(by_value[v]) if v in by_value else None for v in captures]


_MAX_TRIP_COUNT = 100_000


def _trip_count(ctx, op: Operation) -> int:
    """How many times a tfc.while runs, when that follows from constants alone (else a TraceError).

    The loop is simulated on the carried values that only depend on constants (a counter, say): each
    op of the cond and body is evaluated with its numpy reference when all its operands are known.
    """
    simulator = _LoopSimulator(ctx)
    state = [simulator.outside(v) for v in op.operands]
    for count in range(_MAX_TRIP_COUNT + 1):
        go = simulator.run(op.regions[0].block, state)[0]
        if go is None:
            raise TraceError(
                "gradient of tfc.while needs a static trip count, but the loop condition depends on run-time values",
                op.location,
            )
        if not bool(go):
            return count
        state = simulator.run(op.regions[1].block, state)
    raise TraceError(f"gradient of tfc.while: the loop runs more than {_MAX_TRIP_COUNT} iterations", op.location)


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


def _g_while(ctx, *cotangents):
    """For a loop with a static trip count n: a copy of the loop that also stacks the carried values
    of every iteration into [n, ...] buffers, then a loop from n - 1 down to 0 that replays iteration
    k from its stacked values and backpropagates the carried cotangents through it, summing the
    cotangents of captured values on the way."""
    op, types = ctx.op, list(ctx.operand_types)
    carried = [i for i, t in enumerate(types) if _inexact(t)]
    captures = captured_values(op)
    n = _trip_count(ctx, op)
    grads = [None] * (len(types) + len(captures))
    if n == 0:
        for i in carried:
            grads[i] = cotangents[i]
        return grads
    stacked = _stacking_loop(ctx, n)
    wanted = [v for v in captures if _inexact(v.type)]
    results = _reverse_loop(ctx, n, stacked, carried, wanted, cotangents)
    for i, r in zip(carried, results):
        grads[i] = ctx.tensor(r)
    for v, r in zip(wanted, results[len(carried):]):
        grads[len(types) + captures.index(v)] = ctx.tensor(r)
    return grads


def _stacking_loop(ctx, n: int) -> list[Value]:
    """The forward loop again, stacking each iteration's input state into [n, ...] buffers."""
    api, op, types = ctx.api, ctx.op, list(ctx.operand_types)
    body, m = op.regions[1].block, len(types)

    def forward(k, *rest):
        state, stacks = rest[:m], rest[m:]
        stacks = [api.emit("tfc.dynamic_update_slice", [s, api.reshape(x, (1,) + x.shape), k] + [api.astype(0, DType.i32)] * x.ndim)
                  for s, x in zip(stacks, state)]
        new_state = [ctx.tensor(v) for v in _replay(ctx, body, [x.value for x in state])]
        return [api.add(k, 1)] + new_state + stacks

    stack_types = [TensorType(t.dtype, (n,) + t.shape) for t in types]
    init = [api.astype(0, DType.i32)] + list(ctx.operands) + [api.broadcast_to(api.astype(0, t.dtype), t.shape) for t in stack_types]
    loop_types = [_INDEX] + types + stack_types
    regions = [ctx.new_region(loop_types, lambda k, *rest: [api.less(k, n)]), ctx.new_region(loop_types, forward)]
    return list(ctx.emit(WHILE_OP, [t.value for t in init], result_types=loop_types, regions=regions).results[1 + m:])


def _reverse_loop(ctx, n: int, stacked, carried, wanted, cotangents) -> list[Value]:
    """Iterations k = n - 1, ..., 0, each replayed from its stacked state and backpropagated through;
    returns the carried cotangents, then the summed cotangents of the captured values ``wanted``."""
    api, types, body = ctx.api, list(ctx.operand_types), ctx.op.regions[1].block

    def backward(k, *rest):
        carried_cts, sums = rest[:len(carried)], rest[len(carried):]
        state = []
        for stack, t in zip(stacked, types):
            starts = [k] + [api.astype(0, DType.i32)] * len(t.shape)
            piece = api.emit("tfc.dynamic_slice", [ctx.tensor(stack)] + starts, {"slice_sizes": (1,) + t.shape})
            state.append(api.reshape(piece, t.shape))
        outputs = _replay(ctx, body, [x.value for x in state])
        step = ctx.backprop([outputs[i] for i in carried], list(carried_cts), [state[i].value for i in carried] + wanted)
        new_cts = [_or_zeros(api, g, state[i]) for g, i in zip(step, carried)]
        new_sums = [s if g is None else _accumulate(ctx, s, g) for s, g in zip(sums, step[len(carried):])]
        return [api.subtract(k, 1)] + new_cts + new_sums

    init = [api.astype(n - 1, DType.i32)] + [cotangents[i] for i in carried] + [api.zeros_like(ctx.tensor(v)) for v in wanted]
    loop_types = [_INDEX] + [types[i] for i in carried] + [v.type for v in wanted]
    regions = [ctx.new_region(loop_types, lambda k, *rest: [api.greater_equal(k, 0)]), ctx.new_region(loop_types, backward)]
    return list(ctx.emit(WHILE_OP, [t.value for t in init], result_types=loop_types, regions=regions).results[1:])


def _accumulate(ctx, total, g):
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


_INDEX = TensorType(DType.i32, ())


def _g_call(ctx, *cotangents):
    """A call of a new function ``<callee>_vjp(args..., result cotangents...) -> argument cotangents``
    that replays the callee and backpropagates through it (made once per module and callee)."""
    args = [i for i, t in enumerate(ctx.operand_types) if _inexact(t)]
    outputs = [i for i, r in enumerate(ctx.op.results) if _inexact(r.type)]
    if not args or not outputs:
        return [None] * len(ctx.operands)
    name = _vjp_function(ctx, args, outputs)
    operands = [t.value for t in ctx.operands] + [cotangents[i].value for i in outputs]
    call = ctx.emit("tfc.call", operands, {"callee": SymbolRefAttr(name)}, [ctx.operand_types[i] for i in args])
    grads = [None] * len(ctx.operands)
    for i, r in zip(args, call.results):
        grads[i] = ctx.tensor(r)
    return grads


def _vjp_function(ctx, args, outputs) -> str:
    api, module = ctx.api, ctx.module
    callee = module.function(ctx.attrs["callee"])
    ftype = FunctionType(
        tuple(callee.type.inputs) + tuple(callee.type.results[i] for i in outputs),
        tuple(callee.type.inputs[i] for i in args),
    )
    existing = {f.name: f for f in module.functions}
    name, suffix = f"{callee.name}_vjp", 0
    while name in existing and existing[name].type != ftype:
        suffix += 1
        name = f"{callee.name}_vjp_{suffix}"
    if name in existing:
        return name
    function = module.add_function(Function.create(name, ftype.inputs, ftype.results, location=ctx.op.location))
    with ctx.in_function(function):
        n = len(callee.args)
        returned = _replay(ctx, callee.body, function.args[:n])
        seeds = [ctx.tensor(a) for a in function.args[n:]]
        grads = ctx.backprop([returned[i] for i in outputs], seeds, [function.args[i] for i in args])
        grads = [_or_zeros(api, g, ctx.tensor(function.args[i])) for g, i in zip(grads, args)]
        ctx.emit(RETURN_OP, [g.value for g in grads])
    return name


# ---- tfc.yield -----------------------------------------------------------------------------------
def _verify_yield(op: Operation) -> str | None:
    parent = op.parent_op
    if parent is None or parent.name not in (IF_OP, WHILE_OP):
        return f"must be directly inside '{IF_OP}' or '{WHILE_OP}'"
    if op.parent.ops[-1] is not op:
        return "must be the last op of its block"
    return None


YIELD = register(
    OpDef(
        YIELD_OP,
        "Ends a region of tfc.if or tfc.while and hands its operands to the parent op.",
        operands=("values*",),
        results=(),
        traits=frozenset({Trait.TERMINATOR}),
        infer=lambda ctx, *types: [],
        verify=_verify_yield,
    )
)


# ---- tfc.if --------------------------------------------------------------------------------------
def _require_pred(t) -> None:
    if t != _PRED:
        raise ShapeError(f"predicate must be a rank-0 bool tensor ({_PRED}), got {t}")


def _infer_if(ctx, pred):
    """Declared result types; a builder that gives none gets what the then region yields."""
    _require_pred(pred)
    if ctx.declared is not None:
        return list(ctx.declared)
    yielded = _yielded(ctx.regions[0]) if ctx.regions else None
    if yielded is None:
        raise ShapeError("needs explicit result types (or a then region ending in 'tfc.yield')")
    return list(yielded)


def _verify_if(op: Operation) -> str | None:
    results = [r.type for r in op.results]
    for index, what in enumerate(("then", "else")):
        problem = _check_region(op, index, what, (), results, "the op returns")
        if problem:
            return problem
    return None


def _fold_if(ctx) -> bool:
    """A known predicate: the branch it takes replaces the op."""
    pred = ctx.constant(ctx.op.operands[0])
    if pred is None or pred.size != 1:
        return False
    ctx.replace(ctx.inline_region(0 if bool(pred.reshape(())) else 1))
    return True


def _refine_if(ctx) -> None:
    """Refine both branches; a result takes the type both branches now yield, if they agree."""
    op = ctx.op
    for region in op.regions:
        ctx.refine_block(region.block)
    then_yield, else_yield = (region.block.ops[-1].operands for region in op.regions)
    for result, a, b in zip(op.results, then_yield, else_yield):
        if a.type == b.type:
            ctx.refine(result, a.type)
        ctx.tie([result, a, b])


def _run_if(ctx, pred):
    return ctx.run_region(0 if bool(pred) else 1, [])


def _lower_if(ctx, pred):
    op = ctx.hlo.IfOp(ctx.result_types, pred)
    for index in range(2):
        ctx.lower_region(index, op.regions[index], [])
    return list(op.results)


IF = register(
    OpDef(
        IF_OP,
        "Runs the then region when pred holds, else the else region; returns what that region yields.",
        operands=("pred",),
        results=("results*",),
        traits=frozenset(),
        regions=2,
        infer=_infer_if,
        reference=_run_if,
        lower=_lower_if,
        verify=_verify_if,
        grad=_g_if,
        fold=_fold_if,
        refine_regions=_refine_if,
    )
)


# ---- tfc.while -----------------------------------------------------------------------------------
def _verify_while(op: Operation) -> str | None:
    carried = [v.type for v in op.operands]
    results = [r.type for r in op.results]
    if results != carried:
        return f"returns {_text(results)} but the loop carries {_text(carried)}"
    problem = _check_region(op, 0, "cond", carried, [_PRED], "a loop condition must yield")
    return problem or _check_region(op, 1, "body", carried, carried, "the loop carries")


def _fold_while(ctx) -> bool:
    """A condition that is false for the initial values: the loop is its initial values."""
    op = ctx.op
    verdict = ctx.evaluate_region(op.regions[0], [ctx.constant(v) for v in op.operands])
    if not verdict or verdict[0] is None or verdict[0].size != 1 or bool(verdict[0].reshape(())):
        return False
    ctx.replace(list(op.operands))
    return True


def _refine_while(ctx) -> None:
    """Carry the refined initial types when the body keeps them; else re-infer with the old ones."""
    op = ctx.op
    carried = [[op.operands[i], op.results[i]] + [r.block.args[i] for r in op.regions] for i in range(len(op.results))]
    mark = ctx.mark()
    trying = False
    for group in carried:
        for value in group[1:]:
            trying |= ctx.refine(value, group[0].type)
    for region in op.regions:
        ctx.refine_block(region.block)
    body_yield = op.regions[1].block.ops[-1].operands
    if trying and any(v.type != group[1].type for v, group in zip(body_yield, carried)):
        ctx.rollback(mark)
        for region in op.regions:
            ctx.refine_block(region.block)
    for group, yielded in zip(carried, body_yield):
        ctx.tie(group + [yielded])


def _run_while(ctx, *init):
    values = list(init)
    while bool(ctx.run_region(0, values)[0]):
        values = ctx.run_region(1, values)
    return values


def _lower_while(ctx, *init):
    op = ctx.hlo.WhileOp(ctx.result_types, list(init))
    for index in range(2):
        ctx.lower_region(index, op.regions[index], ctx.result_types)
    return list(op.results)


WHILE = register(
    OpDef(
        WHILE_OP,
        "Loops the body region over the carried values while the cond region yields true.",
        operands=("init*",),
        results=("results*",),
        traits=frozenset(),
        regions=2,
        infer=lambda ctx, *carried: list(carried),
        reference=_run_while,
        lower=_lower_while,
        verify=_verify_while,
        grad=_g_while,
        fold=_fold_while,
        refine_regions=_refine_while,
    )
)


# ---- tfc.call ------------------------------------------------------------------------------------
def _infer_call(ctx, *args):
    """The callee lives elsewhere in the module, so the builder must pass its result types."""
    if ctx.declared is None:
        raise ShapeError("needs explicit result types (the callee's results)")
    return list(ctx.declared)


def _find_function(op: Operation, name: str) -> Operation | None:
    """The ``func.func`` named ``name`` in the nearest enclosing module."""
    module = op.parent_op
    while module is not None and module.name != MODULE_OP:
        module = module.parent_op
    if module is None:
        return None
    for child in module.regions[0].block.ops:
        if child.name == FUNC_OP and child.attr("sym_name") == name:
            return child
    return None


def _compare(kind: str, have, want, callee: str) -> str | None:
    """Error text when the call's ``have`` types differ from the callee's ``want`` ("argument"/"result")."""
    if len(have) != len(want):
        return f"has {len(have)} {kind}s but {callee} {'takes' if kind == 'argument' else 'returns'} {len(want)}"
    for index, (h, w) in enumerate(zip(have, want)):
        if h != w:
            return f"{kind} #{index} has type {h} but {callee} {'expects' if kind == 'argument' else 'returns'} {w}"
    return None


def _verify_call(op: Operation) -> str | None:
    symbol = str(op.attributes["callee"])
    callee = _find_function(op, op.attr("callee"))
    if callee is None:
        return f"callee {symbol} not found in the enclosing module"
    ftype = callee.attr("function_type")
    if not isinstance(ftype, FunctionType):
        return f"callee {symbol} has no valid function type"
    args = [v.type for v in op.operands]
    results = [r.type for r in op.results]
    return _compare("argument", args, ftype.inputs, symbol) or _compare("result", results, ftype.results, symbol)


def _lower_call(ctx, *args):
    callee = ctx.ir.FlatSymbolRefAttr.get(ctx.callee(ctx.attrs["callee"]))
    op = ctx.ir.Operation.create("func.call", results=ctx.result_types, operands=list(args), attributes={"callee": callee})
    return list(op.results)


CALL = register(
    OpDef(
        "tfc.call",
        "Calls a function of the enclosing module.",
        operands=("args*",),
        results=("results*",),
        attributes={"callee": attr(AttrKind.SYMBOL)},
        traits=frozenset(),
        infer=_infer_call,
        reference=lambda ctx, *args: ctx.call(ctx.attrs["callee"], list(args)),
        lower=_lower_call,
        verify=_verify_call,
        grad=_g_call,
    )
)

__all__ = ["CALL", "IF", "WHILE", "YIELD", "captured_values"]
