"""``tf.contrib.linear_optimizer``: ``SDCAOptimizer``, tfc's :class:`tfc.toolkit.SDCAOptimizer`, which
``tfc.contrib.learn.LinearClassifier``/``LinearRegressor`` (and ``tfc.toolkit.SVM``) train with."""

from tfc.toolkit.sdca import SDCAOptimizer

__all__ = ["SDCAOptimizer"]
