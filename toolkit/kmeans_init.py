"""k-means++ seeding (Arthur and Vassilvitskii) as one compiled program.

The randomness is drawn on the host from ``random_seed`` (a first index, then uniforms in (0, 1]);
the sampling itself runs in the program: each new center is a point drawn with probability
proportional to its distance to the nearest chosen center (D^2 for squared_euclidean), by inverse
CDF over a cumulative sum. As in TensorFlow's KmeansPlusPlusInitialization kernel, each step draws
``1 + num_retries`` candidates and keeps the one that leaves the smallest total distance.
"""

from __future__ import annotations

import math

import numpy as np

import tfc

from . import distances


def num_trials(num_clusters: int, num_retries: int) -> int:
    """Candidates per center: 1 + num_retries; a negative num_retries asks for the usual heuristic,
    2 + log(num_clusters) candidates (scikit-learn's n_local_trials)."""
    return 1 + num_retries if num_retries >= 0 else 2 + int(math.log(num_clusters))


def draws(num_points: int, num_clusters: int, trials: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The host-side randomness of one seeding: the first center's index and [k, trials] uniforms in (0, 1]
    (row 0 unused); (0, 1] so a drawn target is positive and never lands on a point of weight zero."""
    rng = np.random.default_rng(seed)
    first = np.int32(rng.integers(num_points))
    uniforms = (1.0 - rng.random((num_clusters, trials))).astype(np.float32)
    return first, uniforms


def _sample(weights, targets):
    """Indices i with cdf[i-1] < target <= cdf[i], cdf the running sum of ``weights``, for each target."""
    cdf = tfc.cumsum(weights)
    below = tfc.less(tfc.expand_dims(cdf, 1), tfc.expand_dims(targets * cdf[-1], 0))
    count = tfc.sum(tfc.astype(below, tfc.int32), 0)
    return tfc.minimum(count, weights.shape[0] - 1)


@tfc.compile
def kmeans_plus_plus(points, first, uniforms, metric: str):
    """[k, d] centers chosen among ``points`` (returned as given, not normalized)."""
    x = distances.prepare(points, metric)
    num_clusters, dimension = uniforms.shape[0], points.shape[1]
    chosen = tfc.take(points, tfc.reshape(first, (1,)))
    centers = tfc.broadcast_to(chosen, (num_clusters, dimension))
    closest = distances.pairwise(x, tfc.take(x, tfc.reshape(first, (1,))), metric)[:, 0]

    def add_center(i, state):
        centers, closest = state
        candidates = _sample(closest, tfc.take(uniforms, i))
        candidate_distances = distances.pairwise(x, tfc.take(x, candidates), metric)
        potentials = tfc.sum(tfc.minimum(tfc.expand_dims(closest, 1), candidate_distances), 0)
        best = tfc.reshape(tfc.argmin(potentials, 0), (1,))
        row = tfc.expand_dims(tfc.one_hot(i, num_clusters), 1) > 0
        centers = tfc.where(row, tfc.take(points, tfc.take(candidates, best)), centers)
        return centers, tfc.minimum(closest, tfc.take(candidate_distances, best, axis=1)[:, 0])

    return tfc.fori_loop(np.int32(1), num_clusters, add_center, (centers, closest))[0]


@tfc.compile
def _pick_rows(points, indices):
    return tfc.take(points, indices)


def random_centers(points: np.ndarray, num_clusters: int, seed: int) -> np.ndarray:
    """``num_clusters`` distinct points chosen uniformly (the "random" initialization)."""
    rows = np.random.default_rng(seed).choice(points.shape[0], num_clusters, replace=False)
    return np.asarray(_pick_rows(points, rows.astype(np.int32)))
