"""``tfc.toolkit``: the models of TensorFlow's contrib toolkit (KMeans, GMM, WALS, SVM, random forest...), compiled by tfc."""

from .gmm import GMM
from .kmeans import KMeansClustering
from .linear import LinearRegressor, LogisticRegressor
from .rnn_classifier import RNNClassifier
from .sdca import SDCAOptimizer
from .svm import SVM
from .tensor_forest import ForestHParams, TensorForestEstimator
from .wals import WALSMatrixFactorization

__all__ = ["GMM", "SVM", "ForestHParams", "KMeansClustering", "LinearRegressor", "LogisticRegressor", "RNNClassifier", "SDCAOptimizer", "TensorForestEstimator",
           "WALSMatrixFactorization"]
