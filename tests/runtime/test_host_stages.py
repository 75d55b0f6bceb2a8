"""The host stage: ops whose output shape depends on their input values (Where, Unique, ...) run on
the host between compiled stages, inside training, per batch; chains of them are found one by one;
compiled stages are reused per shape; `tfc run --stats` reports them. TensorFlow's own numbers for a
training program with such ops are in tests/tf1_programs/data_dependent_shapes.py."""

import numpy as np
import pytest
from click.testing import CliRunner

import tfc as tf
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession
from tfc.tools.cli import cli


def masked_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        positive = tf.boolean_mask(x, x > 0)
        distinct, _ = tf.unique(tf.cast(positive, tf.int32), name="distinct")  # a chain: Unique after Where
        total = tf.identity(tf.reduce_sum(tf.cast(distinct, tf.float32)) * 2.0, name="total")
    return graph, x, positive, total


def test_a_chain_of_data_dependent_ops_runs_in_host_stages():
    graph, x, positive, total = masked_graph()
    session = GraphSession(GraphImporter(graph.as_graph_def()))
    for values in ([1, -1, 2, 2, 3.5, -4], [5, 5, 5], [-1, -2]):
        batch = np.array(values, np.float32)
        got_positive, got_total = session.run([positive.name, total.name], {"x:0": batch})
        kept = batch[batch > 0]
        np.testing.assert_array_equal(got_positive, kept)
        assert got_total == 2.0 * np.unique(kept.astype(np.int32)).sum()
    stages = session.host_stages()
    assert [stage.op for stage in (s.proto for s in stages)] == ["Where", "Unique"]
    assert all(stage.runs >= 3 for stage in stages)  # once per run (twice in the run that found the second)
    compiled = session.compile_count
    session.run([positive.name, total.name], {"x:0": np.array([9, -9, 8, 7, 9, 1], np.float32)})
    assert session.compile_count > compiled  # a new number of positives: the next stage compiles for it
    compiled = session.compile_count
    session.run([positive.name, total.name], {"x:0": np.array([9, -9, 8, 7, 8, 1], np.float32)})
    assert session.compile_count == compiled  # the same shapes again: every stage is cached


def test_make_callable_runs_the_stages_too():
    graph, x, _, total = masked_graph()
    with tf.Session(graph=graph) as session:
        run = session.make_callable(total, [x])
        assert run(np.array([3, 3, 1, -1], np.float32)) == 8.0
        assert run(np.array([2, 7], np.float32)) == 18.0


def test_tfc_run_stats_names_the_host_ops(tmp_path):
    graph, _, _, total = masked_graph()
    path = tmp_path / "masked.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    inputs = tmp_path / "in.npz"
    np.savez(inputs, **{"x:0": np.array([1, -1, 2, 2], np.float32)})
    result = CliRunner().invoke(cli, ["run", str(path), "--inputs", str(inputs), "--fetch", total.name, "--stats"])
    assert result.exit_code == 0, result.output
    assert "total:0 = 6." in result.stdout
    assert "host: ops 2 (boolean_mask/Where, distinct), time " in result.stderr


def test_a_data_dependent_op_inside_a_branch_keeps_its_error():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        flag = tf.placeholder(tf.bool, [], name="flag")
        out = tf.cond(flag, lambda: tf.reduce_sum(tf.boolean_mask(x, x > 0)), lambda: tf.reduce_sum(x))
    session = GraphSession(GraphImporter(graph.as_graph_def()))
    with pytest.raises(tf.TfcError, match="data-dependent output shape"):
        session.run([out.name], {"x:0": np.ones(3, np.float32), "flag:0": np.array(True)})


def test_a_random_draw_before_a_host_op_is_drawn_once_per_run():
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(3)
        x = tf.random_uniform([8], seed=1)
        positive = tf.boolean_mask(x, x > 0.5)
    with tf.Session(graph=graph) as session:
        draws = []
        for _ in range(3):
            drawn, kept = session.run([x, positive])
            np.testing.assert_array_equal(kept, drawn[drawn > 0.5])  # both stages saw the same draw
            draws.append(drawn)
    assert not np.array_equal(draws[0], draws[1])  # and the generator moved on once per run
