"""The two kinds of feature column: dense ones give a ``[batch, width]`` float block of the model input;
categorical ones give ids (and weights), which indicator and embedding columns make dense.

Each column works in two phases: ``encode`` on the host (numpy: string lookups and hashing, which
cannot enter a compiled program) and ``dense`` in tfc ops on the encoded arrays (so it traces inside
``@tfc.compile`` and keras models)."""

from __future__ import annotations

import numpy as np

import tfc

from .padded import PaddedIds

KIND_DTYPES = {"string": tfc.string, "int": tfc.int64}  # what parse specs give each kind of key


def feature(features: dict, key: str):
    """``features[key]``, or an error naming the key and the features present."""
    if not isinstance(features, dict):
        raise TypeError(f"features must be a dict of feature name to values, got {type(features).__name__}")
    if key not in features:
        raise KeyError(f"feature '{key}' is not in the features dict (it has: {', '.join(sorted(map(str, features))) or 'nothing'})")
    return features[key]


class FeatureColumn:
    """A named recipe from raw features to model input; ``name`` orders columns as TensorFlow does."""

    @property
    def name(self) -> str:
        raise NotImplementedError(type(self).__name__)

    def encode(self, features: dict) -> dict[str, np.ndarray]:
        """The numeric arrays the compiled part reads, keyed so columns sharing an input share them."""
        raise NotImplementedError(type(self).__name__)

    def parse_spec(self) -> dict:
        """``{feature key: tfc.io.FixedLenFeature or VarLenFeature}``: how to parse its raw features."""
        raise NotImplementedError(type(self).__name__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class DenseColumn(FeatureColumn):
    """A column giving a ``[batch, width]`` block of ``input_layer``'s output."""

    def tables(self) -> dict:
        """Weights this column reads, ``{table name: (shape, initializer, trainable)}``: none by default."""
        return {}

    def dense(self, encoded: dict, tables: dict):
        """The ``[batch, width]`` float32 tfc tensor from the encoded arrays and the tables' variables."""
        raise NotImplementedError(type(self).__name__)


class CategoricalColumn(FeatureColumn):
    """A column giving ids in ``[0, num_buckets)`` per example (any number per example)."""

    num_buckets: int

    def ids(self, features: dict) -> PaddedIds:
        """The ids (-1 where absent) and weights (1 where present, 0 where absent), padded."""
        raise NotImplementedError(type(self).__name__)

    def encode(self, features: dict) -> dict[str, np.ndarray]:
        padded = self.ids(features)
        return {ids_key(self): padded.ids.astype(np.int32), weights_key(self): padded.weights.astype(np.float32)}


def ids_key(column: CategoricalColumn) -> str:
    """Where a categorical column's ids sit in the encoded features."""
    return f"{column.name}/ids"


def weights_key(column: CategoricalColumn) -> str:
    """Where a categorical column's per-id weights sit in the encoded features."""
    return f"{column.name}/weights"


def present_ids(ids: np.ndarray, mask: np.ndarray) -> PaddedIds:
    """Ids -1 and weight 0 wherever the value is absent or its id negative (TensorFlow drops those)."""
    keep = mask & (ids >= 0)
    return PaddedIds(np.where(keep, ids, -1).astype(np.int64), keep.astype(np.float32))


__all__ = ["CategoricalColumn", "DenseColumn", "FeatureColumn", "feature", "ids_key", "present_ids", "weights_key"]
