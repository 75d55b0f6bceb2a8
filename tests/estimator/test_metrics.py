"""Streaming metrics: each update adds a batch; the value is the metric over every batch so far."""

from __future__ import annotations

import numpy as np
import pytest

import tfc.compat.v1 as tf
from tfc.estimator import metrics


@pytest.fixture
def graph():
    with tf.Graph().as_default() as g:
        yield g


def run_batches(value, update, feeds_per_batch):
    with tf.Session() as session:
        session.run(tf.local_variables_initializer())
        before = session.run(value)
        updates = [session.run(update, feeds) for feeds in feeds_per_batch]
        return before, updates, session.run(value)


def test_mean_over_batches_and_weights(graph):
    x = tf.placeholder(tf.float32, [None])
    w = tf.placeholder(tf.float32, [None])
    value, update = metrics.mean(x)
    weighted, weighted_update = metrics.mean(x, weights=w)
    before, updates, after = run_batches(value, update, [{x: [1.0, 2.0, 3.0]}, {x: [10.0]}])
    assert before == 0.0 and updates == [2.0, 4.0] and after == 4.0
    _, _, after = run_batches(weighted, weighted_update, [{x: [1.0, 2.0], w: [3.0, 1.0]}, {x: [4.0], w: [0.0]}])
    np.testing.assert_allclose(after, 1.25)
    assert [v.op.name for v in tf.local_variables()][:2] == ["mean/total", "mean/count"]
    assert tf.global_variables() == []  # never saved in checkpoints


def test_accuracy_compares_labels_and_predictions(graph):
    labels = tf.placeholder(tf.int64, [None, 1])
    predictions = tf.placeholder(tf.int64, [None])
    value, update = metrics.accuracy(labels, predictions)
    _, updates, after = run_batches(value, update, [{labels: [[1], [2]], predictions: [1, 3]},
                                                    {labels: [[0], [4]], predictions: [0, 4]}])
    assert updates == [0.5, 0.75] and after == 0.75


def test_mean_squared_error(graph):
    labels = tf.placeholder(tf.float32, [None, 2])
    predictions = tf.placeholder(tf.float32, [None, 2])
    value, update = metrics.mean_squared_error(labels, predictions, metrics_collections=["m"], updates_collections=["u"])
    a, b = np.arange(4.0).reshape(2, 2), np.ones((2, 2))
    _, _, after = run_batches(value, update, [{labels: a, predictions: b}, {labels: b, predictions: b}])
    np.testing.assert_allclose(after, np.mean(np.concatenate([(a - b) ** 2, 0 * b])))
    assert tf.get_collection("m") == [value] and tf.get_collection("u") == [update]
