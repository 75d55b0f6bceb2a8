"""``tfc.toolkit.TensorForestEstimator``: TensorFlow contrib's random forest (``tf.contrib.tensor_forest``)
with its ``ForestHParams``, grown level by level on batches by compiled programs
(:mod:`.forest_growth`, :mod:`.forest_inference`).

The random draws (bagging weights, each tree's feature bag, each node's feature subset) come from
numpy generators seeded by ``base_random_seed`` and what they are for, so a seed gives the same
forest on every run; all the training and inference math runs compiled.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from . import forest_growth, forest_inference
from .estimator_interface import ToolkitEstimator
from .points import as_points, check_unsupported, features_points

DEFAULT_MAX_DEPTH = 8  # tfc's default depth: 2**9 - 1 nodes per tree, within contrib's max_nodes=10000
WEIGHTS_BUDGET = 2 ** 24  # float32 entries (64 MiB) of a batch's histogram rows in fit
_TREE_KEYS = ("feature", "threshold", "left_child", "value")
_LEVEL_KEYS = ("level_histogram", "level_start", "level_rows")


class ForestHParams:
    """contrib's forest hyperparameters; ``fill()`` derives the rest (and checks them).

    tfc's growth is level-wise (:mod:`.forest_growth`), which changes what some of them mean:

    - ``max_depth`` (tfc's): the trees' depth; None gives the deepest whose 2**(depth+1) - 1 nodes
      fit in ``max_nodes``, at most 8. A given ``max_depth`` is also capped by ``max_nodes``.
    - ``num_splits_to_consider``: the number of *features* each node tries (a random subset, new per
      node, as scikit-learn's ``max_features``), each at all ``num_thresholds`` (tfc's, default 32)
      candidate thresholds (quantile midpoints of x in ``fit``, of the first batch in ``train``;
      contrib drew single (feature, threshold) candidates). 0 gives floor(sqrt(num_features)).
    - ``split_after_samples``: the estimator's ``train`` decides a level's splits (for all its
      nodes at once) after that many samples reached the level; ``fit`` decides each level after one
      pass over all of x.
    - ``bagging_fraction`` < 1: each tree weights each sample 1 with that probability, else 0;
      ``bootstrap=True`` (tfc's) draws Poisson(bagging_fraction) weights instead (scikit-learn's
      bootstrap when 1). ``feature_bagging_fraction``: each tree's fixed share of the features.
    - ``base_random_seed`` seeds every draw; 0 is a seed too (contrib took the time).
    - ``regression``: targets [n] or [n, num_classes] (``num_classes`` outputs, 0 meaning 1).

    Other keyword arguments are kept as attributes, as contrib's did.
    """

    def __init__(self, num_classes=0, num_features=0, num_trees=100, max_nodes=10000, bagging_fraction=1.0,
                 feature_bagging_fraction=1.0, split_after_samples=250, num_splits_to_consider=0, regression=False,
                 max_depth=None, num_thresholds=32, bootstrap=False, base_random_seed=0, **kwargs):
        self.num_classes, self.num_features, self.num_trees, self.max_nodes = num_classes, num_features, num_trees, max_nodes
        self.bagging_fraction, self.feature_bagging_fraction = bagging_fraction, feature_bagging_fraction
        self.split_after_samples, self.num_splits_to_consider = split_after_samples, num_splits_to_consider
        self.regression, self.max_depth, self.num_thresholds = bool(regression), max_depth, num_thresholds
        self.bootstrap, self.base_random_seed = bool(bootstrap), base_random_seed
        for name, value in kwargs.items():
            setattr(self, name, value)

    def fill(self) -> ForestHParams:
        """Check the values and derive ``num_outputs``, ``bagged_num_features``, the default
        ``num_splits_to_consider`` and the effective ``max_depth``; returns self."""
        for name in ("num_classes", "num_features", "split_after_samples", "num_splits_to_consider", "base_random_seed"):
            _check_int(name, getattr(self, name), 0)
        for name in ("num_trees", "max_nodes", "num_thresholds"):
            _check_int(name, getattr(self, name), 1)
        for name in ("bagging_fraction", "feature_bagging_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
                raise ValueError(f"ForestHParams.{name} must be a number in (0, 1], got {value!r}")
        if not self.regression and self.num_classes < 2:
            raise ValueError(f"ForestHParams.num_classes must be at least 2 for classification, got {self.num_classes}")
        self.num_outputs = max(self.num_classes, 1) if self.regression else self.num_classes
        self.bagged_num_features = max(1, int(self.feature_bagging_fraction * self.num_features))
        if self.num_features:  # unknown (0) until the data says: fill() again then
            considered = self.num_splits_to_consider or max(1, math.floor(math.sqrt(self.num_features)))
            self.num_splits_to_consider = min(considered, self.bagged_num_features)
        self.max_depth = _depth(self.max_depth, self.max_nodes)
        return self


def _check_int(name: str, value, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise ValueError(f"ForestHParams.{name} must be an integer >= {least}, got {value!r}")


def _depth(max_depth, max_nodes: int) -> int:
    """The depth to grow: the given one (or DEFAULT_MAX_DEPTH) capped so 2**(depth+1) - 1 <= max_nodes."""
    if max_depth is not None:
        _check_int("max_depth", max_depth, 1)
    fits = int(math.floor(math.log2(max_nodes + 1))) - 1
    if fits < 1:
        raise ValueError(f"ForestHParams.max_nodes must allow a split (at least 3 nodes), got {max_nodes}")
    return min(DEFAULT_MAX_DEPTH if max_depth is None else int(max_depth), fits)


class TensorForestEstimator(ToolkitEstimator):
    """A random forest (``tf.contrib.tensor_forest.client.random_forest.TensorForestEstimator``).

    Example::

        params = tfc.toolkit.ForestHParams(num_classes=2, num_features=10, num_trees=20, max_depth=6)
        forest = tfc.toolkit.TensorForestEstimator(params).fit(x, y, batch_size=500)
        forest.predict(x_test)        # [n] class ids (regression: the mean of the trees' leaf values)
        forest.predict_proba(x_test)  # [n, num_classes]: the trees' leaf class frequencies, averaged

    Every tree grows at once, one level per decision (see :class:`ForestHParams` and
    :mod:`.forest_growth`), with Gini impurity (classification) or variance (regression).
    The estimator interface trains on an input_fn's (features, labels) batches, features an
    array or a dict of arrays side by side in key order; ``feature_engineering_fn(features,
    labels)`` may rewrite each batch first. ``evaluate`` gives ``accuracy`` and ``loss`` (the mean
    negative log-likelihood of the labels) or ``mean_squared_error`` and ``loss``; ``predict`` with an
    input_fn gives ``predictions`` (and ``probabilities`` for classification).
    """

    PREDICTIONS, PROBABILITIES = "predictions", "probabilities"

    def __init__(self, params, device_assigner=None, model_dir=None, feature_columns=None, config=None,
                 weight_column=None, keys_column=None, feature_engineering_fn=None):
        check_unsupported(device_assigner=device_assigner, feature_columns=feature_columns, weight_column=weight_column,
                          keys_column=keys_column)
        if not isinstance(params, ForestHParams):
            raise TypeError(f"params must be a tfc.toolkit.ForestHParams, got {type(params).__name__}")
        if feature_engineering_fn is not None and not callable(feature_engineering_fn):
            raise TypeError(f"feature_engineering_fn must be callable or None, got {type(feature_engineering_fn).__name__}")
        super().__init__(model_dir, config)
        self._given = params
        self.params = copy.copy(params).fill()
        self._feature_engineering_fn = feature_engineering_fn

    # ---- the array interface ---------------------------------------------------------------------
    def fit(self, x, y, batch_size: int | None = None) -> TensorForestEstimator:
        """Grow the forest on x [n, num_features] and labels y (class ids [n], or regression targets [n]
        or [n, num_outputs]), each level from one pass over x in batches of ``batch_size`` rows: one
        compiled program. By default the batches are as large as keeps the per-batch histogram rows
        within 64 MiB (all of x when it fits); the batch size does not change the forest. Returns self."""
        x = as_points(x, "x")
        params = self._params_for(x.shape[1])
        targets = _targets(y, x.shape[0], params)
        batch = _batch_size(batch_size, x.shape[0], params)
        padding = (-x.shape[0]) % batch
        weights = _bagging_weights(params, x.shape[0], (2,))
        thresholds = np.asarray(forest_growth.candidate_thresholds(x, params.num_thresholds))
        tree_features = _tree_features(params)
        masks = np.stack([_node_mask(params, tree_features, depth) for depth in range(params.max_depth)])
        grown = forest_growth.grow(_pad(x, padding), _pad(targets, padding), np.pad(weights, ((0, 0), (0, padding))),
                                   thresholds, masks, _empty_tree(params), batch, params.max_depth)
        state = {**dict(zip(_TREE_KEYS, (np.asarray(a) for a in grown))), **_finished_level(params)}
        self._set_state({**state, "candidate_thresholds": thresholds, "batches": np.int64(0)})
        self.params = params
        return self

    def predict(self, x, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Array x: the [n] class ids (or regression values). An input_fn: the estimator's generator
        of prediction dicts (``predictions``, ``probabilities``)."""
        if callable(x):
            return super().predict(x, predict_keys, hooks, checkpoint_path, yield_single_examples)
        predictions, _ = self._run_predict(self._get_state(), as_points(x, "x"))
        return predictions

    def predict_proba(self, x) -> np.ndarray:
        """[n, num_classes]: each class's frequency in the sample's leaves, averaged over the trees."""
        if self.params.regression:
            raise ValueError("predict_proba is for classification forests; this one is a regression (use predict)")
        return self._run_predict(self._get_state(), as_points(x, "x"))[1]

    # ---- the estimator interface's steps ---------------------------------------------------------
    def _initial_state(self, features, labels) -> dict:
        x, labels = self._batch(features, labels)
        params = self._params_for(x.shape[1])
        _targets(labels, x.shape[0], params)
        self.params = params
        thresholds = np.asarray(forest_growth.candidate_thresholds(x, params.num_thresholds))
        tree = dict(zip(_TREE_KEYS, _empty_tree(params)))
        return {**tree, **_empty_level(params, 0), "candidate_thresholds": thresholds, "batches": np.int64(0)}

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        x, labels = self._batch(features, labels)
        targets = self._checked(state, x, labels)
        params, batches = self.params, int(state["batches"])
        loss = self._batch_loss(state, x, labels)[1] / (x.shape[0] * (params.num_outputs if params.regression else 1))
        if int(state["level_start"]) >= 2 ** params.max_depth - 1:  # every level decided: nothing left to grow
            return {**state, "batches": np.int64(batches + 1)}, loss
        depth = int(np.log2(int(state["level_start"]) + 1))
        mask = _node_mask(params, _tree_features(params), depth)
        weights = _bagging_weights(params, x.shape[0], (3, batches))
        tree, level = forest_growth.train_step(x, targets, weights, state["candidate_thresholds"], mask,
                                               tuple(state[key] for key in _TREE_KEYS), tuple(state[key] for key in _LEVEL_KEYS),
                                               np.float32(params.split_after_samples), params.max_depth)
        new = {key: np.asarray(value) for key, value in zip(_TREE_KEYS + _LEVEL_KEYS, (*tree, *level))}
        if int(new["level_start"]) >= 2 ** params.max_depth - 1:
            new.update(_finished_level(params))
        return {**new, "candidate_thresholds": state["candidate_thresholds"], "batches": np.int64(batches + 1)}, loss

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        x, labels = self._batch(features, labels)
        self._checked(state, x, labels)
        first, total = self._batch_loss(state, x, labels)
        if self.params.regression:
            count = x.shape[0] * self.params.num_outputs
            return {"mean_squared_error": (total, count), "loss": (total, count)}
        return {"accuracy": (first, x.shape[0]), "loss": (total, x.shape[0])}

    def _predict_batch(self, state: dict, features) -> dict:
        x, _ = self._batch(features, None)
        predictions, values = self._run_predict(state, x)
        if self.params.regression:
            return {self.PREDICTIONS: predictions}
        return {self.PREDICTIONS: predictions, self.PROBABILITIES: values}

    # ---- helpers ---------------------------------------------------------------------------------
    def _params_for(self, num_features: int) -> ForestHParams:
        """The hyperparameters filled for data with ``num_features`` columns (which must match a given num_features)."""
        if self._given.num_features and self._given.num_features != num_features:
            raise ValueError(f"x has {num_features} features, but params.num_features is {self._given.num_features}")
        params = copy.copy(self._given)
        params.num_features = num_features
        return params.fill()

    def _batch(self, features, labels):
        """An input_fn's batch as (x [n, F] float32, labels), after feature_engineering_fn."""
        if self._feature_engineering_fn is not None:
            features, labels = self._feature_engineering_fn(features, labels)
        return features_points(features), labels

    def _checked(self, state: dict, x: np.ndarray, labels) -> np.ndarray:
        """The batch's target channels, once x's width and the labels are checked against the model
        (whose hyperparameters, filled for its width, become ``self.params``: a restored model's too)."""
        _check_width(state, x)
        self.params = self._params_for(x.shape[1])
        if _tree_depth(state) != self.params.max_depth:
            raise ValueError(f"the model's trees have depth {_tree_depth(state)}, but params give max_depth {self.params.max_depth}: "
                             "use the params it was grown with")
        return _targets(labels, x.shape[0], self.params)

    def _batch_loss(self, state: dict, x: np.ndarray, labels) -> tuple[float, float]:
        """(correct predictions, summed negative log-likelihood), or (summed squared error, the same)."""
        tree = tuple(state[key] for key in _TREE_KEYS)
        depth = _tree_depth(state)
        if self.params.regression:
            targets = np.asarray(labels, np.float32).reshape(x.shape[0], -1)
            total = float(forest_inference.regression_metrics(x, targets, *tree, depth))
            return total, total
        labels = np.asarray(labels).reshape(-1).astype(np.int32)
        correct, nll = forest_inference.classification_metrics(x, labels, *tree, depth)
        return float(correct), float(nll)

    def _run_predict(self, state: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _check_width(state, x)
        tree = tuple(state[key] for key in _TREE_KEYS)
        predictions, values = forest_inference.predict(x, *tree, _tree_depth(state), self.params.regression)
        predictions = np.asarray(predictions)
        if self.params.regression and self.params.num_classes <= 1:
            predictions = predictions[:, 0]
        return predictions, np.asarray(values)


def _tree_depth(state: dict) -> int:
    """The depth the state's trees were allotted: M = 2**(depth+1) - 1 nodes."""
    return int(np.log2(state["feature"].shape[1] + 1)) - 1


def _check_width(state: dict, x: np.ndarray) -> None:
    grown_on = state["candidate_thresholds"].shape[0]
    if x.shape[1] != grown_on:
        raise ValueError(f"x has {x.shape[1]} features, but the forest was grown on {grown_on} (params.num_features)")


def _targets(labels, num_points: int, params: ForestHParams) -> np.ndarray:
    """[n, O + 1] target channels: one-hot classes or regression targets, then a count column of ones."""
    if labels is None:
        raise ValueError("labels are required to train or evaluate a TensorForestEstimator")
    y = np.asarray(labels)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise ValueError(f"labels must be numbers, got dtype {y.dtype}")
    if y.shape[:1] != (num_points,):
        raise ValueError(f"labels have shape {list(y.shape)}, but x has {num_points} rows")
    ones = np.ones((num_points, 1), np.float32)
    if params.regression:
        y = y.reshape(num_points, -1).astype(np.float32)
        if y.shape[1] != params.num_outputs or not np.isfinite(y).all():
            raise ValueError(f"regression labels must be finite, [n] or [n, {params.num_outputs}] (num_classes), got shape {list(np.shape(labels))}")
        return np.concatenate([y, ones], 1)
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
        raise ValueError(f"labels must be class ids [n] or [n, 1], got shape {list(y.shape)}")
    y = y.reshape(-1)
    bad = np.flatnonzero((y < 0) | (y >= params.num_classes) | (y != np.round(y)))
    if bad.size:
        raise ValueError(f"labels must be class ids in [0, num_classes={params.num_classes}), got {y[bad[0]]} at row {bad[0]}")
    return np.concatenate([np.eye(params.num_classes, dtype=np.float32)[y.astype(np.int64)], ones], 1)


def _batch_size(batch_size, num_points: int, params: ForestHParams) -> int:
    """The given batch size (at most n), or the largest whose [n * T * F, channels] histogram rows fit WEIGHTS_BUDGET."""
    if batch_size is None:
        row = params.num_trees * params.num_features * (params.num_outputs + 1)
        return max(1, min(num_points, WEIGHTS_BUDGET // row))
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return min(int(batch_size), num_points)


def _pad(rows: np.ndarray, count: int) -> np.ndarray:
    return np.pad(rows, ((0, count), (0, 0)))


def _rng(params: ForestHParams, purpose: tuple) -> np.random.Generator:
    """A generator for one purpose (tree features, a level's node features, a batch's weights)."""
    return np.random.default_rng([int(params.base_random_seed), *purpose])


def _bagging_weights(params: ForestHParams, num_points: int, purpose: tuple) -> np.ndarray:
    """[T, n] per-tree sample weights: Poisson(bagging_fraction) with bootstrap, else Bernoulli(bagging_fraction)."""
    rng, shape = _rng(params, purpose), (params.num_trees, num_points)
    if params.bootstrap:
        return rng.poisson(params.bagging_fraction, shape).astype(np.float32)
    if params.bagging_fraction < 1:
        return (rng.random(shape) < params.bagging_fraction).astype(np.float32)
    return np.ones(shape, np.float32)


def _tree_features(params: ForestHParams) -> np.ndarray:
    """[T, F] 0/1: each tree's bag of ``bagged_num_features`` features."""
    ranks = np.argsort(np.argsort(_rng(params, (0,)).random((params.num_trees, params.num_features)), 1), 1)
    return (ranks < params.bagged_num_features).astype(np.float32)


def _node_mask(params: ForestHParams, tree_features: np.ndarray, depth: int) -> np.ndarray:
    """[T, L, F] 0/1: each level-``depth`` node's random ``num_splits_to_consider`` features from its tree's bag."""
    num_slots = 2 ** (params.max_depth - 1)
    noise = _rng(params, (1, depth)).random((params.num_trees, num_slots, params.num_features))
    noise += 2.0 * (1.0 - tree_features[:, None, :])  # features outside the bag rank last
    ranks = np.argsort(np.argsort(noise, 2), 2)
    return (ranks < params.num_splits_to_consider).astype(np.float32)


def _empty_tree(params: ForestHParams) -> tuple:
    """A forest of roots only: feature 0, threshold 0, no children, value 0."""
    shape = (params.num_trees, 2 ** (params.max_depth + 1) - 1)
    return (np.zeros(shape, np.int32), np.zeros(shape, np.float32), np.full(shape, -1, np.int32),
            np.zeros(shape + (params.num_outputs,), np.float32))


def _empty_level(params: ForestHParams, start: int, num_slots: int | None = None) -> dict:
    """An empty histogram for the level starting at node ``start`` (L = num_slots nodes; the deepest level's by default)."""
    num_slots = 2 ** (params.max_depth - 1) if num_slots is None else num_slots
    shape = (params.num_trees, num_slots, params.num_features, params.num_thresholds + 1, params.num_outputs + 1)
    return {"level_histogram": np.zeros(shape, np.float32), "level_start": np.int32(start), "level_rows": np.float32(0)}


def _finished_level(params: ForestHParams) -> dict:
    """The level state once every level is decided: no statistics to keep (checkpoints stay small)."""
    return _empty_level(params, 2 ** params.max_depth - 1, num_slots=0)


__all__ = ["ForestHParams", "TensorForestEstimator"]
