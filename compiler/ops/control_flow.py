"""Structured control flow: ``tfc.if``, ``tfc.while``, their ``tfc.yield`` terminator, and ``tfc.call``.

Regions hold one block each and may use values defined outside the op (captures), as StableHLO's
``if`` and ``while`` do, so each op lowers one-to-one. The verifier checks that blocks end with a
terminator and that captures are visible; the hooks here check the type contracts between the op,
its block arguments and what its regions yield. None of these ops is PURE: their regions (or the
callee) may hold stateful ops, so passes must not merge or drop them on purity grounds.
"""

from __future__ import annotations

from ..attributes import SymbolRefAttr
from ..ir import FUNC_OP, MODULE_OP, RETURN_OP, Function, Operation
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, register
from ..types import DType, FunctionType, TensorType
from .replay import captured_values, inexact, or_zeros, replay
from .while_grad import g_while

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


# ---- gradients ----------------------------------------------------------------------------------
# The rules of the ops with regions replay what they differentiate (see ``replay``); ``tfc.while``'s,
# which saves residuals instead of replaying the forward loop, has a module of its own (``while_grad``).


def _g_if(ctx, *cotangents):
    """A tfc.if on the same predicate whose branches replay the forward branch and backpropagate
    through it; it returns the cotangents of the captured values."""
    api, op, pred = ctx.api, ctx.op, ctx.operands[0]
    captures = captured_values(op)
    wanted = [v for v in captures if inexact(v.type)]
    outputs = [i for i, r in enumerate(op.results) if inexact(r.type)]
    if not wanted or not outputs:
        return [None] * (1 + len(captures))

    def branch(index):
        def body():
            yielded = replay(ctx, op.regions[index].block, [])
            grads = ctx.backprop([yielded[i] for i in outputs], [cotangents[i] for i in outputs], wanted)
            return [or_zeros(api, g, ctx.tensor(v)) for g, v in zip(grads, wanted)]

        return ctx.new_region((), body)

    new = ctx.emit(IF_OP, [pred.value], result_types=[v.type for v in wanted], regions=[branch(0), branch(1)])
    by_value = dict(zip(wanted, new.results))
    return [None] + [ctx.tensor(by_value[v]) if v in by_value else None for v in captures]


def _g_call(ctx, *cotangents):
    """A call of a new function ``<callee>_vjp(args..., result cotangents...) -> argument cotangents``
    that replays the callee and backpropagates through it (made once per module and callee)."""
    args = [i for i, t in enumerate(ctx.operand_types) if inexact(t)]
    outputs = [i for i, r in enumerate(ctx.op.results) if inexact(r.type)]
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
        returned = replay(ctx, callee.body, function.args[:n])
        seeds = [ctx.tensor(a) for a in function.args[n:]]
        grads = ctx.backprop([returned[i] for i in outputs], seeds, [function.args[i] for i in args])
        grads = [or_zeros(api, g, ctx.tensor(function.args[i])) for g, i in zip(grads, args)]
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
        grad=g_while,
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

__all__ = ["CALL", "IF", "WHILE", "YIELD"]
