"""Rewrite rules as data, one table per IR level, applied by one worklist driver with one float policy.

A :class:`Rule` names the op it starts from, the algebra (``x * 1 -> x``) and a function building
the replacement. Each IR level keeps one table: the core ops' in ``passes/simplify.py``, the ``tf.*``
ops' in ``frontend/tf/rules.py``; both are registered here (:func:`register_rules`), and the
``simplify`` pass applies whatever is registered for the ops it meets.

**The floating-point policy** is the same for every table. By default a rewrite must give the same
result bit for bit for every input, ``-0.0``, NaN and Inf included: ``x * 1`` and ``x / 1`` are
exact, ``x + c`` only drops ``c = -0.0`` (``-0.0 + +0.0`` is ``+0.0``), ``x - c`` only ``c = +0.0``,
and ``x * 0`` or ``x - x`` fold only for integers. A rule that is not exact (reassociating
constants, ``x + 0.0 -> x`` for floats) says so with ``exact=False`` and runs only when a pass is
given ``fast-math``. The predicates below (:func:`is_additive_identity`, ...) are the policy.

The driver queues every op once, and again when a rewrite touches its operands or users; a rule may
create ops (placed just before the op it replaces) and is applied only if its replacement has
exactly the replaced results' types. All edits go through :class:`~tfc.rewriter.Rewriter`, so the
pass is linear in the number of ops.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .attributes import DenseElementsAttr
from .effects import constant_value, is_pure
from .ir import Module, Operation, Value
from .limits import type_too_big
from .rewriter import Rewriter
from .types import DType, TensorType, TokenType, Type

DEFAULT_MAX_ELEMENTS = 1 << 20
"""The largest constant (in elements) a rewrite or a fold makes: 4 MiB of f32, about what Grappler's
10 MB cap per tensor allows, so a small broadcast never becomes a huge constant."""


# ---- the floating-point policy ---------------------------------------------------------------------
def is_negative_zero(c) -> bool:
    c = np.asarray(c)
    if c.dtype.kind == "c":
        return bool(np.signbit(c.real)) and bool(np.signbit(c.imag))
    return bool(np.signbit(c.astype(np.float64)))


def is_additive_identity(c, dtype: DType) -> bool:
    """``x + c == x`` for every x, bit for bit: 0, or -0.0 for floats (-0.0 + +0.0 is +0.0)."""
    return bool(c == 0) and (not dtype.is_inexact or is_negative_zero(c))


def is_subtractive_identity(c, dtype: DType) -> bool:
    """``x - c == x`` for every x: 0, or +0.0 for floats (x - -0.0 turns -0.0 into +0.0)."""
    return bool(c == 0) and (not dtype.is_inexact or not is_negative_zero(c))


def is_zero(c, dtype: DType) -> bool:
    """Any zero, +0.0 or -0.0: the identity of ``x + c`` only when signed zeros may be ignored."""
    return bool(c == 0)


def is_one(c, dtype: DType) -> bool:
    """The multiplicative identity: ``x * 1`` and ``x / 1`` are x bit for bit, floats included."""
    return bool(c == 1)


def is_absorbing_zero(c, dtype: DType) -> bool:
    """``x * 0 == 0`` for every x only without nan, inf and -0.0: integers and bools."""
    return not dtype.is_inexact and bool(c == 0)


# ---- rules -----------------------------------------------------------------------------------------
RewriteFn = Callable[[Operation, "PatternDriver"], Sequence[Value] | None]


@dataclass(frozen=True)
class Rule:
    """``pattern -> replacement`` rooted at op ``op``; ``rewrite`` builds the replacement values."""

    op: str
    pattern: str
    replacement: str
    rewrite: RewriteFn
    exact: bool = True
    """False for rewrites that may change a result (rounding, signed zeros, NaN, Inf): fast-math only."""


_RULES: dict[str, tuple[Rule, ...]] = {}


def register_rules(rules: Iterable[Rule]) -> None:
    """Add an IR level's table; ``simplify`` applies the rules of every op it meets."""
    for rule in rules:
        if rule not in _RULES.get(rule.op, ()):
            _RULES[rule.op] = _RULES.get(rule.op, ()) + (rule,)


def registered_rules() -> dict[str, tuple[Rule, ...]]:
    """Op name -> the rules rooted at it, from every registered table."""
    return dict(_RULES)


def index_rules(rules: Iterable[Rule]) -> dict[str, tuple[Rule, ...]]:
    """Op name -> rules, for applying one table on its own."""
    table: dict[str, tuple[Rule, ...]] = {}
    for rule in rules:
        table[rule.op] = table.get(rule.op, ()) + (rule,)
    return table


# ---- rule building blocks: each returns the replacement values, or None ----------------------------
def operand_when_other_is(keep: int, other: int, test: Callable) -> RewriteFn:
    """``op(..)`` -> operand ``keep`` when operand ``other`` is a splat constant passing ``test``."""

    def rewrite(op: Operation, driver: PatternDriver):
        c = driver.splat(op.operands[other])
        if c is None or not test(c, op.operands[other].type.dtype):
            return None
        return [op.operands[keep]] if keeps_shape(op.operands[keep], op.operands[other]) else None

    return rewrite


def zero_when_other_is(other: int, test: Callable) -> RewriteFn:
    """``op(..)`` -> a zero constant of the result type when operand ``other`` passes ``test``."""

    def rewrite(op: Operation, driver: PatternDriver):
        c = driver.splat(op.operands[other])
        if c is None or not test(c, op.operands[other].type.dtype):
            return None
        return driver.splat_constant(op, 0)

    return rewrite


def same_operands(op: Operation, driver: PatternDriver):
    """``f(x, x)`` -> x."""
    x, y = op.operands
    return [x] if x is y else None


def forward_inputs(op: Operation, driver: PatternDriver):
    """``Identity(x)`` -> x (and ``IdentityN(xs)`` -> xs): the data inputs are the outputs."""
    data = [r for r in op.results if not isinstance(r.type, TokenType)]
    return list(op.operands[: len(data)])


def keeps_shape(x: Value, c: Value) -> bool:
    """True when combining ``x`` with constant ``c`` keeps x's shape under numpy broadcasting
    (core ops never broadcast, so there the result-type check alone decides)."""
    xs, cs = x.type.shape, c.type.shape
    if xs is None or cs is None or len(cs) > len(xs):
        return False
    return all(d == 1 or d == xd for d, xd in zip(cs, xs[len(xs) - len(cs) :]))


def is_static(value: Value) -> bool:
    return isinstance(value.type, TensorType) and value.type.is_static


# ---- the driver ------------------------------------------------------------------------------------
def apply_rules(module: Module, rules: dict[str, tuple[Rule, ...]], *, fast_math: bool = False,
                max_elements: int = DEFAULT_MAX_ELEMENTS) -> int:
    """Apply ``rules`` (op name -> rules) to ``module`` until none fires; returns how many fired."""
    driver = PatternDriver(rules, fast_math, max_elements)
    driver.run(module)
    return driver.changes


class PatternDriver:
    """Applies rules with a worklist; what rules use to look at and create IR."""

    def __init__(self, rules: dict[str, tuple[Rule, ...]], fast_math: bool = False, max_elements: int = DEFAULT_MAX_ELEMENTS):
        self.rules = {name: tuple(r for r in found if r.exact or fast_math) for name, found in rules.items()}
        self.max_elements = max_elements
        self.rewriter = Rewriter()
        self.worklist: deque[Operation] = deque()
        self.queued: set[Operation] = set()
        self.created: list[Operation] = []  # ops made by the rule being tried
        self.splats: dict[Value, object] = {}
        self.changes = 0

    def run(self, module: Module) -> None:
        walk = module.walk()
        next(walk)  # the module op itself
        for op in walk:
            self.push(op)
        while self.worklist:
            op = self.worklist.popleft()
            self.queued.discard(op)
            if op.parent is not None:
                self.visit(op)
        self.rewriter.commit()

    def push(self, op: Operation) -> None:
        if op not in self.queued and self.rules.get(op.name):
            self.queued.add(op)
            self.worklist.append(op)

    def visit(self, op: Operation) -> None:
        if not rewritable(op):
            return
        for rule in self.rules[op.name]:
            self.created = []
            values = rule.rewrite(op, self)
            if values is not None and self.replace(op, values):
                return
            for new in self.created:  # the rule gave up after building something
                new.drop_operands()

    def replace(self, op: Operation, values: Sequence[Value]) -> bool:
        """Use ``values`` for ``op``'s data results and erase it, if every type matches exactly."""
        data = [r for r in op.results if not isinstance(r.type, TokenType)]
        if len(values) != len(data) or any(v.type != r.type for v, r in zip(values, data)):
            return False
        for new in self.created:
            self.rewriter.insert_before(op, new)
            self.push(new)
        for result, value in zip(data, values):
            for user in result.users:
                self.push(user)
            result.replace_all_uses_with(value)
        for value in op.operands:  # a producer may now be free of users that held it back
            producer = getattr(value, "op", None)
            if producer is not None:
                self.push(producer)
        self.rewriter.erase(op)
        self.changes += 1
        return True

    # ---- what rules call -------------------------------------------------------------------------
    def splat(self, value: Value):
        """The element of a splat constant ``value`` (a numpy scalar), else None."""
        if value not in self.splats:
            attribute = value.op.attributes["value"] if constant_value(value) is not None else None
            splat = attribute is not None and attribute.array.size and attribute.is_splat()
            self.splats[value] = attribute.array.reshape(-1)[0] if splat else None
        return self.splats[value]

    def producer(self, value: Value, name: str) -> Operation | None:
        """The op named ``name`` defining ``value``, if it may be looked through (no control edges)."""
        owner = getattr(value, "op", None)
        return owner if owner is not None and owner.name == name and rewritable(owner) else None

    def create(self, anchor: Operation, name: str, operands: list[Value], attributes: dict, result_type: Type | None = None,
               name_hint: str | None = None) -> Operation:
        """A new op with ``anchor``'s location, ``result_type`` and ``name_hint`` (default: the anchor's),
        placed before ``anchor`` if the rule's replacement is applied."""
        result = anchor.results[0]
        hint = name_hint or result.name_hint
        op = Operation(name, operands, [result_type or result.type], attributes, (), anchor.location, [hint])
        self.created.append(op)
        return op

    def splat_constant(self, anchor: Operation, element) -> list[Value] | None:
        """A ``tfc.constant`` of ``anchor``'s static result type with every element ``element``."""
        t = anchor.results[0].type
        if not isinstance(t, TensorType) or not t.is_static or t.num_elements > self.max_elements or type_too_big(t, "constant"):
            return None
        array = np.full(t.shape, element, dtype=t.dtype.numpy)
        return [self.create(anchor, "tfc.constant", [], {"value": DenseElementsAttr(array, t)}).result]


def rewritable(op: Operation) -> bool:
    """Pure, and without control edges: no token operands, no used token results."""
    if not is_pure(op):
        return False
    if any(isinstance(v.type, TokenType) for v in op.operands):
        return False
    return not any(r.uses for r in op.results if isinstance(r.type, TokenType))


__all__ = [
    "DEFAULT_MAX_ELEMENTS",
    "PatternDriver",
    "Rule",
    "apply_rules",
    "forward_inputs",
    "index_rules",
    "is_absorbing_zero",
    "is_additive_identity",
    "is_negative_zero",
    "is_one",
    "is_static",
    "is_subtractive_identity",
    "is_zero",
    "keeps_shape",
    "operand_when_other_is",
    "register_rules",
    "registered_rules",
    "same_operands",
    "zero_when_other_is",
]
