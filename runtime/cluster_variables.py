"""A session's variables when some live on parameter servers: read, set and check them by name.

A worker's graph under ``replica_device_setter`` has its variables on ``/job:ps/task:k``: their
values are in that task's actor (:mod:`.parameter_servers`), not in the session's store. Savers,
``Variable.load`` and ``MonitoredTrainingSession`` go through these functions, which send each name
to where its variable lives, one call per task.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from tfc.device_spec import task_of
from tfc.frontend.tf.importer import GraphImporter
from tfc.passes.place_tasks import is_local, remote_task

from . import parameter_servers
from .variable_store import VariableStore

VARIABLE_OPS = frozenset({"VariableV2", "Variable", "VarHandleOp", "AutoReloadVariable"})


def variable_tasks(importer: GraphImporter, local_task: str) -> dict[str, str]:
    """Variables of the graph that live on another task: name -> the task (``/job:ps/task:0``)."""
    found = {}
    for name, node in importer.nodes.items():
        task = task_of(node.device) if node.op in VARIABLE_OPS and node.device else None
        if task is not None and not is_local(task, local_task):
            found[name] = remote_task(task)
    return found


def _by_task(names: Iterable[str], tasks: Mapping[str, str]) -> dict[str | None, list[str]]:
    """``names`` grouped by where they live (None: the session's store)."""
    groups: dict[str | None, list[str]] = {}
    for name in names:
        groups.setdefault(tasks.get(name), []).append(name)
    return groups


def read(store: VariableStore, tasks: Mapping[str, str], names: Iterable[str]) -> dict[str, np.ndarray]:
    """The values of those of ``names`` that are initialized, wherever they live."""
    values = {}
    for task, group in _by_task(names, tasks).items():
        if task is None:
            with store.holding(group):
                values.update({name: store[name] for name in group if name in store})
        else:
            values.update(parameter_servers.client(task).values(group))
    return values


def write(store: VariableStore, tasks: Mapping[str, str], values: Mapping[str, np.ndarray]) -> None:
    """Set variables wherever they live: each task's at once (a restore never shows half of its values)."""
    for task, group in _by_task(values, tasks).items():
        if task is None:
            with store.holding(group):
                store.update({name: values[name] for name in group})
        else:
            parameter_servers.client(task).assign({name: values[name] for name in group})


def uninitialized(store: VariableStore, tasks: Mapping[str, str], names: Iterable[str]) -> list[str]:
    """Those of ``names`` that have no value yet, wherever they live."""
    missing = []
    for task, group in _by_task(names, tasks).items():
        missing += [n for n in group if n not in store] if task is None else parameter_servers.client(task).uninitialized(group)
    return missing


__all__ = ["VARIABLE_OPS", "read", "uninitialized", "variable_tasks", "write"]
