"""``partition``: split a placed entry function into one function per device, joined by transfers.

Before (placed; ``%h`` is made on cpu:0 and used on cpu:1)::

    ^bb0(%x: tensor<4xf32>):
      %h = "tfc.exp"(%x) {tfc.device = "cpu:0"} : (tensor<4xf32>) -> tensor<4xf32>
      %y = "tfc.tanh"(%h) {tfc.device = "cpu:1"} : (tensor<4xf32>) -> tensor<4xf32>
      "func.return"(%y) : (tensor<4xf32>) -> ()
    }) {function_type = (tensor<4xf32>) -> tensor<4xf32>, sym_name = "main"}

After: ``@main.cpu0`` computes ``%h`` and sends it (``tfc.send {key = "h->cpu:1", to = "cpu:1"}``)
right after it is made; ``@main.cpu1`` receives it (``tfc.recv {key = "h->cpu:1", from = "cpu:0"}``)
right before its first use and returns ``%y``. Each partition says what it is:
``tfc.partition_of = "main"``, its ``tfc.device``, which program arguments it takes
(``tfc.arguments``, indices into the original signature) and which results it returns
(``tfc.results``), and the program's signature (``tfc.program_type``).

One transfer per value and destination device, however many ops there use it; a constant (a pure
op that needs nothing) is not transferred but made again on each device that uses it. A value used inside
an op's regions counts as a use by the op. Side effects keep program order across devices: when a
side-effecting op follows one on another device, the earlier device sends a ``!tfc.token`` (a
``tfc.token`` op, then a send) and the later one receives it before its op: a control edge. An
argument goes to every partition that uses it (the runtime puts it there); a result that is an
argument is returned by the first partition. Linear in the ops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tfc.attributes import DenseArrayAttr, StringAttr, TypeAttr
from tfc.builder import Builder
from tfc.clone import clone_op
from tfc.device_spec import ARGUMENTS_ATTR, COLOCATE_ATTR, DEVICE_ATTR, PARTITION_OF, PROGRAM_TYPE_ATTR, RESULTS_ATTR, DeviceSpec
from tfc.diagnostics import VerifyError
from tfc.effects import has_side_effects, is_pure
from tfc.ir import BlockArgument, Function, Module, Operation, Value, uses_from_block
from tfc.passmanager import Pass, register_pass
from tfc.types import DType, FunctionType, TokenType


class PartitionError(VerifyError):
    """An op of the entry function has no device: run ``place`` first."""


@register_pass
@dataclass(frozen=True)
class Partition(Pass):
    """One function per device with send/recv pairs on cross-device edges (see the module docstring)."""

    name = "partition"
    entry: str = "main"

    def run(self, module: Module) -> None:
        function = module.function(self.entry)
        partitions = _Partitioner(function).build()
        index = module.body.ops.index(function.op)
        function.op.erase()
        for offset, part in enumerate(partitions):
            module.body.insert(index + offset, part.op)


def partition_name(entry: str, device: str) -> str:
    """``main`` on ``cpu:1`` -> ``main.cpu1``; on another task's device (``/job:ps/task:0/device:CPU:0``)
    -> ``main.ps0.cpu0`` (a plain symbol name)."""
    spec = DeviceSpec.parse(device)
    if spec.job is None:
        return f"{entry}.{device.replace(':', '')}"
    return f"{entry}.{spec.job}{spec.task or 0}.{(spec.name or 'cpu:0').replace(':', '')}"


def _copied(op: Operation) -> bool:
    """Ops each device makes for itself instead of receiving their value: pure ops that need
    nothing (constants, iotas) cost less to compute again than to transfer."""
    return not op.operands and not op.regions and bool(op.results) and is_pure(op)


def _device_order(name: str) -> tuple:
    """cpu:0, cpu:1, ..., cpu:10, gpu:0, ..., host, then other tasks' devices: partitions print in this order."""
    spec = DeviceSpec.parse(name)
    return (spec.job is not None, spec.job or "", spec.task or 0, spec.device_type == "host", spec.device_type or "", spec.index or 0)


@dataclass
class _Part:
    device: str
    function: Function
    mapping: dict = field(default_factory=dict)
    arguments: list[int] = field(default_factory=list)
    results: list[tuple[int, Value]] = field(default_factory=list)

    @property
    def builder(self) -> Builder:
        return Builder(self.function.body)


class _Partitioner:
    def __init__(self, function: Function):
        self.function = function
        self.ops = function.body.ops[:-1]
        self.device: dict[Operation, str] = {}
        for op in self.ops:
            device = op.attr(DEVICE_ATTR)
            if device is None:
                raise PartitionError("has no device: run the place pass before partition", op.name, op.location)
            self.device[op] = device
        self.devices = sorted(set(self.device.values()), key=_device_order) or ["cpu:0"]
        self.needed_on: dict[Value, dict[str, None]] = {}  # value -> the other devices using it, in first-use order
        self.keys: set[str] = set()
        self.suffixes: dict[str, int] = {}  # key base -> the last number given
        self.sent: dict[tuple[Value, str], tuple[str, str]] = {}  # (value, destination) -> (key, source device)
        self.received: dict[tuple[Value, str], Value] = {}

    def build(self) -> list[Function]:
        argument_users = self.scan_uses()
        results = self.assign_results(argument_users)
        parts = {d: self.new_part(d, argument_users) for d in self.devices}
        previous_effect: Operation | None = None
        for op in self.ops:
            part = parts[self.device[op]]
            if has_side_effects(op):
                self.order_after(previous_effect, op, parts)
                previous_effect = op
            for value in self.outer_values(op):
                self.receive(value, part)
            clone = clone_op(op, part.mapping)
            for key in (DEVICE_ATTR, COLOCATE_ATTR):  # placement is done: the function says where
                clone.attributes.pop(key, None)
            part.function.body.append(clone)
            self.send_results(op, part)
        for index, (device, value) in enumerate(results):
            parts[device].results.append((index, value))
        return [self.finish(parts[d]) for d in self.devices]

    def outer_values(self, op: Operation) -> list[Value]:
        """Values defined in the entry block that ``op`` or its regions use, in first-use order."""
        return uses_from_block(op, self.function.body)

    def scan_uses(self) -> dict[int, dict[str, None]]:
        """Which devices use each argument; which other devices use each op result."""
        argument_users: dict[int, dict[str, None]] = {}
        for op in self.ops:
            device = self.device[op]
            for value in self.outer_values(op):
                if isinstance(value, BlockArgument):
                    argument_users.setdefault(value.index, {})[device] = None
                elif self.device[value.op] != device and not _copied(value.op):
                    self.needed_on.setdefault(value, {})[device] = None
        return argument_users

    def assign_results(self, argument_users: dict[int, dict[str, None]]) -> list[tuple[str, Value]]:
        """The device returning each program result: where it is made (an argument: the first partition)."""
        placed = []
        for value in self.function.return_op.operands:
            if isinstance(value, BlockArgument):
                device = self.devices[0]
                argument_users.setdefault(value.index, {})[device] = None
            else:
                device = self.device[value.op]
            placed.append((device, value))
        return placed

    def new_part(self, device: str, argument_users: dict[int, dict[str, None]]) -> _Part:
        indices = [i for i in range(len(self.function.args)) if device in argument_users.get(i, ())]
        args = [self.function.args[i] for i in indices]
        function = Function.create(partition_name(self.function.name, device), [a.type for a in args], [],
                                   [a.name_hint for a in args], self.function.op.location)
        part = _Part(device, function, arguments=indices)
        for old, new in zip(args, function.args):
            part.mapping[old] = new
        return part

    def key(self, value: Value, device: str) -> str:
        """``name->device``, numbered ``#1``, ``#2``... when the name repeats (a counter per name: linear)."""
        base = f"{value.name_hint or 'v'}->{device}"
        key = base
        while key in self.keys:
            self.suffixes[base] = self.suffixes.get(base, 0) + 1
            key = f"{base}#{self.suffixes[base]}"
        self.keys.add(key)
        return key

    def send_results(self, op: Operation, part: _Part) -> None:
        """Right after ``op``: a send of each result to each other device that uses it."""
        for value in op.results:
            for device in self.needed_on.get(value, ()):
                key = self.key(value, device)
                part.builder.create("tfc.send", [part.mapping[value]], {"key": key, "to": device}, location=op.location)
                self.sent[(value, device)] = (key, part.device)

    def receive(self, value: Value, part: _Part) -> None:
        """Before the first use on ``part``'s device of a value made elsewhere: its receive (or, for
        a constant, a copy of the op that makes it)."""
        if value in part.mapping or isinstance(value, BlockArgument):
            return
        if _copied(value.op):
            copy = clone_op(value.op, part.mapping)
            for key in (DEVICE_ATTR, COLOCATE_ATTR):
                copy.attributes.pop(key, None)
            part.function.body.append(copy)
            return
        if (value, part.device) not in self.sent or (value, part.device) in self.received:
            return
        key, source = self.sent[(value, part.device)]
        recv = part.builder.create("tfc.recv", [], {"key": key, "from": source}, [value.type], location=value.op.location,
                                   name_hint=value.name_hint)
        part.mapping[value] = recv.result
        self.received[(value, part.device)] = recv.result

    def order_after(self, earlier: Operation | None, op: Operation, parts: dict[str, _Part]) -> None:
        """A control edge: ``op``'s side effect waits for ``earlier``'s on another device."""
        if earlier is None or self.device[earlier] == self.device[op]:
            return
        source, target = parts[self.device[earlier]], parts[self.device[op]]
        token = source.builder.create("tfc.token", [], {}, [TokenType()], location=earlier.location, name_hint="ctrl")
        key = self.key(token.result, target.device)
        source.builder.create("tfc.send", [token.result], {"key": key, "to": target.device}, location=earlier.location)
        target.builder.create("tfc.recv", [], {"key": key, "from": source.device}, [TokenType()], location=op.location,
                              name_hint="ctrl")

    def finish(self, part: _Part) -> Function:
        """Return the partition's results; record what it is."""
        values = [part.mapping[v] for _, v in part.results]
        part.builder.create("func.return", values, {}, [], location=self.function.return_op.location)
        part.function.set_type(FunctionType(tuple(a.type for a in part.function.args), tuple(v.type for v in values)))
        attributes = part.function.op.attributes
        attributes[PARTITION_OF] = StringAttr(self.function.name)
        attributes[DEVICE_ATTR] = StringAttr(part.device)
        attributes[ARGUMENTS_ATTR] = DenseArrayAttr(DType.i64, tuple(part.arguments))
        attributes[RESULTS_ATTR] = DenseArrayAttr(DType.i64, tuple(i for i, _ in part.results))
        attributes[PROGRAM_TYPE_ATTR] = TypeAttr(self.function.type)
        return part.function


__all__ = ["Partition", "PartitionError", "partition_name"]
