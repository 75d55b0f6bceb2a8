"""``tf.contrib.layers``' feature columns, as the seed wrote them, made from ``tfc.feature_column``'s.

contrib's sparse columns carried their own ``combiner`` (how a linear model or an embedding sums an
example's ids); here it becomes the column's ``combiner``, which the canned linear models read."""

from __future__ import annotations

import tfc
from tfc import feature_column as fc


def real_valued_column(column_name, dimension=1, default_value=None, dtype=tfc.float32, normalizer=None):
    """``tf.contrib.layers.real_valued_column``: ``dimension`` real values per example. The name ""
    reads features given as one array (``fit(x=...)``)."""
    return fc.numeric_column(column_name, shape=(int(dimension),), default_value=default_value, dtype=dtype, normalizer_fn=normalizer)


def with_combiner(column, combiner: str):
    """``column`` whose ids a linear model combines with ``combiner`` ('sum', 'mean' or 'sqrtn')."""
    if combiner not in ("sum", "mean", "sqrtn"):
        raise ValueError(f"column '{column.name}': combiner must be 'sum', 'mean' or 'sqrtn', got {combiner!r}")
    column.combiner = combiner
    return column


def sparse_column_with_integerized_feature(column_name, bucket_size, combiner="sum", dtype=tfc.int64):
    """``tf.contrib.layers.sparse_column_with_integerized_feature``: integer ids in ``[0, bucket_size)``."""
    return with_combiner(fc.categorical_column_with_identity(column_name, num_buckets=int(bucket_size)), combiner)


def sparse_column_with_keys(column_name, keys, default_value=-1, combiner="sum", dtype=tfc.string):
    """``tf.contrib.layers.sparse_column_with_keys``: ids of ``keys``; others get ``default_value``."""
    return with_combiner(fc.categorical_column_with_vocabulary_list(column_name, list(keys), default_value=default_value), combiner)


def sparse_column_with_hash_bucket(column_name, hash_bucket_size, combiner="sum", dtype=tfc.string):
    """``tf.contrib.layers.sparse_column_with_hash_bucket``: FarmHash buckets, as TensorFlow's."""
    return with_combiner(fc.categorical_column_with_hash_bucket(column_name, int(hash_bucket_size)), combiner)


def bucketized_column(source_column, boundaries):
    """``tf.contrib.layers.bucketized_column``."""
    return fc.bucketized_column(source_column, boundaries)


def crossed_column(columns, hash_bucket_size, combiner="sum", ckpt_to_load_from=None, tensor_name_in_ckpt=None, hash_key=None):
    """``tf.contrib.layers.crossed_column``."""
    if ckpt_to_load_from is not None or tensor_name_in_ckpt is not None:
        raise ValueError("crossed_column: loading from a checkpoint is not supported")
    return with_combiner(fc.crossed_column(list(columns), int(hash_bucket_size), hash_key=hash_key), combiner)


def one_hot_column(sparse_id_column):
    """``tf.contrib.layers.one_hot_column``: the ids as a multi-hot block (an indicator column)."""
    return fc.indicator_column(sparse_id_column)


def embedding_column(sparse_id_column, dimension, combiner="mean", initializer=None):
    """``tf.contrib.layers.embedding_column``."""
    return fc.embedding_column(sparse_id_column, int(dimension), combiner=combiner, initializer=initializer)


__all__ = ["bucketized_column", "crossed_column", "embedding_column", "one_hot_column", "real_valued_column",
           "sparse_column_with_hash_bucket", "sparse_column_with_integerized_feature", "sparse_column_with_keys"]
