"""``tfc.estimator``: TensorFlow's Estimator API on tfc's TensorFlow 1 graphs and GraphSession.

A model_fn builds TF1 graph ops (``tfc.compat.v1``) for a mode and returns an ``EstimatorSpec``;
an ``Estimator`` trains, evaluates and predicts with it, keeping checkpoints and TensorBoard event
files in ``model_dir``. ``metrics`` holds ``tf.compat.v1.metrics``-style streaming metrics.
"""

from tfc.compat.v1.train.warm_starting import VocabInfo, WarmStartSettings

from . import export, metrics
from .canned import (
    BaselineClassifier,
    BaselineRegressor,
    DNNClassifier,
    DNNLinearCombinedClassifier,
    DNNLinearCombinedRegressor,
    DNNRegressor,
    LinearClassifier,
    LinearRegressor,
)
from .checkpoint_saver import CheckpointSaverHook, CheckpointSaverListener
from .estimator import Estimator, NanLossDuringTrainingError
from .mode_keys import ModeKeys
from .model_fn import EstimatorSpec
from .run_config import RunConfig
from .training import EvalSpec, TrainSpec, train_and_evaluate

__all__ = [
    "BaselineClassifier",
    "BaselineRegressor",
    "CheckpointSaverHook",
    "CheckpointSaverListener",
    "DNNClassifier",
    "DNNLinearCombinedClassifier",
    "DNNLinearCombinedRegressor",
    "DNNRegressor",
    "Estimator",
    "EstimatorSpec",
    "EvalSpec",
    "LinearClassifier",
    "LinearRegressor",
    "ModeKeys",
    "NanLossDuringTrainingError",
    "RunConfig",
    "TrainSpec",
    "VocabInfo",
    "WarmStartSettings",
    "export",
    "metrics",
    "train_and_evaluate",
]
