"""TensorFlow's canned estimators on tfc's Estimator: ``LinearRegressor``, ``LinearClassifier``,
``DNNRegressor``, ``DNNClassifier`` (numeric feature columns so far; see :mod:`.dense_input`)."""

from .dnn import DNNClassifier, DNNRegressor
from .linear import LinearClassifier, LinearRegressor

__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor"]
