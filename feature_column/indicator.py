"""``indicator_column``: a categorical column as a multi-hot block (each id's count, or its summed
weights for a weighted column) of width ``num_buckets``."""

from __future__ import annotations

import tfc

from .column import CategoricalColumn, DenseColumn, feature, ids_key, weights_key


class IndicatorColumn(DenseColumn):
    """``sum over the example's ids of weight * one_hot(id)``."""

    def __init__(self, categorical_column: CategoricalColumn):
        self.categorical_column = categorical_column

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_indicator"

    def encode(self, features: dict) -> dict:
        return self.categorical_column.encode(features)

    def parse_spec(self) -> dict:
        return self.categorical_column.parse_spec()

    def dense(self, encoded: dict, tables: dict):
        column = self.categorical_column
        ids, weights = feature(encoded, ids_key(column)), feature(encoded, weights_key(column))
        return tfc.reduce_sum(tfc.one_hot(ids, column.num_buckets) * tfc.expand_dims(weights, -1), axis=1)


def indicator_column(categorical_column: CategoricalColumn) -> IndicatorColumn:
    """``tf.feature_column.indicator_column``.

    >>> from tfc.feature_column import categorical_column_with_identity
    >>> indicator_column(categorical_column_with_identity("day", 7)).name
    'day_indicator'
    """
    if not isinstance(categorical_column, CategoricalColumn):
        raise TypeError(f"indicator_column: categorical_column must be a categorical column, got {categorical_column!r}")
    return IndicatorColumn(categorical_column)


__all__ = ["IndicatorColumn", "indicator_column"]
