"""Record TensorFlow's stateful random ops over several runs of one session, for
tests/tf/test_random_state.py (run by hand, in an environment with TensorFlow; tfc's tests never
import it).

Each case is a small GraphDef holding one seeded stateful random op (node ``op``); TensorFlow runs
it ``RUNS`` times in one session, then once in a fresh session. Written to
tests/data/random_state.npz: ``<case>/graph`` (the serialized GraphDef as uint8), ``<case>/run<k>``,
and ``in_loop/graph``, a RandomUniform in a While body (no values: tfc does not move it on).

    /tmp/tfenv/bin/python scripts/generate_random_state.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "random_state.npz"
RUNS = 3


def cases(tf) -> dict:
    """Case name -> a function building the op (named ``op``) in the default graph."""
    raw = tf.raw_ops
    shape = lambda *dims: tf.constant(list(dims), tf.int32)
    logits = np.log(np.array([[0.1, 0.2, 0.3, 0.4, 0.0001], [0.5, 0.1, 0.1, 0.2, 0.1]], np.float32))
    return {
        "uniform_f32": lambda: raw.RandomUniform(shape=shape(5), dtype=tf.float32, seed=7, seed2=3, name="op"),
        "uniform_f64": lambda: raw.RandomUniform(shape=shape(2, 3), dtype=tf.float64, seed=1, seed2=2, name="op"),
        "normal_f32": lambda: raw.RandomStandardNormal(shape=shape(3, 2), dtype=tf.float32, seed=5, seed2=9, name="op"),
        "truncated_f32": lambda: raw.TruncatedNormal(shape=shape(6), dtype=tf.float32, seed=4, seed2=0, name="op"),
        "truncated_f64": lambda: raw.TruncatedNormal(shape=shape(3), dtype=tf.float64, seed=4, seed2=8, name="op"),
        "uniform_int32": lambda: raw.RandomUniformInt(shape=shape(6), minval=tf.constant(-5), maxval=tf.constant(50),
                                                      seed=3, seed2=1, name="op"),
        "uniform_int64": lambda: raw.RandomUniformInt(shape=shape(4), minval=tf.constant(0, tf.int64),
                                                      maxval=tf.constant(10**12, tf.int64), seed=3, seed2=5, name="op"),
        "multinomial": lambda: raw.Multinomial(logits=tf.constant(logits), num_samples=tf.constant(3), seed=2, seed2=6,
                                               output_dtype=tf.int64, name="op"),
        "shuffle_vector": lambda: raw.RandomShuffle(value=tf.constant(np.arange(10, dtype=np.int32)), seed=1, seed2=4, name="op"),
        "shuffle_matrix": lambda: raw.RandomShuffle(value=tf.constant(np.arange(12, dtype=np.float32).reshape(6, 2)), seed=9,
                                                    seed2=1, name="op"),
    }


def loop_graph(tf) -> np.ndarray:
    """A RandomUniform in a While body (control flow v2: the body is a library function), as uint8."""
    graph = tf.Graph()
    with graph.as_default():
        body = lambda i, total: (i + 1, total + tf.random_uniform([2], seed=1))
        _, total = tf.while_loop(lambda i, total: i < 3, body, [tf.constant(0), tf.zeros([2])])
        tf.identity(total, name="op")
    return np.frombuffer(graph.as_graph_def().SerializeToString(), np.uint8)


def record(tf, build) -> dict:
    graph = tf.Graph()
    with graph.as_default():
        build()
    values = {}
    with tf.Session(graph=graph) as session:
        for k in range(1, RUNS + 1):
            values[f"run{k}"] = session.run("op:0")
    with tf.Session(graph=graph) as session:
        values["fresh_session_run1"] = session.run("op:0")
    values["graph"] = np.frombuffer(graph.as_graph_def().SerializeToString(), np.uint8)
    return values


def main() -> None:
    import tensorflow.compat.v1 as tf

    tf.disable_eager_execution()
    arrays = {f"{name}/{key}": value for name, build in cases(tf).items() for key, value in record(tf, build).items()}
    tf.enable_control_flow_v2()
    arrays["in_loop/graph"] = loop_graph(tf)
    np.savez(OUT, **arrays)
    print(f"{OUT}: {len(arrays)} arrays")


if __name__ == "__main__":
    main()
