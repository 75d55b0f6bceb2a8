"""``tfc.feature_column``: TensorFlow's feature columns, turning a features dict into dense model inputs.

Lookups and hashing run on the host in numpy (``encode_features``); the dense math (one-hot, embedding
lookups, normalization, concatenation) runs as tfc ops, inside ``@tfc.compile`` and keras models."""

from .categorical import (
    categorical_column_with_hash_bucket,
    categorical_column_with_identity,
    categorical_column_with_vocabulary_file,
    categorical_column_with_vocabulary_list,
)
from .crossed import crossed_column
from .dense_features import DenseFeatures
from .embedding import embedding_column, shared_embeddings
from .indicator import indicator_column
from .input_layer import input_layer
from .numeric import bucketized_column, numeric_column
from .parse_spec import make_parse_example_spec
from .transform import encode_features
from .weighted import weighted_categorical_column

__all__ = [
    "DenseFeatures",
    "bucketized_column",
    "categorical_column_with_hash_bucket",
    "categorical_column_with_identity",
    "categorical_column_with_vocabulary_file",
    "categorical_column_with_vocabulary_list",
    "crossed_column",
    "embedding_column",
    "encode_features",
    "indicator_column",
    "input_layer",
    "make_parse_example_spec",
    "numeric_column",
    "shared_embeddings",
    "weighted_categorical_column",
]
