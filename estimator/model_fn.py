"""``tf.estimator.EstimatorSpec``: what a model_fn returns for one mode, checked as TensorFlow
checks it (a loss and a train_op for TRAIN, a loss for EVAL, predictions for PREDICT)."""

from __future__ import annotations

import collections

from .mode_keys import ModeKeys

FIELDS = ("mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs", "training_chief_hooks",
          "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks")
MODES = (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT)


class EstimatorSpec(collections.namedtuple("EstimatorSpec", FIELDS)):
    """The ops a model_fn built: ``EstimatorSpec(mode, predictions=None, loss=None, train_op=None,
    eval_metric_ops=None, export_outputs=None, training_chief_hooks=None, training_hooks=None,
    scaffold=None, evaluation_hooks=None, prediction_hooks=None)``. ``eval_metric_ops`` maps a name
    to a ``(value, update_op)`` pair (:mod:`tfc.estimator.metrics`)."""

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None, export_outputs=None,
                training_chief_hooks=None, training_hooks=None, scaffold=None, evaluation_hooks=None, prediction_hooks=None):
        if mode not in MODES:
            raise ValueError(f"EstimatorSpec: mode must be one of ModeKeys.TRAIN, EVAL or PREDICT, got {mode!r}")
        if mode == ModeKeys.TRAIN and (train_op is None or loss is None):
            raise ValueError("EstimatorSpec: missing " + ("train_op" if train_op is None else "loss") + " in TRAIN mode")
        if mode == ModeKeys.EVAL and loss is None:
            raise ValueError("EstimatorSpec: missing loss in EVAL mode")
        if mode == ModeKeys.PREDICT and predictions is None:
            raise ValueError("EstimatorSpec: missing predictions in PREDICT mode")
        rank = getattr(getattr(loss, "shape", None), "ndims", 0)
        if loss is not None and rank not in (0, None):
            raise ValueError(f"EstimatorSpec: loss must be scalar, given: {loss!r}")
        metrics = dict(eval_metric_ops or {})
        for name, pair in metrics.items():
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise TypeError(f"EstimatorSpec: eval_metric_ops['{name}'] must be a (metric_value, update_op) tuple, got {pair!r}")
        return super().__new__(cls, mode, predictions, loss, train_op, metrics, export_outputs, tuple(training_chief_hooks or ()),
                               tuple(training_hooks or ()), scaffold, tuple(evaluation_hooks or ()), tuple(prediction_hooks or ()))


__all__ = ["EstimatorSpec"]
