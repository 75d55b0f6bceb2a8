"""``tfc.toolkit.SVM``: TensorFlow contrib's linear support vector machine (``tf.contrib.learn.SVM``),
trained by SDCA on the hinge loss (:mod:`.sdca`), with contrib's constructor arguments."""

from __future__ import annotations

import hashlib

import numpy as np

import tfc
from tfc import feature_column as fc
from tfc.feature_column.column import CategoricalColumn, DenseColumn, FeatureColumn

from . import sdca
from .estimator_interface import ToolkitEstimator

STATE_NAMES = ("weights", "bias", "unshrunk", "example_ids", "duals")


# ---- features -------------------------------------------------------------------------------------
def dense_inputs(features, feature_columns=None, exclude=()) -> np.ndarray:
    """Features as a float64 [n, d] matrix: an array ([n] is one feature), or a dict read through
    ``feature_columns`` (names or columns; categorical ones one-hot, as a linear model weighs them)
    or, without columns, every key but ``exclude`` side by side in key order."""
    if isinstance(features, dict):
        if feature_columns is not None:
            return sdca.finite_array(fc.input_layer(features, _dense_columns(feature_columns, features)), "features", 2)
        keys = sorted(key for key in features if key not in exclude)
        if not keys:
            raise ValueError(f"features has no feature to train on (it has {sorted(features)}; {sorted(exclude)} are not features)")
        columns = [sdca.finite_array(features[key], f"features['{key}']", np.ndim(features[key]) or 1) for key in keys]
        return np.concatenate([c.reshape(len(c), -1) for c in columns], axis=1)
    array = np.asarray(features)
    return sdca.finite_array(array.reshape(-1, 1) if array.ndim == 1 else array, "x", 2)


def _dense_columns(feature_columns, features: dict) -> list:
    """Columns input_layer can read: a name is a numeric column of that feature's shape."""
    if isinstance(feature_columns, str | FeatureColumn):
        feature_columns = [feature_columns]
    columns = []
    for column in feature_columns:
        if isinstance(column, str):
            column = fc.numeric_column(column, shape=np.shape(features.get(column, ()))[1:] or (1,))
        elif isinstance(column, CategoricalColumn) and not isinstance(column, DenseColumn):
            column = fc.indicator_column(column)
        if not isinstance(column, DenseColumn):
            raise TypeError(f"feature_columns must be feature names or feature columns, got {column!r}")
        if column.tables():
            raise ValueError(f"feature column {column.name}: columns with trained tables (embeddings) are not supported by linear toolkit models")
        columns.append(column)
    return columns


def example_keys(ids, count: int) -> np.ndarray:
    """Example ids (integers or strings) as int64 keys; strings by a stable 64-bit hash."""
    ids = np.asarray(ids).reshape(-1)
    if ids.shape[0] != count:
        raise ValueError(f"the example id feature has {ids.shape[0]} values for {count} examples")
    if np.issubdtype(ids.dtype, np.integer):
        keys = ids.astype(np.int64)
    else:
        raw = (i if isinstance(i, bytes) else str(i).encode() for i in ids.tolist())
        keys = np.array([int.from_bytes(hashlib.blake2b(b, digest_size=8).digest(), "little", signed=True) for b in raw], np.int64)
    if len(np.unique(keys)) != count:
        raise ValueError("example ids must be unique within a batch (SDCA keeps one dual variable per example)")
    return keys


def binary_labels(labels, count: int) -> np.ndarray:
    """Labels [n] or [n, 1] of 0/1 as float64; ValueError otherwise."""
    y = sdca.finite_array(np.asarray(labels).reshape(-1) if np.ndim(labels) == 2 else labels, "labels", 1)
    if y.shape[0] != count:
        raise ValueError(f"labels has {y.shape[0]} values, but the features have {count} examples")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"labels must be 0 or 1, got values {sorted(set(np.unique(y).tolist()) - {0.0, 1.0})[:5]}")
    return y


# ---- the duals of examples seen, kept by id -------------------------------------------------------
def lookup_duals(ids: np.ndarray, duals: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The stored dual of each key (sorted ``ids``), 0 for examples not seen yet."""
    position = np.minimum(np.searchsorted(ids, keys), max(len(ids) - 1, 0))
    found = (ids[position] == keys) if len(ids) else np.zeros(len(keys), bool)
    return np.where(found, duals[position] if len(ids) else 0.0, 0.0)


def merge_duals(ids: np.ndarray, duals: np.ndarray, keys: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids, duals) with the batch's new duals stored, sorted by id."""
    keep = ~np.isin(ids, keys)
    all_ids = np.concatenate([ids[keep], keys])
    order = np.argsort(all_ids, kind="stable")
    return all_ids[order], np.concatenate([duals[keep], new])[order]


# ---- compiled predictions and metrics -------------------------------------------------------------
@tfc.compile
def scores(x, weights, bias):
    """x·w + b: the decision function of a linear model."""
    return tfc.matmul(x, weights) + bias


@tfc.compile
def hinge_metrics(x, y, omega, weights, bias):
    """(Σ ω hinge loss, Σ ω [correct], Σ ω) for 0/1 labels."""
    z = tfc.matmul(x, weights) + bias
    signed = 2.0 * y - 1.0
    correct = tfc.astype(tfc.equal(tfc.astype(z > 0.0, tfc.float64), y), tfc.float64)
    return tfc.sum(omega * tfc.maximum(1.0 - signed * z, 0.0)), tfc.sum(omega * correct), tfc.sum(omega)


def with_ones(x: np.ndarray) -> np.ndarray:
    """x and a bias column of ones."""
    return np.hstack([x, np.ones((x.shape[0], 1))])


class SVM(ToolkitEstimator):
    """A linear binary SVM (``tf.contrib.learn.SVM``): hinge loss, labels 0/1, trained by SDCA.

    Example::

        model = tfc.toolkit.SVM(None, None, l2_regularization=1.0).fit(x, labels)
        model.predict(x)              # classes 0/1
        model.decision_function(x)    # x·w + b
        model.weights, model.bias

    The objective is contrib's: (Σ ω hinge(y, x·w + b) + λ2/2 (||w||² + b²) + λ1 ||(w, b)||₁) / Σ ω,
    λ2 = max(l2_regularization, 1.0) (contrib's minimum): the bias is a weight on a constant
    feature, regularized like the others. Features are an array or a dict (read through
    ``feature_columns``, or every key but the id and weight columns, in key order), passed through
    ``feature_engineering_fn(features, labels)`` first when one is given (labels None to predict).

    The estimator interface: each train step is one SDCA epoch over the batch, whose examples'
    dual variables are kept by their ``example_id_column`` feature across batches (so it is
    needed there); ``evaluate`` gives ``loss`` (the mean hinge loss) and ``accuracy``; ``predict``
    with an input_fn gives ``classes`` and ``logits`` (x·w + b) per example.
    """

    def __init__(self, example_id_column, feature_columns, weight_column_name=None, model_dir=None, l1_regularization=0.0,
                 l2_regularization=0.0, num_loss_partitions=1, kernels=None, config=None, feature_engineering_fn=None):
        super().__init__(model_dir, config)
        if kernels is not None:
            raise ValueError("kernels: kernel SVMs are not supported (contrib neither); pass kernels=None for a linear SVM")
        if feature_engineering_fn is not None and not callable(feature_engineering_fn):
            raise TypeError(f"feature_engineering_fn must be callable (features, labels) -> (features, labels), got {feature_engineering_fn!r}")
        self.optimizer = sdca.SDCAOptimizer(example_id_column, num_loss_partitions, symmetric_l1_regularization=l1_regularization,
                                            symmetric_l2_regularization=l2_regularization)
        self._feature_columns = feature_columns
        self._weight_column = weight_column_name
        self._feature_engineering_fn = feature_engineering_fn
        self.last_result: sdca.SDCAResult | None = None

    # ---- the array interface ----------------------------------------------------------------------
    def fit(self, x, y, epochs: int = 1000, tolerance: float | None = 1e-6) -> SVM:
        """SDCA on the whole of ``x`` until the relative duality gap is at most ``tolerance`` (or
        ``epochs``); ``self.last_result`` holds the primal and dual objectives reached. Returns self."""
        x, y = self._engineered(x, y)
        features = self._inputs(x)
        labels = binary_labels(y, features.shape[0])
        result = self.optimizer.minimize(with_ones(features), labels, "hinge_loss", epochs, tolerance, self._example_weights(x, len(labels)))
        self.last_result = result
        ids = self._keys(x, len(labels)) if isinstance(x, dict) and self.optimizer.example_id_column in x else np.arange(len(labels))
        order = np.argsort(ids, kind="stable")
        self._set_state(self._state_from(result, ids[order], result.duals[order]))
        return self

    def decision_function(self, x) -> np.ndarray:
        """x·w + b per example, [n] float64."""
        return np.asarray(scores(*self._scored(self._get_state(), self._engineered(x, None)[0])))

    def predict(self, input_fn=None, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Classes 0/1 ([n] int64) for an array or dict of features; for an input_fn, the estimator
        interface's generator of {"classes", "logits"}."""
        if callable(input_fn):
            return super().predict(input_fn, predict_keys, hooks, checkpoint_path, yield_single_examples)
        return (self.decision_function(input_fn) > 0).astype(np.int64)

    @property
    def weights(self) -> np.ndarray:
        """The [d] feature weights."""
        return self._get_state()["weights"].copy()

    @property
    def bias(self) -> float:
        return float(self._get_state()["bias"][0])

    # ---- the estimator interface's steps ----------------------------------------------------------
    def _initial_state(self, features, labels) -> dict:
        features, labels = self._engineered(features, labels)
        d = self._inputs(features).shape[1]
        return {"weights": np.zeros(d), "bias": np.zeros(1), "unshrunk": np.zeros(d + 1), "example_ids": np.zeros(0, np.int64),
                "duals": np.zeros(0)}

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        """One SDCA epoch over the batch; the loss is the batch's regularized objective after it."""
        features, labels = self._engineered(features, labels)
        if self.optimizer.example_id_column is None:
            raise ValueError("SVM.train: example_id_column is needed to train on batches (SDCA keeps each example's dual under its id)")
        x = self._inputs(features)
        y = binary_labels(labels, x.shape[0])
        keys = self._keys(features, x.shape[0])
        duals = lookup_duals(state["example_ids"], state["duals"], keys)
        result = self.optimizer.minimize(with_ones(x), y, "hinge_loss", 1, None, self._example_weights(features, len(y)),
                                         duals, state["unshrunk"], seed=int(len(state["example_ids"])))
        ids, all_duals = merge_duals(state["example_ids"], state["duals"], keys, result.duals)
        return self._state_from(result, ids, all_duals), result.primal

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        features, labels = self._engineered(features, labels)
        x, weights, bias = self._scored(state, features)
        y = binary_labels(labels, x.shape[0])
        loss, correct, total = (float(v) for v in hinge_metrics(x, y, self._omega(features, len(y)), weights, bias))
        return {"loss": (loss, total), "accuracy": (correct, total)}

    def _predict_batch(self, state: dict, features) -> dict:
        features, _ = self._engineered(features, None)
        logits = np.asarray(scores(*self._scored(state, features)))
        return {"classes": (logits > 0).astype(np.int64), "logits": logits}

    # ---- helpers ----------------------------------------------------------------------------------
    def _engineered(self, features, labels):
        return (features, labels) if self._feature_engineering_fn is None else self._feature_engineering_fn(features, labels)

    def _inputs(self, features) -> np.ndarray:
        exclude = {self.optimizer.example_id_column, self._weight_column} - {None}
        return dense_inputs(features, self._feature_columns if isinstance(features, dict) else None, exclude)

    def _keys(self, features, count: int) -> np.ndarray:
        column = self.optimizer.example_id_column
        if not isinstance(features, dict) or column not in features:
            raise ValueError(f"the features must be a dict holding the example id column '{column}'")
        return example_keys(features[column], count)

    def _example_weights(self, features, count: int):
        if self._weight_column is None:
            return None
        if not isinstance(features, dict):  # an array holds no weight column: every example weighs 1
            return None
        if self._weight_column not in features:
            raise ValueError(f"weight_column_name '{self._weight_column}' is not among the features")
        weights = sdca.finite_array(np.asarray(features[self._weight_column]).reshape(-1), self._weight_column, 1)
        if weights.shape[0] != count:
            raise ValueError(f"weight column '{self._weight_column}' has {weights.shape[0]} values for {count} examples")
        return weights

    def _omega(self, features, count: int) -> np.ndarray:
        weights = self._example_weights(features, count)
        return np.ones(count) if weights is None else weights

    def _scored(self, state: dict, features) -> tuple:
        x = self._inputs(features)
        if x.shape[1] != state["weights"].shape[0]:
            raise ValueError(f"the features have {x.shape[1]} columns, but the model was fitted on {state['weights'].shape[0]}")
        return x, state["weights"], state["bias"][0]

    @staticmethod
    def _state_from(result: sdca.SDCAResult, ids: np.ndarray, duals: np.ndarray) -> dict:
        return {"weights": result.weights[:-1], "bias": result.weights[-1:], "unshrunk": result.unshrunk,
                "example_ids": ids.astype(np.int64), "duals": duals}


__all__ = ["SVM", "dense_inputs"]
