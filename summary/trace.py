"""TensorFlow 2's ``tf.summary.trace_on`` / ``trace_export`` / ``trace_off``: the graphs of the
compiled functions called between ``trace_on`` and ``trace_export`` (and, with ``profiler=True``,
each node's time and memory from a profile of those calls) written to the default writer as the
graph plugin's ``graph_run_metadata_graph`` (graphs) or ``graph_run_metadata`` (graphs and run
metadata) summary, as TensorFlow 2 writes them.

Every call of a ``@tfc.compile`` function is recorded (:mod:`tfc.frontend.compile` reports it to
:func:`record_call` while a trace is on). The profile is ``tfc.profile``'s: with
``profiler_outdir`` (given to ``trace_on``, as TensorFlow 2.16+ takes it, or to ``trace_export``,
as TensorFlow 2.15 did) its files stay there for TensorBoard's profile plugin.

>>> tfc.summary.trace_on(graph=True, profiler=True)          # doctest: +SKIP
>>> train_step(x, y)                                         # doctest: +SKIP
>>> with writer.as_default():                                # doctest: +SKIP
...     tfc.summary.trace_export("train_step", step=0)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from tensorboard.compat.proto import config_pb2, event_pb2, summary_pb2

from tfc.backends.profiler import Profile
from tfc.diagnostics import BackendError, FileAccessError
from tfc.frontend import compile

from . import program_graph, run_metadata
from .writer import NoopWriter, state

log = logging.getLogger("tfc")


@dataclasses.dataclass
class TraceContext:
    """A trace between ``trace_on`` and its export: what it records and the calls recorded so far."""

    graph: bool
    """Whether calls are recorded (``graph`` or ``profiler``; with neither the export writes nothing)."""
    profile: Profile | None
    """The running profile (``profiler=True``), else None."""
    temporary: str | None
    """The folder the profile writes to when ``trace_on`` had no ``profiler_outdir``."""
    start_ns: int
    calls: dict = dataclasses.field(default_factory=dict)
    """id(Lowered) -> (function, args, kwargs) of its first call, in call order."""
    stopped: bool = False
    """Whether the profile has been stopped."""


_lock = threading.Lock()
_current: list[TraceContext] = []  # the process-wide trace (TensorFlow's is runtime-wide too), at most one


def trace_on(graph=True, profiler=False, profiler_outdir=None) -> None:
    """Start recording the compiled functions called from now on (their graphs; with ``profiler`` a
    profile of the calls too, into ``profiler_outdir`` when given). A trace already on: a warning."""
    with _lock:
        if _current:
            log.warning("tfc.summary.trace_on: trace already enabled")
            return
        profile, temporary, start_ns = None, None, time.time_ns()
        if profiler:
            folder = profiler_outdir
            if folder is None:
                folder = temporary = tempfile.mkdtemp(prefix="tfc-trace-")
            profile = Profile(folder)
            try:
                profile.__enter__()
            except Exception:
                if temporary is not None:
                    shutil.rmtree(temporary, ignore_errors=True)
                raise
        _current.append(TraceContext(bool(graph) or bool(profiler), profile, temporary, start_ns))
        compile.observe_calls(record_call)


def record_call(function, args=(), kwargs=None, result=None) -> None:
    """Record a call of the compiled ``function`` while a trace is on (nothing otherwise): its graph
    (one per traced signature) goes into the export. With a profile on, the call's ``result`` is
    waited for, so that the profile holds its ops (XLA runs calls asynchronously)."""
    with _lock:
        context = _current[0] if _current else None
    if context is None or not context.graph or not hasattr(function, "lower"):
        return
    if context.profile is not None and result is not None:
        run_metadata.block_until_ready(result)
    kwargs = dict(kwargs or {})
    lowered = function.lower(*args, **kwargs)
    with _lock:
        context.calls.setdefault(id(lowered), (function, tuple(args), kwargs))


def call(function, *args, **kwargs):
    """``function(*args, **kwargs)``, recorded by the trace that is on (see :func:`record_call`); a
    ``@tfc.compile`` function's calls are recorded without it."""
    if not callable(function):
        raise TypeError(f"tfc.summary.trace.call: expected a compiled function, got {type(function).__name__}")
    result = function(*args, **kwargs)
    if not isinstance(function, compile.CompiledFunction):
        record_call(function, args, kwargs, result)
    return result


def trace_export(name, step=None, profiler_outdir=None) -> None:
    """Stop the trace and write what it recorded as summary ``name`` at ``step`` (default: the
    default step) with the default writer; without one nothing is written (as in TensorFlow)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"tfc.summary.trace_export: name must be a non-empty string, got {name!r}")
    with _lock:
        if not _current:
            raise ValueError("tfc.summary.trace_export: no trace is on: call tfc.summary.trace_on first")
        context = _current[0]
    try:
        step = _step(step)
        metadata = _export(context, profiler_outdir, step is not None)
        if metadata is not None:
            plugin = run_metadata.PLUGIN_RUN_METADATA if context.profile is not None else run_metadata.PLUGIN_RUN_METADATA_GRAPH
            value = run_metadata.summary_value(name, metadata, plugin)
            state().writer.write_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary_pb2.Summary(value=[value])))
    finally:
        trace_off()


def trace_off() -> None:
    """Stop the trace (its profile too) and discard what it recorded."""
    with _lock:
        context = _current.pop() if _current else None
        compile.stop_observing_calls(record_call)
    if context is None:
        return
    try:
        _stop(context)
    except (BackendError, FileAccessError) as err:  # as TensorFlow: a profile that cannot be stopped is a warning here
        log.warning("tfc.summary.trace_off: error while stopping the profile: %s", err)
    if context.temporary is not None:
        shutil.rmtree(context.temporary, ignore_errors=True)


def _step(step):
    """The step to write at, or None when nothing is written (no default writer, recording off)."""
    from . import should_record_summaries

    writer = state().writer
    if writer is None or isinstance(writer, NoopWriter):
        log.warning("tfc.summary.trace_export: no default writer (writer.as_default()): the trace is not written")
        return None
    if not should_record_summaries():
        return None
    step = state().step if step is None else step
    if step is None:
        raise ValueError("tfc.summary.trace_export: step is None: pass step= or set one with tfc.summary.experimental.set_step")
    return int(step)


def _stop(context: TraceContext) -> None:
    """Stop the trace's profile (once)."""
    if context.profile is not None and not context.stopped:
        context.stopped = True
        context.profile.__exit__(None, None, None)


def _export(context: TraceContext, profiler_outdir, wanted: bool):
    """The RunMetadata of the recorded calls (None when none was recorded or it is not ``wanted``);
    the profile is stopped and copied to ``profiler_outdir`` when given."""
    profile = context.profile
    if profile is not None:
        _stop(context)
        if profiler_outdir is not None:
            _copy_run(profile.run_dir, Path(profiler_outdir))
    calls = list(context.calls.values())
    if not wanted:
        return None
    if not calls:
        log.warning("tfc.summary.trace_export: no compiled function call was recorded since trace_on "
                    "(call them through tfc.summary.trace.call): nothing to write")
        return None
    if profile is None:
        metadata = config_pb2.RunMetadata()
        for function, args, kwargs in calls:
            metadata.function_graphs.add().pre_optimization_graph.CopyFrom(program_graph.graph_def(function, *args, **kwargs))
        return metadata
    programs = [run_metadata.program_map(function, *args, **kwargs) for function, args, kwargs in calls]
    return run_metadata.from_profile(profile.run_dir, programs, context.start_ns)


def _copy_run(run_dir: Path, outdir: Path) -> None:
    """Copy a profile's run folder to ``outdir/plugins/profile/<run>`` (complete, or not at all)."""
    target = outdir / "plugins" / "profile" / run_dir.name
    if target.resolve() == run_dir.resolve():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", dir=target.parent))
    try:
        shutil.copytree(run_dir, partial, dirs_exist_ok=True)
        os.replace(partial, target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        raise


__all__ = ["TraceContext", "call", "record_call", "trace_export", "trace_off", "trace_on"]
