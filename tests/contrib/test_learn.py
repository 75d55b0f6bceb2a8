"""The seed's spellings: tf.contrib.layers' columns and tf.contrib.learn's estimators with fit/evaluate
on arrays (features under the column named "") or input_fns, as the seed's programs wrote them."""

import numpy as np
import pytest

import tfc as tf


def three_blobs(n=90, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centers = np.array([[0, 0, 0, 0], [3, 3, 0, 0], [0, 3, 3, 3]], np.float32)
    return (centers[labels] + 0.4 * rng.normal(size=(n, 4))).astype(np.float32), labels


def test_dnn_classifier_fit_and_evaluate_on_arrays(tmp_path):
    x, y = three_blobs()
    columns = [tf.contrib.layers.real_valued_column("", dimension=4)]
    classifier = tf.contrib.learn.DNNClassifier(hidden_units=[10, 20, 10], feature_columns=columns, n_classes=3, model_dir=str(tmp_path),
                                                optimizer="Adam", config=tf.estimator.RunConfig(tf_random_seed=0))
    classifier.fit(x=x, y=y, steps=100, batch_size=30)
    assert classifier.evaluate(x=x, y=y)["accuracy"] > 0.95
    classes = classifier.predict_classes(x=x, as_iterable=False)
    assert classes.shape == (90,) and np.mean(classes == y) > 0.95
    probabilities = classifier.predict_proba(x=x, as_iterable=False)
    assert probabilities.shape == (90, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    batch = classifier.predict(x=x, as_iterable=False)
    assert batch["class_ids"].shape == (90, 1)


def test_linear_regressor_fit_with_an_input_fn_and_integerized_sparse_column(tmp_path):
    rng = np.random.default_rng(1)
    zone = rng.integers(4, size=200)
    size = rng.uniform(0, 1, 200).astype(np.float32)
    price = (np.array([1.0, 2.0, 3.0, 4.0])[zone] + 2 * size).astype(np.float32)
    layers = tf.contrib.layers
    columns = [layers.real_valued_column("size"), layers.sparse_column_with_integerized_feature("zone", bucket_size=4)]
    regressor = tf.contrib.learn.LinearRegressor(feature_columns=columns, model_dir=str(tmp_path), optimizer="Adam")

    def input_fn():
        return {"size": size, "zone": zone.astype(np.int64)}, price

    regressor.fit(input_fn, steps=600)  # an input_fn passed first, as the seed's fit(input_fn) reads
    assert regressor.evaluate(input_fn=input_fn, steps=1)["loss"] < 1e-3
    scores = regressor.predict_scores(input_fn=input_fn, as_iterable=False)
    np.testing.assert_allclose(scores, price, atol=0.05)


def test_contrib_argument_mistakes():
    columns = [tf.contrib.layers.real_valued_column("", dimension=2)]
    with pytest.raises(ValueError, match="gradient_clip_norm: not supported"):
        tf.contrib.learn.LinearRegressor(columns, gradient_clip_norm=5.0)
    regressor = tf.contrib.learn.LinearRegressor(columns, optimizer="SGD")
    with pytest.raises(ValueError, match="Either x or input_fn must be provided"):
        regressor.fit(steps=1)
    with pytest.raises(ValueError, match="give steps or max_steps"):
        regressor.fit(x=np.zeros((4, 2), np.float32), y=np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="combiner must be"):
        tf.contrib.layers.sparse_column_with_integerized_feature("z", 3, combiner="max")
