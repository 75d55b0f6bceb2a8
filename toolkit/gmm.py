"""``tfc.toolkit.GMM``: TensorFlow contrib's Gaussian mixture estimator, with its constructor
arguments, fitted on arrays by EM compiled as one program (:mod:`.gmm_em`)."""

from __future__ import annotations

import numpy as np

from . import gmm_em, kmeans_init
from .estimator_interface import ToolkitEstimator
from .points import as_points, check_dimension, check_enough, check_num_clusters, features_points

STATE_NAMES = ("clusters", "covariances", "weights")


class GMM(ToolkitEstimator):
    """A Gaussian mixture model (``tf.contrib.factorization.GMM``).

    Example::

        model = tfc.toolkit.GMM(3, covariance_type="diag").fit(points, steps=50)
        model.clusters(), model.covariances(), model.weights()
        model.predict_assignments(points)  # [n] int32: each point's most likely cluster
        model.score(points)                # total log-likelihood

    Training starts from means chosen by ``initial_clusters`` ("random": distinct points drawn with
    ``random_seed``; or a [num_clusters, d] array), every covariance the points' covariance, and
    equal weights; ``params`` names what EM updates: w(eights), m(eans), c(ovariances).
    ``covariances()`` is [k, d, d] for "full" and [k, d] (the variances) for "diag".

    The estimator interface trains on an input_fn's batches of points (an array, or a dict of
    arrays side by side in key order), one EM iteration per batch, starting from the first batch;
    ``evaluate`` gives ``loss`` (the mean negative log-likelihood per point) and ``log_likelihood``
    (the sum over the input); ``predict`` gives ``assignments``.
    """

    ASSIGNMENTS = "assignments"

    def __init__(self, num_clusters, model_dir=None, random_seed=0, params="wmc", initial_clusters="random",
                 covariance_type="full", config=None):
        super().__init__(model_dir, config)
        self._num_clusters = check_num_clusters(num_clusters)
        if not isinstance(params, str) or not set(params) <= set("wmc"):
            raise ValueError(f"params must be a string of the letters w, m and c, got {params!r}")
        if covariance_type not in gmm_em.COVARIANCE_TYPES:
            raise ValueError(f"covariance_type must be one of {', '.join(gmm_em.COVARIANCE_TYPES)}, got {covariance_type!r}")
        if isinstance(initial_clusters, str) and initial_clusters != "random":
            raise ValueError(f"initial_clusters must be 'random' or a [num_clusters, d] array, got {initial_clusters!r}")
        if not isinstance(initial_clusters, str):
            initial_clusters = as_points(initial_clusters, "initial_clusters")
            if initial_clusters.shape[0] != self._num_clusters:
                raise ValueError(f"initial_clusters has {initial_clusters.shape[0]} rows, but num_clusters is {self._num_clusters}")
        self._initial_clusters = initial_clusters
        self._seed = int(random_seed)
        self._params = params
        self._covariance_type = covariance_type

    def fit(self, points, steps: int = 10) -> GMM:
        """Initialize, then run ``steps`` EM iterations on ``points``; returns self."""
        x = as_points(points)
        check_enough(x, self._num_clusters)
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
        state = gmm_em.expectation_maximization(x, *self._start(x), np.int32(steps), self._params, self._covariance_type)
        self._set_state(dict(zip(STATE_NAMES, state)))
        return self

    def clusters(self) -> np.ndarray:
        """The [num_clusters, d] means."""
        return self._fitted()[0].copy()

    def covariances(self) -> np.ndarray:
        """[num_clusters, d, d] covariances ("full") or [num_clusters, d] variances ("diag")."""
        return self._fitted()[1].copy()

    def weights(self) -> np.ndarray:
        """The [num_clusters] mixture weights (they sum to one)."""
        return self._fitted()[2].copy()

    def predict_assignments(self, points) -> np.ndarray:
        """Each point's most likely cluster, int32 [n]."""
        return np.asarray(self._evaluate(points)[1])

    def score(self, points) -> float:
        """The total log-likelihood of ``points`` under the mixture."""
        return float(np.asarray(self._evaluate(points)[0]).sum(dtype=np.float64))

    def _fitted(self) -> tuple:
        state = self._get_state()
        return tuple(state[name] for name in STATE_NAMES)

    def _evaluate(self, points, state=None):
        means, covariances, weights = self._fitted() if state is None else (state[name] for name in STATE_NAMES)
        x = as_points(points)
        check_dimension(x, means.shape[1])
        return gmm_em.log_likelihoods(x, means, covariances, weights, self._covariance_type)

    # ---- the estimator interface's steps ---------------------------------------------------------
    def _initial_state(self, features, labels) -> dict:
        x = features_points(features)
        check_enough(x, self._num_clusters)
        return dict(zip(STATE_NAMES, self._start(x)))

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        x = features_points(features)
        loss = -float(np.asarray(self._evaluate(x, state)[0]).mean(dtype=np.float64))
        new = gmm_em.expectation_maximization(x, *(state[name] for name in STATE_NAMES), np.int32(1), self._params,
                                              self._covariance_type)
        return {name: np.asarray(value) for name, value in zip(STATE_NAMES, new)}, loss

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        x = features_points(features)
        total = float(np.asarray(self._evaluate(x, state)[0]).sum(dtype=np.float64))
        return {"loss": (-total, len(x)), "log_likelihood": total}

    def _predict_batch(self, state: dict, features) -> dict:
        return {self.ASSIGNMENTS: np.asarray(self._evaluate(features_points(features), state)[1])}

    def _start(self, x: np.ndarray) -> tuple:
        if isinstance(self._initial_clusters, np.ndarray):
            check_dimension(self._initial_clusters, x.shape[1], "initial_clusters")
            means = self._initial_clusters
        else:
            means = kmeans_init.random_centers(x, self._num_clusters, self._seed)
        covariance = np.asarray(gmm_em.data_covariance(x, self._covariance_type))
        covariances = np.broadcast_to(covariance, (self._num_clusters, *covariance.shape)).copy()
        weights = np.full(self._num_clusters, 1.0 / self._num_clusters, np.float32)
        return means, covariances, weights
