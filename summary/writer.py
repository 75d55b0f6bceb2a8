"""Event-file writers for ``tfc.summary``: an event file (:mod:`tfc.data.event_file`, its queue
drained by a background thread), flushed on ``flush``, ``close``, leaving ``as_default`` and at interpreter exit,
and the thread-local state TensorFlow 2 keeps (default writer, step, recording condition).

A crash loses at most what was queued since the last flush (``flush_millis``, 2 minutes by default):
records already written are complete TFRecords, so readers stop cleanly at the last one.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
import weakref

from tensorboard.compat.proto import event_pb2, summary_pb2

from tfc.data.event_file import EventFileWriter

from . import compiled, program_graph

_open_writers: weakref.WeakSet = weakref.WeakSet()
_state = threading.local()


def state():
    """This thread's summary state: ``writer``, ``step`` and ``condition`` (as TensorFlow 2 keeps them)."""
    if not hasattr(_state, "writer"):
        _state.writer, _state.step, _state.condition = None, None, True
    return _state


class SummaryWriter:
    """Writes summaries to one event file under ``logdir`` (``create_file_writer`` makes it)."""

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None):
        if not isinstance(logdir, (str, os.PathLike)) or not str(logdir):
            raise TypeError(f"create_file_writer: logdir must be a non-empty path, got {logdir!r}")
        self.logdir = os.fspath(logdir)
        self.name = name
        self._max_queue = 10 if max_queue is None else _positive("max_queue", max_queue)
        self._flush_secs = 120.0 if flush_millis is None else _positive("flush_millis", flush_millis) / 1000.0
        self._suffix = "" if filename_suffix is None else str(filename_suffix)
        self._lock = threading.Lock()
        self._writer = None
        self.init()

    def init(self):
        """Open the event file (again, after ``close``); a logdir that cannot be written is an error here."""
        with self._lock:
            if self._writer is not None:
                return
            try:
                os.makedirs(self.logdir, exist_ok=True)
                writer = EventFileWriter(self.logdir, self._max_queue, self._flush_secs, self._suffix)
            except OSError as err:
                raise PermissionError(f"create_file_writer: logdir {self.logdir!r} is not writable: {err.strerror or err}") from None
            if not os.access(self.logdir, os.W_OK):
                writer.close()
                raise PermissionError(f"create_file_writer: logdir {self.logdir!r} is not writable")
            self._writer = writer
            _open_writers.add(self)

    def write_event(self, event: event_pb2.Event) -> None:
        """Queue ``event`` for the background thread (opening the file again after ``close``)."""
        if self._writer is None:
            self.init()
        self._writer.add_event(event)

    def write_events(self, events: list[event_pb2.Event]) -> None:
        """Queue ``events`` for the background thread as one item."""
        if self._writer is None:
            self.init()
        self._writer.add_events(events)

    def write_values(self, values: list[summary_pb2.Summary.Value], step: int) -> None:
        self.write_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary_pb2.Summary(value=values)))

    def add_graph(self, program, *example_args, step: int = 0, **example_kwargs) -> None:
        """Write ``program`` as a graph TensorBoard's graph plugin draws: a compiled function (lowered
        for ``example_args``), a ``Lowered``, a tfc IR Module (a partitioned program too), a TF1
        Graph or a GraphDef (:func:`.program_graph.graph_def`)."""
        definition = program_graph.graph_def(program, *example_args, **example_kwargs)
        self.write_event(event_pb2.Event(wall_time=time.time(), step=int(step), graph_def=definition.SerializeToString()))

    def get_logdir(self) -> str:
        return self.logdir

    def flush(self):
        """Write everything queued so far to disk (compiled steps' summaries being encoded too)."""
        compiled.ENCODER.drain()
        with self._lock:
            if self._writer is not None:
                self._writer.flush()

    def close(self):
        """Flush and close the event file; writing again opens a new one."""
        compiled.ENCODER.drain()
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
                _open_writers.discard(self)

    def set_as_default(self, step=None):
        """Make this the thread's default writer (and ``step`` its step, when given)."""
        state().writer = self
        if step is not None:
            state().step = int(step)

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Within the block this writer (and ``step``, when given) is the default; flushed on leaving."""
        current = state()
        saved = current.writer, current.step
        self.set_as_default(step)
        try:
            yield self
        finally:
            current.writer = saved[0]
            if step is not None:
                current.step = saved[1]
            self.flush()


class NoopWriter(SummaryWriter):
    """``create_noop_writer()``: the default writer that records nothing."""

    def __init__(self):
        self.logdir, self.name = None, None

    def init(self):
        pass

    def write_event(self, event: event_pb2.Event) -> None:
        pass

    def write_events(self, events: list[event_pb2.Event]) -> None:
        pass

    def flush(self):
        pass

    def close(self):
        pass


def _positive(argument: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"create_file_writer: {argument} must be a positive number, got {value!r}")
    return value


@atexit.register
def _close_all() -> None:
    """At exit, nothing queued is lost: every open writer is flushed and closed."""
    for writer in list(_open_writers):
        writer.close()


__all__ = ["NoopWriter", "SummaryWriter", "state"]
