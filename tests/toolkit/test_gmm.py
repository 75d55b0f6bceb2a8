"""GMM: EM against scikit-learn's GaussianMixture from the same means, covariances and weights
(tests/data/toolkit/gmm.npz, written by scripts/generate_toolkit_reference.py), for full and diagonal
covariances; which parameters ``params`` trains; log-sum-exp keeping far points finite."""

from pathlib import Path

import numpy as np
import pytest

from tfc.toolkit import GMM

DATA = Path(__file__).resolve().parents[1] / "data" / "toolkit"


@pytest.fixture(scope="module")
def reference():
    with np.load(DATA / "gmm.npz") as data:
        return {name: data[name] for name in data.files}


def _fit(reference, covariance_type, **kwargs):
    model = GMM(3, initial_clusters=reference["initial_means"], covariance_type=covariance_type, **kwargs)
    return model.fit(reference["points"], steps=int(reference["steps"]))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_em_matches_scikit_learn_from_the_same_start(reference, covariance_type):
    model = _fit(reference, covariance_type)
    points = reference["points"]
    expected = float(reference[f"{covariance_type}_average_log_likelihood"])
    assert model.score(points) / len(points) == pytest.approx(expected, rel=0.01)
    np.testing.assert_allclose(model.clusters(), reference[f"{covariance_type}_means"], atol=1e-3)
    np.testing.assert_allclose(model.weights(), reference[f"{covariance_type}_weights"], atol=1e-4)
    np.testing.assert_allclose(model.covariances(), reference[f"{covariance_type}_covariances"], atol=1e-3)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_em_improves_on_its_start(reference, covariance_type):
    points = reference["points"]
    start = GMM(3, initial_clusters=reference["initial_means"], covariance_type=covariance_type).fit(points, steps=0)
    fitted = _fit(reference, covariance_type)
    assert fitted.score(points) > start.score(points) + 0.5 * len(points)
    np.testing.assert_allclose(start.weights(), 1 / 3)
    np.testing.assert_allclose(start.clusters(), reference["initial_means"])


def test_params_names_what_em_trains(reference):
    points = reference["points"]
    start = GMM(3, initial_clusters=reference["initial_means"]).fit(points, steps=0)
    means_only = _fit(reference, "full", params="m")
    np.testing.assert_allclose(means_only.weights(), start.weights())
    np.testing.assert_allclose(means_only.covariances(), start.covariances())
    assert not np.allclose(means_only.clusters(), start.clusters())
    no_means = _fit(reference, "full", params="wc")
    np.testing.assert_allclose(no_means.clusters(), start.clusters())
    assert not np.allclose(no_means.weights(), start.weights())


def test_fitted_model_is_a_distribution(reference):
    points = reference["points"]
    model = _fit(reference, "full")
    assert model.weights().sum() == pytest.approx(1.0, abs=1e-5)
    covariances = model.covariances()
    np.testing.assert_allclose(covariances, covariances.transpose(0, 2, 1), atol=1e-6)
    assert (np.linalg.eigvalsh(covariances) > 0).all()
    assignments = model.predict_assignments(points)
    assert assignments.shape == (len(points),) and set(assignments.tolist()) == {0, 1, 2}
    nearest_mean = ((points[:, None] - model.clusters()[None]) ** 2).sum(-1).argmin(1)
    assert (assignments == nearest_mean).mean() > 0.9


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_far_points_have_finite_log_likelihood(reference, covariance_type):
    model = _fit(reference, covariance_type)
    far = np.array([[1e3, 1e3, -1e3]], np.float32)
    score = model.score(far)
    assert np.isfinite(score) and score < -1e4
    assert model.predict_assignments(far).shape == (1,)


def test_random_initialization_is_seeded(reference):
    points = reference["points"]
    a = GMM(3, random_seed=1).fit(points, steps=0).clusters()
    b = GMM(3, random_seed=1).fit(points, steps=0).clusters()
    c = GMM(3, random_seed=2).fit(points, steps=0).clusters()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert all((points == m).all(1).any() for m in a)
