"""Categorical columns that map one feature's values to ids on the host: by identity, by a vocabulary
(a list or a file, with hashed out-of-vocabulary buckets) or by hashing (FarmHash, as TensorFlow)."""

from __future__ import annotations

import os

import numpy as np

import tfc

from .column import KIND_DTYPES, CategoricalColumn, feature, present_ids
from .dtypes import check_kind, key_kind
from .hashing import as_string, to_hash_bucket_fast
from .padded import PaddedIds, to_padded


class IdentityCategoricalColumn(CategoricalColumn):
    """Integer features that are their own ids, in ``[0, num_buckets)``."""

    def __init__(self, key: str, num_buckets: int, default_value):
        self.key, self.num_buckets, self.default_value = key, num_buckets, default_value

    @property
    def name(self) -> str:
        return self.key

    def parse_spec(self) -> dict:
        return {self.key: tfc.io.VarLenFeature(tfc.int64)}

    def ids(self, features: dict) -> PaddedIds:
        padded = to_padded(feature(features, self.key), self.key)
        check_kind(padded.values, "int", f"categorical_column_with_identity '{self.key}'")
        ids = padded.values.astype(np.int64)
        if self.default_value is None:
            too_big = padded.mask & (ids >= self.num_buckets)
            if too_big.any():
                raise ValueError(f"categorical_column_with_identity '{self.key}': id {ids[too_big][0]} is not below "
                                 f"num_buckets {self.num_buckets} and the column has no default_value")
            return present_ids(ids, padded.mask)
        outside = (ids < 0) | (ids >= self.num_buckets)
        return present_ids(np.where(outside, self.default_value, ids), padded.mask)


def categorical_column_with_identity(key: str, num_buckets: int, default_value=None) -> IdentityCategoricalColumn:
    """``tf.feature_column.categorical_column_with_identity``: integer ids used as they are; ids outside
    ``[0, num_buckets)`` become ``default_value``; without one, negative ids are dropped and larger ones
    raise, as TensorFlow documents (its indicator path gives a zero row instead, its embedding errs).

    >>> categorical_column_with_identity("day", 7).num_buckets
    7
    """
    if int(num_buckets) < 1:
        raise ValueError(f"categorical_column_with_identity '{key}': num_buckets must be at least 1, got {num_buckets}")
    if default_value is not None and not 0 <= int(default_value) < int(num_buckets):
        raise ValueError(f"categorical_column_with_identity '{key}': default_value {default_value} is outside [0, {num_buckets})")
    return IdentityCategoricalColumn(key, int(num_buckets), None if default_value is None else int(default_value))


class KeyedColumn(CategoricalColumn):
    """A categorical column of one feature ``key`` holding values of ``kind`` (strings or integers)."""

    @property
    def name(self) -> str:
        return self.key

    def parse_spec(self) -> dict:
        return {self.key: tfc.io.VarLenFeature(KIND_DTYPES[self.kind])}


class VocabularyColumn(KeyedColumn):
    """Values looked up in a vocabulary: the i-th entry is id i; others go to ``default_value`` or, with
    ``num_oov_buckets``, to ``len(vocabulary) + Fingerprint64(value) % num_oov_buckets``."""

    def __init__(self, key: str, vocabulary: tuple, kind: str, default_value: int, num_oov_buckets: int, source: str):
        self.key, self.vocabulary, self.kind = key, vocabulary, kind
        self.default_value, self.num_oov_buckets, self.source = default_value, num_oov_buckets, source
        self.lookup = {as_string(v): i for i, v in enumerate(vocabulary)}
        self.num_buckets = len(vocabulary) + num_oov_buckets

    def ids(self, features: dict) -> PaddedIds:
        padded = to_padded(feature(features, self.key), self.key)
        check_kind(padded.values, self.kind, f"{self.source} '{self.key}'")
        flat = padded.values.reshape(-1)
        found = np.fromiter((self.lookup.get(as_string(v), -1) for v in flat), np.int64, count=flat.size)
        if self.num_oov_buckets:
            oov = len(self.vocabulary) + to_hash_bucket_fast(flat, self.num_oov_buckets)
            found = np.where(found < 0, oov, found)
        else:
            found = np.where(found < 0, self.default_value, found)
        return present_ids(found.reshape(padded.values.shape), padded.mask)


def _check_oov(key: str, default_value, num_oov_buckets: int) -> None:
    if num_oov_buckets < 0:
        raise ValueError(f"vocabulary column '{key}': num_oov_buckets must be non-negative, got {num_oov_buckets}")
    if num_oov_buckets and default_value not in (None, -1):
        raise ValueError(f"vocabulary column '{key}': default_value ({default_value}) and num_oov_buckets "
                         f"({num_oov_buckets}) cannot both be given")


def categorical_column_with_vocabulary_list(key: str, vocabulary_list, dtype=None, default_value=-1,
                                            num_oov_buckets=0) -> VocabularyColumn:
    """``tf.feature_column.categorical_column_with_vocabulary_list``; ``dtype`` defaults to the list's
    (strings or integers).

    >>> categorical_column_with_vocabulary_list("color", ["red", "green"], num_oov_buckets=2).num_buckets
    4
    """
    vocabulary = tuple(vocabulary_list)
    if not vocabulary or len(set(vocabulary)) != len(vocabulary):
        raise ValueError(f"categorical_column_with_vocabulary_list '{key}': vocabulary_list must be non-empty and "
                         f"without duplicates, got {list(vocabulary)}")
    listed = "string" if isinstance(vocabulary[0], (str, bytes)) else "int"
    if listed == "int" and not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vocabulary):
        raise ValueError(f"categorical_column_with_vocabulary_list '{key}': vocabulary_list must hold strings or "
                         f"integers, got {list(vocabulary)}")
    kind = listed if dtype is None else key_kind(dtype, f"categorical_column_with_vocabulary_list '{key}'")
    if kind != listed:
        raise ValueError(f"categorical_column_with_vocabulary_list '{key}': dtype {dtype!r} does not match the "
                         f"vocabulary's {listed} values")
    _check_oov(key, default_value, int(num_oov_buckets))
    return VocabularyColumn(key, vocabulary, kind, -1 if default_value is None else int(default_value),
                            int(num_oov_buckets), "categorical_column_with_vocabulary_list")


def _read_vocabulary(key: str, path: str, vocabulary_size, kind: str) -> tuple:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"categorical_column_with_vocabulary_file '{key}': vocabulary_file '{path}' does not exist")
    with open(path, "rb") as handle:
        lines = [line.rstrip(b"\n").rstrip(b"\r") for line in handle]
    if vocabulary_size is not None:
        if int(vocabulary_size) < 1 or int(vocabulary_size) > len(lines):
            raise ValueError(f"categorical_column_with_vocabulary_file '{key}': vocabulary_size {vocabulary_size} "
                             f"is not in [1, {len(lines)}] (the lines of '{path}')")
        lines = lines[: int(vocabulary_size)]
    if kind == "int":
        try:
            return tuple(int(line) for line in lines)
        except ValueError as err:
            raise ValueError(f"categorical_column_with_vocabulary_file '{key}': '{path}' must hold one integer per "
                             f"line for an integer dtype ({err})") from err
    return tuple(lines)


def categorical_column_with_vocabulary_file(key: str, vocabulary_file: str, vocabulary_size=None, dtype=tfc.string,
                                            default_value=None, num_oov_buckets=0) -> VocabularyColumn:
    """``tf.feature_column.categorical_column_with_vocabulary_file``: one vocabulary entry per line
    (the first ``vocabulary_size`` lines when given), read when the column is made."""
    if not vocabulary_file:
        raise ValueError(f"categorical_column_with_vocabulary_file '{key}': vocabulary_file is missing")
    kind = key_kind(dtype, f"categorical_column_with_vocabulary_file '{key}'")
    _check_oov(key, default_value, int(num_oov_buckets))
    vocabulary = _read_vocabulary(key, os.fspath(vocabulary_file), vocabulary_size, kind)
    column = VocabularyColumn(key, vocabulary, kind, -1 if default_value is None else int(default_value),
                              int(num_oov_buckets), "categorical_column_with_vocabulary_file")
    column.vocabulary_file = os.fspath(vocabulary_file)  # where it was read: an export names its asset after it
    return column


class HashedCategoricalColumn(KeyedColumn):
    """Ids ``Fingerprint64(str(value)) % hash_bucket_size``."""

    def __init__(self, key: str, hash_bucket_size: int, kind: str):
        self.key, self.num_buckets, self.kind = key, hash_bucket_size, kind

    def ids(self, features: dict) -> PaddedIds:
        padded = to_padded(feature(features, self.key), self.key)
        check_kind(padded.values, self.kind, f"categorical_column_with_hash_bucket '{self.key}'")
        return present_ids(to_hash_bucket_fast(padded.values, self.num_buckets), padded.mask)


def categorical_column_with_hash_bucket(key: str, hash_bucket_size: int, dtype=tfc.string) -> HashedCategoricalColumn:
    """``tf.feature_column.categorical_column_with_hash_bucket``: strings (or integers, hashed through
    their decimal form) spread over ``hash_bucket_size`` ids by FarmHash, TensorFlow's buckets exactly.

    >>> categorical_column_with_hash_bucket("city", 100).num_buckets
    100
    """
    if int(hash_bucket_size) < 1:
        raise ValueError(f"categorical_column_with_hash_bucket '{key}': hash_bucket_size must be at least 1, got {hash_bucket_size}")
    kind = key_kind(dtype, f"categorical_column_with_hash_bucket '{key}'")
    return HashedCategoricalColumn(key, int(hash_bucket_size), kind)


__all__ = ["HashedCategoricalColumn", "IdentityCategoricalColumn", "VocabularyColumn",
           "categorical_column_with_hash_bucket", "categorical_column_with_identity",
           "categorical_column_with_vocabulary_file", "categorical_column_with_vocabulary_list"]
