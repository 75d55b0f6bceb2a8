"""k-means++ seeding: the inverse-CDF draw with D^2 weights, the best of several candidates, points of
weight zero never drawn, and the frequencies over many seeds following D^2."""

import numpy as np

from tfc.toolkit import KMeansClustering
from tfc.toolkit.kmeans_init import kmeans_plus_plus

LINE = np.array([[0.0], [1.0], [2.0], [4.0]], np.float32)  # from 0, D^2 = 0, 1, 4, 16: CDF 0, 1, 5, 21


def _seed(uniforms, points=LINE, first=0):
    centers = kmeans_plus_plus(points, np.int32(first), np.asarray(uniforms, np.float32), "squared_euclidean")
    return np.asarray(centers).ravel().tolist()


def test_the_second_center_is_drawn_by_inverse_cdf_of_squared_distances():
    # targets u * 21: 0.84 falls in (0, 1], 4.2 in (1, 5], 10.5 and 21 in (5, 21]
    assert _seed([[1.0], [0.04]]) == [0.0, 1.0]
    assert _seed([[1.0], [0.2]]) == [0.0, 2.0]
    assert _seed([[1.0], [0.5]]) == [0.0, 4.0]
    assert _seed([[1.0], [1.0]]) == [0.0, 4.0]


def test_of_several_candidates_the_one_leaving_the_least_potential_wins():
    # candidate 1 leaves 0 + 0 + 1 + 9 = 10, candidate 4 leaves 0 + 1 + 4 + 0 = 5, in either order
    assert _seed([[1.0, 1.0], [0.04, 0.5]]) == [0.0, 4.0]
    assert _seed([[1.0, 1.0], [0.5, 0.04]]) == [0.0, 4.0]
    assert _seed([[1.0, 1.0], [0.04, 0.2]]) == [0.0, 2.0]  # 2 leaves 0 + 1 + 0 + 4


def test_points_of_weight_zero_are_never_drawn():
    points = np.repeat(np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 7.0]], np.float32), 10, axis=0)
    for seed in range(20):
        model = KMeansClustering(3, random_seed=seed, kmeans_plus_plus_num_retries=0, use_mini_batch=False)
        centers = model.fit(points, max_iterations=0).cluster_centers()
        assert sorted(map(tuple, centers.tolist())) == [(0.0, 0.0), (0.0, 7.0), (5.0, 0.0)]


def test_second_centers_over_many_seeds_follow_d_squared_weights():
    points = np.array([[0.0], [1.0], [2.0], [4.0], [7.0]], np.float32)
    values = points.ravel()
    observed, expected = np.zeros(5), np.zeros(5)
    for seed in range(600):
        model = KMeansClustering(2, random_seed=seed, kmeans_plus_plus_num_retries=0, use_mini_batch=False)
        first, second = model.fit(points, max_iterations=0).cluster_centers().ravel()
        weights = (values - first) ** 2
        expected += weights / weights.sum()
        observed[int(np.flatnonzero(values == second)[0])] += 1
    chi_square = float((((observed - expected) ** 2) / expected).sum())
    assert chi_square < 18.5  # 4 degrees of freedom: p = 0.001; uniform draws would give hundreds
    uniform = np.full(5, 600 / 5)
    assert float((((observed - uniform) ** 2) / uniform).sum()) > 50


def test_seeding_is_deterministic_per_seed():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(300, 3)).astype(np.float32)

    def centers(seed):
        return KMeansClustering(4, random_seed=seed, use_mini_batch=False).fit(points, max_iterations=0).cluster_centers()

    np.testing.assert_array_equal(centers(1), centers(1))
    assert not np.array_equal(centers(1), centers(2))
    assert all((points == c).all(1).any() for c in centers(1))
