"""Per-op run metadata (tfc.summary.run_metadata) and TensorFlow 2's trace_on / trace_export, read
back with TensorBoard's own readers: EventAccumulator and the graph plugin over its data provider
(what its /info, /graph and /run_metadata routes answer)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from google.protobuf import text_format
from tensorboard import context as tb_context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import config_pb2, graph_pb2
from tensorboard.plugins import base_plugin
from tensorboard.plugins.graph import graphs_plugin

import tfc
from tfc.backends.profiler import TraceEvent
from tfc.summary import run_metadata, trace
from tfc.summary.program_graph import graph_def

X = np.linspace(-1, 1, 64 * 32, dtype=np.float32).reshape(64, 32)
W = np.linspace(0, 1, 32 * 16, dtype=np.float32).reshape(32, 16)


@tfc.compile
def model(x, w):
    y = tfc.matmul(x, w)
    z = tfc.tanh(y) + 1.0
    return tfc.reduce_sum(z * z)


@tfc.compile
def scaled(x):
    return tfc.nn.relu(x * 3.0)


def graphs_plugin_for(logdir):
    """The graph plugin as TensorBoard serves it: on a multiplexer's data provider over ``logdir``."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, str(logdir))
    return graphs_plugin.GraphsPlugin(base_plugin.TBContext(logdir=str(logdir), multiplexer=multiplexer, data_provider=provider))


def plugin_run_metadata(plugin, run: str, tag: str) -> config_pb2.RunMetadata:
    body, mime = plugin.run_metadata_impl(tb_context.RequestContext(), "", run, tag)
    assert mime == "text/x-protobuf"
    return text_format.Parse(body, config_pb2.RunMetadata())


def plugin_graph(plugin, run: str, tag: str | None) -> graph_pb2.GraphDef:
    body, _ = plugin.graph_impl(tb_context.RequestContext(), run, tag, is_conceptual=False, experiment="")
    return text_format.Parse(body, graph_pb2.GraphDef())


def node_stats(metadata: config_pb2.RunMetadata) -> dict:
    return {stats.node_name: stats for device in metadata.step_stats.dev_stats for stats in device.node_stats}


def test_a_profiled_call_gives_each_node_its_time_and_output_bytes(tmp_path):
    result, metadata = run_metadata.profile(model, X, W)
    assert float(np.asarray(result)) == pytest.approx(float(np.asarray(model(X, W))))
    graph_names = {node.name for node in graph_def(model, X, W).node}
    stats = node_stats(metadata)
    assert set(stats) <= graph_names  # the names program_graph gives the same program
    for name in ("model/dot_general", "model/tanh", "model/multiply", "model/reduce"):
        assert stats[name].all_end_rel_micros >= 1 and stats[name].all_end_rel_nanos > 0, name
        assert stats[name].all_start_micros > 0
    assert stats["model/dot_general"].memory[0].total_bytes == 64 * 16 * 4  # its output, f32[64,16]
    assert stats["model/reduce"].memory[0].total_bytes == 4
    assert [d.size for d in stats["model/tanh"].output[0].tensor_description.shape.dim] == [64, 16]
    assert [device.device for device in metadata.step_stats.dev_stats] == ["/device:CPU:0"]
    assert not [name for name in stats if name.startswith("xla/")]  # every XLA op named a node

    writer = tfc.summary.FileWriter(str(tmp_path / "run"), graph=model.lower(X, W))
    writer.add_run_metadata(metadata, "step_0", global_step=0)
    writer.close()
    accumulator = EventAccumulator(str(tmp_path / "run"))
    accumulator.Reload()
    assert accumulator.Tags()["run_metadata"] == ["step_0"]
    assert accumulator.RunMetadata("step_0") == metadata
    plugin = graphs_plugin_for(tmp_path)
    info = plugin.info_impl(tb_context.RequestContext(), "")
    assert info["run"]["run_graph"] and info["run"]["tags"]["step_0"]["profile"]
    assert plugin_run_metadata(plugin, "run", "step_0") == metadata
    assert set(node_stats(metadata)) <= {node.name for node in plugin_graph(plugin, "run", None).node}


def test_a_variable_is_updated_once_by_a_profiled_call():
    counter = tfc.Variable(np.zeros(4, np.float32))

    @tfc.compile
    def bump(x):
        counter.assign_add(x)
        return counter.read_value() * 2.0

    result, metadata = run_metadata.profile(bump, np.ones(4, np.float32))
    np.testing.assert_array_equal(np.asarray(result), np.full(4, 2.0, np.float32))
    np.testing.assert_array_equal(counter.numpy(), np.ones(4, np.float32))
    assert node_stats(metadata)["bump/add"].all_end_rel_nanos > 0


def test_a_tf1_graphs_run_metadata_names_its_own_nodes(tmp_path):
    """What a Session's FULL_TRACE run would do with its step: the imported graph's program, run under
    a profile, its node stats named by the TF1 graph's nodes (so they meet the graph FileWriter writes)."""
    import tfc.compat.v1 as tf
    from tfc.backends.xla.backend import compile_module
    from tfc.frontend.tf.importer import GraphImporter
    from tfc.passmanager import PassManager
    from tfc.runtime.graph_session import PIPELINE, cleanup_for

    graph = tf.Graph()
    with graph.as_default(), tf.name_scope("layer"):
        x = tf.placeholder(tf.float32, [64, 32], name="x")
        tf.nn.relu(tf.matmul(x, tf.constant(W)) + 1.0, name="out")
    module = GraphImporter(graph.as_graph_def()).import_graph(["layer/out:0"]).module
    PassManager(f"{PIPELINE},{cleanup_for('xla', 'cpu', False)}").run(module)  # a Session's passes
    step = compile_module(module, "cpu", "main")
    program = run_metadata.module_map(module, names=run_metadata.graph_node_names(module), graph=graph.as_graph_def())
    result, metadata = run_metadata.profile_run(lambda: step(X), [program])
    np.testing.assert_allclose(np.asarray(result[0]), np.maximum(X @ W + 1.0, 0.0), rtol=1e-5)
    stats = node_stats(metadata)
    assert set(stats) <= {node.name for node in graph.as_graph_def().node}
    assert stats["layer/out"].all_end_rel_nanos > 0  # the graph passes fused MatMul and add into the Relu's node
    assert not [name for name in stats if name.startswith("xla/")]  # every XLA op named a node
    assert stats["layer/out"].memory[0].total_bytes == 64 * 16 * 4


HLO = """HloModule main, is_scheduled=true

FileNames
1 "f/add"
2 "f/tanh"
FileLocations
1 {file_name_id=1 function_name_id=1 line=1 end_line=1 column=1 end_column=1}
2 {file_name_id=2 function_name_id=1 line=1 end_line=1 column=1 end_column=1}
StackFrames
1 {file_location_id=1 parent_frame_id=1}
2 {file_location_id=2 parent_frame_id=1}

%fused_computation (param_0: f32[4]) -> f32[4] {
  %param_0 = f32[4]{0} parameter(0)
  %tanh.0 = f32[4]{0} tanh(%param_0), metadata={op_name="tanh" stack_frame_id=2}
  ROOT %add.1 = f32[4]{0} add(%tanh.0, %tanh.0), metadata={source_file="f/add" source_line=1}
}

ENTRY %main.2 (Arg_0.1: f32[4]) -> f32[4] {
  %Arg_0.1 = f32[4]{0} parameter(0)
  %copy.1 = f32[4]{0} copy(%Arg_0.1)
  ROOT %add_tanh_fusion = f32[4]{0} fusion(%copy.1), kind=kLoop, calls=%fused_computation, metadata={source_file="f/add" source_line=1}
}
"""


def test_a_fusions_time_is_split_evenly_over_its_nodes():
    nodes = run_metadata.hlo_op_nodes(HLO)
    assert nodes["add_tanh_fusion"] == ("f/add", "f/tanh")
    assert nodes["copy.1"] == ()
    program = run_metadata.ProgramMap("f", graph_pb2.GraphDef(), {"f/add": [], "f/tanh": []}, {}, nodes)

    def span(op, start):
        return TraceEvent("/host:CPU", "t", op, start, 1000.0, {"hlo_op": op, "run_id": 7}), 1000.0

    [times] = run_metadata.node_times([program], [span("copy.1", 10.0), span("add_tanh_fusion", 2000.0)])
    assert times == {"f/add": [2000.0, 500.0], "f/tanh": [2000.0, 500.0], "xla/copy.1": [10.0, 1000.0]}
    other = TraceEvent("/host:CPU", "t", "dot.3", 0.0, 5.0, {"hlo_op": "dot.3", "run_id": 8})
    assert run_metadata.node_times([program], [(other, 5.0)]) == [{}]  # another program's execution


def test_trace_export_with_the_profiler_writes_graphs_and_run_metadata(tmp_path):
    writer = tfc.summary.create_file_writer(str(tmp_path / "logs" / "train"))
    tfc.summary.trace_on(graph=True, profiler=True, profiler_outdir=str(tmp_path / "profile"))
    for _ in range(2):
        model(X, W)  # plain calls of compiled functions are recorded
    scaled(W)
    with writer.as_default(step=3):
        tfc.summary.trace_export("traced")
    plugin = graphs_plugin_for(tmp_path / "logs")
    tag = plugin.info_impl(tb_context.RequestContext(), "")["train"]["tags"]["traced"]
    assert tag["op_graph"] and tag["profile"]
    graph = {node.name for node in plugin_graph(plugin, "train", "traced").node}
    assert "graph_1/model/dot_general" in graph and "graph_2/scaled/maximum" in graph  # the plugin's merge of two graphs
    stats = node_stats(plugin_run_metadata(plugin, "train", "traced"))
    assert set(stats) <= graph
    assert stats["graph_1/model/dot_general"].all_end_rel_nanos > 0 and stats["graph_2/scaled/maximum"].all_end_rel_nanos > 0
    assert list((tmp_path / "profile" / "plugins" / "profile").glob("*/*.xplane.pb"))  # the profile plugin's files
    accumulator = EventAccumulator(str(tmp_path / "logs" / "train"))
    accumulator.Reload()
    assert accumulator.Tensors("traced")[0].step == 3


def test_trace_export_without_the_profiler_writes_the_graphs(tmp_path):
    writer = tfc.summary.create_file_writer(str(tmp_path / "run"))
    tfc.summary.trace_on()
    trace.call(scaled, W)  # the explicit spelling: recorded once
    with writer.as_default():
        tfc.summary.trace_export("graph_only", step=0)
    scaled(W)  # after the export: nothing observes calls
    assert not tfc.frontend.compile.CALL_OBSERVERS
    plugin = graphs_plugin_for(tmp_path)
    tag = plugin.info_impl(tb_context.RequestContext(), "")["run"]["tags"]["graph_only"]
    assert tag["op_graph"] and not tag["profile"]
    assert plugin_graph(plugin, "run", "graph_only") == graph_def(scaled, W)


def test_bad_input(tmp_path, caplog):
    with pytest.raises(ValueError, match="trace_on first"):
        tfc.summary.trace_export("nothing")
    tfc.summary.trace_on()
    with caplog.at_level(logging.WARNING, logger="tfc"):
        tfc.summary.trace_on()
        trace.call(scaled, W)
        tfc.summary.trace_export("no_writer", step=0)  # no default writer: nothing written, as in TensorFlow
    assert "already enabled" in caplog.text and "no default writer" in caplog.text
    with pytest.raises(ValueError, match="trace_on first"):
        tfc.summary.trace_export("again", step=0)  # the export turned the trace off
    tfc.summary.trace_on()
    with tfc.summary.create_file_writer(str(tmp_path / "nostep")).as_default():
        with pytest.raises(ValueError, match="step is None"):
            tfc.summary.trace_export("no_step")
    tfc.summary.trace_off()  # already off: nothing happens
    with pytest.raises(TypeError, match="expected a compiled function"):
        trace.call(42)
    with pytest.raises(TypeError, match="expected a compiled function or its Lowered"):
        run_metadata.program_map(42)
    writer = tfc.summary.FileWriter(str(tmp_path / "tf1"))
    with pytest.raises(TypeError, match="must be a RunMetadata, got str"):
        writer.add_run_metadata("not run metadata", "step_0")
    writer.add_run_metadata(config_pb2.RunMetadata(), "step_0")
    with pytest.raises(ValueError, match="already used"):
        writer.add_run_metadata(config_pb2.RunMetadata(), "step_0")
    writer.close()
