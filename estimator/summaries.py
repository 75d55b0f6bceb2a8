"""TensorBoard event files, as TensorFlow's Estimator writes them: during training ``loss`` and
``global_step/sec`` every ``save_summary_steps`` steps in ``model_dir``; after an evaluation each
metric at the evaluated global step in ``model_dir/eval`` (``eval_<name>``). Scalars are TF1's
``simple_value`` summaries, which TensorBoard's EventAccumulator reads as scalars."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from google.protobuf import text_format
from tensorboard.compat.proto import event_pb2, summary_pb2

from tfc.compat.v1.train import SessionRunArgs, SessionRunHook, get_global_step
from tfc.data.event_file import EventFileWriter
from tfc.files import atomic_write

log = logging.getLogger("tfc")


class FileWriterCache:
    """One event file per folder for the whole process, as TensorFlow's FileWriterCache keeps:
    TensorBoard reads a folder's files in name order, so a file per train or evaluate call (named by
    the second and a counter) could be read out of step order and have its points dropped."""

    _writers: dict = {}
    _lock = threading.Lock()

    @classmethod
    def get(cls, folder: str) -> EventFileWriter:
        key = os.path.abspath(folder)
        with cls._lock:
            if key not in cls._writers:
                cls._writers[key] = EventFileWriter(key)
            return cls._writers[key]

    @classmethod
    def clear(cls) -> None:
        """Close every writer (at exit; the next write opens a new file)."""
        with cls._lock:
            for writer in cls._writers.values():
                writer.close()
            cls._writers.clear()


atexit.register(FileWriterCache.clear)


def write_scalars(folder: str, values: dict, step: int) -> None:
    """One event holding ``values`` (tag -> number) at ``step`` in ``folder``'s event file, flushed."""
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value)) for tag, value in values.items()])
    writer = FileWriterCache.get(folder)
    writer.add_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))
    writer.flush()


def write_graph(model_dir: str, graph) -> None:
    """The training graph where TensorFlow's Estimator puts it: ``graph.pbtxt`` in model_dir (written
    atomically) and a graph event in the event file, which TensorBoard's graph plugin renders."""
    graph_def = graph.as_graph_def()
    os.makedirs(model_dir, exist_ok=True)
    with atomic_write(os.path.join(model_dir, "graph.pbtxt")) as f:
        f.write(text_format.MessageToString(graph_def).encode())
    writer = FileWriterCache.get(model_dir)
    writer.add_event(event_pb2.Event(wall_time=time.time(), graph_def=graph_def.SerializeToString()))
    writer.flush()


def write_eval_summaries(folder: str, results: dict) -> None:
    """An evaluation's results (numbers only) at ``results['global_step']`` in ``folder``."""
    scalars = {k: v for k, v in results.items() if k != "global_step" and getattr(v, "ndim", 0) == 0}
    write_scalars(folder, scalars, int(results["global_step"]))


class TrainSummaryHook(SessionRunHook):
    """Writes ``loss`` and ``global_step/sec`` every ``summary_steps`` steps and logs them every
    ``log_steps`` steps (None or 0 turns either off)."""

    def __init__(self, loss, model_dir: str, summary_steps, log_steps):
        self._loss, self._model_dir = loss, model_dir
        self._summary_steps, self._log_steps = summary_steps or 0, log_steps or 0

    def begin(self):
        self._global_step = get_global_step()
        self._last_step, self._last_time = None, None

    def before_run(self, run_context):
        return SessionRunArgs([self._loss, self._global_step])

    def after_run(self, run_context, run_values):
        loss, step = run_values.results
        step = int(step) + 1  # the step this run made
        now = time.monotonic()
        if self._last_step is None:
            self._last_step, self._last_time = step - 1, now
        rate = (step - self._last_step) / max(now - self._last_time, 1e-9)
        values = {}
        if self._summary_steps and step % self._summary_steps == 0:
            values = {"loss": loss, "global_step/sec": rate}
            write_scalars(self._model_dir, values, step)
        if self._log_steps and step % self._log_steps == 0:
            log.info("loss = %g, step = %d (%.3f steps/sec)", float(loss), step, rate)
        if values or (self._log_steps and step % self._log_steps == 0):
            self._last_step, self._last_time = step, now


__all__ = ["FileWriterCache", "TrainSummaryHook", "write_eval_summaries", "write_graph", "write_scalars"]
