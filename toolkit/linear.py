"""``tfc.toolkit.LinearRegressor`` and ``tfc.toolkit.LogisticRegressor``: small linear models fitted
on arrays by compiled programs, a convenience beside the canned ``tfc.estimator`` linear estimators
(which build TensorFlow 1 graphs). Solvers:

- "exact" (regression only): the normal equations (XᵀX/n + l2 I) w = Xᵀy/n, solved by a Cholesky
  factorization written as ``tfc.fori_loop``s;
- "sdca": :mod:`.sdca` on the squared or logistic loss (needs l2_regularization > 0);
- "sgd": mini-batch gradient descent (``batch_size=None``: the whole batch) in a ``tfc.while_loop``.

The objectives: LinearRegressor (1/2n) Σ (y - x·w - b)² + l2/2 ||w||² (the intercept is not
regularized: the data are centered); LogisticRegressor (1/n) Σ log(1 + exp(-s (x·w + b))) +
l2/2 (||w||² + b²), s = ±1 (the intercept is a weight on a constant feature, regularized like
the others, as contrib's SDCA does — so both solvers reach the same optimum).
"""

from __future__ import annotations

import hashlib

import numpy as np

import tfc

from . import sdca
from .estimator_interface import ToolkitEstimator
from .svm import binary_labels, dense_inputs, scores, with_ones

SOLVERS = ("exact", "sdca", "sgd")


# ---- compiled programs ----------------------------------------------------------------------------
def _cholesky(a):
    """The lower factor L of a = L Lᵀ, column by column (column j: a[:, j] - L L[j]ᵀ, scaled)."""
    d = a.shape[0]

    def column(j, lower):
        residual = tfc.take(a, j, axis=1) - tfc.matmul(lower, tfc.take(lower, j, axis=0))
        below = tfc.cumsum(tfc.one_hot(j, d, a.dtype))  # rows i >= j
        scaled = below * residual / tfc.sqrt(tfc.take(residual, j))
        return lower + tfc.expand_dims(scaled, 1) * tfc.expand_dims(tfc.one_hot(j, d, a.dtype), 0)

    return tfc.fori_loop(0, d, column, tfc.zeros_like(a))


def _solve_lower(lower, b, transposed: bool):
    """L z = b by forward substitution, or Lᵀ z = b by back substitution."""
    d = b.shape[0]
    matrix = tfc.transpose(lower) if transposed else lower

    def row(k, z):
        i = d - 1 - k if transposed else k
        r = tfc.take(matrix, i, axis=0)
        value = (tfc.take(b, i) - tfc.sum(r * z)) / tfc.take(r, i)
        return z + value * tfc.one_hot(i, d, b.dtype)

    return tfc.fori_loop(0, d, row, tfc.zeros_like(b))


@tfc.compile
def normal_equations(x, y, l2, fit_intercept: bool):
    """(w, b) minimizing (1/2n)||y - Xw - b||² + l2/2 ||w||² (b = 0 without an intercept)."""
    n = x.shape[0]
    x_mean = tfc.mean(x, 0) if fit_intercept else tfc.zeros_like(x[0])
    y_mean = tfc.mean(y) if fit_intercept else tfc.sum(y) * 0.0
    xc, yc = x - x_mean, y - y_mean
    diagonal = tfc.astype(tfc.cumsum(tfc.ones_like(x_mean), 0) - 1.0, tfc.int32)  # 0..d-1
    gram = tfc.matmul(tfc.transpose(xc), xc) / n + l2 * tfc.one_hot(diagonal, x.shape[1], x.dtype)
    lower = _cholesky(gram)
    w = _solve_lower(lower, _solve_lower(lower, tfc.matmul(yc, xc) / n, False), True)
    return w, y_mean - tfc.sum(x_mean * w)


def _gradient(loss: str, x, y, w):
    """The mean loss's gradient on a batch (y 0/1 for the logistic loss)."""
    z = tfc.matmul(x, w)
    residual = tfc.sigmoid(z) - y if loss == "logistic_loss" else z - y
    return tfc.matmul(residual, x) / x.shape[0]


@tfc.compile
def sgd(x, y, w, orders, offsets, learning_rate, penalty, steps, loss: str):
    """``steps`` gradient steps on consecutive batches (``offsets`` 0..batch-1) of each seeded order;
    ``penalty`` is l2 per weight (0 for an unregularized intercept). Returns w."""
    n = x.shape[0]
    per_epoch = (n + offsets.shape[0] - 1) // offsets.shape[0]

    def step(state):
        t, w = state
        order = orders[tfc.remainder(t // per_epoch, orders.shape[0])]
        rows = tfc.take(order, tfc.remainder(tfc.remainder(t, per_epoch) * offsets.shape[0] + offsets, n))
        gradient = _gradient(loss, tfc.take(x, rows), tfc.take(y, rows), w) + penalty * w
        return t + 1, w - learning_rate * gradient

    start = tfc.astype(np.int32(0), tfc.int32)
    return tfc.while_loop(lambda s: s[0] < steps, step, (start, w))[1]


@tfc.compile
def squared_error(x, y, w, b):
    """Σ (x·w + b - y)²."""
    return tfc.sum(tfc.square(tfc.matmul(x, w) + b - y))


@tfc.compile
def logistic_metrics(x, y, w, b):
    """(Σ log loss, Σ [correct]) for 0/1 labels."""
    z = tfc.matmul(x, w) + b
    margin = (2.0 * y - 1.0) * z
    losses = tfc.maximum(-margin, 0.0) + tfc.log1p(tfc.exp(-tfc.abs(margin)))
    return tfc.sum(losses), tfc.sum(tfc.astype(margin > 0.0, tfc.float64))


# ---- the models -----------------------------------------------------------------------------------
class _LinearModel(ToolkitEstimator):
    """What both models share: the solvers, the state ({"weights", "bias"}, with SDCA's "duals",
    "unshrunk" and the "fingerprint" of the batch they belong to), the array and estimator
    interfaces. A train step is one exact solve, one SDCA epoch or one gradient step on the batch."""

    LOSS = "squared_loss"

    def __init__(self, l2_regularization, fit_intercept, solver, epochs, tolerance, learning_rate, batch_size, seed, model_dir, config):
        super().__init__(model_dir, config)
        name = type(self).__name__
        allowed = SOLVERS if self.LOSS == "squared_loss" else SOLVERS[1:]
        if solver not in allowed:
            raise ValueError(f"{name}: solver must be one of {', '.join(allowed)}, got {solver!r}")
        l2 = l2_regularization
        if isinstance(l2, bool) or not isinstance(l2, int | float | np.number) or not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"{name}: l2_regularization must be a non-negative finite number, got {l2!r}")
        if solver == "sdca" and l2 <= 0:
            raise ValueError(f"{name}: solver='sdca' needs l2_regularization > 0 (its dual needs a strongly convex regularizer)")
        if not isinstance(learning_rate, int | float) or not learning_rate > 0:
            raise ValueError(f"{name}: learning_rate must be a positive number, got {learning_rate!r}")
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"{name}: batch_size must be a positive integer or None (the whole input), got {batch_size!r}")
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"{name}: epochs must be a positive integer, got {epochs!r}")
        self.l2_regularization, self.fit_intercept, self.solver = float(l2), bool(fit_intercept), solver
        self.epochs, self.tolerance, self.learning_rate, self.batch_size, self.seed = epochs, tolerance, float(learning_rate), batch_size, int(seed)

    # ---- the array interface ----------------------------------------------------------------------
    def fit(self, x, y):
        """Fit on the whole of ``x`` [n, d] (or a dict of features, in key order) and ``y`` [n]; returns self."""
        features = dense_inputs(x)
        labels = self._labels(y, features.shape[0])
        self._set_state(self._solve(features, labels, self._empty_state(features.shape[1]), self.epochs, self.tolerance, True))
        return self

    def decision_function(self, x) -> np.ndarray:
        """x·w + b per example."""
        return self._scores(self._get_state(), x)

    @property
    def weights(self) -> np.ndarray:
        """The [d] weights (scikit-learn's ``coef_``)."""
        return self._get_state()["weights"].copy()

    @property
    def bias(self) -> float:
        """The intercept (0 without ``fit_intercept``)."""
        return float(self._get_state()["bias"][0])

    # ---- solvers ----------------------------------------------------------------------------------
    def _solve(self, x, y, state: dict, epochs: int, tolerance, whole: bool) -> dict:
        if self.solver == "exact":
            w, b = normal_equations(x, y, np.float64(self.l2_regularization), self.fit_intercept)
            w, b = np.asarray(w), float(b)
            if not np.isfinite(w).all():
                raise ValueError(f"{type(self).__name__}: XᵀX is singular (collinear or too few examples): give l2_regularization > 0")
            return {"weights": w, "bias": np.array([b])}
        if self.solver == "sdca":
            return self._sdca(x, y, state, epochs, tolerance, whole)
        return self._sgd(x, y, state, epochs if whole else 1, whole)

    def _design(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """(inputs, labels SDCA/SGD see, x's mean taken out, y's mean taken out): regression centers
        the data for its unregularized intercept; logistic regression adds the constant feature."""
        if not self.fit_intercept:
            return x, y, np.zeros(x.shape[1]), 0.0
        if self.LOSS == "squared_loss":
            return x - x.mean(0), y - y.mean(), x.mean(0), float(y.mean())
        return with_ones(x), y, np.zeros(x.shape[1]), 0.0

    def _sdca(self, x, y, state: dict, epochs: int, tolerance, whole: bool) -> dict:
        inputs, labels, x_mean, y_mean = self._design(x, y)
        fingerprint = np.array([_fingerprint(x, y)])
        duals = unshrunk = None
        if not whole and len(state["duals"]):
            if state["fingerprint"][0] != fingerprint[0]:
                raise ValueError(f"{type(self).__name__}(solver='sdca').train keeps each example's dual by its row, so every step must see the "
                                 "same batch (an input_fn returning arrays); use solver='sgd' for a stream of batches, or tfc.toolkit.SVM's ids")
            duals, unshrunk = state["duals"], state["unshrunk"]
        result = sdca.minimize(inputs, labels, self.LOSS, 0.0, self.l2_regularization * len(y), epochs, tolerance, None, duals, unshrunk,
                               seed=self.seed)
        w, b = self._split(result.weights, x_mean, y_mean)
        return {"weights": w, "bias": np.array([b]), "duals": result.duals, "unshrunk": result.unshrunk, "fingerprint": fingerprint}

    def _sgd(self, x, y, state: dict, epochs: int, whole: bool) -> dict:
        intercept = self.fit_intercept
        inputs = with_ones(x) if intercept else x
        w = np.append(state["weights"], state["bias"]) if intercept else state["weights"]
        penalty = np.full(inputs.shape[1], self.l2_regularization)
        if intercept and self.LOSS == "squared_loss":
            penalty[-1] = 0.0
        batch = min(self.batch_size or len(y), len(y)) if whole else len(y)
        steps = epochs * -(-len(y) // batch)
        w = np.asarray(sgd(inputs, y, w, sdca.example_orders(len(y), self.seed), np.arange(batch, dtype=np.int32),
                           np.float64(self.learning_rate), penalty, np.int32(steps), self.LOSS))
        if not np.isfinite(w).all():
            raise ValueError(f"{type(self).__name__}: SGD diverged (non-finite weights): lower learning_rate (it is {self.learning_rate})")
        return {"weights": w[:-1] if intercept else w, "bias": np.array([w[-1] if intercept else 0.0])}

    def _split(self, weights: np.ndarray, x_mean: np.ndarray, y_mean: float) -> tuple[np.ndarray, float]:
        if self.fit_intercept and self.LOSS != "squared_loss":
            return weights[:-1], float(weights[-1])
        return weights, y_mean - float(x_mean @ weights)

    # ---- the estimator interface's steps ----------------------------------------------------------
    def _empty_state(self, d: int) -> dict:
        state = {"weights": np.zeros(d), "bias": np.zeros(1)}
        if self.solver == "sdca":
            state.update(duals=np.zeros(0), unshrunk=np.zeros(0), fingerprint=np.zeros(1, np.int64))
        return state

    def _initial_state(self, features, labels) -> dict:
        return self._empty_state(dense_inputs(features).shape[1])

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        x = dense_inputs(features)
        y = self._labels(labels, x.shape[0])
        new = self._solve(x, y, state, 1, None, False)
        return new, self._mean_loss(new, x, y)

    def _scores(self, state: dict, features) -> np.ndarray:
        x = dense_inputs(features)
        if x.shape[1] != state["weights"].shape[0]:
            raise ValueError(f"the features have {x.shape[1]} columns, but the model was fitted on {state['weights'].shape[0]}")
        return np.asarray(scores(x, state["weights"], state["bias"][0]))


def _fingerprint(x: np.ndarray, y: np.ndarray) -> int:
    """A 64-bit hash of a batch: SDCA's per-row duals belong to one batch of examples."""
    digest = hashlib.blake2b(x.tobytes() + y.tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _regression_labels(y, count: int) -> np.ndarray:
    labels = sdca.finite_array(np.asarray(y).reshape(-1) if np.ndim(y) == 2 else y, "y", 1)
    if labels.shape[0] != count:
        raise ValueError(f"y has {labels.shape[0]} values, but x has {count} rows")
    return labels


class LinearRegressor(_LinearModel):
    """Least squares with optional ridge: minimizes (1/2n) Σ (y - x·w - b)² + l2/2 ||w||².

    Example::

        model = tfc.toolkit.LinearRegressor(l2_regularization=0.1).fit(x, y)   # solver="exact"
        model.predict(x), model.weights, model.bias

    ``solver`` "exact" (Cholesky on the normal equations), "sdca" (squared loss; l2 > 0) or "sgd"
    (``learning_rate``, ``batch_size``); ``epochs``/``tolerance`` bound SDCA and SGD. The estimator
    interface's train step is one solve, SDCA epoch or gradient step on the batch ("sdca" needs the
    same batch at every step); ``evaluate`` gives ``loss`` (the mean squared error); ``predict`` with
    an input_fn gives ``predictions``.
    """

    LOSS = "squared_loss"

    def __init__(self, l2_regularization=0.0, fit_intercept=True, solver="exact", epochs=1000, tolerance=1e-8, learning_rate=0.1,
                 batch_size=None, seed=0, model_dir=None, config=None):
        super().__init__(l2_regularization, fit_intercept, solver, epochs, tolerance, learning_rate, batch_size, seed, model_dir, config)

    def predict(self, input_fn=None, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """x·w + b for an array or dict of features; for an input_fn, the estimator's generator of {"predictions"}."""
        if callable(input_fn):
            return super().predict(input_fn, predict_keys, hooks, checkpoint_path, yield_single_examples)
        return self.decision_function(input_fn)

    def _labels(self, y, count: int) -> np.ndarray:
        return _regression_labels(y, count)

    def _mean_loss(self, state: dict, x, y) -> float:
        return float(squared_error(x, y, state["weights"], state["bias"][0])) / len(y)

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        x = dense_inputs(features)
        y = self._labels(labels, x.shape[0])
        self._scores(state, x)  # the dimension check
        return {"loss": (float(squared_error(x, y, state["weights"], state["bias"][0])), len(y))}

    def _predict_batch(self, state: dict, features) -> dict:
        return {"predictions": self._scores(state, features)}


class LogisticRegressor(_LinearModel):
    """Binary logistic regression, labels 0/1: minimizes (1/n) Σ log(1 + exp(-s (x·w + b))) +
    l2/2 (||w||² + b²) (the intercept regularized, as contrib's SDCA has it).

    Example::

        model = tfc.toolkit.LogisticRegressor(l2_regularization=0.01).fit(x, labels)   # solver="sdca"
        model.predict(x), model.predict_proba(x)[:, 1], model.weights, model.bias

    The estimator interface's train step is one SDCA epoch (the same batch at every step) or one
    gradient step on the batch; ``evaluate`` gives ``loss`` (the mean log loss) and ``accuracy``;
    ``predict`` with an input_fn gives ``classes``, ``logits`` and ``probabilities`` ([2] each).
    """

    LOSS = "logistic_loss"

    def __init__(self, l2_regularization=0.01, fit_intercept=True, solver="sdca", epochs=1000, tolerance=1e-8, learning_rate=0.1,
                 batch_size=None, seed=0, model_dir=None, config=None):
        super().__init__(l2_regularization, fit_intercept, solver, epochs, tolerance, learning_rate, batch_size, seed, model_dir, config)

    def predict(self, input_fn=None, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Classes 0/1 ([n] int64) for an array or dict of features; for an input_fn, the estimator's generator."""
        if callable(input_fn):
            return super().predict(input_fn, predict_keys, hooks, checkpoint_path, yield_single_examples)
        return (self.decision_function(input_fn) > 0).astype(np.int64)

    def predict_proba(self, x) -> np.ndarray:
        """[n, 2]: the probabilities of class 0 and class 1."""
        return _probabilities(self.decision_function(x))

    def _labels(self, y, count: int) -> np.ndarray:
        return binary_labels(y, count)

    def _mean_loss(self, state: dict, x, y) -> float:
        return float(logistic_metrics(x, y, state["weights"], state["bias"][0])[0]) / len(y)

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        x = dense_inputs(features)
        y = self._labels(labels, x.shape[0])
        self._scores(state, x)  # the dimension check
        loss, correct = (float(v) for v in logistic_metrics(x, y, state["weights"], state["bias"][0]))
        return {"loss": (loss, len(y)), "accuracy": (correct, len(y))}

    def _predict_batch(self, state: dict, features) -> dict:
        logits = self._scores(state, features)
        return {"classes": (logits > 0).astype(np.int64), "logits": logits, "probabilities": _probabilities(logits)}


def _probabilities(logits: np.ndarray) -> np.ndarray:
    one = 0.5 * (1.0 + np.tanh(0.5 * logits))  # the sigmoid, without overflow
    return np.stack([1.0 - one, one], axis=1)


__all__ = ["LinearRegressor", "LogisticRegressor"]
