"""``input_layer``: TensorFlow 1's functional form of ``DenseFeatures``."""

from __future__ import annotations

from .dense_features import DenseFeatures


def input_layer(features: dict, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                cols_to_output_tensors=None):
    """``tf.compat.v1.feature_column.input_layer``: the features as one ``[batch, width]`` tensor.

    As in TensorFlow 1, each call makes new embedding tables (``cols_to_vars``, when given, receives
    them per column); use ``DenseFeatures`` to keep and train them across calls.
    """
    if weight_collections is not None:
        raise ValueError("input_layer: weight_collections is not supported (tfc has no graph collections)")
    layer = DenseFeatures(feature_columns, trainable=trainable, name="input_layer")
    output = layer(features, cols_to_output_tensors=cols_to_output_tensors)
    if cols_to_vars is not None:
        for column in layer.feature_columns:
            cols_to_vars[column] = [layer.tables[name] for name in column.tables()]
    return output


__all__ = ["input_layer"]
