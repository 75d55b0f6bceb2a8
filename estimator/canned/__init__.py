"""TensorFlow's canned estimators on tfc's Estimator: linear, DNN, wide & deep (``DNNLinearCombined*``)
and baseline regressors and classifiers over feature columns (encoded on the host per batch, their
dense part in the graph; see :mod:`.feature_input`)."""

from .baseline import BaselineClassifier, BaselineRegressor
from .dnn import DNNClassifier, DNNRegressor
from .dnn_linear_combined import DNNLinearCombinedClassifier, DNNLinearCombinedRegressor
from .linear import LinearClassifier, LinearRegressor

__all__ = ["BaselineClassifier", "BaselineRegressor", "DNNClassifier", "DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor",
           "DNNRegressor", "LinearClassifier", "LinearRegressor"]
