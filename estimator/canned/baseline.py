"""``tf.estimator.BaselineRegressor`` and ``BaselineClassifier``: logits that ignore the features, one
trained bias (``baseline/bias``), so the regressor learns the label mean and the classifier the
class prior — the number a real model has to beat."""

from __future__ import annotations

import numpy as np

from tfc.compat.v1 import get_variable, ones, shape, stack, variable_scope, zeros_initializer

from .canned_estimator import CannedClassifier, CannedEstimator, classification_head, regression_head, weight_key
from .heads import SUM_OVER_BATCH_SIZE

SCOPE = "baseline"
LEARNING_RATE = 0.3  # TensorFlow's default for a baseline's named optimizer
BATCH_KEY = "baseline/batch"  # the encoded feature giving the batch size (string features cannot be fed)


def baseline_logits(features, mode, logits_dimension):
    """``bias`` repeated for every example of the batch (the batch size read from any feature)."""
    with variable_scope(SCOPE):
        bias = get_variable("bias", [logits_dimension], initializer=zeros_initializer())
    any_feature = features[sorted(features)[0]] if isinstance(features, dict) else features
    return ones(stack([shape(any_feature)[0], 1])) * bias


def baseline_encoder(weight_column):
    """The host phase: only the batch size (and the weight column) reach the graph."""
    def encode(features) -> dict:
        values = features if isinstance(features, dict) else {"": features}
        if not values:
            raise ValueError("Baseline estimators need at least one feature (for the batch size)")
        batch = len(np.asarray(next(iter(values.values()))))
        return {BATCH_KEY: np.zeros(batch, np.float32), **{key: np.asarray(values[key]) for key in weight_key(weight_column) if key in values}}

    return encode


class BaselineRegressor(CannedEstimator):
    """``BaselineRegressor(model_dir=None, label_dimension=1, weight_column=None, optimizer='Ftrl',
    config=None, loss_reduction=SUM_OVER_BATCH_SIZE)``."""

    def __init__(self, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl", config=None,
                 loss_reduction=SUM_OVER_BATCH_SIZE):
        head = regression_head(label_dimension, weight_column, loss_reduction, "BaselineRegressor")
        super().__init__(baseline_logits, head, [(SCOPE, optimizer, LEARNING_RATE)], baseline_encoder(weight_column), model_dir, config)


class BaselineClassifier(CannedClassifier):
    """``BaselineClassifier(model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
    optimizer='Ftrl', config=None, loss_reduction=SUM_OVER_BATCH_SIZE)``."""

    def __init__(self, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None, optimizer="Ftrl", config=None,
                 loss_reduction=SUM_OVER_BATCH_SIZE):
        head = classification_head(n_classes, weight_column, label_vocabulary, loss_reduction, "BaselineClassifier")
        super().__init__(baseline_logits, head, [(SCOPE, optimizer, LEARNING_RATE)], baseline_encoder(weight_column), model_dir, config)


__all__ = ["BaselineClassifier", "BaselineRegressor"]
