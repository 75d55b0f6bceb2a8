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
from tfc.device_spec import DeviceSpec, canonical_device
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module
from tfc.passes.place import op_elsewhere, placement_pipeline

from . import distributed

log = logging.getLogger("tfc")
LOCAL_JOB = "localhost"  # TensorFlow's job name for a process that runs alone


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

    def check_jobs(self, module: Module) -> None:
        """Ops whose device names another job or task than this process's (``/job:ps/task:0``: a
        parameter server in another process) cannot run here yet: a VerifyError naming the op and
        the device, as TensorFlow's placer refuses devices it does not have; with
        ``allow_soft_placement`` a warning, and the op runs in this process."""
        own_job, own_task = (distributed.role(), distributed.task_index()) if distributed.cluster_spec() else (LOCAL_JOB, 0)
        warned: set[str] = set()
        for op in module.walk():
            text = op.attr("tf.device")
            spec = DeviceSpec.parse(text) if text else None
            if spec is None or spec.job is None or (spec.job in (own_job, LOCAL_JOB) and spec.task in (None, own_task)):
                continue
            message = (f"asks for device '{text}', which this process (/job:{own_job}/task:{own_task}) does not run: devices of "
                       "other processes (parameter servers) are not supported yet")
            if not self.allow_soft_placement:
                raise VerifyError(message + " (allow_soft_placement runs it here)", op.name, op.location)
            if text not in warned:
                warned.add(text)
                log.warning("%s: warning: '%s' op %s; running it here (allow_soft_placement)", op.location.describe(), op.name, message)

    def partition_pipeline(self) -> str:
        return self.place_pipeline(partition=True)


__all__ = ["Placement"]
