"""``DenseFeatures``: the keras layer over feature columns; it owns the embedding tables as its
weights, encodes raw features on the host when called on arrays, and reads encoded features when
called inside a trace."""

from __future__ import annotations

import numpy as np

import tfc
from tfc.frontend.tracing import current_trace
from tfc.keras.keras_tensor import is_symbolic
from tfc.keras.layers.base import Layer

from .transform import dense_output, encode_features, sorted_columns, table_specs


class DenseFeatures(Layer):
    """``tf.keras.layers.DenseFeatures(feature_columns)``: a features dict to one ``[batch, width]``
    float32 tensor, the columns' blocks in name order.

    >>> from tfc.feature_column import numeric_column
    >>> DenseFeatures([numeric_column("a"), numeric_column("b", shape=2)])(
    ...     {"a": np.array([1.0]), "b": np.array([[2.0, 3.0]])}).tolist()
    [[1.0, 2.0, 3.0]]
    """

    def __init__(self, feature_columns, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.feature_columns = sorted_columns(feature_columns)
        self.tables: dict = {}
        self._dense_call = None

    def build(self, input_shape) -> None:
        for name, (shape, initializer, trainable) in table_specs(self.feature_columns).items():
            self.tables[name] = self.add_weight(name, shape, initializer=initializer, trainable=trainable)
        self.built = True

    def encode(self, features: dict) -> dict[str, np.ndarray]:
        """The host phase for this layer's columns (see ``encode_features``)."""
        return encode_features(features, self.feature_columns)

    def call(self, features, cols_to_output_tensors=None, training=None):
        return dense_output(self.feature_columns, features, self.tables, cols_to_output_tensors)

    def __call__(self, features, training=None, cols_to_output_tensors=None):
        """On arrays: encode on the host, then run the dense part compiled. Inside a trace (``@tfc.compile``,
        a model's step): ``features`` must already be encoded (numeric features, and those of bucketized
        columns, may be passed raw). On a dict of ``keras.Input``: a layer call of a functional model."""
        self.ensure_built(None)
        if is_symbolic(features):
            return self._call_symbolic(features, {})
        if current_trace() is not None:
            return self.call(features, cols_to_output_tensors)
        if cols_to_output_tensors is not None:
            raise ValueError(f"layer '{self.name}': cols_to_output_tensors is only supported inside a traced function")
        if self._dense_call is None:
            self._dense_call = tfc.compile(self.call)
        return np.asarray(self._dense_call(self.encode(features)))

    def get_config(self) -> dict:
        raise NotImplementedError(f"layer '{self.name}': DenseFeatures cannot be serialized (feature columns have no config yet)")


__all__ = ["DenseFeatures"]
