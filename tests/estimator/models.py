"""A linear regression model_fn and its data, shared by the Estimator tests."""

from __future__ import annotations

import numpy as np

import tfc.compat.v1 as tf
from tfc import data
from tfc.estimator import EstimatorSpec, ModeKeys, metrics

TRUE_W = np.array([[1.0], [-2.0], [0.5]], np.float32)


def regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ TRUE_W + 0.3 + 0.05 * rng.normal(size=(n, 1))).astype(np.float32)
    return x, y


def least_squares(x, y):
    """(w, b) minimising the mean squared error."""
    solution = np.linalg.lstsq(np.c_[x, np.ones(len(x))], y, rcond=None)[0]
    return solution[:3], solution[3]


def linear_model_fn(features, labels, mode, params):
    """``features @ w + b`` trained with GradientDescent on the mean squared error."""
    x = features["x"] if isinstance(features, dict) else features
    w = tf.get_variable("w", [params.get("inputs", 3), 1], initializer=tf.zeros_initializer())
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    predictions = tf.matmul(x, w) + b
    if mode == ModeKeys.PREDICT:
        return EstimatorSpec(mode, predictions={"y": predictions, "double": 2.0 * predictions})
    loss = tf.reduce_mean(tf.square(predictions - labels))
    train_op = tf.train.GradientDescentOptimizer(params.get("learning_rate", 0.1)).minimize(
        loss, global_step=tf.train.get_or_create_global_step())
    return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op,
                         eval_metric_ops={"mse": metrics.mean_squared_error(labels, predictions)})


def batched(x, y, batch_size=16):
    """An input_fn giving a Dataset of ({"x": ...}, y) batches."""
    return lambda: data.Dataset.from_tensor_slices(({"x": x}, y)).batch(batch_size)
