"""TensorBoard event files, as TensorFlow's Estimator writes them: during training ``loss`` and
``global_step/sec`` every ``save_summary_steps`` steps in ``model_dir``; after an evaluation each
metric at the evaluated global step in ``model_dir/eval`` (``eval_<name>``). Scalars are TF1's
``simple_value`` summaries, which TensorBoard's EventAccumulator reads as scalars."""

from __future__ import annotations

import logging
import time

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from tfc.compat.v1.train import SessionRunArgs, SessionRunHook, get_global_step

log = logging.getLogger("tfc")


def write_scalars(writer: EventFileWriter, values: dict, step: int) -> None:
    """One event holding ``values`` (tag -> number) at ``step``."""
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value)) for tag, value in values.items()])
    writer.add_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))


def write_eval_summaries(folder: str, results: dict) -> None:
    """An evaluation's results (numbers only) at ``results['global_step']`` in an event file under ``folder``."""
    writer = EventFileWriter(folder)
    try:
        scalars = {k: v for k, v in results.items() if k != "global_step" and getattr(v, "ndim", 0) == 0}
        write_scalars(writer, scalars, int(results["global_step"]))
    finally:
        writer.close()


class TrainSummaryHook(SessionRunHook):
    """Writes ``loss`` and ``global_step/sec`` every ``summary_steps`` steps and logs them every
    ``log_steps`` steps (None or 0 turns either off)."""

    def __init__(self, loss, model_dir: str, summary_steps, log_steps):
        self._loss, self._model_dir = loss, model_dir
        self._summary_steps, self._log_steps = summary_steps or 0, log_steps or 0
        self._writer = None

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
            if self._writer is None:
                self._writer = EventFileWriter(self._model_dir)
            write_scalars(self._writer, values, step)
        if self._log_steps and step % self._log_steps == 0:
            log.info("loss = %g, step = %d (%.3f steps/sec)", float(loss), step, rate)
        if values or (self._log_steps and step % self._log_steps == 0):
            self._last_step, self._last_time = step, now

    def end(self, session):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


__all__ = ["TrainSummaryHook", "write_eval_summaries", "write_scalars"]
