"""A softmax classifier on a dict of features, with accuracy, and hooks in every mode."""

from __future__ import annotations

import numpy as np

import tfc.compat.v1 as tf
from tfc import data
from tfc.estimator import Estimator, EstimatorSpec, ModeKeys, metrics


def classifier_fn(features, labels, mode, params):
    """Two features in a dict, three classes, sparse labels."""
    x = tf.concat([features["a"], features["b"]], axis=1)
    w = tf.get_variable("w", [2, 3], initializer=tf.zeros_initializer())
    logits = tf.matmul(x, w) + tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    classes = tf.argmax(logits, 1)
    if mode == ModeKeys.PREDICT:
        return EstimatorSpec(mode, predictions={"class_ids": classes, "probabilities": tf.nn.softmax(logits)})
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    train_op = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=tf.train.get_or_create_global_step())
    return EstimatorSpec(mode, loss=loss, train_op=train_op, eval_metric_ops={"accuracy": metrics.accuracy(labels, classes)})


def blobs(n=90, seed=1):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centers = np.array([[0.0, 4.0], [4.0, 0.0], [-4.0, -4.0]], np.float32)
    points = (centers[labels] + rng.normal(size=(n, 2))).astype(np.float32)
    return {"a": points[:, :1], "b": points[:, 1:]}, labels.astype(np.int64)


class CountingHook(tf.train.SessionRunHook):
    def __init__(self):
        self.calls = {"begin": 0, "before_run": 0, "end": 0}

    def begin(self):
        self.calls["begin"] += 1

    def before_run(self, run_context):
        self.calls["before_run"] += 1

    def end(self, session):
        self.calls["end"] += 1


def test_a_classifier_learns_and_is_evaluated_with_accuracy(tmp_path):
    features, labels = blobs()
    train_input = lambda: data.Dataset.from_tensor_slices((features, labels)).shuffle(90, seed=0).repeat().batch(30)
    estimator = Estimator(classifier_fn, model_dir=tmp_path)
    hook = CountingHook()
    estimator.train(train_input, hooks=[hook], steps=60)
    assert hook.calls == {"begin": 1, "before_run": 60, "end": 1}
    results = estimator.evaluate(lambda: data.Dataset.from_tensor_slices((features, labels)).batch(30))
    assert results["accuracy"] > 0.95 and results["global_step"] == 60
    predictions = list(estimator.predict(lambda: features, predict_keys=["class_ids"]))
    accuracy = np.mean([p["class_ids"] for p in predictions] == labels)
    np.testing.assert_allclose(results["accuracy"], accuracy, rtol=1e-6)


def test_hooks_see_evaluation_and_prediction(tmp_path):
    features, labels = blobs()
    estimator = Estimator(classifier_fn, model_dir=tmp_path).train(lambda: (features, labels), steps=1)
    evaluation, prediction = CountingHook(), CountingHook()
    estimator.evaluate(lambda: data.Dataset.from_tensor_slices((features, labels)).batch(30), hooks=[evaluation])
    assert evaluation.calls == {"begin": 1, "before_run": 3, "end": 1}
    assert len(list(estimator.predict(lambda: data.Dataset.from_tensor_slices(features).batch(45), hooks=[prediction]))) == 90
    assert prediction.calls == {"begin": 1, "before_run": 2, "end": 1}
