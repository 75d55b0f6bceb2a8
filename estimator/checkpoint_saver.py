"""Checkpoints during ``Estimator.train`` and the listeners called around them
(``tf.estimator.CheckpointSaverListener``).

``CheckpointSaverHook`` saves as ``tf.train.CheckpointSaverHook`` does — at the start, every
``save_steps`` steps or ``save_secs`` seconds, and at the end — and calls each listener's
``before_save``/``after_save`` around every save; an ``after_save`` returning True asks training to
stop. Only the ``keep_checkpoint_max`` newest checkpoints stay in model_dir, across train calls.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from tfc.compat.v1.train import SessionRunArgs, SessionRunHook, get_global_step
from tfc.runtime.checkpoint import checkpoint_path

CHECKPOINT_BASENAME = "model.ckpt"
CHECKPOINT_FILE = re.compile(re.escape(CHECKPOINT_BASENAME) + r"-(\d+)\.npz")


class CheckpointSaverListener:
    """Called around the checkpoints training saves; every method may be overridden."""

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        """Return True to stop training after this save."""

    def end(self, session, global_step_value):
        pass


class CheckpointSaverHook(SessionRunHook):
    """Saves ``scaffold.saver``'s checkpoints in ``checkpoint_dir`` every ``save_steps`` steps or
    ``save_secs`` seconds (exactly one of them), at the start and at the end, calling ``listeners``."""

    def __init__(self, checkpoint_dir: str, scaffold, save_secs=None, save_steps=None, listeners=(), keep_checkpoint_max=None):
        if (save_secs is None) == (save_steps is None):
            raise ValueError("CheckpointSaverHook: give exactly one of save_secs and save_steps")
        self._folder, self._keep = checkpoint_dir, keep_checkpoint_max
        self._path = os.path.join(checkpoint_dir, CHECKPOINT_BASENAME)
        self._scaffold, self._secs, self._steps = scaffold, save_secs, save_steps
        self._listeners = list(listeners)

    def begin(self):
        self._global_step = get_global_step()
        for listener in self._listeners:
            listener.begin()

    def after_create_session(self, session, coord):
        self._saved_step, self._saved_time = None, time.monotonic()
        self._save(session, int(session.run(self._global_step)))

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step)

    def after_run(self, run_context, run_values):
        step = int(run_values.results) + 1  # the step this run made
        if self._steps:
            due = step - self._saved_step >= self._steps
        else:
            due = time.monotonic() - self._saved_time >= self._secs
        if due and self._save(run_context.session, int(run_context.session.run(self._global_step))):
            run_context.request_stop()

    def end(self, session):
        step = int(session.run(self._global_step))
        if step != self._saved_step:
            self._save(session, step)
        for listener in self._listeners:
            listener.end(session, step)

    def _save(self, session, step: int) -> bool:
        """Save at ``step``; whether a listener asked to stop."""
        for listener in self._listeners:
            listener.before_save(session, step)
        self._scaffold.saver.save(session, self._path, global_step=step)
        if self._keep:
            remove_old_checkpoints(self._folder, self._keep)
        self._saved_step, self._saved_time = step, time.monotonic()
        return any([bool(listener.after_save(session, step)) for listener in self._listeners])  # a list: every listener is called


def remove_old_checkpoints(folder: str, keep: int) -> None:
    """Keep the ``keep`` newest ``model.ckpt-<step>`` checkpoints in ``folder``. The Saver drops
    those beyond its max_to_keep among its own saves; this also drops earlier train calls' (which
    TensorFlow's Saver recovers from the state file and tfc's does not)."""
    steps = sorted(int(m.group(1)) for p in Path(folder).iterdir() if (m := CHECKPOINT_FILE.fullmatch(p.name)))
    for step in steps[:-keep]:
        checkpoint_path(os.path.join(folder, f"{CHECKPOINT_BASENAME}-{step}")).unlink(missing_ok=True)


__all__ = ["CheckpointSaverHook", "CheckpointSaverListener", "remove_old_checkpoints"]
