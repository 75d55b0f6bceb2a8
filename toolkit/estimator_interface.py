"""TensorFlow's estimator interface (``train``/``evaluate``/``predict`` with an ``input_fn``) for the
toolkit's models, whose whole state is a dict of arrays that compiled programs update.

A model mixes in :class:`ToolkitEstimator` and says how one batch starts, trains, evaluates and
predicts. The mixin reads the input_fn's batches (a ``tfc.data.Dataset`` of ``(features, labels)``
or one ``(features, labels)`` tuple of arrays, which training repeats), keeps ``global_step``, saves
the state in ``model_dir`` as atomic checkpoints (``model.ckpt-<step>`` and the ``checkpoint`` state
file, as the Estimator does) beside ``toolkit_model.json`` naming the model, and writes ``loss`` and
``global_step/sec`` to TensorBoard event files (evaluation results under ``eval/``).

The array interface (``fit``) and ``train`` share the state: ``fit`` then ``predict(input_fn)``
works, and ``train`` continues from the latest of the two.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path

import numpy as np

from tfc.compat.v1.train.saver import latest_checkpoint, write_checkpoint_state
from tfc.data import Dataset
from tfc.estimator.checkpoint_saver import CHECKPOINT_BASENAME, remove_old_checkpoints
from tfc.estimator.estimator import resolved_config
from tfc.estimator.inputs import call_input_fn, split_element
from tfc.estimator.mode_keys import ModeKeys
from tfc.estimator.summaries import write_eval_summaries, write_scalars
from tfc.files import atomic_write
from tfc.runtime.checkpoint import checkpoint_path, load, save

MODEL_FILE = "toolkit_model.json"
GLOBAL_STEP = "global_step"


class ToolkitEstimator:
    """The estimator interface over ``_initial_state``, ``_train_step``, ``_evaluate_batch`` and
    ``_predict_batch`` (see the module docstring); call ``ToolkitEstimator.__init__`` first.

    ``_evaluate_batch`` gives each metric as ``(total, count)``, averaged over the whole input as
    sum(total) / sum(count), or as a plain number, summed over the batches."""

    def __init__(self, model_dir=None, config=None):
        self._config_given, self._model_dir_arg = config, model_dir
        self._resolved = None if model_dir is None and config is None else resolved_config(config, model_dir)
        self._model_dir_given = model_dir is not None or (config is not None and config.model_dir is not None)
        self._state: dict | None = None
        self._global_step = 0

    # ---- what a model implements ------------------------------------------------------------------
    def _initial_state(self, features, labels) -> dict:
        raise NotImplementedError(type(self).__name__)

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        raise NotImplementedError(type(self).__name__)

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        raise NotImplementedError(type(self).__name__)

    def _predict_batch(self, state: dict, features) -> dict:
        raise NotImplementedError(type(self).__name__)

    def _finished_metrics(self, results: dict) -> dict:
        """The metrics over the whole input, from the averaged or summed ones (e.g. a root of a mean)."""
        return results

    # ---- state ------------------------------------------------------------------------------------
    @property
    def config(self):
        if self._resolved is None:  # a temporary model_dir is made only when something needs one
            self._resolved = resolved_config(self._config_given, self._model_dir_arg)
        return self._resolved

    @property
    def model_dir(self) -> str:
        return self.config.model_dir

    def _set_state(self, state: dict) -> None:
        """The array interface's result (``fit``): the state ``predict`` and further ``train`` use."""
        self._state = {name: np.asarray(value) for name, value in state.items()}

    def _get_state(self) -> dict:
        """The latest state: this object's, else the newest checkpoint in model_dir; a clear error before either."""
        if self._state is None and self._model_dir_given:
            self._restore()
        if self._state is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(...) or train(input_fn) first"
                               + (f" (no checkpoint in model_dir {self.model_dir})" if self._model_dir_given else ""))
        return self._state

    def latest_checkpoint(self) -> str | None:
        return latest_checkpoint(self.model_dir) if self._model_dir_given or self._resolved else None

    def get_variable_names(self) -> list[str]:
        return sorted(self._get_state())

    def get_variable_value(self, name: str) -> np.ndarray:
        state = self._get_state()
        if name not in state:
            raise ValueError(f"{type(self).__name__}: no variable '{name}'; it has {sorted(state)}")
        return state[name].copy()

    def _restore(self) -> None:
        prefix = latest_checkpoint(self.model_dir)
        if prefix is None:
            return
        self._check_model_file()
        values = load(checkpoint_path(prefix))
        self._global_step = int(values.pop(GLOBAL_STEP, 0))
        self._state = values

    def _check_model_file(self) -> None:
        """model_dir written by another kind of model is refused by name (its state would not fit)."""
        path = Path(self.model_dir) / MODEL_FILE
        written = json.loads(path.read_text())["model"] if path.exists() else None
        if written != type(self).__name__:
            raise ValueError(f"model_dir {self.model_dir} holds a checkpoint of {written or 'another model (no ' + MODEL_FILE + ')'}, "
                             f"not of {type(self).__name__}: use another model_dir")

    def _save(self) -> None:
        folder = Path(self.model_dir)
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / MODEL_FILE).exists():
            self._check_model_file()
        else:
            with atomic_write(folder / MODEL_FILE) as f:
                f.write(json.dumps({"model": type(self).__name__}).encode())
        prefix = str(folder / f"{CHECKPOINT_BASENAME}-{self._global_step}")
        save(checkpoint_path(prefix), {**self._state, GLOBAL_STEP: np.int64(self._global_step)})
        write_checkpoint_state(prefix, [prefix])
        if self.config.keep_checkpoint_max:
            remove_old_checkpoints(str(folder), self.config.keep_checkpoint_max)

    # ---- the estimator interface ------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Train on the input_fn's batches until ``steps`` more steps, global step ``max_steps``, or
        the end of the input; checkpoints go to model_dir as the config says, and at the end."""
        _refuse_hooks(hooks, saving_listeners)
        _check_steps(steps, max_steps)
        if self._state is None:
            self._restore()
        if max_steps is not None and self._global_step >= max_steps:
            return self
        last = self._global_step + steps if steps is not None else max_steps
        batches, repeats = self._batches(input_fn, ModeKeys.TRAIN)
        if last is None and repeats:
            raise ValueError(f"{type(self).__name__}.train: the input_fn returns arrays, which are every step's batch: give steps or max_steps")
        config, started = self.config, time.monotonic()
        for features, labels in batches:
            if last is not None and self._global_step >= last:
                break
            if self._state is None:
                self._state = self._initial_state(features, labels)
            self._state, loss = self._train_step(self._state, features, labels)
            self._global_step += 1
            if not np.isfinite(loss):
                raise ValueError(f"{type(self).__name__}: NaN or infinite loss at step {self._global_step}")
            if config.save_summary_steps and self._global_step % config.save_summary_steps == 0:
                rate = config.save_summary_steps / max(time.monotonic() - started, 1e-9)
                write_scalars(self.model_dir, {"loss": loss, "global_step/sec": rate}, self._global_step)
                started = time.monotonic()
            if config.save_checkpoints_steps and self._global_step % config.save_checkpoints_steps == 0:
                self._save()
        if self._state is None:
            raise ValueError(f"{type(self).__name__}.train: the input_fn gave no batch to train on")
        self._save()
        return self

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None) -> dict:
        """The model's metrics over ``steps`` batches or the whole input, and ``global_step``; also
        written as event files under ``model_dir/eval`` (``eval_<name>``)."""
        _refuse_hooks(hooks, None)
        if steps is not None and steps <= 0:
            raise ValueError(f"{type(self).__name__}.evaluate: must specify steps > 0, given: {steps}")
        state = self._state_at(checkpoint_path)
        totals: dict[str, list] = {}
        batches, _ = self._batches(input_fn, ModeKeys.EVAL)
        for features, labels in itertools.islice(batches, steps):
            for metric, value in self._evaluate_batch(state, features, labels).items():
                total, count = value if isinstance(value, tuple) else (value, None)
                sums = totals.setdefault(metric, [0.0, count is not None and 0.0])
                sums[0] += float(total)
                if count is not None:
                    sums[1] += float(count)
        if not totals:
            raise ValueError(f"{type(self).__name__}.evaluate: the input_fn gave no batch to evaluate")
        results = {metric: np.float32(total if count is False else total / max(count, 1e-30)) for metric, (total, count) in totals.items()}
        results = self._finished_metrics(results)
        results[GLOBAL_STEP] = np.int64(self._global_step)
        if self._model_dir_given or self._resolved is not None:
            write_eval_summaries(os.path.join(self.model_dir, "eval" if not name else f"eval_{name}"), results)
        return results

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """A generator of the model's predictions: per example (dicts of arrays), or per batch."""
        _refuse_hooks(hooks, None)
        state = self._state_at(checkpoint_path)
        batches, _ = self._batches(input_fn, ModeKeys.PREDICT)
        for features, _labels in batches:
            values = self._predict_batch(state, features)
            if predict_keys is not None:
                values = _selected(values, predict_keys)
            if not yield_single_examples:
                yield values
                continue
            count = len(next(iter(values.values())))
            yield from ({key: value[i] for key, value in values.items()} for i in range(count))

    def _state_at(self, path) -> dict:
        if path is None:
            return self._get_state()
        values = load(checkpoint_path(path))
        values.pop(GLOBAL_STEP, None)
        return values

    def _batches(self, input_fn, mode: str):
        """(an iterator of (features, labels) batches as numpy, whether it repeats one batch)."""
        result = call_input_fn(input_fn, mode, {}, self.config)
        if isinstance(result, Dataset):
            elements = (split_element(element, "an element of the input_fn's Dataset") for element in result)
            return (_as_arrays(element) for element in elements), False
        batch = _as_arrays(split_element(result, "the input_fn's result"))
        return (itertools.repeat(batch) if mode == ModeKeys.TRAIN else iter([batch])), mode == ModeKeys.TRAIN


def _as_arrays(element):
    features, labels = element
    features = {k: np.asarray(v) for k, v in features.items()} if isinstance(features, dict) else np.asarray(features)
    return features, None if labels is None else np.asarray(labels)


def _selected(values: dict, predict_keys) -> dict:
    keys = [predict_keys] if isinstance(predict_keys, str) else list(predict_keys)
    missing = [key for key in keys if key not in values]
    if missing:
        raise ValueError(f"predict_keys {missing} are not among the predictions {sorted(values)}")
    return {key: values[key] for key in keys}


def _refuse_hooks(hooks, listeners) -> None:
    if hooks or listeners:
        raise ValueError("tfc.toolkit models run compiled programs without a Session: hooks and saving_listeners are not supported")


def _check_steps(steps, max_steps) -> None:
    if steps is not None and max_steps is not None:
        raise ValueError("Can not provide both steps and max_steps.")
    for name, value in (("steps", steps), ("max_steps", max_steps)):
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise ValueError(f"Must specify {name} > 0, given: {value!r}")


__all__ = ["ToolkitEstimator"]
