"""``tfc.feature_column``: TensorFlow's feature columns, turning a features dict into dense model inputs."""
