"""tfc.feature_column against TensorFlow 2.21's tf.feature_column, on reference data written by
scripts/generate_feature_column_reference.py: ``input_layer`` of every column kind (same inputs, same
embedding tables), FarmHash buckets and hashed crosses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tfc
from tfc.feature_column.hashing import DEFAULT_HASH_KEY, fingerprint64, fingerprint_cat64, to_hash_bucket_fast

from .cases import CASES

DATA = Path(__file__).resolve().parents[1] / "data" / "feature_column"
HASHES = json.loads((DATA / "hashes.json").read_text())


@pytest.fixture(scope="module")
def reference():
    with np.load(DATA / "input_layer.npz") as data:
        return dict(data)


@pytest.mark.parametrize("name", sorted(CASES))
def test_input_layer_matches_tensorflow(name, reference):
    features, columns = CASES[name](tfc.feature_column, tfc)
    out = tfc.feature_column.input_layer(features, columns)
    np.testing.assert_allclose(out, reference[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dense_features_inside_compile_matches_tensorflow(name, reference):
    features, columns = CASES[name](tfc.feature_column, tfc)
    layer = tfc.feature_column.DenseFeatures(columns)
    out = tfc.compile(lambda encoded: layer(encoded))(layer.encode(features))
    np.testing.assert_allclose(np.asarray(out), reference[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", sorted(HASHES["hashes"]["string_buckets"], key=int))
def test_hash_buckets_of_strings_and_ints(size):
    hashes = HASHES["hashes"]
    strings = np.array(hashes["strings"], dtype=object)
    assert to_hash_bucket_fast(strings, int(size)).tolist() == hashes["string_buckets"][size]
    ints = np.array(hashes["ints"], np.int64)
    assert to_hash_bucket_fast(ints, int(size)).tolist() == hashes["int_buckets"][size]


@pytest.mark.parametrize("case", HASHES["crosses"], ids=lambda c: f"buckets{c['num_buckets']}-key{c['hash_key']}")
def test_cross_hashes_match_sparse_cross_hashed(case):
    strings = np.array([s for s, _ in case["pairs"]], dtype=object)
    ints = np.array([i for _, i in case["pairs"]], np.int64).view(np.uint64)
    key = np.uint64(DEFAULT_HASH_KEY if case["hash_key"] is None else case["hash_key"])
    crossed = fingerprint_cat64(fingerprint_cat64(key, fingerprint64(strings)), ints)
    modulus = np.uint64(case["num_buckets"] or 2**63 - 1)
    assert [str(v) for v in (crossed % modulus).tolist()] == case["buckets"]


def test_crossed_column_buckets_match_tensorflow():
    case = HASHES["crosses"][0]
    column = tfc.feature_column.crossed_column(["s", "i"], case["num_buckets"])
    features = {"s": np.array([[s] for s, _ in case["pairs"]], dtype=object),
                "i": np.array([[i] for _, i in case["pairs"]], np.int64)}
    ids = column.ids(features)
    blank = [row for row, (s, i) in enumerate(case["pairs"]) if s == "" or i == -1]  # TF's missing values
    expected = [int(b) for row, b in enumerate(case["buckets"]) if row not in blank]
    kept = [int(v) for row, v in enumerate(ids.ids[:, 0]) if row not in blank]
    assert kept == expected
    assert all(ids.ids[row, 0] == -1 for row in blank)


def spec_entry(value) -> list:
    if isinstance(value, tfc.io.FixedLenFeature):
        default = None if value.default_value is None else np.asarray(value.default_value, np.float64).tolist()
        return ["fixed", list(value.shape), np.dtype(tfc.as_dtype(value.dtype).numpy).name, default]
    return ["var", "string" if value.dtype is tfc.string else np.dtype(tfc.as_dtype(value.dtype).numpy).name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_parse_example_spec_matches_tensorflow(name):
    _, columns = CASES[name](tfc.feature_column, tfc)
    spec = tfc.feature_column.make_parse_example_spec(columns)
    assert {key: spec_entry(value) for key, value in sorted(spec.items())} == HASHES["parse_specs"][name]


def test_identity_id_past_num_buckets_is_an_error_as_tensorflow_embedding_lookup_makes_it():
    assert HASHES["identity_out_of_range"]["embedding"] == "InvalidArgumentError"
    ids = tfc.feature_column.categorical_column_with_identity("day", 7)
    with pytest.raises(ValueError, match="id 9 is not below num_buckets 7"):
        tfc.feature_column.input_layer({"day": np.array([[1], [9]])}, [tfc.feature_column.embedding_column(ids, 2)])
