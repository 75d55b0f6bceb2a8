"""``tf.estimator.LinearRegressor`` and ``LinearClassifier``: logits that are a weighted sum of the
feature columns plus a bias, with TensorFlow's variable names (``linear/linear_model/<column>/weights``,
``linear/linear_model/bias_weights``), zero-initialized as TensorFlow's are."""

from __future__ import annotations

import math

from tfc.compat.v1 import add_n, get_variable, matmul, variable_scope, zeros_initializer

from .canned_estimator import CannedClassifier, CannedEstimator, classification_head, regression_head
from .dense_input import checked_columns, column_inputs
from .heads import SUM_OVER_BATCH_SIZE


def linear_logits_fn(columns: tuple):
    """``logits_fn`` for a linear model of ``columns``."""
    def logits_fn(features, mode, logits_dimension):
        with variable_scope("linear/linear_model"):
            terms = [matmul(value, get_variable(f"{column.key}/weights", [int(value.shape[1]), logits_dimension],
                                                initializer=zeros_initializer()))
                     for column, value in zip(columns, column_inputs(features, columns))]
            bias = get_variable("bias_weights", [logits_dimension], initializer=zeros_initializer())
        return (terms[0] if len(terms) == 1 else add_n(terms)) + bias

    return logits_fn


def learning_rate(columns: tuple) -> float:
    """TensorFlow's default for a linear model named optimizer: ``min(0.2, 1 / sqrt(number of columns))``."""
    return min(0.2, 1.0 / math.sqrt(len(columns)))


def checked_linear(owner: str, feature_columns, sparse_combiner) -> tuple:
    if sparse_combiner != "sum":
        raise ValueError(f"{owner}: sparse_combiner {sparse_combiner!r} is not supported (only numeric columns, 'sum')")
    return checked_columns(feature_columns, owner)


class LinearRegressor(CannedEstimator):
    """``LinearRegressor(feature_columns, model_dir=None, label_dimension=1, weight_column=None,
    optimizer='Ftrl', config=None, warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE,
    sparse_combiner='sum')``. tfc has no Ftrl yet: give 'SGD', 'Adagrad', 'Adam', 'RMSProp' or an Optimizer."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl", config=None,
                 warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE, sparse_combiner="sum"):
        columns = checked_linear("LinearRegressor", feature_columns, sparse_combiner)
        head = regression_head(label_dimension, weight_column, loss_reduction, "LinearRegressor")
        super().__init__(linear_logits_fn(columns), head, optimizer, learning_rate(columns), model_dir, config, warm_start_from)


class LinearClassifier(CannedClassifier):
    """``LinearClassifier(feature_columns, model_dir=None, n_classes=2, weight_column=None,
    label_vocabulary=None, optimizer='Ftrl', config=None, warm_start_from=None,
    loss_reduction=SUM_OVER_BATCH_SIZE, sparse_combiner='sum')``; label_vocabulary is not supported yet."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None, optimizer="Ftrl",
                 config=None, warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE, sparse_combiner="sum"):
        columns = checked_linear("LinearClassifier", feature_columns, sparse_combiner)
        head = classification_head(n_classes, weight_column, label_vocabulary, loss_reduction, "LinearClassifier")
        super().__init__(linear_logits_fn(columns), head, optimizer, learning_rate(columns), model_dir, config, warm_start_from)


__all__ = ["LinearClassifier", "LinearRegressor"]
