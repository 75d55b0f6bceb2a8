"""KMeans on Gaussian blobs with ``tfc.toolkit.KMeansClustering``: k-means++ seeding and Lloyd
iterations each compiled as one program, then the same model trained through the estimator
interface on batches from a ``tfc.data.Dataset`` (mini-batch updates).

    python examples/kmeans_blobs.py
"""

from __future__ import annotations

import numpy as np

import tfc as tf


def blobs(points_per_blob: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, (5, 2)).astype(np.float32)
    points = np.concatenate([c + rng.normal(0, 0.8, (points_per_blob, 2)) for c in centers]).astype(np.float32)
    return points, centers


def nearest_distance(found: np.ndarray, truth: np.ndarray) -> float:
    """The largest distance from a true center to the nearest found one."""
    return float(np.sqrt(((truth[:, None] - found[None]) ** 2).sum(-1)).min(axis=1).max())


def main(points_per_blob: int = 2000, verbose: bool = True) -> dict:
    points, truth = blobs(points_per_blob)
    lloyd = tf.toolkit.KMeansClustering(5, use_mini_batch=False, relative_tolerance=1e-4).fit(points, max_iterations=50)
    batches = tf.toolkit.KMeansClustering(5, use_mini_batch=True)
    batches.train(lambda: tf.data.Dataset.from_tensor_slices(points).shuffle(len(points), seed=0).batch(500).repeat(3))
    results = {
        "lloyd": (lloyd.score(points), nearest_distance(lloyd.cluster_centers(), truth), lloyd.iterations_run),
        "mini-batch (estimator)": (batches.score(points), nearest_distance(batches.cluster_centers(), truth),
                                   int(batches.evaluate(lambda: points)["global_step"])),
    }
    if verbose:
        for name, (inertia, distance, steps) in results.items():
            print(f"{name:>24}: inertia {inertia:10.1f}, every true center within {distance:.3f} of a found one, {steps} steps")
    return results


if __name__ == "__main__":
    main()
