"""Passes on ``tf.*`` ops, run before ``legalize-tf`` so the imported graph is as small as Grappler's.

``tf-fold`` evaluates pure tf ops whose inputs are constants, ``tf-fuse`` removes control plumbing
and identities and fuses contractions with what follows them (see :mod:`tfc.frontend.tf.remap`).
The recommended pipeline is :data:`TF_PIPELINE`: ``tf-fold,tf-fuse,cse,dce``.

Both passes decide from the registry: an op is folded when it is pure and its decomposition can be
evaluated on constants; an op is forwarded when its decomposition returns its operands unchanged
(Identity, IdentityN, Snapshot, StopGradient, ... as legalization would make them); an op without
data results exists only for its control edges (NoOp). Control tokens follow TensorFlow's meaning:
a token from a pure op whose own inputs carry no token orders nothing that has an effect, since the
importer already put every op in TensorFlow's order and no pass moves stateful ops, so it is dropped.

Before::

    %c = "tf.Const"() {value = dense<[2, 3]> : tensor<2xi32>} : () -> tensor<2xi32>
    %s = "tf.Mul"(%c, %c) {T = i32} : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
    %r = "tf.Reshape"(%x, %s) {T = f32} : (tensor<24xf32>, tensor<2xi32>) -> tensor<4x6xf32>
    %y = "tf.Conv2D"(%r4, %w) ... ; %b = "tf.BiasAdd"(%y, %bias) ... ; %o = "tf.Relu"(%b) ...

After ``tf-fold,tf-fuse,dce``::

    %s = "tf.Const"() {value = dense<[4, 9]> : tensor<2xi32>} : () -> tensor<2xi32>
    %r = "tf.Reshape"(%x, %s) ...
    %o = "tf._FusedConv2D"(%r4, %w, %bias) {fused_ops = ["BiasAdd", "Relu"], ...} ...
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from tfc.attributes import DenseElementsAttr, DTypeAttr
from tfc.backends.interp.interpreter import Interpreter
from tfc.frontend.tracing import Tensor, Trace, to_tensor, tracing
from tfc.ir import Block, Module, Operation, OpResult, Value
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup
from tfc.types import TensorType, TokenType

from .dialect import TOKEN, DecomposeContext

TF_PIPELINE = "tf-fold,tf-fuse,cse,dce"  # tf-level cleanup before legalize-tf
DEFAULT_MAX_ELEMENTS = 1 << 20  # 4 MiB of f32: Grappler's constant folder stops at 10 MiB per tensor


# ---- shared helpers --------------------------------------------------------------------------------
def is_tf(op: Operation) -> bool:
    """A tf dialect op: trailing ``!tfc.token`` operands and results are its control edges."""
    return op.name.startswith("tf.")


def constant_value(value: Value):
    """The numpy value of ``value`` when a constant-like op defines it, else None."""
    owner = value.op if isinstance(value, OpResult) else None
    opdef = lookup(owner.name) if owner is not None else None
    return owner.attr("value") if opdef is not None and opdef.has(Trait.CONSTANT_LIKE) else None


def split_operands(op: Operation) -> tuple[list[Value], list[Value]]:
    """(data operands, control tokens) of a tf op: the tokens trail."""
    operands = op.operands
    n = len(operands)
    while n and isinstance(operands[n - 1].type, TokenType):
        n -= 1
    return list(operands[:n]), list(operands[n:])


def data_results(op: Operation) -> list[OpResult]:
    return [r for r in op.results if not isinstance(r.type, TokenType)]


def token_result(op: Operation) -> OpResult | None:
    return op.results[-1] if op.results and isinstance(op.results[-1].type, TokenType) else None


def is_pure(op: Operation) -> bool:
    opdef = lookup(op.name)
    return opdef is not None and opdef.has(Trait.PURE) and not opdef.has(Trait.STATEFUL) and not opdef.has(Trait.TERMINATOR)


def make_const(value: np.ndarray, result_type: TensorType, like: Operation, name_hint: str | None, token: bool = False) -> Operation:
    """A ``tf.Const`` holding ``value`` with ``like``'s location, declared ``result_type`` (kept so
    users and function signatures see the same type) and, when asked, a control token result."""
    value = np.asarray(value).astype(result_type.dtype.numpy, copy=False)
    attrs = {"dtype": DTypeAttr(result_type.dtype), "value": DenseElementsAttr.from_array(value)}
    types = [result_type, TOKEN] if token else [result_type]
    return Operation("tf.Const", (), types, attrs, location=like.location, result_names=[name_hint] * len(types))


def walk_blocks(op: Operation):
    """Every block nested in ``op`` (function bodies, region bodies), outermost first."""
    for region in op.regions:
        for block in region.blocks:
            yield block
            for inner in block.ops:
                yield from walk_blocks(inner)


def trace_decomposition(module: Module, op: Operation, scratch: Block):
    """Record ``op``'s decomposition into ``scratch``; returns the produced values (or None on failure).

    The recorded ops use ``op``'s real operands: call :func:`discard` on ``scratch`` afterwards."""
    opdef = lookup(op.name)
    if opdef is None or opdef.decompose is None:
        return None
    data, _ = split_operands(op)
    trace = Trace.into_block(module, scratch, op.location)
    try:
        with tracing(trace):
            produced = opdef.decompose(DecomposeContext(op, data, data_results(op)), *[Tensor(v, trace) for v in data])
            produced = produced if isinstance(produced, (list, tuple)) else [produced]
            return [to_tensor(p, trace).value for p in produced]
    except Exception:  # noqa: BLE001 - a decomposition that cannot run here is simply not folded
        return None


def discard(scratch: Block) -> None:
    """Forget the ops recorded in ``scratch`` (drop their uses of real values)."""
    for new in scratch.ops:
        for inner in new.walk():
            inner.drop_operands()
    scratch.ops = []


def evaluate_on_constants(module: Module | None, ops, produced: list[Value], max_elements: int) -> list[np.ndarray] | None:
    """The values of ``produced`` when they depend on constants only, by running ``ops`` (a recorded
    decomposition, in order) on the interpreter; None when one needs a run-time value or is too big.

    This is the mechanism legalize-tf uses to fold shape arithmetic while it decomposes."""
    if any(new.regions for new in ops):
        return None  # branches and loops call functions that may still be tf ops
    env: dict[Value, np.ndarray] = {}
    interpreter = Interpreter(module)

    def known(value: Value):
        if value not in env:
            found = constant_value(value)
            if found is None:
                return None
            env[value] = found
        return env[value]

    with np.errstate(all="ignore"):
        for new in ops:
            if any(_too_big(r.type, max_elements) for r in new.results):
                continue
            operands = [known(v) for v in new.operands]
            if any(a is None for a in operands):
                continue
            try:
                outputs = interpreter.evaluate(new, operands, env)
            except Exception:  # noqa: BLE001 - left for run time, where TensorFlow would fail too
                return None
            env.update(zip(new.results, outputs))
    values = [known(v) for v in produced]
    return None if any(v is None or v.size > max_elements for v in values) else values


def _too_big(t, max_elements: int) -> bool:
    return not isinstance(t, TensorType) or t.num_elements is None or t.num_elements > max_elements


# ---- tf-fold ---------------------------------------------------------------------------------------
@register_pass
@dataclass(frozen=True)
class TFFold(Pass):
    """Evaluate pure tf ops whose data inputs are all constants; they become ``tf.Const``.

    Before::

        %a = "tf.Const"() {dtype = f32, value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
        %b = "tf.Const"() {dtype = f32, value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
        %c = "tf.Mul"(%a, %b) {T = f32} : (tensor<f32>, tensor<f32>) -> tensor<f32> loc("c")

    After::

        %c = "tf.Const"() {dtype = f32, value = dense<6.0> : tensor<f32>} : () -> tensor<f32> loc("c")

    The op's decomposition is recorded and run on the interp backend, so folding means exactly what
    legalization would compute. Ops with a run-time operand of static shape and a small integer
    result are tried too: ``Shape``, ``Size`` and ``Rank`` of a static tensor fold. Never folded:
    stateful ops, ops with control inputs, ops whose results (or intermediate values) have more than
    ``max_elements`` elements. A folded op's control token result, if used, moves to the new
    constant. One walk in program order, so chains fold.
    """

    name = "tf-fold"
    max_elements: int = DEFAULT_MAX_ELEMENTS

    def run(self, module: Module) -> None:
        for block in list(walk_blocks(module.op)):
            self.fold_block(module, block)

    def fold_block(self, module: Module, block: Block) -> None:
        kept: list[Operation] = []
        for op in block.ops:
            consts = self.fold(module, op)
            if consts is None:
                kept.append(op)
                continue
            for new in consts:
                new.parent = block
            kept.extend(consts)
            for result, new in zip(data_results(op), consts):
                result.replace_all_uses_with(new.results[0])
            token = token_result(op)
            if token is not None and token.uses:
                token.replace_all_uses_with(consts[0].results[-1])
            op.drop_operands()
            op.parent = None
        block.ops[:] = kept

    def fold(self, module: Module, op: Operation) -> list[Operation] | None:
        """The constants replacing ``op``, or None when it does not fold."""
        if not self.eligible(op):
            return None
        scratch = Block()
        produced = trace_decomposition(module, op, scratch)
        try:
            values = None if produced is None else evaluate_on_constants(module, scratch.ops, produced, self.max_elements)
        finally:
            discard(scratch)
        if values is None:
            return None
        results = data_results(op)
        token = token_result(op) is not None and bool(token_result(op).uses)
        return [make_const(v, r.type, op, r.name_hint, token and i == 0) for i, (v, r) in enumerate(zip(values, results))]

    def eligible(self, op: Operation) -> bool:
        if not is_tf(op) or op.regions:
            return False
        opdef = lookup(op.name)
        if opdef is None or opdef.decompose is None or opdef.traits & _NOT_FOLDED or not opdef.has(Trait.PURE):
            return False
        data, tokens = split_operands(op)
        results = data_results(op)
        if tokens or not results:
            return False
        if any(constant_value(v) is None for v in data) and not _shape_arithmetic(data, results):
            return False
        return all(not _too_big(r.type, self.max_elements) or not r.type.is_static for r in results)


_NOT_FOLDED = frozenset({Trait.STATEFUL, Trait.CONSTANT_LIKE, Trait.TERMINATOR})
_SHAPE_ELEMENTS = 64  # at most this many integers: what a Shape, Size or Rank of a static tensor gives


def _shape_arithmetic(data: list[Value], results: list[OpResult]) -> bool:
    """Small integer results from operands of static shape: their values may not depend on the
    operands' values (Shape, Size, Rank), which evaluating the decomposition finds out."""
    small = all(isinstance(r.type, TensorType) and r.type.is_static and r.type.num_elements <= _SHAPE_ELEMENTS for r in results)
    return small and all(r.type.dtype.is_int for r in results) and all(isinstance(v.type, TensorType) and v.type.is_static for v in data)


# ---- tf-fuse ---------------------------------------------------------------------------------------
@register_pass
@dataclass(frozen=True)
class TFFuse(Pass):
    """Remove control plumbing and identities, fold constant arithmetic into weights, and fuse
    contractions with their bias and activation (TensorFlow's remapper).

    Before::

        %w1 = "tf.Identity"(%w) {T = f32} : (tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32>
        %c = "tf.Conv2D"(%x, %w1) {...} : (tensor<1x4x4x3xf32>, tensor<1x1x3x8xf32>) -> tensor<1x4x4x8xf32>
        %m = "tf.Mul"(%c, %scale) {T = f32} : (tensor<1x4x4x8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
        %a = "tf.AddV2"(%m, %shift) {T = f32} : (tensor<1x4x4x8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
        %r = "tf.Relu6"(%a) {T = f32} : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>

    After (``%w_scaled`` = ``%w * %scale`` per output channel, computed at compile time)::

        %r = "tf._FusedConv2D"(%x, %w_scaled, %shift) {fused_ops = ["BiasAdd", "Relu6"], num_args = 1 : i64, ...}

    Steps, each one walk over each block:

    1. control edges: drop tokens that order nothing (from pure ops without control inputs), drop a
       token when another input already depends on its producer, bypass NoOps when that does not
       add edges (Grappler's rule: inputs * outputs <= inputs + outputs);
    2. forward ops whose decomposition returns their operands, and ``x * 1``, ``x + 0``, ``x - 0``,
       ``x / 1`` (:data:`IDENTITY_ARITHMETIC`), when no control input is left on them; combine the
       constants of chained Mul or Add ops (:data:`CONSTANT_PUSH_DOWN`);
    3. remap: per-channel constant Mul/RealDiv/Add/Sub/BiasAdd/FusedBatchNorm after a Conv2D,
       DepthwiseConv2dNative or MatMul with constant weights fold into the weights and one bias;
       then contraction + BiasAdd (+ activation) become one fused op (see :mod:`.remap`).

    Dead ops are left for ``dce``. An op whose control token is still used is never removed.
    """

    name = "tf-fuse"

    def run(self, module: Module) -> None:
        from .remap import remap_block

        cleanup = _Cleanup(module)
        for block in list(walk_blocks(module.op)):
            cleanup.block(block)
        for block in list(walk_blocks(module.op)):
            remap_block(block)


# (op, constant operand position or None for either side, the identity element) — x op c == x.
IDENTITY_ARITHMETIC = {
    "tf.Mul": (None, 1),  # x * 1 -> x
    "tf.AddV2": (None, 0),  # x + 0 -> x  (-0.0 + 0.0 is +0.0: the sign of a zero may change)
    "tf.Add": (None, 0),  # x + 0 -> x
    "tf.Sub": (1, 0),  # x - 0 -> x
    "tf.RealDiv": (1, 1),  # x / 1 -> x
    "tf.Div": (1, 1),  # x / 1 -> x
}

# (op, the inner ops it combines with, how constants combine) — (x . c2) . c1 -> x . (c2 . c1) when
# c2 . c1 does not broadcast x to a larger shape. A float reassociation: equal to rounding.
CONSTANT_PUSH_DOWN = {
    "tf.Mul": (("tf.Mul",), np.multiply),  # (x * c2) * c1 -> x * (c2 * c1)
    "tf.AddV2": (("tf.AddV2", "tf.Add"), np.add),  # (x + c2) + c1 -> x + (c2 + c1)
    "tf.Add": (("tf.AddV2", "tf.Add"), np.add),  # (x + c2) + c1 -> x + (c2 + c1)
}


def push_down_constant(op: Operation, trivial=frozenset()) -> tuple[Operation, Operation] | None:
    """Combine the constants of two chained Mul (or Add) ops: ``op`` gets the inner op's run-time
    operand and a new constant; returns (the constant, the inner op, now unused) or None.
    Control tokens in ``trivial`` order nothing, so their uses do not count."""
    rule = CONSTANT_PUSH_DOWN.get(op.name)
    if rule is None or not _plain_binary(op, trivial):
        return None
    data = split_operands(op)[0]
    out = data_results(op)[0].type
    for index in (0, 1):
        c1, inner_value = constant_value(data[index]), data[1 - index]
        inner = inner_value.op if isinstance(inner_value, OpResult) else None
        if c1 is None or inner is None or inner.name not in rule[0] or len(inner_value.uses) != 1 or not _plain_binary(inner, trivial):
            continue
        for x, c2 in _run_time_and_constant(split_operands(inner)[0]):
            combined = np.asarray(rule[1](c2, c1)).astype(out.dtype.numpy)
            if x.type.dtype == out.dtype and x.type.is_static and out.is_static and np.broadcast_shapes(x.type.shape, combined.shape) == out.shape:
                const = make_const(combined, TensorType(out.dtype, combined.shape), op, f"{data_results(op)[0].name_hint or 'c'}_c")
                op.set_operands([x, const.results[0]])
                return const, inner
    return None


def _plain_binary(op: Operation, trivial) -> bool:
    """Two data operands, one data result, no control edges in or out."""
    data, tokens = split_operands(op)
    token = token_result(op)
    return len(data) == 2 and len(data_results(op)) == 1 and not tokens and (token is None or not token.uses or token in trivial)


def _run_time_and_constant(data: list[Value]):
    """(run-time operand, constant value) pairs among two operands."""
    for index in (0, 1):
        c, x = constant_value(data[index]), data[1 - index]
        if c is not None and constant_value(x) is None:
            yield x, c


def _detach(op: Operation) -> None:
    op.drop_operands()
    op.parent = None


_ANCESTOR_BUDGET = 256  # ops visited per search for redundant control edges


class _Cleanup:
    """Step 1 and 2 of tf-fuse, in one forward walk per block."""

    def __init__(self, module: Module):
        self.module = module
        self.trivial: set[Value] = set()  # control tokens that order nothing with an effect
        self.bypassed: dict[Value, list[Value]] = {}  # token of a removed NoOp -> the tokens it stood for
        self.probes: dict[tuple, tuple | None] = {}

    def block(self, block: Block) -> None:
        kept: list[Operation] = []
        removed: set[Operation] = set()
        for op in block.ops:
            if is_tf(op):
                self.rewrite_tokens(op)
                if self.bypass_noop(op) or self.forward(op):
                    _detach(op)
                    continue
                pushed = push_down_constant(op, self.trivial)
                if pushed is not None:
                    const, inner = pushed
                    const.parent = block
                    kept.append(const)
                    removed.add(inner)
                    _detach(inner)
            kept.append(op)
        block.ops[:] = [op for op in kept if op not in removed] if removed else kept
        for op in block.ops:
            if op.results and isinstance(op.results[-1].type, TokenType) and not op.results[-1].uses and is_tf(op):
                op.results.pop()  # the importer made it for control users that are gone now

    # -- control edges ----------------------------------------------------------------------------
    def rewrite_tokens(self, op: Operation) -> None:
        data, tokens = split_operands(op)
        wanted: dict[Value, None] = {}
        for t in tokens:
            if t in self.trivial:
                continue
            for u in self.bypassed.get(t, (t,)):
                wanted[u] = None
        kept = self.without_redundant(data, list(wanted))
        if kept != tokens:
            op.set_operands(data + kept)
        token = token_result(op)
        if token is not None and not kept and is_pure(op):
            self.trivial.add(token)

    @staticmethod
    def without_redundant(data: list[Value], tokens: list[Value]) -> list[Value]:
        """Drop a token whose producer another input already waits for: it also produces one of the
        op's other inputs, or is an ancestor of one (a bounded search, so the walk stays linear)."""
        if not tokens:
            return tokens
        producers = Counter(v.op if isinstance(v, OpResult) else None for v in data + tokens)
        ancestors = _ancestors([p for p in producers if p is not None])
        return [t for t in tokens if not isinstance(t, OpResult) or (producers[t.op] == 1 and t.op not in ancestors)]

    def bypass_noop(self, op: Operation) -> bool:
        """A pure op without data results only relays control: remove it, its users wait for its inputs."""
        if data_results(op) or split_operands(op)[0] or not is_pure(op) or token_result(op) is None:
            return False
        token = token_result(op)
        if token in self.trivial:
            return True
        inputs = split_operands(op)[1]
        users = len(token.users)
        if len(inputs) * users > len(inputs) + users:
            return False
        self.bypassed[token] = inputs
        return True

    # -- forwarding -------------------------------------------------------------------------------
    def forward(self, op: Operation) -> bool:
        """Replace the results of an identity-like op by its operands (no control inputs left on it)."""
        data, tokens = split_operands(op)
        token = token_result(op)
        if tokens or not is_pure(op) or (token is not None and token not in self.trivial):
            return False
        sources = self.identity_arithmetic(op, data) or self.forwarded_operands(op, data)
        if sources is None:
            return False
        for result, source in zip(data_results(op), sources):
            result.replace_all_uses_with(source)
        return True

    @staticmethod
    def identity_arithmetic(op: Operation, data: list[Value]) -> list[Value] | None:
        rule = IDENTITY_ARITHMETIC.get(op.name)
        results = data_results(op)
        if rule is None or len(data) != 2 or len(results) != 1:
            return None
        position, unit = rule
        for index in (0, 1) if position is None else (position,):
            c, x = constant_value(data[index]), data[1 - index]
            if c is not None and x.type == results[0].type and c.size and np.all(c == unit):
                return [x]
        return None

    def forwarded_operands(self, op: Operation, data: list[Value]) -> list[Value] | None:
        """The operands an op's decomposition returns as its results unchanged, if it does that.

        Probed once per (op, attributes, operand types, small constant operands)."""
        results = data_results(op)
        if not results or any(r.type not in {v.type for v in data} for r in results):
            return None
        lookup_def = lookup(op.name)
        if lookup_def is None or lookup_def.has(Trait.CONSTANT_LIKE):
            return None
        key = (op.name, tuple(sorted(op.attributes.items())), tuple(v.type for v in data), tuple(_probe_key(v) for v in data))
        if key not in self.probes:
            self.probes[key] = self.probe(op, data)
        positions = self.probes[key]
        if positions is None:
            return None
        sources = [data[i] for i in positions]
        return sources if all(s.type == r.type for s, r in zip(sources, results)) else None

    def probe(self, op: Operation, data: list[Value]) -> tuple | None:
        scratch = Block()
        produced = trace_decomposition(self.module, op, scratch)
        discard(scratch)
        if produced is None or len(produced) != len(data_results(op)):
            return None
        index = {v: i for i, v in reversed(list(enumerate(data)))}
        positions = tuple(index.get(v) for v in produced)
        return None if None in positions else positions


def _ancestors(starts: list[Operation]) -> set[Operation]:
    """Ops that ``starts`` depend on through one or more edges, breadth first, at most a budget of them."""
    found: set[Operation] = set()
    frontier = list(starts)
    while frontier and len(found) < _ANCESTOR_BUDGET:
        next_frontier = []
        for op in frontier:
            for value in op.operands:
                parent = value.op if isinstance(value, OpResult) else None
                if parent is not None and parent not in found:
                    found.add(parent)
                    next_frontier.append(parent)
        frontier = next_frontier
    return found


def _probe_key(value: Value):
    """How an operand can influence a decomposition beyond its type: a small constant's value."""
    c = constant_value(value)
    if c is None:
        return None
    return value if c.size > 16 else (c.dtype.str, c.shape, c.tobytes())


__all__ = [
    "CONSTANT_PUSH_DOWN",
    "DEFAULT_MAX_ELEMENTS",
    "IDENTITY_ARITHMETIC",
    "TF_PIPELINE",
    "TFFold",
    "TFFuse",
    "constant_value",
    "evaluate_on_constants",
    "make_const",
]
