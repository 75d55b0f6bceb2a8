"""KMeansClustering: Lloyd against scikit-learn's KMeans (tests/data/toolkit/kmeans.npz, written by
scripts/generate_toolkit_reference.py), contrib's mini-batch updates against a numpy transcription,
the early stop, cosine distance and the fitted model's methods."""

from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.toolkit import KMeansClustering

DATA = Path(__file__).resolve().parents[1] / "data" / "toolkit"


@pytest.fixture(scope="module")
def reference():
    with np.load(DATA / "kmeans.npz") as data:
        return {name: data[name] for name in data.files}


def _lloyd(reference, **kwargs):
    model = KMeansClustering(5, initial_clusters=reference["initial_centers"], use_mini_batch=False, **kwargs)
    return model.fit(reference["points"], max_iterations=int(reference["max_iter"]))


def test_lloyd_matches_scikit_learn_from_the_same_centers(reference):
    model = _lloyd(reference)
    assert model.iterations_run == int(reference["max_iter"])
    assert model.score(reference["points"]) == pytest.approx(float(reference["inertia"]), rel=0.01)
    np.testing.assert_allclose(model.cluster_centers(), reference["centers"], atol=1e-3)


def test_the_poor_start_really_moves(reference):
    start = KMeansClustering(5, initial_clusters=reference["initial_centers"], use_mini_batch=False)
    unmoved = start.fit(reference["points"], max_iterations=0)
    np.testing.assert_array_equal(unmoved.cluster_centers(), reference["initial_centers"])
    assert unmoved.score(reference["points"]) > 1.5 * float(reference["inertia"])


def test_relative_tolerance_stops_early_at_the_same_clustering(reference):
    model = _lloyd(reference, relative_tolerance=1e-4)
    assert 1 < model.iterations_run < int(reference["max_iter"])
    assert model.score(reference["points"]) == pytest.approx(float(reference["inertia"]), rel=0.01)


def _contrib_mini_batch(points, centers, batch_size, steps, steps_per_iteration):
    """contrib's mini-batch update, transcribed: assign against the synced centers, running means with
    counts starting at one, local copy synced (and counts reset) every steps_per_iteration steps; the
    model reports the synced centers."""
    master, local, counts = centers.astype(np.float64), centers.astype(np.float64), np.ones(len(centers))
    for step in range(steps):
        batch = points[(step * batch_size + np.arange(batch_size)) % len(points)].astype(np.float64)
        nearest = ((batch[:, None] - master[None]) ** 2).sum(-1).argmin(1)
        for c in np.unique(nearest):
            mine = batch[nearest == c]
            counts[c] += len(mine)
            local[c] += (mine.sum(0) - len(mine) * local[c]) / counts[c]
        if (step + 1) % steps_per_iteration == 0:
            master = local.copy()
            if steps_per_iteration > 1:
                counts[:] = 0
    return master


@pytest.mark.parametrize("steps_per_iteration", [1, 3, 4])
def test_mini_batch_steps_follow_contribs_update(reference, steps_per_iteration):
    points, centers = reference["points"], reference["initial_centers"]
    model = KMeansClustering(5, initial_clusters=centers, mini_batch_steps_per_iteration=steps_per_iteration)
    model.fit(points, max_iterations=9, batch_size=100)
    expected = _contrib_mini_batch(points, centers, 100, 9, steps_per_iteration)
    np.testing.assert_allclose(model.cluster_centers(), expected, rtol=1e-4, atol=1e-4)
    assert model.iterations_run == 9


def test_mini_batch_from_kmeans_plus_plus_reaches_lloyds_inertia(reference):
    points = reference["points"]
    full = KMeansClustering(5, use_mini_batch=False).fit(points, max_iterations=30)
    mini = KMeansClustering(5).fit(points, max_iterations=60, batch_size=128)
    assert full.score(points) < 0.7 * float(reference["inertia"])  # k-means++ finds better than the poor start
    assert mini.score(points) == pytest.approx(full.score(points), rel=0.02)


def test_predictions_agree_with_transform_and_score(reference):
    points = reference["points"]
    model = _lloyd(reference)
    distances = model.transform(points[:50])
    assert distances.shape == (50, 5)
    np.testing.assert_array_equal(model.predict_cluster_index(points[:50]), distances.argmin(1))
    assert model.score(points[:50]) == pytest.approx(float((distances.min(1) ** 2).sum()), rel=1e-5)
    centers = model.cluster_centers()
    # |x|^2 - 2 x.c + |c|^2 in float32 leaves ~1e-5 of a zero distance, ~4e-3 after the square root
    np.testing.assert_allclose(model.transform(centers).diagonal(), 0, atol=1e-2)


def test_cosine_distance_clusters_by_direction():
    rng = np.random.default_rng(3)
    angles = np.repeat([0.3, 2.4, 4.4], 40) + rng.normal(0, 0.05, 120)
    radii = rng.uniform(0.5, 20, 120)
    points = np.stack([np.cos(angles), np.sin(angles)], 1) * radii[:, None]
    model = KMeansClustering(3, distance_metric="cosine", use_mini_batch=False).fit(points, max_iterations=10)
    np.testing.assert_allclose(np.linalg.norm(model.cluster_centers(), axis=1), 1, rtol=1e-5)
    mini = KMeansClustering(3, distance_metric="cosine").fit(points, max_iterations=10, batch_size=50)
    np.testing.assert_allclose(np.linalg.norm(mini.cluster_centers(), axis=1), 1, rtol=1e-5)
    assert mini.score(points) < 120 * 0.01
    labels = model.predict_cluster_index(points)
    assert [len(set(labels[i:i + 40])) for i in (0, 40, 80)] == [1, 1, 1]
    assert len(set(labels)) == 3
    assert model.score(points) < 120 * 0.01  # 1 - cos of a 0.05 spread is about 0.00125


def test_random_initialization_picks_distinct_points_deterministically(reference):
    points = reference["points"]
    first = KMeansClustering(5, initial_clusters="random", random_seed=7).fit(points, max_iterations=0).cluster_centers()
    again = KMeansClustering(5, initial_clusters="random", random_seed=7).fit(points, max_iterations=0).cluster_centers()
    other = KMeansClustering(5, initial_clusters="random", random_seed=8).fit(points, max_iterations=0).cluster_centers()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    rows = [np.flatnonzero((points == c).all(1)) for c in first]
    assert all(len(r) == 1 for r in rows) and len({int(r[0]) for r in rows}) == 5


def test_toolkit_is_reachable_from_tfc():
    assert tfc.toolkit.KMeansClustering is KMeansClustering
    model = KMeansClustering(2)
    assert model.fit([[0.0], [1.0], [10.0], [11.0]], max_iterations=5) is model


def test_relative_tolerance_stops_mini_batch_training(reference):
    points = reference["points"]
    model = KMeansClustering(5, relative_tolerance=1e-3).fit(points, max_iterations=200)  # full batches: a steady loss
    assert 1 < model.iterations_run < 200
    assert model.score(points) == pytest.approx(KMeansClustering(5).fit(points, max_iterations=200).score(points), rel=0.01)
