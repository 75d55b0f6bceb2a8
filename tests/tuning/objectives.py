"""Cheap training functions for the tuning tests (module level, so spawned workers can import them)."""

import os
import time
from pathlib import Path


def quadratic(hparams, report):
    """A bowl with its minimum 0 at x=0.3, y=-0.2."""
    return (hparams["x"] - 0.3) ** 2 + (hparams["y"] + 0.2) ** 2


def grid_point(hparams, report):
    """The sum of the hparams (a grid test only checks which points ran)."""
    return float(hparams["a"]) + float(hparams["b"])


def meeting_pid(hparams, report):
    """Waits (up to a minute) until two worker processes have started a trial, each leaving its pid in
    ``hparams["meeting"]``, so parallel workers overlap however slowly they start; reports and returns
    this process's pid."""
    folder = Path(hparams["meeting"])
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    report(0, float(os.getpid()))
    return hparams["x"]


def curves(hparams, report):
    """A loss curve per trial: the "bad" setting stays 100x higher at every step."""
    scale = 100.0 if hparams["kind"] == "bad" else 1.0
    loss = scale
    for step in range(10):
        loss = scale / (step + 1)
        report(step, loss)
    return loss


def broken(hparams, report):
    """Always raises."""
    raise RuntimeError("no data")


def diverges(hparams, report):
    """A NaN loss (a learning rate too large)."""
    return float("nan")
