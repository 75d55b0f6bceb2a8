"""Per-op run metadata for TensorBoard's graph plugin ("Session runs", "Compute time", "Memory"): a
TensorFlow ``RunMetadata`` whose ``step_stats`` give each node of a tfc program's graph the time XLA
spent on it in a profile, and the bytes of its outputs. The core (XLA ops to graph nodes, a profile to
``step_stats``) is ``tfc.backends.run_metadata``, which a TF1 Session's FULL_TRACE run uses too; this
module adds a compiled function's graph (``tfc.summary.graph``'s names) and the summary value.

>>> result, metadata = tfc.summary.run_metadata.profile(train_step, x, y)   # doctest: +SKIP
>>> file_writer.add_run_metadata(metadata, "step_0")                        # doctest: +SKIP
"""

from __future__ import annotations

from tensorboard.compat.proto import config_pb2, graph_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

from tfc.backends import run_metadata as core
from tfc.backends.run_metadata import (
    UNATTRIBUTED,
    ProgramMap,
    block_until_ready,
    build,
    from_profile,
    graph_node_names,
    hlo_computations,
    hlo_op_nodes,
    named_copy,
    node_outputs,
    node_stats,
    node_times,
    profile_run,
    stack_frame_files,
    tensor_description,
    tf_device_name,
)
from tfc.ir import Module, Operation

from .program_graph import named_graph_def

PLUGIN_RUN_METADATA = "graph_run_metadata"  # the graph plugin's: a RunMetadata with graphs and step stats
PLUGIN_RUN_METADATA_GRAPH = "graph_run_metadata_graph"  # the graph plugin's: a RunMetadata with graphs only


def program_map(program, *example_args, **example_kwargs) -> ProgramMap:
    """The :class:`ProgramMap` of a compiled function (lowered for ``example_args``) or a ``Lowered``;
    compiles the named copy (and the program, unless it already is)."""
    function = program if hasattr(program, "lower") else None
    lowered = program.lower(*example_args, **example_kwargs) if function is not None else program
    module, entry = getattr(lowered, "module", None), getattr(lowered, "function_name", None)
    if not isinstance(module, Module):
        raise TypeError(f"run metadata: expected a compiled function or its Lowered, got {type(program).__name__}")
    if getattr(lowered, "replicas", None) is not None:
        raise ValueError(f"run metadata: '{entry}' runs on several devices; per-op run metadata covers one-device functions only (not yet)")
    if function is not None and getattr(function, "backend", "xla") != "xla":
        raise ValueError(f"run metadata: '{entry}' runs on the {function.backend!r} backend; XLA profiles exist for the 'xla' backend only")
    donate = tuple(lowered.variables[2]) if getattr(lowered, "variables", None) else ()
    return module_map(module, entry, getattr(function, "device", "cpu"), donate)

def module_map(module: Module, entry: str = "main", device: str = "cpu", donate=(), names: dict[Operation, str] | None = None,
               graph: graph_pb2.GraphDef | None = None) -> ProgramMap:
    """The :class:`ProgramMap` of function ``entry`` of ``module`` as the XLA backend compiles it for
    ``device`` (with ``donate``): node ``names`` and ``graph`` default to ``tfc.summary.graph``'s (a
    Session's step passes :func:`graph_node_names` and its GraphDef)."""
    if names is None:
        graph, names = named_graph_def(module)
    elif graph is None:
        graph = graph_pb2.GraphDef()
    return core.module_map(module, entry, device, donate, names, graph)


def profile(function, *args, **kwargs):
    """Call the compiled ``function`` once under a profile: ``(its result, the RunMetadata of the call)``
    (what TF1's ``Session.run(..., options=RunOptions(trace_level=FULL_TRACE), run_metadata=...)`` gives)."""
    programs = [program_map(function, *args, **kwargs)]
    return profile_run(lambda: function(*args, **kwargs), programs)

def summary_value(tag: str, metadata: config_pb2.RunMetadata, plugin: str = PLUGIN_RUN_METADATA) -> summary_pb2.Summary.Value:
    """``metadata`` as the summary value TensorFlow 2's ``trace_export`` writes (a string tensor of the
    serialized RunMetadata for the graph plugin's ``graph_run_metadata[_graph]``, version ``1``)."""
    if not isinstance(metadata, config_pb2.RunMetadata):
        raise TypeError(f"run metadata: expected a RunMetadata, got {type(metadata).__name__}")
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, tensor_shape=tensor_shape_pb2.TensorShapeProto(),
                                    string_val=[metadata.SerializeToString()])
    summary_metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin, content=b"1"))
    return summary_pb2.Summary.Value(tag=str(tag), metadata=summary_metadata, tensor=tensor)


__all__ = ["PLUGIN_RUN_METADATA", "PLUGIN_RUN_METADATA_GRAPH", "UNATTRIBUTED", "ProgramMap", "block_until_ready", "build", "from_profile", "graph_node_names",
           "hlo_computations", "hlo_op_nodes", "module_map", "named_copy", "node_outputs", "node_times", "profile", "profile_run", "program_map",
           "node_stats", "stack_frame_files", "summary_value", "tensor_description", "tf_device_name"]
