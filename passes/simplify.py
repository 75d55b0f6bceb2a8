"""``simplify``: algebraic rewrites from a table, applied with a worklist until none applies.

Before::

    %z = "tfc.constant"() {value = dense<0> : tensor<4xi32>} : () -> tensor<4xi32>
    %a = "tfc.add"(%x, %z) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
    %n = "tfc.negate"(%a) : (tensor<4xi32>) -> tensor<4xi32>
    %m = "tfc.negate"(%n) : (tensor<4xi32>) -> tensor<4xi32>
    "func.return"(%m) : (tensor<4xi32>) -> ()

After (the dead ops are left to ``dce``)::

    "func.return"(%x) : (tensor<4xi32>) -> ()

This module holds the core ops' rule table, :data:`RULES`; ``simplify`` applies it together with
the other IR levels' tables (the ``tf.*`` ops' lives in ``frontend/tf/rules.py``), all through the
driver and the floating-point policy of :mod:`tfc.patterns`. Every rule names the op it starts from,
the algebra it uses and the reason it is exact. Rewrites never change a result's type. By default
they are exact for every input, so floating-point rules are narrower than the algebra: ``x * 0``
and ``x - x`` only fold for integers (``nan``, ``inf`` and ``-0.0`` break them), and ``x + 0`` only
drops a ``-0.0`` for floats (``-0.0 + +0.0`` is ``+0.0``), while ``x - +0.0`` is exact; with
``fast-math`` the float forms apply too. A "constant" is a value defined by a ``constant``-like op
(``tfc.constant``, ``tf.Const``); a rule that wants a number wants a splat constant. Ops with
control edges (``!tfc.token`` operands, or a token result that is used) are never rewritten, and
only ``pure`` ops are.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.ir import Module, Operation
from tfc.passmanager import Pass, register_pass
from tfc.patterns import (
    DEFAULT_MAX_ELEMENTS,
    PatternDriver,
    Rule,
    apply_rules,
    is_absorbing_zero,
    is_additive_identity,
    is_one,
    is_static,
    is_subtractive_identity,
    is_zero,
    operand_when_other_is,
    register_rules,
    registered_rules,
    same_operands,
    zero_when_other_is,
)
from tfc.registry import lookup


@register_pass
@dataclass(frozen=True)
class Simplify(Pass):
    """Apply the registered algebraic rewrites (core and tf tables) to a fixed point."""

    name = "simplify"
    max_elements: int = DEFAULT_MAX_ELEMENTS
    """Rules that create a constant (``broadcast(c)``, ``x * 0``) do not make one larger than this."""
    fast_math: bool = False
    """Also apply rewrites that are not exact for -0.0, NaN, Inf or rounding (``x + 0.0 -> x``)."""

    def run(self, module: Module) -> None:
        simplify_module(module, self.max_elements, self.fast_math)


def simplify_module(module: Module, max_elements: int = DEFAULT_MAX_ELEMENTS, fast_math: bool = False) -> int:
    """Simplify ``module`` in place; returns the number of rewrites applied (0: unchanged)."""
    for name in {op.name for op in module.walk()}:
        lookup(name)  # loads the dialect of each op, and with it that level's rule table
    return apply_rules(module, registered_rules(), fast_math=fast_math, max_elements=max_elements)


# ---- core rules: each returns the replacement values, or None ---------------------------------------
def integer_self_difference(op: Operation, driver: PatternDriver):
    """``x - x`` -> 0 for integers (nan - nan and inf - inf are nan)."""
    x, y = op.operands
    if x is not y or op.result.type.dtype.is_inexact:
        return None
    return driver.splat_constant(op, 0)


def self_difference(op: Operation, driver: PatternDriver):
    """``x - x`` -> 0 for every type (fast-math: wrong for nan and inf)."""
    x, y = op.operands
    return driver.splat_constant(op, 0) if x is y else None


def involution(op: Operation, driver: PatternDriver):
    """``f(f(x))`` -> x for an op that undoes itself (negate, not)."""
    inner = driver.producer(op.operands[0], op.name)
    return [inner.operands[0]] if inner is not None else None


def same_type(op: Operation, driver: PatternDriver):
    """``convert(x)`` to x's own type -> x (elementwise, so ``?`` dims are fine)."""
    x = op.operands[0]
    return [x] if x.type == op.result.type else None


def same_static_shape(op: Operation, driver: PatternDriver):
    """``reshape(x)`` to x's own static shape -> x (two ``?`` could hide different shapes)."""
    x = op.operands[0]
    return [x] if x.type == op.result.type and is_static(x) else None


def reshape_of_reshape(op: Operation, driver: PatternDriver):
    """``reshape(reshape(x))`` -> ``reshape(x)``: only the row-major order matters."""
    inner = driver.producer(op.operands[0], op.name)
    if inner is None:
        return None
    x = inner.operands[0]
    if x.type == op.result.type and is_static(x):
        return [x]
    return [driver.create(op, op.name, [x], dict(op.attributes)).result]


def transpose_of_transpose(op: Operation, driver: PatternDriver):
    """``transpose(transpose(x, p), q)`` -> ``transpose(x, [p[i] for i in q])``; identity -> x."""
    inner = driver.producer(op.operands[0], op.name)
    if inner is None:
        return None
    p, q = inner.attr("permutation"), op.attr("permutation")
    composed = tuple(p[i] for i in q)
    x = inner.operands[0]
    if composed == tuple(range(len(composed))):
        return [x]
    return [driver.create(op, op.name, [x], dict(op.attributes, permutation=composed)).result]


def identity_transpose(op: Operation, driver: PatternDriver):
    """``transpose(x, [0, 1, ..])`` -> x."""
    perm = op.attr("permutation")
    return [op.operands[0]] if tuple(perm) == tuple(range(len(perm))) else None


def broadcast_of_splat(op: Operation, driver: PatternDriver):
    """``broadcast_in_dim(splat c)`` -> a splat constant of the result's shape."""
    c = driver.splat(op.operands[0])
    return None if c is None else driver.splat_constant(op, c)


def identity_broadcast(op: Operation, driver: PatternDriver):
    """``broadcast_in_dim(x, dims = 0..n-1)`` to x's own static shape -> x."""
    x = op.operands[0]
    dims = tuple(op.attr("broadcast_dimensions"))
    return [x] if x.type == op.result.type and is_static(x) and dims == tuple(range(len(dims))) else None


def whole_slice(op: Operation, driver: PatternDriver):
    """``x[0:n:1, ..]`` over every dimension -> x."""
    x = op.operands[0]
    if not is_static(x) or x.type != op.result.type:
        return None
    starts, limits, strides = (tuple(op.attr(k)) for k in ("start_indices", "limit_indices", "strides"))
    whole = all(s == 0 for s in starts) and all(s == 1 for s in strides) and limits == x.type.shape
    return [x] if whole else None


def select_known(op: Operation, driver: PatternDriver):
    """``select(c, a, b)`` with a splat predicate -> a when it holds, else b."""
    c = driver.splat(op.operands[0])
    if c is None:
        return None
    return [op.operands[1] if bool(c) else op.operands[2]]


# ---- the table -----------------------------------------------------------------------------------
RULES: tuple[Rule, ...] = (
    # additive and multiplicative identities (exact: see tfc.patterns' float policy)
    Rule("tfc.add", "x + 0", "x", operand_when_other_is(0, 1, is_additive_identity)),  # 0 is -0.0 for floats
    Rule("tfc.add", "0 + x", "x", operand_when_other_is(1, 0, is_additive_identity)),  # addition commutes, bit for bit
    Rule("tfc.add", "x + 0.0", "x", operand_when_other_is(0, 1, is_zero), exact=False),  # -0.0 + 0.0 is +0.0
    Rule("tfc.add", "0.0 + x", "x", operand_when_other_is(1, 0, is_zero), exact=False),
    Rule("tfc.subtract", "x - 0", "x", operand_when_other_is(0, 1, is_subtractive_identity)),  # x - +0.0 == x, -0.0 too
    Rule("tfc.subtract", "x - x", "0", integer_self_difference),  # integers only: inf - inf is nan
    Rule("tfc.subtract", "x - x", "0", self_difference, exact=False),  # floats: wrong for nan and inf
    Rule("tfc.multiply", "x * 1", "x", operand_when_other_is(0, 1, is_one)),  # exact for floats too
    Rule("tfc.multiply", "1 * x", "x", operand_when_other_is(1, 0, is_one)),  # multiplication commutes
    Rule("tfc.multiply", "x * 0", "0", zero_when_other_is(1, is_absorbing_zero)),  # integers only: nan * 0 is nan
    Rule("tfc.multiply", "0 * x", "0", zero_when_other_is(0, is_absorbing_zero)),  # and -1.0 * 0 is -0.0
    Rule("tfc.multiply", "x * 0.0", "0", zero_when_other_is(1, is_zero), exact=False),  # fast-math: nan * 0 is nan
    Rule("tfc.multiply", "0.0 * x", "0", zero_when_other_is(0, is_zero), exact=False),
    Rule("tfc.divide", "x / 1", "x", operand_when_other_is(0, 1, is_one)),  # exact for ints and floats
    Rule("tfc.maximum", "max(x, x)", "x", same_operands),  # idempotent, nan included
    Rule("tfc.minimum", "min(x, x)", "x", same_operands),  # idempotent, nan included
    # involutions
    Rule("tfc.negate", "-(-x)", "x", involution),  # two's complement wraps back; floats flip the sign bit twice
    Rule("tfc.not", "not(not(x))", "x", involution),  # logical and bitwise not undo themselves
    # no-op shape and type changes
    Rule("tfc.convert", "convert(x: T) -> T", "x", same_type),  # converting to the same type copies
    Rule("tfc.reshape", "reshape(x: S) -> S", "x", same_static_shape),  # same static shape: nothing moves
    Rule("tfc.reshape", "reshape(reshape(x))", "reshape(x)", reshape_of_reshape),  # row-major order is kept
    Rule("tfc.transpose", "transpose(x, 0..n-1)", "x", identity_transpose),  # identity permutation
    Rule("tfc.transpose", "transpose(transpose(x, p), q)", "transpose(x, p o q)", transpose_of_transpose),  # compose
    Rule("tfc.broadcast_in_dim", "broadcast(splat c)", "splat c", broadcast_of_splat),  # one value everywhere
    Rule("tfc.broadcast_in_dim", "broadcast(x: S) -> S", "x", identity_broadcast),  # nothing to broadcast
    Rule("tfc.slice", "x[0:n:1]", "x", whole_slice),  # the slice covers the whole tensor
    Rule("tfc.select", "select(splat c, a, b)", "c ? a : b", select_known),  # the predicate is known
)

register_rules(RULES)

__all__ = ["RULES", "Simplify", "simplify_module"]
