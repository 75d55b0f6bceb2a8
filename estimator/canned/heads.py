"""The canned estimators' heads: from the logits, TensorFlow's predictions, loss, metrics and train_op
for a mode, as ``tf.estimator``'s regression and multi-class heads report them.

A classifier's labels are checked on the host as they are fed (a hook reading the feed), because the
graph has no assert ops: a label outside ``[0, n_classes)`` is a ValueError naming it.
"""

from __future__ import annotations

import numpy as np

from tfc.compat.v1 import (
    argmax,
    cast,
    expand_dims,
    float32,
    int64,
    ones_like,
    reduce_mean,
    reduce_sum,
    reshape,
    squared_difference,
)
from tfc.compat.v1.nn_ops import softmax, sparse_softmax_cross_entropy_with_logits
from tfc.compat.v1.train import SessionRunHook, get_or_create_global_step

from ..metrics import accuracy, mean
from ..mode_keys import ModeKeys
from ..model_fn import EstimatorSpec

SUM_OVER_BATCH_SIZE = "sum_over_batch_size"
SUM = "sum"
REDUCTIONS = (SUM_OVER_BATCH_SIZE, SUM)


def checked_reduction(loss_reduction: str, owner: str) -> str:
    """``loss_reduction`` if it is one tfc supports ('sum_over_batch_size' or 'sum')."""
    if loss_reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: Invalid loss_reduction: {loss_reduction!r}; supported: {list(REDUCTIONS)}")
    return loss_reduction


class RegressionHead:
    """Squared error on ``label_dimension`` real labels; metrics ``average_loss``, ``label/mean``, ``prediction/mean``."""

    def __init__(self, label_dimension: int, weight_column, loss_reduction: str):
        if label_dimension < 1:
            raise ValueError(f"Invalid label_dimension {label_dimension}.")
        self.logits_dimension, self.weight_column, self.loss_reduction = label_dimension, weight_column, loss_reduction

    def spec(self, mode, features, labels, logits, optimizer) -> EstimatorSpec:
        predictions = {"predictions": logits}
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        labels = reshape(cast(labels, float32), [-1, self.logits_dimension])
        unreduced = squared_difference(labels, logits)
        weights = example_weights(features, self.weight_column, unreduced)
        metrics = {"average_loss": mean(unreduced, weights), "label/mean": mean(labels, weights),
                   "prediction/mean": mean(logits, weights)}
        return finished_spec(mode, predictions, reduced(unreduced * weights, self.loss_reduction), metrics, optimizer)


class ClassificationHead:
    """Softmax cross entropy on integer labels in ``[0, n_classes)``; metrics ``accuracy``, ``average_loss``.

    Binary classifiers use the same softmax over two logits (TensorFlow's binary head uses one logit
    and a sigmoid); the predictions carry the same keys."""

    def __init__(self, n_classes: int, weight_column, loss_reduction: str):
        if n_classes < 2:
            raise ValueError(f"n_classes must be > 1 for classification: {n_classes}")
        self.logits_dimension, self.weight_column, self.loss_reduction = n_classes, weight_column, loss_reduction

    def spec(self, mode, features, labels, logits, optimizer) -> EstimatorSpec:
        class_ids = expand_dims(argmax(logits, 1), 1)
        predictions = {"logits": logits, "probabilities": softmax(logits), "class_ids": class_ids}
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        ids = reshape(cast(labels, int64), [-1])
        unreduced = expand_dims(sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits), 1)
        weights = example_weights(features, self.weight_column, unreduced)
        metrics = {"accuracy": accuracy(ids, class_ids, weights), "average_loss": mean(unreduced, weights)}
        spec = finished_spec(mode, predictions, reduced(unreduced * weights, self.loss_reduction), metrics, optimizer)
        check = LabelRangeHook(labels, self.logits_dimension)
        if mode == ModeKeys.TRAIN:
            return spec._replace(training_hooks=(*spec.training_hooks, check))
        return spec._replace(evaluation_hooks=(*spec.evaluation_hooks, check))


class LabelRangeHook(SessionRunHook):
    """Refuses a fed batch of labels outside ``[0, n_classes)`` before the step runs."""

    def __init__(self, labels, n_classes: int):
        self.labels, self.n_classes = labels, n_classes

    def before_run(self, run_context):
        fed = (run_context.original_args.feed_dict or {}).get(self.labels)
        if fed is None:
            return None
        values = np.asarray(fed)
        if values.dtype.kind not in "iu" and not np.all(np.equal(np.mod(values, 1), 0)):
            raise ValueError(f"Labels must be integer class ids, got values of dtype {values.dtype}")
        bad = values[(values < 0) | (values >= self.n_classes)]
        if bad.size:
            raise ValueError(f"Labels must be in [0, n_classes) = [0, {self.n_classes}); got {sorted(set(bad.tolist()))[:10]}")
        return None


def example_weights(features, weight_column, like):
    """The weight_column's per-example weights broadcast to ``like`` (ones when there is none)."""
    if weight_column is None:
        return ones_like(like)
    key = getattr(weight_column, "key", weight_column)
    if key not in features:
        raise ValueError(f"weight_column '{key}' is not in the features {sorted(features)}")
    return reshape(cast(features[key], float32), [-1, 1]) * ones_like(like)


def reduced(weighted_losses, loss_reduction: str):
    """TensorFlow's loss reductions: the mean over every element, or the sum."""
    return reduce_sum(weighted_losses) if loss_reduction == SUM else reduce_mean(weighted_losses)


def finished_spec(mode, predictions, loss, metrics, optimizer) -> EstimatorSpec:
    """The EVAL spec, or the TRAIN spec minimizing ``loss`` with ``optimizer``."""
    if mode == ModeKeys.EVAL:
        return EstimatorSpec(mode, predictions=predictions, loss=loss, eval_metric_ops=metrics)
    train_op = optimizer.minimize(loss, global_step=get_or_create_global_step())
    return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op)


__all__ = ["SUM", "SUM_OVER_BATCH_SIZE", "ClassificationHead", "LabelRangeHook", "RegressionHead", "checked_reduction"]
