"""Input pipeline throughput: tfc.data against TensorFlow's tf.data (when TensorFlow is installed;
never a dependency of tfc), on the same pipelines written with the same code.

Pipelines (records per second, after one untimed pass):
  memory, map then batch     from_tensor_slices((x, y)).map(scale, AUTOTUNE).batch(128).prefetch(AUTOTUNE)
  memory, batch then map     from_tensor_slices((x, y)).batch(128).map(scale, AUTOTUNE).prefetch(AUTOTUNE)
  tfrecord, parse_example    TFRecordDataset(file).batch(128).map(parse_example, AUTOTUNE).prefetch(AUTOTUNE)
  tfrecord, parse_single     TFRecordDataset(file).map(parse_single_example, AUTOTUNE).batch(128).prefetch(AUTOTUNE)

``x`` is float32 [N, 784], ``y`` int32 [N]; the TFRecord file (written by tfc.io.TFRecordWriter, so
TensorFlow reading it also checks the format) holds N tf.train.Examples of a 784-float image and an
int64 label. Printed: records/s of each engine and tfc's ratio to tf.data (higher is better for tfc).

    python benchmarks/data.py [--records N]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import tfc  # noqa: E402 -- after the path fix above

BATCH = 128


def scale(x, y):
    return x / 255.0, y


def pipelines(engine, path: str, x, y) -> dict:
    """The four pipelines, written once for either engine (``tfc`` or ``tensorflow``, imported as tf)."""
    dataset, autotune, io_module = engine.data.Dataset, engine.data.AUTOTUNE, engine.io
    spec = {"image": io_module.FixedLenFeature([784], engine.float32), "label": io_module.FixedLenFeature([], engine.int64)}
    records = engine.data.TFRecordDataset(path)
    return {
        "memory, map then batch": dataset.from_tensor_slices((x, y)).map(scale, autotune).batch(BATCH).prefetch(autotune),
        "memory, batch then map": dataset.from_tensor_slices((x, y)).batch(BATCH).map(scale, autotune).prefetch(autotune),
        "tfrecord, parse_example": records.batch(BATCH).map(lambda r: io_module.parse_example(r, spec), autotune).prefetch(autotune),
        "tfrecord, parse_single": records.map(lambda r: io_module.parse_single_example(r, spec), autotune).batch(BATCH).prefetch(autotune),
    }


def records_per_second(dataset, count: int) -> float:
    for _ in dataset:  # warm-up pass: compilation, file cache
        pass
    start = time.perf_counter()
    seen = 0
    for batch in dataset:
        seen += len(batch[1] if isinstance(batch, tuple) else batch["label"])
    elapsed = time.perf_counter() - start
    assert seen == count, f"a pass gave {seen} records, expected {count}"
    return count / elapsed


def write_records(path: str, x, y) -> None:
    with tfc.io.TFRecordWriter(path) as writer:
        for image, label in zip(x, y):
            example = tfc.train.Example(features=tfc.train.Features(feature={
                "image": tfc.train.Feature(float_list=tfc.train.FloatList(value=image)),
                "label": tfc.train.Feature(int64_list=tfc.train.Int64List(value=[int(label)]))}))
            writer.write(example.SerializeToString())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20000)
    count = parser.parse_args().records
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (count, 784)).astype(np.float32)
    y = rng.integers(0, 10, count).astype(np.int32)
    tf = None
    if importlib.util.find_spec("tensorflow") is not None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf  # optional baseline
    print(f"tfc.data benchmark: {count} records, batch {BATCH}, {os.cpu_count()} cores; "
          f"baseline: {'TensorFlow ' + tf.__version__ + ' tf.data' if tf else 'none (TensorFlow not installed)'}")
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "examples.tfrecord")
        write_records(path, x, y)
        ours = {name: records_per_second(ds, count) for name, ds in pipelines(tfc, path, x, y).items()}
        theirs = {name: records_per_second(ds, count) for name, ds in pipelines(tf, path, x, y).items()} if tf else {}
    for name, rate in ours.items():
        line = f"  {name:26s} tfc.data {rate:10.0f} records/s"
        if name in theirs:
            line += f"   tf.data {theirs[name]:10.0f} records/s   tfc/tf.data {rate / theirs[name]:5.2f}x"
        print(line)


if __name__ == "__main__":
    main()
