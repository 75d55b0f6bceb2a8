"""Every kind of tfc program as a GraphDef TensorBoard's graph plugin accepts (tfc.summary.program_graph):
written as a graph event, read back with EventAccumulator, prepared by the plugin's own code, every
input naming a node, scopes and devices kept."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.process_graph import prepare_graph_for_ui
from tensorboard.compat.proto import event_pb2, graph_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

import tfc
from tfc.summary.program_graph import graph_def

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"


def read_back(tmp_path, graph: graph_pb2.GraphDef) -> graph_pb2.GraphDef:
    writer = EventFileWriter(str(tmp_path))
    writer.add_event(event_pb2.Event(wall_time=time.time(), graph_def=graph.SerializeToString()))
    writer.close()
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    loaded = accumulator.Graph()
    prepare_graph_for_ui(loaded)  # what the graph plugin does before drawing it
    names = {node.name for node in loaded.node}
    assert len(names) == len(loaded.node)
    for node in loaded.node:
        for source in node.input:
            assert source.split(":")[0].lstrip("^") in names, (node.name, source)
    return loaded


@tfc.compile
def looped(x):
    _, y = tfc.while_loop(lambda s: s[0] < 3, lambda s: (s[0] + 1, s[1] * 2.0), (np.int32(0), x))
    return tfc.nn.relu(tfc.matmul(y, x))


def test_a_traced_function_with_a_loop(tmp_path):
    loaded = read_back(tmp_path, graph_def(looped, np.ones((2, 2), np.float32)))
    nodes = {node.name: node for node in loaded.node}
    assert nodes["looped/x"].op == "Arg"
    assert any(name.startswith("looped/while/region1/") for name in nodes)  # the body, grouped under the loop
    assert nodes["looped/dot_general"].input == ["looped/while:1", "looped/x"]
    assert [d.size for d in nodes["looped/dot_general"].attr["_output_shapes"].list.shape[0].dim] == [2, 2]


def test_devices_become_node_devices(tmp_path):
    @tfc.compile
    def placed(x):
        with tfc.device("cpu:1"):
            y = x * 2.0
        return y + 1.0

    loaded = read_back(tmp_path, graph_def(placed.lower(np.ones(3, np.float32)).module))
    devices = {node.device for node in loaded.node if node.op != "Arg"}
    assert "cpu:1" in devices  # the partition's function carries its device


def test_tf1_graphs_and_imported_graph_defs_keep_their_names(tmp_path):
    import tfc.compat.v1 as tf

    graph = tf.Graph()
    with graph.as_default(), tf.name_scope("layer"):
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        tf.matmul(x, tf.ones([3, 2]), name="logits")
    loaded = read_back(tmp_path / "tf1", graph_def(graph))
    assert "layer/logits" in {node.name for node in loaded.node}
    with pytest.raises(TypeError, match="expected a tfc program"):
        graph_def(42)


def test_writers_add_any_program_graph(tmp_path):
    writer = tfc.summary.create_file_writer(str(tmp_path / "traced"))
    with writer.as_default(step=3):
        assert tfc.summary.graph(looped, np.ones((2, 2), np.float32))
    writer.close()
    accumulator = EventAccumulator(str(tmp_path / "traced"))
    accumulator.Reload()
    assert "looped/dot_general" in {node.name for node in accumulator.Graph().node}
    assert not tfc.summary.graph(looped, np.ones((2, 2), np.float32))  # no default writer: nothing written
    with tfc.summary.FileWriter(str(tmp_path / "module")) as tf1_writer:
        tf1_writer.add_graph(looped.lower(np.ones((2, 2), np.float32)))
    read_back(tmp_path / "module2", EventAccumulator(str(tmp_path / "module")).Reload().Graph())
