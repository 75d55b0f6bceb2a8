"""Import, legalization and compile time for the corpus graphs and for synthetic graphs of 10k and 100k
nodes (time per 1k nodes must stay flat: near-linear passes), `tfc run` time per step on MobileNet,
TF1 training programs (`import tfc as tf`: a softmax regression with [None, 784] placeholders fed
batches of 100 and 37, a CNN with batch normalization and Momentum) and a frozen Keras LSTM text
classifier, each against TensorFlow when TensorFlow is installed.

    python benchmarks/import.py [--compile-large] [--steps N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from tensorboard.compat.proto import attr_value_pb2, graph_pb2, tensor_shape_pb2, types_pb2

from tfc.backends.xla.backend import compile_module
from tfc.frontend.tf.importer import GraphImporter
from tfc.passmanager import PassManager, default_pipeline
from tfc.runtime.graph_session import PIPELINE, GraphSession
from tfc.types import DType, TensorType

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def import_legalize_compile(importer: GraphImporter, fetches, targets, feeds, compile_it=True):
    """(module, import s, passes s, compile s) for one request."""
    feed_types = {k: TensorType(DType.from_numpy(v.dtype), v.shape) for k, v in feeds.items()}
    imported, t_import = timed(lambda: importer.import_graph(fetches, targets, feed_types))
    pipeline = f"{PIPELINE},lift-variables,{default_pipeline('core')}"  # as GraphSession runs it
    _, t_passes = timed(lambda: PassManager(pipeline).run(imported.module))
    t_compile = 0.0
    if compile_it:
        _, t_compile = timed(lambda: compile_module(imported.module, cache_dir=False))  # a real compile, never a disk load
    return imported.module, t_import, t_passes, t_compile


def corpus_table() -> None:
    print(f"{'case':<22} {'nodes':>6} {'ops':>4} {'import ms':>10} {'passes ms':>10} {'compile ms':>11}")
    for path in sorted(p for p in CORPUS.iterdir() if (p / "case.json").exists()):
        info = json.loads((path / "case.json").read_text())
        with np.load(path / "inputs.npz") as data:
            feeds = {tensor: data[key] for tensor, key in info["feeds"].items()}
        importer, t_load = timed(lambda graph=path / "graph.pb": GraphImporter.from_file(graph))
        _, t_import, t_passes, t_compile = import_legalize_compile(importer, info["fetches"], info.get("targets") or [], feeds)
        times = f"{1e3 * (t_load + t_import):>10.1f} {1e3 * t_passes:>10.1f} {1e3 * t_compile:>11.1f}"
        print(f"{path.name:<22} {info['num_nodes']:>6} {len(info['ops']):>4} {times}")


def synthetic_graph(nodes: int, seed: int = 0) -> graph_pb2.GraphDef:
    """``nodes`` elementwise ops on an 8x8 float input, each reading the previous node and a random earlier one."""
    rng = np.random.default_rng(seed)
    graph = graph_pb2.GraphDef()
    x = graph.node.add(name="x", op="Placeholder")
    x.attr["dtype"].type = types_pb2.DT_FLOAT
    x.attr["shape"].shape.CopyFrom(tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=8)] * 2))
    names = ["x"]
    float_t = attr_value_pb2.AttrValue(type=types_pb2.DT_FLOAT)
    binary, unary = ["AddV2", "Mul", "Sub", "Maximum"], ["Relu", "Tanh", "Neg"]
    for i in range(nodes - 1):
        name = f"n{i}"
        if rng.random() < 0.3:
            node = graph.node.add(name=name, op=unary[rng.integers(len(unary))], input=[names[-1]])
        else:
            other = names[rng.integers(max(0, len(names) - 50), len(names))]
            node = graph.node.add(name=name, op=binary[rng.integers(len(binary))], input=[names[-1], other])
        node.attr["T"].CopyFrom(float_t)
        names.append(name)
    return graph


def scaling(sizes, compile_large: bool) -> None:
    feeds = {"x:0": np.ones((8, 8), np.float32)}
    print(f"{'synthetic nodes':<16} {'import ms/1k':>13} {'passes ms/1k':>13} {'compile ms/1k':>14}")
    for size in sizes:
        graph = synthetic_graph(size)
        importer = GraphImporter(graph, f"synthetic{size}")
        compile_it = compile_large or size <= 10_000
        _, t_import, t_passes, t_compile = import_legalize_compile(importer, [f"n{size - 2}:0"], [], feeds, compile_it)
        per_k = 1000 / size
        compile_text = f"{1e3 * t_compile * per_k:>14.1f}" if compile_it else f"{'(skipped)':>14}"
        print(f"{size:<16} {1e3 * t_import * per_k:>13.2f} {1e3 * t_passes * per_k:>13.2f} {compile_text}")


def mobilenet_steps(steps: int) -> None:
    path = CORPUS / "mobilenetv2_a035_96"
    info = json.loads((path / "case.json").read_text())
    with np.load(path / "inputs.npz") as data:
        feeds = {tensor: data[key] for tensor, key in info["feeds"].items()}
    session = GraphSession.from_file(path / "graph.pb")
    session.run(info["fetches"], feeds)  # compile
    times = []
    for _ in range(steps):
        _, t = timed(lambda: session.run(info["fetches"], feeds))
        times.append(t)
    ours = statistics.median(times) * 1e3
    line = f"mobilenetv2_a035_96 tfc run: {ours:.2f} ms/step (median of {steps})"
    try:
        import tensorflow as tf  # noqa: F401 - optional baseline, never a test dependency
    except ImportError:
        print(line + "; TensorFlow not installed: no Session.run baseline")
        return
    theirs = _tensorflow_session_ms(path, info, feeds, steps)
    print(line + f"; TensorFlow Session.run: {theirs:.2f} ms/step; ratio {ours / theirs:.2f}x")


def _tensorflow_session_ms(path, info, feeds, steps) -> float:
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString((path / "graph.pb").read_bytes())
    with tf.Graph().as_default() as graph:
        tf.compat.v1.import_graph_def(graph_def, name="")
        config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
        with tf.compat.v1.Session(graph=graph, config=config) as sess:
            sess.run(info["fetches"], feeds)
            times = []
            for _ in range(steps):
                _, t = timed(lambda: sess.run(info["fetches"], feeds))
                times.append(t)
    return statistics.median(times) * 1e3


# ---- TF1 training programs, written once against a `tf` module (tfc or TensorFlow's compat.v1) ------
def softmax_program(tf, rng):
    """MNIST-for-beginners shape: [None, 784] -> 10, GradientDescent; fed batches of 100 and 37."""
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y_ = tf.placeholder(tf.float32, [None, 10], name="y_")
    w = tf.Variable(tf.zeros([784, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.matmul(x, w) + b
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    batches = [(rng.standard_normal((n, 784)).astype(np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]) for n in (100, 37)]
    return train, loss, [{x: a, y_: b} for a, b in batches]


def cnn_program(tf, rng):
    """Deep-MNIST shape with batch normalization: 2 x (conv 5x5, BN, relu, maxpool), fc, Momentum; batch 32."""
    x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="images")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    h = x
    for depth_in, depth in ((1, 16), (16, 32)):
        w = tf.Variable(tf.constant((rng.standard_normal((5, 5, depth_in, depth)) * 0.1).astype(np.float32)))
        h = tf.nn.conv2d(h, w, strides=[1, 1, 1, 1], padding="SAME")
        mean, variance = tf.nn.moments(h, axes=[0, 1, 2])
        h = tf.nn.relu(tf.nn.batch_normalization(h, mean, variance, None, None, 1e-3))
        h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    w_fc = tf.Variable(tf.constant((rng.standard_normal((7 * 7 * 32, 10)) * 0.02).astype(np.float32)))
    logits = tf.matmul(tf.reshape(h, [-1, 7 * 7 * 32]), w_fc)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    train = tf.train.MomentumOptimizer(0.01, 0.9).minimize(loss)
    feed = {x: rng.standard_normal((32, 28, 28, 1)).astype(np.float32), labels: rng.integers(0, 10, 32)}
    return train, loss, [feed]


def tf1_program_times(tf, program, steps: int) -> tuple[float, float, int]:
    """(first run s, median step ms, graph nodes) of ``program`` built and run with module ``tf``."""
    with tf.Graph().as_default() as graph:
        train, loss, feeds = program(tf, np.random.default_rng(0))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            _, first = timed(lambda: [sess.run([train, loss], feed) for feed in feeds])
            times = []
            for feed in (feeds * steps)[:steps]:
                _, t = timed(lambda feed=feed: sess.run([train, loss], feed))
                times.append(t)
        return first, statistics.median(times) * 1e3, len(graph.as_graph_def().node)


def tf1_breakdown(program) -> tuple[float, float, float]:
    """(import, passes, compile) seconds of the first feed's training step, as a Session does it."""
    import tfc as tfv1

    with tfv1.Graph().as_default() as graph:
        train, loss, feeds = program(tfv1, np.random.default_rng(0))
        feed = {k.name: v for k, v in feeds[0].items()}
        importer = GraphImporter(graph.as_graph_def())
        _, t_import, t_passes, t_compile = import_legalize_compile(importer, [loss.name], [train.name], feed)
    return t_import, t_passes, t_compile


def tf1_programs(steps: int) -> None:
    import tfc as tfv1

    try:
        import tensorflow.compat.v1 as tensorflow  # optional baseline, never a test dependency

        tensorflow.disable_eager_execution()
    except ImportError:
        tensorflow = None
    print(f"{'TF1 program':<28} {'nodes':>6} {'import ms':>10} {'passes ms':>10} {'compile ms':>11} {'step ms':>9}  baseline")
    for name, program in (("softmax [None,784] GD", softmax_program), ("cnn+batchnorm Momentum", cnn_program)):
        t_import, t_passes, t_compile = tf1_breakdown(program)
        _, ours, nodes = tf1_program_times(tfv1, program, steps)
        line = f"{name:<28} {nodes:>6} {1e3 * t_import:>10.1f} {1e3 * t_passes:>10.1f} {1e3 * t_compile:>11.1f} {ours:>9.2f}"
        if tensorflow is None:
            print(line + "  TensorFlow not installed")
            continue
        _, theirs, _ = tf1_program_times(tensorflow, program, steps)
        print(line + f"  TensorFlow {theirs:.2f} ms/step; ratio {ours / theirs:.2f}x")


def keras_lstm_text(steps: int) -> None:
    """The frozen Keras LSTM text classifier (scripts/generate_benchmark_graphs.py): batch 32 of 40
    tokens (the last 10 masked), import/passes/compile and step time, against TensorFlow's Session."""
    path = Path(__file__).resolve().parent / "data" / "keras_lstm_text.pb"
    info = json.loads(path.with_suffix(".json").read_text())
    tokens = np.random.default_rng(0).integers(1, info["vocab"], (32, 40)).astype(np.int32)
    tokens[:, 30:] = 0
    feeds = {info["feeds"][0]: tokens}
    importer = GraphImporter.from_file(path)
    _, t_import, t_passes, t_compile = import_legalize_compile(importer, info["fetches"], [], feeds)
    session = GraphSession(importer)
    ours_out = session.run(info["fetches"], feeds)[0]
    times = [timed(lambda: session.run(info["fetches"], feeds))[1] for _ in range(steps)]
    ours = statistics.median(times) * 1e3
    line = (f"keras LSTM text classifier: import {1e3 * t_import:.1f} ms, passes {1e3 * t_passes:.1f} ms, "
            f"compile {1e3 * t_compile:.1f} ms, step {ours:.2f} ms (batch 32 x 40 tokens)")
    try:
        import tensorflow as tf  # noqa: F401 - optional baseline
    except ImportError:
        print(line + "; TensorFlow not installed")
        return
    theirs, theirs_out = _tensorflow_graph_ms(path, info, feeds, steps)
    print(line + f"; TensorFlow {theirs:.2f} ms/step; ratio {ours / theirs:.2f}x; max |diff| {np.max(np.abs(ours_out - theirs_out)):.1e}")


def _tensorflow_graph_ms(path, info, feeds, steps) -> tuple[float, np.ndarray]:
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(path.read_bytes())
    with tf.Graph().as_default() as graph:
        tf.compat.v1.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as sess:
            out = sess.run(info["fetches"], feeds)[0]
            times = [timed(lambda: sess.run(info["fetches"], feeds))[1] for _ in range(steps)]
    return statistics.median(times) * 1e3, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--compile-large", action="store_true", help="Also XLA-compile the 100k-node graph (slow).")
    options = parser.parse_args()
    print(f"import benchmark (python {sys.version.split()[0]})")
    corpus_table()
    scaling([10_000, 100_000], options.compile_large)
    mobilenet_steps(options.steps)
    tf1_programs(options.steps)
    keras_lstm_text(options.steps)


if __name__ == "__main__":
    main()
