"""``place-tasks``: put the ops another task of a cluster runs on that task's device.

Between-graph replication (TensorFlow 1's parameter servers) gives a worker's graph devices of other
processes: ``replica_device_setter`` puts variables on ``/job:ps/task:k``. Legalization records the
task an op asks for in ``tfc.task``. This pass gives every top-level op of the entry function a
device: an op asking for a task other than ``local``, and every op colocated with it (a variable's
reads and updates, ``_class`` groups: :class:`~tfc.passes.place.ColocationGroups`), goes to that
task's CPU (``/job:ps/task:0/device:CPU:0``); the rest to ``default_device``. ``partition`` then cuts
the program between processes as it cuts it between devices.

Before (``place-tasks{local=/job:worker/task:0}``)::

    %w = "tfc.variable"() {name = "w", tfc.task = "/job:ps/task:0"} : () -> !tfc.resource<tensor<4xf32>>
    %r = "tfc.read_variable"(%w) : (!tfc.resource<tensor<4xf32>>) -> tensor<4xf32>
    %y = "tfc.tanh"(%r) {tfc.task = "/job:worker/task:0"} : (tensor<4xf32>) -> tensor<4xf32>

After: ``%w`` and its read have ``tfc.device = "/job:ps/task:0/device:CPU:0"``, ``%y`` has ``cpu:0``.
A job named without a task means its task 0 (for another job) or this task (for this job).
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.attributes import StringAttr
from tfc.device_spec import DEVICE_ATTR, TASK_ATTR, DeviceSpec
from tfc.ir import Module
from tfc.passmanager import Pass, register_pass

from .place import ColocationGroups, PlacementError

LOCAL_JOB = "localhost"  # TensorFlow's job name for a process that runs alone


def is_local(task: str, local: str) -> bool:
    """Whether ``task`` (``/job:ps`` or ``/job:ps/task:1``) names the task ``local`` (or a lone process's)."""
    asked, own = DeviceSpec.parse(task), DeviceSpec.parse(local)
    return asked.job in (own.job, LOCAL_JOB) and asked.task in (None, own.task or 0)


def remote_task(task: str) -> str:
    """``task`` in full (``/job:ps`` -> ``/job:ps/task:0``: task 0 when only the job is named)."""
    spec = DeviceSpec.parse(task)
    return f"/job:{spec.job}/task:{spec.task or 0}"


def remote_device(task: str) -> str:
    """The device ops of another task run on: its CPU."""
    return f"{remote_task(task)}/device:CPU:0"


@register_pass
@dataclass(frozen=True)
class PlaceTasks(Pass):
    """Ops of other tasks on those tasks' devices, the rest on ``default_device`` (see the module docstring)."""

    name = "place-tasks"
    local: str = "/job:localhost/task:0"
    """This process's task."""
    default_device: str = "cpu:0"
    entry: str = "main"

    def run(self, module: Module) -> None:
        ops = module.function(self.entry).body.ops[:-1]
        groups = ColocationGroups.of(ops)
        chosen: dict = {}
        for op in ops:
            task = op.attr(TASK_ATTR)
            if task is None or is_local(task, self.local):
                continue
            wanted = remote_device(task)
            device = chosen.setdefault(groups.find(op), wanted)
            if device != wanted:
                raise PlacementError(f"asks for {task} but is colocated with ops on {device}", op.name, op.location)
        default = DeviceSpec.parse(self.default_device).name or "cpu:0"
        for op in ops:
            op.attributes[DEVICE_ATTR] = StringAttr(chosen.get(groups.find(op), default))


__all__ = ["LOCAL_JOB", "PlaceTasks", "is_local", "remote_device", "remote_task"]
