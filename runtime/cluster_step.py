"""A session step that spans processes: the parts placed on parameter-server tasks run there.

Between-graph replication puts a worker's variables (and, by colocation, their reads and updates) on
``/job:ps/task:k``. After the session's passes, ``place-tasks`` gives those ops that task's device and
the rest this process's; ``partition`` cuts the program between them with send/recv pairs, as
between devices, and the executor's segments (:func:`tfc.backends.segments.cut`) cut each partition
at its receives. The variables are not lifted first: each segment lifts its own, so a ps segment
binds to the variables of the ps task's actor (:mod:`.parameter_servers`) and a local one to this
session's store. A call runs the segments in level order: a local one compiled here, a remote one by
its task (compiled there once); values cross as numpy arrays through Ray's object store.

A typical training step is three segments: the ps task reads the variables, the worker computes the
gradients, the ps task applies them (atomically: it holds the variables' locks).
"""

from __future__ import annotations

import hashlib

import numpy as np

from tfc.backends.executor import argument_results
from tfc.backends.segments import Segment, cut, partitions_of, program_type
from tfc.device_spec import canonical_device, task_of
from tfc.ir import Module
from tfc.passmanager import PassManager
from tfc.printer import print_module

from . import parameter_servers
from .step import Step, build_step
from .variable_store import VariableStore


def tasks_pipeline(local_task: str, default_device: str) -> str:
    """The passes that cut a legalized program between this task and the others it names."""
    return f"place-tasks{{local={local_task},default_device={canonical_device(default_device) or 'cpu:0'}}},partition,schedule"


def build_cluster_step(module: Module, store: VariableStore, *, local_task: str, backend: str, device: str, cleanup: str | None,
                       needed_by: str) -> Step:
    """The step running ``main`` of ``module`` (legalized, variables not lifted) across tasks."""
    PassManager(tasks_pipeline(local_task, device)).run(module)
    partitions = partitions_of(module, "main")
    results = len(program_type(partitions).results)
    direct = argument_results(partitions)
    plan = [(segment, _runner(segment, store, backend, device, cleanup, needed_by)) for segment in cut(partitions)]

    def run(args: list) -> list:
        env: dict = {}
        for segment, runner in plan:
            inputs = [args[what] if kind == "arg" else env[kind, what] for kind, what in segment.inputs]
            for destination, value in zip(segment.outputs, runner(inputs)):
                env[destination] = value
        return [args[direct[i]] if i in direct else env["result", i] for i in range(results)]

    return Step(run, 0, None)


def _runner(segment: Segment, store: VariableStore, backend: str, device: str, cleanup: str | None, needed_by: str):
    """``inputs -> outputs`` of one segment: compiled here, or run by the task it is placed on."""
    task = task_of(segment.device)
    if task is None:
        step = build_step(segment.module, store, backend=backend, device=device, cleanup=cleanup, needed_by=needed_by)
        return lambda inputs: step.run(inputs)[step.offset:]
    text = print_module(segment.module)
    key = hashlib.sha256(f"{cleanup}\n{text}".encode()).hexdigest()
    server = parameter_servers.client(task)
    return lambda inputs: server.run(key, text, cleanup or "", needed_by, [np.asarray(v) for v in inputs])


__all__ = ["build_cluster_step", "tasks_pipeline"]
