"""``crossed_column``: every combination of several categorical features' values per example, hashed
as ``tf.sparse.cross_hashed`` hashes it, so a cross lands in TensorFlow's bucket."""

from __future__ import annotations

import itertools

import numpy as np

import tfc

from .categorical import HashedCategoricalColumn
from .column import CategoricalColumn, feature, present_ids
from .hashing import DEFAULT_HASH_KEY, fingerprint64, fingerprint_cat64
from .padded import PaddedIds, to_padded
from .weighted import WeightedCategoricalColumn


class CrossedColumn(CategoricalColumn):
    """The hashed cross of ``keys`` (feature names or categorical columns) into ``hash_bucket_size`` ids."""

    def __init__(self, keys: tuple, hash_bucket_size: int, hash_key):
        self.keys, self.num_buckets, self.hash_key = keys, hash_bucket_size, hash_key

    @property
    def name(self) -> str:
        return "_X_".join(sorted(k if isinstance(k, str) else k.name for k in self.leaf_keys()))

    def _fingerprints(self, features: dict, key) -> list[list[int]]:
        """Per example, the values entering the cross: a string's Fingerprint64, an integer itself, a
        column's ids (TensorFlow's SparseCross)."""
        if isinstance(key, str):
            padded = to_padded(feature(features, key), key)
            values = padded.values
            if values.dtype.kind not in "iuOSU":
                raise TypeError(f"crossed_column '{self.name}': feature '{key}' must hold strings or integers, got {values.dtype}")
            hashed = fingerprint64(values) if values.dtype.kind in "OSU" else values.astype(np.int64).view(np.uint64)
            return [list(row[keep]) for row, keep in zip(hashed, padded.mask)]
        ids = key.ids(features).ids
        return [list(row[row >= 0].astype(np.int64).view(np.uint64)) for row in ids]

    def leaf_keys(self) -> list:
        """The keys with nested crosses expanded, as TensorFlow crosses them."""
        return [leaf for key in self.keys for leaf in (key.leaf_keys() if isinstance(key, CrossedColumn) else [key])]

    def parse_spec(self) -> dict:
        spec: dict = {}
        for key in self.leaf_keys():
            spec.update({key: tfc.io.VarLenFeature(tfc.string)} if isinstance(key, str) else key.parse_spec())
        return spec

    def ids(self, features: dict) -> PaddedIds:
        per_key = [self._fingerprints(features, key) for key in self.leaf_keys()]
        rows = []
        for combos in zip(*per_key):
            hashes = []
            for combo in itertools.product(*combos):
                value = np.uint64(DEFAULT_HASH_KEY if self.hash_key is None else self.hash_key)
                for part in combo:
                    value = fingerprint_cat64(value, part)
                hashes.append(int(value % np.uint64(self.num_buckets)))
            rows.append(hashes)
        width = max((len(r) for r in rows), default=0)
        ids = np.full((len(rows), width), -1, np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
        return present_ids(ids, ids >= 0)


def crossed_column(keys, hash_bucket_size: int, hash_key=None) -> CrossedColumn:
    """``tf.feature_column.crossed_column``: ``keys`` are feature names (strings or integers) or
    categorical columns other than hash-bucket ones (TensorFlow refuses those: hashing twice collides).

    >>> crossed_column(["city", "day"], 1000).name
    'city_X_day'
    """
    keys = tuple(keys)
    if len(keys) < 2:
        raise ValueError(f"crossed_column: keys must hold at least two items, got {list(keys)}")
    for key in keys:
        if isinstance(key, HashedCategoricalColumn):
            raise ValueError(f"crossed_column: categorical_column_with_hash_bucket '{key.name}' is not supported for "
                             "crossing (hashing before crossing increases collisions); use the feature name instead")
        if isinstance(key, WeightedCategoricalColumn) or not isinstance(key, (str, CategoricalColumn)):
            raise ValueError(f"crossed_column: each key must be a feature name or a categorical column, got {key!r}")
    if int(hash_bucket_size) < 1:
        raise ValueError(f"crossed_column: hash_bucket_size must be at least 1, got {hash_bucket_size}")
    return CrossedColumn(keys, int(hash_bucket_size), hash_key)


__all__ = ["CrossedColumn", "crossed_column"]
