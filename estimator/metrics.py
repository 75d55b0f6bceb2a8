"""Streaming evaluation metrics in the graph, as ``tf.compat.v1.metrics`` builds them: each returns
``(value, update_op)``; ``update_op`` adds one batch to local variables (a total and a count, or
confusion counts: per threshold for ``auc``) and gives the updated value, ``value`` reads the metric
without changing it. An Estimator's evaluation runs every ``update_op`` once per batch and then
reads the values.

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
    log,
    logical_and,
    logical_not,
    maximum,
    minimum,
    name_scope,
    ones_like,
    reduce_sum,
    reshape,
    sqrt,
    squared_difference,
    transpose,
    where,
    zeros,
    zeros_like,
)
from tfc.compat.v1 import abs as absolute
from tfc.compat.v1 import bool as bool_

CURVES = ("ROC", "PR")
SUMMATION_METHODS = ("trapezoidal", "careful_interpolation", "minoring", "majoring")


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


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The mean of ``|predictions - labels|`` over every element seen: ``(mae, update_op)``."""
    with name_scope(name, "mean_absolute_error"):
        errors = absolute(cast(predictions, float32) - cast(labels, float32))
        return _streaming_mean(errors, weights, metrics_collections, updates_collections)


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The square root of :func:`mean_squared_error` over every element seen: ``(rmse, update_op)``."""
    with name_scope(name, "root_mean_squared_error"):
        errors = squared_difference(cast(labels, float32), cast(predictions, float32))
        mse, update_mse = _streaming_mean(errors, weights, None, None)
        return _collected(sqrt(mse, name="value"), sqrt(update_mse, name="update_op"), metrics_collections, updates_collections)


def precision(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """``tp / (tp + fp)`` over every element seen, 0 before any positive prediction:
    ``(precision, update_op)``. Labels and predictions are conditions: any nonzero value is
    positive (pass class ids, not probabilities)."""
    with name_scope(name, "precision"):
        labels, predictions, weights = _conditions(labels, predictions, weights)
        tp = _count_condition("true_positives", logical_and(labels, predictions), weights)
        fp = _count_condition("false_positives", logical_and(logical_not(labels), predictions), weights)
        return _ratio(tp, fp, metrics_collections, updates_collections)


def recall(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """``tp / (tp + fn)`` over every element seen, 0 before any positive label: ``(recall, update_op)``;
    nonzero labels and predictions are positive, as in :func:`precision`."""
    with name_scope(name, "recall"):
        labels, predictions, weights = _conditions(labels, predictions, weights)
        tp = _count_condition("true_positives", logical_and(labels, predictions), weights)
        fn = _count_condition("false_negatives", logical_and(labels, logical_not(predictions)), weights)
        return _ratio(tp, fn, metrics_collections, updates_collections)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None, updates_collections=None, curve="ROC",
        name=None, summation_method="trapezoidal", thresholds=None):
    """The area under the ROC or precision-recall curve over every example seen, from confusion
    counts accumulated per threshold, TensorFlow 1's approximation exactly: ``(auc, update_op)``.

    ``predictions`` are probabilities in [0, 1] (not checked at run time); ``labels`` are
    conditions (nonzero is positive). The thresholds are ``num_thresholds - 2`` evenly spaced in
    (0, 1), or the sorted ``thresholds`` given, plus ``-1e-7`` and ``1 + 1e-7``. ``summation_method``
    is 'trapezoidal', 'careful_interpolation' (PR: Davis & Goadrich's interpolation; ROC: the
    trapezoidal rule), 'minoring' or 'majoring' (left or right Riemann sums, whichever is lower or higher).

        value, update_op = auc(labels, tf.sigmoid(logits), curve="PR", summation_method="careful_interpolation")
    """
    thresholds = _auc_thresholds(num_thresholds, thresholds)
    if curve not in CURVES:
        raise ValueError(f"auc: curve must be one of {CURVES}, got {curve!r}")
    if summation_method not in SUMMATION_METHODS:
        raise ValueError(f"auc: summation_method must be one of {SUMMATION_METHODS}, got {summation_method!r}")
    with name_scope(name, "auc"):
        values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights)
        value = _area_under_curve(values, curve, summation_method, "value")
        update_op = _area_under_curve(updates, curve, summation_method, "update_op")
        return _collected(value, update_op, metrics_collections, updates_collections)


def _streaming_mean(values, weights, metrics_collections, updates_collections):
    """``mean``'s body, in the caller's name scope."""
    values = cast(values, float32)
    weights = ones_like(values) if weights is None else cast(weights, float32) * ones_like(values)
    total = _local_variable("total")
    count = _local_variable("count")
    value = _safe_div(total.value(), count.value(), "value")
    update_op = _safe_div(assign_add(total, reduce_sum(values * weights)), assign_add(count, reduce_sum(weights)), "update_op")
    return _collected(value, update_op, metrics_collections, updates_collections)


def _collected(value, update_op, metrics_collections, updates_collections) -> tuple:
    """``(value, update_op)``, each added to the collections named for it."""
    for key, item in ((metrics_collections, value), (updates_collections, update_op)):
        for collection in key or ():
            add_to_collection(collection, item)
    return value, update_op


def _conditions(labels, predictions, weights):
    """Labels and predictions flattened to booleans (nonzero is true), and float32 weights
    broadcast to them (a scalar or one per element)."""
    labels = reshape(cast(labels, bool_), [-1])
    predictions = reshape(cast(predictions, bool_), [-1])
    weights = ones_like(cast(labels, float32)) if weights is None else reshape(cast(weights, float32), [-1]) * ones_like(cast(labels, float32))
    return labels, predictions, weights


def _count_condition(scope: str, condition, weights) -> tuple:
    """The weighted count of ``condition`` so far, in local variable ``<scope>/count``: (value, update)."""
    with name_scope(None, scope):
        count = _local_variable("count")
        return count.value(), assign_add(count, reduce_sum(cast(condition, float32) * weights))


def _ratio(hits, misses, metrics_collections, updates_collections) -> tuple:
    """``hits / (hits + misses)`` (0 when both are 0) for the counts' values and their updates."""
    value = _safe_div(hits[0], hits[0] + misses[0], "value")
    update_op = _safe_div(hits[1], hits[1] + misses[1], "update_op")
    return _collected(value, update_op, metrics_collections, updates_collections)


def _auc_thresholds(num_thresholds, thresholds) -> list[float]:
    """TensorFlow's thresholds: the inner ones (given, or evenly spaced in (0, 1)) padded with
    ``-1e-7`` and ``1 + 1e-7`` so that every prediction in [0, 1] falls between the ends."""
    epsilon = 1e-7
    if thresholds is not None:
        inner = sorted(float(t) for t in thresholds)
    elif isinstance(num_thresholds, int) and not isinstance(num_thresholds, bool) and num_thresholds >= 2:
        inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    else:
        raise ValueError(f"auc: num_thresholds must be an integer of at least 2, got {num_thresholds!r}")
    return [0.0 - epsilon, *inner, 1.0 + epsilon]


def _confusion_at_thresholds(labels, predictions, thresholds: list[float], weights) -> tuple[dict, dict]:
    """Weighted true/false positive/negative counts per threshold (a prediction is positive when
    above it), in local variables ``true_positives``, ``false_negatives``, ``true_negatives``,
    ``false_positives`` of shape ``[len(thresholds)]``: (values, updates) keyed tp/fn/tn/fp."""
    predictions = transpose(reshape(cast(predictions, float32), [-1, 1]))  # [1, n]
    label_is_pos = reshape(cast(labels, bool_), [1, -1])
    pred_is_pos = greater(predictions, constant([[t] for t in thresholds], dtype=float32))  # [thresholds, n]
    row_weights = ones_like(predictions) if weights is None else reshape(cast(weights, float32), [1, -1]) * ones_like(predictions)
    cases = {"tp": ("true_positives", label_is_pos, pred_is_pos),
             "fn": ("false_negatives", label_is_pos, logical_not(pred_is_pos)),
             "tn": ("true_negatives", logical_not(label_is_pos), logical_not(pred_is_pos)),
             "fp": ("false_positives", logical_not(label_is_pos), pred_is_pos)}
    values, updates = {}, {}
    for key, (name, label_case, prediction_case) in cases.items():
        counts = _local_variable(name, [len(thresholds)])
        values[key] = counts.value()
        updates[key] = assign_add(counts, reduce_sum(cast(logical_and(label_case, prediction_case), float32) * row_weights, 1))
    return values, updates


def _area_under_curve(counts: dict, curve: str, summation_method: str, name: str):
    """The area under the curve through the thresholds' points, as TensorFlow sums it."""
    tp, fn, tn, fp = counts["tp"], counts["fn"], counts["tn"], counts["fp"]
    if curve == "PR" and summation_method == "careful_interpolation":
        return _interpolated_pr_auc(tp, fp, fn, name)
    epsilon = 1.0e-6  # keeps the rates finite before anything was counted
    recall_rate = (tp + epsilon) / (tp + fn + epsilon)
    if curve == "ROC":
        x, y = fp / (fp + tn + epsilon), recall_rate
    else:
        x, y = recall_rate, (tp + epsilon) / (tp + fp + epsilon)
    if summation_method == "minoring":
        heights = minimum(y[:-1], y[1:])
    elif summation_method == "majoring":
        heights = maximum(y[:-1], y[1:])
    else:
        heights = (y[:-1] + y[1:]) / 2.0
    return reduce_sum((x[:-1] - x[1:]) * heights, name=name)


def _interpolated_pr_auc(tp, fp, fn, name: str):
    """The PR area with precision interpolated between thresholds (Davis & Goadrich, 2006), in
    TensorFlow's formula: each step integrates ``tp(p) / (tp + fn)`` along linear ``tp(p)``."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    slope = _safe_div(dtp, maximum(p[:-1] - p[1:], 0.0), "prec_slope")
    intercept = tp[1:] - slope * p[1:]
    both_positive = logical_and(greater(p[:-1], 0.0), greater(p[1:], 0.0))
    p_ratio = where(both_positive, _safe_div(p[:-1], maximum(p[1:], 0.0), "recall_relative_ratio"), ones_like(p[1:]))
    increments = _safe_div(slope * (dtp + intercept * log(p_ratio)), maximum(tp[1:] + fn[1:], 0.0), "pr_auc_increment")
    return reduce_sum(increments, name=name)


def _local_variable(name: str, shape=()) -> Variable:
    """A float32 of ``shape`` starting at 0, in LOCAL_VARIABLES (initialized per evaluation, never saved)."""
    return Variable(zeros(shape, dtype=float32), trainable=False, collections=[GraphKeys.LOCAL_VARIABLES], name=name)


def _safe_div(numerator, denominator, name: str):
    """``numerator / denominator``, or 0 before anything was counted (TensorFlow's div_no_nan)."""
    positive = greater(denominator, 0.0)
    return where(positive, numerator / where(positive, denominator, ones_like(denominator)), zeros_like(numerator), name=name)


__all__ = ["accuracy", "auc", "mean", "mean_absolute_error", "mean_squared_error", "precision", "recall", "root_mean_squared_error"]
