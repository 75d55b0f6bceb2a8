"""How a session runs a program that spans devices: which passes place and partition it, and on which devices.

A step whose ops ask for a device other than the session's own (``tf.device`` scopes, GraphDef
``device`` fields) is placed twice and partitioned once: ``place`` before the variables are lifted
(a variable's reads and updates join it on its device), ``place`` again after the clean-up passes
(which make new ops, constants mostly) then ``partition`` and ``schedule``. The backend loader runs
the partitioned program with its executor. Steps on one device never see these passes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tfc.backends import devices as backend_devices
from tfc.device_spec import DeviceSpec, canonical_device, task_of
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module
from tfc.passes.place import op_elsewhere, placement_pipeline
from tfc.passes.place_tasks import LOCAL_JOB, is_local

from . import distributed

log = logging.getLogger("tfc")


@dataclass(frozen=True)
class Placement:
    """The session's side of placement: its default device, soft placement, the policy."""

    backend: str = "xla"
    default_device: str = "cpu"
    allow_soft_placement: bool = False
    policy: str = "inputs"

    def spans_devices(self, function: Function) -> bool:
        """Whether some op asks for a device other than the session's own."""
        return op_elsewhere(function, canonical_device(self.default_device)) is not None

    def place_pipeline(self, partition: bool = False) -> str:
        devices = ",".join(backend_devices()) if self.backend == "xla" else ""
        return placement_pipeline(devices, canonical_device(self.default_device), partition=partition, policy=self.policy,
                                  allow_soft_placement=self.allow_soft_placement)

    @property
    def local_task(self) -> str:
        """This process's task (``/job:worker/task:1``; ``/job:localhost/task:0`` when it runs alone)."""
        if distributed.cluster_spec():
            return f"/job:{distributed.role()}/task:{distributed.task_index()}"
        return f"/job:{LOCAL_JOB}/task:0"

    def check_jobs(self, module: Module) -> bool:
        """Whether ops ask for another task's devices (``/job:ps/task:0``: a parameter server in
        another process) that this job can run them on: its parameter-server runtime is up
        (:mod:`.parameter_servers`) and the cluster has the task. Otherwise such an op is a
        VerifyError naming it and its device, as TensorFlow's placer refuses devices it does not
        have; with ``allow_soft_placement`` a warning, and it runs here."""
        elsewhere = [op for op in module.walk() if op.attr("tf.device") and not self._is_local(op.attr("tf.device"))]
        if not elsewhere:
            return False
        jobs = distributed.cluster_spec()
        if distributed.ray_address() is not None and jobs:
            for op in elsewhere:
                _check_cluster_has(op, jobs)
            return True
        message = ("asks for device '{}', which this process ({}) does not run: devices of other processes run on parameter "
                   "servers, started by 'tfc launch --ps K'")
        warned: set[str] = set()
        for op in elsewhere:
            text = op.attr("tf.device")
            if not self.allow_soft_placement:
                raise VerifyError(message.format(text, self.local_task) + " (allow_soft_placement runs it here)", op.name, op.location)
            if text not in warned:
                warned.add(text)
                log.warning("%s: warning: '%s' op %s; running it here (allow_soft_placement)", op.location.describe(), op.name,
                            message.format(text, self.local_task))
        return False

    def _is_local(self, device: str) -> bool:
        task = task_of(device)
        return task is None or is_local(task, self.local_task)

    def partition_pipeline(self) -> str:
        return self.place_pipeline(partition=True)


def _check_cluster_has(op, jobs: dict[str, list[str]]) -> None:
    """A VerifyError naming ``op`` when its device names a job or task the cluster lacks."""
    text = op.attr("tf.device")
    spec = DeviceSpec.parse(text)
    if spec.job in jobs and (spec.task or 0) < len(jobs[spec.job]):
        return
    where = f"job '{spec.job}'" if spec.job not in jobs else f"task {spec.task} of job '{spec.job}'"
    have = ", ".join(f"{job} ({len(tasks)} task{'s' if len(tasks) != 1 else ''})" for job, tasks in jobs.items())
    raise VerifyError(f"asks for device '{text}', but the cluster has no {where} (jobs: {have})", op.name, op.location)


__all__ = ["Placement"]
