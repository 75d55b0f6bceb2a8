"""``tfc.tuning.tune``: the Python entry point of hyperparameter tuning (``tfc tune`` calls it too).

    def train(hparams, report):
        for step in range(100):
            loss = ...                    # a tfc training step
            report(step, loss)            # a scalar in TensorBoard; may stop a poor trial
        return loss

    result = tfc.tuning.tune(train, {"learning_rate": LogUniform(1e-4, 1e-1), "units": Choice([32, 64])},
                             method="tpe", max_trials=20, parallel=2, logdir="runs/tune")
    result.best_hparams
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from optuna.trial import TrialState

from .hparams import write_experiment
from .space import check_space, grid_size
from .study import DIRECTIONS, METHODS, Settings, open_study, prepare, resolve_train, worker_main

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Trial:
    """One trial of the study."""

    number: int
    hparams: dict
    value: float | None
    """The objective (None unless it completed)."""
    state: str
    """COMPLETE, PRUNED, FAIL (its training raised, or it was interrupted) or RUNNING."""
    pid: int | None
    """The process that ran it."""
    intermediate: dict
    """step → reported value."""
    error: str | None = None


@dataclass(frozen=True)
class TuneResult:
    """What a study found: the best trial and every trial (those of earlier, resumed runs too)."""

    best_hparams: dict | None
    best_value: float | None
    best_trial: int | None
    trials: list


def _trial(frozen) -> Trial:
    value = frozen.value if frozen.state == TrialState.COMPLETE else None
    return Trial(frozen.number, dict(frozen.params), value, frozen.state.name, frozen.user_attrs.get("pid"),
                 dict(frozen.intermediate_values), frozen.user_attrs.get("error"))


def _result(settings: Settings) -> TuneResult:
    trials = [_trial(t) for t in open_study(settings).get_trials(deepcopy=False) if t.state != TrialState.WAITING]
    complete = [t for t in trials if t.state == "COMPLETE"]
    if not complete:
        return TuneResult(None, None, None, trials)
    pick = min if settings.direction == "minimize" else max
    best = pick(complete, key=lambda t: t.value)
    return TuneResult(best.hparams, best.value, best.number, trials)


class _Announcer:
    """Calls ``on_trial`` once for every trial that finishes in this run."""

    def __init__(self, settings: Settings, on_trial: Callable | None):
        self.settings, self.on_trial = settings, on_trial
        self.seen = {t.number for t in _result(settings).trials if t.state != "RUNNING"}

    def __call__(self) -> None:
        if self.on_trial is None:
            return
        for trial in _result(self.settings).trials:
            if trial.state != "RUNNING" and trial.number not in self.seen:
                self.seen.add(trial.number)
                self.on_trial(trial)


def _check(objective, direction, method, max_trials, parallel, early_stopping) -> None:
    if not isinstance(objective, str) or not objective:
        raise TypeError(f"objective must be a non-empty string, got {objective!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    for name, value in (("max_trials", max_trials), ("parallel", parallel)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if early_stopping not in (None, False, True, "median") and not isinstance(early_stopping, Mapping):
        raise ValueError(f"early_stopping must be None, 'median' or a dict of MedianPruner options, got {early_stopping!r}")


def _early_stopping(early_stopping) -> dict | None:
    if early_stopping in (None, False):
        return None
    return {"n_startup_trials": 2} if early_stopping in (True, "median") else dict(early_stopping)


def _run_processes(settings: Settings, parallel: int, announce: _Announcer) -> None:
    """``parallel`` spawned worker processes (fresh interpreters: no state inherited from this one)."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=worker_main, args=(settings, i), daemon=True) for i in range(parallel)]
    for worker in workers:
        worker.start()
    try:
        while any(worker.is_alive() for worker in workers):
            time.sleep(POLL_SECONDS)
            announce()
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    failed = [w.exitcode for w in workers if w.exitcode != 0]
    if failed:
        raise RuntimeError(f"tuning: {len(failed)} worker process(es) failed (exit codes {failed})")


def _run_ray(settings: Settings, parallel: int, announce: _Announcer) -> None:
    """``parallel`` Ray tasks, each a worker loop (they share the journal file, so one machine)."""
    import ray

    started = not ray.is_initialized()
    if started:  # a local cluster without token authentication: else Ray writes ~/.ray/auth_token, which later clusters pick up
        with _environment(RAY_AUTH_MODE=os.environ.get("RAY_AUTH_MODE", "disabled")):
            ray.init(include_dashboard=False, log_to_driver=False)
    try:
        pending = [ray.remote(worker_main).remote(settings, i) for i in range(parallel)]
        while pending:
            done, pending = ray.wait(pending, timeout=POLL_SECONDS)
            ray.get(done)
            announce()
    finally:
        if started:  # a cluster this call started goes with it; one the caller started stays
            ray.shutdown()


@contextlib.contextmanager
def _environment(**variables):
    """``variables`` set in os.environ within the block, restored after."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def tune(train: Callable | str, space: Mapping, *, objective: str = "loss", direction: str = "minimize", method: str = "tpe",
         max_trials: int | None = 20, parallel: int = 2, logdir: str = "tune_logs", seed: int = 0, early_stopping=None,
         grid_points: int = 3, use_ray: bool = False, env: Mapping | None = None, on_trial: Callable | None = None) -> TuneResult:
    """Run (or resume) a study of ``train(hparams, report) -> metric`` over ``space``.

    ``train`` must be importable by worker processes (a module-level function, or "module:function").
    ``parallel=1`` runs the trials in this process; more spawns that many workers (Ray tasks with
    ``use_ray``). ``early_stopping="median"`` (or MedianPruner options) prunes trials whose reported
    values are worse than the median of earlier trials at the same step. ``max_trials`` counts the
    trials of earlier runs in the same ``logdir``: a rerun only runs the ones still missing (a grid
    defaults to all its points); run one study per logdir at a time (a rerun fails the trials it
    finds running, taking them for leftovers of an interrupted run). ``env`` is set in every worker.
    ``on_trial(Trial)`` is called as each trial of this run finishes.
    """
    space = check_space(space)
    _check(objective, direction, method, max_trials, parallel, early_stopping)
    if method == "grid":
        max_trials = min(max_trials or grid_size(space, grid_points), grid_size(space, grid_points))
    os.makedirs(logdir, exist_ok=True)
    if not os.access(logdir, os.W_OK):
        raise ValueError(f"logdir {logdir!r} is not writable")
    function = resolve_train(train)  # an import error shows here, not in every worker
    settings = Settings(train if use_ray or parallel > 1 else function, space, objective, direction, method,
                        max_trials or 20, os.path.abspath(logdir), seed, _early_stopping(early_stopping), grid_points, env=dict(env or {}))
    prepare(settings)
    write_experiment(settings.logdir, space, objective)
    announce = _Announcer(settings, on_trial)
    if use_ray:
        _run_ray(settings, parallel, announce)
    elif parallel > 1:
        _run_processes(settings, parallel, announce)
    else:
        worker_main(settings, 0, after_trial=announce)
    announce()
    return _result(settings)


__all__ = ["Trial", "TuneResult", "tune"]
