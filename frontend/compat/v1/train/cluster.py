"""``tf.train.ClusterSpec`` and ``tf.train.replica_device_setter``: TensorFlow 1's between-graph
replication API, as TensorFlow spells it.

A ClusterSpec names the tasks of each job (``{"ps": ["127.0.0.1:2222"], "worker": [...]}``).
``replica_device_setter`` is a device function for ``tf.device(...)``: variables go to the ``ps``
tasks (round robin by default, or by a strategy such as :class:`GreedyLoadBalancingStrategy`,
which balances their bytes), everything else to the worker; a device the op already has wins.
"""

from __future__ import annotations

import re

import numpy as np
from tensorboard.compat.proto import cluster_pb2

from tfc.device_spec import DeviceError, DeviceSpec
from tfc.frontend.tf.graphdef import tensor_shape, tf_dtype
from tfc.runtime.distributed import DistributedError, split_address

PS_OPS = ("Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable", "MutableHashTableV2", "MutableHashTableOfTensors",
          "MutableHashTableOfTensorsV2", "MutableDenseHashTable", "MutableDenseHashTableV2", "VarHandleOp")
"""The ops TensorFlow's replica_device_setter puts on parameter servers by default."""

_JOB_NAME = re.compile(r"^[A-Za-z][\w.-]*$")


class ClusterSpec:
    """The tasks of each job: ``ClusterSpec({"worker": ["host:port", ...], "ps": {0: "host:port"}})``,
    another ClusterSpec, or a ``ClusterDef`` proto. Malformed specs are a ValueError or TypeError
    naming the job and what was expected, as TensorFlow's are."""

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            self._jobs = {job: _tasks(job, tasks) for job, tasks in cluster.as_dict().items()}
        elif isinstance(cluster, cluster_pb2.ClusterDef):
            self._jobs = {job.name: _tasks(job.name, dict(job.tasks)) for job in cluster.job}
        elif isinstance(cluster, dict):
            self._jobs = {job: _tasks(job, tasks) for job, tasks in cluster.items()}
        else:
            raise TypeError(f"ClusterSpec needs a dict, a ClusterSpec or a ClusterDef, got {type(cluster).__name__}")
        for job in self._jobs:
            if not isinstance(job, str) or not _JOB_NAME.match(job):
                raise ValueError(f"ClusterSpec: bad job name {job!r} (letters, digits, '_', '.', '-', starting with a letter)")
        _check_unique_addresses(self._jobs)

    @property
    def jobs(self) -> list[str]:
        return list(self._jobs)

    def num_tasks(self, job_name: str) -> int:
        return len(self._job(job_name))

    def task_indices(self, job_name: str) -> list[int]:
        return sorted(self._job(job_name))

    def task_address(self, job_name: str, task_index: int) -> str:
        tasks = self._job(job_name)
        if task_index not in tasks:
            raise ValueError(f"no task {task_index} in job '{job_name}' (tasks: {sorted(tasks)})")
        return tasks[task_index]

    def job_tasks(self, job_name: str) -> list[str | None]:
        """The job's addresses by task index (None for an index with no task)."""
        tasks = self._job(job_name)
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks else []

    def as_dict(self) -> dict:
        """Each job's list of addresses (a dict of index -> address where indices have gaps)."""
        out = {}
        for job, tasks in self._jobs.items():
            dense = sorted(tasks) == list(range(len(tasks)))
            out[job] = [tasks[i] for i in sorted(tasks)] if dense else dict(tasks)
        return out

    def as_cluster_def(self) -> cluster_pb2.ClusterDef:
        proto = cluster_pb2.ClusterDef()
        for job, tasks in sorted(self._jobs.items()):
            entry = proto.job.add(name=job)
            for index, address in tasks.items():
                entry.tasks[index] = address
        return proto

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def __eq__(self, other) -> bool:
        return isinstance(other, ClusterSpec) and self._jobs == other._jobs

    def __repr__(self) -> str:
        return f"ClusterSpec({self.as_dict()!r})"

    def _job(self, job_name: str) -> dict[int, str]:
        if job_name not in self._jobs:
            raise ValueError(f"no job named '{job_name}' in the cluster (jobs: {', '.join(self._jobs) or 'none'})")
        return self._jobs[job_name]


def _tasks(job, tasks) -> dict[int, str]:
    """A job's tasks as index -> address, from a list or a dict (ValueError naming the job otherwise)."""
    if isinstance(tasks, (list, tuple)):
        tasks = dict(enumerate(tasks))
    if not isinstance(tasks, dict):
        raise TypeError(f"ClusterSpec: the tasks of job {job!r} must be a list or a dict of addresses, got {type(tasks).__name__}")
    for index, address in tasks.items():
        if not isinstance(index, int) or index < 0:
            raise ValueError(f"ClusterSpec: job {job!r} has task index {index!r}; indices are non-negative integers")
        try:
            split_address(address, f"task {index} of job {job!r}")
        except DistributedError:
            raise ValueError(f"ClusterSpec: task {index} of job {job!r} has address {address!r}; expected 'host:port'") from None
    return dict(tasks)


def _check_unique_addresses(jobs: dict) -> None:
    """Two tasks cannot listen on one address."""
    seen: dict[tuple[str, int], str] = {}
    for job, tasks in jobs.items():
        for index, address in tasks.items():
            key = split_address(address, f"task {index} of job {job!r}")  # one spelling of an address, IPv6 included
            if key in seen:
                raise ValueError(f"ClusterSpec: /job:{job}/task:{index} and {seen[key]} both claim {address}")
            seen[key] = f"/job:{job}/task:{index}"


class _RoundRobinStrategy:
    """Variables to ps tasks 0, 1, ..., in the order they are made."""

    def __init__(self, num_tasks: int):
        self._num_tasks, self._next = num_tasks, 0

    def __call__(self, op) -> int:
        task, self._next = self._next, (self._next + 1) % self._num_tasks
        return task


def byte_size_load_fn(op) -> int:
    """A variable's size in bytes, from its shape and dtype attributes (0 when unknown)."""
    node = op.node_def
    if "shape" not in node.attr or "dtype" not in node.attr:
        return 0
    shape = tensor_shape(node.attr["shape"].shape)
    if shape is None or any(d is None for d in shape):
        return 0
    return int(np.prod(shape, dtype=np.int64)) * tf_dtype(node.attr["dtype"].type).numpy.itemsize


class GreedyLoadBalancingStrategy:
    """Each variable to the ps task with the least load so far (``load_fn``: bytes by default), so
    parameter servers hold about the same bytes (TensorFlow's contrib strategy of this name)."""

    def __init__(self, num_tasks: int, load_fn=byte_size_load_fn):
        self._loads, self._load_fn = [0] * num_tasks, load_fn

    def __call__(self, op) -> int:
        task = min(range(len(self._loads)), key=lambda i: (self._loads[i], i))
        self._loads[task] += self._load_fn(op)
        return task


def replica_device_setter(ps_tasks=0, ps_device="/job:ps", worker_device="/job:worker", merge_devices=True,
                          cluster=None, ps_ops=None, ps_strategy=None):
    """A device function: ``ps_ops`` (variables) on ``/job:ps/task:k``, other ops on ``worker_device``;
    a device an op already names wins, part by part. None when there are no ps tasks (then
    ``tf.device(None)`` changes nothing), as in TensorFlow."""
    if cluster is not None:
        cluster = cluster if isinstance(cluster, ClusterSpec) else ClusterSpec(cluster)
        ps_tasks = cluster.num_tasks("ps") if "ps" in cluster.jobs else 0
    if ps_tasks == 0:
        return None
    if not merge_devices:
        raise ValueError("replica_device_setter: merge_devices=False is not supported (TensorFlow deprecated it)")
    chooser = _ReplicaDeviceChooser(ps_tasks, _spec(ps_device), _spec(worker_device), tuple(ps_ops or PS_OPS),
                                    ps_strategy or _RoundRobinStrategy(ps_tasks))
    return chooser.device_function


def _spec(text) -> DeviceSpec:
    try:
        return DeviceSpec.parse(text or "")
    except DeviceError as err:
        raise ValueError(f"replica_device_setter: {err}") from None


class _ReplicaDeviceChooser:
    def __init__(self, ps_tasks: int, ps_device: DeviceSpec, worker_device: DeviceSpec, ps_ops: tuple, strategy):
        self.ps_tasks, self.ps_device, self.worker_device = ps_tasks, ps_device, worker_device
        self.ps_ops, self.strategy = ps_ops, strategy

    def device_function(self, op) -> str:
        current = DeviceSpec.parse(op.device or "")
        if op.type in self.ps_ops:
            target = self.ps_device
            if target.job and (not current.job or current.job == target.job):
                target = DeviceSpec(target.job, target.replica, self.strategy(op), target.device_type, target.index)
            return current.merged(target).full
        return current.merged(self.worker_device).full


__all__ = ["ClusterSpec", "GreedyLoadBalancingStrategy", "byte_size_load_fn", "replica_device_setter"]
