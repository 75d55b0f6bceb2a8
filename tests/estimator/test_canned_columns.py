"""The canned estimators over every kind of feature column (encoded on the host per batch, dense in
the graph), string labels through label_vocabulary, wide & deep with two optimizers, and baselines."""

from __future__ import annotations

import numpy as np
import pytest

import tfc as tf
from tfc import data
from tfc.estimator import (
    BaselineClassifier,
    BaselineRegressor,
    DNNClassifier,
    DNNLinearCombinedClassifier,
    DNNLinearCombinedRegressor,
    LinearClassifier,
    LinearRegressor,
    RunConfig,
)

fc = tf.feature_column
COLORS = ["red", "green", "blue"]


def color_problem(n=90, seed=0):
    """Label = the color's index, unless ``age`` > 50 (then 0): linear in indicator(color) x bucket(age)."""
    rng = np.random.default_rng(seed)
    color = rng.integers(3, size=n)
    age = rng.uniform(10, 90, size=n).astype(np.float32)
    labels = np.where(age > 50, 0, color)
    return {"color": np.array(COLORS)[color].reshape(n, 1), "age": age.reshape(n, 1)}, labels.astype(np.int64)


COLOR = fc.categorical_column_with_vocabulary_list("color", COLORS)
AGE = fc.numeric_column("age")
AGE_BUCKETS = fc.bucketized_column(AGE, [50.0])


def test_linear_classifier_over_categorical_bucketized_and_crossed_columns(tmp_path):
    features, labels = color_problem()
    cross = fc.crossed_column([COLOR, AGE_BUCKETS], hash_bucket_size=20)
    estimator = LinearClassifier([COLOR, AGE_BUCKETS, cross], n_classes=3, model_dir=tmp_path, optimizer="Adam")
    estimator.train(lambda: (features, labels), steps=150)
    assert estimator.evaluate(lambda: (features, labels), steps=1)["accuracy"] == 1.0
    names = estimator.get_variable_names()
    assert "linear/linear_model/color/weights" in names
    assert estimator.get_variable_value("linear/linear_model/color/weights").shape == (3, 3)
    assert estimator.get_variable_value("linear/linear_model/age_bucketized_X_color/weights").shape == (20, 3)


def test_dnn_classifier_with_embeddings_and_string_labels(tmp_path):
    features, labels = color_problem()
    vocabulary = ["zero", "one", "two"]
    string_labels = np.array(vocabulary)[labels]
    columns = [fc.embedding_column(COLOR, 4), fc.indicator_column(AGE_BUCKETS), AGE]
    config = RunConfig(tf_random_seed=1)
    estimator = DNNClassifier([16], columns, n_classes=3, label_vocabulary=vocabulary, model_dir=tmp_path, config=config,
                              optimizer="Adam")
    estimator.train(lambda: data.Dataset.from_tensor_slices((features, string_labels)).repeat().batch(30), steps=120)
    assert estimator.evaluate(lambda: (features, string_labels), steps=1)["accuracy"] > 0.95
    assert estimator.get_variable_value("dnn/input_from_feature_columns/input_layer/color_embedding/embedding_weights").shape == (3, 4)
    predictions = list(estimator.predict(lambda: features))
    assert [p["classes"][0].decode() for p in predictions[:5]] == list(string_labels[:5])
    assert predictions[0]["all_classes"].tolist() == [b"zero", b"one", b"two"]
    assert predictions[0]["all_class_ids"].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"Labels \['three'\] are not in label_vocabulary"):
        estimator.evaluate(lambda: (features, np.full(90, "three")), steps=1)


def test_ragged_string_features_of_changing_width(tmp_path):
    """Dense string batches padded with "" (missing, as in TensorFlow) of widths 1..3: each batch's ids
    are padded to a power of two, so they feed the same graph."""
    rng = np.random.default_rng(3)
    bags = [[COLORS[i] for i in rng.integers(3, size=rng.integers(1, 4))] for _ in range(60)]
    y = np.array([[float(bag.count("red"))] for bag in bags], np.float32)
    estimator = LinearRegressor([COLOR], model_dir=tmp_path, optimizer="SGD")

    def batches():
        for start in range(0, 60, 6):
            chunk = bags[start:start + 6]
            width = max(map(len, chunk))
            yield {"color": np.array([bag + [""] * (width - len(bag)) for bag in chunk])}, y[start:start + 6]

    signature = ({"color": tf.TensorSpec([None, None], tf.string)}, tf.TensorSpec([None, 1], tf.float32))
    estimator.train(lambda: data.Dataset.from_generator(batches, output_signature=signature).repeat(40))
    np.testing.assert_allclose(estimator.get_variable_value("linear/linear_model/color/weights")[:, 0], [1, 0, 0], atol=0.05)


def test_wide_and_deep_trains_both_parts_with_their_optimizers(tmp_path):
    features, labels = color_problem()
    estimator = DNNLinearCombinedClassifier(linear_feature_columns=[COLOR, AGE_BUCKETS], dnn_feature_columns=[fc.embedding_column(COLOR, 3), AGE],
                                            dnn_hidden_units=[8], n_classes=3, linear_optimizer="Adam", dnn_optimizer="Adam",
                                            model_dir=tmp_path, config=RunConfig(tf_random_seed=2))
    estimator.train(lambda: (features, labels), steps=150)
    results = estimator.evaluate(lambda: (features, labels), steps=1)
    assert results["global_step"] == 150 and results["accuracy"] > 0.95
    names = estimator.get_variable_names()
    assert "linear/linear_model/color/weights" in names and "dnn/hiddenlayer_0/kernel" in names
    assert np.abs(estimator.get_variable_value("linear/linear_model/color/weights")).sum() > 0
    regressor = DNNLinearCombinedRegressor(linear_feature_columns=[AGE], linear_optimizer="SGD", model_dir=tmp_path / "r")
    regressor.train(lambda: (features, features["age"] / 100), steps=3)
    assert not any(name.startswith("dnn/") for name in regressor.get_variable_names())
    with pytest.raises(ValueError, match="Either linear_feature_columns or dnn_feature_columns must be defined"):
        DNNLinearCombinedClassifier()


def test_baselines_learn_the_label_mean_and_the_class_prior(tmp_path):
    features, labels = color_problem()
    y = (features["age"] / 10).astype(np.float32)
    regressor = BaselineRegressor(model_dir=tmp_path / "r", optimizer="SGD").train(lambda: (features, y), steps=200)
    np.testing.assert_allclose(regressor.get_variable_value("baseline/bias"), [y.mean()], rtol=1e-3)
    prediction = next(regressor.predict(lambda: features))["predictions"]
    np.testing.assert_allclose(prediction, [y.mean()], rtol=1e-3)
    classifier = BaselineClassifier(n_classes=3, model_dir=tmp_path / "c", optimizer="Adam")
    classifier.train(lambda: (features, labels), steps=300)
    probabilities = next(classifier.predict(lambda: features))["probabilities"]
    np.testing.assert_allclose(probabilities, np.bincount(labels, minlength=3) / len(labels), atol=0.01)


def test_column_mistakes_are_named(tmp_path):
    with pytest.raises(ValueError, match="wrap categorical column 'color' in an embedding_column or indicator_column"):
        DNNClassifier([4], [COLOR])
    with pytest.raises(ValueError, match="sparse_combiner must be one of"):
        LinearRegressor([COLOR], sparse_combiner="max")
    with pytest.raises(ValueError, match="label_vocabulary has 2 entries, but n_classes is 3"):
        LinearClassifier([AGE], n_classes=3, label_vocabulary=["a", "b"])
    features, labels = color_problem()
    estimator = LinearClassifier([COLOR, fc.numeric_column("height")], n_classes=3, model_dir=tmp_path, optimizer="SGD")
    with pytest.raises(ValueError, match="feature column 'height': .*feature 'height' is not in the features dict"):
        estimator.train(lambda: (features, labels), steps=1)
    assert not list(tmp_path.glob("*.npz"))
