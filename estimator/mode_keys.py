"""``tf.estimator.ModeKeys``: which of the three programs a model_fn is asked to build."""

from __future__ import annotations


class ModeKeys:
    """The ``mode`` a model_fn receives: build the training, evaluation or prediction graph."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


__all__ = ["ModeKeys"]
