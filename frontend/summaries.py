"""Summaries recorded inside ``@tfc.compile``: the ``tfc.summary`` ops a trace collects, moved to
extra results of the function when the trace ends, and the sinks (``tfc.summary``'s writers) the
values go to after each call.

A compiled step that records ``loss`` and a histogram returns them with its other outputs. The ops
that only compute summaries (a histogram's bucketing) move into a ``tfc.if`` on a last parameter,
``record_summaries``, which the host sets before each call from its sinks (``record_if``, every n
steps, a default writer at all): a step that does not record skips that work, and changing the
condition never retraces.

Before (``%3`` feeds nothing but the summary)::

    %3 = "tfc.reduce_max"(%w) ...
    "tfc.summary"(%3) {tag = "w_max", ...}

After::

    %5 = "tfc.if"(%record_summaries) ({
      %3 = "tfc.reduce_max"(%w) ...
      "tfc.yield"(%3)
    }, {
      %4 = "tfc.constant"() {value = dense<0.0>} ...
      "tfc.yield"(%4)
    })                                            // %5 is returned after the function's results
"""

from __future__ import annotations

import json
import math
import threading
import weakref
from collections.abc import Callable, Sequence

import numpy as np

from tfc.attributes import to_attribute
from tfc.diagnostics import TraceError
from tfc.effects import has_side_effects
from tfc.ir import Block, Operation, OpResult, Region, Value
from tfc.ops.summaries import SUMMARIES_ATTR, SUMMARY_OP
from tfc.types import DType, TensorType

from .tensor import Tensor, emit, emit_results, reshape, to_tensor, zeros_like
from .tracing import Trace, current_trace, user_location

RECORD_PARAMETER = "record_summaries"
_sinks: list[tuple[Callable, Callable | None]] = []
_lock = threading.Lock()
_recording: weakref.WeakSet = weakref.WeakSet()  # traces that recorded a summary: only they are searched when they end


def record(tag: str, plugin: str, value, options: dict | None = None) -> None:
    """Inside a trace: record ``value`` as summary ``tag`` for ``plugin`` (a ``tfc.summary`` op);
    ``options`` (JSON-able) come back with the value, for the host's encoding."""
    trace = current_trace()
    if trace is None:
        raise TraceError("tfc.frontend.summaries.record needs an active trace (inside @tfc.compile)", user_location())
    tensor = value if isinstance(value, Tensor) else to_tensor(value, trace)
    attributes = {"tag": str(tag), "plugin": str(plugin), "options": json.dumps(options or {}, sort_keys=True)}
    emit_results(SUMMARY_OP, [tensor], attributes, [])
    _recording.add(trace)


def moved_to_results(trace: Trace, returned: list[Value]) -> tuple[list[tuple[str, str]], list, tuple]:
    """The function's ``tfc.summary`` ops removed, their values returned as (``[(tag, plugin, options)]``,
    results, layout) for the caller to append the results to ``returned`` (the function's own); the
    ops computing only them moved under a new last parameter ``record_summaries`` (see the module
    doc), the values of one dtype packed into one 1-D result (``layout``: see :class:`SummaryValues`).
    One inside a loop or branch is a TraceError (its value exists once per iteration or only on one side)."""
    if trace not in _recording:
        return [], [], ()
    body = trace.function.body
    found = [op for op in body.ops if op.name == SUMMARY_OP]
    for op in trace.function.op.walk():
        if op.name == SUMMARY_OP and op.parent is not body:
            raise TraceError("a summary recorded inside a loop or a branch (tfc.while_loop, tfc.cond) cannot leave the "
                             "function: record it after the loop, from the loop's results", op.location)
    if not found:
        return [], [], ()
    names = [(op.attr("tag"), op.attr("plugin"), json.loads(op.attr("options") or "{}")) for op in found]
    values, layout = _computed_when_recording(trace, found, returned)
    trace.function.op.attributes[SUMMARIES_ATTR] = to_attribute([tag for tag, _, _ in names])
    return names, values, layout


def _computed_when_recording(trace: Trace, found: list[Operation], returned: list[Value]) -> tuple[list[Value], tuple]:
    """Move the summary values and the side-effect-free ops that compute only them into the first
    region of a ``tfc.if`` on a new block argument, packed there (:func:`_packed`); its other region
    yields zeros. Returns its results and the packing's layout."""
    body = trace.function.body
    record = body.add_argument(TensorType(DType.bool, ()), RECORD_PARAMETER)
    summary_values = [op.operands[0] for op in found]
    for op in found:
        op.erase()
    kept = {v.op for v in returned if isinstance(v, OpResult)}
    roots = {v.op for v in summary_values if isinstance(v, OpResult) and v.op.parent is body and v.op not in kept}
    only_for_summaries = _only_feeding(body, roots)
    when_recording = Block()
    for op in [op for op in body.ops if op in only_for_summaries]:
        body.ops.remove(op)
        when_recording.append(op)
    trace.push_block(when_recording)
    try:
        packed, layout = _packed(trace, summary_values)
        trace.emit("tfc.yield", packed)
    finally:
        trace.pop_block()
    otherwise = Block()
    trace.push_block(otherwise)
    try:
        trace.emit("tfc.yield", [zeros_like(Tensor(v, trace)).value for v in packed])
    finally:
        trace.pop_block()
    conditional = trace.emit("tfc.if", [record], result_types=[v.type for v in packed],
                             regions=[Region([when_recording]), Region([otherwise])])
    return list(conditional.results), layout


def _packed(trace: Trace, values: list[Value]) -> tuple[list[Value], tuple]:
    """The values of each dtype flattened and concatenated into one 1-D value (one output, one
    transfer, however many scalars a step records); a value with an unknown dim stays alone.
    The layout gives, per value, (result index, offset, shape), offset None for one alone."""
    results: list = []
    groups: dict = {}
    layout = []
    for value in values:
        kind = value.type
        if not kind.is_static:
            layout.append((len(results), None, None))
            results.append(value)
            continue
        if kind.dtype not in groups:
            groups[kind.dtype] = (len(results), [])
            results.append(None)
        index, members = groups[kind.dtype]
        layout.append((index, sum(m.type.num_elements for m in members), tuple(kind.shape)))
        members.append(value)
    for index, members in groups.values():
        flat = [reshape(Tensor(m, trace), (-1,)) for m in members]
        results[index] = (flat[0] if len(flat) == 1 else emit("tfc.concatenate", flat, {"dimension": 0})).value
    return results, tuple(layout)


class SummaryValues(Sequence):
    """A call's summary values, one per name, read out of its packed results when asked for (by the
    sinks' thread, not the caller's)."""

    def __init__(self, results: list, layout: tuple):
        self.results, self.layout = results, layout

    def __len__(self) -> int:
        return len(self.layout)

    def is_ready(self) -> bool:
        """Whether every result is computed (device arrays of a call XLA may still be running)."""
        return all(getattr(result, "is_ready", lambda: True)() for result in self.results)

    def __getitem__(self, i: int):
        index, offset, shape = self.layout[i]
        if offset is None:
            return self.results[index]
        return np.asarray(self.results[index])[offset:offset + math.prod(shape)].reshape(shape)


def _only_feeding(body: Block, roots: set[Operation]) -> set[Operation]:
    """``roots`` (ops defining summary values) and the ops of ``body`` whose every result is used only
    by them, transitively, without side effects (variable reads and updates stay where they are)."""
    chosen = {op for op in roots if not has_side_effects(op)}
    for op in reversed(body.ops):
        if op in chosen or has_side_effects(op) or not op.results:
            continue
        users = [_in_body(user, body) for result in op.results for user in result.users]
        if users and all(user in chosen for user in users):
            chosen.add(op)
    return chosen


def _in_body(op: Operation, body: Block) -> Operation | None:
    """The op of ``body`` that holds ``op`` (itself, or the loop or branch it is nested in)."""
    while op is not None and op.parent is not body:
        op = op.parent_op
    return op


def add_sink(sink: Callable, wants: Callable[[], bool] | None = None) -> None:
    """Call ``sink(names, values)`` after every call of a compiled function that records summaries:
    ``names`` its ``[(tag, plugin, options)]``, ``values`` the arrays it computed. ``wants()``, asked
    before each call, says whether this sink would write them now (None: always); when no sink does,
    the call skips computing them."""
    with _lock:
        _sinks.append((sink, wants))


def remove_sink(sink: Callable) -> None:
    with _lock:
        _sinks[:] = [entry for entry in _sinks if entry[0] is not sink]


def recording() -> list[Callable]:
    """The sinks that want this call's summaries (asked before a compiled call)."""
    return [sink for sink, wants in list(_sinks) if wants is None or wants()]


def deliver(sinks: list[Callable], names: list[tuple[str, str, dict]], values) -> None:
    for sink in sinks:
        sink(names, values)


__all__ = ["RECORD_PARAMETER", "SummaryValues", "add_sink", "deliver", "moved_to_results", "record", "recording", "remove_sink"]
