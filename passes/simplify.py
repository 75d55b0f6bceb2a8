"""``simplify``: algebraic rewrites from a table, applied with a worklist until none applies.

Before::

    %z = "tfc.constant"() {value = dense<0> : tensor<4xi32>} : () -> tensor<4xi32>
    %a = "tfc.add"(%x, %z) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
    %n = "tfc.negate"(%a) : (tensor<4xi32>) -> tensor<4xi32>
    %m = "tfc.negate"(%n) : (tensor<4xi32>) -> tensor<4xi32>
    "func.return"(%m) : (tensor<4xi32>) -> ()

After (the dead ops are left to ``dce``)::

    "func.return"(%x) : (tensor<4xi32>) -> ()

Every rule in :data:`RULES` names the op it starts from, the algebra it uses and the reason it is
exact. Rewrites never change a result's type: a replacement of another type is not applied. They
are exact for every input, so floating-point rules are narrower than the algebra: ``x * 0`` and
``x - x`` only fold for integers (``nan``, ``inf`` and ``-0.0`` break them), and ``x + 0`` only
drops a ``-0.0`` for floats (``-0.0 + +0.0`` is ``+0.0``), while ``x - +0.0`` is exact. A "constant"
is a value defined by a ``constant``-like op (``tfc.constant``, ``tf.Const``); a rule that wants a
number wants a splat constant. Ops with control edges (``!tfc.token`` operands, or a token result
that is used) are never rewritten, and only ``pure`` ops are.

The worklist starts with every op in order; when a rule fires, the users of the replaced values
and the ops it created are queued again. New ops are placed just before the op they replace and
each touched block is rebuilt once at the end, so the pass is linear in the number of ops.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tfc.attributes import DenseElementsAttr
from tfc.ir import Block, Module, Operation, Value
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup
from tfc.types import DType, TensorType, TokenType

DEFAULT_MAX_ELEMENTS = 1 << 20
CONSTANT_OP = "tfc.constant"


@register_pass
@dataclass(frozen=True)
class Simplify(Pass):
    """Apply the algebraic rewrites of :data:`RULES` to a fixed point."""

    name = "simplify"
    max_elements: int = DEFAULT_MAX_ELEMENTS
    """Rules that create a constant (``broadcast(c)``, ``x * 0``) do not make one larger than this."""

    def run(self, module: Module) -> None:
        simplify_module(module, self.max_elements)


def simplify_module(module: Module, max_elements: int = DEFAULT_MAX_ELEMENTS) -> int:
    """Simplify ``module`` in place; returns the number of rewrites applied (0: unchanged)."""
    rewriter = Rewriter(max_elements)
    rewriter.run(module)
    return rewriter.changes


# ---- what rules ask about values ---------------------------------------------------------------------
def _splat_attr(value: Value) -> DenseElementsAttr | None:
    owner = getattr(value, "op", None)
    opdef = lookup(owner.name) if owner is not None else None
    if opdef is None or not opdef.has(Trait.CONSTANT_LIKE):
        return None
    attribute = owner.attributes.get("value")
    return attribute if isinstance(attribute, DenseElementsAttr) and attribute.is_splat() else None


def _is_zero(c, dtype: DType) -> bool:
    """The additive identity ``x + c == x`` for every x: 0, or -0.0 for floats (-0.0 + +0.0 is +0.0)."""
    return bool(c == 0) and (not dtype.is_inexact or _negative_zero(c))


def _is_plus_zero(c, dtype: DType) -> bool:
    """``x - c == x`` for every x: 0, or +0.0 for floats (x - -0.0 turns -0.0 into +0.0)."""
    return bool(c == 0) and (not dtype.is_inexact or not _negative_zero(c))


def _negative_zero(c) -> bool:
    c = np.asarray(c)
    if c.dtype.kind == "c":
        return bool(np.signbit(c.real)) and bool(np.signbit(c.imag))
    return bool(np.signbit(c.astype(np.float64)))


def _is_one(c, dtype: DType) -> bool:
    """The multiplicative identity: ``x * 1`` and ``x / 1`` are x bit for bit, floats included."""
    return bool(c == 1)


def _is_int_zero(c, dtype: DType) -> bool:
    """``x * 0 == 0`` only without nan, inf and -0.0: integers and bools."""
    return not dtype.is_inexact and bool(c == 0)


# ---- rule building blocks: each returns the replacement values, or None -----------------------------------
RewriteFn = Callable[[Operation, "Rewriter"], Sequence[Value] | None]


def operand_when_other_is(keep: int, other: int, test: Callable) -> RewriteFn:
    """``op(..)`` -> operand ``keep`` when operand ``other`` is a splat constant passing ``test``."""

    def rewrite(op: Operation, rw: Rewriter):
        c = rw.splat(op.operands[other])
        if c is None or not test(c, op.operands[other].type.dtype):
            return None
        return [op.operands[keep]] if _keeps_shape(op.operands[keep], op.operands[other]) else None

    return rewrite


def zero_when_other_is(other: int, test: Callable) -> RewriteFn:
    """``op(..)`` -> a zero constant of the result type when operand ``other`` passes ``test``."""

    def rewrite(op: Operation, rw: Rewriter):
        c = rw.splat(op.operands[other])
        if c is None or not test(c, op.operands[other].type.dtype):
            return None
        return rw.splat_constant(op, 0)

    return rewrite


def same_operands(op: Operation, rw: Rewriter):
    """``f(x, x)`` -> x."""
    x, y = op.operands
    return [x] if x is y else None


def integer_self_difference(op: Operation, rw: Rewriter):
    """``x - x`` -> 0 for integers (nan - nan and inf - inf are nan)."""
    x, y = op.operands
    if x is not y or op.result.type.dtype.is_inexact:
        return None
    return rw.splat_constant(op, 0)


def involution(op: Operation, rw: Rewriter):
    """``f(f(x))`` -> x for an op that undoes itself (negate, not)."""
    inner = rw.producer(op.operands[0], op.name)
    return [inner.operands[0]] if inner is not None else None


def same_type(op: Operation, rw: Rewriter):
    """``convert(x)`` to x's own type -> x (elementwise, so ``?`` dims are fine)."""
    x = op.operands[0]
    return [x] if x.type == op.result.type else None


def same_static_shape(op: Operation, rw: Rewriter):
    """``reshape(x)`` to x's own static shape -> x (two ``?`` could hide different shapes)."""
    x = op.operands[0]
    return [x] if x.type == op.result.type and _static(x) else None


def reshape_of_reshape(op: Operation, rw: Rewriter):
    """``reshape(reshape(x))`` -> ``reshape(x)``: only the row-major order matters."""
    inner = rw.producer(op.operands[0], op.name)
    if inner is None:
        return None
    x = inner.operands[0]
    if x.type == op.result.type and _static(x):
        return [x]
    return [rw.create(op, op.name, [x], dict(op.attributes)).result]


def transpose_of_transpose(op: Operation, rw: Rewriter):
    """``transpose(transpose(x, p), q)`` -> ``transpose(x, [p[i] for i in q])``; identity -> x."""
    inner = rw.producer(op.operands[0], op.name)
    if inner is None:
        return None
    p, q = inner.attr("permutation"), op.attr("permutation")
    composed = tuple(p[i] for i in q)
    x = inner.operands[0]
    if composed == tuple(range(len(composed))):
        return [x]
    return [rw.create(op, op.name, [x], dict(op.attributes, permutation=composed)).result]


def identity_transpose(op: Operation, rw: Rewriter):
    """``transpose(x, [0, 1, ..])`` -> x."""
    perm = op.attr("permutation")
    return [op.operands[0]] if tuple(perm) == tuple(range(len(perm))) else None


def broadcast_of_splat(op: Operation, rw: Rewriter):
    """``broadcast_in_dim(splat c)`` -> a splat constant of the result's shape."""
    attribute = _splat_attr(op.operands[0])
    if attribute is None or attribute.array.size == 0:
        return None
    return rw.splat_constant(op, attribute.array.reshape(-1)[0])


def identity_broadcast(op: Operation, rw: Rewriter):
    """``broadcast_in_dim(x, dims = 0..n-1)`` to x's own static shape -> x."""
    x = op.operands[0]
    dims = tuple(op.attr("broadcast_dimensions"))
    return [x] if x.type == op.result.type and _static(x) and dims == tuple(range(len(dims))) else None


def whole_slice(op: Operation, rw: Rewriter):
    """``x[0:n:1, ..]`` over every dimension -> x."""
    x = op.operands[0]
    if not _static(x) or x.type != op.result.type:
        return None
    starts, limits, strides = (tuple(op.attr(k)) for k in ("start_indices", "limit_indices", "strides"))
    whole = all(s == 0 for s in starts) and all(s == 1 for s in strides) and limits == x.type.shape
    return [x] if whole else None


def select_known(op: Operation, rw: Rewriter):
    """``select(c, a, b)`` with a splat predicate -> a when it holds, else b."""
    c = rw.splat(op.operands[0])
    if c is None:
        return None
    return [op.operands[1] if bool(c) else op.operands[2]]


def forward_inputs(op: Operation, rw: Rewriter):
    """``Identity(x)`` -> x (and ``IdentityN(xs)`` -> xs): the data inputs are the outputs."""
    data = [r for r in op.results if not isinstance(r.type, TokenType)]
    return list(op.operands[: len(data)])


def _keeps_shape(x: Value, c: Value) -> bool:
    """True when combining ``x`` with constant ``c`` keeps x's shape under TensorFlow broadcasting
    (core ops never broadcast, so there the result-type check alone decides)."""
    xs, cs = x.type.shape, c.type.shape
    if xs is None or cs is None or len(cs) > len(xs):
        return False
    return all(d == 1 or d == xd for d, xd in zip(cs, xs[len(xs) - len(cs) :]))


def _static(value: Value) -> bool:
    return isinstance(value.type, TensorType) and value.type.is_static


# ---- the table -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """``pattern -> replacement`` rooted at op ``op``; ``rewrite`` builds the replacement values."""

    op: str
    pattern: str
    replacement: str
    rewrite: RewriteFn


RULES: tuple[Rule, ...] = (
    # additive and multiplicative identities (exact: see _is_zero / _is_plus_zero)
    Rule("tfc.add", "x + 0", "x", operand_when_other_is(0, 1, _is_zero)),  # 0 is -0.0 for floats
    Rule("tfc.add", "0 + x", "x", operand_when_other_is(1, 0, _is_zero)),  # addition commutes, bit for bit
    Rule("tfc.subtract", "x - 0", "x", operand_when_other_is(0, 1, _is_plus_zero)),  # x - +0.0 == x, -0.0 too
    Rule("tfc.subtract", "x - x", "0", integer_self_difference),  # integers only: inf - inf is nan
    Rule("tfc.multiply", "x * 1", "x", operand_when_other_is(0, 1, _is_one)),  # exact for floats too
    Rule("tfc.multiply", "1 * x", "x", operand_when_other_is(1, 0, _is_one)),  # multiplication commutes
    Rule("tfc.multiply", "x * 0", "0", zero_when_other_is(1, _is_int_zero)),  # integers only: nan * 0 is nan
    Rule("tfc.multiply", "0 * x", "0", zero_when_other_is(0, _is_int_zero)),  # and -1.0 * 0 is -0.0
    Rule("tfc.divide", "x / 1", "x", operand_when_other_is(0, 1, _is_one)),  # exact for ints and floats
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
    # tf import ops: TensorFlow's no-op nodes, and arithmetic identities with splat constants
    Rule("tf.Identity", "Identity(x)", "x", forward_inputs),  # copies its input
    Rule("tf.IdentityN", "IdentityN(xs)", "xs", forward_inputs),  # copies each input
    Rule("tf.StopGradient", "StopGradient(x)", "x", forward_inputs),  # only matters to gradients
    Rule("tf.Snapshot", "Snapshot(x)", "x", forward_inputs),  # a copy
    Rule("tf.Mul", "x * 1", "x", operand_when_other_is(0, 1, _is_one)),  # when 1 does not broadcast x
    Rule("tf.Mul", "1 * x", "x", operand_when_other_is(1, 0, _is_one)),
    Rule("tf.AddV2", "x + 0", "x", operand_when_other_is(0, 1, _is_zero)),  # 0 is -0.0 for floats
    Rule("tf.AddV2", "0 + x", "x", operand_when_other_is(1, 0, _is_zero)),
)

RULES_BY_OP: dict[str, tuple[Rule, ...]] = {}
for _rule in RULES:
    RULES_BY_OP[_rule.op] = RULES_BY_OP.get(_rule.op, ()) + (_rule,)


# ---- the rewrite driver --------------------------------------------------------------------------
class Rewriter:
    """Applies :data:`RULES` with a worklist; what rules use to look at and create IR."""

    def __init__(self, max_elements: int = DEFAULT_MAX_ELEMENTS):
        self.max_elements = max_elements
        self.worklist: deque[Operation] = deque()
        self.queued: set[Operation] = set()
        self.before: dict[Operation, list[Operation]] = {}  # anchor -> new ops placed just before it
        self.touched: dict[Block, None] = {}
        self.created: list[Operation] = []  # ops made by the rule being tried
        self.splats: dict[Value, object] = {}
        self.pure: dict[str, bool] = {}  # op name -> pure and not stateful
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
        for block in self.touched:
            self.rebuild(block)

    def push(self, op: Operation) -> None:
        if op not in self.queued and op.name in RULES_BY_OP:
            self.queued.add(op)
            self.worklist.append(op)

    def visit(self, op: Operation) -> None:
        if not _rewritable(op, self.pure):
            return
        for rule in RULES_BY_OP[op.name]:
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
        block = op.parent
        self.touched[block] = None
        for new in self.created:
            new.parent = block
            self.before.setdefault(op, []).append(new)
            self.push(new)
        for result, value in zip(data, values):
            for user in result.users:
                self.push(user)
            result.replace_all_uses_with(value)
        for value in op.operands:  # a producer may now be free of users that held it back
            producer = getattr(value, "op", None)
            if producer is not None:
                self.push(producer)
        op.drop_operands()
        op.parent = None
        self.changes += 1
        return True

    def rebuild(self, block: Block) -> None:
        """Drop erased ops and place new ones before their anchors, in one pass over the block."""
        ops: list[Operation] = []
        for op in block.ops:
            stack = [(op, False)]
            while stack:
                current, expanded = stack.pop()
                if expanded:
                    if current.parent is block:
                        ops.append(current)
                    continue
                stack.append((current, True))
                for new in reversed(self.before.pop(current, ())):
                    stack.append((new, False))
        block.ops[:] = ops

    # ---- what rules call -------------------------------------------------------------------------
    def splat(self, value: Value):
        """The element of a splat constant ``value`` (a numpy scalar), else None."""
        if value not in self.splats:
            attribute = _splat_attr(value)
            self.splats[value] = None if attribute is None or attribute.array.size == 0 else attribute.array.reshape(-1)[0]
        return self.splats[value]

    def producer(self, value: Value, name: str) -> Operation | None:
        """The op named ``name`` defining ``value``, if it may be looked through (no control edges)."""
        owner = getattr(value, "op", None)
        return owner if owner is not None and owner.name == name and _rewritable(owner, self.pure) else None

    def create(self, anchor: Operation, name: str, operands: list[Value], attributes: dict) -> Operation:
        """A new op with ``anchor``'s result type, location and name, placed before ``anchor``."""
        result = anchor.results[0]
        op = Operation(name, operands, [result.type], attributes, (), anchor.location, [result.name_hint])
        self.created.append(op)
        return op

    def splat_constant(self, anchor: Operation, element) -> list[Value] | None:
        """A constant of ``anchor``'s static result type with every element ``element``."""
        t = anchor.results[0].type
        if not isinstance(t, TensorType) or not t.is_static or t.num_elements > self.max_elements:
            return None
        array = np.full(t.shape, element, dtype=t.dtype.numpy)
        return [self.create(anchor, CONSTANT_OP, [], {"value": DenseElementsAttr(array, t)}).result]


def _pure(name: str) -> bool:
    opdef = lookup(name)
    return opdef is not None and opdef.has(Trait.PURE) and not opdef.has(Trait.STATEFUL)


def _rewritable(op: Operation, pure: dict[str, bool]) -> bool:
    """Pure, and without control edges: no token operands, no used token results."""
    known = pure.get(op.name)
    if known is None:
        known = pure[op.name] = _pure(op.name)
    if not known:
        return False
    if any(isinstance(v.type, TokenType) for v in op.operands):
        return False
    return not any(r.uses for r in op.results if isinstance(r.type, TokenType))
