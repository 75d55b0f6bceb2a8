"""Feature columns as JSON and back: how an export records the columns a canned estimator encodes on
the host, so a loader rebuilds them with this package's public constructors (never unpickled code).

``column_config(column, assets)`` gives a JSON object whose ``type`` names the constructor
(``categorical_column_with_vocabulary_file``, ``crossed_column``, ...) and whose other fields are
its arguments; a vocabulary file's entries go into ``assets`` (``assets/<file name>`` -> bytes).
``column_from_config(config, root)`` calls that constructor (vocabulary files read under ``root``).
A numeric column's ``normalizer_fn`` runs on the encoded values in the compiled part, so only the
key, shape and dtype are recorded.

>>> from tfc.feature_column import categorical_column_with_hash_bucket
>>> column_config(categorical_column_with_hash_bucket("city", 100), {})["type"]
'categorical_column_with_hash_bucket'
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import numpy as np

import tfc

from .categorical import (
    HashedCategoricalColumn,
    IdentityCategoricalColumn,
    VocabularyColumn,
    categorical_column_with_hash_bucket,
    categorical_column_with_identity,
    categorical_column_with_vocabulary_file,
    categorical_column_with_vocabulary_list,
)
from .crossed import CrossedColumn, crossed_column
from .dtypes import numeric_dtype
from .embedding import EmbeddingColumn, embedding_column, shared_embeddings
from .indicator import IndicatorColumn, indicator_column
from .numeric import BucketizedColumn, NumericColumn, bucketized_column, numeric_column
from .weighted import WeightedCategoricalColumn, weighted_categorical_column

ASSETS_DIR = "assets"
VOCABULARY_FILE_SOURCE = "categorical_column_with_vocabulary_file"


class UnsupportedColumn(ValueError):
    """A feature column this cannot record as JSON (names the column and its type)."""


def column_config(column, assets: dict) -> dict:
    """One column as a JSON object whose ``type`` names the constructor that rebuilds it."""
    writer = _WRITERS.get(type(column))
    if writer is None:
        kinds = ", ".join(sorted({name for name in _READERS}))
        raise UnsupportedColumn(f"feature column '{column.name}' ({type(column).__name__}) cannot be exported with a host step; "
                                f"supported kinds: {kinds}")
    return writer(column, assets)


def _identity(column, assets) -> dict:
    return {"type": "categorical_column_with_identity", "key": column.key, "num_buckets": column.num_buckets,
            "default_value": column.default_value}


def _hashed(column, assets) -> dict:
    return {"type": "categorical_column_with_hash_bucket", "key": column.key, "hash_bucket_size": column.num_buckets,
            "dtype": _kind_dtype(column.kind)}


def _vocabulary(column, assets) -> dict:
    common = {"key": column.key, "dtype": _kind_dtype(column.kind), "default_value": column.default_value,
              "num_oov_buckets": column.num_oov_buckets}
    if column.source != VOCABULARY_FILE_SOURCE:
        return {"type": "categorical_column_with_vocabulary_list", "vocabulary_list": [_json_value(v) for v in column.vocabulary], **common}
    path = _asset_path(column, assets)
    return {"type": VOCABULARY_FILE_SOURCE, "vocabulary_file": path, "vocabulary_size": len(column.vocabulary), **common}


def _asset_path(column, assets: dict) -> str:
    """``assets/<file name>``: the entries the column looked up, one a line (the original file's name
    when the column knows it; the column's key joins it when two files share a name)."""
    content = b"".join((v if isinstance(v, bytes) else str(v).encode()) + b"\n" for v in column.vocabulary)
    original = getattr(column, "vocabulary_file", None)
    name = os.path.basename(original) if original else f"{column.key}_vocabulary.txt"
    path = f"{ASSETS_DIR}/{name}"
    if assets.get(path, content) != content:
        path = f"{ASSETS_DIR}/{column.key}_{name}"
    assets[path] = content
    return path


def _numeric(column, assets) -> dict:
    dtype = numeric_dtype(column.dtype, f"numeric_column '{column.key}'")
    default = None if column.default_value is None else np.asarray(column.default_value).tolist()
    return {"type": "numeric_column", "key": column.key, "shape": list(column.shape), "dtype": dtype.name, "default_value": default}


def _bucketized(column, assets) -> dict:
    return {"type": "bucketized_column", "source_column": _numeric(column.source_column, assets), "boundaries": list(column.boundaries)}


def _crossed(column, assets) -> dict:
    keys = [key if isinstance(key, str) else column_config(key, assets) for key in column.keys]
    return {"type": "crossed_column", "keys": keys, "hash_bucket_size": column.num_buckets, "hash_key": column.hash_key}


def _weighted(column, assets) -> dict:
    dtype = numeric_dtype(column.dtype, f"weighted_categorical_column '{column.weight_feature_key}'")
    return {"type": "weighted_categorical_column", "categorical_column": column_config(column.categorical_column, assets),
            "weight_feature_key": column.weight_feature_key, "dtype": dtype.name}


def _indicator(column, assets) -> dict:
    return {"type": "indicator_column", "categorical_column": column_config(column.categorical_column, assets)}


def _embedding(column, assets) -> dict:
    shared = column.suffix != "embedding"
    return {"type": "shared_embeddings" if shared else "embedding_column", "categorical_column": column_config(column.categorical_column, assets),
            "dimension": column.dimension, "combiner": column.combiner, "trainable": column.trainable,
            "table_name": column.table_name}


def _kind_dtype(kind: str) -> str:
    return "string" if kind == "string" else "int64"


def _json_value(value):
    """A vocabulary entry in JSON: text as a string, other bytes as ``{"b64": ...}``, integers as they are."""
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode()}
    return value if isinstance(value, str) else int(value)


_WRITERS = {IdentityCategoricalColumn: _identity, HashedCategoricalColumn: _hashed, VocabularyColumn: _vocabulary,
            NumericColumn: _numeric, BucketizedColumn: _bucketized, CrossedColumn: _crossed, WeightedCategoricalColumn: _weighted,
            IndicatorColumn: _indicator, EmbeddingColumn: _embedding}


# ---- JSON to columns -----------------------------------------------------------------------------
def column_from_config(config: dict, root):
    """The column ``config`` describes, made by the constructor its ``type`` names (vocabulary files
    read under ``root``); a ValueError names an unknown type or a column that does not rebuild."""
    if not isinstance(config, dict) or config.get("type") not in _READERS:
        kind = config.get("type") if isinstance(config, dict) else config
        raise ValueError(f"unknown feature column type {kind!r}; expected one of {sorted(_READERS)}")
    try:
        return _READERS[config["type"]](config, Path(os.fspath(root)))
    except (KeyError, TypeError, ValueError, OSError) as err:
        raise ValueError(f"feature column {config.get('key', config['type'])!r} does not rebuild: {err}") from None


def _dtype(name: str):
    return tfc.string if name == "string" else np.dtype(name)


def _read_vocabulary_list(config, root):
    entries = [base64.b64decode(v["b64"]) if isinstance(v, dict) else v for v in config["vocabulary_list"]]
    return categorical_column_with_vocabulary_list(config["key"], entries, _dtype(config["dtype"]), config["default_value"],
                                                   config["num_oov_buckets"])


def _read_vocabulary_file(config, root):
    relative = Path(config["vocabulary_file"])
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"vocabulary_file {str(relative)!r} must be a path inside the export")
    return categorical_column_with_vocabulary_file(config["key"], str(root / relative), config["vocabulary_size"],
                                                   _dtype(config["dtype"]), config["default_value"], config["num_oov_buckets"])


def _read_numeric(config, root):
    return numeric_column(config["key"], tuple(config["shape"]), config["default_value"], np.dtype(config["dtype"]))


def _read_embedding(config, root):
    categorical = column_from_config(config["categorical_column"], root)
    return embedding_column(categorical, config["dimension"], config["combiner"], trainable=config["trainable"])


def _read_shared(config, root):
    categorical = column_from_config(config["categorical_column"], root)
    name = config["table_name"]
    return shared_embeddings([categorical], config["dimension"], config["combiner"], shared_embedding_collection_name=name,
                             trainable=config["trainable"])[0]


def _read_crossed(config, root):
    keys = [key if isinstance(key, str) else column_from_config(key, root) for key in config["keys"]]
    return crossed_column(keys, config["hash_bucket_size"], config["hash_key"])


_READERS = {
    "categorical_column_with_identity": lambda c, d: categorical_column_with_identity(c["key"], c["num_buckets"], c["default_value"]),
    "categorical_column_with_hash_bucket": lambda c, d: categorical_column_with_hash_bucket(c["key"], c["hash_bucket_size"], _dtype(c["dtype"])),
    "categorical_column_with_vocabulary_list": _read_vocabulary_list,
    VOCABULARY_FILE_SOURCE: _read_vocabulary_file,
    "numeric_column": _read_numeric,
    "bucketized_column": lambda c, d: bucketized_column(_read_numeric(c["source_column"], d), c["boundaries"]),
    "crossed_column": _read_crossed,
    "weighted_categorical_column": lambda c, d: weighted_categorical_column(column_from_config(c["categorical_column"], d),
                                                                               c["weight_feature_key"], np.dtype(c["dtype"])),
    "indicator_column": lambda c, d: indicator_column(column_from_config(c["categorical_column"], d)),
    "embedding_column": _read_embedding,
    "shared_embeddings": _read_shared,
}


__all__ = ["ASSETS_DIR", "UnsupportedColumn", "column_config", "column_from_config"]
