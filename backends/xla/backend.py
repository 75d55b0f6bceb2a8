"""The XLA backend: tfc module → StableHLO → XLA executable, cached per (module, entry, device).

XLA's errors become :class:`BackendError` naming the entry function and the device, at compile time
and when the executable runs (:func:`xla_error`); running out of device memory says so.

The in-memory cache keys on the module's printed text (which includes the entry's signature, so it
is also the input signature). Compiled executables are also serialized to disk, by default in the
user's cache folder (:mod:`.disk_cache`: ``TFC_CACHE_DIR`` moves it, ``TFC_CACHE_DIR=`` turns it
off, a ``cache_dir`` argument wins), and reload in ~15 ms (after lowering to StableHLO, a few ms
per 1000 ops) instead of compiling again, in this process or the next.

Replicated programs (:func:`compile_replicated`) are cached in memory only: their executables span
several devices (and, joined, several processes), and loading one back needs the whole device
assignment, a path the adapter does not have; they are compiled once per process.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from tfc.compile_options import xla_options
from tfc.diagnostics import BackendError
from tfc.ir import Module
from tfc.printer import module_digest

from . import disk_cache
from . import jaxlib_adapter as jx
from .lowering import lower_module


class CompiledModule:
    """One function of a module compiled for one device; call it with numpy or device arrays.

    ``call(*args)`` returns the list of results, ``call_single(*args)`` (one-result functions, else
    None) the result itself; both raise XLA's run-time errors as :class:`BackendError`."""

    __slots__ = ("executable", "device", "entry", "call", "call_single")

    def __init__(self, executable: jx.Executable, entry: str):
        self.executable = executable
        self.device = executable.device
        self.entry = entry
        self.call = _translating(executable.call, entry, self.device)
        single = executable.call_single
        self.call_single = None if single is None else _translating(single, entry, self.device)

    def __call__(self, *args):
        """Run on ``args``; returns a list of device arrays (``np.asarray`` on them is zero-copy on CPU)."""
        return self.call(*args)

    def optimized_hlo(self) -> str:
        return jx.optimized_hlo_text(self.executable)


OWN_DIALECTS = frozenset({"tfc", "func", "builtin"})
_memory_cache: dict[tuple, jx.Executable] = {}
_by_program: dict[tuple, jx.Executable] = {}  # (text digest, entry, donated, platform) -> the first one compiled
_lock = threading.Lock()
_compiling: dict[tuple, threading.Lock] = {}  # key -> lock held while it compiles, so threads compile it once


def compile_module(module: Module, device: str = "cpu", entry: str = "main", cache_dir: str | Path | bool | None = None,
                   donate=()) -> CompiledModule:
    """Compile function ``entry`` of ``module`` for ``device`` ("cpu", "cpu:N", "gpu:N", "tpu:N").

    ``cache_dir``: the disk cache folder; None (default) is :func:`disk_cache.default_cache_dir`,
    False or "" none.

    >>> compiled = compile_module(module)          # doctest: +SKIP
    >>> [z] = compiled(np.ones((2, 2), np.float32))  # doctest: +SKIP
    """
    try:
        target = jx.get_device(device)
    except ValueError as err:
        raise BackendError(str(err)) from None
    key = (module_digest(module), entry, str(target), tuple(donate))
    with _lock:
        cached = _memory_cache.get(key)
        compiling = _compiling.setdefault(key, threading.Lock()) if cached is None else None
    if compiling is not None:
        with compiling:
            with _lock:
                cached = _memory_cache.get(key)
            if cached is None:
                cached = _load_or_compile(module, entry, target, key, cache_dir, donate)
                with _lock:
                    _memory_cache[key] = cached
                    _by_program.setdefault((key[0], key[1], key[3], cached.device.platform), cached)
                    _compiling.pop(key, None)
    return CompiledModule(cached, entry)


def _load_or_compile(module, entry, target, key, cache_dir, donate) -> jx.Executable:
    options = xla_options(module)
    twin = _compiled_elsewhere(key, target)
    if twin is not None:  # the same program compiled for another device of the platform: a copy of it
        try:
            return jx.deserialize(jx.serialize(twin), target)
        except (jx.CompileError, jx.JaxRuntimeError):
            pass  # a platform that cannot serialize executables: compile it again
    folder = disk_cache.resolve(cache_dir)
    lowered = None
    if folder is not None:
        if own_ops_only(module):  # tfc's lowering decides the StableHLO: the IR names the entry, no lowering needed
            program, lowering = key[0].encode(), disk_cache.lowering_fingerprint()
        else:  # a custom op's kernel is user code: key on the StableHLO it lowers to
            lowered = lower_module(module, entry, target.platform)
            program, lowering = stablehlo_bytecode(lowered), ""
        disk_key = disk_cache.entry_key(program, entry, target, donate, lowering, options)
        loaded = disk_cache.load(folder, disk_key, target)
        if loaded is not None:
            return loaded
    if lowered is None:
        lowered = lower_module(module, entry, target.platform)
    try:
        executable = jx.compile(lowered, target, donate=donate, xla_options=options)
    except jx.CompileError as err:
        raise xla_error(err, entry, target, "compiling") from None
    disk_cache.count("compiled")
    if folder is not None:
        disk_cache.store(folder, disk_key, target, executable)
    return executable


def own_ops_only(module: Module) -> bool:
    """Whether every op of ``module`` is one of tfc's own (core and structure), so that tfc's
    lowering alone decides its StableHLO (a custom op's lowering runs a user's jax kernel)."""
    return all(op.name.partition(".")[0] in OWN_DIALECTS for op in module.op.walk())


def stablehlo_bytecode(lowered) -> bytes:
    """The StableHLO module's bytecode (1 ms for a MobileNet, against 14 ms to print it)."""
    stream = io.BytesIO()
    with lowered.context:
        lowered.operation.write_bytecode(stream)
    return stream.getvalue()


def _compiled_elsewhere(key: tuple, target) -> jx.Executable | None:
    """An executable of the same program (text, entry, donation) for another device of ``target``'s
    platform: identical partitions of a program on several devices compile once, and the others load
    a serialized copy (a few ms against a compile; measured in NOTES-xla)."""
    with _lock:
        return _by_program.get((key[0], key[1], key[3], target.platform))


def xla_error(err: Exception, entry: str, device, doing: str) -> BackendError:
    """XLA's ``err`` while ``doing`` ("compiling", "running") function ``entry`` on ``device``, as
    the one-line :class:`BackendError` users see: out of memory names the program, so a user can
    tell a too-large model from a bug."""
    text = next((line for line in str(err).splitlines() if line.strip()), type(err).__name__)
    if jx.is_out_of_memory(err):
        return BackendError(f"XLA ran out of memory {doing} @{entry} on {device}: {text}")
    if doing == "compiling":
        return BackendError(text)  # the adapter's message already says what failed
    return BackendError(f"XLA failed {doing} @{entry} on {device}: {text}")


def _translating(fn, entry: str, device):
    """``fn`` (a compiled executable's dispatcher) with XLA's run-time errors as BackendErrors.

    One Python frame around jax's C++ dispatcher: about 0.1 us a call, the price of an error
    that names the program instead of a jaxlib traceback."""

    def call(*args):
        try:
            return fn(*args)
        except jx.JaxRuntimeError as err:
            raise xla_error(err, entry, device, "running") from None

    return call


_replicated_cache: dict[tuple, jx.ReplicatedExecutable] = {}


def compile_replicated(module: Module, devices, entry: str = "main", donate=()) -> jx.ReplicatedExecutable:
    """Compile function ``entry`` of ``module`` (a ``shard-batch`` replica's program) once for the
    replicas on ``devices`` (["cpu:0", "cpu:2"]), cached like :func:`compile_module`; XLA's errors
    are BackendErrors, at compile and at run time (``run`` of the result)."""
    try:
        targets = [jx.get_device(d) for d in devices]
    except ValueError as err:
        raise BackendError(str(err)) from None
    key = (module_digest(module), entry, tuple(map(str, targets)), tuple(donate))
    with _lock:
        cached = _replicated_cache.get(key)
    if cached is None:
        lowered = lower_module(module, entry, targets[0].platform)
        try:
            cached = jx.compile_replicated(lowered, targets, donate=donate, xla_options=xla_options(module))
        except jx.CompileError as err:
            raise xla_error(err, entry, ", ".join(map(str, targets)), "compiling") from None
        except ValueError as err:
            raise BackendError(str(err)) from None
        with _lock:
            _replicated_cache[key] = cached
    return cached


def run_replicated(executable: jx.ReplicatedExecutable, shards, entry: str) -> list:
    """``executable.run(shards)`` with XLA's run-time errors as BackendErrors naming ``entry`` (and
    the lost process, when one of the job's processes has gone: :func:`collective_error`)."""
    try:
        return executable.run(shards)
    except jx.JaxRuntimeError as err:
        raise collective_error(err, entry, ", ".join(map(str, executable.devices))) from None


def broadcast_from_chief(values, devices) -> list:
    """Process 0's ``values`` in every process, over ``devices`` (all processes'); XLA's errors are BackendErrors."""
    try:
        return jx.broadcast_from_chief(values, devices)
    except ValueError as err:
        raise BackendError(str(err)) from None
    except jx.CompileError as err:
        raise xla_error(err, "broadcast_from_chief", ", ".join(devices), "running") from None
    except jx.JaxRuntimeError as err:
        raise collective_error(err, "broadcast_from_chief", ", ".join(devices)) from None


def collective_error(err: Exception, entry: str, devices: str) -> BackendError:
    """XLA's ``err`` running ``entry``, a program whose collectives may span processes. A process
    that died mid-step fails its peers' collectives at once (gloo: "Connection closed by peer
    [address]"), which names no process: this names it, and abandons this process's part in the
    job (:func:`jx.abandon_distributed`), so it exits at once rather than abort at jax's shutdown."""
    error = xla_error(err, entry, devices, "running")
    lost = jx.lost_processes() if jx.process_count() > 1 else []
    if not lost:
        return error
    jx.abandon_distributed()
    who = f"process {lost[0]}" if len(lost) == 1 else f"processes {', '.join(map(str, lost))}"
    chief = " (the chief)" if lost == [0] else ""
    text = next((line for line in str(err).splitlines() if line.strip()), type(err).__name__)
    return BackendError(f"{who}{chief} of {jx.process_count()} was lost during a synchronous step (@{entry}): this process "
                        f"({jx.process_index()}) cannot go on; restart the job from its checkpoint: {text}")


def clear_cache() -> None:
    with _lock:
        _memory_cache.clear()
        _by_program.clear()
        _replicated_cache.clear()
