"""``tf.estimator.train_and_evaluate``, locally: train to ``TrainSpec.max_steps`` in one process,
evaluating as checkpoints are written.

Training runs in rounds of ``RunConfig.save_checkpoints_steps`` steps (one round when checkpoints
are timed); after a round an evaluation runs if ``EvalSpec.throttle_secs`` have passed since the
last one, and the final checkpoint is always evaluated. Each round builds its graph afresh and so reads the
train input_fn from its start. ``start_delay_secs`` only delays a distributed evaluator in
TensorFlow and is unused here; exporters are not supported (no SavedModel export yet).
"""

from __future__ import annotations

import collections
import time

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
    result, last_eval = None, None
    for target in _rounds(estimator, train_spec.max_steps):
        estimator.train(train_spec.input_fn, hooks=list(train_spec.hooks), max_steps=target)
        if last_eval is None or time.monotonic() - last_eval >= eval_spec.throttle_secs:
            result, last_eval = _evaluate(estimator, eval_spec), time.monotonic()
    if result is None or result["global_step"] != _global_step(estimator):  # the final checkpoint, unless just evaluated
        result = _evaluate(estimator, eval_spec)
    return result, []


def _rounds(estimator: Estimator, max_steps):
    """The global step each round trains to; one unbounded round (None) without max_steps. Stops
    early when a round made no progress (the input ended)."""
    if max_steps is None:
        yield None
        return
    every = estimator.config.save_checkpoints_steps or max_steps
    step = _global_step(estimator)
    while step < max_steps:
        yield min(max_steps, step + every)
        reached = _global_step(estimator)
        if reached <= step:
            return
        step = reached


def _global_step(estimator: Estimator) -> int:
    if estimator.latest_checkpoint() is None:
        return 0
    return int(estimator.get_variable_value("global_step")) if "global_step" in estimator.get_variable_names() else 0


def _evaluate(estimator: Estimator, eval_spec: EvalSpec) -> dict:
    return estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps, hooks=list(eval_spec.hooks), name=eval_spec.name)


__all__ = ["EvalSpec", "TrainSpec", "train_and_evaluate"]
