"""The feature-column cases compared with TensorFlow: each builds (features, columns) from a feature
column module (``tfc.feature_column`` here, ``tf.feature_column`` in
scripts/generate_feature_column_reference.py) and a dtype namespace (``tfc`` or ``tf``), so both sides
build the same columns from one definition. Ragged features are lists of lists; embedding tables come
from seeded initializers, so both sides start from the same weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLORS_FILE = str(Path(__file__).resolve().parents[1] / "data" / "feature_column" / "colors.txt")
HASH_STRINGS = ["", "a", "hello", "tfc", "feature column", "日本", "0", "-1", "12345678901234"]
HASH_INTS = [0, 1, -1, 7, 42, 123456789, -987654321, 2**40]


def table(seed: int):
    """A deterministic embedding initializer, TensorFlow's and Keras' calling conventions alike."""

    def init(shape, dtype=None, partition_info=None):
        return np.random.default_rng(seed).standard_normal(tuple(int(d) for d in shape)).astype(np.float32)

    return init


def numeric(fc, dt):
    features = {"a": np.array([1.0, -2.5, 3.0]), "b": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])}
    return features, [fc.numeric_column("b", shape=(2,), normalizer_fn=lambda x: (x - 1.0) * 2.0), fc.numeric_column("a")]


def bucketized(fc, dt):
    features = {"x": np.array([[-1.0, 0.0], [1.5, 2.0], [3.0, 9.0]])}
    return features, [fc.bucketized_column(fc.numeric_column("x", shape=(2,)), [0.0, 1.5, 3.0])]


def identity(fc, dt):
    features = {"id": np.array([[1, 3], [0, -1], [4, 4]], np.int64), "big": np.array([2, 7, 9], np.int64)}
    big = fc.categorical_column_with_identity("big", 5, default_value=0)
    return features, [fc.indicator_column(fc.categorical_column_with_identity("id", 5)), fc.indicator_column(big)]


def vocabulary_list(fc, dt):
    features = {"color": [["red", "pink"], ["blue"], [], ["green", "red", "violet"]],
                "n": np.array([[10], [30], [99], [20]], np.int64)}
    color = fc.categorical_column_with_vocabulary_list("color", ["red", "green", "blue"], num_oov_buckets=2)
    n = fc.categorical_column_with_vocabulary_list("n", [10, 20, 30], dtype=dt.int64)
    return features, [fc.indicator_column(color), fc.embedding_column(n, 3, initializer=table(1)),
                      fc.embedding_column(color, 4, initializer=table(2))]


def vocabulary_file(fc, dt):
    features = {"color": np.array([["green"], ["black"], ["red"]])}
    color = fc.categorical_column_with_vocabulary_file("color", COLORS_FILE, vocabulary_size=3, default_value=2)
    return features, [fc.indicator_column(color)]


def hash_bucket(fc, dt):
    features = {"city": [["paris", "tokyo"], ["lima"], ["paris"]], "zip": np.array([[75001], [10001], [-5]], np.int64)}
    city = fc.categorical_column_with_hash_bucket("city", 7)
    zips = fc.categorical_column_with_hash_bucket("zip", 5, dtype=dt.int64)
    return features, [fc.indicator_column(city), fc.embedding_column(zips, 2, combiner="sum", initializer=table(3))]


def crossed(fc, dt):
    features = {"city": [["paris", "tokyo"], ["lima"], []], "day": np.array([[1], [5], [6]], np.int64),
                "x": np.array([0.5, 2.0, 4.0])}
    bucket = fc.bucketized_column(fc.numeric_column("x"), [1.0, 3.0])
    return features, [fc.indicator_column(fc.crossed_column(["city", bucket], 11)),
                      fc.embedding_column(fc.crossed_column(["city", "day"], 13, hash_key=99), 3, combiner="sqrtn",
                                          initializer=table(4))]


def weighted(fc, dt):
    features = {"word": [["a", "b", "a"], ["c"], ["b", "z"]], "freq": [[1.0, 2.0, 0.5], [3.0], [-1.0, 4.0]]}
    words = fc.categorical_column_with_vocabulary_list("word", ["a", "b", "c"])
    column = fc.weighted_categorical_column(words, "freq")
    return features, [fc.indicator_column(column),
                      fc.embedding_column(column, 2, combiner="sqrtn", initializer=table(5))]


def shared(fc, dt):
    features = {"q": [["x", "y"], ["z"]], "d": [["y"], ["x", "x"]]}
    q = fc.categorical_column_with_vocabulary_list("q", ["x", "y", "z"])
    d = fc.categorical_column_with_vocabulary_list("d", ["x", "y", "z"])
    return features, fc.shared_embeddings([q, d], 3, initializer=table(6))


CASES = {f.__name__: f for f in (numeric, bucketized, identity, vocabulary_list, vocabulary_file, hash_bucket, crossed,
                                  weighted, shared)}
