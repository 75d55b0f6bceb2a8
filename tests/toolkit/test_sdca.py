"""SDCA (tfc.toolkit.sdca): each loss reaches its optimum, checked by the duality gap, by scikit-learn's
solutions (tests/data/toolkit/svm.npz from scripts/generate_svm_reference.py), by closed forms and by
optimality conditions; runs are deterministic; bad input is refused by name."""

from pathlib import Path

import numpy as np
import pytest

from tfc.toolkit import sdca

DATA = np.load(Path(__file__).resolve().parents[1] / "data" / "toolkit" / "svm.npz")
SVM_X, SVM_Y, SVM_L2 = DATA["svm_x"], DATA["svm_y"], float(DATA["svm_l2"])
LOG_X, LOG_Y, LOG_L2 = DATA["logistic_x"], DATA["logistic_y"], float(DATA["logistic_l2"])


def relative_gap(result) -> float:
    return (result.primal - result.dual) / abs(result.primal)


def test_hinge_reaches_the_dual_optimum_of_liblinear():
    result = sdca.minimize(SVM_X, SVM_Y, "hinge_loss", l2=SVM_L2, epochs=3000, tolerance=1e-8)
    assert result.epochs < 3000
    assert 0 <= relative_gap(result) < 1e-4
    np.testing.assert_allclose(result.weights, DATA["svm_weights"], atol=1e-4)
    assert result.primal == pytest.approx(float(DATA["svm_primal"]), rel=1e-6)
    signed = result.duals * (2 * SVM_Y - 1)
    assert signed.min() >= 0 and signed.max() <= 1  # box constraints of the hinge dual
    margins = (2 * SVM_Y - 1) * (SVM_X @ result.weights)
    assert np.all(margins[signed < 1e-9] >= 1 - 1e-3)  # examples without a dual are outside the margin


def test_logistic_reaches_scikit_learns_optimum():
    result = sdca.minimize(LOG_X, LOG_Y, "logistic_loss", l2=LOG_L2, epochs=200, tolerance=1e-12)
    assert relative_gap(result) < 1e-9
    np.testing.assert_allclose(result.weights, DATA["logistic_weights"], atol=1e-3)
    assert result.primal == pytest.approx(float(DATA["logistic_primal"]), rel=1e-8)


def test_squared_loss_gives_the_ridge_closed_form():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 4))
    y = x @ np.array([1.0, -1.0, 2.0, 0.0]) + 0.1 * rng.normal(size=60)
    result = sdca.minimize(x, y, "squared_loss", l2=3.0, epochs=500, tolerance=1e-12)
    ridge = np.linalg.solve(x.T @ x + 3.0 * np.eye(4), x.T @ y)
    np.testing.assert_allclose(result.weights, ridge, atol=1e-6)


def test_smooth_hinge_and_weighted_examples_reach_a_stationary_point():
    weights = np.linspace(0.5, 2.0, len(LOG_Y))
    result = sdca.minimize(LOG_X, LOG_Y, "smooth_hinge_loss", l2=1.0, epochs=500, tolerance=1e-12, example_weights=weights)
    s = 2 * LOG_Y - 1
    margin = s * (LOG_X @ result.weights)
    slope = np.where(margin <= 0, -1.0, np.where(margin >= 1, 0.0, margin - 1.0))  # d/dm of the smooth hinge (gamma 1)
    gradient = (LOG_X.T @ (weights * slope * s) + result.weights) / weights.sum()  # of P, normalized as SDCA's
    np.testing.assert_allclose(gradient, 0, atol=1e-6)


def test_l1_gives_sparse_weights_that_satisfy_the_subgradient_conditions():
    l1 = 6.0
    result = sdca.minimize(LOG_X, LOG_Y, "logistic_loss", l1=l1, l2=1.0, epochs=500, tolerance=1e-12)
    assert relative_gap(result) < 1e-8
    w = result.weights
    s = 2 * LOG_Y - 1
    gradient = (LOG_X.T @ (-s / (1 + np.exp(s * (LOG_X @ w)))) + w) / len(s)
    assert (w == 0).any() and (w != 0).any()
    np.testing.assert_allclose(gradient[w != 0] + l1 / len(s) * np.sign(w[w != 0]), 0, atol=1e-6)
    assert np.all(np.abs(gradient[w == 0]) <= l1 / len(s) + 1e-8)


def test_runs_are_deterministic_and_seeds_reach_the_same_optimum():
    first = sdca.minimize(LOG_X, LOG_Y, "logistic_loss", l2=LOG_L2, epochs=3, tolerance=None)
    again = sdca.minimize(LOG_X, LOG_Y, "logistic_loss", l2=LOG_L2, epochs=3, tolerance=None)
    np.testing.assert_array_equal(first.duals, again.duals)
    assert first.epochs == 3
    other = sdca.minimize(LOG_X, LOG_Y, "logistic_loss", l2=LOG_L2, epochs=200, tolerance=1e-12, seed=7)
    np.testing.assert_allclose(other.weights, DATA["logistic_weights"], atol=1e-3)


def test_a_run_continues_from_its_duals_and_partitions_still_converge():
    start = sdca.minimize(SVM_X, SVM_Y, "hinge_loss", l2=SVM_L2, epochs=5, tolerance=None)
    more = sdca.minimize(SVM_X, SVM_Y, "hinge_loss", l2=SVM_L2, epochs=3000, tolerance=1e-8, duals=start.duals, unshrunk=start.unshrunk)
    np.testing.assert_allclose(more.weights, DATA["svm_weights"], atol=1e-4)
    halved = sdca.minimize(LOG_X, LOG_Y, "logistic_loss", l2=LOG_L2, epochs=400, tolerance=1e-10, num_loss_partitions=2)
    np.testing.assert_allclose(halved.weights, DATA["logistic_weights"], atol=1e-3)


def test_the_optimizer_keeps_contribs_minimum_l2():
    optimizer = sdca.SDCAOptimizer("id", symmetric_l2_regularization=0.0)
    assert optimizer.regularization() == (0.0, 1.0)
    result = optimizer.minimize(SVM_X, SVM_Y, "hinge_loss", epochs=3000, tolerance=1e-8)
    np.testing.assert_allclose(result.weights, DATA["svm_weights"], atol=1e-4)  # the reference's l2 is 1.0
    with pytest.raises(NotImplementedError, match="adaptive"):
        sdca.SDCAOptimizer("id", adaptive=True)
    with pytest.raises(TypeError, match="example_id_column"):
        sdca.SDCAOptimizer(3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: sdca.minimize(SVM_X, SVM_Y, "hinge"), ValueError, "loss must be one of"),
    (lambda: sdca.minimize(SVM_X, 2 * SVM_Y - 1, "hinge_loss"), ValueError, "labels 0 or 1"),
    (lambda: sdca.minimize(SVM_X, SVM_Y[:-1], "hinge_loss"), ValueError, "y has 99 labels, but x has 100 rows"),
    (lambda: sdca.minimize(np.where(SVM_X > 2, np.nan, SVM_X), SVM_Y), ValueError, "x must be finite"),
    (lambda: sdca.minimize(SVM_X[0], SVM_Y), ValueError, "x must be a non-empty rank-2 array"),
    (lambda: sdca.minimize(SVM_X.astype(str), SVM_Y), TypeError, "x must be numbers"),
    (lambda: sdca.minimize(SVM_X, SVM_Y, l2=0.0), ValueError, "l2 regularization > 0"),
    (lambda: sdca.minimize(SVM_X, SVM_Y, l1=-1.0), ValueError, "l1 regularization must be a non-negative"),
    (lambda: sdca.minimize(SVM_X, SVM_Y, epochs=-1), ValueError, "epochs must be an integer >= 0"),
    (lambda: sdca.minimize(SVM_X, SVM_Y, tolerance=float("nan")), ValueError, "tolerance"),
    (lambda: sdca.minimize(SVM_X, SVM_Y, duals=np.zeros(100)), ValueError, "both duals and unshrunk"),
    (lambda: sdca.minimize(SVM_X, SVM_Y, example_weights=-np.ones(100)), ValueError, "example_weights"),
])
def test_bad_input_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()
