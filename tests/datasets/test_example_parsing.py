"""tf.train.Example parsing: tfc.io.parse_example / parse_single_example give TensorFlow's values
for TensorFlow's records (dense with defaults, VarLen as SparseTensor, padded sequences), inside
tfc.data pipelines too, and errors that name the example, the feature and what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from google.protobuf import text_format

import tfc
from tfc.frontend.tf import example_proto

DATA = Path(__file__).resolve().parent.parent / "data" / "tfrecord"
REFERENCE = json.loads((DATA / "reference.json").read_text())
DTYPES = {"int64": tfc.int64, "float32": tfc.float32, "string": tfc.string}


def spec() -> dict:
    features = {}
    for key, (kind, shape, dtype, default) in REFERENCE["spec"].items():
        if kind == "fixed":
            features[key] = tfc.io.FixedLenFeature(shape, DTYPES[dtype], default_value=default)
        elif kind == "varlen":
            features[key] = tfc.io.VarLenFeature(DTYPES[dtype])
        else:
            features[key] = tfc.io.FixedLenSequenceFeature(shape, DTYPES[dtype], allow_missing=True, default_value=default)
    return features


def expected_array(entry: dict) -> np.ndarray:
    if entry["dtype"] == "string":
        return np.array([bytes.fromhex(h) for h in entry["values"]["hex"]] or [b""][:0], dtype=object).reshape(entry["shape"])
    return np.array(entry["values"], dtype=entry["dtype"]).reshape(entry["shape"])


def assert_same(got, entry: dict, key: str) -> None:
    if "indices" in entry:
        assert isinstance(got, tfc.io.SparseTensor), key
        assert got.indices.dtype == np.int64 and got.dense_shape.dtype == np.int64, key
        np.testing.assert_array_equal(got.indices, np.array(entry["indices"], np.int64).reshape(-1, len(entry["dense_shape"])), err_msg=key)
        assert got.dense_shape.tolist() == entry["dense_shape"], key
        assert_same(got.values, entry["values"], key)
        return
    want = expected_array(entry)
    if not isinstance(got, np.ndarray):  # a scalar comes as numpy's (bytes for a string), as .numpy() gives it
        assert want.shape == () and (isinstance(got, bytes) if want.dtype == object else np.asarray(got).dtype == want.dtype), key
        got = np.array(got, dtype=want.dtype)
    assert got.dtype == want.dtype and got.shape == want.shape, (key, got.dtype, got.shape, want.dtype, want.shape)
    np.testing.assert_array_equal(got, want, err_msg=key)
    if got.dtype == np.float32:  # -0.0 stays -0.0
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want), err_msg=key)


@pytest.fixture(scope="module")
def records() -> list[bytes]:
    return list(tfc.io.tf_record_iterator(str(DATA / "examples.tfrecord")))


def test_parse_example_matches_tensorflow(records):
    parsed = tfc.io.parse_example(np.array(records, dtype=object), spec())
    assert list(parsed) == REFERENCE["parse_example_keys"]
    for key, entry in REFERENCE["parse_example"].items():
        assert_same(parsed[key], entry, key)


def test_parse_single_example_matches_tensorflow(records):
    for record, reference in zip(records, REFERENCE["parse_single_example"], strict=True):
        parsed = tfc.io.parse_single_example(record, spec())
        for key, entry in reference.items():
            assert_same(parsed[key], entry, key)


def test_in_pipelines_one_by_one_and_batched():
    dataset = tfc.data.TFRecordDataset(str(DATA / "examples.tfrecord.gz"), compression_type="GZIP")
    singles = list(dataset.map(lambda record: tfc.io.parse_single_example(record, spec())))
    for parsed, reference in zip(singles, REFERENCE["parse_single_example"], strict=True):
        for key, entry in reference.items():
            assert_same(parsed[key], entry, key)
    (batch,) = list(dataset.batch(12).map(lambda rs: tfc.io.parse_example(rs, spec())))
    for key, entry in REFERENCE["parse_example"].items():
        assert_same(batch[key], entry, key)


def test_a_smaller_batch_pads_to_its_own_longest(records):
    parsed = tfc.io.parse_example(records[:2], spec())
    assert parsed["tokens"].dense_shape.tolist() == [2, 1] and parsed["tokens"].values.tolist() == [-(2**63)]
    assert parsed["words"].tolist() == [[b""], [b"w0"]] and parsed["frames"].shape == (2, 0, 2)
    frames = tfc.io.parse_example(records[2:4], spec())["frames"]
    assert frames.shape == (2, 3, 2) and frames[0].tolist() == [[2.0, 3.0], [4.0, 5.0], [-1.0, -1.0]]
    assert isinstance(tfc.io.parse_single_example(records[0], spec())["label"], np.int64)


def test_the_schema_is_tensorflows():
    ours = [text_format.MessageToString(proto) for proto in example_proto.file_protos()]
    assert ours == REFERENCE["descriptors"]
    example = tfc.train.Example(features=tfc.train.Features(feature={
        "a": tfc.train.Feature(int64_list=tfc.train.Int64List(value=[1, -2])),
        "b": tfc.train.Feature(float_list=tfc.train.FloatList(value=[0.5])),
        "c": tfc.train.Feature(bytes_list=tfc.train.BytesList(value=[b"x"])),
    }))
    parsed = tfc.io.parse_single_example(example.SerializeToString(), {
        "a": tfc.io.FixedLenFeature([2], np.int64), "b": tfc.io.FixedLenFeature([], "float32"), "c": tfc.io.FixedLenFeature([1], bytes)})
    assert parsed["a"].tolist() == [1, -2] and parsed["b"] == np.float32(0.5) and parsed["c"].tolist() == [b"x"]
    import tfc.compat.v1 as v1

    assert v1.train.SequenceExample is tfc.train.SequenceExample


class SparseFeature:
    """Stands in for TensorFlow's SparseFeature, which tfc does not parse."""


def example(**features) -> bytes:
    message = tfc.train.Example()
    for key, (field, values) in features.items():
        getattr(message.features.feature[key], field).value.extend(values)
    return message.SerializeToString()


def test_missing_required_feature_names_key_and_example():
    records = [example(x=("int64_list", [1])), example(y=("int64_list", [1]))]
    with pytest.raises(tfc.io.InvalidArgumentError, match=r"parse_example: example 1 \('second'\): feature 'x' \(FixedLenFeature, int64\) is required but missing"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenFeature([], tfc.int64)}, example_names=["first", "second"])
    with pytest.raises(ValueError, match=r"parse_single_example: the example: feature 'x' .* is required but missing"):
        tfc.io.parse_single_example(records[1], {"x": tfc.io.FixedLenFeature([], tfc.int64)})


def test_wrong_type_and_count_are_named():
    records = [example(x=("int64_list", [1, 2])), example(x=("float_list", [1.0, 2.0]))]
    with pytest.raises(tfc.io.InvalidArgumentError, match=r"example 1: feature 'x' \(FixedLenFeature, int64\) holds float values, not int64"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenFeature([2], tfc.int64)})
    with pytest.raises(tfc.io.InvalidArgumentError, match=r"example 0: feature 'x' \(VarLenFeature, string\) holds int64 values, not string"):
        tfc.io.parse_example(records, {"x": tfc.io.VarLenFeature(str)})
    with pytest.raises(tfc.io.InvalidArgumentError, match=r"example 0: feature 'x' \(FixedLenFeature, int64\) has 2 values, but its shape \[3\] needs 3"):
        tfc.io.parse_example(records[:1], {"x": tfc.io.FixedLenFeature([3], tfc.int64)})
    with pytest.raises(tfc.io.InvalidArgumentError, match=r"has 2 values, not a multiple of its block shape \[3\]"):
        tfc.io.parse_example(records[:1], {"x": tfc.io.FixedLenSequenceFeature([3], tfc.int64, allow_missing=True)})


def test_empty_lists_and_empty_features():
    empty_list = example(x=("int64_list", []))
    empty_feature = tfc.train.Example()
    empty_feature.features.feature["x"].SetInParent()
    records = [empty_list, empty_feature.SerializeToString()]
    with pytest.raises(tfc.io.InvalidArgumentError, match="example 0: .* has 0 values, but its shape"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenFeature([], tfc.int64, default_value=5)})
    parsed = tfc.io.parse_example(records[1:], {"x": tfc.io.FixedLenFeature([], tfc.int64, default_value=5)})
    assert parsed["x"].tolist() == [5]  # a Feature with no list counts as missing, as in TensorFlow
    sparse = tfc.io.parse_example(records, {"x": tfc.io.VarLenFeature(tfc.int64)})["x"]
    assert sparse.indices.shape == (0, 2) and sparse.dense_shape.tolist() == [2, 0]


def test_empty_batch_keeps_shapes():
    parsed = tfc.io.parse_example(np.array([], dtype=object), spec())
    assert parsed["pixels"].shape == (0, 2, 2) and parsed["frames"].shape == (0, 0, 2)
    assert parsed["tags"].dense_shape.tolist() == [0, 0] and parsed["name"].dtype == object


def test_bad_input_and_specs_are_named(records):
    with pytest.raises(tfc.io.InvalidArgumentError, match=r"example 1: not a serialized tf.train.Example"):
        tfc.io.parse_example([records[0], b"\xff\xff\xff"], spec())
    with pytest.raises(ValueError, match=r"serialized must be a scalar or a vector .* shape \[1, 2\]"):
        tfc.io.parse_example([records[:2]], spec())
    with pytest.raises(ValueError, match="use parse_example"):
        tfc.io.parse_single_example(records[:2], spec())
    with pytest.raises(ValueError, match="feature 'x': dtype .*i32 is not one an Example holds"):
        tfc.io.parse_example(records, {"x": tfc.io.VarLenFeature(tfc.int32)})
    with pytest.raises(ValueError, match="feature 'x': FixedLenSequenceFeature requires allow_missing to be True"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenSequenceFeature([], tfc.int64)})
    with pytest.raises(ValueError, match=r"feature 'x': default_value has 1 values, shape \[3\] needs 3"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenFeature([3], tfc.int64, default_value=7)})
    with pytest.raises(ValueError, match=r"feature 'x': every dimension of shape \[None\] must be known"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenFeature([None], tfc.int64)})
    with pytest.raises(ValueError, match="feature 'x': default value 1.5 does not fit its dtype int64"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenFeature([], tfc.int64, default_value=1.5)})
    with pytest.raises(ValueError, match="feature 'x': give its shape"):
        tfc.io.parse_example(records, {"x": tfc.io.FixedLenFeature(None, tfc.int64)})
    with pytest.raises(ValueError, match="feature 'x': SparseFeature is not supported"):
        tfc.io.parse_example(records, {"x": SparseFeature()})


def test_scalar_input_and_accepted_dtypes(records):
    single = tfc.io.parse_example(records[4], {"tokens": tfc.io.VarLenFeature(np.int64), "name": tfc.io.FixedLenFeature([], str)})
    assert single["tokens"].indices.tolist() == [[0], [1], [2], [3]] and single["tokens"].shape == (4,)
    assert single["name"] == "example-4-é".encode()
    as_text = example(s=("bytes_list", [b"v"])).decode("ascii")  # a str record is its UTF-8 bytes, as in TensorFlow
    assert tfc.io.parse_example([as_text], {"s": tfc.io.VarLenFeature(np.dtype(object))})["s"].values.tolist() == [b"v"]
    for dtype in (tfc.float32, np.float32, "float32", np.dtype("float32")):
        parsed = tfc.io.parse_single_example(records[1], {"w": tfc.io.VarLenFeature(dtype)})
        assert parsed["w"].values.dtype == np.float32


def test_tfc_string_is_tensorflows_string_type_for_pipelines_only():
    assert repr(tfc.string) == "tfc.string" and tfc.io.FixedLenFeature([], tfc.string).dtype is tfc.string
    with pytest.raises(tfc.TraceError, match="tfc.string"):
        tfc.compile(lambda s: s, input_signature=[tfc.TensorSpec([], tfc.string)])
