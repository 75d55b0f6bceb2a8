"""tfc.toolkit's LinearRegressor and LogisticRegressor: the exact solver equals numpy's least squares
and the ridge closed form, SDCA and SGD reach the same optima, logistic regression reaches
scikit-learn's (tests/data/toolkit/svm.npz), the estimator interface trains the same models, and
bad input fails clearly."""

from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.toolkit.linear import LinearRegressor, LogisticRegressor

RNG = np.random.default_rng(5)
X = RNG.normal(size=(60, 4))
Y = X @ np.array([1.0, 2.0, -1.0, 0.5]) + 3.0 + 0.1 * RNG.normal(size=60)
DATA = np.load(Path(__file__).resolve().parents[1] / "data" / "toolkit" / "svm.npz")
LOG_X, LOG_Y = DATA["logistic_x"][:, :3], DATA["logistic_y"]  # the reference's last column is the intercept's ones
LOG_L2 = float(DATA["logistic_l2"]) / len(LOG_Y)  # scikit-learn's C = 1/l2 on the sum is l2/n on the mean


def ridge(l2: float) -> tuple[np.ndarray, float]:
    """The closed form with an unregularized intercept: centered data."""
    xc, yc = X - X.mean(0), Y - Y.mean()
    w = np.linalg.solve(xc.T @ xc / len(Y) + l2 * np.eye(4), xc.T @ yc / len(Y))
    return w, Y.mean() - X.mean(0) @ w


def test_exact_solver_equals_lstsq():
    model = LinearRegressor().fit(X, Y)
    expected = np.linalg.lstsq(np.hstack([X, np.ones((60, 1))]), Y, rcond=None)[0]
    np.testing.assert_allclose(np.append(model.weights, model.bias), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.predict(X), X @ expected[:4] + expected[4], rtol=1e-10)
    no_intercept = LinearRegressor(fit_intercept=False).fit(X, Y)
    np.testing.assert_allclose(no_intercept.weights, np.linalg.lstsq(X, Y, rcond=None)[0], rtol=1e-10)
    assert no_intercept.bias == 0.0


@pytest.mark.parametrize("solver, options, tolerance", [
    ("exact", {}, 1e-10),
    ("sdca", {"tolerance": 1e-14}, 1e-6),
    ("sgd", {"learning_rate": 0.5, "epochs": 2000}, 1e-8),
])
def test_every_solver_reaches_the_ridge_closed_form(solver, options, tolerance):
    model = LinearRegressor(l2_regularization=0.1, solver=solver, **options).fit(X, Y)
    w, b = ridge(0.1)
    np.testing.assert_allclose(model.weights, w, atol=tolerance)
    assert model.bias == pytest.approx(b, abs=tolerance)


@pytest.mark.parametrize("solver, options", [("sdca", {}), ("sgd", {"learning_rate": 1.0, "epochs": 3000})])
def test_logistic_reaches_scikit_learns_optimum(solver, options):
    model = LogisticRegressor(l2_regularization=LOG_L2, solver=solver, **options).fit(LOG_X, LOG_Y)
    np.testing.assert_allclose(np.append(model.weights, model.bias), DATA["logistic_weights"], atol=1e-3)
    z = LOG_X @ model.weights + model.bias
    np.testing.assert_allclose(model.predict_proba(LOG_X)[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-10)
    np.testing.assert_array_equal(model.predict(LOG_X), (z > 0).astype(int))


def test_minibatch_sgd_gets_near_the_optimum():
    model = LinearRegressor(l2_regularization=0.1, solver="sgd", batch_size=16, learning_rate=0.05, epochs=300).fit(X, Y)
    w, _ = ridge(0.1)
    np.testing.assert_allclose(model.weights, w, atol=0.05)


def test_estimator_interface_trains_the_same_models(tmp_path):
    exact = LinearRegressor(l2_regularization=0.1, model_dir=str(tmp_path / "exact"))
    exact.train(lambda: ({"x": X}, Y), steps=1)
    np.testing.assert_allclose(exact.weights, ridge(0.1)[0], atol=1e-10)
    results = exact.evaluate(lambda: ({"x": X}, Y))
    assert results["loss"] == pytest.approx(np.mean((exact.predict(X) - Y) ** 2), rel=1e-5)
    predictions = [p["predictions"] for p in exact.predict(lambda: tfc.data.Dataset.from_tensor_slices({"x": X}).batch(25))]
    np.testing.assert_allclose(predictions, exact.predict(X), rtol=1e-5)

    logistic = LogisticRegressor(l2_regularization=LOG_L2, model_dir=str(tmp_path / "logistic"))
    logistic.train(lambda: (LOG_X, LOG_Y), steps=60)  # one SDCA epoch per step on the same batch
    np.testing.assert_allclose(np.append(logistic.weights, logistic.bias), DATA["logistic_weights"], atol=1e-3)
    metrics = logistic.evaluate(lambda: (LOG_X, LOG_Y))
    assert metrics["accuracy"] == pytest.approx(np.mean(logistic.predict(LOG_X) == LOG_Y))
    first = next(logistic.predict(lambda: (LOG_X, None)))
    assert set(first) == {"classes", "logits", "probabilities"} and first["probabilities"].shape == (2,)
    assert LogisticRegressor(model_dir=str(tmp_path / "logistic")).bias == logistic.bias  # restored from the checkpoint


def test_sgd_trains_on_a_stream_of_batches_but_sdca_refuses_one(tmp_path):
    stream = lambda: tfc.data.Dataset.from_tensor_slices((X, Y)).shuffle(60, seed=1).batch(20).repeat()
    model = LinearRegressor(l2_regularization=0.1, solver="sgd", learning_rate=0.05)
    model.train(stream, steps=1500)
    np.testing.assert_allclose(model.weights, ridge(0.1)[0], atol=0.05)
    with pytest.raises(ValueError, match="same batch"):
        LinearRegressor(l2_regularization=0.1, solver="sdca").train(stream, steps=4)


@pytest.mark.parametrize("call, error, message", [
    (lambda: LinearRegressor().fit(X, Y[:-1]), ValueError, "y has 59 values, but x has 60 rows"),
    (lambda: LinearRegressor().fit(np.where(X > 2, np.nan, X), Y), ValueError, "x must be finite"),
    (lambda: LinearRegressor().fit(np.hstack([X, X]), Y), ValueError, "singular"),
    (lambda: LinearRegressor(solver="sdca"), ValueError, "l2_regularization > 0"),
    (lambda: LinearRegressor(solver="newton"), ValueError, "solver must be one of"),
    (lambda: LogisticRegressor(solver="exact"), ValueError, "solver must be one of sdca, sgd"),
    (lambda: LinearRegressor(l2_regularization=-1.0), ValueError, "l2_regularization must be a non-negative"),
    (lambda: LinearRegressor(solver="sgd", learning_rate=50.0).fit(X, Y), ValueError, "diverged"),
    (lambda: LogisticRegressor().fit(LOG_X, LOG_Y + 1), ValueError, "labels must be 0 or 1"),
    (lambda: LogisticRegressor().predict_proba(LOG_X), RuntimeError, "not fitted yet"),
    (lambda: LinearRegressor().fit(X, Y).predict(X[:, :2]), ValueError, "fitted on 4"),
])
def test_bad_input_is_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()
