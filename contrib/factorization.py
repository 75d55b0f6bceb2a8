"""``tf.contrib.factorization``: the toolkit's clustering and factorization models under contrib's names."""

from tfc.toolkit import GMM, KMeansClustering

__all__ = ["GMM", "KMeansClustering"]
