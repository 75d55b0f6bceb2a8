"""Streaming evaluation metrics in the graph, as ``tf.compat.v1.metrics`` builds them: each returns
``(value, update_op)``; ``update_op`` adds one batch to two local variables (a total and a count)
and gives the updated value, ``value`` reads the metric without changing it. An Estimator's
evaluation runs every ``update_op`` once per batch and then reads the values.

    loss_mean = mean(loss)
    acc = accuracy(labels, tf.argmax(logits, 1))
    EstimatorSpec(mode, loss=loss, eval_metric_ops={"accuracy": acc})

The names and arguments are TensorFlow's, so ``tfc.compat.v1.metrics`` can re-export them.
"""

from __future__ import annotations

from tfc.compat.v1 import (
    GraphKeys,
    Variable,
    add_to_collection,
    assign_add,
    cast,
    constant,
    equal,
    float32,
    greater,
    name_scope,
    ones_like,
    reduce_sum,
    reshape,
    squared_difference,
    where,
    zeros_like,
)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of every element of ``values`` seen so far: ``(mean, update_op)``."""
    with name_scope(name, "mean"):
        return _streaming_mean(values, weights, metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """How often ``predictions`` equals ``labels`` (same number of elements; a trailing dimension of
    1 on either side is fine): ``(accuracy, update_op)``."""
    with name_scope(name, "accuracy"):
        predictions, labels = reshape(predictions, [-1]), reshape(labels, [-1])
        if predictions.dtype != labels.dtype:
            predictions = cast(predictions, labels.dtype)
        is_correct = cast(equal(predictions, labels), float32)
        weights = None if weights is None else reshape(weights, [-1])
        return _streaming_mean(is_correct, weights, metrics_collections, updates_collections)


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The mean of ``(labels - predictions) ** 2`` over every element seen: ``(mse, update_op)``."""
    with name_scope(name, "mean_squared_error"):
        errors = squared_difference(cast(labels, float32), cast(predictions, float32))
        return _streaming_mean(errors, weights, metrics_collections, updates_collections)


def _streaming_mean(values, weights, metrics_collections, updates_collections):
    """``mean``'s body, in the caller's name scope."""
    values = cast(values, float32)
    weights = ones_like(values) if weights is None else cast(weights, float32) * ones_like(values)
    total = _local_variable("total")
    count = _local_variable("count")
    value = _safe_div(total.value(), count.value(), "value")
    update_op = _safe_div(assign_add(total, reduce_sum(values * weights)), assign_add(count, reduce_sum(weights)), "update_op")
    for key, item in ((metrics_collections, value), (updates_collections, update_op)):
        for collection in key or ():
            add_to_collection(collection, item)
    return value, update_op


def _local_variable(name: str) -> Variable:
    """A float32 scalar starting at 0, in LOCAL_VARIABLES (initialized per evaluation, never saved)."""
    return Variable(constant(0.0, dtype=float32), trainable=False, collections=[GraphKeys.LOCAL_VARIABLES], name=name)


def _safe_div(numerator, denominator, name: str):
    """``numerator / denominator``, or 0 before anything was counted (TensorFlow's div_no_nan)."""
    positive = greater(denominator, 0.0)
    return where(positive, numerator / where(positive, denominator, ones_like(denominator)), zeros_like(numerator), name=name)


__all__ = ["accuracy", "mean", "mean_squared_error"]
