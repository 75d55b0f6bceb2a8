"""Running a partitioned program: each segment on its device, transfers between them.

Every segment (:mod:`.segments`) is compiled for its device (XLA) or prepared for the interpreter
(``host``, and every device with ``backend="interp"``); identical segments share one compile. A
call dispatches the segments in level order without waiting: XLA runs each as soon as its inputs
are ready, so partitions run concurrently. A value moves between host devices through host memory
below 8 MB (the dispatcher waits for it: ~6 us against ~40 us of copy latency) and by an
asynchronous device-to-device copy above, which overlaps compute (``jaxlib_adapter.move_to_device``).
A ``host`` segment waits for its inputs (numpy needs the values).
With ``profile`` on, each segment is waited for and timed instead, for :class:`DeviceStats`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from tfc.device_spec import ARGUMENTS_ATTR, RESULTS_ATTR
from tfc.diagnostics import BackendError
from tfc.ir import BlockArgument, Module

from .segments import Segment, cut, partitions_of, program_type

HOST = "host"


@dataclass
class DeviceStats:
    """What ran where: per device its op count and the time its segments took (profiled calls only),
    and the transfers between devices (count and bytes, every call)."""

    ops: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    transfers: int = 0
    transfer_bytes: int = 0
    calls: int = 0

    def lines(self) -> list[str]:
        """``cpu:0: ops 12, time 0.41 ms`` per device, then ``transfers: 2, 1024 bytes`` (per call)."""
        calls = max(self.calls, 1)
        out = [f"{device}: ops {count}, time {self.seconds.get(device, 0.0) * 1e3 / calls:.3f} ms"
               for device, count in sorted(self.ops.items())]
        out.append(f"transfers: {self.transfers // calls}, {self.transfer_bytes // calls} bytes")
        return out


class PartitionedProgram:
    """Program ``entry`` of a partitioned module, ready to call with the program's arguments."""

    def __init__(self, module: Module, entry: str, backend: str, load_one):
        partitions = partitions_of(module, entry)
        if not partitions:
            raise BackendError(f"@{entry} has no partitions")
        self.type = program_type(partitions)
        self.segments = cut(partitions)
        self.runners = [self._load(segment, backend, load_one) for segment in self.segments]
        self.direct = argument_results(partitions)
        self.moves = [0, 0]  # transfers and bytes per call (the shapes are static)
        last_reader = {source: i for i, segment in enumerate(self.segments) for source in segment.inputs if source[0] != "arg"}
        self.plan = [(segment, runner, self._fetchers(segment, runner, [last_reader.get(s) == i for s in segment.inputs]))
                     for i, (segment, runner) in enumerate(zip(self.segments, self.runners))]
        self.stats = DeviceStats()
        for segment in self.segments:
            self.stats.ops[segment.device] = self.stats.ops.get(segment.device, 0) + segment.ops
        self.profile = False
        self._lock = threading.Lock()

    @staticmethod
    def _load(segment: Segment, backend: str, load_one):
        on_host = segment.device == HOST or backend == "interp"
        return load_one(segment.module, "interp" if on_host else "xla", None if on_host else segment.device)

    def __call__(self, *args) -> list:
        if len(args) != len(self.type.inputs):
            raise TypeError(f"expected {len(self.type.inputs)} arguments, got {len(args)}")
        env: dict = {}
        done: dict[str, list] = {}  # control token key -> the sending segment's outputs
        for segment, runner, fetchers in self.plan:
            for key in segment.waits_for:
                _wait(done.get(key, ()))
            outputs = self._run(segment, runner, [fetch(args, env) for fetch in fetchers])
            for destination, value in zip(segment.outputs, outputs):
                env[destination] = value
            for key in segment.sends_tokens:
                done[key] = outputs
        with self._lock:
            self.stats.calls += 1
            self.stats.transfers += self.moves[0]
            self.stats.transfer_bytes += self.moves[1]
        return [env[("result", i)] if i not in self.direct else args[self.direct[i]] for i in range(len(self.type.results))]

    def _fetchers(self, segment: Segment, runner, last: list[bool]) -> list:
        """Per input of ``segment``, how a call gets it: a program argument put on the device, a
        value an earlier segment left there, or a value moved from another device. A value's last
        reader takes it out of the call's environment, so it is freed as soon as it can be (the
        ``schedule`` pass's memory order holds across segments too)."""
        fetchers = []
        for source, final in zip(segment.inputs, last):
            kind, what = source
            get = dict.pop if final else dict.__getitem__
            if kind == "arg":
                fetchers.append(lambda args, env, i=what, place=runner.place: place(args[i]))
            elif kind == "value":
                fetchers.append(lambda args, env, key=source, get=get: get(env, key))
            else:
                origin, size = segment.transfers[what]
                self.moves[0] += 1
                self.moves[1] += size
                fetchers.append(lambda args, env, key=source, get=get, origin=origin, size=size, move=runner.move:
                                move(get(env, key), origin, size))
        return fetchers

    def _run(self, segment: Segment, runner, inputs: list) -> list:
        if not self.profile:
            return runner.call(*inputs)
        _wait(inputs)
        start = time.perf_counter()
        outputs = runner.call(*inputs)
        _wait(outputs)
        with self._lock:
            self.stats.seconds[segment.device] = self.stats.seconds.get(segment.device, 0.0) + time.perf_counter() - start
        return outputs


@dataclass(frozen=True)
class Runner:
    """One loaded segment: ``call(*inputs)``; ``place(value)``: a program argument on its device;
    ``move(value, source device, bytes)``: a value from another device onto its device."""

    call: object
    place: object
    move: object


def argument_results(partitions) -> dict[int, int]:
    """Program results that are program arguments: result index -> argument index."""
    direct = {}
    for f in partitions:
        arguments = f.op.attr(ARGUMENTS_ATTR)
        for index, value in zip(f.op.attr(RESULTS_ATTR), f.return_op.operands):
            if isinstance(value, BlockArgument):
                direct[index] = arguments[value.index]
    return direct


def _wait(values) -> None:
    for value in values:
        ready = getattr(value, "block_until_ready", None)
        if ready is not None:
            ready()


__all__ = ["DeviceStats", "PartitionedProgram", "Runner", "argument_results"]
