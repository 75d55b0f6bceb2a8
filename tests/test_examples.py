"""The examples converge to the known solution, the TF1 way (graph + Session + minimize) and the
traced way (@tfc.compile + tfc.grad / Variables + optimizer)."""

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_linear_regression_both_ways_finds_the_true_weights():
    for name in ("linear_regression_tf1", "linear_regression_traced"):
        example = load(name)
        loss, w, b = example.main(steps=200, verbose=False)
        assert loss < 1e-6, name
        np.testing.assert_allclose(w, example.TRUE_W, atol=1e-3, err_msg=name)
        np.testing.assert_allclose(b, [example.TRUE_B], atol=1e-3, err_msg=name)


def test_classifier_both_ways_learns_the_blobs():
    results = load("classifier").main(steps=150, verbose=False)
    for name, (loss, accuracy) in results.items():
        assert loss < 0.3 and accuracy > 0.9, (name, loss, accuracy)


def test_seed_demo_runs():
    load("seed").main()


def test_keras_mnist_mlp_and_cnn_learn_the_synthetic_digits():
    results = load("keras_mnist").main(epochs=2, verbose=0)
    for name, (loss, accuracy) in results.items():
        assert accuracy > 0.9, (name, loss, accuracy)


def test_keras_text_classifier_learns_which_words_matter():
    loss, accuracy = load("keras_text").main(epochs=4, verbose=0)
    assert accuracy > 0.9, (loss, accuracy)


def test_housing_regressors_recover_the_price_rule():
    errors = load("housing").main(steps=300, rows=1000, verbose=False)
    for name in ("LinearRegressor", "DNNRegressor"):
        assert errors[name] < 15 < errors["predict the mean price"] / 5, (name, errors)


def test_census_wide_and_deep_beats_linear_and_baseline():
    results = load("census_wide_deep").main(steps=150, rows=2000, verbose=False)
    assert results["wide & deep"]["auc"] > results["baseline"]["auc"] + 0.2, results
    assert results["wide & deep"]["accuracy"] > 0.75, results


def test_kmeans_blobs_finds_every_center_both_ways():
    results = load("kmeans_blobs").main(points_per_blob=300, verbose=False)
    for name, (_, distance, _) in results.items():
        assert distance < 0.2, (name, results)


def test_wals_ratings_beat_the_mean_rating():
    errors = load("wals_ratings").main(verbose=False)
    assert errors["WALS (fit)"] < 0.8 * errors["mean rating"], errors
