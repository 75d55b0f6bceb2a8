"""``tf.estimator.LinearRegressor`` and ``LinearClassifier``: logits that are a weighted sum of the
feature columns plus a bias, with TensorFlow's variable names (``linear/linear_model/<column>/weights``,
``linear/linear_model/bias_weights``), zero-initialized as TensorFlow's are. A categorical column
(identity, vocabulary, hashed, crossed, bucketized, weighted) has one weight row per id, combined
per example with ``sparse_combiner``."""

from __future__ import annotations

import math

from .canned_estimator import CannedClassifier, CannedEstimator, classification_head, regression_head, weight_key
from .feature_input import SPARSE_COMBINERS, FeatureEncoder, checked_columns, linear_logits
from .heads import SUM_OVER_BATCH_SIZE

SCOPE = "linear"


def linear_logits_fn(columns: tuple, sparse_combiner: str):
    """``logits_fn`` for a linear model of ``columns``."""
    return lambda features, mode, logits_dimension: linear_logits(features, columns, logits_dimension, sparse_combiner)


def learning_rate(columns: tuple) -> float:
    """TensorFlow's default for a linear model named optimizer: ``min(0.2, 1 / sqrt(number of columns))``."""
    return min(0.2, 1.0 / math.sqrt(len(columns)))


def checked_linear(owner: str, feature_columns, sparse_combiner) -> tuple:
    if sparse_combiner not in SPARSE_COMBINERS:
        raise ValueError(f"{owner}: sparse_combiner must be one of {list(SPARSE_COMBINERS)}, got {sparse_combiner!r}")
    return checked_columns(feature_columns, owner, dense_only=False)


class LinearRegressor(CannedEstimator):
    """``LinearRegressor(feature_columns, model_dir=None, label_dimension=1, weight_column=None,
    optimizer='Ftrl', config=None, warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE,
    sparse_combiner='sum')``."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl", config=None,
                 warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE, sparse_combiner="sum"):
        columns = checked_linear("LinearRegressor", feature_columns, sparse_combiner)
        head = regression_head(label_dimension, weight_column, loss_reduction, "LinearRegressor")
        super().__init__(linear_logits_fn(columns, sparse_combiner), head, [(SCOPE, optimizer, learning_rate(columns))],
                         FeatureEncoder(columns, weight_key(weight_column)), model_dir, config, warm_start_from)


class LinearClassifier(CannedClassifier):
    """``LinearClassifier(feature_columns, model_dir=None, n_classes=2, weight_column=None,
    label_vocabulary=None, optimizer='Ftrl', config=None, warm_start_from=None,
    loss_reduction=SUM_OVER_BATCH_SIZE, sparse_combiner='sum')``."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None, optimizer="Ftrl",
                 config=None, warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE, sparse_combiner="sum"):
        columns = checked_linear("LinearClassifier", feature_columns, sparse_combiner)
        head = classification_head(n_classes, weight_column, label_vocabulary, loss_reduction, "LinearClassifier")
        super().__init__(linear_logits_fn(columns, sparse_combiner), head, [(SCOPE, optimizer, learning_rate(columns))],
                         FeatureEncoder(columns, weight_key(weight_column)), model_dir, config, warm_start_from)


__all__ = ["LinearClassifier", "LinearRegressor"]
