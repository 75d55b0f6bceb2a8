"""The canned estimators' heads: from the logits, TensorFlow's predictions, loss, metrics and train_op
for a mode, as ``tf.estimator``'s regression, binary and multi-class heads report them.

A classifier's labels are encoded on the host as each batch is fed (``encode_labels``): strings
through ``label_vocabulary`` to ids, and ids checked to lie in ``[0, n_classes)``, so a bad label is
a ValueError naming it rather than a silent out-of-range gather in the graph.
"""

from __future__ import annotations

import numpy as np

from tfc.compat.v1 import (
    argmax,
    cast,
    concat,
    expand_dims,
    float32,
    int64,
    maximum,
    ones_like,
    reduce_mean,
    reduce_sum,
    reshape,
    squared_difference,
    zeros_like,
)
from tfc.compat.v1.nn_ops import sigmoid, sigmoid_cross_entropy_with_logits, softmax, sparse_softmax_cross_entropy_with_logits

from .. import metrics as streaming
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

    def encode_labels(self, labels):
        return labels if labels is None else np.asarray(labels, np.float32)

    def spec(self, mode, features, labels, logits, train_op_fn) -> EstimatorSpec:
        predictions = {"predictions": logits}
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        labels = reshape(cast(labels, float32), [-1, self.logits_dimension])
        unreduced = squared_difference(labels, logits)
        weights = example_weights(features, self.weight_column, unreduced)
        metrics = {"average_loss": mean(unreduced, weights), "label/mean": mean(labels, weights),
                   "prediction/mean": mean(logits, weights)}
        return finished_spec(mode, predictions, reduced(unreduced * weights, self.loss_reduction), metrics, train_op_fn)


class ClassificationHead:
    """Integer labels in ``[0, n_classes)`` (or strings of ``label_vocabulary``): softmax cross entropy
    over ``n_classes`` logits, or for two classes TensorFlow's binary head, one logit and a sigmoid
    (predictions add ``logistic``; metrics add ``auc``, ``precision``, ``recall``...)."""

    def __init__(self, n_classes: int, weight_column, label_vocabulary, loss_reduction: str):
        if not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"n_classes must be > 1 for classification: {n_classes}")
        self.n_classes, self.weight_column, self.loss_reduction = n_classes, weight_column, loss_reduction
        self.logits_dimension = 1 if n_classes == 2 else n_classes
        self.label_vocabulary = None if label_vocabulary is None else checked_vocabulary(label_vocabulary, n_classes)

    def encode_labels(self, labels):
        """Labels as int64 class ids ``[batch, 1]``; a label outside the classes is a ValueError naming it."""
        if labels is None:
            return None
        values = np.asarray(labels)
        if self.label_vocabulary is not None:
            return vocabulary_ids(values, self.label_vocabulary)
        if values.dtype.kind not in "iub" and not (values.dtype.kind == "f" and np.all(np.mod(values, 1) == 0)):
            raise ValueError(f"Labels must be integer class ids (or give label_vocabulary), got values of dtype {values.dtype}")
        bad = values[(values < 0) | (values >= self.n_classes)]
        if bad.size:
            raise ValueError(f"Labels must be in [0, n_classes) = [0, {self.n_classes}); got {sorted(set(bad.tolist()))[:10]}")
        return values.astype(np.int64).reshape(len(values), -1)

    def spec(self, mode, features, labels, logits, train_op_fn) -> EstimatorSpec:
        binary = self.n_classes == 2
        two_logits = concat([zeros_like(logits), logits], axis=1) if binary else logits
        class_ids = expand_dims(argmax(two_logits, 1), 1)
        predictions = {"logits": logits, "probabilities": softmax(two_logits), "class_ids": class_ids}
        if binary:
            predictions["logistic"] = sigmoid(logits)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        ids = reshape(cast(labels, int64), [-1, 1])
        if binary:
            unreduced = sigmoid_cross_entropy_with_logits(labels=cast(ids, float32), logits=logits)
        else:
            unreduced = expand_dims(sparse_softmax_cross_entropy_with_logits(labels=reshape(ids, [-1]), logits=logits), 1)
        weights = example_weights(features, self.weight_column, unreduced)
        metrics = {"accuracy": accuracy(ids, class_ids, weights), "average_loss": mean(unreduced, weights)}
        if binary:
            metrics.update(binary_metrics(cast(ids, float32), predictions["logistic"], class_ids, weights))
        return finished_spec(mode, predictions, reduced(unreduced * weights, self.loss_reduction), metrics, train_op_fn)

    def class_names(self, class_ids) -> np.ndarray:
        """Class ids (any shape) as TensorFlow's ``classes``: the vocabulary's strings, or the ids'
        decimal strings, as bytes."""
        ids = np.asarray(class_ids)
        names = self.label_vocabulary or [str(i) for i in range(self.n_classes)]
        return np.array([names[int(i)].encode() for i in ids.reshape(-1)], dtype=object).reshape(ids.shape)


def binary_metrics(labels, logistic, class_ids, weights) -> dict:
    """TensorFlow's binary head metrics beyond accuracy and average loss."""
    label_mean = mean(labels, weights)
    return {"label/mean": label_mean, "prediction/mean": mean(logistic, weights),
            "accuracy_baseline": tuple(maximum(value, 1.0 - value) for value in label_mean),
            "auc": streaming.auc(labels, logistic, weights), "auc_precision_recall": streaming.auc(labels, logistic, weights, curve="PR"),
            "precision": streaming.precision(labels, class_ids, weights), "recall": streaming.recall(labels, class_ids, weights)}


def checked_vocabulary(label_vocabulary, n_classes: int) -> list[str]:
    """``label_vocabulary`` as a list of ``n_classes`` distinct strings."""
    if isinstance(label_vocabulary, str) or not all(isinstance(v, str) for v in label_vocabulary):
        raise ValueError(f"label_vocabulary should be a list of strings, got {label_vocabulary!r}")
    vocabulary = list(label_vocabulary)
    if len(vocabulary) != n_classes:
        raise ValueError(f"label_vocabulary has {len(vocabulary)} entries, but n_classes is {n_classes}")
    if len(set(vocabulary)) != len(vocabulary):
        raise ValueError(f"label_vocabulary has duplicates: {vocabulary}")
    return vocabulary


def vocabulary_ids(values: np.ndarray, vocabulary: list[str]) -> np.ndarray:
    """String labels (str or bytes) as their int64 index in ``vocabulary``, ``[batch, 1]``."""
    index = {word: i for i, word in enumerate(vocabulary)}
    words = [v.decode() if isinstance(v, bytes) else v for v in values.reshape(-1).tolist()]
    unknown = sorted({str(w) for w in words if w not in index})
    if unknown:
        raise ValueError(f"Labels {unknown[:10]} are not in label_vocabulary {vocabulary}")
    return np.array([index[w] for w in words], np.int64).reshape(len(values), -1)


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


def finished_spec(mode, predictions, loss, metrics, train_op_fn) -> EstimatorSpec:
    """The EVAL spec, or the TRAIN spec whose train_op ``train_op_fn(loss)`` makes."""
    if mode == ModeKeys.EVAL:
        return EstimatorSpec(mode, predictions=predictions, loss=loss, eval_metric_ops=metrics)
    return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op_fn(loss))


__all__ = ["SUM", "SUM_OVER_BATCH_SIZE", "ClassificationHead", "RegressionHead", "checked_reduction"]
