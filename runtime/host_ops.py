"""The host stage: ops whose output shape depends on their input values, run on numpy between compiled stages.

XLA compiles static shapes, so ``tf.where(mask)``, ``tf.unique``, ``tf.boolean_mask`` and their kin
cannot be inside a compiled program unless their inputs are constants. When legalization reports
such an op (``LegalizationError.host_op``), a session remembers it for that run's fetches and runs
in stages: it computes the op's inputs (a compiled run of its own), evaluates the op on the host
(its inputs given as constants, so its decomposition folds to the values: the numpy interpreter's
work), then runs the rest with the op's outputs fed — TensorFlow's rule that feeding a tensor cuts
off its producers. The rest is compiled per shape of those outputs, like any feed. Several such ops,
or chains of them, are found one by one. The stateful ops the op depends on (a random draw, an
update) run once: the stage fetches their outputs too and the rest of the run is fed them, so both
stages see one draw. Variable reads are not fed (gradients flow through them).
"""

from __future__ import annotations

import time

import numpy as np
from tensorboard.compat.proto import graph_pb2

from tfc.backends import load
from tfc.diagnostics import TfcError
from tfc.frontend.tf.graphdef_writer import datatype_enum
from tfc.frontend.tf.importer import GraphImporter
from tfc.frontend.tf.op_schema import op_defs, output_types
from tfc.passmanager import PassManager
from tfc.types import DType

from .errors import SessionError, chained_detail


class NeedsHostStage(TfcError):
    """Compiling failed at an op whose output shape depends on its input values: run it on the host."""

    def __init__(self, node: str, reason: str):
        super().__init__(reason)
        self.node, self.reason = node, reason


def host_op(err: BaseException) -> str | None:
    """The op a failed compilation could run on the host, from the error's chain; None if none."""
    return chained_detail(err, "host_op")


def data_inputs(importer: GraphImporter, node: str) -> list[str]:
    """The tensors op ``node`` reads (``x:0`` form), control inputs left out."""
    return [name if ":" in name else f"{name}:0" for name in importer.nodes[node].input if not name.startswith("^")]


def output_count(importer: GraphImporter, node: str) -> int:
    outputs = output_types(importer.nodes[node])
    if outputs is None:
        raise SessionError(f"cannot run '{node}' ({importer.nodes[node].op}) on the host: its outputs are not known")
    return len(outputs)


class HostStage:
    """Evaluates one op on the host from the values of its inputs; counts its runs and time."""

    def __init__(self, importer: GraphImporter, node: str, pipeline: str):
        self.node, self.pipeline = node, pipeline
        self.proto = importer.nodes[node]
        self.inputs = data_inputs(importer, node)
        self.outputs = [f"{node}:{i}" for i in range(output_count(importer, node))]
        self.stateful = stateful_upstream(importer, node)
        """Outputs of the stateful ops the op's inputs come from (random draws, updates): the stage
        fetches them with the inputs and feeds them on, so they run once per run, not per stage."""
        self.runs, self.seconds = 0, 0.0

    def evaluate(self, values: list[np.ndarray]) -> list[np.ndarray]:
        """The op's outputs for these input values: a graph of the op alone, its inputs compiled in
        as constants, legalized (which folds the op to its values) and run by the interpreter."""
        start = time.perf_counter()
        graph = graph_pb2.GraphDef()
        feeds = {}
        for index, value in enumerate(values):
            name = f"host_input_{index}"
            placeholder = graph.node.add(name=name, op="Placeholder")
            placeholder.attr["dtype"].type = datatype_enum(DType.from_numpy(value.dtype))
            feeds[f"{name}:0"] = value
        node = graph.node.add()
        node.CopyFrom(self.proto)
        node.ClearField("device")
        node.ClearField("input")
        node.input.extend(f"host_input_{index}" for index in range(len(values)))
        imported = GraphImporter(graph, f"host stage of '{self.node}'").import_graph(self.outputs, [], feeds)
        PassManager(self.pipeline).run(imported.module)
        results = [np.asarray(v) for v in load(imported.module, backend="interp").call()]
        self.runs += 1
        self.seconds += time.perf_counter() - start
        return results


READS = frozenset({"VariableV2", "Variable", "VarHandleOp", "ReadVariableOp", "Placeholder", "PlaceholderWithDefault"})
"""Stateful ops whose value is the same in every stage of one run (and through which gradients
flow): never fed from an earlier stage."""


def stateful_upstream(importer: GraphImporter, node: str) -> list[str]:
    """The outputs of the stateful ops (by TensorFlow's schema) ``node`` depends on, reads left out."""
    schemas = op_defs()
    seen, stack, found = {node}, [node], []
    while stack:
        for name in importer.nodes[stack.pop()].input:
            source = name.lstrip("^").split(":")[0]
            if source in seen or source not in importer.nodes:
                continue
            seen.add(source)
            stack.append(source)
            proto = importer.nodes[source]
            schema = schemas.get(proto.op)
            if schema is not None and schema.is_stateful and proto.op not in READS:
                found += [f"{source}:{i}" for i in range(output_count(importer, source))]
    return sorted(found)


__all__ = ["HostStage", "NeedsHostStage", "data_inputs", "host_op"]
