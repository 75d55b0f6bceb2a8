"""WALSMatrixFactorization: from the same start it reaches what a dense numpy weighted ALS reaches
(tests/data/toolkit/wals.npz, written by scripts/generate_wals_reference.py), reconstructs a fully
observed low-rank matrix, leaves unobserved rows alone, is seeded, refuses bad input by name, and its
estimator interface (one sweep per step) agrees with ``fit``."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.toolkit.wals import WALSMatrixFactorization

DATA = Path(__file__).resolve().parents[1] / "data" / "toolkit"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def reference():
    with np.load(DATA / "wals.npz") as data:
        return {name: data[name] for name in data.files}


def _model(reference, **kwargs):
    return WALSMatrixFactorization(
        20, 15, 3, unobserved_weight=float(reference["unobserved_weight"]),
        regularization_coeff=float(reference["regularization"]), row_init=reference["row_init"],
        col_init=reference["col_init"], row_weights=reference["row_weights"], col_weights=reference["col_weights"], **kwargs)


def _triples(reference):
    return reference["rows"], reference["cols"], reference["values"]


def test_sweeps_reach_the_reference_als_from_the_same_start(reference):
    model = _model(reference).fit(*_triples(reference), iterations=int(reference["sweeps"]))
    expected = reference["row_factors"] @ reference["col_factors"].T
    np.testing.assert_allclose(model.get_row_factors() @ model.get_col_factors().T, expected, atol=1e-4)
    np.testing.assert_allclose(model.get_row_factors(), reference["row_factors"], atol=1e-4)
    assert model.loss(*_triples(reference)) == pytest.approx(float(reference["losses"][-1]), rel=1e-5)


def test_each_sweep_gives_the_reference_objective(reference):
    model = _model(reference)
    losses = [model.fit(*_triples(reference), iterations=n).loss(*_triples(reference)) for n in (1, 2, 4)]
    np.testing.assert_allclose(losses, reference["losses"][[0, 1, 3]], rtol=1e-5)
    assert losses[0] > losses[1] > losses[2]


def test_fully_observed_low_rank_matrix_is_reconstructed():
    rng = np.random.default_rng(3)
    truth = rng.standard_normal((12, 2)) @ rng.standard_normal((2, 10))
    rows, cols = (ids.ravel() for ids in np.indices(truth.shape))
    model = WALSMatrixFactorization(12, 10, 2, regularization_coeff=1e-6).fit(rows, cols, truth.ravel(), iterations=40)
    product = model.get_row_factors() @ model.get_col_factors().T
    assert np.linalg.norm(product - truth) / np.linalg.norm(truth) < 1e-3
    np.testing.assert_allclose(model.predict(rows[:5], cols[:5]), product.ravel()[:5], rtol=1e-5, atol=1e-6)


def test_rows_and_columns_without_observations_keep_their_factors(reference):
    keep = reference["rows"] != 7
    rows, cols, values = (array[keep] for array in _triples(reference))
    model = _model(reference).fit(rows, cols, values, iterations=2)
    np.testing.assert_array_equal(model.get_row_factors()[7], reference["row_init"][7])
    assert not np.allclose(model.get_row_factors()[6], reference["row_init"][6])


def test_plain_als_without_weights_and_random_init_is_seeded(reference):
    fit = lambda seed: WALSMatrixFactorization(
        20, 15, 3, row_weights=None, col_weights=None, config=tfc.estimator.RunConfig(tf_random_seed=seed)
    ).fit(*_triples(reference), iterations=2)
    first, again, other = fit(1), fit(1), fit(2)
    np.testing.assert_array_equal(first.get_row_factors(), again.get_row_factors())
    assert not np.allclose(first.get_row_factors(), other.get_row_factors())
    start = WALSMatrixFactorization(20, 15, 3).fit(*_triples(reference), iterations=0)
    assert np.std(start.get_col_factors()) == pytest.approx(1 / np.sqrt(3), rel=0.25)


@pytest.mark.parametrize("change, message", [
    ({"rows": [0, 20]}, r"rows must be ids in \[0, 20\)"),
    ({"cols": [-1, 0]}, r"cols must be ids in \[0, 15\)"),
    ({"cols": [0, 1, 2]}, "rows and cols must have the same length"),
    ({"values": [1.0]}, "values must be"),
    ({"values": [np.nan, 1.0]}, "values must be finite"),
])
def test_bad_triples_are_refused_by_name(change, message):
    triples = {"rows": [0, 1], "cols": [0, 1], "values": [1.0, 2.0], **change}
    with pytest.raises(ValueError, match=message):
        WALSMatrixFactorization(20, 15, 3).fit(**triples)


@pytest.mark.parametrize("kwargs, message", [
    ({"embedding_dimension": 0}, "embedding_dimension must be a positive integer"),
    ({"embedding_dimension": 2.5}, "embedding_dimension must be a positive integer"),
    ({"unobserved_weight": -1.0}, "unobserved_weight must be a finite number >= 0"),
    ({"row_init": np.zeros((20, 2))}, r"row_init must be 'random' or a \[20, 3\] array"),
    ({"col_init": "zeros"}, "col_init must be 'random'"),
    ({"row_weights": np.ones(3)}, "row_weights must be a number or an array of 20 weights"),
    ({"max_sweeps": 0}, "max_sweeps must be a positive integer"),
])
def test_bad_arguments_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WALSMatrixFactorization(**{"num_rows": 20, "num_cols": 15, "embedding_dimension": 3, **kwargs})


def test_sharded_weights_and_factors_are_joined(reference):
    sharded = WALSMatrixFactorization(
        20, 15, 3, unobserved_weight=float(reference["unobserved_weight"]), regularization_coeff=float(reference["regularization"]),
        row_init=np.split(reference["row_init"], 2), col_init=np.split(reference["col_init"], 3), num_row_shards=2,
        num_col_shards=3, row_weights=list(np.split(reference["row_weights"], 2)), col_weights=list(np.split(reference["col_weights"], 3)))
    joined = _model(reference)
    for model in (sharded, joined):
        model.fit(*_triples(reference), iterations=1)
    np.testing.assert_array_equal(sharded.get_col_factors(), joined.get_col_factors())


def test_singular_systems_and_huge_ids_are_clear_errors():
    model = WALSMatrixFactorization(3, 3, 2, unobserved_weight=0.0)
    with pytest.raises(ValueError, match="singular system"):
        model.fit([0, 1, 2], [0, 1, 2], [1.0, 2.0, 3.0], iterations=1)
    with pytest.raises(ValueError, match=r"rows must be ids in \[0, 3\)"):
        model.fit(np.array([2**32], np.int64), [0], [1.0])


def test_factors_before_fit_and_bad_iterations_are_clear_errors():
    model = WALSMatrixFactorization(4, 3, 2)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        model.get_row_factors()
    with pytest.raises(ValueError, match="iterations must be a non-negative integer"):
        model.fit([0], [0], [1.0], iterations=-1)
    with pytest.raises(TypeError, match="rows must be integer ids"):
        model.predict([0.5], [0])


def _input(reference):
    rows, cols, values = _triples(reference)
    return lambda: ({WALSMatrixFactorization.ROW: rows, WALSMatrixFactorization.COL: cols}, values)


def test_estimator_steps_are_sweeps_and_agree_with_fit(reference, tmp_path):
    fitted = _model(reference).fit(*_triples(reference), iterations=3)
    trained = _model(reference, model_dir=str(tmp_path), max_sweeps=3).train(_input(reference), steps=4)
    np.testing.assert_allclose(trained.get_row_factors(), fitted.get_row_factors(), atol=1e-6)
    assert trained.get_variable_names() == ["col_factors", "completed_sweeps", "row_factors"]
    results = trained.evaluate(_input(reference))
    count = len(reference["rows"])
    assert results["global_step"] == 4
    assert results["loss"] == pytest.approx(fitted.loss(*_triples(reference)) / count, rel=1e-5)
    errors = fitted.predict(*_triples(reference)[:2]) - reference["values"]
    assert results["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)), rel=1e-4)
    predictions = [p["prediction"] for p in trained.predict(_input(reference))]
    np.testing.assert_allclose(predictions, fitted.predict(*_triples(reference)[:2]), atol=1e-5)
    restored = _model(reference, model_dir=str(tmp_path), max_sweeps=3)
    np.testing.assert_array_equal(restored.get_col_factors(), trained.get_col_factors())
    assert restored.get_variable_value("completed_sweeps") == 3


def test_estimator_input_without_the_id_features_is_refused(reference):
    model = _model(reference)
    with pytest.raises(ValueError, match="features must be a dict with keys 'row' and 'col'"):
        model.train(lambda: ({"user": reference["rows"]}, reference["values"]), steps=1)


def test_batches_of_a_dataset_train_and_evaluate(reference):
    rows, cols, values = _triples(reference)
    features = {WALSMatrixFactorization.ROW: rows, WALSMatrixFactorization.COL: cols}
    batches = lambda: tfc.data.Dataset.from_tensor_slices((features, values)).batch(88)
    model = _model(reference).train(batches, steps=2)
    start = _model(reference).fit(rows, cols, values, iterations=0)
    assert model.loss(rows, cols, values) < 0.5 * start.loss(rows, cols, values)
    results = model.evaluate(batches)
    errors = model.predict(rows, cols) - values
    assert results["mse"] == pytest.approx(np.mean(errors**2), rel=1e-4)
    assert results["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)), rel=1e-4)


def test_ratings_example_beats_the_mean_rating():
    spec = importlib.util.spec_from_file_location("wals_ratings", EXAMPLES / "wals_ratings.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    results = example.main(verbose=False)
    assert results["WALS (fit)"] < 0.8 * results["mean rating"], results
    assert results["WALS (estimator)"] == pytest.approx(results["WALS (fit)"], rel=1e-3)
