"""Record TensorFlow's TFRecord files and its Example parsing, for tests/datasets/test_tfrecord.py and
tests/datasets/test_example_parsing.py (run by hand, in an environment with TensorFlow; tfc's tests
never import it).

Writes to tests/data/tfrecord/:

* ``examples.tfrecord``, ``examples.tfrecord.gz``, ``examples.tfrecord.zlib``: the same Examples
  written by ``tf.io.TFRecordWriter`` plain, GZIP and ZLIB; ``flushed.tfrecord.gz``: GZIP with a
  ``flush()`` after record ``FLUSH_AFTER`` (TensorFlow's flush changes the compressed bytes);
* ``reference.json``: the feature spec, what ``tf.io.parse_example`` gives for all the records and
  ``tf.io.parse_single_example`` for each, and TensorFlow's ``feature.proto``/``example.proto``
  descriptors (text format, file options cleared).

Strings are written as hex in the JSON (``{"hex": [...]}``).

    /tmp/benchenv/bin/python scripts/generate_tfrecord_reference.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "tfrecord"
FLUSH_AFTER = 4

# key -> (kind, shape, dtype, default, allow_missing): the spec both sides parse with
SPEC = {
    "label": ("fixed", [], "int64", None),
    "weights": ("fixed", [3], "float32", [0.5, 0.25, 0.125]),
    "name": ("fixed", [], "string", "unknown"),
    "pixels": ("fixed", [2, 2], "float32", [0.0, 0.0, 0.0, 0.0]),
    "tokens": ("varlen", None, "int64", None),
    "scores": ("varlen", None, "float32", None),
    "tags": ("varlen", None, "string", None),
    "frames": ("sequence", [2], "float32", -1.0),
    "words": ("sequence", [], "string", None),
}


def examples() -> list[dict]:
    """The Examples as ``key -> (list kind, values)``; ``None`` values: a Feature with no list set."""
    extremes = [-(2**63), 2**63 - 1, -1, 0, 127, 128, 300]
    floats = [-0.0, math.inf, -math.inf, 1e-40, 3.4028234663852886e38, 0.1]
    rows = []
    for i in range(12):
        row = {"label": ("int64_list", [i * 7 - 20])}
        if i % 3 != 1:
            row["weights"] = ("float_list", [i / 3, -i, 2.5 ** i])
        if i % 4 != 2:
            row["name"] = ("bytes_list", [f"example-{i}-\u00e9".encode()] if i != 5 else [b""])
        if i % 2 == 0:
            row["pixels"] = ("float_list", [i + 0.5, floats[i % 6], -1.0, 2.0])
        if i % 5 != 3:
            row["tokens"] = ("int64_list", extremes[: i % 8])
        row["scores"] = ("float_list", floats[: i % 4]) if i != 7 else ("float_list", [])
        if i % 3 == 0:
            row["tags"] = ("bytes_list", [b"\x00\xff", f"t{i}".encode(), b""][: 1 + i % 3])
        if i % 4 != 1:
            row["frames"] = ("float_list", [float(k + i) for k in range(2 * (i % 4))])
        if i not in (2, 9):
            row["words"] = ("bytes_list", [b"w%d" % k for k in range(i % 3)])
        if i == 9:
            row["name"] = None  # an empty Feature counts as missing
        rows.append(row)
    return rows


def serialize(tf, row: dict) -> bytes:
    example = tf.train.Example()
    for key, content in row.items():
        feature = example.features.feature[key]
        if content is None:
            feature.SetInParent()
        else:
            getattr(feature, content[0]).value.extend(content[1])
    return example.SerializeToString()


def spec(tf) -> dict:
    dtypes = {"int64": tf.int64, "float32": tf.float32, "string": tf.string}
    features = {}
    for key, (kind, shape, dtype, default) in SPEC.items():
        if kind == "fixed":
            features[key] = tf.io.FixedLenFeature(shape, dtypes[dtype], default_value=default)
        elif kind == "varlen":
            features[key] = tf.io.VarLenFeature(dtypes[dtype])
        else:
            features[key] = tf.io.FixedLenSequenceFeature(shape, dtypes[dtype], allow_missing=True, default_value=default)
    return features


def as_json(value) -> dict:
    """A tensor or SparseTensor as JSON: values (strings as hex), shape and dtype."""
    if hasattr(value, "indices"):
        return {"indices": value.indices.numpy().tolist(), "values": as_json(value.values), "dense_shape": value.dense_shape.numpy().tolist()}
    array = np.array(value.numpy(), dtype=object) if value.dtype.name == "string" else value.numpy()
    flat = array.reshape(-1).tolist()
    values = {"hex": [v.hex() for v in flat]} if array.dtype == object else flat
    return {"values": values, "shape": list(array.shape), "dtype": "string" if array.dtype == object else str(array.dtype)}


def descriptors() -> list[str]:
    from google.protobuf import descriptor_pb2, text_format
    from tensorflow.core.example import example_pb2, feature_pb2

    texts = []
    for module in (feature_pb2, example_pb2):
        proto = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(proto)
        proto.ClearField("options")
        texts.append(text_format.MessageToString(proto))
    return texts


def write(tf, path: Path, records: list[bytes], compression: str, flush_after: int | None = None) -> None:
    with tf.io.TFRecordWriter(str(path), tf.io.TFRecordOptions(compression_type=compression)) as writer:
        for index, record in enumerate(records):
            writer.write(record)
            if index == flush_after:
                writer.flush()


def main() -> None:
    import tensorflow as tf

    OUT.mkdir(parents=True, exist_ok=True)
    records = [serialize(tf, row) for row in examples()]
    write(tf, OUT / "examples.tfrecord", records, "")
    write(tf, OUT / "examples.tfrecord.gz", records, "GZIP")
    write(tf, OUT / "examples.tfrecord.zlib", records, "ZLIB")
    write(tf, OUT / "flushed.tfrecord.gz", records, "GZIP", FLUSH_AFTER)
    features = spec(tf)
    batch = tf.io.parse_example(tf.constant(records), features)
    reference = {
        "tensorflow": tf.__version__,
        "spec": SPEC,
        "flush_after": FLUSH_AFTER,
        "records": len(records),
        "parse_example": {key: as_json(value) for key, value in batch.items()},
        "parse_example_keys": list(batch),
        "parse_single_example": [{key: as_json(value) for key, value in tf.io.parse_single_example(r, features).items()} for r in records],
        "descriptors": descriptors(),
    }
    (OUT / "reference.json").write_text(compact_json(reference))


def compact_json(value: dict) -> str:
    """One line per entry of the top-level dict and of its dicts and lists (diffs stay readable)."""

    def block(item) -> str:
        if isinstance(item, dict):
            return "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in item.items()) + "\n }"
        if isinstance(item, list) and item and isinstance(item[0], dict):
            return "[\n" + ",\n".join(f"  {json.dumps(v)}" for v in item) + "\n ]"
        return json.dumps(item)

    return "{\n" + ",\n".join(f" {json.dumps(k)}: {block(v)}" for k, v in value.items()) + "\n}\n"


if __name__ == "__main__":
    main()
