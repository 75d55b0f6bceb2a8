"""Summaries recorded inside ``@tfc.compile``: the ``tfc.summary`` ops a trace collects, moved to
extra results of the function when the trace ends, and the sinks (``tfc.summary``'s writers) the
values go to after each call.

A compiled step that records ``loss`` and a histogram returns them with its other outputs; the host
decides whether to write them (``record_if``, every n steps), so changing that never retraces.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable

from tfc.attributes import to_attribute
from tfc.diagnostics import TraceError
from tfc.ops.summaries import SUMMARIES_ATTR, SUMMARY_OP

from .tensor import Tensor, emit_results, to_tensor
from .tracing import Trace, current_trace, user_location

_sinks: list[Callable] = []
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


def moved_to_results(trace: Trace) -> tuple[list[tuple[str, str]], list]:
    """The function's ``tfc.summary`` ops removed, their values returned as (``[(tag, plugin, options)]``,
    values) for the caller to append to the results; one inside a loop or branch is a TraceError
    (its value exists once per iteration or only on one side)."""
    if trace not in _recording:
        return [], []
    body = trace.function.body
    found = [op for op in body.ops if op.name == SUMMARY_OP]
    for op in trace.function.op.walk():
        if op.name == SUMMARY_OP and op.parent is not body:
            raise TraceError("a summary recorded inside a loop or a branch (tfc.while_loop, tfc.cond) cannot leave the "
                             "function: record it after the loop, from the loop's results", op.location)
    names = [(op.attr("tag"), op.attr("plugin"), json.loads(op.attr("options") or "{}")) for op in found]
    values = [op.operands[0] for op in found]
    for op in found:
        op.erase()
    if names:
        trace.function.op.attributes[SUMMARIES_ATTR] = to_attribute([tag for tag, _, _ in names])
    return names, values


def add_sink(sink: Callable) -> None:
    """Call ``sink(names, values)`` after every call of a compiled function that records summaries:
    ``names`` its ``[(tag, plugin, options)]``, ``values`` the arrays it computed."""
    with _lock:
        _sinks.append(sink)


def remove_sink(sink: Callable) -> None:
    with _lock:
        if sink in _sinks:
            _sinks.remove(sink)


def deliver(names: list[tuple[str, str, dict]], values) -> None:
    for sink in list(_sinks):
        sink(names, values)


__all__ = ["add_sink", "deliver", "moved_to_results", "record", "remove_sink"]
