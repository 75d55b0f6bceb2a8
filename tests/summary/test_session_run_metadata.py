"""A TensorFlow 1 program's ``Session.run(..., options=RunOptions(trace_level=FULL_TRACE),
run_metadata=rm)`` fills TensorFlow's RunMetadata: the graph's own node names with their XLA time
and output bytes, which ``FileWriter.add_run_metadata`` gives TensorBoard's graph plugin."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import tfc.compat.v1 as tf

X = np.random.default_rng(0).normal(size=(256, 128)).astype(np.float32)


def training_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [256, 128], name="x")
        with tf.variable_scope("layer"):
            w = tf.get_variable("w", [128, 64], initializer=tf.glorot_uniform_initializer())
            out = tf.nn.relu(tf.matmul(x, w), name="out")
        loss = tf.reduce_mean(out * out, name="loss")
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = tf.global_variables_initializer()
    return graph, x, loss, train, init


def test_full_trace_fills_run_metadata_with_the_graphs_nodes(tmp_path):
    graph, x, loss, train, init = training_graph()
    with graph.as_default(), tf.Session() as session:
        session.run(init)
        metadata = tf.RunMetadata()
        options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        _, value = session.run([train, loss], {x: X}, options=options, run_metadata=metadata)
        plain = tf.RunMetadata()
        session.run(loss, {x: X}, run_metadata=plain)  # no options: not profiled
        writer = tf.summary.FileWriter(str(tmp_path), graph)
        writer.add_run_metadata(metadata, "step_0")
        writer.close()
    assert np.isfinite(value) and plain == tf.RunMetadata()
    stats = {n.node_name: n for d in metadata.step_stats.dev_stats for n in d.node_stats}
    assert set(stats) <= {node.name for node in graph.as_graph_def().node} and "layer/MatMul" in stats
    assert sum(n.all_end_rel_nanos for n in stats.values()) > 0
    matmul = stats["layer/MatMul"]  # its outputs: the product, and what the node's gradient ops keep for later
    assert matmul.output[0].tensor_description.allocation_description.requested_bytes == 256 * 64 * 4
    assert matmul.memory[0].total_bytes == sum(o.tensor_description.allocation_description.requested_bytes for o in matmul.output)
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    assert accumulator.Tags()["run_metadata"] == ["step_0"] and accumulator.RunMetadata("step_0") == metadata


def test_bad_run_metadata_is_named():
    graph, x, loss, _, init = training_graph()
    with graph.as_default(), tf.Session() as session:
        session.run(init)
        with pytest.raises(TypeError, match="run_metadata must be a RunMetadata .*got dict"):
            session.run(loss, {x: X}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata={})
        with pytest.raises(TypeError, match="run_metadata must be a RunMetadata .*got str"):
            session.run(loss, {x: X}, run_metadata="step_0")
        with pytest.raises(TypeError, match="options must be a RunOptions .*got dict"):
            session.run(loss, {x: X}, options={"trace_level": 3})


class TraceHook(tf.train.SessionRunHook):
    """Asks for a full trace of every run, as TensorFlow's ProfilerHook does, and keeps what it got."""

    def __init__(self):
        self.metadata = []

    def before_run(self, run_context):
        return tf.train.SessionRunArgs(None, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))

    def after_run(self, run_context, run_values):
        self.metadata.append(run_values.run_metadata)


def test_monitored_session_passes_hooks_trace_options_through():
    graph, x, loss, train, _ = training_graph()
    hook = TraceHook()
    with graph.as_default(), tf.train.MonitoredTrainingSession(hooks=[hook], save_checkpoint_secs=None, save_summaries_steps=None,
                                                                log_step_count_steps=None) as session:
        session.run(train, {x: X})
        with pytest.raises(TypeError, match="options must be a RunOptions .*got str"):
            session.run(loss, {x: X}, options="FULL_TRACE")
    [metadata] = hook.metadata
    names = {n.node_name for d in metadata.step_stats.dev_stats for n in d.node_stats}
    assert "layer/MatMul" in names and names <= {node.name for node in graph.as_graph_def().node}


def test_no_trace_is_not_profiled():
    graph, x, loss, _, init = training_graph()
    with graph.as_default(), tf.Session() as session:
        session.run(init)
        metadata = tf.RunMetadata()
        value = session.run(loss, {x: X}, options=tf.RunOptions(trace_level=tf.RunOptions.NO_TRACE), run_metadata=metadata)
    assert np.isfinite(value) and metadata == tf.RunMetadata()


def test_a_step_spanning_devices_is_named_as_left_out(caplog):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [8, 8], name="x")
        with tf.device("/cpu:0"):
            a = tf.matmul(x, x, name="a")
        with tf.device("/cpu:1"):
            b = tf.tanh(a, name="b")
        with tf.Session(config=tf.ConfigProto(device_count={"CPU": 2})) as session:
            metadata = tf.RunMetadata()
            value = session.run(b, {x: np.ones((8, 8), np.float32)}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                                run_metadata=metadata)
    np.testing.assert_allclose(value, np.tanh(np.full((8, 8), 8.0)), rtol=1e-6)
    assert "spans devices" in caplog.text and not metadata.step_stats.dev_stats
