"""The canned estimators: Linear/DNN regressors and classifiers learn, and report TensorFlow's metrics and prediction keys."""

from __future__ import annotations

import numpy as np
import pytest

import tfc as tf
from tfc import data
from tfc.estimator import DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor

W = np.array([[1.5], [-2.0]], np.float32)


def linear_problem(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    return {"a": x[:, :1], "b": x[:, 1:]}, (x @ W + 0.5).astype(np.float32)


def two_blobs(n=80, seed=1):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    centers = np.array([[-2.0, -2.0], [2.0, 2.0]], np.float32)
    points = (centers[labels] + 0.5 * rng.normal(size=(n, 2))).astype(np.float32)
    return {"a": points[:, :1], "b": points[:, 1:]}, labels.astype(np.int64)


COLUMNS = [tf.feature_column.numeric_column("a"), tf.feature_column.numeric_column("b")]


def test_linear_regressor_with_sgd_reaches_the_least_squares_weights(tmp_path):
    features, y = linear_problem()
    estimator = LinearRegressor(COLUMNS, model_dir=tmp_path, optimizer="SGD")
    estimator.train(lambda: (features, y), steps=300)
    np.testing.assert_allclose(estimator.get_variable_value("linear/linear_model/a/weights"), [[1.5]], atol=1e-3)
    np.testing.assert_allclose(estimator.get_variable_value("linear/linear_model/b/weights"), [[-2.0]], atol=1e-3)
    np.testing.assert_allclose(estimator.get_variable_value("linear/linear_model/bias_weights"), [0.5], atol=1e-3)
    results = estimator.evaluate(lambda: (features, y), steps=1)
    assert set(results) == {"average_loss", "label/mean", "prediction/mean", "loss", "global_step"}
    assert results["average_loss"] < 1e-5 and results["global_step"] == 300
    np.testing.assert_allclose(results["label/mean"], y.mean(), rtol=1e-5)
    predictions = list(estimator.predict(lambda: features))
    assert set(predictions[0]) == {"predictions"} and predictions[0]["predictions"].shape == (1,)
    np.testing.assert_allclose([p["predictions"][0] for p in predictions], y[:, 0], atol=1e-2)


def test_dnn_classifier_learns_separable_blobs(tmp_path):
    features, labels = two_blobs()
    train_input = lambda: data.Dataset.from_tensor_slices((features, labels)).shuffle(80, seed=0).repeat().batch(20)
    config = tf.estimator.RunConfig(tf_random_seed=0)
    estimator = DNNClassifier([8], COLUMNS, model_dir=tmp_path, config=config, optimizer="Adam")
    estimator.train(train_input, steps=60)
    results = estimator.evaluate(lambda: data.Dataset.from_tensor_slices((features, labels)).batch(40))
    assert set(results) == {"accuracy", "accuracy_baseline", "auc", "auc_precision_recall", "average_loss", "label/mean", "precision",
                            "prediction/mean", "recall", "loss", "global_step"}
    assert results["accuracy"] > 0.9 and results["auc"] > 0.95 and results["precision"] > 0.9 and results["recall"] > 0.9
    assert results["accuracy_baseline"] == pytest.approx(0.5) and results["label/mean"] == pytest.approx(0.5)
    predictions = list(estimator.predict(lambda: features))
    assert set(predictions[0]) == {"logits", "logistic", "probabilities", "class_ids", "classes", "all_class_ids", "all_classes"}
    assert predictions[0]["probabilities"].shape == (2,) and predictions[0]["logits"].shape == (1,)
    np.testing.assert_allclose(predictions[0]["probabilities"][1], predictions[0]["logistic"][0], rtol=1e-5)
    class_ids = np.array([p["class_ids"][0] for p in predictions])
    assert np.mean(class_ids == labels) > 0.9
    assert [p["classes"][0] for p in predictions[:4]] == [str(i).encode() for i in class_ids[:4]]
    only = next(estimator.predict(lambda: features, predict_keys=["classes"]))
    assert set(only) == {"classes"}


def test_linear_classifier_and_dnn_regressor_train_and_report():
    features, labels = two_blobs()
    classifier = LinearClassifier(COLUMNS, n_classes=3, optimizer="Adam").train(lambda: (features, labels), steps=20)
    assert classifier.evaluate(lambda: (features, labels), steps=1)["accuracy"] > 0.9
    features, y = linear_problem()
    regressor = DNNRegressor([4], COLUMNS, optimizer="Adam", dropout=0.1).train(lambda: (features, y), steps=5)
    assert set(next(regressor.predict(lambda: features))) == {"predictions"}


def test_labels_outside_n_classes_are_refused(tmp_path):
    features, labels = two_blobs()
    with pytest.raises(ValueError, match=r"Labels must be in \[0, n_classes\) = \[0, 2\); got \[2\]"):
        DNNClassifier([4], COLUMNS, model_dir=tmp_path).train(lambda: (features, labels + 1), steps=1)


def test_unsupported_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="Unsupported optimizer name: Nadam"):
        DNNRegressor([4], COLUMNS, optimizer="Nadam")
    with pytest.raises(ValueError, match="batch_norm=True is not supported yet"):
        DNNRegressor([4], COLUMNS, batch_norm=True)
    with pytest.raises(ValueError, match="n_classes must be > 1"):
        LinearClassifier(COLUMNS, n_classes=1)


def test_evaluation_refuses_bad_labels_too(tmp_path):
    features, labels = two_blobs()
    estimator = LinearClassifier(COLUMNS, model_dir=tmp_path, optimizer="SGD").train(lambda: (features, labels), steps=1)
    with pytest.raises(ValueError, match=r"got \[-1\]"):
        estimator.evaluate(lambda: (features, labels - 1), steps=1)


def test_weight_column_and_sum_reduction_weigh_the_loss(tmp_path):
    features, y = linear_problem(n=8)
    weighted = {**features, "w": np.arange(8, dtype=np.float32).reshape(8, 1)}
    estimator = LinearRegressor(COLUMNS, model_dir=tmp_path, optimizer="SGD", weight_column="w", loss_reduction="sum")
    results = estimator.train(lambda: (weighted, y), steps=1).evaluate(lambda: (weighted, y), steps=1)
    values = {name: estimator.get_variable_value(f"linear/linear_model/{name}/weights")[0, 0] for name in "ab"}
    prediction = features["a"] * values["a"] + features["b"] * values["b"]
    prediction = prediction + estimator.get_variable_value("linear/linear_model/bias_weights")[0]
    squared = (prediction - y) ** 2
    np.testing.assert_allclose(results["loss"], np.sum(squared * weighted["w"]), rtol=1e-4)
    np.testing.assert_allclose(results["average_loss"], np.sum(squared * weighted["w"]) / weighted["w"].sum(), rtol=1e-4)
