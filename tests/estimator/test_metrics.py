"""Streaming metrics: each update adds a batch; the value is the metric over every batch so far."""

from __future__ import annotations

from pathlib import Path

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


REFERENCE = np.load(Path(__file__).resolve().parents[1] / "data" / "estimator" / "ftrl_metrics.npz")
AUC_CASES = {  # the generator's auc arguments per case (scripts/generate_ftrl_metrics_reference.py)
    "roc": {},
    "roc_50": {"num_thresholds": 50},
    "pr": {"curve": "PR"},
    "pr_careful": {"curve": "PR", "summation_method": "careful_interpolation"},
    "roc_minoring": {"summation_method": "minoring", "num_thresholds": 10},
    "pr_majoring": {"curve": "PR", "summation_method": "majoring", "num_thresholds": 10},
}


def streamed(build) -> np.ndarray:
    """TensorFlow 2.21's reference batches through the metric ``build(placeholders)`` makes: the
    update op's value after each batch, then the value (as the generator records them)."""
    names = ("labels", "probabilities", "class_ids", "weights")
    data = {n: REFERENCE[f"batches/{n}"] for n in names}
    feeds = {n: tf.placeholder(tf.int64 if n == "class_ids" else tf.float32, [None, 1]) for n in names}
    value, update = build(feeds)
    batches = [{feeds[n]: data[n][i] for n in names} for i in range(len(data["labels"]))]
    before, updates, after = run_batches(value, update, batches)
    assert before == 0.0
    return np.array([*updates, after])


@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "unweighted"])
@pytest.mark.parametrize("case", sorted(AUC_CASES))
def test_auc_matches_tensorflow_over_streamed_batches(graph, case, weighted):
    kwargs = AUC_CASES[case]
    got = streamed(lambda f: metrics.auc(f["labels"], f["probabilities"], f["weights"] if weighted else None, **kwargs))
    expected = REFERENCE[f"metrics/auc_{case}" + ("" if weighted else "_unweighted")]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "unweighted"])
@pytest.mark.parametrize("metric", ["precision", "recall"])
def test_precision_and_recall_match_tensorflow(graph, metric, weighted):
    fn = getattr(metrics, metric)
    got = streamed(lambda f: fn(f["labels"], f["class_ids"], f["weights"] if weighted else None))
    np.testing.assert_allclose(got, REFERENCE[f"metrics/{metric}" + ("" if weighted else "_unweighted")], rtol=1e-5, atol=1e-6)


def test_auc_variables_are_local_confusion_counts_per_threshold(graph):
    labels = tf.placeholder(tf.float32, [None])
    value, update = metrics.auc(labels, tf.placeholder(tf.float32, [None]), num_thresholds=7, updates_collections=["u"])
    names = [v.op.name for v in tf.local_variables()]
    assert names == ["auc/true_positives", "auc/false_negatives", "auc/true_negatives", "auc/false_positives"]
    assert [v.shape.as_list() for v in tf.local_variables()] == [[7]] * 4
    assert tf.global_variables() == [] and tf.get_collection("u") == [update]
    metrics.precision(labels, labels)
    assert [v.op.name for v in tf.local_variables()][4:] == ["precision/true_positives/count", "precision/false_positives/count"]


def test_auc_of_a_perfect_ranking_and_given_thresholds(graph):
    labels = tf.placeholder(tf.float32, [None])
    scores = tf.placeholder(tf.float32, [None])
    value, update = metrics.auc(labels, scores, thresholds=[0.5, 0.25, 0.75])
    _, _, after = run_batches(value, update, [{labels: [0, 1], scores: [0.1, 0.9]}, {labels: [1, 0], scores: [0.6, 0.4]}])
    np.testing.assert_allclose(after, 1.0, atol=1e-5)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"curve": "roc"}, "curve must be one of"),
    ({"summation_method": "simpson"}, "summation_method must be one of"),
    ({"num_thresholds": 1}, "num_thresholds must be an integer of at least 2"),
])
def test_auc_bad_arguments_are_named(graph, kwargs, words):
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match=words):
        metrics.auc(x, x, **kwargs)


def test_mean_absolute_and_root_mean_squared_error(graph):
    labels = tf.placeholder(tf.float32, [None])
    predictions = tf.placeholder(tf.float32, [None])
    weights = tf.placeholder(tf.float32, [None])
    mae = metrics.mean_absolute_error(labels, predictions, weights)
    rmse = metrics.root_mean_squared_error(labels, predictions, weights, metrics_collections=["m"])
    batches = [{labels: [1.0, 2.0], predictions: [2.0, 0.0], weights: [1.0, 3.0]}, {labels: [0.0], predictions: [3.0], weights: [1.0]}]
    _, _, after = run_batches(*mae, batches)
    np.testing.assert_allclose(after, (1.0 + 6.0 + 3.0) / 5.0, rtol=1e-6)
    _, updates, after = run_batches(*rmse, batches)
    np.testing.assert_allclose(updates, [np.sqrt(13.0 / 4.0), np.sqrt(22.0 / 5.0)], rtol=1e-6)
    assert tf.get_collection("m") == [rmse[0]]
