"""Running a study: trials of ``train(hparams, report) -> metric`` drawn by optuna (grid, random or
TPE), in ``parallel`` worker processes (spawned, or Ray tasks with ``use_ray``), poor trials pruned
by the median rule, every trial kept in a journal file in the logdir so a rerun resumes the study.

Workers share the study through optuna's JournalStorage (a file with a lock); a trial is asked for
under a file lock that also counts the trials done, so ``max_trials`` is never exceeded however
many workers race. A trial counts when it completed, was pruned or its training raised; one left
running by an interrupted run is marked failed on the next run and run again.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import itertools
import math
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import TrialState

from .hparams import TrialWriter
from .space import grid_space, suggest

METHODS = ("tpe", "random", "grid")
DIRECTIONS = ("minimize", "maximize")
STUDY_NAME = "tfc-tune"


@dataclass(frozen=True)
class Settings:
    """What every worker needs (picklable: ``train`` is a module-level function or "module:function")."""

    train: Callable | str
    space: dict
    objective: str
    direction: str
    method: str
    max_trials: int
    logdir: str
    seed: int
    early_stopping: dict | None
    grid_points: int = 3
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    env: dict = field(default_factory=dict)
    paths: tuple = field(default_factory=lambda: tuple(sys.path))
    """The driver's import path: a Ray worker imports ``train`` from where the driver did."""


def resolve_train(train: Callable | str) -> Callable:
    """The training function (a "module:function" string is imported)."""
    if callable(train):
        return train
    module, _, name = str(train).partition(":")
    if not module or not name:
        raise ValueError(f"train must be a callable or 'module:function', got {train!r}")
    try:
        imported = importlib.import_module(module)
    except ImportError as err:
        raise ValueError(f"train: cannot import {module!r}: {err}") from None
    function = getattr(imported, name, None)
    if not callable(function):
        raise ValueError(f"train: {module} has no function {name!r}")
    return function


def _sampler(settings: Settings, worker: int, resumed_at: int):
    """TPE or random (grid points are enqueued trials, drawn in order). The seed mixes the user's seed,
    the worker and the trials already in the study: reproducible, yet a resumed run does not redraw
    the points the first run drew."""
    seed = int(np.random.SeedSequence([settings.seed, worker, resumed_at]).generate_state(1)[0])
    if settings.method == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(5, settings.max_trials))
    return optuna.samplers.RandomSampler(seed=seed)


def _pruner(early_stopping: dict | None):
    """The median pruner (a trial worse than the median of earlier ones at the same step stops)."""
    if early_stopping is None:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(**early_stopping)


def open_study(settings: Settings, worker: int = 0) -> optuna.Study:
    """The study in ``logdir/study.journal`` (created on first use)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = os.path.join(settings.logdir, "study.journal")
    storage = JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path + ".lock")))
    study = optuna.create_study(storage=storage, study_name=STUDY_NAME, direction=settings.direction, load_if_exists=True,
                                sampler=optuna.samplers.RandomSampler(), pruner=_pruner(settings.early_stopping))
    resumed_at = len(study.get_trials(deepcopy=False))
    return optuna.load_study(study_name=STUDY_NAME, storage=storage, sampler=_sampler(settings, worker, resumed_at),
                             pruner=_pruner(settings.early_stopping))


@contextlib.contextmanager
def _study_lock(logdir: str):
    """One worker at a time asks for a trial (so the count of trials is exact)."""
    with open(os.path.join(logdir, "ask.lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def counts(trial: optuna.trial.FrozenTrial, session: str) -> bool:
    """Whether a trial uses up the budget: finished (failed by its own error included) or running now."""
    if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
        return True
    if trial.state == TrialState.FAIL:
        return "error" in trial.user_attrs
    return trial.state == TrialState.RUNNING and trial.user_attrs.get("session") == session


def prepare(settings: Settings) -> None:
    """Create the study, enqueue the grid once, and fail the trials an interrupted run left running."""
    study = open_study(settings)
    with _study_lock(settings.logdir):
        trials = study.get_trials(deepcopy=False)
        if settings.method == "grid" and not trials:
            grid = grid_space(settings.space, settings.grid_points)
            for point in itertools.product(*grid.values()):
                study.enqueue_trial(dict(zip(grid, point, strict=True)))
        for trial in trials:
            if trial.state == TrialState.RUNNING and trial.user_attrs.get("session") != settings.session:
                study.tell(trial.number, state=TrialState.FAIL)


def _ask(study: optuna.Study, settings: Settings):
    """The next trial, or None when the budget is spent."""
    with _study_lock(settings.logdir):
        done = sum(counts(t, settings.session) for t in study.get_trials(deepcopy=False))
        if done >= settings.max_trials:
            return None
        trial = study.ask()
        trial.set_user_attr("session", settings.session)
        trial.set_user_attr("pid", os.getpid())
        return trial


def _metric(value, objective: str) -> float:
    """The objective from what ``train`` returned: a number, or a dict holding it."""
    if isinstance(value, Mapping):
        if objective not in value:
            raise ValueError(f"train returned a dict without the objective {objective!r}: {sorted(value)}")
        value = value[objective]
    return float(value)


def run_trial(study: optuna.Study, trial, settings: Settings, train: Callable) -> None:
    """Run one trial: report() writes a scalar and may prune; the end is told to the study and TensorBoard."""
    hparams = suggest(settings.space, trial)
    writer = TrialWriter(settings.logdir, trial.number, hparams, settings.objective)
    steps = []

    def report(step: int, value: float) -> None:
        steps.append(int(step))
        writer.scalar(step, value)
        trial.report(float(value), int(step))
        if trial.should_prune():
            raise optuna.TrialPruned(f"trial {trial.number} pruned at step {step}")

    try:
        value = _metric(train(dict(hparams), report), settings.objective)
        if not math.isfinite(value):
            raise ValueError(f"train returned {value} for {settings.objective!r}")
    except optuna.TrialPruned:
        study.tell(trial, state=TrialState.PRUNED)
        writer.end("PRUNED")
        return
    except Exception as err:  # noqa: BLE001 - a failing trial is recorded, the study goes on
        trial.set_user_attr("error", f"{type(err).__name__}: {err}")
        study.tell(trial, state=TrialState.FAIL)
        writer.end("FAIL")
        return
    writer.scalar(steps[-1] + 1 if steps else 0, value)
    study.tell(trial, value)
    writer.end("COMPLETE")


def worker_main(settings: Settings, worker: int = 0, after_trial: Callable | None = None) -> int:
    """A worker: ask, train, tell until the budget is spent; returns how many trials it ran."""
    os.environ.update(settings.env)
    sys.path.extend(path for path in settings.paths if path not in sys.path)
    train = resolve_train(settings.train)
    study = open_study(settings, worker)
    ran = 0
    while (trial := _ask(study, settings)) is not None:
        run_trial(study, trial, settings, train)
        ran += 1
        if after_trial is not None:
            after_trial()
    return ran


__all__ = ["DIRECTIONS", "METHODS", "Settings", "counts", "open_study", "prepare", "resolve_train", "run_trial", "worker_main"]
