"""The canned estimators' model input from feature columns, in two phases as everywhere in tfc:
each batch's raw features are encoded on the host (string lookups, hashing, bucketing: the columns'
``encode``), and the graph reads the encoded arrays through placeholders and builds the columns'
dense part with TF1 graph ops (``dense``, whose tfc ops build graph nodes on graph tensors).

Ids are padded to a power-of-two width per batch, so batches of a few different widths share a
handful of compiled programs instead of one each.
"""

from __future__ import annotations

import numpy as np

from tfc.compat.v1 import add_n, get_variable, matmul, variable_scope, zeros_initializer
from tfc.feature_column.column import CategoricalColumn, DenseColumn, FeatureColumn
from tfc.feature_column.embedding import combine
from tfc.feature_column.numeric import NumericColumn
from tfc.feature_column.transform import dense_output, sorted_columns

IDS_SUFFIX, WEIGHTS_SUFFIX = "/ids", "/weights"
SPARSE_COMBINERS = ("sum", "mean", "sqrtn")


def checked_columns(feature_columns, owner: str, dense_only: bool) -> tuple:
    """``feature_columns`` as a name-sorted tuple; a DNN takes dense columns only (TensorFlow's rule:
    wrap a categorical column in an embedding or indicator column), a linear model any column."""
    if isinstance(feature_columns, FeatureColumn):
        feature_columns = [feature_columns]
    columns = list(feature_columns or ())
    if not columns:
        raise ValueError(f"{owner}: feature_columns must not be empty")
    for column in columns:
        if not isinstance(column, FeatureColumn):
            raise ValueError(f"{owner}: items of feature_columns must be feature columns, got {column!r}")
        if dense_only and not isinstance(column, DenseColumn):
            raise ValueError(f"{owner}: items of feature_columns must be dense columns (wrap categorical column "
                             f"'{column.name}' in an embedding_column or indicator_column)")
    if dense_only:
        return tuple(sorted_columns(columns))
    names = [c.name for c in columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{owner}: duplicate feature column name(s) {', '.join(repeated)}")
    return tuple(sorted(columns, key=lambda c: c.name))


class FeatureEncoder:
    """The host phase for ``columns``: raw features to the encoded arrays the graph reads, keeping
    the ``passthrough`` features (a weight column) as they are."""

    def __init__(self, columns: tuple, passthrough: tuple = ()):
        self.columns, self.passthrough = columns, passthrough

    def __call__(self, features) -> dict:
        if not isinstance(features, dict):
            raise TypeError(f"canned estimators need features as a dict keyed by the columns' keys, got {type(features).__name__}")
        encoded = {}
        for column in self.columns:
            try:
                encoded.update(column.encode(features))
            except KeyError as err:
                raise ValueError(f"feature column '{column.name}': {err.args[0]}") from None
        for key in self.passthrough:
            if key in features:
                encoded[key] = np.asarray(features[key])
        return {key: padded(key, value) for key, value in encoded.items()}

    def host_only(self) -> list[str]:
        """The columns whose encoding is a host lookup (not a plain numeric value): a graph fed raw
        features, such as an export's, cannot compute them."""
        return [column.name for column in self.columns if not isinstance(column, NumericColumn)]


def padded(key: str, value: np.ndarray) -> np.ndarray:
    """Ids (-1) and their weights (0) widened to the next power of two; anything else as it is."""
    if value.ndim != 2 or not key.endswith((IDS_SUFFIX, WEIGHTS_SUFFIX)):
        return value
    width = 1 << max(int(value.shape[1]) - 1, 0).bit_length()
    fill = -1 if key.endswith(IDS_SUFFIX) else 0
    return np.pad(value, ((0, 0), (0, width - value.shape[1])), constant_values=fill)


def dense_input(encoded: dict, columns: tuple, scope: str):
    """The dense columns' ``[batch, width]`` block (a DNN's input), their embedding tables made
    under ``scope`` with TensorFlow's names (``<scope>/<column>/embedding_weights``)."""
    tables = {}
    for column in columns:
        for name, (shape, initializer, trainable) in column.tables().items():
            if name not in tables:
                with variable_scope(f"{scope}/{column.name}"):
                    tables[name] = get_variable("embedding_weights", list(shape), initializer=float32_values(initializer),
                                                trainable=trainable)
    return dense_output(list(columns), encoded, tables)


def float32_values(initializer):
    """A column's initializer (keras-style: ``(shape, dtype name)`` to an array) as ``get_variable``
    calls initializers (``(shape, dtype=DType)``): float32 values."""
    return lambda shape, dtype=None, partition_info=None: np.asarray(initializer(list(shape), "float32"), np.float32)


def linear_logits(encoded: dict, columns: tuple, units: int, sparse_combiner: str):
    """``sum over columns of input @ weights + bias``, variables ``linear/linear_model/<column>/weights``
    and ``.../bias_weights`` (zeros, as TensorFlow starts them); a categorical column's weights are a
    row per id, combined with ``sparse_combiner`` (or the column's own ``combiner``, as contrib's
    sparse columns carry one)."""
    terms = []
    with variable_scope("linear/linear_model"):
        for column in columns:
            if isinstance(column, CategoricalColumn):
                weights = get_variable(f"{column.name}/weights", [column.num_buckets, units], initializer=zeros_initializer())
                ids, ids_weights = encoded[f"{column.name}{IDS_SUFFIX}"], encoded[f"{column.name}{WEIGHTS_SUFFIX}"]
                terms.append(combine(weights, ids, ids_weights, getattr(column, "combiner", sparse_combiner)))
            else:
                value = column.dense(encoded, {})
                weights = get_variable(f"{column.name}/weights", [int(value.shape[1]), units], initializer=zeros_initializer())
                terms.append(matmul(value, weights))
        bias = get_variable("bias_weights", [units], initializer=zeros_initializer())
    return (terms[0] if len(terms) == 1 else add_n(terms)) + bias


__all__ = ["SPARSE_COMBINERS", "FeatureEncoder", "checked_columns", "dense_input", "linear_logits", "padded"]
