"""What every canned estimator shares: an Estimator whose model_fn puts a network's logits (built
from the encoded feature columns) under a head, trained by one optimizer per part of the network.

Each batch is encoded on the host before it is fed (:mod:`.feature_input`: the columns' lookups; the
head's label checks and vocabulary). A classifier's predictions gain ``classes``, ``all_class_ids``
and ``all_classes`` on the host (strings do not enter the compiled program).
"""

from __future__ import annotations

import numpy as np

from tfc.compat.v1 import group, trainable_variables
from tfc.compat.v1.train import get_or_create_global_step

from ..estimator import Estimator
from ..export import export_saved_model
from ..mode_keys import ModeKeys
from .heads import ClassificationHead, RegressionHead, checked_reduction
from .optimizers import get_optimizer


class CannedEstimator(Estimator):
    """An Estimator from ``logits_fn(features, mode, logits_dimension)`` (builds the network in the
    default graph from encoded features), a head, ``encode_features`` (the host phase) and
    ``optimizers``: ``[(variable scope, optimizer argument, default learning rate)]``, one per part
    of the network (a name gets the default learning rate)."""

    def __init__(self, logits_fn, head, optimizers, encode_features, model_dir, config, warm_start_from=None):
        def model_fn(features, labels, mode):
            logits = logits_fn(features, mode, head.logits_dimension)
            return head.spec(mode, features, labels, logits, None if mode != ModeKeys.TRAIN else train_op_fn)

        def train_op_fn(loss):
            return minimized(loss, optimizers)

        for _, optimizer, learning_rate in optimizers:
            if isinstance(optimizer, str):
                get_optimizer(optimizer, learning_rate)  # an unknown name fails at construction
        self._head, self._encode_features = head, encode_features
        super().__init__(model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)

    def _batch_encoder(self, mode: str):
        return lambda features, labels: (self._encode_features(features), self._head.encode_labels(labels))

    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                           checkpoint_path=None, experimental_mode=ModeKeys.PREDICT) -> bytes:
        """As Estimator's; over columns encoded on the host (vocabulary lookups, hashing, bucketing),
        the export takes the raw features and records the encoding beside the graph
        (:func:`tfc.estimator.export.host_feature_export`)."""
        host_only = getattr(self._encode_features, "host_only", list)()
        encoder = self._encode_features if host_only else None
        return export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra, as_text, checkpoint_path,
                                  experimental_mode, host_encoder=encoder)


def minimized(loss, optimizers):
    """The train_op: each optimizer minimizing ``loss`` over its scope's trainable variables (all of
    them when there is one), the global step incremented once."""
    ops = []
    for index, (scope, optimizer, learning_rate) in enumerate(optimizers):
        variables = None if len(optimizers) == 1 else [v for v in trainable_variables() if v.op.name.startswith(scope + "/")]
        step = get_or_create_global_step() if index == 0 else None
        ops.append(get_optimizer(optimizer, learning_rate).minimize(loss, global_step=step, var_list=variables))
    return ops[0] if len(ops) == 1 else group(*ops)


class CannedClassifier(CannedEstimator):
    """A CannedEstimator whose predictions add ``classes``, ``all_class_ids`` and ``all_classes``."""

    HOST_KEYS = ("classes", "all_class_ids", "all_classes")

    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        keys = None if predict_keys is None else ([predict_keys] if isinstance(predict_keys, str) else list(predict_keys))
        asked = None if keys is None else sorted({key for key in keys if key not in self.HOST_KEYS} | {"class_ids"})
        for values in super().predict(input_fn, asked, hooks, checkpoint_path, yield_single_examples):
            values.update(self._host_predictions(values["class_ids"]))
            yield values if keys is None else {key: values[key] for key in keys}

    def _host_predictions(self, class_ids) -> dict:
        head = self._head
        ids = np.asarray(class_ids)
        every = np.broadcast_to(np.arange(head.n_classes, dtype=np.int32), (*ids.shape[:-1], head.n_classes))
        return {"classes": head.class_names(ids), "all_class_ids": every.copy(), "all_classes": head.class_names(every)}


def regression_head(label_dimension, weight_column, loss_reduction, owner: str) -> RegressionHead:
    return RegressionHead(label_dimension, weight_column, checked_reduction(loss_reduction, owner))


def classification_head(n_classes, weight_column, label_vocabulary, loss_reduction, owner: str) -> ClassificationHead:
    return ClassificationHead(n_classes, weight_column, label_vocabulary, checked_reduction(loss_reduction, owner))


def weight_key(weight_column) -> tuple:
    """The weight column's feature key, as the features passed through encoding untouched."""
    return () if weight_column is None else (getattr(weight_column, "key", weight_column),)


__all__ = ["CannedClassifier", "CannedEstimator", "classification_head", "minimized", "regression_head", "weight_key"]
