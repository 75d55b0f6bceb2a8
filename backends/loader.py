"""The one way the frontend and the runtime get a runnable function: ``load(module, backend=..., device=...)``.

``@tfc.compile``, ``Session`` and ``GraphSession`` all load through here, so choosing between the XLA
backend and the numpy interpreter, and donating buffers, is decided in one place. XLA is imported
only when it is asked for (importing jax costs about half a second).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tfc.diagnostics import BackendError
from tfc.ir import Module
from tfc.verifier import check_nesting

from .executor import PartitionedProgram, Runner
from .profiler import annotate
from .segments import partitions_of

BACKENDS = ("xla", "interp")


@dataclass(frozen=True)
class Loaded:
    """One function of a module, ready to run.

    ``call(*args)`` returns the list of results; ``call_single(*args)`` (for functions with exactly
    one result, else None) returns that result alone, without building a list. Arguments whose shape
    or dtype differ from the function's signature raise ``TypeError`` on both backends.
    """

    call: Callable[..., list]
    call_single: Callable | None
    backend: str
    device: str
    executor: PartitionedProgram | None = None
    """For a partitioned program: its executor (``executor.stats``; ``executor.profile = True`` times each device)."""
    executable: object = None
    """For XLA on one device: the executable itself, which :func:`dispatcher` can run without Python."""


def load(module: Module, *, backend: str = "xla", device: str = "cpu", donate: Sequence[int] = (), entry: str = "main") -> Loaded:
    """Compile (XLA) or prepare (interp) function ``entry`` of ``module``.

    ``donate``: argument positions whose buffers XLA may reuse for results (variables updated in
    place); the interpreter ignores it. Raises :class:`BackendError` for an unknown backend or device,
    and :class:`VerifyError` for IR nested deeper than ``tfc.limits`` allows (IR built in Python
    may never have been verified; both backends walk nested regions recursively).
    """
    check_nesting(module)
    with annotate("tfc.compile", backend=backend, entry=entry):
        if backend in BACKENDS and partitions_of(module, entry):
            return _load_partitioned(module, backend, entry)
        if backend == "xla":
            return _load_xla(module, device, donate, entry)
        if backend == "interp":
            return _load_interp(module, device, entry)
    raise BackendError(f"unknown backend '{backend}' (expected {' or '.join(repr(b) for b in BACKENDS)})")


def _load_xla(module: Module, device: str, donate: Sequence[int], entry: str) -> Loaded:
    from .xla.backend import compile_module

    compiled = compile_module(module, device, entry, donate=tuple(donate))
    return Loaded(compiled.call, compiled.call_single, "xla", device, executable=compiled.executable)


def _load_interp(module: Module, device: str, entry: str) -> Loaded:
    from .interp.interpreter import run

    function = module.function(entry)
    signature = [(tuple(a.type.shape), a.type.dtype.numpy) for a in function.args]

    def call(*args):
        arrays = [np.asarray(a) for a in args]
        if len(arrays) != len(signature):
            raise TypeError(f"expected {len(signature)} arguments, got {len(arrays)}")
        for i, (array, (shape, dtype)) in enumerate(zip(arrays, signature)):
            if array.shape != shape or array.dtype != dtype:  # as the XLA executable checks
                raise TypeError(f"argument {i}: expected {dtype}{list(shape)}, got {array.dtype}{list(array.shape)}")
        return run(module, arrays, entry)

    single = (lambda *args: call(*args)[0]) if len(function.type.results) == 1 else None
    return Loaded(call, single, "interp", device)


def _load_partitioned(module: Module, backend: str, entry: str) -> Loaded:
    """A program the ``partition`` pass split over devices: one executable per segment, run by the executor."""
    program = PartitionedProgram(module, entry, backend, _load_segment)
    single = (lambda *args: program(*args)[0]) if len(program.type.results) == 1 else None
    return Loaded(program, single, backend, ",".join(sorted(program.stats.ops)), program)


def _load_segment(module: Module, backend: str, device: str | None) -> Runner:
    if backend == "interp":
        loaded = _load_interp(module, "host", "main")
        return Runner(loaded.call, np.asarray, lambda value, source, size: np.asarray(value))
    from .xla.jaxlib_adapter import get_device, move_to_device, single_sharding, to_device

    loaded = _load_xla(module, device, (), "main")
    target = get_device(device)
    home = single_sharding(target)  # what this device's executables give their results

    def place(value):  # numpy goes in as it is: the executable copies it to its device itself
        if type(value) is np.ndarray or getattr(value, "sharding", None) is home:
            return value
        return to_device(value, target)

    def move(value, source: str, size: int):
        if isinstance(value, np.ndarray):  # made by a host segment
            return to_device(value, target)
        return move_to_device(value, target, size, from_host_platform=source.startswith("cpu"))

    return Runner(loaded.call, place, move)


def load_replicated(module: Module, *, devices: Sequence[str], split_args: Sequence[int | None], split_results: Sequence[int | None],
                    backend: str = "xla", donate: Sequence[int] = (), entry: str = "main") -> Loaded:
    """Function ``entry`` of ``module`` (one replica's program, as the ``shard-batch`` pass writes it)
    run as one replica per device of ``devices``, synchronously: data parallelism.

    ``call(*args)`` takes the whole arguments: one with a split axis in ``split_args`` is cut into
    ``len(devices)`` equal slices along it (replica i gets slice i), the others (None) go to every
    device. A result with a split axis in ``split_results`` is the replicas' results concatenated
    along it (numpy); a replicated one (None) is replica 0's (a device array on ``devices[0]``).
    Only the XLA backend runs replicas (BackendError otherwise); a whole argument that does not
    divide evenly is a TypeError naming it.

    ``devices`` may span processes (:func:`global_devices` after :func:`initialize_distributed`):
    then each process passes and gets only its part, the same rules over its own devices: its
    local shard of each split argument (cut over its devices), its rows of each split result, and
    a replicated result from its first device; the all-reduces cross processes. Every process
    must make the same calls, in the same order.
    """
    check_nesting(module)
    if backend != "xla":
        raise BackendError(f"replicated programs run on the XLA backend, not '{backend}'")
    from .xla.backend import compile_replicated, run_replicated

    executable = compile_replicated(module, list(devices), entry, tuple(donate))
    count = len(executable.local_devices)

    def call(*args):
        if len(args) != len(split_args):
            raise TypeError(f"expected {len(split_args)} arguments, got {len(args)}")
        shards = []
        for i, (arg, axis) in enumerate(zip(args, split_args)):
            if axis is None:
                shards.append([arg])
                continue
            array = np.asarray(arg)
            if array.ndim <= axis or array.shape[axis] % count:
                raise TypeError(f"argument {i}: expected a dimension {axis} that {count} devices share evenly, got shape {list(array.shape)}")
            shards.append(np.split(array, count, axis))
        outs = run_replicated(executable, shards, entry)
        return [values[0] if axis is None else np.concatenate([np.asarray(v) for v in values], axis) for values, axis in zip(outs, split_results)]

    single = (lambda *args: call(*args)[0]) if len(split_results) == 1 else None
    return Loaded(call, single, backend, ",".join(devices))


def dispatcher(general: Callable, name: str, backend: str = "xla") -> Callable:
    """A function calling ``general(*args, **kwargs) -> (result, executable, outs)`` and giving ``result``.

    For XLA it is jax's C++ dispatcher: once a call whose arguments were numpy or device arrays ran
    one executable (``Loaded.executable``) on them as they were, later calls with the same shapes
    and dtypes run it without any Python, at jax.jit's cost (the ``@tfc.compile`` hot path)."""
    if backend != "xla":
        return lambda *args, **kwargs: general(*args, **kwargs)[0]
    from .xla.jaxlib_adapter import front_dispatcher

    return front_dispatcher(general, name)


def device_put(array, device: str = "cpu"):
    """``array`` as an XLA device array on ``device`` (where variables live between calls)."""
    from .xla.jaxlib_adapter import JaxRuntimeError, to_device

    try:
        return to_device(array, device)
    except ValueError as err:
        raise BackendError(str(err)) from None
    except JaxRuntimeError as err:  # the device has no room for it
        raise BackendError(f"XLA could not place an array of {getattr(array, 'nbytes', '?')} bytes on {device}: {str(err).splitlines()[0]}") from None


def set_cpu_devices(count: int) -> None:
    """``cpu:0`` ... ``cpu:count-1`` as real XLA host devices (``TFC_CPU_DEVICES=N`` does the same). Call
    it before the first use of a device: XLA fixes the count when its CPU backend starts
    (BackendError after that, unless the count is the same)."""
    from .xla.jaxlib_adapter import set_cpu_devices as configure

    try:
        configure(count)
    except ValueError as err:
        raise BackendError(str(err)) from None


def devices() -> list[str]:
    """This process's devices: ``cpu:0``, ... (and ``gpu:N``/``tpu:N`` where jax has them); the same
    local names when processes are joined (:func:`global_devices` lists every process's)."""
    from .xla.jaxlib_adapter import available_devices

    try:
        return available_devices()
    except ValueError as err:  # a bad TFC_CPU_DEVICES
        raise BackendError(str(err)) from None


def initialize_distributed(coordinator_address: str, num_processes: int, process_id: int, timeout_s: float = 60) -> None:
    """Join ``num_processes`` processes into one system whose devices one replicated program spans
    (``@tfc.compile(devices="all")``); call it in every process before the first use of a device.

    Process 0 (the chief) runs the coordinator, listening on ``coordinator_address`` itself
    (``127.0.0.1:PORT`` stays on loopback); XLA's CPU collectives go through gloo, GPUs' through
    their own. Waiting is bounded by ``timeout_s``: a process that never comes is a BackendError
    naming it ("process 1 of 2 did not join the coordinator at 127.0.0.1:PORT within 60 s"), as are
    bad arguments and a call after this process has already used a device."""
    from .xla.jaxlib_adapter import initialize_distributed as join

    try:
        join(coordinator_address, num_processes, process_id, timeout_s)
    except (TimeoutError, ValueError) as err:
        raise BackendError(str(err)) from None
    except RuntimeError as err:  # jax's own failure (JaxRuntimeError is one): name where it was joining
        first = next((line for line in str(err).splitlines() if line.strip()), type(err).__name__)
        raise BackendError(f"process {process_id} of {num_processes} could not join the coordinator at {coordinator_address}: "
                           f"{first}") from None


def process_index() -> int:
    """This process's id among those :func:`initialize_distributed` joined (0, the chief, if none)."""
    from .xla.jaxlib_adapter import process_index as index

    return index()


def process_count() -> int:
    """How many processes :func:`initialize_distributed` joined (1 if it did not run)."""
    from .xla.jaxlib_adapter import process_count as count

    return count()


def global_devices() -> list[str]:
    """Every process's devices, process 0's first (``@tfc.compile(devices="all")``): this process's
    names (``cpu:0``, ...) when it runs alone; across processes ``/task:P/device:CPU:N``, device N of
    process P (:func:`devices` still lists this process's own as ``cpu:N``). Devices of jax's
    default platform: GPUs where present, else the host's."""
    from .xla.jaxlib_adapter import global_devices as listed

    try:
        return listed()
    except ValueError as err:  # a bad TFC_CPU_DEVICES
        raise BackendError(str(err)) from None


def broadcast_from_chief(values: Sequence, devices: Sequence[str] | None = None) -> list[np.ndarray]:
    """``values`` (arrays) as process 0 holds them, in every process, exactly (so replicas start
    equal). Every process must call it with values of the same shapes and dtypes; ``devices``
    (default: :func:`global_devices`) are those of the program the values are for."""
    if process_count() == 1:
        return [np.asarray(v) for v in values]
    from .xla.backend import broadcast_from_chief as broadcast

    return broadcast(values, global_devices() if devices is None else list(devices))


def stablehlo_text(module: Module, entry: str = "main", debug_info: bool = False) -> str:
    """The StableHLO module XLA would compile for function ``entry`` of ``module``, as text."""
    from .xla.lowering import stablehlo_text as lower_to_text

    check_nesting(module)
    return lower_to_text(module, entry, debug_info)


__all__ = ["BACKENDS", "Loaded", "broadcast_from_chief", "device_put", "devices", "dispatcher", "global_devices", "initialize_distributed", "load",
           "load_replicated", "process_count", "process_index", "set_cpu_devices", "stablehlo_text"]
