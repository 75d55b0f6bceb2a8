"""Write tests/data/summary/histograms.npz: the buckets TensorFlow 2's ``tf.summary.histogram`` writes
for a few inputs, read back from its event file (run with a Python that has TensorFlow; tfc's tests
never import it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "summary" / "histograms.npz"


def cases() -> dict:
    rng = np.random.default_rng(15)
    return {"normal": (rng.normal(size=500), 30), "ints": (rng.integers(-5, 9, size=(7, 11)).astype(np.float64), 7),
            "single": (np.full(9, 2.5), 4), "empty": (np.zeros(0), 30)}


def main() -> None:
    arrays = {}
    with tempfile.TemporaryDirectory() as logdir:
        writer = tf.summary.create_file_writer(logdir)
        with writer.as_default(step=0):
            for name, (data, count) in cases().items():
                tf.summary.histogram(name, data, buckets=count)
        writer.close()
        accumulator = EventAccumulator(logdir, size_guidance={"tensors": 0})
        accumulator.Reload()
        for name, (data, count) in cases().items():
            arrays[f"{name}_data"], arrays[f"{name}_count"] = data, np.int64(count)
            arrays[f"{name}_buckets"] = tensor_util.make_ndarray(accumulator.Tensors(name)[0].tensor_proto)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, **arrays)
    print(f"wrote {OUT} (TensorFlow {tf.__version__})")


if __name__ == "__main__":
    main()
