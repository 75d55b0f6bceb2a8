"""The two phases of a list of dense columns: ``encode_features`` on the host (numpy in, numeric numpy
out) and ``dense_output`` in tfc ops (the columns' blocks concatenated in TensorFlow's order, by name)."""

from __future__ import annotations

import numpy as np

import tfc

from .column import DenseColumn


def sorted_columns(feature_columns) -> list[DenseColumn]:
    """The columns sorted by name, as TensorFlow's ``input_layer`` concatenates them; anything but a
    dense column, or two columns of one name, is an error naming it."""
    if isinstance(feature_columns, DenseColumn):
        feature_columns = [feature_columns]
    columns = list(feature_columns)
    if not columns:
        raise ValueError("feature_columns must not be empty")
    for column in columns:
        if not isinstance(column, DenseColumn):
            raise ValueError(f"items of feature_columns must be dense columns (wrap a categorical column in an "
                             f"embedding_column or indicator_column), got {column!r}")
    names = [c.name for c in columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"duplicate feature column name(s) {', '.join(repeated)} in feature_columns")
    return sorted(columns, key=lambda c: c.name)


def encode_features(features: dict, feature_columns) -> dict[str, np.ndarray]:
    """The host phase: string lookups and hashing in numpy, giving the numeric arrays (padded ids and
    weights, numeric values) that ``input_layer``/``DenseFeatures`` read inside ``@tfc.compile``.

    >>> from tfc.feature_column import categorical_column_with_vocabulary_list, indicator_column
    >>> color = indicator_column(categorical_column_with_vocabulary_list("color", ["red", "blue"]))
    >>> encode_features({"color": np.array(["blue", "red"])}, [color])["color/ids"].tolist()
    [[1], [0]]
    """
    encoded: dict[str, np.ndarray] = {}
    for column in sorted_columns(feature_columns):
        encoded.update(column.encode(features))
    return encoded


def table_specs(columns: list[DenseColumn]) -> dict:
    """Every table the columns read, once each, ``{name: (shape, initializer, trainable)}``; shared
    tables must agree in shape."""
    specs: dict = {}
    for column in columns:
        for name, spec in column.tables().items():
            if name in specs and specs[name][0] != spec[0]:
                raise ValueError(f"embedding table '{name}' is shared with shapes {specs[name][0]} and {spec[0]}")
            specs.setdefault(name, spec)
    return specs


def dense_output(columns: list[DenseColumn], encoded: dict, tables: dict, cols_to_output_tensors=None):
    """The compiled phase: each column's ``[batch, width]`` block, concatenated (tfc ops)."""
    blocks = []
    for column in columns:
        block = column.dense(encoded, tables)
        if cols_to_output_tensors is not None:
            cols_to_output_tensors[column] = block
        blocks.append(block)
    return blocks[0] if len(blocks) == 1 else tfc.concat(blocks, axis=1)


__all__ = ["dense_output", "encode_features", "sorted_columns", "table_specs"]
