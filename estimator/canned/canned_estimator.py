"""What every canned estimator shares: an Estimator whose model_fn is a network's logits (from the
feature columns' dense input) under a head, and the arguments they check alike.

A classifier's predictions gain ``classes`` on the host (the class id as bytes, as TensorFlow gives
it) because the graph has no string ops.
"""

from __future__ import annotations

import numpy as np

from ..estimator import Estimator
from ..mode_keys import ModeKeys
from .heads import ClassificationHead, RegressionHead, checked_reduction
from .optimizers import get_optimizer


class CannedEstimator(Estimator):
    """An Estimator from ``logits_fn(features, mode, logits_dimension)`` (builds the network in the
    default graph), a head, and an optimizer argument (a name gets ``learning_rate``)."""

    def __init__(self, logits_fn, head, optimizer, learning_rate, model_dir, config, warm_start_from=None):
        def model_fn(features, labels, mode):
            logits = logits_fn(features, mode, head.logits_dimension)
            chosen = None if mode != ModeKeys.TRAIN else get_optimizer(optimizer, learning_rate)
            return head.spec(mode, features, labels, logits, chosen)

        if isinstance(optimizer, str):
            get_optimizer(optimizer, learning_rate)  # an unknown or unsupported name fails at construction
        super().__init__(model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)


class CannedClassifier(CannedEstimator):
    """A CannedEstimator whose predictions add ``classes`` (the class ids as bytes)."""

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        keys = None if predict_keys is None else ([predict_keys] if isinstance(predict_keys, str) else list(predict_keys))
        wanted = keys is None or "classes" in keys
        asked = None if keys is None else sorted({key for key in keys if key != "classes"} | {"class_ids"})
        for values in super().predict(input_fn, asked, hooks, checkpoint_path, yield_single_examples):
            if wanted:
                values["classes"] = class_names(values["class_ids"])
            if keys is not None and "class_ids" not in keys:
                del values["class_ids"]
            yield values


def class_names(class_ids):
    """Class ids (any shape) as TensorFlow's ``classes``: the ids' decimal strings as bytes."""
    ids = np.asarray(class_ids)
    return np.array([str(int(i)).encode() for i in ids.reshape(-1)], dtype=object).reshape(ids.shape)


def regression_head(label_dimension, weight_column, loss_reduction, owner: str) -> RegressionHead:
    return RegressionHead(label_dimension, weight_column, checked_reduction(loss_reduction, owner))


def classification_head(n_classes, weight_column, label_vocabulary, loss_reduction, owner: str) -> ClassificationHead:
    """The head for ``n_classes`` integer labels; ``label_vocabulary`` is refused (string labels would
    need a host lookup before the labels' placeholder)."""
    if label_vocabulary is not None:
        raise ValueError(f"{owner}: label_vocabulary is not supported yet; give integer labels in [0, n_classes)")
    return ClassificationHead(n_classes, weight_column, checked_reduction(loss_reduction, owner))


__all__ = ["CannedClassifier", "CannedEstimator", "class_names", "classification_head", "regression_head"]
