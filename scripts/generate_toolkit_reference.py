"""Write tests/data/toolkit/: points, initial parameters and scikit-learn's results from them, which
tests/toolkit/ compare tfc.toolkit's KMeansClustering and GMM with (run by hand, with scikit-learn
installed; neither tfc nor its tests import scikit-learn).

    /tmp/benchenv/bin/pip install scikit-learn==1.9.1
    /tmp/benchenv/bin/python scripts/generate_toolkit_reference.py

- ``kmeans.npz``: 5 blobs in 4 dimensions, deliberately poor initial centers (three from one blob),
  scikit-learn's KMeans (lloyd, n_init=1, tol=0) inertia and centers after ``max_iter`` iterations.
- ``gmm.npz``: 3 correlated Gaussians in 3 dimensions, initial means, covariances (the points'
  sample covariance + reg_covar, as tfc's GMM starts) and weights (uniform); for "full" and "diag",
  GaussianMixture's (tol=0, reg_covar=1e-6, max_iter=``steps``) average log-likelihood and parameters.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "toolkit"
REG_COVAR = 1e-6


def blobs(rng, centers, scales, per_cluster) -> np.ndarray:
    parts = [rng.normal(c, s, (per_cluster, len(c))) for c, s in zip(centers, scales)]
    points = np.concatenate(parts).astype(np.float32)
    return points[rng.permutation(len(points))]


def kmeans_reference(rng) -> dict:
    centers = rng.uniform(-8, 8, (5, 4))
    points = blobs(rng, centers, [0.6, 1.0, 1.4, 0.8, 1.2], 160)
    labels = np.argmin(((points[:, None] - centers[None]) ** 2).sum(-1), 1)
    first_blob = np.flatnonzero(labels == 0)[:3]
    others = np.flatnonzero(labels != 0)[:2]
    initial = points[np.concatenate([first_blob, others])]
    max_iter = 30
    model = KMeans(5, init=initial.astype(np.float64), n_init=1, algorithm="lloyd", max_iter=max_iter, tol=0.0)
    model.fit(points.astype(np.float64))
    return {"points": points, "initial_centers": initial, "max_iter": np.int32(max_iter),
            "inertia": np.float64(model.inertia_), "centers": model.cluster_centers_, "n_iter": np.int32(model.n_iter_)}


def gmm_points(rng) -> np.ndarray:
    means = [[0, 0, 0], [4, 1, -2], [-3, 4, 2]]
    parts = []
    for mean in means:
        a = rng.normal(0, 0.8, (3, 3))
        parts.append(rng.multivariate_normal(mean, a @ a.T + 0.2 * np.eye(3), 200))
    points = np.concatenate(parts).astype(np.float32)
    return points[rng.permutation(len(points))]


def gmm_reference(rng) -> dict:
    points = gmm_points(rng)
    x = points.astype(np.float64)
    initial_means = x[rng.choice(len(x), 3, replace=False)]
    covariance = np.cov(x, rowvar=False) + REG_COVAR * np.eye(3)
    weights = np.full(3, 1 / 3)
    steps = 25
    result = {"points": points, "initial_means": initial_means.astype(np.float32), "steps": np.int32(steps)}
    for kind, precision in (("full", np.linalg.inv(covariance)), ("diag", 1 / np.diag(covariance))):
        model = GaussianMixture(3, covariance_type=kind, tol=0.0, reg_covar=REG_COVAR, max_iter=steps, n_init=1,
                                means_init=initial_means, weights_init=weights,
                                precisions_init=np.stack([precision] * 3), random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x)
        result[f"{kind}_average_log_likelihood"] = np.float64(model.score(x))
        result[f"{kind}_means"] = model.means_
        result[f"{kind}_weights"] = model.weights_
        result[f"{kind}_covariances"] = model.covariances_
    return result


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261204)
    np.savez(OUT / "kmeans.npz", **kmeans_reference(rng), sklearn_version=sklearn.__version__)
    np.savez(OUT / "gmm.npz", **gmm_reference(rng), sklearn_version=sklearn.__version__)
    print(f"wrote {OUT} with scikit-learn {sklearn.__version__}")


if __name__ == "__main__":
    main()
