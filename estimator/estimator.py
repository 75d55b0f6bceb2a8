"""``tf.estimator.Estimator``: trains, evaluates and predicts with a TF1 model_fn, keeping its state
in ``model_dir`` (checkpoints, the ``checkpoint`` state file, TensorBoard event files).

Each call builds a fresh graph: the input_fn's batches feed placeholders (:mod:`.inputs`), the
model_fn builds the mode's ops on them, and a ``tf.train.MonitoredTrainingSession`` runs them —
restoring the latest checkpoint, saving new ones atomically with ``tf.train.Saver`` and calling
the hooks. A Session compiles one XLA program per batch shape, so steps after the first are one
dispatch each.

    def model_fn(features, labels, mode, params):
        w = tf.get_variable("w", [3, 1])
        predictions = tf.matmul(features, w)
        loss = tf.reduce_mean(tf.square(predictions - labels))
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss, tf.train.get_or_create_global_step())
        return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=step)

    estimator = Estimator(model_fn, model_dir="/tmp/linear")
    estimator.train(lambda: (x, y), steps=100)
    estimator.evaluate(lambda: (x, y))  # {"loss": ..., "global_step": 100}
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import logging
import os
import tempfile

import numpy as np

from tfc.compat.v1 import Graph, set_random_seed
from tfc.compat.v1.train import (
    MonitoredTrainingSession,
    Saver,
    Scaffold,
    SessionRunHook,
    StopAtStepHook,
    get_global_step,
    get_or_create_global_step,
)
from tfc.compat.v1.train import latest_checkpoint as find_latest_checkpoint
from tfc.compat.v1.train.checkpoint_utils import checkpoint_filename
from tfc.compat.v1.train.warm_starting import WarmStartSettings, warm_start
from tfc.runtime.checkpoint import CheckpointError, load
from tfc.runtime.checkpoint import checkpoint_path as checkpoint_file

from .checkpoint_saver import CheckpointSaverHook
from .export import export_saved_model
from .inputs import InputBatches, call_input_fn
from .metrics import mean
from .mode_keys import ModeKeys
from .model_fn import EstimatorSpec
from .run_config import RunConfig
from .summaries import TrainSummaryHook, write_eval_summaries, write_graph

log = logging.getLogger("tfc")
MODEL_FN_ARGS = ("features", "labels", "mode", "params", "config")


class NanLossDuringTrainingError(RuntimeError):
    """The training loss became NaN (TensorFlow's NanTensorHook stops training the same way)."""


class Estimator:
    """``Estimator(model_fn, model_dir=None, config=None, params=None, warm_start_from=None)``.

    ``model_fn(features, labels, mode, params, config)`` (any of ``labels``, ``mode``, ``params``,
    ``config`` may be left out of its signature) builds TF1 graph ops and returns an
    :class:`EstimatorSpec`. ``warm_start_from`` (a checkpoint prefix or folder, or a
    :class:`WarmStartSettings`) initializes training when ``model_dir`` has no checkpoint yet: by
    default every trainable variable, each of which the checkpoint must hold."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise TypeError(f"Estimator: model_fn must be callable, got {type(model_fn).__name__}")
        declared = inspect.signature(model_fn).parameters
        if "features" not in declared:
            raise ValueError("Estimator: model_fn must take an argument named 'features'")
        unknown = [name for name in declared if name not in MODEL_FN_ARGS]
        if unknown:
            raise ValueError(f"Estimator: model_fn has unexpected arguments {unknown}; it may take {list(MODEL_FN_ARGS)}")
        if params is not None and "params" not in declared:
            raise ValueError("Estimator: params is given but model_fn does not take 'params'")
        self._model_fn, self._declared = model_fn, set(declared)
        self._params = copy.deepcopy(params or {})
        self._config = resolved_config(config, model_dir)
        self._warm_start_settings = warm_start_settings(warm_start_from)

    @property
    def model_dir(self) -> str:
        return self._config.model_dir

    @property
    def config(self) -> RunConfig:
        return self._config

    @property
    def params(self) -> dict:
        return copy.deepcopy(self._params)

    @property
    def model_fn(self):
        return self._model_fn

    def eval_dir(self, name=None) -> str:
        """Where ``evaluate(name=name)`` writes its event files: ``model_dir/eval`` or ``model_dir/eval_<name>``."""
        return os.path.join(self.model_dir, "eval" if not name else f"eval_{name}")

    # ---- checkpoints ------------------------------------------------------------------------------
    def latest_checkpoint(self) -> str | None:
        """The prefix of the newest checkpoint in ``model_dir`` (None before the first save)."""
        return find_latest_checkpoint(self.model_dir)

    def get_variable_names(self) -> list[str]:
        """The names of the variables in the latest checkpoint."""
        return sorted(self._latest_values())

    def get_variable_value(self, name: str) -> np.ndarray:
        """The value of variable ``name`` in the latest checkpoint."""
        values = self._latest_values()
        if name not in values:
            raise ValueError(f"Estimator: variable '{name}' is not in the checkpoint {self.latest_checkpoint()}; "
                             f"it has {sorted(values)}")
        return values[name]

    def _latest_values(self) -> dict:
        return load(checkpoint_file(self._checkpoint_to_load(None)))

    def _checkpoint_to_load(self, path) -> str:
        """``path``, or the latest checkpoint in model_dir; a clear error when there is none."""
        found = path if path is not None else self.latest_checkpoint()
        if found is None:
            raise ValueError(f"Could not find trained model in model_dir: {self.model_dir}")
        if not checkpoint_file(found).exists():
            raise ValueError(f"Estimator: checkpoint_path {found} does not exist")
        return str(found)

    # ---- train ------------------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Train until ``steps`` more steps, global step ``max_steps``, or the end of the input;
        returns the Estimator. Checkpoints go to model_dir as the config says, and at the end."""
        _check_steps(steps, max_steps)
        if saving_listeners and self._config.save_checkpoints_steps is None and self._config.save_checkpoints_secs is None:
            raise ValueError("Estimator.train: saving_listeners need checkpoints: set RunConfig's save_checkpoints_steps or "
                             "save_checkpoints_secs")
        if max_steps is not None and self._checkpoint_step() >= max_steps:
            log.info("Skipping training since max_steps has already saved.")
            return self
        graph = Graph()
        with graph.as_default():
            batches, spec = self._build(input_fn, ModeKeys.TRAIN)
            if steps is None and max_steps is None and batches.repeats:
                raise ValueError("Estimator.train: the input_fn returns arrays, which are every step's batch: give steps or max_steps")
            all_hooks = [*_checked_hooks(hooks), *_checked_hooks(spec.training_hooks), *_stop_hooks(steps, max_steps)]
            all_hooks.append(TrainSummaryHook(spec.loss, self.model_dir, self._config.save_summary_steps,
                                              self._config.log_step_count_steps))
            if self._warm_start_settings is not None and self.latest_checkpoint() is None:
                self._warm_start()
            if self._config.checkpoint_save_graph_def:
                write_graph(self.model_dir, graph)
            with self._checked_restore(), self._training_session(spec, all_hooks, saving_listeners or ()) as session:
                _run_training(session, batches, spec)
        return self

    def _training_session(self, spec: EstimatorSpec, hooks: list, listeners):
        """A monitored session restoring model_dir's latest checkpoint (or initializing, then warm
        starting) whose saves, as the config says, call ``listeners``."""
        config = self._config
        scaffold = spec.scaffold or Scaffold()
        if scaffold.saver is None:
            scaffold.saver = Saver(max_to_keep=config.keep_checkpoint_max, allow_empty=True)
        chief_hooks = list(spec.training_chief_hooks)
        if config.save_checkpoints_steps is not None or config.save_checkpoints_secs is not None:
            chief_hooks.append(CheckpointSaverHook(self.model_dir, scaffold, save_secs=config.save_checkpoints_secs,
                                                   save_steps=config.save_checkpoints_steps, listeners=listeners,
                                                   keep_checkpoint_max=config.keep_checkpoint_max))
        return MonitoredTrainingSession(checkpoint_dir=self.model_dir, scaffold=scaffold, hooks=hooks, chief_only_hooks=chief_hooks,
                                        save_checkpoint_steps=None, save_checkpoint_secs=None, config=config.session_config)

    def _warm_start(self) -> None:
        """The variables the settings choose start from their checkpoint (``tf.train.warm_start``)."""
        settings = self._warm_start_settings
        source = os.fspath(settings.ckpt_to_initialize_from)
        prefix = checkpoint_filename(source)
        if prefix is None or not checkpoint_file(prefix).exists():
            raise ValueError(f"Estimator: warm_start_from {source} holds no checkpoint")
        log.info("Warm-starting with WarmStartSettings: %s", settings)
        warm_start(*settings)

    def _checkpoint_step(self) -> int:
        latest = self.latest_checkpoint()
        if latest is None:
            return 0
        values = load(checkpoint_file(latest))
        return int(values["global_step"]) if "global_step" in values else 0

    # ---- evaluate ---------------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None) -> dict:
        """The eval metrics, ``loss`` (the mean of the batches' losses) and ``global_step`` of the
        checkpoint (the latest by default) over ``steps`` batches or the whole input; also written
        as event files under ``model_dir/eval`` (``eval_<name>``)."""
        if steps is not None and steps <= 0:
            raise ValueError(f"Estimator.evaluate: must specify steps > 0, given: {steps}")
        checkpoint = self._checkpoint_to_load(checkpoint_path)
        graph = Graph()
        with graph.as_default():
            batches, spec = self._build(input_fn, ModeKeys.EVAL)
            if "loss" in spec.eval_metric_ops:
                raise ValueError('Metric with name "loss" is not allowed, because Estimator already defines a default metric '
                                 "with the same name.")
            metrics = {**spec.eval_metric_ops, "loss": mean(spec.loss)}
            final = FinalValuesHook({**{key: value for key, (value, _) in metrics.items()}, "global_step": get_global_step()})
            updates = [update for _, update in metrics.values()]
            all_hooks = [*_checked_hooks(hooks), *_checked_hooks(spec.evaluation_hooks), final]
            with self._checked_restore(), self._restored_session(checkpoint, all_hooks) as session:
                for done, feeds in enumerate(batches):
                    if (steps is not None and done >= steps) or session.should_stop():
                        break
                    session.run(updates, feed_dict=feeds)
        results = final.values
        write_eval_summaries(self.eval_dir(name), results)
        return results

    def _restored_session(self, checkpoint: str, hooks: list):
        """A monitored session whose variables are ``checkpoint``'s (no checkpoints are written)."""
        def restore(scaffold, session):
            scaffold.saver.restore(session, checkpoint)

        scaffold = Scaffold(init_fn=restore, saver=Saver(allow_empty=True))
        return MonitoredTrainingSession(scaffold=scaffold, hooks=hooks, config=self._config.session_config)

    def _checked_restore(self):
        return _checkpoint_mismatch(self.model_dir)

    # ---- predict ----------------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """A generator of predictions (one example at a time, or whole batches) made with the
        checkpoint's variables; ``predict_keys`` picks some of a dict of predictions."""
        checkpoint = self._checkpoint_to_load(checkpoint_path)
        graph = Graph()
        with graph.as_default():
            batches, spec = self._build(input_fn, ModeKeys.PREDICT)
            predictions = _selected(spec.predictions, predict_keys)
            all_hooks = [*_checked_hooks(hooks), *_checked_hooks(spec.prediction_hooks)]
            with self._checked_restore(), self._restored_session(checkpoint, all_hooks) as session:
                for feeds in batches:
                    if session.should_stop():
                        break
                    values = session.run(predictions, feed_dict=feeds)
                    yield from _examples(values) if yield_single_examples else [values]

    # ---- export -----------------------------------------------------------------------------------
    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                           checkpoint_path=None, experimental_mode=ModeKeys.PREDICT) -> bytes:
        """The PREDICT graph with the checkpoint's variables as a ``tfc.saved_model`` in
        ``export_dir_base/<timestamp>/`` (:func:`tfc.estimator.export.export_saved_model`); returns its path."""
        return export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra, as_text, checkpoint_path,
                                  experimental_mode)

    # ---- building the graph -----------------------------------------------------------------------
    def _build(self, input_fn, mode: str):
        """In the default graph: the seed, the global step, the input placeholders and the model_fn's spec."""
        if self._config.tf_random_seed is not None:
            set_random_seed(self._config.tf_random_seed)
        get_or_create_global_step()
        batches = InputBatches(call_input_fn(input_fn, mode, self.params, self._config), mode, self._batch_encoder(mode))
        return batches, self._call_model_fn(batches.features, batches.labels, mode)

    def _batch_encoder(self, mode: str):
        """A host transform ``(features, labels) -> (features, labels)`` of each batch before it is fed
        (the canned estimators' feature-column lookups); None feeds batches as they are."""
        return None

    def _call_model_fn(self, features, labels, mode: str) -> EstimatorSpec:
        offered = {"features": features, "labels": labels, "mode": mode, "params": self.params, "config": self._config}
        if labels is not None and "labels" not in self._declared:
            raise ValueError("model_fn does not take labels, but input_fn returns labels.")
        spec = self._model_fn(**{name: offered[name] for name in MODEL_FN_ARGS if name in self._declared})
        if not isinstance(spec, EstimatorSpec):
            raise TypeError(f"model_fn must return an EstimatorSpec, got {type(spec).__name__}")
        if spec.mode != mode:
            raise ValueError(f"model_fn was called with mode {mode!r} but returned an EstimatorSpec for {spec.mode!r}")
        return spec


class FinalValuesHook(SessionRunHook):
    """Reads ``fetches`` (a dict) once the loop is over (TensorFlow's FinalOpsHook): the metrics' values."""

    def __init__(self, fetches: dict):
        self._fetches = fetches
        self.values: dict = {}

    def end(self, session):
        self.values = {key: np.asarray(value)[()] for key, value in session.run(self._fetches).items()}  # numpy scalars


@contextlib.contextmanager
def _checkpoint_mismatch(model_dir: str):
    """A checkpoint that does not fit the graph (a variable missing, another shape or dtype) or
    cannot be read, as a ValueError naming model_dir and the variable or file."""
    try:
        yield
    except CheckpointError as err:
        raise ValueError(f"Estimator: cannot restore the checkpoint of model_dir {model_dir} into this model_fn's graph "
                         f"(another model's, or unreadable): {err}") from err


def warm_start_settings(warm_start_from) -> WarmStartSettings | None:
    """``warm_start_from`` as WarmStartSettings: a path warm-starts every trainable variable."""
    if warm_start_from is None or isinstance(warm_start_from, WarmStartSettings):
        return warm_start_from
    if isinstance(warm_start_from, (str, bytes, os.PathLike)):
        return WarmStartSettings(ckpt_to_initialize_from=os.fsdecode(warm_start_from))
    raise ValueError(f"warm_start_from must be a string or a WarmStartSettings, instead got {type(warm_start_from)}")


def resolved_config(config, model_dir) -> RunConfig:
    """``config`` (a RunConfig) with its model_dir agreeing with ``model_dir``; a temp folder if neither has one."""
    config = RunConfig() if config is None else config
    if not isinstance(config, RunConfig):
        raise TypeError(f"Estimator: config must be a tfc.estimator.RunConfig, got {type(config).__name__}")
    model_dir = None if model_dir is None else os.fspath(model_dir)
    if model_dir is not None and config.model_dir is not None and model_dir != config.model_dir:
        raise ValueError(f"model_dir are set both in constructor and RunConfig, but with different values. "
                         f"In constructor: '{model_dir}', in RunConfig: '{config.model_dir}'")
    model_dir = model_dir or config.model_dir
    if model_dir is None:
        model_dir = tempfile.mkdtemp()
        log.warning("Using temporary folder as model directory: %s", model_dir)
    return config.replace(model_dir=model_dir)


def _checked_hooks(hooks) -> list:
    """``hooks`` as a list, each a SessionRunHook (TensorFlow checks the same)."""
    hooks = list(hooks or ())
    for hook in hooks:
        if not isinstance(hook, SessionRunHook):
            raise TypeError(f"All hooks must be SessionRunHook instances, given: {hook!r}")
    return hooks


def _check_steps(steps, max_steps) -> None:
    if steps is not None and max_steps is not None:
        raise ValueError("Can not provide both steps and max_steps.")
    if steps is not None and steps <= 0:
        raise ValueError(f"Must specify steps > 0, given: {steps}")
    if max_steps is not None and max_steps <= 0:
        raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")


def _stop_hooks(steps, max_steps) -> list:
    if steps is None and max_steps is None:
        return []
    return [StopAtStepHook(num_steps=steps, last_step=max_steps)]


def _run_training(session, batches: InputBatches, spec: EstimatorSpec) -> None:
    """One train step per batch until a hook asks to stop or the input ends."""
    for feeds in batches:
        if session.should_stop():
            break
        _, loss = session.run([spec.train_op, spec.loss], feed_dict=feeds)
        if not np.all(np.isfinite(loss)):
            raise NanLossDuringTrainingError("NaN loss during training.")


def _selected(predictions, predict_keys):
    """``predictions``, or only ``predict_keys`` of a dict of them."""
    if predict_keys is None:
        return predictions
    if not isinstance(predictions, dict):
        raise ValueError("Estimator.predict: predict_keys needs the model_fn's predictions to be a dict")
    keys = [predict_keys] if isinstance(predict_keys, str) else list(predict_keys)
    missing = [key for key in keys if key not in predictions]
    if missing:
        raise ValueError(f"Estimator.predict: predict_keys {missing} are not in the predictions {sorted(predictions)}")
    return {key: predictions[key] for key in keys}


def _examples(values) -> list:
    """A batch of predictions (an array or a dict of arrays) as one prediction per example."""
    if not isinstance(values, dict):
        return list(values)
    sizes = {key: len(value) for key, value in values.items()}
    if len(set(sizes.values())) > 1:
        raise ValueError(f"Batch length of predictions should be same, got {sizes}")
    count = next(iter(sizes.values()), 0)
    return [{key: value[i] for key, value in values.items()} for i in range(count)]


__all__ = ["Estimator", "NanLossDuringTrainingError", "resolved_config"]
