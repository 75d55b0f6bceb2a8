"""``embedding_column`` and ``shared_embeddings``: a categorical column's ids looked up in a trainable
``[num_buckets, dimension]`` table and combined per example (``mean``, ``sum`` or ``sqrtn`` of the
weighted rows, zeros for an example without ids), as ``tf.nn.safe_embedding_lookup_sparse``."""

from __future__ import annotations

import math

import tfc
from tfc.keras import initializers

from .column import CategoricalColumn, DenseColumn, feature, ids_key, weights_key

COMBINERS = ("mean", "sum", "sqrtn")


def combine(table, ids, weights, combiner: str):
    """Rows ``table[ids]`` combined per example; ids below 0 and weights not above 0 are dropped."""
    weights = tfc.where(ids >= 0, tfc.maximum(weights, 0.0), tfc.zeros_like(weights))
    rows = tfc.gather(table, tfc.maximum(ids, 0)) * tfc.expand_dims(weights, -1)
    total = tfc.reduce_sum(rows, axis=1)
    if combiner == "sum":
        return total
    scale = tfc.reduce_sum(weights, axis=1) if combiner == "mean" else tfc.sqrt(tfc.reduce_sum(weights * weights, axis=1))
    return total / tfc.expand_dims(tfc.maximum(scale, 1e-30), -1)


class EmbeddingColumn(DenseColumn):
    """A categorical column through an embedding table named ``table_name``."""

    def __init__(self, categorical_column: CategoricalColumn, dimension: int, combiner: str, initializer, trainable: bool,
                 table_name: str, suffix: str = "embedding"):
        self.categorical_column, self.dimension, self.combiner = categorical_column, dimension, combiner
        self.initializer, self.trainable, self.table_name, self.suffix = initializer, trainable, table_name, suffix

    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_{self.suffix}"

    def tables(self) -> dict:
        return {self.table_name: ((self.categorical_column.num_buckets, self.dimension), self.initializer, self.trainable)}

    def encode(self, features: dict) -> dict:
        return self.categorical_column.encode(features)

    def parse_spec(self) -> dict:
        return self.categorical_column.parse_spec()

    def dense(self, encoded: dict, tables: dict):
        column = self.categorical_column
        ids, weights = feature(encoded, ids_key(column)), feature(encoded, weights_key(column))
        return combine(tables[self.table_name], ids, weights, self.combiner)


def _check(where: str, dimension, combiner: str, initializer, unsupported: dict):
    given = [name for name, value in unsupported.items() if value is not None and value is not True]
    if given:
        raise ValueError(f"{where}: {', '.join(given)} is not supported")
    if int(dimension) < 1:
        raise ValueError(f"{where}: dimension must be at least 1, got {dimension}")
    if combiner not in COMBINERS:
        raise ValueError(f"{where}: combiner must be one of {', '.join(COMBINERS)}, got {combiner!r}")
    if initializer is not None and not callable(initializer):
        raise ValueError(f"{where}: initializer must be callable, got {initializer!r}")
    return initializer or initializers.TruncatedNormal(mean=0.0, stddev=1 / math.sqrt(int(dimension)))


def embedding_column(categorical_column: CategoricalColumn, dimension: int, combiner="mean", initializer=None,
                     ckpt_to_load_from=None, tensor_name_in_ckpt=None, max_norm=None, trainable=True,
                     use_safe_embedding_lookup=True) -> EmbeddingColumn:
    """``tf.feature_column.embedding_column``; ``initializer(shape, dtype)`` defaults to TensorFlow's
    truncated normal of stddev ``1/sqrt(dimension)``. Loading from a checkpoint and ``max_norm`` raise.

    >>> from tfc.feature_column import categorical_column_with_identity
    >>> embedding_column(categorical_column_with_identity("day", 7), 3).name
    'day_embedding'
    """
    if not isinstance(categorical_column, CategoricalColumn):
        raise TypeError(f"embedding_column: categorical_column must be a categorical column, got {categorical_column!r}")
    where = f"embedding_column '{categorical_column.name}'"
    init = _check(where, dimension, combiner, initializer, {"ckpt_to_load_from": ckpt_to_load_from,
                  "tensor_name_in_ckpt": tensor_name_in_ckpt, "max_norm": max_norm,
                  "use_safe_embedding_lookup=False": use_safe_embedding_lookup})
    return EmbeddingColumn(categorical_column, int(dimension), combiner, init, bool(trainable),
                           f"{categorical_column.name}_embedding/embedding_weights")


def shared_embeddings(categorical_columns, dimension: int, combiner="mean", initializer=None,
                      shared_embedding_collection_name=None, ckpt_to_load_from=None, tensor_name_in_ckpt=None,
                      max_norm=None, trainable=True, use_safe_embedding_lookup=True) -> list[EmbeddingColumn]:
    """``tf.feature_column.shared_embeddings``: one embedding column per categorical column, all reading
    one table (the columns must have the same ``num_buckets``)."""
    columns = list(categorical_columns)
    if not columns or not all(isinstance(c, CategoricalColumn) for c in columns):
        raise TypeError(f"shared_embeddings: categorical_columns must be a non-empty list of categorical columns, got {columns!r}")
    if len({c.num_buckets for c in columns}) != 1:
        sizes = ", ".join(f"{c.name}: {c.num_buckets}" for c in columns)
        raise ValueError(f"shared_embeddings: all categorical columns must have the same num_buckets, got {sizes}")
    name = shared_embedding_collection_name or "_".join(sorted(c.name for c in columns)) + "_shared_embedding"
    init = _check(f"shared_embeddings '{name}'", dimension, combiner, initializer, {"ckpt_to_load_from": ckpt_to_load_from,
                  "tensor_name_in_ckpt": tensor_name_in_ckpt, "max_norm": max_norm,
                  "use_safe_embedding_lookup=False": use_safe_embedding_lookup})
    return [EmbeddingColumn(c, int(dimension), combiner, init, bool(trainable), name, "shared_embedding") for c in columns]


__all__ = ["COMBINERS", "EmbeddingColumn", "combine", "embedding_column", "shared_embeddings"]
