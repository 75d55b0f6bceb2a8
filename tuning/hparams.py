"""TensorBoard HParams plugin data for a study: the experiment (its hparams and metric) in the
logdir, and per trial a run directory ``trial_<n>`` with the session start (the trial's hparams),
the reported values as scalars and the session end (its status), so the HParams dashboard lists
every trial. The protos come from TensorBoard's own hparams plugin; the writer is tfc.data.event_file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2
from tensorboard.plugins.hparams import summary_v2 as hp

from tfc.data.event_file import EventFileWriter

STATUS = {"COMPLETE": api_pb2.STATUS_SUCCESS, "PRUNED": api_pb2.STATUS_FAILURE, "FAIL": api_pb2.STATUS_FAILURE}
"""An optuna trial state → the session status TensorBoard shows (it has no "stopped early": a pruned
trial shows as failed; its scalars show where it stopped)."""


def trial_dir(logdir: str, number: int) -> str:
    """The run directory of trial ``number``."""
    return os.path.join(logdir, f"trial_{number}")


def _write(directory: str, summary: summary_pb2.Summary, step: int = 0) -> None:
    """Append one summary event (a fresh event file per call, so processes never share a file)."""
    writer = EventFileWriter(directory)
    writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))
    writer.close()


def write_experiment(logdir: str, space: Mapping, objective: str) -> None:
    """The experiment config: every hparam with its domain and the objective metric."""
    hparams = [hp.HParam(name, dim.domain()) for name, dim in space.items()]
    _write(logdir, hp.hparams_config_pb(hparams=hparams, metrics=[hp.Metric(objective)], time_created_secs=time.time()))


def session_end_pb(state: str) -> summary_pb2.Summary:
    """The session end summary (TensorBoard's summary_v2 has no writer of it)."""
    info = plugin_data_pb2.SessionEndInfo(status=STATUS.get(state, api_pb2.STATUS_UNKNOWN), end_time_secs=time.time())
    content = plugin_data_pb2.HParamsPluginData(session_end_info=info)
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(
        tag=metadata.SESSION_END_INFO_TAG, metadata=metadata.create_summary_metadata(content), tensor=metadata.NULL_TENSOR)])


class TrialWriter:
    """The event file of one trial: its hparams when it starts, its values while it runs, its status at the end."""

    def __init__(self, logdir: str, number: int, hparams: Mapping, objective: str):
        self.objective = objective
        self._writer = EventFileWriter(trial_dir(logdir, number))
        self._add(hp.hparams_pb(dict(hparams), trial_id=f"trial_{number}", start_time_secs=time.time()))
        self._writer.flush()

    def _add(self, summary: summary_pb2.Summary, step: int = 0) -> None:
        self._writer.add_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))

    def scalar(self, step: int, value: float) -> None:
        """One reported value of the objective."""
        self._add(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=self.objective, simple_value=float(value))]), step)

    def end(self, state: str) -> None:
        """Write the session end and close the file."""
        self._add(session_end_pb(state))
        self._writer.close()


__all__ = ["STATUS", "TrialWriter", "session_end_pb", "trial_dir", "write_experiment"]
