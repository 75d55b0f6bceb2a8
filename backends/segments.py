"""Cutting a partitioned program into the pieces a backend can run whole: *segments*.

XLA:CPU has no ``stablehlo.send``/``recv``, so an executable cannot stop halfway to wait for a value
from another device. Each partition function is therefore cut at its receives: an op's *level* is
the number of transfers on the longest chain leading to it (a receive is one more than its send; a
side effect after a received control token waits for it too), and the ops of one partition with one
level form a segment. Segments of a level depend only on lower levels, so dispatching them level by
level respects every edge; XLA's asynchronous dispatch then runs each as soon as its inputs are
ready. A program with no cycle between devices (the usual case) has one segment per partition.

A segment is a function of its own (arguments: program arguments, values from earlier segments of
the same device, received values; results: values later segments, sends and the program's results
need). Sends, receives and tokens are not in it: the executor moves those values itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tfc.builder import Builder
from tfc.clone import clone_op
from tfc.device_spec import ARGUMENTS_ATTR, DEVICE_ATTR, PARTITION_OF, PROGRAM_TYPE_ATTR, RESULTS_ATTR
from tfc.diagnostics import BackendError
from tfc.effects import has_side_effects, is_pure
from tfc.ir import BlockArgument, Function, Module, Operation, Value, uses_from_block
from tfc.limits import static_bytes
from tfc.registry import Trait, lookup
from tfc.types import FunctionType, ResourceType, TokenType

READ_VARIABLE = "tfc.read_variable"

# Where a segment's argument comes from, and where its result goes:
#   ("arg", i)       program argument i
#   ("value", v)     value v of the partition, made by an earlier segment on the same device
#   ("key", k)       the value sent under rendezvous key k (an argument: it arrives by transfer)
#   ("result", i)    program result i


@dataclass
class Segment:
    """One executable piece: ``module``'s ``main`` runs on ``device`` at ``level``."""

    device: str
    level: int
    module: Module
    inputs: list[tuple] = field(default_factory=list)
    outputs: list[tuple] = field(default_factory=list)
    ops: int = 0
    transfers: dict[str, tuple[str, int]] = field(default_factory=dict)  # key it receives -> (source device, bytes)
    waits_for: list[str] = field(default_factory=list)  # control tokens (keys) whose senders must finish first
    sends_tokens: list[str] = field(default_factory=list)  # control tokens it sends: its side effects are done


def partitions_of(module: Module, entry: str = "main") -> list[Function]:
    """The partition functions of program ``entry`` (empty when it was not partitioned)."""
    return [f for f in module.functions if f.op.attr(PARTITION_OF) == entry]


def program_type(partitions: list[Function]) -> FunctionType:
    return partitions[0].op.attr(PROGRAM_TYPE_ATTR)


def is_transfer(op: Operation) -> bool:
    opdef = lookup(op.name)
    return opdef is not None and opdef.has(Trait.RENDEZVOUS)


def levels(partitions: list[Function]) -> dict[Value, int]:
    """The level of every top-level value (op results, and 0 for arguments), across all partitions.

    The partitions are walked together, each as far as its receives' sends are known; a receive
    whose send never comes is a BackendError naming it (the program would deadlock)."""
    level: dict[Value, int] = {}
    sent: dict[str, int] = {}
    cursors = {f.name: 0 for f in partitions}
    floors = dict.fromkeys(cursors, 0)
    for f in partitions:
        for arg in f.args:
            level[arg] = 0
    progress = True
    while progress:
        progress = False
        for f in partitions:
            ops = f.body.ops
            while cursors[f.name] < len(ops) - 1:
                op = ops[cursors[f.name]]
                at = _level_of(op, level, sent, floors, f.name)
                if at is None:
                    break
                for result in op.results:
                    level[result] = at
                level[op] = at
                cursors[f.name] += 1
                progress = True
    for f in partitions:
        if cursors[f.name] < len(f.body.ops) - 1:
            stuck = f.body.ops[cursors[f.name]]
            raise BackendError(f"'{stuck.name}' in @{f.name} waits for key '{stuck.attr('key')}', which no send can provide "
                               "before it: the partitions would deadlock", stuck.location)
    return level


def _level_of(op: Operation, level: dict, sent: dict, floors: dict, function: str) -> int | None:
    """``op``'s level, or None while it waits for a send not walked yet."""
    operands = [level[v] for v in _outer_values(op)]
    at = max(operands, default=0)
    if is_transfer(op) and op.results:
        key = op.attr("key")
        if key not in sent:
            return None
        at = max(floors[function], sent[key] + 1)
        if isinstance(op.result.type, TokenType):
            floors[function] = at  # side effects after it wait for the token
        return at
    if is_transfer(op):
        sent[op.attr("key")] = at
        return at
    if has_side_effects(op):
        at = max(at, floors[function])
        floors[function] = at
    return at


def _outer_values(op: Operation) -> list[Value]:
    """The values ``op`` (regions included) uses from the block it is in."""
    return uses_from_block(op, op.parent)


def cut(partitions: list[Function]) -> list[Segment]:
    """Every partition's segments, in an order that dispatches each after what it needs."""
    level = levels(partitions)
    segments = []
    for f in partitions:
        _sink_pure_ops(f, level)
        _sink_variable_reads(f, level)
        by_level: dict[int, list[Operation]] = {}
        for op in f.body.ops[:-1]:
            by_level.setdefault(level[op], []).append(op)
        needed_later = _uses_by_level(f, level)
        for at in sorted(by_level):
            segments.append(_segment(f, at, by_level[at], needed_later))
    segments.sort(key=lambda s: s.level)  # stable: partitions keep their order within a level
    return segments


def _sink_pure_ops(f: Function, level: dict) -> None:
    """Raise each pure op, and each receive of data, to the lowest level of its users (constants
    join the segment that uses them instead of making one of their own; a value received early
    waits for its user rather than passing through a segment). Users stay at or above it."""
    body = f.body
    for op in reversed(body.ops[:-1]):
        data_receive = is_transfer(op) and op.results and not isinstance(op.result.type, TokenType)
        if not (is_pure(op) or data_receive) or not op.results:
            continue
        users = [_top_level(user, body) for r in op.results for user in r.users]
        if users and all(user is not body.ops[-1] for user in users):
            level[op] = max(level[op], min(level[user] for user in users))
            for result in op.results:
                level[result] = level[op]


def _sink_variable_reads(f: Function, level: dict) -> None:
    """Raise each variable read to the lowest level of its users, but never past a later write of the
    same variable (which keeps it before that write, in one segment): an update's read and write then
    run in one segment, which on a parameter server holds the variable's lock throughout, so
    concurrent updates from several workers all apply. (Sessions on one process lift variables
    before partitioning: their partitions have no reads left.)"""
    body = f.body
    next_write: dict[Value, int] = {}  # handle -> the lowest level of a later op that may write it
    for op in reversed(body.ops[:-1]):
        handles = [v for v in op.operands if isinstance(v.type, ResourceType)]
        if op.name == READ_VARIABLE:
            users = [_top_level(user, body) for user in op.result.users]
            if users and all(user is not body.ops[-1] for user in users):
                target = min(level[user] for user in users)
                level[op] = level[op.result] = max(level[op], min(target, next_write.get(handles[0], target)))
        elif handles and has_side_effects(op):
            for handle in handles:
                next_write[handle] = min(next_write.get(handle, level[op]), level[op])


def _top_level(op: Operation, block) -> Operation:
    while op.parent is not block:
        op = op.parent_op
    return op


def _uses_by_level(f: Function, level: dict) -> dict[Value, int]:
    """For each value: the highest level of an op (or the return) that uses it."""
    last: dict[Value, int] = {}
    for op in f.body.ops[:-1]:
        for value in _outer_values(op):
            last[value] = max(last.get(value, -1), level[op])
    return last


def _segment(f: Function, at: int, ops: list[Operation], needed_later: dict[Value, int]) -> Segment:
    """The segment of ``f``'s ops at level ``at``: a module whose ``main`` takes what they need."""
    segment = Segment(f.op.attr(DEVICE_ATTR), at, Module.create())
    inputs = _inputs(f, ops, segment)
    function = Function.create("main", [v.type for v in inputs], [], [v.name_hint for v in inputs], f.op.location)
    mapping: dict[Value, Value] = dict(zip(inputs, function.args))
    for handle in _handles_used(ops):  # each segment names the variables it uses itself
        function.body.append(clone_op(handle, mapping))
    for op in ops:
        if is_transfer(op) or _makes_token(op):
            continue
        function.body.append(clone_op(op, mapping))
        segment.ops += 1
    values = [mapping[v] for v in _outputs(f, at, ops, needed_later, segment)]
    Builder(function.body).create("func.return", values, {}, [], location=f.return_op.location)
    function.set_type(FunctionType(tuple(a.type for a in function.args), tuple(v.type for v in values)))
    _forget_names(function)
    segment.module.add_function(function)
    return segment


def _forget_names(function: Function) -> None:
    """Drop value names: segments that compute the same thing (a tower per device) then print the
    same, and the backend compiles them once (names are for reading IR; segments are not read)."""
    for op in function.op.walk():
        for result in op.results:
            result.name_hint = None
        for region in op.regions:
            for block in region.blocks:
                for arg in block.args:
                    arg.name_hint = None


def is_handle(op: Operation) -> bool:
    """An op that only names state (a variable handle): a segment using it makes its own copy, so a
    handle never passes between segments (each one lifts the variables it reads and updates)."""
    return not op.operands and not op.regions and bool(op.results) and all(isinstance(r.type, ResourceType) for r in op.results)


def _handles_used(ops: list[Operation]) -> list[Operation]:
    """Handle ops made outside ``ops`` whose handles ``ops`` use, in first-use order."""
    defined = {r for op in ops for r in op.results}
    found: dict[Operation, None] = {}
    for op in ops:
        for value in _outer_values(op):
            producer = getattr(value, "op", None)
            if value not in defined and producer is not None and is_handle(producer):
                found[producer] = None
    return list(found)


def _makes_token(op: Operation) -> bool:
    return bool(op.results) and all(isinstance(r.type, TokenType) for r in op.results)


def _inputs(f: Function, ops: list[Operation], segment: Segment) -> list[Value]:
    """The values the segment's ops need from outside it (recording where each comes from)."""
    arguments = f.op.attr(ARGUMENTS_ATTR)
    defined = {r for op in ops for r in op.results}
    needed: dict[Value, None] = {}
    for op in ops:
        if is_transfer(op) and op.results:
            if isinstance(op.result.type, TokenType):
                segment.waits_for.append(op.attr("key"))
            else:
                needed[op.result] = None
                segment.inputs.append(("key", op.attr("key")))
                segment.transfers[op.attr("key")] = (op.attr("from"), static_bytes(op.result.type) or 0)
            continue
        for value in _outer_values(op):
            producer = getattr(value, "op", None)
            if value not in defined and value not in needed and not (producer is not None and is_handle(producer)):
                needed[value] = None
                segment.inputs.append(("arg", arguments[value.index]) if isinstance(value, BlockArgument) else ("value", value))
    return list(needed)


def _outputs(f: Function, at: int, ops: list[Operation], needed_later: dict, segment: Segment) -> list[Value]:
    """The segment's results: values later segments use, values it sends, the program's results it
    makes (a program result that is an argument is the executor's to return)."""
    defined = {r: None for op in ops for r in op.results if not isinstance(r.type, TokenType)}
    values = []
    for value in defined:
        if needed_later.get(value, -1) > at and not isinstance(value.type, ResourceType):
            values.append(value)
            segment.outputs.append(("value", value))
    for op in ops:
        if is_transfer(op) and not op.results:
            if isinstance(op.operands[0].type, TokenType):
                segment.sends_tokens.append(op.attr("key"))
            else:
                values.append(op.operands[0])
                segment.outputs.append(("key", op.attr("key")))
    for index, value in zip(f.op.attr(RESULTS_ATTR), f.return_op.operands):
        if value in defined:
            values.append(value)
            segment.outputs.append(("result", index))
    return values


__all__ = ["Segment", "cut", "is_handle", "is_transfer", "levels", "partitions_of", "program_type"]
