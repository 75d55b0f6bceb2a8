"""Device names: tfc's short form (``cpu:1``, ``gpu:0``, ``host``) and TensorFlow's full and partial
forms (``/device:CPU:1``, ``/job:localhost/replica:0/task:0/device:CPU:1``, ``/cpu:0``, ``/job:ps``).

A :class:`DeviceSpec` is what a ``device`` field or a ``tfc.device(...)`` scope says; any part may be
missing (a partial spec). ``merged`` is TensorFlow's rule for nested scopes: the inner spec's parts
win, the outer fills the rest. ``name`` is the canonical short form placement and partitioning use.
``host`` is not an XLA device: it runs ops on the numpy interpreter.

>>> DeviceSpec.parse("/job:localhost/replica:0/task:0/device:CPU:1").name
'cpu:1'
>>> DeviceSpec.parse("gpu").merged(DeviceSpec.parse("/job:worker/task:1")).full
'/job:worker/task:1/device:GPU:*'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .diagnostics import TfcError

DEVICE_TYPES = ("cpu", "gpu", "tpu", "host")
DEVICE_ATTR = "tfc.device"
"""An op's device in the IR (a short name): what the user asked for, then what ``place`` chose."""
TASK_ATTR = "tfc.task"
"""The task of a cluster an op asks for (``/job:ps/task:0``), when its device names one: ops of
another process's task run there (the ``place-tasks`` pass)."""
COLOCATE_ATTR = "tfc.colocate"
"""Names of the ops an op must share a device with (TensorFlow's ``_class = ["loc:@name"]``)."""
PARTITION_OF, ARGUMENTS_ATTR, RESULTS_ATTR, PROGRAM_TYPE_ATTR = "tfc.partition_of", "tfc.arguments", "tfc.results", "tfc.program_type"
"""What a partition function of a program says about itself (see the ``partition`` pass): the program
it belongs to, which of the program's arguments it takes and results it returns, the program's type."""
_SHORT = re.compile(r"^(?P<type>[a-z]+)(?::(?P<index>\d+|\*))?$", re.IGNORECASE)
_PART = re.compile(r"^(?P<key>job|replica|task|device):(?P<value>.+)$")


class DeviceError(TfcError):
    """A device string that does not parse, or names a device this process does not have."""


@dataclass(frozen=True)
class DeviceSpec:
    """A (possibly partial) device name; None marks a missing part."""

    job: str | None = None
    replica: int | None = None
    task: int | None = None
    device_type: str | None = None
    index: int | None = None

    @staticmethod
    def parse(text: str) -> DeviceSpec:
        """``text`` in any of the accepted forms (the empty string is the empty spec); DeviceError
        naming the string and what was expected otherwise."""
        if not isinstance(text, str):
            raise DeviceError(f"a device must be a string like 'cpu:1' or '/device:CPU:1', got {type(text).__name__}")
        stripped = text.strip()
        if not stripped:
            return DeviceSpec()
        if not stripped.startswith("/"):
            return _short(stripped, text)
        spec = DeviceSpec()
        for part in stripped[1:].split("/"):
            spec = _with_part(spec, part, text)
        return spec

    @property
    def name(self) -> str | None:
        """``cpu:1`` (index 0 when only the type is given); None without a device type."""
        if self.device_type is None:
            return None
        return self.device_type if self.device_type == "host" else f"{self.device_type}:{self.index or 0}"

    @property
    def full(self) -> str:
        """TensorFlow's form of the parts given (``*`` for a missing index)."""
        parts = [f"{key}:{value}" for key, value in (("job", self.job), ("replica", self.replica), ("task", self.task)) if value is not None]
        if self.device_type is not None:
            index = "*" if self.index is None else self.index
            parts.append(f"device:{self.device_type.upper()}" + ("" if self.device_type == "host" else f":{index}"))
        return "/" + "/".join(parts) if parts else ""

    def merged(self, outer: DeviceSpec) -> DeviceSpec:
        """This spec inside ``outer``'s scope: its own parts win, ``outer`` fills the missing ones
        (a new device type drops the outer index)."""
        same_type = self.device_type is None or self.device_type == outer.device_type
        return DeviceSpec(
            job=self.job if self.job is not None else outer.job,
            replica=self.replica if self.replica is not None else outer.replica,
            task=self.task if self.task is not None else outer.task,
            device_type=self.device_type if self.device_type is not None else outer.device_type,
            index=self.index if self.index is not None else (outer.index if same_type else None),
        )


def _expected(text: str) -> str:
    return (f"bad device string {text!r}: expected 'cpu:1', 'gpu:0', 'host', or TensorFlow's "
            "'/job:NAME/replica:N/task:N/device:TYPE:N' (any part may be left out)")


def _device_type(name: str, text: str) -> str:
    lowered = name.lower()
    if lowered not in DEVICE_TYPES:
        raise DeviceError(f"{_expected(text)}; unknown device type '{name}' (known: {', '.join(DEVICE_TYPES)})")
    return lowered


def _short(short: str, text: str) -> DeviceSpec:
    match = _SHORT.match(short)
    if match is None:
        raise DeviceError(_expected(text))
    index = match.group("index")
    return DeviceSpec(device_type=_device_type(match.group("type"), text), index=None if index in (None, "*") else int(index))


def _with_part(spec: DeviceSpec, part: str, text: str) -> DeviceSpec:
    """``spec`` with one ``/``-separated part of a full name added (``job:x``, ``device:CPU:1``, ``cpu:0``)."""
    match = _PART.match(part)
    key, value = (match.group("key"), match.group("value")) if match else ("device", part)
    if key == "device":
        found = _short(value, text)
        return replace(spec, device_type=found.device_type, index=found.index)
    if key == "job":
        if not re.fullmatch(r"[A-Za-z][\w.-]*", value):
            raise DeviceError(f"{_expected(text)}; bad job name '{value}'")
        return replace(spec, job=value)
    if not value.isdigit():
        raise DeviceError(f"{_expected(text)}; {key} must be a number, got '{value}'")
    return replace(spec, **{key: int(value)})


def canonical_device(text: str) -> str | None:
    """The short name (``cpu:1``) of a device string; None when it names no device type (``/job:ps``)."""
    return DeviceSpec.parse(text).name


def task_of(text: str) -> str | None:
    """The job and task of a device string (``/job:ps/task:0/device:CPU:0`` -> ``/job:ps/task:0``,
    ``/job:ps`` -> ``/job:ps``); None when it names no job."""
    spec = DeviceSpec.parse(text)
    if spec.job is None:
        return None
    return f"/job:{spec.job}" + ("" if spec.task is None else f"/task:{spec.task}")


__all__ = ["ARGUMENTS_ATTR", "COLOCATE_ATTR", "DEVICE_ATTR", "PARTITION_OF", "PROGRAM_TYPE_ATTR", "RESULTS_ATTR", "TASK_ATTR", "task_of",
           "DEVICE_TYPES", "DeviceError", "DeviceSpec", "canonical_device"]
