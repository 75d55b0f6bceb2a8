"""``schedule``: order each function's top-level ops so transfers overlap compute and less memory is live.

After ``partition`` a device's function sends values to other devices and receives values from them.
A send placed early lets the other device start sooner; a receive placed late gives its value the
most time to arrive; and an order that frees big tensors before making new ones lowers peak memory.
So a greedy list scheduler (a heap of ready ops) re-orders the entry block of every function:

1. sends first: a rendezvous op without results is taken as soon as it is ready, and the ops it
   needs are preferred over others (those feeding the earliest send first);
2. receives late: a rendezvous op with a result is placed just before the first op that needs it;
3. memory (option ``memory``, default true): among the remaining ready ops, the one that frees the
   most bytes (operands whose last use it is) minus the bytes it allocates (its results) goes first;
   ties keep the original order, so the result is deterministic.

Before (in ``@main_cpu0``, attributes but the transfers' left out; ``%big`` is 4 KiB)::

    %big = "tfc.broadcast_in_dim"(%x) : (tensor<f32>) -> tensor<1024xf32>
    %s = "tfc.reduce"(%big) : (tensor<1024xf32>) -> tensor<f32>
    %y = "tfc.negate"(%x) : (tensor<f32>) -> tensor<f32>
    "tfc.send"(%y) {key = "k0", to = "cpu:1"} : (tensor<f32>) -> ()
    %r = "tfc.recv"() {from = "cpu:1", key = "k1"} : () -> tensor<f32>
    %w = "tfc.exp"(%s) : (tensor<f32>) -> tensor<f32>
    %z = "tfc.add"(%r, %w) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    "func.return"(%z) : (tensor<f32>) -> ()

After::

    %y = "tfc.negate"(%x) : (tensor<f32>) -> tensor<f32>
    "tfc.send"(%y) {key = "k0", to = "cpu:1"} : (tensor<f32>) -> ()
    %big = "tfc.broadcast_in_dim"(%x) : (tensor<f32>) -> tensor<1024xf32>
    %s = "tfc.reduce"(%big) : (tensor<1024xf32>) -> tensor<f32>
    %w = "tfc.exp"(%s) : (tensor<f32>) -> tensor<f32>
    %r = "tfc.recv"() {from = "cpu:1", key = "k1"} : () -> tensor<f32>
    %z = "tfc.add"(%r, %w) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    "func.return"(%z) : (tensor<f32>) -> ()

Data dependencies are kept, uses inside an op's regions included. Ops with side effects (stateful
ones, sends and receives among them, unregistered ones, ops with such ops inside) keep their order
among themselves, so a receive that came before a send stays before it: rules 1 and 2 move
transfers past pure ops only. The terminator stays last. Without rendezvous ops the new order is
kept only when it does not raise :func:`peak_live_bytes` (a greedy choice can lose, for instance to
an unused big result), so ``memory`` never makes such a function worse than it came.
Heap-based, O(n log n) in the ops of a block; :func:`peak_live_bytes` is linear.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from tfc.effects import has_side_effects, is_pure, is_terminator
from tfc.ir import Block, Function, Module, Operation, OpResult, Value, uses_from_block
from tfc.limits import static_bytes
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup
from tfc.rewriter import Rewriter

OTHER, SEND, RECV = 0, 1, 2
"""What an op is to the scheduler: a rendezvous op without results sends, one with a result receives."""

_WAITING, _READY, _PENDING, _PLACED = 0, 1, 2, 3
"""An op's state: operands not all available; in the heap; a receive waiting for its first user; placed."""


@register_pass
@dataclass(frozen=True)
class Schedule(Pass):
    """Re-order each function's entry block: sends early, receives late, low peak memory."""

    name = "schedule"
    memory: bool = True
    """Whether ready ops are chosen to lower peak live bytes (else by original order alone)."""

    def run(self, module: Module) -> None:
        with Rewriter() as rewriter:
            for function in module.functions:
                body = _entry_block(function)
                if body is None or len(body.ops) < 3 or not is_terminator(body.ops[-1]):
                    continue
                order = schedule_block(body, self.memory)
                if order is not None:
                    rewriter.move_before(body.ops[-1], order)

    def measure(self, module: Module) -> dict[str, int]:
        """``--stats``: the estimated peak live bytes, summed over the functions (one per device in a
        partitioned program), before and after."""
        return {"peak bytes": sum(peak_live_bytes(f) for f in module.functions)}


def schedule_block(block: Block, memory: bool = True) -> list[Operation] | None:
    """The new order of ``block``'s ops before its terminator, or None when it stays as it is."""
    graph = _Graph(block)
    order = _Scheduler(graph, memory).run()
    if order is None or order == list(range(len(graph.body))):
        return None  # unchanged, or a cycle (a use before its definition): leave it to the verifier
    if memory and not any(graph.kind):
        before = _peak(block.args, block.ops, [*graph.uses, graph.final_uses])
        after = _peak(block.args, [graph.body[i] for i in order] + [graph.terminator],
                      [*(graph.uses[i] for i in order), graph.final_uses])
        if after > before:
            return None  # the greedy choice lost: keep the better order
    return [graph.body[i] for i in order]


def peak_live_bytes(function: Function) -> int:
    """Estimated peak bytes of live tensors over ``function``'s body in its current order.

    A value is live from its definition (arguments: from the start) to its last use, a use inside
    an op's regions counting as a use by that op; sizes come from static tensor types (elements ×
    item size), anything else counts 0. Linear, so it is cheap to print before and after a pass."""
    block = _entry_block(function)
    if block is None:
        return 0
    return _peak(block.args, block.ops, [uses_from_block(op, block) for op in block.ops])


# ---- the graph -------------------------------------------------------------------------------------
def _entry_block(function: Function) -> Block | None:
    regions = function.op.regions
    return regions[0].blocks[0] if regions and regions[0].blocks else None


def _kind(op: Operation) -> int:
    opdef = lookup(op.name)
    if opdef is None or not opdef.has(Trait.RENDEZVOUS):
        return OTHER
    return RECV if op.results else SEND


def _is_source(op: Operation) -> bool:
    """A pure op that needs nothing (a constant, an iota): computing it early only holds memory."""
    return not op.operands and not op.regions and bool(op.results) and is_pure(op)


def _size(value: Value) -> int:
    return static_bytes(value.type) or 0


class _Graph:
    """Dependencies among a block's ops but its terminator: data edges (uses inside regions
    included) and a chain through the side-effecting ops, which keeps their relative order."""

    def __init__(self, block: Block):
        self.body = block.ops[:-1]
        self.terminator = block.ops[-1]
        n = len(self.body)
        index = {op: i for i, op in enumerate(self.body)}
        self.uses = [uses_from_block(op, block) for op in self.body]
        self.final_uses = uses_from_block(self.terminator, block)
        self.kind = [_kind(op) for op in self.body]
        self.lazy = [k == RECV or _is_source(op) for k, op in zip(self.kind, self.body)]
        """Ops placed just before their first user: receives, and pure ops of no operands (constants)."""
        self.succs: list[list[int]] = [[] for _ in range(n)]
        self.indeg = [0] * n
        self.recv_preds: list[list[int]] = [[] for _ in range(n)]
        previous = None
        for i, op in enumerate(self.body):
            preds = dict.fromkeys(index[v.op] for v in self.uses[i] if isinstance(v, OpResult) and v.op in index)
            if has_side_effects(op):
                if previous is not None:
                    preds[previous] = None
                previous = i
            for j in preds:
                self.succs[j].append(i)
                self.indeg[i] += 1
                if self.lazy[j]:
                    self.recv_preds[i].append(j)
        self.rank = self._send_ranks()

    def _send_ranks(self) -> list[int]:
        """Per op, the index of the earliest send that needs it (``n`` for none): sends' inputs first."""
        n = len(self.body)
        rank = [n] * n
        for i in reversed(range(n)):
            best = i if self.kind[i] == SEND else n
            for s in self.succs[i]:
                best = min(best, rank[s])
            rank[i] = best
        return rank


# ---- the list scheduler ----------------------------------------------------------------------------
class _Scheduler:
    """Takes ready ops from a heap keyed (not a send, earliest send needing it, -score, index).

    The score (bytes freed minus bytes allocated) grows when an operand's other users are placed;
    the op is then pushed again with its new key and the stale entry skipped (a version per op)."""

    def __init__(self, graph: _Graph, memory: bool):
        self.graph, self.memory = graph, memory
        n = self.n = len(graph.body)
        self.indeg = list(graph.indeg)
        self.state = [_WAITING] * n
        self.version = [0] * n
        self.heap: list[tuple[bool, int, int, int, int]] = []
        self.order: list[int] = []
        self.remaining: dict[Value, int] = {}
        self.user_sum: dict[Value, int] = {}  # the sum of unplaced users' indices: the last one's index
        self.freed = [0] * n
        self.allocated = [sum(_size(r) for r in op.results) for op in graph.body] if memory else [0] * n
        if memory:
            self._count_users()

    def _count_users(self) -> None:
        for i, used in enumerate([*self.graph.uses, self.graph.final_uses]):
            for value in used:
                self.remaining[value] = self.remaining.get(value, 0) + 1
                self.user_sum[value] = self.user_sum.get(value, 0) + i
        for value, count in self.remaining.items():
            if count == 1 and self.user_sum[value] < self.n:
                self.freed[self.user_sum[value]] += _size(value)

    def run(self) -> list[int] | None:
        """Indices of the body's ops in their new order; None if some op never became ready."""
        self._release([i for i in range(self.n) if self.indeg[i] == 0])
        while self.heap:
            *_, i, version = heapq.heappop(self.heap)
            if self.state[i] == _READY and version == self.version[i]:
                self._place(i)
        self.order += [i for i in range(self.n) if self.state[i] == _PENDING]  # for the terminator, or unused
        return self.order if len(self.order) == self.n else None

    def _push(self, i: int) -> None:
        graph = self.graph
        key = (graph.kind[i] != SEND, graph.rank[i], self.allocated[i] - self.freed[i], i, self.version[i])
        heapq.heappush(self.heap, key)

    def _release(self, ready: list[int]) -> None:
        """Make ``ready`` ops available: others join the heap; a receive only waits for a user, so
        what depends on it is released at once (a worklist: receives may chain)."""
        work = list(ready)
        while work:
            i = work.pop()
            if not self.graph.lazy[i]:
                self.state[i] = _READY
                self._push(i)
                continue
            self.state[i] = _PENDING
            work += self._done(i)

    def _done(self, i: int) -> list[int]:
        """The successors of ``i`` it was the last dependency of."""
        freed = []
        for s in self.graph.succs[i]:
            self.indeg[s] -= 1
            if self.indeg[s] == 0:
                freed.append(s)
        return freed

    def _place(self, i: int) -> None:
        self.order += self._pending_receives(i)
        self.order.append(i)
        self.state[i] = _PLACED
        if self.memory:
            self._consume(i)
        self._release(self._done(i))

    def _pending_receives(self, i: int) -> list[int]:
        """The waiting receives ``i`` needs, directly or through other waiting receives, in their
        original order (which respects their chain), marked placed."""
        found = []
        stack = list(self.graph.recv_preds[i])
        while stack:
            r = stack.pop()
            if self.state[r] == _PENDING:
                self.state[r] = _PLACED
                found.append(r)
                stack += self.graph.recv_preds[r]
        return sorted(found)

    def _consume(self, i: int) -> None:
        """``i`` is placed: an operand with one user left makes that user free it, a better choice."""
        for value in self.graph.uses[i]:
            self.remaining[value] -= 1
            self.user_sum[value] -= i
            last = self.user_sum[value]
            if self.remaining[value] == 1 and last < self.n:
                self.freed[last] += _size(value)
                if self.state[last] == _READY:
                    self.version[last] += 1
                    self._push(last)


# ---- liveness --------------------------------------------------------------------------------------
def _peak(args: Sequence[Value], ops: Sequence[Operation], uses: Sequence[list[Value]]) -> int:
    """Peak live bytes when ``ops`` (each using ``uses[k]``) run in this order after ``args`` exist."""
    last: dict[Value, int] = {}
    for position, used in enumerate(uses):
        for value in used:
            last[value] = position
    live = sum(_size(arg) for arg in args)
    peak = live
    live -= sum(_size(arg) for arg in args if arg not in last)
    for position, op in enumerate(ops):
        live += sum(_size(r) for r in op.results)
        peak = max(peak, live)
        live -= sum(_size(r) for r in op.results if r not in last)
        live -= sum(_size(v) for v in uses[position] if last[v] == position)
    return peak


__all__ = ["Schedule", "peak_live_bytes", "schedule_block"]
