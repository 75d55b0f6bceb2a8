"""The core of per-op run metadata (TensorFlow's ``RunMetadata``, ``step_stats`` per graph node), below
``compat`` so a TF1 Session's ``Session.run(..., options=RunOptions(trace_level=FULL_TRACE))`` can
fill it; ``tfc.summary.run_metadata`` is the user-facing part (a compiled function's graph, summaries).

Where the times come from: ``tfc.profile`` records each XLA op or fusion that ran (its ``hlo_op``).
tfc's StableHLO carries each op's location, which XLA keeps as the HLO instructions' metadata, also
inside fusions; but a Python line makes several ops, so a copy of the program whose ops' locations
are their graph node names (``loc("f/tanh"(...))``, which XLA keeps as ``op_name``) is compiled too,
and its optimized HLO, instruction for instruction the same as the one that ran (checked), says which
nodes each XLA op computes: its own ``op_name`` and those of the instructions of the computations it
fuses or applies (not of a loop's body or a branch: those run as ops of their own). The rule: an XLA
op's self time is split evenly over the nodes it computes; a node's time is the sum over the
profile, starting at its first XLA op. An XLA op that names no node (XLA made it without metadata)
keeps its time under ``xla/<op>``, a name no graph node has. Memory is what TensorFlow reports: the
bytes of the node's outputs, from their types.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tensorboard.compat.proto import config_pb2, graph_pb2, step_stats_pb2, tensor_shape_pb2, types_pb2
from tensorboard.compat.tensorflow_stub import dtypes

from tfc.backends.profiler import Profile, hlo_op_self_times
from tfc.backends.segments import partitions_of
from tfc.clone import clone_op
from tfc.ir import Module, Operation
from tfc.location import FileLineColLoc, NameLoc
from tfc.types import TensorType

log = logging.getLogger("tfc")

UNATTRIBUTED = "xla/"  # prefix of the time of XLA ops that name no node
TERMINATORS = ("func.return", "tfc.yield")  # no graph node: their operands are the function's or region's results

@dataclasses.dataclass
class ProgramMap:
    """One compiled tfc function as the graph plugin sees it, and which nodes each XLA op computes."""

    name: str
    """The function's name (the traced function's)."""
    graph: graph_pb2.GraphDef
    """Its graph, as ``tfc.summary.graph`` writes it."""
    outputs: dict[str, list]
    """Node name -> its ops' result types (its memory)."""
    devices: dict[str, str]
    """Node name -> the device it ran on (TensorFlow's ``/device:CPU:0`` form)."""
    hlo_nodes: dict[str, tuple[str, ...]]
    """XLA op (HLO instruction) name -> the nodes it computes."""

def module_map(module: Module, entry: str, device: str, donate, names: dict[Operation, str], graph: graph_pb2.GraphDef) -> ProgramMap:
    """The :class:`ProgramMap` of function ``entry`` of ``module`` as the XLA backend compiles it for
    ``device`` (with ``donate``), its ops named by ``names`` (a Session's step: :func:`graph_node_names`)
    and shown as ``graph``."""
    from tfc.backends.xla.backend import compile_module

    if partitions_of(module, entry):
        raise ValueError(f"run metadata: '{entry}' runs on several devices; per-op run metadata covers one-device functions only (not yet)")
    ran = compile_module(module, device, entry, donate=tuple(donate))
    named = compile_module(named_copy(module, names), device, entry, donate=tuple(donate)).optimized_hlo()
    if _opcodes(ran.optimized_hlo()) != _opcodes(named):
        log.warning("run metadata: XLA optimized '%s' and its named copy differently; some times may be listed under xla/<op>", entry)
    outputs = node_outputs(names)
    graph_devices = {node.name: node.device for node in graph.node}
    devices = {node: graph_devices.get(node) or tf_device_name(device) for node in outputs}
    return ProgramMap(entry, graph, outputs, devices, hlo_op_nodes(named))


def graph_node_names(module: Module) -> dict[Operation, str]:
    """Op -> the GraphDef node it was imported from (its location's name), for the ops that have one:
    run metadata of a TensorFlow 1 graph names the graph's own nodes."""
    return {op: op.location.chain()[0][-1] for function in module.functions for op in function.op.walk()
            if op is not function.op and op.name not in TERMINATORS and isinstance(op.location, NameLoc)}

def node_outputs(names: dict[Operation, str]) -> dict[str, list]:
    """Node -> the types of its outputs: the results of its ops that something outside the node uses
    (or all its ops' results, for a node of one op)."""
    by_node: dict[str, list[Operation]] = defaultdict(list)
    for op, node in names.items():
        by_node[node].append(op)
    outputs = {}
    for node, ops in by_node.items():
        if len(ops) == 1:
            outputs[node] = [result.type for result in ops[0].results]
        else:
            outputs[node] = [result.type for op in ops for result in op.results if any(names.get(user) != node for user in result.users)]
    return outputs


def named_copy(module: Module, names: dict[Operation, str]) -> Module:
    """A copy of ``module`` whose ops' source files are their node names (``loc("f/tanh":1:1)``, a
    graph's names kept around it), so XLA's metadata names the node of every HLO instruction while
    its instructions keep the names they have in the program that ran (XLA names them by NameLocs)."""
    copy = clone_op(module.op, {})
    for old, new in zip(module.op.walk(), copy.walk()):
        if old in names:
            location = FileLineColLoc(names[old], 1, 1)
            if isinstance(old.location, NameLoc):
                for name in reversed(old.location.chain()[0]):
                    location = NameLoc(name, location)
            new.location = location
    return Module(copy)


def tf_device_name(device: str) -> str:
    """``cpu:0`` as TensorFlow names it, ``/device:CPU:0``."""
    kind, _, index = str(device).lstrip("/").partition(":")
    return f"/device:{kind.upper()}:{index or 0}"


# ---- XLA's optimized HLO -------------------------------------------------------------------------
_COMPUTATION = re.compile(r"^(?:ENTRY\s+)?%?([\w.\-]+)\s.*\{\s*$")
_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?([\w.\-]+)\s*=\s*.*?\s([a-z][a-z0-9\-]*)\(")
_SOURCE = re.compile(r'metadata=\{[^}]*?source_file="((?:[^"\\]|\\.)*)"')
_FRAME = re.compile(r"metadata=\{[^}]*?stack_frame_id=(\d+)")
_TABLES = ("FileNames", "FunctionNames", "FileLocations", "StackFrames")
_ROW = re.compile(r"^(\d+) (.*)$")
_APPLIED = re.compile(r"\b(?:calls|to_apply)=(\{[^}]*\}|%?[\w.\-]+)")


def hlo_computations(hlo_text: str) -> dict[str, list[tuple[str, str, str | None, list[str]]]]:
    """Computation name -> its instructions as (name, opcode, metadata source_file, computations it fuses
    or applies), read from HLO text (``HloModule.to_string()``)."""
    computations: dict[str, list] = {}
    current, frames = None, stack_frame_files(hlo_text)
    for line in hlo_text.splitlines():
        if current is None or line.strip() == "}":
            header = _COMPUTATION.match(line) if not line.startswith(" ") else None
            current = None if header is None else computations.setdefault(header.group(1), [])
            continue
        found = _INSTRUCTION.match(line)
        if found is None:
            continue
        source, frame = _SOURCE.search(line), _FRAME.search(line)
        source = _unquote(source.group(1)) if source else frames.get(int(frame.group(1))) if frame else None
        applied = [name.strip().lstrip("%") for match in _APPLIED.findall(line) for name in match.strip("{}").split(",") if name.strip()]
        current.append((found.group(1), found.group(2), source, applied))
    return computations


def stack_frame_files(hlo_text: str) -> dict[int, str]:
    """Stack frame id -> its source file, from the tables HLO text opens with when locations are
    names wrapping files (``loc("x"("f":1:1))``: metadata ``op_name="x" stack_frame_id=1``)."""
    tables: dict[str, dict[int, str]] = {name: {} for name in _TABLES}
    table = None
    for line in hlo_text.splitlines():
        if line.startswith(("%", "ENTRY")):
            break
        row = _ROW.match(line)
        if line in tables:
            table = tables[line]
        elif row and table is not None:
            table[int(row.group(1))] = row.group(2)
    files = {key: _unquote(value.strip().strip('"')) for key, value in tables["FileNames"].items()}
    locations = {key: _field(value, "file_name_id") for key, value in tables["FileLocations"].items()}
    return {key: files.get(locations.get(_field(value, "file_location_id"))) for key, value in tables["StackFrames"].items()}


def _field(row: str, name: str) -> int | None:
    found = re.search(rf"\b{name}=(\d+)", row)
    return int(found.group(1)) if found else None


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def hlo_op_nodes(hlo_text: str) -> dict[str, tuple[str, ...]]:
    """HLO instruction name -> the nodes (metadata ``source_file``s of a :func:`named_copy`) it computes: its own and those of the
    computations it fuses or applies, in order of first appearance."""
    computations = hlo_computations(hlo_text)
    memo: dict[str, list[str]] = {}

    def covered(computation: str) -> list[str]:
        if computation not in memo:
            memo[computation] = []
            memo[computation] = _unique(node for instruction in computations.get(computation, ()) for node in own(instruction))
        return memo[computation]

    def own(instruction) -> list[str]:
        _, _, source, applied = instruction
        return _unique([*([source] if source else []), *(node for name in applied for node in covered(name))])

    return {instruction[0]: tuple(own(instruction)) for body in computations.values() for instruction in body}


def _opcodes(hlo_text: str) -> dict[str, str]:
    return {name: opcode for body in hlo_computations(hlo_text).values() for name, opcode, _, _ in body}


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


# ---- from a profile to RunMetadata ---------------------------------------------------------------
def node_times(programs: list[ProgramMap], spans) -> list[dict[str, list[float]]]:
    """Per program, node name -> [first start ns, total ns] from a profile's ``(event, self ns)``
    spans. One execution's spans (one ``run_id``) belong to the first program that has all its ops."""
    runs = defaultdict(list)
    for event, self_ns in spans:
        runs[event.stats.get("run_id")].append((event, self_ns))
    times: list[dict[str, list[float]]] = [{} for _ in programs]
    for run in runs.values():
        ops = {str(event.stats["hlo_op"]) for event, _ in run}
        index = next((i for i, program in enumerate(programs) if ops <= program.hlo_nodes.keys()), None)
        if index is None:
            continue  # another program's execution (jax's own, a function not traced)
        for event, self_ns in run:
            op = str(event.stats["hlo_op"])
            nodes = programs[index].hlo_nodes[op] or (UNATTRIBUTED + op,)
            for node in nodes:
                entry = times[index].setdefault(node, [event.start_ns, 0.0])
                entry[0] = min(entry[0], event.start_ns)
                entry[1] += max(self_ns, 0.0) / len(nodes)
    return times


def build(programs: list[ProgramMap], times: list[dict[str, list[float]]], start_ns: int = 0, with_graphs: bool = True) -> config_pb2.RunMetadata:
    """The RunMetadata of ``programs``: their graphs (``function_graphs``) and, per device, a node's
    stats for each op node (times from :func:`node_times`, spans offset by ``start_ns``, the wall
    clock at the profile's start). With several programs node names get the ``graph_<i>/`` prefix
    the graph plugin gives the merged graphs."""
    metadata = config_pb2.RunMetadata()
    by_device: dict[str, list] = defaultdict(list)
    for index, (program, program_times) in enumerate(zip(programs, times)):
        prefix = f"graph_{index + 1}/" if len(programs) > 1 else ""
        if with_graphs:
            metadata.function_graphs.add().pre_optimization_graph.CopyFrom(program.graph)
        first_device = next(iter(program.devices.values()), tf_device_name("cpu"))
        for node, types in program.outputs.items():
            start, total = program_times.get(node, (None, 0.0))
            by_device[program.devices.get(node, first_device)].append(node_stats(prefix + node, types, start, total, start_ns))
        for node, (start, total) in program_times.items():
            if node.startswith(UNATTRIBUTED):
                by_device[first_device].append(node_stats(prefix + node, [], start, total, start_ns))
    for device in sorted(by_device):
        metadata.step_stats.dev_stats.add(device=device, node_stats=by_device[device])
    return metadata


def node_stats(name: str, types: list, start: float | None, total_ns: float, start_ns: int) -> step_stats_pb2.NodeExecStats:
    """One node's stats: its time (at least 1 us when it ran, as the plugin shows no 0) and its outputs' bytes."""
    stats = step_stats_pb2.NodeExecStats(node_name=name, timeline_label=name)
    if start is not None:
        begin_ns = int(start_ns) + int(start)
        micros = max(1, round(total_ns / 1000))
        stats.all_start_micros, stats.all_start_nanos = begin_ns // 1000, begin_ns
        stats.op_end_rel_micros = stats.all_end_rel_micros = micros
        stats.op_end_rel_nanos = stats.all_end_rel_nanos = int(total_ns)
    total = 0
    for slot, value_type in enumerate(types):
        size, description = tensor_description(value_type)
        total += size
        stats.output.add(slot=slot, tensor_description=description)
    stats.memory.add(allocator_name="xla", total_bytes=total, peak_bytes=total, live_bytes=total)
    return stats


def tensor_description(value_type):
    """(bytes, TensorDescription) of a result type; a type of unknown shape counts 0 bytes."""
    from tensorboard.compat.proto import allocation_description_pb2, tensor_description_pb2

    description = tensor_description_pb2.TensorDescription()
    if not isinstance(value_type, TensorType) or value_type.shape is None or any(d is None for d in value_type.shape):
        description.shape.unknown_rank = True
        return 0, description
    numpy_dtype = value_type.dtype.numpy
    try:
        description.dtype = dtypes.as_dtype(numpy_dtype).as_datatype_enum
    except TypeError:
        description.dtype = types_pb2.DT_INVALID
    description.shape.CopyFrom(tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=int(d)) for d in value_type.shape]))
    size = math.prod(value_type.shape) * numpy_dtype.itemsize
    description.allocation_description.CopyFrom(allocation_description_pb2.AllocationDescription(
        requested_bytes=size, allocated_bytes=size, allocator_name="xla"))
    return size, description


def from_profile(run_dir, programs: list[ProgramMap], start_ns: int = 0) -> config_pb2.RunMetadata:
    """The RunMetadata of ``programs`` from the profile in ``run_dir`` (a ``plugins/profile/<run>`` folder)."""
    return build(programs, node_times(programs, hlo_op_self_times(run_dir)), start_ns)

def profile_run(run: Callable[[], Any], programs) -> tuple[Any, config_pb2.RunMetadata]:
    """``run()`` under a profile: ``(its result, the RunMetadata of the executions of programs in it)``;
    ``programs``: a list of :class:`ProgramMap`, or a function giving it after the run (a Session's
    step may be compiled by the run itself)."""
    with tempfile.TemporaryDirectory(prefix="tfc-run-metadata-") as folder:
        start_ns = time.time_ns()
        with Profile(folder) as running:
            result = run()
            block_until_ready(result)
        metadata = from_profile(running.run_dir, programs() if callable(programs) else list(programs), start_ns)
    return result, metadata


def block_until_ready(result) -> None:
    """Wait for the arrays in ``result`` (nested lists, tuples and dicts too): XLA runs calls
    asynchronously, and a profile stopped before they end holds none of their ops."""
    if isinstance(result, dict):
        result = list(result.values())
    if isinstance(result, (list, tuple)):
        for item in result:
            block_until_ready(item)
        return
    wait = getattr(result, "block_until_ready", None)
    if callable(wait):
        wait()


__all__ = ["TERMINATORS", "UNATTRIBUTED", "ProgramMap", "block_until_ready", "build", "from_profile", "graph_node_names", "hlo_computations",
           "hlo_op_nodes", "module_map", "named_copy", "node_outputs", "node_stats", "node_times", "profile_run", "stack_frame_files",
           "tensor_description", "tf_device_name"]
