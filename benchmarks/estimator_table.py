"""The synthetic table benchmarks/estimators.py trains canned estimators on: numpy only, so the
TensorFlow side (benchmarks/tf_estimators.py, run by another Python) builds the same rows."""

from __future__ import annotations

import numpy as np

WORDS = [f"word{i}" for i in range(10)]
HASH_BUCKETS = 1000
HIDDEN = (64, 32)


def table(rows: int):
    """A census-like table: (features dict, int64 labels, the same rows one-hot encoded [rows, 1014])."""
    rng = np.random.default_rng(0)
    numeric = rng.normal(size=(rows, 4)).astype(np.float32)
    word, bucket = rng.integers(10, size=rows), rng.integers(HASH_BUCKETS, size=rows)
    labels = ((numeric @ [1.0, -1.0, 0.5, 0.0] + (word % 3) - 1 + rng.logistic(size=rows)) > 0).astype(np.int64)
    features = {"x": numeric, "word": np.array(WORDS)[word], "id": np.char.add("id", bucket.astype(str))}
    dense = np.concatenate([numeric, np.eye(10, dtype=np.float32)[word], np.eye(HASH_BUCKETS, dtype=np.float32)[bucket]], axis=1)
    return features, labels, dense
