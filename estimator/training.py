"""``tf.estimator.train_and_evaluate``, locally: train to ``TrainSpec.max_steps`` in one process,
evaluating as checkpoints are written.

One ``Estimator.train`` call reads the train input_fn once; a checkpoint listener evaluates each
checkpoint saved after the first (as RunConfig says: every ``save_checkpoints_steps`` steps or
``save_checkpoints_secs`` seconds) if ``EvalSpec.throttle_secs`` have passed since the last
evaluation, and the final checkpoint is always evaluated. ``start_delay_secs`` only delays a
distributed evaluator in TensorFlow and is unused here; exporters are not supported (no SavedModel
export yet).
"""

from __future__ import annotations

import collections
import time

from .checkpoint_saver import CheckpointSaverListener
from .estimator import Estimator


class TrainSpec(collections.namedtuple("TrainSpec", ["input_fn", "max_steps", "hooks"])):
    """``TrainSpec(input_fn, max_steps=None, hooks=())``: what ``train_and_evaluate`` trains on."""

    def __new__(cls, input_fn, max_steps=None, hooks=()):
        if not callable(input_fn):
            raise TypeError(f"TrainSpec: input_fn must be callable, got {type(input_fn).__name__}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"TrainSpec: must specify max_steps > 0, given: {max_steps}")
        return super().__new__(cls, input_fn, max_steps, tuple(hooks or ()))


class EvalSpec(collections.namedtuple("EvalSpec", ["input_fn", "steps", "name", "hooks", "exporters", "start_delay_secs",
                                                   "throttle_secs"])):
    """``EvalSpec(input_fn, steps=100, name=None, hooks=(), exporters=None, start_delay_secs=120,
    throttle_secs=600)``: how ``train_and_evaluate`` evaluates."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=(), exporters=None, start_delay_secs=120, throttle_secs=600):
        if not callable(input_fn):
            raise TypeError(f"EvalSpec: input_fn must be callable, got {type(input_fn).__name__}")
        if steps is not None and steps <= 0:
            raise ValueError(f"EvalSpec: must specify steps > 0, given: {steps}")
        if exporters:
            raise ValueError("EvalSpec: exporters are not supported yet (tfc.estimator has no SavedModel export)")
        if start_delay_secs < 0 or throttle_secs < 0:
            raise ValueError("EvalSpec: start_delay_secs and throttle_secs must be >= 0")
        return super().__new__(cls, input_fn, steps, name, tuple(hooks or ()), None, start_delay_secs, throttle_secs)


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Train ``estimator`` as ``train_spec`` says, evaluating as ``eval_spec`` says; returns
    ``(eval_result, export_results)`` as TensorFlow 2 does (the last evaluation's dict, and [])."""
    if not isinstance(estimator, Estimator):
        raise TypeError(f"train_and_evaluate: estimator must be a tfc.estimator.Estimator, got {type(estimator).__name__}")
    if not isinstance(train_spec, TrainSpec):
        raise TypeError(f"train_and_evaluate: train_spec must be a TrainSpec, got {type(train_spec).__name__}")
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError(f"train_and_evaluate: eval_spec must be an EvalSpec, got {type(eval_spec).__name__}")
    listener = EvaluateAfterSave(estimator, eval_spec)
    config = estimator.config
    saves = config.save_checkpoints_steps is not None or config.save_checkpoints_secs is not None
    estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=train_spec.max_steps,
                    saving_listeners=[listener] if saves else None)
    if listener.result is None or listener.result["global_step"] != _global_step(estimator):  # the final checkpoint
        listener.result = _evaluate(estimator, eval_spec)
    return listener.result, []


class EvaluateAfterSave(CheckpointSaverListener):
    """Evaluates each checkpoint training saves (not the one at its start), at most once per
    ``throttle_secs`` (TensorFlow's listener for local train_and_evaluate)."""

    def __init__(self, estimator: Estimator, eval_spec: EvalSpec):
        self._estimator, self._eval_spec = estimator, eval_spec
        self.result, self._last_time, self._first = None, None, True

    def after_save(self, session, global_step_value):
        if self._first:  # the checkpoint of where training starts
            self._first = False
            return
        if self._last_time is None or time.monotonic() - self._last_time >= self._eval_spec.throttle_secs:
            self.result, self._last_time = _evaluate(self._estimator, self._eval_spec), time.monotonic()


def _global_step(estimator: Estimator) -> int:
    if estimator.latest_checkpoint() is None:
        return 0
    return int(estimator.get_variable_value("global_step")) if "global_step" in estimator.get_variable_names() else 0


def _evaluate(estimator: Estimator, eval_spec: EvalSpec) -> dict:
    return estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps, hooks=list(eval_spec.hooks), name=eval_spec.name)


__all__ = ["EvalSpec", "TrainSpec", "train_and_evaluate"]
