"""Bad input to the toolkit's models fails early with an error that names the problem."""

import numpy as np
import pytest

from tfc.toolkit import GMM, KMeansClustering

POINTS = np.arange(20, dtype=np.float32).reshape(10, 2)
MODELS = [lambda k, **kw: KMeansClustering(k, **kw), lambda k, **kw: GMM(k, **kw)]


@pytest.mark.parametrize("make", MODELS)
def test_more_clusters_than_points(make):
    with pytest.raises(ValueError, match="num_clusters=11 is more than the 10 points"):
        make(11).fit(POINTS)


@pytest.mark.parametrize("make", MODELS)
@pytest.mark.parametrize("points, message", [
    (np.zeros(5), "rank-2 array .* got rank 1"),
    (np.zeros((2, 3, 4)), "rank-2 array .* got rank 3"),
    (np.zeros((0, 3)), "at least one point"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "must be finite: row 0"),
    (np.array([[1.0, 2.0], [np.inf, 1.0]]), "must be finite: row 1"),
    (np.array([["a", "b"]]), "must be numbers"),
])
def test_malformed_points(make, points, message):
    with pytest.raises(ValueError, match=message):
        make(1).fit(points)


@pytest.mark.parametrize("make", MODELS)
def test_bad_num_clusters(make):
    for bad in (0, -2, 2.5, "3", True):
        with pytest.raises(ValueError, match="num_clusters must be a positive integer"):
            make(bad)


@pytest.mark.parametrize("make", MODELS)
def test_not_fitted_and_wrong_dimension(make):
    model = make(2)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        model.score(POINTS)
    model.fit(POINTS)
    with pytest.raises(ValueError, match="dimension 3, but the model was fitted on dimension 2"):
        model.score(np.zeros((4, 3)))


def test_estimator_arguments_are_checked():
    with pytest.raises(TypeError, match="config must be a tfc.estimator.RunConfig"):
        KMeansClustering(2, model_dir="/tmp/m", config=object())
    with pytest.raises(NotImplementedError, match="feature_columns"):
        KMeansClustering(2, feature_columns=["x"])


def test_kmeans_argument_errors():
    with pytest.raises(ValueError, match="distance_metric must be one of squared_euclidean, cosine"):
        KMeansClustering(2, distance_metric="manhattan")
    with pytest.raises(ValueError, match="initial_clusters must be 'random', 'kmeans_plus_plus' or an array"):
        KMeansClustering(2, initial_clusters="kmeans")
    with pytest.raises(ValueError, match="initial_clusters has 3 rows, but num_clusters is 2"):
        KMeansClustering(2, initial_clusters=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="initial_clusters have dimension 3"):
        KMeansClustering(2, initial_clusters=np.zeros((2, 3))).fit(POINTS)
    with pytest.raises(ValueError, match="mini_batch_steps_per_iteration"):
        KMeansClustering(2, mini_batch_steps_per_iteration=0)
    with pytest.raises(ValueError, match="relative_tolerance"):
        KMeansClustering(2, relative_tolerance=-1.0)
    with pytest.raises(ValueError, match="max_iterations"):
        KMeansClustering(2).fit(POINTS, max_iterations=-1)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        KMeansClustering(2).fit(POINTS, batch_size=0)
    with pytest.raises(ValueError, match="batch_size applies to mini-batch training only"):
        KMeansClustering(2, use_mini_batch=False).fit(POINTS, batch_size=4)


def test_gmm_argument_errors():
    with pytest.raises(ValueError, match="covariance_type must be one of full, diag"):
        GMM(2, covariance_type="spherical")
    with pytest.raises(ValueError, match="params must be a string of the letters w, m and c"):
        GMM(2, params="wmx")
    with pytest.raises(ValueError, match="initial_clusters must be 'random' or"):
        GMM(2, initial_clusters="kmeans_plus_plus")
    with pytest.raises(ValueError, match="initial_clusters has 1 rows, but num_clusters is 2"):
        GMM(2, initial_clusters=np.zeros((1, 2)))
    with pytest.raises(ValueError, match="initial_clusters have dimension 3"):
        GMM(2, initial_clusters=np.zeros((2, 3))).fit(POINTS)
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        GMM(2).fit(POINTS, steps=-1)
