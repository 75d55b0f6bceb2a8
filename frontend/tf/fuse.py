"""``tf-fuse``: remove control plumbing and no-op nodes, apply the tf rule table, fuse contractions.

Before::

    %w1 = "tf.Identity"(%w) {T = f32} : (tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32>
    %c = "tf.Conv2D"(%x, %w1) {...} : (tensor<1x4x4x3xf32>, tensor<1x1x3x8xf32>) -> tensor<1x4x4x8xf32>
    %a = "tf.BiasAdd"(%c, %bias) {T = f32} : (tensor<1x4x4x8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
    %r = "tf.Relu6"(%a) {T = f32} : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>

After::

    %r = "tf._FusedConv2D"(%x, %w, %bias) {fused_ops = ["BiasAdd", "Relu6"], num_args = 1 : i64, ...}

Steps, each one walk over each block:

1. control edges: drop tokens that order nothing (from pure ops without control inputs), drop a
   token when another input already depends on its producer, bypass NoOps when that does not add
   edges (Grappler's rule: inputs * outputs <= inputs + outputs); forward ops whose decomposition
   returns their operands unchanged (Identity, Snapshot, a Reshape to the same shape, ...), when no
   control input is left on them;
2. the tf rule table (``frontend/tf/rules.py``): ``x * 1``, ``x + -0.0``, ``x - 0``, ``x / 1``, and
   with ``fast-math`` also ``x + 0.0`` and combining the constants of chained Mul or Add ops;
3. remap (:mod:`.remap`): contraction + BiasAdd (+ activation) become Grappler's fused op; with
   ``fast-math``, per-channel constant Mul/RealDiv/Add/Sub/FusedBatchNorm steps after a contraction
   with constant weights also fold into its weights and one bias (a reassociation: equal to rounding).

Dead ops are left for ``dce``. An op whose control token is still used is never removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tfc.effects import constant_value, is_pure
from tfc.ir import Block, Module, Operation, OpResult, Value
from tfc.passmanager import Pass, register_pass
from tfc.patterns import apply_rules, index_rules
from tfc.registry import Trait, lookup
from tfc.rewriter import Rewriter

from .remap import remap_block
from .rules import RULES
from .tf_ir import data_results, discard, is_tf, split_operands, token_result, trace_decomposition, walk_blocks

_TF_RULES = index_rules(RULES)


@register_pass
@dataclass(frozen=True)
class TFFuse(Pass):
    """Remove control plumbing and identities, apply the tf rules, fuse contractions (Grappler's remapper)."""

    name = "tf-fuse"
    fast_math: bool = False
    """Also reassociate: combine chained constants and fold per-channel steps into contraction weights."""

    def run(self, module: Module) -> None:
        cleanup = _Cleanup(module)
        with Rewriter() as rewriter:
            for block in list(walk_blocks(module.op)):
                cleanup.block(block, rewriter)
        apply_rules(module, _TF_RULES, fast_math=self.fast_math)
        with Rewriter() as rewriter:
            for block in list(walk_blocks(module.op)):
                remap_block(block, rewriter, fold_weights=self.fast_math)


_ANCESTOR_BUDGET = 256  # ops visited per search for redundant control edges


class _Cleanup:
    """Step 1 of tf-fuse, in one forward walk per block."""

    def __init__(self, module: Module):
        self.module = module
        self.trivial: set[Value] = set()  # control tokens that order nothing with an effect
        self.bypassed: dict[Value, list[Value]] = {}  # token of a removed NoOp -> the tokens it stood for
        self.probes: dict[tuple, tuple | None] = {}

    def block(self, block: Block, rewriter: Rewriter) -> None:
        dropped = []
        for op in block.ops:
            if not is_tf(op):
                continue
            self.rewrite_tokens(op)
            if self.bypass_noop(op) or self.forward(op):
                dropped.append(op)
        for op in dropped:  # after the walk: their tokens' users (later in the block) have let go
            rewriter.erase(op)
        for op in block.ops:
            if op.parent is block and is_tf(op) and token_result(op) is not None and not op.results[-1].uses:
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
        token = token_result(op)
        if data_results(op) or split_operands(op)[0] or not is_pure(op) or token is None:
            return False
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
        """Replace the results of an op whose decomposition returns its operands unchanged."""
        data, tokens = split_operands(op)
        token = token_result(op)
        if tokens or not is_pure(op) or (token is not None and token not in self.trivial):
            return False
        sources = self.forwarded_operands(op, data)
        if sources is None:
            return False
        for result, source in zip(data_results(op), sources):
            result.replace_all_uses_with(source)
        return True

    def forwarded_operands(self, op: Operation, data: list[Value]) -> list[Value] | None:
        """The operands an op's decomposition returns as its results unchanged, if it does that.

        Probed once per (op, attributes, operand types, small constant operands)."""
        results = data_results(op)
        if not results or any(r.type not in {v.type for v in data} for r in results):
            return None
        if lookup(op.name).has(Trait.CONSTANT_LIKE):
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


__all__ = ["TFFuse"]
