"""Write tests/data/feature_column/: TensorFlow's ``input_layer`` output for each case of
tests/feature_column/cases.py, and its hash buckets (``to_hash_bucket_fast``) and crossed buckets
(``sparse.cross_hashed``) for lists of strings and integers.

Run with a Python that has TensorFlow (``/tmp/benchenv/bin/python scripts/generate_feature_column_reference.py``);
tfc's tests read the files and never import TensorFlow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import tensorflow as tf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.feature_column.cases import CASES, HASH_INTS, HASH_STRINGS  # noqa: E402

OUT = ROOT / "tests" / "data" / "feature_column"


def tf_value(value):
    """A case's feature as TensorFlow takes it: lists of lists become a SparseTensor."""
    if isinstance(value, list):
        return tf.ragged.constant(value, dtype=tf.float32 if isinstance(value[0][0], float) else tf.string).to_sparse() \
            if any(value) else None
    return tf.constant(value)


class V1Columns:
    """``tf.feature_column`` with TensorFlow 1's ``shared_embedding_columns`` as ``shared_embeddings``
    (TF2's refuses ``input_layer``; the two compute the same lookup)."""

    def __getattr__(self, name: str):
        if name == "shared_embeddings":
            return tf.compat.v1.feature_column.shared_embedding_columns
        return getattr(tf.feature_column, name)


def input_layer_output(build) -> np.ndarray:
    """``tf.compat.v1.feature_column.input_layer`` of one case, in a graph of its own."""
    with tf.Graph().as_default():
        features, columns = build(V1Columns(), tf)
        output = tf.compat.v1.feature_column.input_layer({k: tf_value(v) for k, v in features.items()}, columns)
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            session.run(tf.compat.v1.tables_initializer())
            return session.run(output)


def hash_buckets() -> dict:
    """Buckets of strings and integers (integers through ``as_string``, as the hash-bucket column does)."""
    sizes = [1, 7, 1000, 2**63 - 1]
    strings = {str(n): tf.strings.to_hash_bucket_fast(HASH_STRINGS, n).numpy().tolist() for n in sizes}
    ints = {str(n): tf.strings.to_hash_bucket_fast(tf.strings.as_string(tf.constant(HASH_INTS, tf.int64)), n).numpy().tolist()
            for n in sizes}
    return {"strings": HASH_STRINGS, "ints": HASH_INTS, "string_buckets": strings, "int_buckets": ints}


def cross_buckets() -> list:
    """``sparse.cross_hashed`` of a string column and an integer column, one value per example."""
    cases = []
    pairs = [(s, i) for s in HASH_STRINGS for i in HASH_INTS[:4]]
    strings = tf.constant([[s] for s, _ in pairs])
    ints = tf.constant([[i] for _, i in pairs], tf.int64)
    for num_buckets, hash_key in [(13, None), (1000, 7), (0, None)]:
        crossed = tf.sparse.cross_hashed([strings, ints], num_buckets=num_buckets, hash_key=hash_key)
        cases.append({"num_buckets": num_buckets, "hash_key": hash_key, "pairs": [[s, i] for s, i in pairs],
                      "buckets": [str(v) for v in tf.sparse.to_dense(crossed).numpy()[:, 0].tolist()]})
    return cases


def spec_entry(value) -> list:
    """A parse spec entry as JSON: ``["fixed", shape, dtype, default]`` or ``["var", dtype]``."""
    if isinstance(value, tf.io.FixedLenFeature):
        default = None if value.default_value is None else np.asarray(value.default_value, np.float64).tolist()
        return ["fixed", list(value.shape), value.dtype.name, default]
    return ["var", value.dtype.name]


def parse_specs() -> dict:
    """``make_parse_example_spec`` of each case's columns."""
    specs = {}
    for name, build in CASES.items():
        with tf.Graph().as_default():
            _, columns = build(V1Columns(), tf)
            spec = tf.compat.v1.feature_column.make_parse_example_spec(columns)
            specs[name] = {key: spec_entry(value) for key, value in sorted(spec.items())}
    return specs


def identity_out_of_range() -> dict:
    """What TensorFlow does with id 9 in an identity column of 7 buckets without default_value: its
    docstring says values >= num_buckets fail; the indicator path gives a zero row, the embedding errs."""
    outcomes = {}
    for kind in ("indicator", "embedding"):
        ids = tf.feature_column.categorical_column_with_identity("day", 7)
        column = tf.feature_column.indicator_column(ids) if kind == "indicator" else tf.feature_column.embedding_column(ids, 2)
        with tf.Graph().as_default():
            output = tf.compat.v1.feature_column.input_layer({"day": tf.constant([[1], [9]], tf.int64)}, [column])
            with tf.compat.v1.Session() as session:
                session.run(tf.compat.v1.global_variables_initializer())
                try:
                    outcomes[kind] = session.run(output).tolist()
                except tf.errors.InvalidArgumentError as err:
                    outcomes[kind] = type(err).__name__
    return outcomes


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    outputs = {name: input_layer_output(build) for name, build in CASES.items()}
    np.savez(OUT / "input_layer.npz", **outputs)
    meta = {"tensorflow": tf.__version__, "hashes": hash_buckets(), "crosses": cross_buckets(),
            "parse_specs": parse_specs(), "identity_out_of_range": identity_out_of_range()}
    (OUT / "hashes.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(outputs)} input_layer outputs and hash references to {OUT}")


if __name__ == "__main__":
    main()
