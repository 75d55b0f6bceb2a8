"""How a session runs a program that spans devices: which passes place and partition it, and on which devices.

A step whose ops ask for a device other than the session's own (``tf.device`` scopes, GraphDef
``device`` fields) is placed twice and partitioned once: ``place`` before the variables are lifted
(a variable's reads and updates join it on its device), ``place`` again after the clean-up passes
(which make new ops, constants mostly) then ``partition`` and ``schedule``. The backend loader runs
the partitioned program with its executor. Steps on one device never see these passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tfc.backends import devices as backend_devices
from tfc.device_spec import DEVICE_ATTR, canonical_device
from tfc.ir import Function
from tfc.passmanager import available_passes


@dataclass(frozen=True)
class Placement:
    """The session's side of placement: its default device, soft placement, the policy."""

    backend: str = "xla"
    default_device: str = "cpu"
    allow_soft_placement: bool = False
    policy: str = "inputs"

    def spans_devices(self, function: Function) -> bool:
        """Whether some op asks for a device other than the session's own."""
        home = canonical_device(self.default_device)
        return any(op.attr(DEVICE_ATTR, home) != home for op in function.body.ops)

    def place_pipeline(self) -> str:
        devices = ",".join(backend_devices()) if self.backend == "xla" else ""
        soft = str(self.allow_soft_placement).lower()
        return (f"place{{devices={devices},policy={self.policy},allow_soft_placement={soft},"
                f"default_device={canonical_device(self.default_device)}}}")

    def partition_pipeline(self) -> str:
        schedule = ",schedule" if "schedule" in available_passes() else ""
        return f"{self.place_pipeline()},partition{schedule}"


__all__ = ["Placement"]
