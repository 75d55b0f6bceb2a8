"""Structural ops every module has: ``builtin.module``, ``func.func``, ``func.return``.

Backends handle these directly (a function becomes an executable entry, return its results), so
they carry no reference or lowering.
"""

from __future__ import annotations

from ..ir import FUNC_OP, MODULE_OP, RETURN_OP, Function, Operation
from ..registry import AttrKind, OpDef, Trait, attr, optional, register
from ..types import FunctionType


def _verify_module(op: Operation) -> str | None:
    names = set()
    for child in op.regions[0].blocks[0].ops if op.regions and op.regions[0].blocks else []:
        if child.name == FUNC_OP:
            name = child.attr("sym_name")
            if name in names:
                return f"redefinition of function '@{name}'"
            names.add(name)
    if len(op.regions[0].blocks) != 1:
        return "body must have exactly one block"
    return None


def _verify_func(op: Operation) -> str | None:
    ftype = op.attr("function_type")
    if not isinstance(ftype, FunctionType):
        return f"'function_type' must be a function type, got {ftype}"
    region = op.regions[0]
    if len(region.blocks) != 1:
        return f"body must have exactly one block, has {len(region.blocks)}"
    body = region.blocks[0]
    arg_types = tuple(a.type for a in body.args)
    if arg_types != ftype.inputs:
        return f"entry block arguments ({', '.join(map(str, arg_types))}) do not match the signature {ftype}"
    if not body.ops or body.ops[-1].name != RETURN_OP:
        return "body must end with 'func.return'"
    returned = tuple(v.type for v in body.ops[-1].operands)
    if returned != ftype.results:
        return f"returns ({', '.join(map(str, returned))}) but the signature says {ftype}"
    return None


def _verify_return(op: Operation) -> str | None:
    parent = op.parent_op
    if parent is None or parent.name != FUNC_OP:
        return "must be directly inside a 'func.func'"
    return None


MODULE = register(
    OpDef(
        MODULE_OP,
        "A module: the top-level container of functions.",
        results=(),
        traits=frozenset({Trait.ISOLATED_FROM_ABOVE}),
        regions=1,
        verify=_verify_module,
    )
)

FUNC = register(
    OpDef(
        FUNC_OP,
        "A function: a named body with a signature; values from outside are not visible in it.",
        results=(),
        attributes={
            "sym_name": attr(AttrKind.STRING),
            "function_type": attr(AttrKind.TYPE),
            "sym_visibility": optional(AttrKind.STRING, choices=("public", "private")),
            "arg_names": optional(AttrKind.ARRAY),
        },
        traits=frozenset({Trait.ISOLATED_FROM_ABOVE}),
        regions=1,
        verify=_verify_func,
    )
)

RETURN = register(
    OpDef(
        RETURN_OP,
        "Returns values from a function.",
        operands=("values*",),
        results=(),
        traits=frozenset({Trait.TERMINATOR}),
        verify=_verify_return,
    )
)

__all__ = ["MODULE", "FUNC", "RETURN", "Function"]
