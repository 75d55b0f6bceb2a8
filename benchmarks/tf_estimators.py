"""TensorFlow 2.15's canned estimators on benchmarks/estimator_table.py's rows: run by a Python that
has TensorFlow 2.15 and tensorflow-estimator (tf.estimator was removed in 2.16), from
benchmarks/estimators.py ``--tf-python``. Prints one JSON line {model: examples/s}.

    /path/to/tf215/bin/python -P benchmarks/tf_estimators.py --rows 100000 --batch-size 256 --rounds 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # after the log level is set


def load_table_module():
    """benchmarks/estimator_table.py by path: this folder is not on sys.path (run with ``python -P``,
    since benchmarks/keras.py would shadow TensorFlow's keras)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "estimator_table.py")
    spec = importlib.util.spec_from_file_location("estimator_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TABLE = load_table_module()


def models(folder: str) -> dict:
    fc = tf.feature_column
    x = fc.numeric_column("x", shape=4)
    word = fc.categorical_column_with_vocabulary_list("word", TABLE.WORDS)
    ids = fc.categorical_column_with_hash_bucket("id", TABLE.HASH_BUCKETS)
    deep = [x, fc.embedding_column(word, 4), fc.embedding_column(ids, 8)]
    return {"LinearClassifier": tf.estimator.LinearClassifier([x, word, ids], model_dir=f"{folder}/linear"),
            "DNNClassifier": tf.estimator.DNNClassifier(list(TABLE.HIDDEN), deep, model_dir=f"{folder}/dnn"),
            "wide & deep": tf.estimator.DNNLinearCombinedClassifier(linear_feature_columns=[x, word, ids], dnn_feature_columns=deep,
                                                                    dnn_hidden_units=list(TABLE.HIDDEN), model_dir=f"{folder}/wide_deep")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tf.get_logger().setLevel(logging.ERROR)
    features, labels, _ = TABLE.table(args.rows)
    steps = args.rows // args.batch_size

    def input_fn():
        return tf.data.Dataset.from_tensor_slices((features, labels)).batch(args.batch_size)

    rates = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, model in models(folder).items():
            model.train(input_fn, steps=steps)
            times = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                model.train(input_fn, steps=steps)
                times.append(time.perf_counter() - start)
            rates[name] = args.rows / statistics.median(times)
    print(json.dumps(rates))


if __name__ == "__main__":
    main()
