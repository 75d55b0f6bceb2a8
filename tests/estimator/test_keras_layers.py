"""An Estimator's model_fn may build its network from tfc.keras layers: on TF1 graph tensors they add
graph ops, their weights become graph variables, and their names restart in every graph the
Estimator builds (so evaluate and predict restore what train saved)."""

import numpy as np

import tfc
import tfc.compat.v1 as tf
from tfc.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig


def model_fn(features, labels, mode):
    net = tfc.keras.layers.Dense(8, activation="relu")(features["x"])
    predictions = tfc.keras.layers.Dense(1)(net)
    if mode == ModeKeys.PREDICT:
        return EstimatorSpec(mode, predictions=predictions)
    loss = tf.reduce_mean(tf.square(predictions - labels))
    step = tf.train.AdamOptimizer(0.02).minimize(loss, tf.train.get_or_create_global_step())
    return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=step)


def test_keras_layers_in_a_model_fn_train_evaluate_and_predict(tmp_path):
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    estimator = Estimator(model_fn, model_dir=tmp_path, config=RunConfig(tf_random_seed=0))
    estimator.train(lambda: ({"x": x}, y), steps=300)
    assert {"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"} <= set(estimator.get_variable_names())
    assert estimator.evaluate(lambda: ({"x": x}, y), steps=1)["loss"] < 0.05
    predictions = np.array([p for p in estimator.predict(lambda: {"x": x})])
    np.testing.assert_allclose(predictions, y, atol=0.5)
    estimator.train(lambda: ({"x": x}, y), steps=10)  # a second train call restores the same names
    assert estimator.evaluate(lambda: ({"x": x}, y), steps=1)["global_step"] == 310
