"""Profiling: ``with tfc.profile(dir):`` records what tfc and XLA do in the block as a trace that
TensorBoard's profile plugin and Perfetto open, and reads back the XLA ops that took the time.

jax's profiler (public ``jax.profiler``) writes ``dir/plugins/profile/<run>/<host>.xplane.pb`` (for
TensorBoard; read back here with jax's public ``ProfileData``), ``<host>.trace.json.gz`` and
``perfetto_trace.json.gz`` (for ui.perfetto.dev). tfc's own phases appear in it as ``tfc.*``
annotations (:func:`annotate`, :func:`step`). jax is imported only when a profile starts; while it
is not imported, annotations cost nothing.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from tfc.diagnostics import BackendError, FileAccessError


class ProfileDirError(FileAccessError):
    """The profile folder cannot be made or written (a file, no permission): a CLI exit status of 2."""


@dataclass(frozen=True)
class OpTime:
    """One XLA op or fusion of one compiled module, summed over the trace (self time, not its callees)."""

    name: str
    module: str
    calls: int
    seconds: float
    share: float  # of the time of all XLA ops in the trace


class Profile(AbstractContextManager):
    """A running (then finished) profile; after the block, ``run_dir`` holds its files."""

    def __init__(self, log_dir: str | os.PathLike, *, python_tracer: bool = False) -> None:
        self.log_dir = Path(log_dir)
        self.python_tracer = python_tracer  # Python function calls in the trace too: more detail, much larger files
        self.run_dir: Path | None = None

    def __enter__(self) -> Profile:
        import jax.profiler

        from .xla.jaxlib_adapter import available_devices

        _prepare(self.log_dir)
        try:
            available_devices()  # jax starts XLA here: first let tfc give it the devices asked for (TFC_CPU_DEVICES)
        except ValueError as err:
            raise BackendError(str(err)) from None
        options = jax.profiler.ProfileOptions()
        options.python_tracer_level = 1 if self.python_tracer else 0
        try:
            jax.profiler.start_trace(self.log_dir, create_perfetto_trace=True, profiler_options=options)
        except RuntimeError as err:  # one profile at a time, process-wide
            raise BackendError(f"cannot start a profile in {self.log_dir}: {str(err).splitlines()[0]}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        import jax.profiler

        try:
            jax.profiler.stop_trace()
        except (OSError, ValueError) as err:  # the folder went away or became unwritable meanwhile
            raise ProfileDirError(f"{self.log_dir}: error: cannot write the profile: {err}") from None
        self.run_dir = latest_run(self.log_dir)

    @property
    def files(self) -> list[Path]:
        """The files of this profile's run folder (empty before it ends)."""
        return sorted(p for p in self.run_dir.iterdir() if p.is_file()) if self.run_dir else []

    def top_ops(self, count: int = 10) -> list[OpTime]:
        """The ``count`` XLA ops/fusions with the most time in this profile."""
        if self.run_dir is None:
            raise BackendError("the profile has not ended yet: top_ops reads its trace file")
        return top_ops(self.run_dir, count)


def profile(log_dir: str | os.PathLike, *, python_tracer: bool = False) -> Profile:
    """``with tfc.profile("logs"):`` traces the block into ``logs`` (``tensorboard --logdir logs``)."""
    return Profile(log_dir, python_tracer=python_tracer)


def _prepare(log_dir: Path) -> None:
    """Make ``log_dir`` now, so a bad folder is one clear error rather than one from inside the profiler."""
    if log_dir.exists() and not log_dir.is_dir():
        raise ProfileDirError(f"{log_dir}: error: cannot write a profile into it: not a folder")
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ProfileDirError(f"{log_dir}: error: cannot make the profile folder: {err.strerror or err}") from None
    if not os.access(log_dir, os.W_OK | os.X_OK):
        raise ProfileDirError(f"{log_dir}: error: cannot write the profile: permission denied")


def latest_run(log_dir: str | os.PathLike) -> Path:
    """The newest ``plugins/profile/<run>`` folder under ``log_dir`` (jax names runs by the second)."""
    runs = [p for p in (Path(log_dir) / "plugins" / "profile").glob("*") if p.is_dir()]
    if not runs:
        raise ProfileDirError(f"{log_dir}: error: no profile in it (expected plugins/profile/<run>/)")
    return max(runs, key=lambda p: (p.stat().st_mtime, p.name))


def annotate(name: str, **metadata) -> AbstractContextManager:
    """A named span of the trace (``tfc.compile``, ...); nothing at all while jax is not loaded."""
    if "jax" not in sys.modules:
        return nullcontext()
    from jax.profiler import TraceAnnotation

    return TraceAnnotation(name, **metadata)


def step(name: str, number: int) -> AbstractContextManager:
    """A training/run step: TensorBoard's overview and step-time views group the trace by these."""
    if "jax" not in sys.modules:
        return nullcontext()
    from jax.profiler import StepTraceAnnotation

    return StepTraceAnnotation(name, step_num=number)


@dataclass(frozen=True)
class TraceEvent:
    """One span of a profile: where it ran (``/host:CPU``, ``/device:GPU:0``; a thread or stream), what, when."""

    plane: str
    line: str
    name: str
    start_ns: float
    duration_ns: float
    stats: dict


def trace_events(run_dir: str | os.PathLike) -> list[TraceEvent]:
    """The spans of a run folder's ``*.xplane.pb`` (the file TensorBoard reads), read by jax's public parser."""
    from jax.profiler import ProfileData

    paths = sorted(Path(run_dir).glob("*.xplane.pb"))
    if not paths:
        raise ProfileDirError(f"{run_dir}: error: no trace in it (expected <host>.xplane.pb)")
    events = []
    for path in paths:
        for plane in ProfileData.from_file(str(path)).planes:
            for line in plane.lines:
                events.extend(TraceEvent(plane.name, line.name, e.name, e.start_ns, e.duration_ns, dict(e.stats)) for e in line.events)
    return events


def top_ops(run_dir: str | os.PathLike, count: int = 10) -> list[OpTime]:
    """The ``count`` XLA ops/fusions with the most self time in a run folder's trace, most first."""
    events = [e for e in trace_events(run_dir) if "hlo_op" in e.stats]
    on_device = [e for e in events if e.plane.startswith("/device:")]
    events = on_device or events  # a GPU's ops are on its device lines; the host's thunks then only launch them
    seconds, calls = defaultdict(float), defaultdict(int)
    for event, self_ns in _self_times(events):
        key = (str(event.stats["hlo_op"]), str(event.stats.get("hlo_module", "?")))
        seconds[key] += self_ns * 1e-9
        calls[key] += 1
    total = sum(seconds.values()) or 1.0
    ranked = sorted(seconds, key=lambda k: (-seconds[k], k))[:count]
    return [OpTime(name, module, calls[(name, module)], seconds[(name, module)], seconds[(name, module)] / total) for name, module in ranked]


def hlo_op_self_times(run_dir: str | os.PathLike) -> list[tuple[TraceEvent, float]]:
    """Every XLA op/fusion span of a run folder's trace with its self time in ns (as :func:`top_ops`
    counts it: a device's spans when there are any, else the host's), for per-op run metadata."""
    events = [e for e in trace_events(run_dir) if "hlo_op" in e.stats]
    on_device = [e for e in events if e.plane.startswith("/device:")]
    return _self_times(on_device or events)


def _self_times(events: list[TraceEvent]) -> list[tuple[TraceEvent, float]]:
    """Each event with its duration less that of the events nested in it on its own line (a while
    loop's body ops, a call's callee), so that no time is counted twice."""
    lines = defaultdict(list)
    for event in events:
        lines[(event.plane, event.line)].append(event)
    result = []
    for line in lines.values():
        line.sort(key=lambda e: (e.start_ns, -e.duration_ns))
        open_spans: list[list] = []  # [end, event, self time]
        for event in line:
            while open_spans and open_spans[-1][0] <= event.start_ns:
                result.append(tuple(open_spans.pop()[1:]))
            if open_spans:
                open_spans[-1][2] -= event.duration_ns
            open_spans.append([event.start_ns + event.duration_ns, event, event.duration_ns])
        result.extend(tuple(span[1:]) for span in reversed(open_spans))
    return result


def format_top_ops(ops: list[OpTime]) -> list[str]:
    """``--stats`` lines: one per op, its total time, share of all XLA op time, calls and mean time."""
    if not ops:
        return ["profile: no XLA ops in the trace"]
    width = max(len(f"{op.name} ({op.module})") for op in ops)
    total = ops[0].seconds / ops[0].share if ops[0].share else 0.0
    lines = [f"profile: top {len(ops)} XLA ops by self time (all XLA ops: {total * 1e3:.3f} ms)"]
    lines.append(f"  {'op (module)':<{width}}  {'total ms':>9}  {'share':>6}  {'calls':>6}  {'mean us':>9}")
    for op in ops:
        label = f"{op.name} ({op.module})"
        lines.append(f"  {label:<{width}}  {op.seconds * 1e3:9.3f}  {op.share:6.1%}  {op.calls:6d}  {op.seconds * 1e6 / op.calls:9.1f}")
    return lines


__all__ = ["OpTime", "Profile", "ProfileDirError", "TraceEvent", "annotate", "format_top_ops", "hlo_op_self_times", "latest_run", "profile", "step",
           "top_ops", "trace_events"]
