"""TensorForestEstimator: accuracy and R² against scikit-learn's random forests of the same size on
committed data (tests/data/toolkit/forest.npz, from scripts/generate_forest_reference.py), growth on
batches and through the estimator interface equal to ``fit``, determinism, and clear errors."""

from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.toolkit.tensor_forest import ForestHParams, TensorForestEstimator

DATA = Path(__file__).resolve().parents[1] / "data" / "toolkit"
SEEDS = 3


@pytest.fixture(scope="module")
def reference():
    with np.load(DATA / "forest.npz") as data:
        return {name: data[name] for name in data.files}


def _params(reference, **kwargs):
    return ForestHParams(num_features=10, num_trees=int(reference["num_trees"]), max_depth=int(reference["max_depth"]), **kwargs)


def _r2(predicted, actual):
    return 1.0 - float(((predicted - actual) ** 2).sum() / ((actual - actual.mean()) ** 2).sum())


def test_classification_accuracy_within_two_points_of_scikit_learn(reference):
    accuracies = []
    for seed in range(SEEDS):
        params = _params(reference, num_classes=2, bootstrap=True, base_random_seed=seed)
        forest = TensorForestEstimator(params).fit(reference["classification_x"], reference["classification_y"])
        accuracies.append(float((forest.predict(reference["classification_x_test"]) == reference["classification_y_test"]).mean()))
    # measured: 0.917 mean over seeds 0..2 (0.916 over 0..4) against scikit-learn's 0.9188 over 0..4
    assert np.mean(accuracies) >= reference["classification_accuracy"].mean() - 0.02


def test_regression_r2_within_three_points_of_scikit_learn(reference):
    """scikit-learn's regressor tries every feature at each node: num_splits_to_consider=10."""
    params = _params(reference, regression=True, bootstrap=True, num_splits_to_consider=10)
    forest = TensorForestEstimator(params).fit(reference["regression_x"], reference["regression_y"], batch_size=400)
    predicted = forest.predict(reference["regression_x_test"])
    assert predicted.shape == reference["regression_y_test"].shape
    # measured: 0.807 (seed 0) against scikit-learn's 0.809 mean over seeds 0..4
    assert _r2(predicted, reference["regression_y_test"]) >= reference["regression_r2"].mean() - 0.03


def test_batches_grow_the_same_forest_and_a_seed_the_same_forest(reference):
    x, y = reference["classification_x"][:600], reference["classification_y"][:600]
    params = ForestHParams(num_classes=2, num_features=10, num_trees=8, max_depth=4, bootstrap=True)
    whole = TensorForestEstimator(params).fit(x, y)
    batched = TensorForestEstimator(params).fit(x, y, batch_size=250)  # 3 batches, the last padded
    again = TensorForestEstimator(params).fit(x, y)
    for name in ("feature", "threshold", "left_child", "value"):
        np.testing.assert_array_equal(batched.get_variable_value(name), whole.get_variable_value(name))
        np.testing.assert_array_equal(again.get_variable_value(name), whole.get_variable_value(name))
    params.base_random_seed = 1
    other = TensorForestEstimator(params).fit(x, y)
    assert not np.array_equal(other.get_variable_value("threshold"), whole.get_variable_value("threshold"))
    probabilities = whole.predict_proba(x)
    assert probabilities.shape == (600, 2) and np.allclose(probabilities.sum(1), 1.0)
    np.testing.assert_array_equal(whole.predict(x), probabilities.argmax(1))


def test_train_steps_on_the_whole_input_equal_fit_and_evaluate_predict_agree(reference, tmp_path):
    x, y = reference["classification_x"][:600], reference["classification_y"][:600]
    params = ForestHParams(num_classes=2, num_features=10, num_trees=8, max_depth=4, split_after_samples=600)
    fitted = TensorForestEstimator(params).fit(x, y)
    trained = TensorForestEstimator(params, model_dir=str(tmp_path))
    trained.train(lambda: (x, y), steps=6)  # one level per step; steps past max_depth change nothing
    for name in ("feature", "threshold", "left_child", "value"):
        np.testing.assert_array_equal(trained.get_variable_value(name), fitted.get_variable_value(name))
    results = trained.evaluate(lambda: (x, y))
    assert results["global_step"] == 6
    assert results["accuracy"] == pytest.approx(float((fitted.predict(x) == y).mean()), abs=1e-6)
    assert 0 < results["loss"] < 1
    batches = lambda: tfc.data.Dataset.from_tensor_slices((x[:50], y[:50])).batch(20)
    predictions = list(trained.predict(batches))
    assert len(predictions) == 50 and set(predictions[0]) == {"predictions", "probabilities"}
    np.testing.assert_array_equal([p["predictions"] for p in predictions], fitted.predict(x[:50]))
    restored = TensorForestEstimator(params, model_dir=str(tmp_path))
    np.testing.assert_array_equal(restored.predict(x), fitted.predict(x))
    assert restored.get_variable_value("level_histogram").size == 0  # grown: the checkpoint keeps no statistics
    restored.train(lambda: (x, y), steps=1)  # nothing left to grow
    np.testing.assert_array_equal(restored.get_variable_value("value"), fitted.get_variable_value("value"))
    assert restored.evaluate(lambda: (x, y))["global_step"] == 7


def test_streamed_batches_grow_a_level_per_split_after_samples(reference, tmp_path):
    """Levels decided from 400 streamed rows each, features a dict rewritten by feature_engineering_fn."""
    x, y = reference["classification_x"], reference["classification_y"]
    params = ForestHParams(num_classes=2, num_trees=8, max_depth=4, split_after_samples=400, bagging_fraction=0.7)
    engineering = lambda features, labels: ({"a": features["a"], "b": features["b"] * 1.0}, labels)
    forest = TensorForestEstimator(params, model_dir=str(tmp_path), feature_engineering_fn=engineering)
    data = lambda: tfc.data.Dataset.from_tensor_slices(({"a": x[:, :4], "b": x[:, 4:]}, y)).batch(200).repeat()
    forest.train(data, steps=4)
    assert int(forest.get_variable_value("level_start")) == 3  # two levels decided: now growing depth 2
    forest.train(data, steps=6)
    assert int(forest.get_variable_value("level_start")) == 15  # all four levels decided
    test = lambda: ({"a": reference["classification_x_test"][:, :4], "b": reference["classification_x_test"][:, 4:]},
                    reference["classification_y_test"])
    assert forest.evaluate(test)["accuracy"] > 0.8


def test_regression_estimator_metrics(reference):
    x, y = reference["regression_x"][:400], reference["regression_y"][:400]
    params = ForestHParams(num_features=10, num_trees=4, max_depth=3, regression=True, split_after_samples=400)
    forest = TensorForestEstimator(params)
    forest.train(lambda: (x, y), steps=3)
    results = forest.evaluate(lambda: (x, y))
    assert results["mean_squared_error"] == pytest.approx(float(((forest.predict(x) - y) ** 2).mean()), rel=1e-4)
    assert results["loss"] == results["mean_squared_error"]
    assert set(next(forest.predict(lambda: (x[:3], None)))) == {"predictions"}
    with pytest.raises(ValueError, match="predict_proba is for classification"):
        forest.predict_proba(x)
    two = np.stack([y, x[:, 0]], 1)  # num_classes outputs at once
    both = TensorForestEstimator(ForestHParams(num_classes=2, num_trees=4, max_depth=3, regression=True)).fit(x, two)
    assert both.predict(x).shape == (400, 2)
    with pytest.raises(ValueError, match=r"\[n\] or \[n, 2\] \(num_classes\), got shape \[400, 1\]"):
        both.fit(x, y[:, None])


def test_pure_nodes_stay_leaves_and_feature_bags_hold():
    x = np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0], [3.0, 5.0]] * 4, np.float32)
    y = np.array([0, 0, 1, 1] * 4)
    forest = TensorForestEstimator(ForestHParams(num_classes=2, num_trees=2, max_depth=3, num_splits_to_consider=2)).fit(x, y)
    assert (forest.get_variable_value("left_child") >= 0).sum(1).tolist() == [1, 1]  # the root only
    np.testing.assert_array_equal(forest.predict_proba(x), np.eye(2, dtype=np.float32)[y])
    bagged = ForestHParams(num_classes=2, num_features=10, num_trees=6, max_depth=4, feature_bagging_fraction=0.3)
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(300, 10)).astype(np.float32)
    forest = TensorForestEstimator(bagged).fit(wide, (wide.sum(1) > 0).astype(np.int32))
    split = forest.get_variable_value("left_child") >= 0
    used = [set(forest.get_variable_value("feature")[t][split[t]].tolist()) for t in range(6)]
    assert all(0 < len(features) <= 3 for features in used)


def test_hyperparameters_fill_and_bound_the_depth():
    params = ForestHParams(num_classes=3, num_features=16, max_nodes=100).fill()
    assert params.max_depth == 5 and params.num_splits_to_consider == 4 and params.num_outputs == 3
    assert ForestHParams(num_classes=2, max_depth=12).fill().max_depth == 12
    assert ForestHParams(num_classes=2, max_depth=20, max_nodes=1000).fill().max_depth == 8
    assert ForestHParams(regression=True).fill().num_outputs == 1
    with pytest.raises(ValueError, match="num_classes must be at least 2"):
        ForestHParams().fill()
    with pytest.raises(ValueError, match="bagging_fraction must be a number in"):
        ForestHParams(num_classes=2, bagging_fraction=0).fill()
    with pytest.raises(ValueError, match="max_nodes must allow a split"):
        ForestHParams(num_classes=2, max_nodes=2).fill()


def test_bad_input_is_refused_by_name(reference):
    x, y = reference["classification_x"][:100], reference["classification_y"][:100]
    params = ForestHParams(num_classes=2, num_features=10, num_trees=2, max_depth=2)
    with pytest.raises(ValueError, match="x has 9 features, but params.num_features is 10"):
        TensorForestEstimator(params).fit(x[:, :9], y)
    with pytest.raises(ValueError, match=r"class ids in \[0, num_classes=2\), got 2 at row 3"):
        TensorForestEstimator(params).fit(x, np.where(np.arange(100) == 3, 2, y))
    with pytest.raises(ValueError, match="got -1 at row 0"):
        TensorForestEstimator(params).fit(x, -np.ones(100, np.int32))
    with pytest.raises(ValueError, match="x must hold at least one point"):
        TensorForestEstimator(params).fit(np.zeros((0, 10), np.float32), np.zeros(0, np.int32))
    with pytest.raises(ValueError, match="labels have shape \\[99\\], but x has 100 rows"):
        TensorForestEstimator(params).fit(x, y[:99])
    with pytest.raises(RuntimeError, match="not fitted yet"):
        TensorForestEstimator(params).predict(x)
    forest = TensorForestEstimator(ForestHParams(num_classes=2, num_trees=2, max_depth=2)).fit(x, y)
    with pytest.raises(ValueError, match="x has 8 features, but the forest was grown on 10"):
        forest.predict(x[:, :8])
    with pytest.raises(TypeError, match="params must be a tfc.toolkit.ForestHParams"):
        TensorForestEstimator({"num_classes": 2})
    with pytest.raises(NotImplementedError, match="device_assigner"):
        TensorForestEstimator(params, device_assigner=object())
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        TensorForestEstimator(params).fit(x, y, batch_size=0)
