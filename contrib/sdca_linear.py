"""contrib's linear estimators trained by ``SDCAOptimizer`` (``tf.contrib.learn.LinearClassifier(...,
optimizer=tf.contrib.linear_optimizer.SDCAOptimizer("id"))``): no TF1 training graph, but SDCA on the
model's dense design matrix, one epoch over each batch, the examples' duals kept by id.

Each batch is encoded on the host by the canned estimator's encoder; a compiled program lays the
columns out in the model's order (numeric values as they are, a categorical column's ids as a
multi-hot block weighted and combined as ``linear_logits`` combines its weight rows), and a ones
column is the bias. ``tfc.toolkit.sdca.minimize`` runs one epoch from the batch's stored duals and
the running unshrunk weights. Checkpoints hold the weights under the linear model's variable names,
so the canned ``evaluate``/``predict`` restore them, plus the SDCA state under ``sdca/`` so a later
``train`` continues where this one stopped.
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass

import numpy as np

import tfc
from tfc.compat.v1.train.saver import latest_checkpoint, write_checkpoint_state
from tfc.data import Dataset
from tfc.estimator.checkpoint_saver import CHECKPOINT_BASENAME, CHECKPOINT_FILE, remove_old_checkpoints
from tfc.estimator.inputs import call_input_fn, split_element
from tfc.estimator.mode_keys import ModeKeys
from tfc.feature_column.column import CategoricalColumn, ids_key, weights_key
from tfc.runtime.checkpoint import checkpoint_path, load, save
from tfc.toolkit.sdca import SDCAOptimizer
from tfc.toolkit.svm import example_keys, lookup_duals, merge_duals

LINEAR_SCOPE = "linear/linear_model"
MAX_DESIGN_ELEMENTS = 1 << 27  # a batch's dense design matrix in float64: 1 GiB
STATE_KEYS = ("sdca/unshrunk", "sdca/weights", "sdca/example_ids", "sdca/duals")


def checked_optimizer(optimizer, owner: str, **refused) -> SDCAOptimizer | None:
    """``optimizer`` when it is an SDCAOptimizer (None otherwise); ValueError for the arguments
    SDCA cannot train with (``refused``: name -> (value, what is needed))."""
    if not isinstance(optimizer, SDCAOptimizer):
        return None
    if optimizer.example_id_column is None:
        raise ValueError(f"{owner}: SDCAOptimizer needs example_id_column (the feature naming each example, whose dual is kept by it)")
    for name, (value, allowed, needed) in refused.items():
        if value != allowed:
            raise ValueError(f"{owner}: with SDCAOptimizer, {name} must be {needed}, got {value!r}")
    return optimizer


@dataclass
class SDCAState:
    """What SDCA carries from batch to batch (and, in checkpoints, from train call to train call)."""

    step: int
    """The global step: batches trained on so far."""
    unshrunk: np.ndarray | None
    """[d + 1] v = (1/λ2) Σ ω α x, the bias last; None before the first batch of a fresh model."""
    weights: np.ndarray | None
    """[d + 1] the primal weights shrink(v), the bias last."""
    ids: np.ndarray
    """[m] int64 example keys seen, sorted."""
    duals: np.ndarray
    """[m] their dual variables."""


class DesignMatrix:
    """The dense design matrix of encoded features for ``columns`` (the canned model's, in its
    order), computed by one compiled program per batch shape."""

    def __init__(self, columns: tuple, sparse_combiner: str = "sum"):
        for column in columns:
            if getattr(column, "tables", dict)():
                raise ValueError(f"SDCAOptimizer: feature column '{column.name}' has a trained table (an embedding); "
                                 f"SDCA trains linear weights only")
        self.columns, self.sparse_combiner = columns, sparse_combiner
        self._program = tfc.compile(self._blocks)

    def _blocks(self, encoded: dict) -> tuple:
        """One [n, width] float32 block per column: a categorical column's multi-hot ids combined as
        ``linear_logits`` combines its weight rows (so block @ weights is that column's logit)."""
        blocks = []
        for column in self.columns:
            if isinstance(column, CategoricalColumn):
                combiner = getattr(column, "combiner", self.sparse_combiner)
                blocks.append(multi_hot(encoded[ids_key(column)], encoded[weights_key(column)], column.num_buckets, combiner))
            else:
                blocks.append(column.dense(encoded, {}))
        return tuple(blocks)

    def __call__(self, encoded: dict) -> tuple[np.ndarray, list[int]]:
        """(x [n, d + 1] float64 with a ones column for the bias, the columns' widths)."""
        rows, width = len(next(iter(encoded.values()))), sum(block_width(column) for column in self.columns)
        if rows * width > MAX_DESIGN_ELEMENTS:
            raise ValueError(f"SDCAOptimizer: a batch of {rows} examples makes a dense design matrix of {rows} x {width} "
                             f"(over {MAX_DESIGN_ELEMENTS} values); use smaller batches or fewer buckets")
        blocks = [np.asarray(block, np.float64) for block in self._program(dict(encoded))]
        widths = [block.shape[1] for block in blocks]
        return np.hstack([*blocks, np.ones((blocks[0].shape[0], 1))]), widths


def block_width(column) -> int:
    """The width of a column's block (and weight rows): its buckets, or its dense width (0 if unknown here)."""
    if isinstance(column, CategoricalColumn):
        return column.num_buckets
    inner = getattr(column, "categorical_column", None)
    return inner.num_buckets if inner is not None else int(getattr(column, "width", 0))


def multi_hot(ids, weights, num_buckets: int, combiner: str):
    """[n, num_buckets]: each example's ids weighted, summed and scaled as ``combiner`` says (as
    ``feature_column.embedding.combine`` reduces weight rows); ids below 0 and weights not above 0 drop out."""
    weights = tfc.where(ids >= 0, tfc.maximum(weights, 0.0), tfc.zeros_like(weights))
    total = tfc.sum(tfc.one_hot(tfc.maximum(ids, 0), num_buckets) * tfc.expand_dims(weights, -1), 1)
    if combiner == "sum":
        return total
    scale = tfc.sum(weights, 1) if combiner == "mean" else tfc.sqrt(tfc.sum(weights * weights, 1))
    return total / tfc.expand_dims(tfc.maximum(scale, 1e-30), -1)


class SDCATraining:
    """A mixin for contrib's linear estimators: ``train`` (and so ``fit``) runs SDCA when the
    estimator was made with an SDCAOptimizer (``self._sdca``), else the canned TF1 training."""

    _sdca: SDCAOptimizer | None = None
    _sdca_loss = "squared_loss"
    _sdca_design: DesignMatrix | None = None

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Estimator.train's contract; with SDCA each batch is one SDCA epoch and one global step,
        checkpoints every ``save_checkpoints_steps`` (or ``_secs``) and at the end."""
        if self._sdca is None:
            return super().train(input_fn, hooks=hooks, steps=steps, max_steps=max_steps, saving_listeners=saving_listeners)
        if hooks or saving_listeners:
            raise ValueError("train with SDCAOptimizer: hooks (monitors) and saving_listeners are not supported (no TF1 session runs)")
        check_steps(steps, max_steps)
        state = self._sdca_state()
        if max_steps is not None and state.step >= max_steps:
            return self
        last = max_steps if max_steps is not None else (None if steps is None else state.step + steps)
        batches = self._sdca_batches(input_fn, last is not None)
        if self._sdca_design is None:
            self._sdca_design = DesignMatrix(self._encode_features.columns)
        self._sdca_loop(state, batches, last)
        return self

    def _sdca_loop(self, state: SDCAState, batches, last: int | None) -> None:
        """Train on ``batches`` until global step ``last`` or the input's end, saving as the config says."""
        config, saved_time, saved_step, widths = self.config, time.monotonic(), state.step, None
        for features, labels in batches:
            widths = self._sdca_step(state, features, labels)
            if last is not None and state.step >= last:
                break
            due_steps = config.save_checkpoints_steps and state.step - saved_step >= config.save_checkpoints_steps
            due_secs = config.save_checkpoints_secs and time.monotonic() - saved_time >= config.save_checkpoints_secs
            if due_steps or due_secs:
                save_state(self.model_dir, config.keep_checkpoint_max, self._sdca_design.columns, widths, state)
                saved_time, saved_step = time.monotonic(), state.step
        if widths is None:
            raise ValueError("train with SDCAOptimizer: the input_fn gave no batch to train on")
        if state.step != saved_step:
            save_state(self.model_dir, config.keep_checkpoint_max, self._sdca_design.columns, widths, state)

    def _sdca_step(self, state: SDCAState, features, labels) -> list[int]:
        """One SDCA epoch over a batch; returns the columns' widths."""
        column = self._sdca.example_id_column
        if not isinstance(features, dict) or column not in features:
            have = sorted(features) if isinstance(features, dict) else type(features).__name__
            raise ValueError(f"SDCAOptimizer: the features must hold the example id column '{column}', got {have}")
        if labels is None:
            raise ValueError("train with SDCAOptimizer: the input_fn must give labels")
        encoded = self._encode_features(features)
        x, widths = self._sdca_design(encoded)
        keys = example_keys(features[column], x.shape[0])
        y = np.asarray(self._head.encode_labels(labels), np.float64).reshape(-1)
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"SDCAOptimizer: labels have {y.shape[0]} values for {x.shape[0]} examples (one label per example)")
        if state.unshrunk is not None and state.unshrunk.shape[0] != x.shape[1]:
            raise ValueError(f"SDCAOptimizer: the model_dir's SDCA state has {state.unshrunk.shape[0]} weights, "
                             f"but these feature columns give {x.shape[1]} (another model's model_dir?)")
        unshrunk = np.zeros(x.shape[1]) if state.unshrunk is None else state.unshrunk
        result = self._sdca.minimize(x, y, self._sdca_loss, epochs=1, tolerance=None, example_weights=self._sdca_weights(encoded),
                                     duals=lookup_duals(state.ids, state.duals, keys), unshrunk=unshrunk, seed=state.step)
        state.ids, state.duals = merge_duals(state.ids, state.duals, keys, result.duals)
        state.unshrunk, state.weights, state.step = result.unshrunk, result.weights, state.step + 1
        return widths

    def _sdca_weights(self, encoded: dict):
        weight_column = self._head.weight_column
        if weight_column is None:
            return None
        key = getattr(weight_column, "key", weight_column)
        if key not in encoded:
            raise ValueError(f"weight_column '{key}' is not in the features")
        return np.asarray(encoded[key], np.float64).reshape(-1)

    def _sdca_batches(self, input_fn, bounded: bool):
        """The input_fn's (features, labels) batches: a Dataset's elements, or its arrays repeated."""
        result = call_input_fn(input_fn, ModeKeys.TRAIN, self.params, self.config)
        if isinstance(result, Dataset):
            return (split_element(element, "an element of the input_fn's Dataset") for element in result)
        if not bounded:
            raise ValueError("train with SDCAOptimizer: the input_fn returns arrays, which are every step's batch: give steps or max_steps")
        return itertools.repeat(split_element(result, "the input_fn's result"))

    def _sdca_state(self) -> SDCAState:
        """The state of model_dir's latest checkpoint, or a fresh one."""
        prefix = latest_checkpoint(self.model_dir)
        if prefix is None:
            return SDCAState(0, None, None, np.zeros(0, np.int64), np.zeros(0))
        values = load(checkpoint_path(prefix))
        missing = [key for key in STATE_KEYS if key not in values]
        if missing:
            raise ValueError(f"train with SDCAOptimizer: the checkpoint {prefix} was not written by SDCA training (it lacks {missing}); "
                             f"use a fresh model_dir")
        return SDCAState(int(values["global_step"]), values["sdca/unshrunk"], values["sdca/weights"], values["sdca/example_ids"],
                         values["sdca/duals"])


def save_state(model_dir: str, keep: int | None, columns: tuple, widths: list[int], state: SDCAState) -> str:
    """Write ``model.ckpt-<step>`` (the linear model's variables, global_step, the SDCA state) and
    point the ``checkpoint`` state file at it; returns the prefix."""
    prefix = os.path.join(model_dir, f"{CHECKPOINT_BASENAME}-{state.step}")
    save(checkpoint_path(prefix), {**linear_variables(columns, widths, state.weights), "global_step": np.int64(state.step),
                                   "sdca/unshrunk": state.unshrunk, "sdca/weights": state.weights,
                                   "sdca/example_ids": state.ids.astype(np.int64), "sdca/duals": state.duals})
    if keep:
        remove_old_checkpoints(model_dir, keep)
    kept = sorted(int(m.group(1)) for name in os.listdir(model_dir) if (m := CHECKPOINT_FILE.fullmatch(name)))
    write_checkpoint_state(prefix, [os.path.join(model_dir, f"{CHECKPOINT_BASENAME}-{step}") for step in kept])
    return prefix


def linear_variables(columns: tuple, widths: list[int], weights: np.ndarray) -> dict[str, np.ndarray]:
    """The weights [d + 1] (bias last) as ``linear_logits``' float32 variables: ``<column>/weights``
    [width, 1] per column in order, and ``bias_weights`` [1]."""
    values, start = {}, 0
    for column, width in zip(columns, widths, strict=True):
        values[f"{LINEAR_SCOPE}/{column.name}/weights"] = weights[start:start + width].astype(np.float32).reshape(width, 1)
        start += width
    values[f"{LINEAR_SCOPE}/bias_weights"] = weights[start:].astype(np.float32)
    return values


def check_steps(steps, max_steps) -> None:
    """Estimator.train's rules: not both, each positive."""
    if steps is not None and max_steps is not None:
        raise ValueError("Can not provide both steps and max_steps.")
    for name, value in (("steps", steps), ("max_steps", max_steps)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0):
            raise ValueError(f"Must specify {name} > 0, given: {value}")


__all__ = ["DesignMatrix", "SDCAState", "SDCATraining", "checked_optimizer", "linear_variables", "save_state"]
