"""Hyperparameter tuning: run trials of a training function over a search space (``tfc tune``).

``tune(train, space, method="tpe"|"random"|"grid", ...)`` runs trials in parallel processes with
optuna's samplers and median pruning, resumable from its logdir, and writes TensorBoard HParams data.
"""

from .api import Trial, TuneResult, tune
from .space import Choice, IntRange, LogUniform, Uniform

__all__ = ["Choice", "IntRange", "LogUniform", "Trial", "TuneResult", "Uniform", "tune"]
