"""Structured control flow: ``tfc.if``, ``tfc.while``, their ``tfc.yield`` terminator, and ``tfc.call``.

Regions hold one block each and may use values defined outside the op (captures), as StableHLO's
``if`` and ``while`` do, so each op lowers one-to-one. The verifier checks that blocks end with a
terminator and that captures are visible; the hooks here check the type contracts between the op,
its block arguments and what its regions yield. None of these ops is PURE: their regions (or the
callee) may hold stateful ops, so passes must not merge or drop them on purity grounds.
"""

from __future__ import annotations

from ..ir import FUNC_OP, MODULE_OP, Operation
from ..registry import AttrKind, OpDef, ShapeError, Trait, attr, register
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
    )
)

__all__ = ["YIELD", "IF", "WHILE", "CALL"]
