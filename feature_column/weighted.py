"""``weighted_categorical_column``: a categorical column whose ids carry weights from another feature
(a term frequency, a score), summed by indicator columns and combined by embedding columns."""

from __future__ import annotations

import numpy as np

import tfc

from .column import CategoricalColumn, feature
from .dtypes import numeric_dtype
from .padded import PaddedIds, to_padded


class WeightedCategoricalColumn(CategoricalColumn):
    """The ids of ``categorical_column``, each weighted by the value beside it in ``weight_feature_key``."""

    def __init__(self, categorical_column: CategoricalColumn, weight_feature_key: str, dtype):
        self.categorical_column, self.weight_feature_key, self.dtype = categorical_column, weight_feature_key, dtype
        self.num_buckets = categorical_column.num_buckets

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_weighted_by_{self.weight_feature_key}"

    def parse_spec(self) -> dict:
        return {**self.categorical_column.parse_spec(), self.weight_feature_key: tfc.io.VarLenFeature(self.dtype)}

    def ids(self, features: dict) -> PaddedIds:
        padded = self.categorical_column.ids(features)
        weights = to_padded(feature(features, self.weight_feature_key), self.weight_feature_key)
        if weights.values.shape != padded.ids.shape:
            raise ValueError(f"weighted_categorical_column '{self.name}': weights '{self.weight_feature_key}' have shape "
                             f"{weights.values.shape}, the ids of '{self.categorical_column.name}' {padded.ids.shape}")
        if weights.values.dtype.kind not in "iuf":
            raise TypeError(f"weighted_categorical_column '{self.name}': weights '{self.weight_feature_key}' must be "
                            f"numbers, got {weights.values.dtype}")
        values = np.where(padded.ids >= 0, weights.values.astype(np.float32), 0.0)
        return PaddedIds(padded.ids, values.astype(np.float32))


def weighted_categorical_column(categorical_column: CategoricalColumn, weight_feature_key: str,
                                dtype=tfc.float32) -> WeightedCategoricalColumn:
    """``tf.feature_column.weighted_categorical_column``: ``features[weight_feature_key]`` must have the
    same layout (dense shape, ragged lengths or sparse indices) as the ids' feature."""
    if not isinstance(categorical_column, CategoricalColumn):
        raise TypeError(f"weighted_categorical_column: categorical_column must be a categorical column, got {categorical_column!r}")
    if numeric_dtype(dtype, f"weighted_categorical_column '{weight_feature_key}'").kind != "f":
        raise ValueError(f"weighted_categorical_column '{weight_feature_key}': dtype must be a float dtype, got {dtype!r}")
    return WeightedCategoricalColumn(categorical_column, weight_feature_key, dtype)


__all__ = ["WeightedCategoricalColumn", "weighted_categorical_column"]
