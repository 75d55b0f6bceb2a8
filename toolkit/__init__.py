"""``tfc.toolkit``: the models of TensorFlow's contrib toolkit (KMeans, GMM, WALS, SVM, random forest...), compiled by tfc."""

from .gmm import GMM
from .kmeans import KMeansClustering

__all__ = ["GMM", "KMeansClustering"]
