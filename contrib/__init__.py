"""``tfc.contrib``: the spellings of TensorFlow's contrib that the seed's programs use —
``tf.contrib.layers``' feature columns and ``tf.contrib.learn``'s estimators with ``fit``/``evaluate``
on arrays or input_fns — over tfc's feature columns and canned estimators, and the toolkit's
models under their contrib homes (``factorization``, ``linear_optimizer``'s ``SDCAOptimizer``)."""

from . import factorization, layers, learn, linear_optimizer

__all__ = ["factorization", "layers", "learn", "linear_optimizer"]
