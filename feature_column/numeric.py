"""``numeric_column`` (numbers straight into the model input) and ``bucketized_column`` (numbers cut at
boundaries into one-hot buckets)."""

from __future__ import annotations

import numpy as np

import tfc
from tfc.data.sparse_tensor import SparseTensor

from .column import CategoricalColumn, DenseColumn, feature, ids_key, present_ids, weights_key
from .dtypes import numeric_dtype
from .padded import PaddedIds


class NumericColumn(DenseColumn):
    """Real values of shape ``shape`` per example, flattened into the model input."""

    def __init__(self, key: str, shape, default_value, dtype, normalizer_fn):
        self.key, self.shape, self.default_value = key, shape, default_value
        self.dtype, self.normalizer_fn = dtype, normalizer_fn

    @property
    def name(self) -> str:
        return self.key

    @property
    def width(self) -> int:
        return int(np.prod(self.shape))

    def values(self, features: dict) -> np.ndarray:
        """The feature as ``[batch, *shape]`` float32 (on the host)."""
        value = feature(features, self.key)
        if isinstance(value, SparseTensor):
            raise TypeError(f"numeric_column '{self.key}': a SparseTensor is not supported; give a dense array")
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(f"numeric_column '{self.key}': numbers were expected, got an array of {value.dtype}")
        value = value.astype(np.float32)
        if int(np.prod(value.shape[1:])) != self.width:
            raise ValueError(f"numeric_column '{self.key}': each example must hold {self.width} values (shape {self.shape}), "
                             f"got features of shape {tuple(value.shape)}")
        return value

    def encode(self, features: dict) -> dict[str, np.ndarray]:
        return {self.key: self.values(features).reshape(-1, *self.shape)}

    def parse_spec(self) -> dict:
        return {self.key: tfc.io.FixedLenFeature(self.shape, self.dtype, self.default_value)}

    def dense(self, encoded: dict, tables: dict):
        value = tfc.cast(feature(encoded, self.key), tfc.float32)
        if self.normalizer_fn is not None:
            value = self.normalizer_fn(value)
        return tfc.reshape(value, (-1, self.width))


def numeric_column(key: str, shape=(1,), default_value=None, dtype=tfc.float32, normalizer_fn=None) -> NumericColumn:
    """``tf.feature_column.numeric_column``: ``features[key]`` as ``[batch, prod(shape)]`` floats, with
    ``normalizer_fn`` (a function of tfc tensors) applied in the compiled part.

    >>> numeric_column("age", normalizer_fn=lambda x: (x - 40.0) / 10.0).name
    'age'
    """
    if not isinstance(key, str):
        raise TypeError(f"numeric_column: key must be a string, got {key!r}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    if any(d <= 0 for d in shape):
        raise ValueError(f"numeric_column '{key}': shape dimensions must be positive, got {shape}")
    numeric_dtype(dtype, f"numeric_column '{key}'")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"numeric_column '{key}': normalizer_fn must be callable, got {normalizer_fn!r}")
    if default_value is not None:
        default_value = np.broadcast_to(np.asarray(default_value, np.float32), shape)
    return NumericColumn(key, shape, default_value, dtype, normalizer_fn)


class BucketizedColumn(DenseColumn, CategoricalColumn):
    """A numeric column's values as bucket ids: ``i`` for ``boundaries[i-1] <= x < boundaries[i]``."""

    def __init__(self, source_column: NumericColumn, boundaries: tuple):
        self.source_column, self.boundaries = source_column, boundaries
        self.num_buckets = source_column.width * (len(boundaries) + 1)

    @property
    def name(self) -> str:
        return f"{self.source_column.name}_bucketized"

    def ids(self, features: dict) -> PaddedIds:
        values = np.asarray(self.source_column.values(features)).reshape(-1, self.source_column.width)
        buckets = np.searchsorted(np.asarray(self.boundaries, np.float64), values, side="right")
        ids = buckets + (len(self.boundaries) + 1) * np.arange(values.shape[1])
        return present_ids(ids, np.ones(ids.shape, bool))

    def parse_spec(self) -> dict:
        return self.source_column.parse_spec()

    def dense(self, encoded: dict, tables: dict):
        if ids_key(self) not in encoded and isinstance(encoded, dict) and self.source_column.key in encoded:
            return self.dense_from_values(encoded, tables)
        ids = feature(encoded, ids_key(self))
        one_hot = tfc.one_hot(ids, self.num_buckets) * tfc.expand_dims(feature(encoded, weights_key(self)), -1)
        return tfc.reduce_sum(one_hot, axis=1)

    def dense_from_values(self, encoded: dict, tables: dict):
        """The one-hot buckets from the raw numbers in tfc ops (a keras model's dict of Inputs): each
        value's bucket is the count of boundaries at or below it, as TensorFlow's Bucketize."""
        values = self.source_column.dense(encoded, tables)  # [batch, width], normalized as TensorFlow bucketizes
        bounds = tfc.constant(np.asarray(self.boundaries, np.float32))
        buckets = tfc.reduce_sum(tfc.cast(tfc.greater_equal(tfc.expand_dims(values, -1), bounds), tfc.int32), axis=-1)
        return tfc.reshape(tfc.one_hot(buckets, len(self.boundaries) + 1), (-1, self.num_buckets))


def bucketized_column(source_column: NumericColumn, boundaries) -> BucketizedColumn:
    """``tf.feature_column.bucketized_column``: one-hot buckets of a numeric column, usable as a
    categorical column too (in crosses, embeddings).

    >>> bucketized_column(numeric_column("age"), [18, 65]).num_buckets
    3
    """
    if not isinstance(source_column, NumericColumn):
        raise TypeError(f"bucketized_column: source_column must be a numeric_column, got {source_column!r}")
    boundaries = tuple(float(b) for b in boundaries)
    if not boundaries or any(b >= c for b, c in zip(boundaries, boundaries[1:])):
        raise ValueError(f"bucketized_column '{source_column.name}': boundaries must be a sorted, non-empty list, got {list(boundaries)}")
    return BucketizedColumn(source_column, boundaries)


__all__ = ["BucketizedColumn", "NumericColumn", "bucketized_column", "numeric_column"]
