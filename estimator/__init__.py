"""``tfc.estimator``: TensorFlow's Estimator API on tfc's TensorFlow 1 graphs and GraphSession."""
