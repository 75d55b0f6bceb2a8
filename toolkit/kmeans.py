"""``tfc.toolkit.KMeansClustering``: TensorFlow contrib's k-means estimator, with its constructor
arguments, fitted on arrays: seeding and training each run as one compiled program
(:mod:`.kmeans_init`, :mod:`.kmeans_training`)."""

from __future__ import annotations

import numpy as np

from . import distances, kmeans_init, kmeans_training
from .estimator_interface import ToolkitEstimator
from .points import as_points, check_dimension, check_enough, check_num_clusters, check_unsupported, features_points


class KMeansClustering(ToolkitEstimator):
    """k-means clustering (``tf.contrib.factorization.KMeansClustering``).

    Example::

        model = tfc.toolkit.KMeansClustering(3, use_mini_batch=False).fit(points, max_iterations=20)
        model.cluster_centers()              # [3, d]
        model.predict_cluster_index(points)  # [n] int32
        model.score(points)                  # sum of distances to the nearest centers

    ``initial_clusters`` is "kmeans_plus_plus", "random" or a [num_clusters, d] array. With
    ``use_mini_batch`` each step updates the centers from one batch (``fit``'s ``batch_size``, all
    points by default) with per-cluster learning rates 1/count; without it, full-batch Lloyd
    iterations.

    The estimator interface trains on an input_fn's batches of points (an array, or a dict of
    arrays concatenated in key order), one step per batch: a Lloyd iteration on the batch, or a
    mini-batch update whose per-cluster counts persist across steps; it seeds from the first batch.
    ``evaluate`` gives ``score`` and ``loss`` (the sum of distances over the input); ``predict``
    gives ``cluster_index`` and ``all_distances``. ``feature_columns`` must be None.
    """

    RANDOM_INIT = "random"
    KMEANS_PLUS_PLUS_INIT = "kmeans_plus_plus"
    SQUARED_EUCLIDEAN_DISTANCE = distances.SQUARED_EUCLIDEAN
    COSINE_DISTANCE = distances.COSINE
    CLUSTER_INDEX, ALL_DISTANCES, SCORE = "cluster_index", "all_distances", "score"

    def __init__(self, num_clusters, model_dir=None, initial_clusters=KMEANS_PLUS_PLUS_INIT,
                 distance_metric=SQUARED_EUCLIDEAN_DISTANCE, random_seed=0, use_mini_batch=True,
                 mini_batch_steps_per_iteration=1, kmeans_plus_plus_num_retries=2, relative_tolerance=None,
                 config=None, feature_columns=None):
        check_unsupported(feature_columns=feature_columns)
        super().__init__(model_dir, config)
        self._num_clusters = check_num_clusters(num_clusters)
        self._initial_clusters = _check_initial_clusters(initial_clusters, self._num_clusters)
        if distance_metric not in distances.METRICS:
            raise ValueError(f"distance_metric must be one of {', '.join(distances.METRICS)}, got {distance_metric!r}")
        if not isinstance(mini_batch_steps_per_iteration, int) or mini_batch_steps_per_iteration < 1:
            raise ValueError(f"mini_batch_steps_per_iteration must be a positive integer, got {mini_batch_steps_per_iteration!r}")
        if relative_tolerance is not None and not relative_tolerance >= 0:
            raise ValueError(f"relative_tolerance must be None or >= 0, got {relative_tolerance!r}")
        self._metric = distance_metric
        self._seed = int(random_seed)
        self._use_mini_batch = bool(use_mini_batch)
        self._steps_per_iteration = mini_batch_steps_per_iteration
        self._num_retries = int(kmeans_plus_plus_num_retries)
        self._tolerance = -1.0 if relative_tolerance is None else float(relative_tolerance)
        self.iterations_run = 0

    def fit(self, points, max_iterations: int = 20, batch_size: int | None = None) -> KMeansClustering:
        """Seed the centers, then run up to ``max_iterations`` Lloyd iterations (or mini-batch steps, each
        on the next ``batch_size`` points in the order given, wrapping around: shuffle sorted points
        first); returns self. ``iterations_run`` says how many ran (fewer when ``relative_tolerance``
        stopped it)."""
        x = as_points(points)
        check_enough(x, self._num_clusters)
        if not isinstance(max_iterations, int) or max_iterations < 0:
            raise ValueError(f"max_iterations must be a non-negative integer, got {max_iterations!r}")
        centers = self._initial_centers(x)
        tolerance = np.float32(self._tolerance)
        if self._use_mini_batch:
            offsets = np.arange(_batch_size(batch_size, x.shape[0]), dtype=np.int32)
            centers, steps = kmeans_training.mini_batch(x, centers, offsets, np.int32(max_iterations), tolerance,
                                                        self._metric, self._steps_per_iteration)
        elif batch_size is not None:
            raise ValueError("batch_size applies to mini-batch training only (use_mini_batch=True)")
        else:
            centers, steps = kmeans_training.lloyd(x, centers, np.int32(max_iterations), tolerance, self._metric)
        self._set_state({"clusters": np.asarray(centers), "cluster_counts": np.ones((self._num_clusters, 1), np.float32)})
        self.iterations_run = int(steps)
        return self

    def cluster_centers(self) -> np.ndarray:
        """The [num_clusters, d] centers (unit length for cosine distance)."""
        return self._fitted().copy()

    def predict_cluster_index(self, points) -> np.ndarray:
        """Each point's nearest center's index, int32 [n]; ``points`` may be an input_fn (contrib's form)."""
        if callable(points):
            return np.array([p[self.CLUSTER_INDEX] for p in self.predict(points)], np.int32)
        return np.asarray(self._assign(points)[0])

    def transform(self, points) -> np.ndarray:
        """[n, num_clusters] distances to every center: Euclidean (not squared) for squared_euclidean,
        as contrib's ``transform``; cosine distances otherwise."""
        d = np.asarray(self._assign(points)[1])
        return np.sqrt(d) if self._metric == distances.SQUARED_EUCLIDEAN else d

    def score(self, points) -> float:
        """The sum of each point's distance to its nearest center (squared for squared_euclidean: the
        inertia); ``points`` may be an input_fn (contrib's form)."""
        if callable(points):
            return float(self.evaluate(points)[self.SCORE])
        return float(np.asarray(self._assign(points)[1]).min(axis=1).sum(dtype=np.float64))

    def _fitted(self) -> np.ndarray:
        return self._get_state()["clusters"]

    # ---- the estimator interface's steps ---------------------------------------------------------
    def _initial_state(self, features, labels) -> dict:
        x = features_points(features)
        check_enough(x, self._num_clusters)
        return {"clusters": self._initial_centers(x), "cluster_counts": np.ones((self._num_clusters, 1), np.float32)}

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        x = features_points(features)
        check_dimension(x, state["clusters"].shape[1])
        if self._use_mini_batch:
            centers, counts, loss = kmeans_training.mini_batch_step(x, state["clusters"], state["cluster_counts"], self._metric)
        else:
            centers, loss = kmeans_training.lloyd_step(x, state["clusters"], self._metric)
            counts = state["cluster_counts"]
        return {"clusters": np.asarray(centers), "cluster_counts": np.asarray(counts)}, float(loss)

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        x = features_points(features)
        check_dimension(x, state["clusters"].shape[1])
        total = float(np.asarray(kmeans_training.assign(x, state["clusters"], self._metric)[1]).min(axis=1).sum(dtype=np.float64))
        return {self.SCORE: total, "loss": total}

    def _predict_batch(self, state: dict, features) -> dict:
        x = features_points(features)
        check_dimension(x, state["clusters"].shape[1])
        index, d = kmeans_training.assign(x, state["clusters"], self._metric)
        return {self.CLUSTER_INDEX: np.asarray(index), self.ALL_DISTANCES: np.asarray(d)}

    def _assign(self, points):
        centers = self._fitted()
        x = as_points(points)
        check_dimension(x, centers.shape[1])
        return kmeans_training.assign(x, centers, self._metric)

    def _initial_centers(self, x: np.ndarray) -> np.ndarray:
        if isinstance(self._initial_clusters, np.ndarray):
            check_dimension(self._initial_clusters, x.shape[1], "initial_clusters")
            return self._initial_clusters
        if self._initial_clusters == self.RANDOM_INIT:
            return kmeans_init.random_centers(x, self._num_clusters, self._seed)
        trials = kmeans_init.num_trials(self._num_clusters, self._num_retries)
        first, uniforms = kmeans_init.draws(x.shape[0], self._num_clusters, trials, self._seed)
        return np.asarray(kmeans_init.kmeans_plus_plus(x, first, uniforms, self._metric))


def _check_initial_clusters(initial_clusters, num_clusters: int):
    if isinstance(initial_clusters, str):
        if initial_clusters not in (KMeansClustering.RANDOM_INIT, KMeansClustering.KMEANS_PLUS_PLUS_INIT):
            raise ValueError(f"initial_clusters must be 'random', 'kmeans_plus_plus' or an array, got {initial_clusters!r}")
        return initial_clusters
    centers = as_points(initial_clusters, "initial_clusters")
    if centers.shape[0] != num_clusters:
        raise ValueError(f"initial_clusters has {centers.shape[0]} rows, but num_clusters is {num_clusters}")
    return centers


def _batch_size(batch_size, num_points: int) -> int:
    if batch_size is None:
        return num_points
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return min(batch_size, num_points)
