"""``tfc.toolkit.WALSMatrixFactorization``: TensorFlow contrib's weighted alternating least squares
matrix factorization, with its constructor arguments, fitted on (row, col, value) triples: a whole
training run is one compiled program (:mod:`.wals_solve`)."""

from __future__ import annotations

import numbers

import numpy as np

from . import wals_solve
from .estimator_interface import ToolkitEstimator

STATE_NAMES = ("row_factors", "col_factors")
SWEEPS = "completed_sweeps"


class WALSMatrixFactorization(ToolkitEstimator):
    """A [num_rows, num_cols] matrix A, observed at some entries, factored as U V^T with U
    [num_rows, k] and V [num_cols, k] (``tf.contrib.factorization.WALSMatrixFactorization``).

    Example::

        model = tfc.toolkit.WALSMatrixFactorization(100, 50, 8, regularization_coeff=0.1)
        model.fit(rows, cols, ratings, iterations=10)
        model.get_row_factors(), model.get_col_factors()  # [100, 8], [50, 8]
        model.predict(rows, cols)                         # u_row . v_col for each pair
        model.loss(rows, cols, ratings)                   # the objective below

    The objective is contrib's: sum over observed (i, j) of (w0 + R_i C_j)(A_ij - u_i.v_j)^2, plus
    w0 (u_i.v_j)^2 over the unobserved entries, plus lam (|U|^2 + |V|^2), with w0 the
    ``unobserved_weight``, R and C the ``row_weights`` and ``col_weights`` (a number, or one per
    row/column; None is 0) and lam the ``regularization_coeff`` (None is 0). A sweep solves every
    observed row exactly given V, then every observed column given U; rows and columns without an
    observation keep their factors. ``row_init``/``col_init`` are "random" (normal / sqrt(k), seeded
    by the config's ``tf_random_seed``, else 0) or arrays. The shard counts and cache switches are
    contrib's knobs for distributed training: accepted and checked, they do not change the result
    (weights and initial factors may come as contrib's one-array-per-shard lists).

    The estimator interface reads features {ROW: row ids, COL: col ids} and labels the ratings; a
    train step is one sweep over the batch's ratings, from factors initialized at the first step
    (after ``max_sweeps`` steps the factors stay). ``evaluate`` gives ``loss`` (the objective with
    the input's ratings as the observed entries, divided by their number), ``mse`` and ``rmse`` of
    the predicted ratings; ``predict`` gives ``prediction``.
    """

    ROW, COL, PREDICTION = "row", "col", "prediction"

    def __init__(self, num_rows, num_cols, embedding_dimension, unobserved_weight=0.1, regularization_coeff=None,
                 row_init="random", col_init="random", num_row_shards=1, num_col_shards=1, row_weights=1, col_weights=1,
                 use_factors_weights_cache_for_training=True, use_gramian_cache_for_training=True, max_sweeps=None,
                 model_dir=None, config=None):
        super().__init__(model_dir, config)
        self._shape = (_positive_int(num_rows, "num_rows"), _positive_int(num_cols, "num_cols"))
        self._k = _positive_int(embedding_dimension, "embedding_dimension")
        self._w0 = np.float32(_non_negative(unobserved_weight, "unobserved_weight"))
        self._lam = np.float32(0.0 if regularization_coeff is None else _non_negative(regularization_coeff, "regularization_coeff"))
        shards = (_positive_int(num_row_shards, "num_row_shards"), _positive_int(num_col_shards, "num_col_shards"))
        self._inits = (_initial_factors(_joined(row_init, shards[0]), self._shape[0], self._k, "row_init"),
                       _initial_factors(_joined(col_init, shards[1]), self._shape[1], self._k, "col_init"))
        self._weights = (_side_weights(_joined(row_weights, shards[0]), self._shape[0], "row_weights"),
                         _side_weights(_joined(col_weights, shards[1]), self._shape[1], "col_weights"))
        for name, value in (("use_factors_weights_cache_for_training", use_factors_weights_cache_for_training),
                            ("use_gramian_cache_for_training", use_gramian_cache_for_training)):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool, got {value!r}")
        self._max_sweeps = None if max_sweeps is None else _positive_int(max_sweeps, "max_sweeps")
        seed = getattr(config, "tf_random_seed", None)
        self._seed = 0 if seed is None else int(seed)

    # ---- the array interface ----------------------------------------------------------------------
    def fit(self, rows, cols, values, iterations: int = 10) -> WALSMatrixFactorization:
        """Initialize the factors, then run ``iterations`` sweeps over the observed (rows[i], cols[i]) =
        values[i]; returns self."""
        if not isinstance(iterations, numbers.Integral) or isinstance(iterations, bool) or iterations < 0:
            raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
        triples = self._triples(rows, cols, values)
        factors = self._run(triples, self._start(), int(iterations))
        self._set_state({**factors, SWEEPS: np.int64(iterations)})
        return self

    def get_row_factors(self) -> np.ndarray:
        """U, [num_rows, embedding_dimension]."""
        return self._get_state()[STATE_NAMES[0]].copy()

    def get_col_factors(self) -> np.ndarray:
        """V, [num_cols, embedding_dimension]."""
        return self._get_state()[STATE_NAMES[1]].copy()

    def predict(self, rows, cols=None, **kwargs):
        """u_rows[i] . v_cols[i] for each pair, float32 [n]; given an input_fn instead (a callable,
        then the estimator's arguments), the estimator's generator of {"prediction": ...}."""
        if callable(rows):
            return super().predict(rows, cols, **kwargs)
        if cols is None or kwargs:
            raise TypeError("predict takes (rows, cols) id arrays, or an input_fn and the estimator's arguments")
        rows, cols = self._ids(rows, cols)
        return self._predict_ids(self._get_state(), rows, cols)

    def loss(self, rows, cols, values) -> float:
        """The objective (class docstring) with (rows, cols, values) as the observed entries."""
        return self._objective(self._get_state(), self._triples(rows, cols, values))[0]

    # ---- the estimator interface's steps ---------------------------------------------------------
    def _initial_state(self, features, labels) -> dict:
        return {**self._start(), SWEEPS: np.int64(0)}

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        triples = self._batch(features, labels)
        done = int(state[SWEEPS])
        if self._max_sweeps is None or done < self._max_sweeps:
            state = {**self._run(triples, state, 1), SWEEPS: np.int64(done + 1)}
        total, _ = self._objective(state, triples)
        return state, total / len(triples[0])

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        triples = self._batch(features, labels)
        total, squared_error = self._objective(state, triples)
        count = len(triples[0])
        return {"loss": (total, count), "mse": (squared_error, count)}

    def _finished_metrics(self, results: dict) -> dict:
        """``rmse`` is the square root of ``mse`` over the whole input."""
        return {**results, "rmse": np.float32(np.sqrt(results["mse"]))}

    def _predict_batch(self, state: dict, features) -> dict:
        rows, cols = self._ids(*_feature_ids(features, self.ROW, self.COL))
        return {self.PREDICTION: self._predict_ids(state, rows, cols)}

    # ---- helpers ----------------------------------------------------------------------------------
    def _start(self) -> dict:
        """The initial factors: the arrays given, or seeded normals / sqrt(k)."""
        rng = np.random.default_rng(self._seed)
        factors = {}
        for name, init, count in zip(STATE_NAMES, self._inits, self._shape):
            drawn = rng.standard_normal((count, self._k)) / np.sqrt(self._k)
            factors[name] = (drawn if init is None else init).astype(np.float32)
        return factors

    def _run(self, triples, state: dict, iterations: int) -> dict:
        rows, cols, values = triples
        new = wals_solve.sweeps(rows, cols, values, *self._weights, *(state[name] for name in STATE_NAMES),
                                np.int32(iterations), self._w0, self._lam)
        factors = {name: np.asarray(value) for name, value in zip(STATE_NAMES, new)}
        if not all(np.isfinite(value).all() for value in factors.values()):
            raise ValueError("WALS met a singular system (a row or column with fewer observations than embedding_dimension, "
                             "and nothing else to pin it down): give unobserved_weight > 0 or regularization_coeff > 0")
        return factors

    def _objective(self, state: dict, triples) -> tuple[float, float]:
        total, squared_error = wals_solve.objective(*triples, *self._weights, *(state[name] for name in STATE_NAMES),
                                                    self._w0, self._lam)
        return float(total), float(squared_error)

    def _predict_ids(self, state: dict, rows, cols) -> np.ndarray:
        return np.asarray(wals_solve.predict(rows, cols, *(state[name] for name in STATE_NAMES)))

    def _ids(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = _id_array(rows, "rows"), _id_array(cols, "cols")
        if rows.shape != cols.shape:
            raise ValueError(f"rows and cols must have the same length, got {rows.shape[0]} and {cols.shape[0]}")
        for name, ids, count in (("rows", rows, self._shape[0]), ("cols", cols, self._shape[1])):
            outside = ids[(ids < 0) | (ids >= count)]
            if outside.size:
                raise ValueError(f"{name} must be ids in [0, {count}), got {outside[:8].tolist()}")
        return rows.astype(np.int32), cols.astype(np.int32)

    def _triples(self, rows, cols, values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Checked (rows int32, cols int32, values float32), all [n] with n >= 1."""
        rows, cols = self._ids(rows, cols)
        values = np.asarray(values)
        if values.dtype == object or not np.issubdtype(values.dtype, np.number):
            raise TypeError(f"values must be numbers, got dtype {values.dtype}")
        values = values.reshape(-1) if values.ndim == 2 and values.shape[1:] == (1,) else values
        if values.shape != rows.shape:
            raise ValueError(f"values must be [n] like rows and cols ({rows.shape[0]}), got shape {list(values.shape)}")
        if rows.size == 0:
            raise ValueError("rows, cols and values must hold at least one observed entry")
        if not np.isfinite(values).all():
            raise ValueError(f"values must be finite: entry {int(np.argwhere(~np.isfinite(values))[0][0])} is NaN or infinite")
        return rows, cols, values.astype(np.float32)

    def _batch(self, features, labels):
        if labels is None:
            raise ValueError(f"{type(self).__name__} trains and evaluates on labels: the ratings of the (row, col) pairs")
        return self._triples(*_feature_ids(features, self.ROW, self.COL), labels)


def _feature_ids(features, row_key: str, col_key: str):
    if not isinstance(features, dict) or row_key not in features or col_key not in features:
        given = sorted(features) if isinstance(features, dict) else type(features).__name__
        raise ValueError(f"features must be a dict with keys '{row_key}' and '{col_key}' (row and column ids), got {given}")
    return features[row_key], features[col_key]


def _id_array(ids, name: str) -> np.ndarray:
    array = np.asarray(ids)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.reshape(-1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a rank-1 array of ids, got shape {list(array.shape)}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must be integer ids, got dtype {array.dtype}")
    return array.astype(np.int64)


def _positive_int(value, name: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _non_negative(value, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value < np.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _joined(value, shards: int):
    """contrib gives sharded weights and initial factors as a list of one array per shard (contiguous
    rows, in order): they are joined into one."""
    if shards > 1 and isinstance(value, (list, tuple)) and len(value) == shards and all(np.ndim(part) >= 1 for part in value):
        return np.concatenate([np.asarray(part, dtype=np.float64) for part in value])
    return value


def _side_weights(weights, count: int, name: str) -> np.ndarray:
    """R or C as float32 [count]: a number for every row, one per row, or None (0, plain ALS)."""
    array = np.zeros(count) if weights is None else np.asarray(weights, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(count, float(array))
    if array.shape != (count,):
        raise ValueError(f"{name} must be a number or an array of {count} weights, got shape {list(array.shape)}")
    if not (np.isfinite(array) & (array >= 0)).all():
        raise ValueError(f"{name} must be finite and >= 0")
    return array.astype(np.float32)


def _initial_factors(init, count: int, k: int, name: str) -> np.ndarray | None:
    """None for "random", else the checked [count, k] array."""
    if isinstance(init, str):
        if init != "random":
            raise ValueError(f"{name} must be 'random' or a [{count}, {k}] array, got {init!r}")
        return None
    array = np.asarray(init, dtype=np.float64)
    if array.shape != (count, k):
        raise ValueError(f"{name} must be 'random' or a [{count}, {k}] array, got shape {list(array.shape)}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite")
    return array.astype(np.float32)
