"""The host step of an export over feature columns: the canned estimators' encoder as JSON, and back.

Strings cannot enter a compiled program, so a canned estimator encodes each batch on the host
(vocabulary lookups, hashing, bucketing, crosses: the columns' ``encode``) and its graph reads the
encoded ids, weights and numbers. An export of such a model writes the encoder's columns as
``host_features.json`` (vocabulary files' entries under ``assets/``); a loader rebuilds the same
columns with ``tfc.feature_column``'s public constructors (never unpickled code) and runs them on
each request's raw features before the graph::

    {"format": "tfc.host_features", "format_version": 1, "passthrough": [],
     "columns": [{"type": "categorical_column_with_vocabulary_file", "key": "occupation",
                  "vocabulary_file": "assets/occupations.txt", "dtype": "string", ...}, ...]}

A numeric column's ``normalizer_fn`` is part of the graph (it runs on the encoded values inside
it), so only the column's key, shape and dtype are recorded.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import numpy as np

import tfc
from tfc import feature_column as fc
from tfc.feature_column.categorical import HashedCategoricalColumn, IdentityCategoricalColumn, VocabularyColumn
from tfc.feature_column.crossed import CrossedColumn
from tfc.feature_column.dtypes import numeric_dtype
from tfc.feature_column.embedding import EmbeddingColumn
from tfc.feature_column.indicator import IndicatorColumn
from tfc.feature_column.numeric import BucketizedColumn, NumericColumn
from tfc.feature_column.weighted import WeightedCategoricalColumn

from .format import SavedModelError

HOST_FEATURES_FILE = "host_features.json"
ASSETS_DIR = "assets"
FORMAT_NAME, FORMAT_VERSION = "tfc.host_features", 1
VOCABULARY_FILE_SOURCE = "categorical_column_with_vocabulary_file"


class UnsupportedColumn(ValueError):
    """A feature column an export's host step cannot record (names the column and its type)."""


# ---- columns to JSON -----------------------------------------------------------------------------
def encoder_config(columns, passthrough, assets: dict) -> dict:
    """``host_features.json`` for an encoder over ``columns`` keeping the ``passthrough`` features;
    vocabulary files go into ``assets`` (relative path -> bytes). UnsupportedColumn names a column
    of a kind this cannot record."""
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "passthrough": [str(key) for key in passthrough],
            "columns": [column_config(column, assets) for column in columns]}


def column_config(column, assets: dict) -> dict:
    """One column as a JSON object whose ``type`` is the tfc.feature_column constructor that rebuilds it."""
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
def column_from_config(config: dict, export_dir: Path):
    """The column ``config`` describes, made by tfc.feature_column's constructor of that name."""
    if not isinstance(config, dict) or config.get("type") not in _READERS:
        kind = config.get("type") if isinstance(config, dict) else config
        raise SavedModelError(f"{export_dir / HOST_FEATURES_FILE}: unknown feature column type {kind!r}; expected one of {sorted(_READERS)}")
    try:
        return _READERS[config["type"]](config, export_dir)
    except (KeyError, TypeError, ValueError, OSError) as err:
        raise SavedModelError(f"{export_dir / HOST_FEATURES_FILE}: feature column {config.get('key', config['type'])!r} "
                              f"does not rebuild: {err}") from None


def _dtype(name: str):
    return tfc.string if name == "string" else np.dtype(name)


def _read_vocabulary_list(config, export_dir):
    entries = [base64.b64decode(v["b64"]) if isinstance(v, dict) else v for v in config["vocabulary_list"]]
    return fc.categorical_column_with_vocabulary_list(config["key"], entries, _dtype(config["dtype"]), config["default_value"],
                                                      config["num_oov_buckets"])


def _read_vocabulary_file(config, export_dir):
    relative = Path(config["vocabulary_file"])
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"vocabulary_file {str(relative)!r} must be a path inside the export")
    return fc.categorical_column_with_vocabulary_file(config["key"], str(export_dir / relative), config["vocabulary_size"],
                                                      _dtype(config["dtype"]), config["default_value"], config["num_oov_buckets"])


def _read_numeric(config, export_dir):
    return fc.numeric_column(config["key"], tuple(config["shape"]), config["default_value"], np.dtype(config["dtype"]))


def _read_embedding(config, export_dir):
    categorical = column_from_config(config["categorical_column"], export_dir)
    return fc.embedding_column(categorical, config["dimension"], config["combiner"], trainable=config["trainable"])


def _read_shared(config, export_dir):
    categorical = column_from_config(config["categorical_column"], export_dir)
    name = config["table_name"]
    return fc.shared_embeddings([categorical], config["dimension"], config["combiner"], shared_embedding_collection_name=name,
                                trainable=config["trainable"])[0]


def _read_crossed(config, export_dir):
    keys = [key if isinstance(key, str) else column_from_config(key, export_dir) for key in config["keys"]]
    return fc.crossed_column(keys, config["hash_bucket_size"], config["hash_key"])


_READERS = {
    "categorical_column_with_identity": lambda c, d: fc.categorical_column_with_identity(c["key"], c["num_buckets"], c["default_value"]),
    "categorical_column_with_hash_bucket": lambda c, d: fc.categorical_column_with_hash_bucket(c["key"], c["hash_bucket_size"], _dtype(c["dtype"])),
    "categorical_column_with_vocabulary_list": _read_vocabulary_list,
    VOCABULARY_FILE_SOURCE: _read_vocabulary_file,
    "numeric_column": _read_numeric,
    "bucketized_column": lambda c, d: fc.bucketized_column(_read_numeric(c["source_column"], d), c["boundaries"]),
    "crossed_column": _read_crossed,
    "weighted_categorical_column": lambda c, d: fc.weighted_categorical_column(column_from_config(c["categorical_column"], d),
                                                                               c["weight_feature_key"], np.dtype(c["dtype"])),
    "indicator_column": lambda c, d: fc.indicator_column(column_from_config(c["categorical_column"], d)),
    "embedding_column": _read_embedding,
    "shared_embeddings": _read_shared,
}


# ---- the step a loaded signature runs ------------------------------------------------------------
class HostStep:
    """A signature's host step: raw features -> the feeds (tensor name -> array) its graph reads."""

    def __init__(self, signature: str, encoder, encoded_inputs: dict):
        self.signature, self.encoder, self.encoded_inputs = signature, encoder, encoded_inputs

    def feeds(self, arrays: dict) -> dict:
        """Encode ``arrays`` (the signature's raw inputs) as the canned estimator encodes a batch; a
        value the columns refuse is a ValueError naming the signature and the column."""
        try:
            encoded = self.encoder(arrays)
        except (TypeError, ValueError) as err:
            raise ValueError(f"signature '{self.signature}': {err}") from None
        feeds = {}
        for key, info in self.encoded_inputs.items():
            if key not in encoded:
                raise SavedModelError(f"signature '{self.signature}': the host step gives no '{key}', which the graph reads")
            feeds[info["name"]] = np.asarray(encoded[key], np.dtype(info["dtype"]))
        return feeds


def host_step(export_dir, signature: str, info: dict, graph: bool) -> HostStep | None:
    """The host step a signature's ``host_features`` entry describes (None without one); a
    SavedModelError names a missing or unreadable file."""
    entry = info.get("host_features")
    if entry is None:
        return None
    root = Path(os.fsdecode(export_dir))
    if not graph or not isinstance(entry, dict) or not isinstance(entry.get("inputs"), dict):
        raise SavedModelError(f"{root}: signature '{signature}': \"host_features\" needs a graph export and an object of encoded \"inputs\"")
    path = root / entry.get("config", HOST_FEATURES_FILE)
    try:
        config = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SavedModelError(f"{path}: not a readable host-features file ({err})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME or config.get("format_version") != FORMAT_VERSION:
        raise SavedModelError(f"{path}: expected \"format\": \"{FORMAT_NAME}\" and \"format_version\": {FORMAT_VERSION}")
    from tfc.estimator.canned.feature_input import FeatureEncoder  # here: tfc.estimator imports tfc.saved_model

    columns = tuple(column_from_config(column, root) for column in config.get("columns", []))
    return HostStep(signature, FeatureEncoder(columns, tuple(config.get("passthrough", []))), entry["inputs"])


__all__ = ["ASSETS_DIR", "HOST_FEATURES_FILE", "HostStep", "UnsupportedColumn", "column_config", "column_from_config", "encoder_config",
           "host_step"]
