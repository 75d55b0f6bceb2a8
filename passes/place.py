"""``place``: give every top-level op of the entry function a device (``tfc.device``).

Before (``place{devices=2}``; the constant and the multiply were placed by nobody)::

    %h = "tfc.tanh"(%x) {tfc.device = "cpu:1"} : (tensor<4xf32>) -> tensor<4xf32>
    %c = "tfc.constant"() {value = dense<3.0> : tensor<4xf32>} : () -> tensor<4xf32>
    %y = "tfc.multiply"(%h, %c) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>

After: all three carry ``tfc.device = "cpu:1"``.

The rules, in order (TensorFlow's placer, minus its kernel registry):

1. **Explicit**: a ``tfc.device`` the op already has (from ``tfc.device(...)`` scopes, GraphDef
   ``device`` fields). It must name one of ``devices``; otherwise a :class:`PlacementError` naming
   the op, or, with ``allow_soft_placement``, a warning and the op is placed as if unplaced.
2. **Colocation**: ops naming a group in ``tfc.colocate`` (TensorFlow's ``_class = ["loc:@h1"]``),
   the ops called ``h1`` (their location's name), and a variable's handle with every op using it
   (its reads and updates), share one device. Two explicit devices in one group are an error (soft:
   the first in program order wins, with a warning).
3. **Host**: an op no XLA backend can compile (its op has no lowering, or a result shape is not
   static) goes to ``host``, the numpy interpreter.
4. **Policy** for the rest. ``inputs`` (the default) follows the data: an op goes where most of its
   operands' bytes are (ties: the first operand's device); an op whose operands are all arguments or
   unplaced (constants) goes where its first placed user is, else to ``default_device``. ``balance``
   is cost-based, for model parallelism: in program order, each op goes to the device minimizing
   ``bytes_cost`` x the bytes it would have to receive + the FLOPs by which it would overfill the
   device's share (total / devices, +5%), FLOPs as the op's ``flops`` hook estimates them (one per
   result element by default): a chain is cut into equal pieces, independent towers spread out;
   constants still follow their users.

Ops inside regions run with their parent; only the entry function's top-level ops are placed. The
pass is linear in the ops (union-find over colocation groups, one forward and one backward walk).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from tfc.attributes import StringAttr
from tfc.device_spec import COLOCATE_ATTR, DEVICE_ATTR, DeviceError, DeviceSpec
from tfc.diagnostics import VerifyError
from tfc.ir import Function, Module, Operation, Value
from tfc.location import NameLoc
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup
from tfc.types import ResourceType, TensorType

log = logging.getLogger("tfc")
HOST = "host"
POLICIES = ("inputs", "balance")


class PlacementError(VerifyError):
    """An op asks for a device that does not exist, or a colocation group for two devices."""


def device_list(text: str) -> list[str]:
    """``"2"`` -> cpu:0, cpu:1; ``"cpu:0,gpu:0"`` -> those (short names); DeviceError for a bad one."""
    text = text.strip()
    if text.isdigit():
        return [f"cpu:{i}" for i in range(int(text))]
    names = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name = DeviceSpec.parse(part).name
        if name is None:
            raise DeviceError(f"bad device '{part}' in a device list: it names no device type")
        names.append(name)
    return names


def op_bytes(value: Value) -> int:
    """Bytes of a statically shaped tensor value (0 for anything else)."""
    t = value.type
    if not isinstance(t, TensorType) or not t.is_static:
        return 0
    return int(np.prod(t.shape, dtype=np.int64)) * t.dtype.numpy.itemsize


def op_flops(op: Operation) -> int:
    """The op's estimated arithmetic: its ``flops`` hook, or one per result element."""
    opdef = lookup(op.name)
    if opdef is not None and opdef.flops is not None:
        return opdef.flops(op)
    return sum(int(np.prod(r.type.shape, dtype=np.int64)) for r in op.results if isinstance(r.type, TensorType) and r.type.is_static)


@register_pass
@dataclass(frozen=True)
class Place(Pass):
    """Assign a device to every top-level op of the entry function (see the module docstring)."""

    name = "place"
    devices: str = ""
    """The devices to place on: a count (``2`` = cpu:0, cpu:1) or a list (``cpu:0,cpu:1``). Empty:
    the devices the ops ask for, plus ``default_device``. ``host`` is always available."""
    policy: str = "inputs"
    """``inputs`` (follow the data) or ``balance`` (spread estimated FLOPs, for model parallelism)."""
    allow_soft_placement: bool = False
    """TensorFlow's name: a device that does not exist, or a colocation conflict, warns instead of failing."""
    default_device: str = "cpu:0"
    """Where an op goes that nothing else decides (no placed inputs or users)."""
    bytes_cost: float = 4.0
    """``balance``: how many FLOPs receiving one byte costs."""
    entry: str = "main"

    def run(self, module: Module) -> None:
        if self.policy not in POLICIES:
            raise PlacementError(f"unknown policy '{self.policy}' (expected {' or '.join(POLICIES)})")
        function = module.function(self.entry)
        ops = function.body.ops[:-1]
        available = self._available(ops)
        placer = _Placer(self, available, ops)
        placer.place_explicit()
        if self.policy == "balance":
            placer.balance()
        else:
            placer.follow_inputs()
        placer.follow_users()
        for op in ops:
            op.attributes[DEVICE_ATTR] = StringAttr(placer.device[op])

    def _available(self, ops: list[Operation]) -> list[str]:
        default = DeviceSpec.parse(self.default_device).name
        if self.devices.strip():
            names = device_list(self.devices)
        else:
            names = [default, *(op.attr(DEVICE_ATTR) for op in ops if op.attr(DEVICE_ATTR))]
        return list(dict.fromkeys([*names, HOST]))


def _location_name(op: Operation) -> str | None:
    location = op.location
    return location.name if isinstance(location, NameLoc) else None


def _needs_host(op: Operation) -> bool:
    """XLA cannot compile it: no lowering, or a result whose shape is only known when it runs."""
    opdef = lookup(op.name)
    if opdef is None or opdef.lower is None:
        return opdef is not None
    return any(isinstance(r.type, TensorType) and not r.type.is_static for r in op.results)


class ColocationGroups:
    """Union-find over ops that must share a device."""

    def __init__(self, ops: list[Operation]):
        self.parent = {op: op for op in ops}

    def find(self, op: Operation) -> Operation:
        root = op
        while self.parent[root] is not root:
            root = self.parent[root]
        while self.parent[op] is not root:
            self.parent[op], op = root, self.parent[op]
        return root

    def join(self, a: Operation, b: Operation) -> None:
        self.parent[self.find(b)] = self.find(a)

    @staticmethod
    def of(ops: list[Operation]) -> ColocationGroups:
        """Colocation groups (``tfc.colocate`` names and the ops so named) and variables with their users."""
        groups = ColocationGroups(ops)
        named: dict[str, Operation] = {}
        for op in ops:
            for group in op.attr(COLOCATE_ATTR, ()):
                anchor = named.setdefault(group, op)
                groups.join(anchor, op)
        for op in ops:
            name = _location_name(op)
            if name in named:
                groups.join(named[name], op)
            for value in op.operands:
                if isinstance(value.type, ResourceType) and getattr(value, "op", None) in groups.parent:
                    groups.join(value.op, op)
        return groups


class _Placer:
    def __init__(self, options: Place, available: list[str], ops: list[Operation]):
        self.options, self.available, self.ops = options, available, ops
        self.device: dict[Operation, str] = {}
        self.group_device: dict[Operation, str] = {}
        self.groups = ColocationGroups.of(ops)
        self.load = dict.fromkeys(available, 0)

    def warn_or_fail(self, message: str, op: Operation) -> None:
        if not self.options.allow_soft_placement:
            raise PlacementError(message + " (allow_soft_placement falls back instead)", op.name, op.location)
        log.warning("%s: warning: '%s' op %s; placing it by policy (allow_soft_placement)", op.location.describe(), op.name, message)

    def place_explicit(self) -> None:
        """Rules 1-3: requested devices (checked), their groups, and host-only ops."""
        for op in self.ops:
            wanted = HOST if _needs_host(op) else op.attr(DEVICE_ATTR)
            if wanted is None:
                continue
            if wanted not in self.available:
                self.warn_or_fail(f"asks for device '{wanted}', which does not exist (devices: {', '.join(self.available)})", op)
                continue
            root = self.groups.find(op)
            chosen = self.group_device.setdefault(root, wanted)
            if chosen != wanted:
                self.warn_or_fail(f"is on '{wanted}' but is colocated with ops on '{chosen}'", op)
        for op in self.ops:
            chosen = self.group_device.get(self.groups.find(op))
            if chosen is not None:
                self.assign(op, chosen)

    def assign(self, op: Operation, device: str) -> None:
        self.device[op] = device
        self.group_device.setdefault(self.groups.find(op), device)
        self.load[device] = self.load.get(device, 0) + op_flops(op)

    def grouped(self, op: Operation) -> str | None:
        return self.group_device.get(self.groups.find(op))

    def follow_inputs(self) -> None:
        """Policy ``inputs``, forward: where most of the operands' bytes are."""
        for op in self.ops:
            if op in self.device:
                continue
            chosen = self.grouped(op) or self.heaviest_input(op)
            if chosen is not None:
                self.assign(op, chosen)

    def heaviest_input(self, op: Operation) -> str | None:
        weight: dict[str, int] = {}
        for value in op.operands:
            producer = getattr(value, "op", None)
            device = self.device.get(producer)
            if device is not None:
                weight[device] = weight.get(device, 0) + op_bytes(value) + 1  # first seen wins ties
        return max(weight, key=weight.__getitem__) if weight else None

    def balance(self) -> None:
        """Policy ``balance``: stay with the inputs (receiving a byte costs ``bytes_cost`` FLOPs) until
        a device holds its share of the FLOPs (the total over the devices, plus 5%); past that, each
        FLOP costs one. Ties go to the least loaded device. A chain is cut into equal contiguous
        pieces (layer per device); independent towers land on different devices."""
        candidates = [d for d in self.available if d != HOST]
        work = [op for op in self.ops if not self.is_constant(op)]
        share = 1.05 * sum(op_flops(op) for op in work) / max(len(candidates), 1)
        for op in work:
            if op in self.device:
                continue
            chosen = self.grouped(op)
            if chosen is None:
                flops = op_flops(op)
                chosen = min(candidates, key=lambda d: (self.options.bytes_cost * self.incoming(op, d)
                                                        + max(0.0, self.load[d] + flops - share), self.load[d], candidates.index(d)))
            self.assign(op, chosen)

    def incoming(self, op: Operation, device: str) -> int:
        return sum(op_bytes(v) for v in op.operands if self.device.get(getattr(v, "op", None), device) != device)

    @staticmethod
    def is_constant(op: Operation) -> bool:
        opdef = lookup(op.name)
        return opdef is not None and opdef.has(Trait.CONSTANT_LIKE)

    def follow_users(self) -> None:
        """Backward: what is still unplaced goes where its first placed user is, else the default."""
        default = DeviceSpec.parse(self.options.default_device).name
        for op in reversed(self.ops):
            if op in self.device:
                continue
            chosen = self.grouped(op)
            if chosen is None:
                users = [self.device.get(_top_level(user, self.device)) for r in op.results for user in r.users]
                chosen = next((d for d in users if d is not None), default)
            self.assign(op, chosen)


def _top_level(op: Operation, placed: dict) -> Operation:
    """The top-level op ``op`` is nested in (itself when it is top-level)."""
    while op not in placed and op.parent_op is not None and op.parent_op.name != "func.func":
        op = op.parent_op
    return op


def op_elsewhere(function: Function, home: str) -> Operation | None:
    """The first top-level op of ``function`` that asks for a device other than ``home`` (a program
    with one spans devices and needs placing); None when every op runs at home."""
    return next((op for op in function.body.ops if op.attr(DEVICE_ATTR, home) != home), None)


def placement_pipeline(devices: str, default_device: str, *, entry: str = "main", partition: bool = False,
                       policy: str = "inputs", allow_soft_placement: bool = False) -> str:
    """The pipeline text that places ``entry`` (then partitions and schedules it): one spelling for
    sessions and ``@tfc.compile``."""
    soft = str(allow_soft_placement).lower()
    text = (f"place{{devices={devices},policy={policy},allow_soft_placement={soft},"
            f"default_device={default_device},entry={entry}}}")
    return text + (f",partition{{entry={entry}}},schedule" if partition else "")


def placed_devices(function: Function) -> list[str]:
    """The devices a placed function's ops are on, in first-use order."""
    return list(dict.fromkeys(op.attr(DEVICE_ATTR) for op in function.body.ops[:-1]))


__all__ = ["HOST", "POLICIES", "ColocationGroups", "Place", "PlacementError", "device_list", "op_bytes", "op_elsewhere", "op_flops", "placed_devices",
           "placement_pipeline"]
