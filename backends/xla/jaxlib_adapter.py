"""The one module in tfc that touches private jax/jaxlib APIs.

Everything imported from ``jaxlib.mlir.*``, ``jax._src.*``, ``jaxlib._jax``,
``jaxlib.xla_client`` and ``jax.extend.backend`` lives here, so a jax upgrade
means re-checking this file (and its tests) only.  Written against and pinned
to jax == jaxlib == 0.10.2; ``jax_version()`` belongs in every cache key.

Dispatch micro-benchmark (this file's choices are based on it)
--------------------------------------------------------------
f(x, y) = x @ y + x on 2x2 float32 (stablehlo.dot + stablehlo.add), XLA:CPU,
2-core machine shared with other jobs, jax/jaxlib 0.10.2; microseconds per
call, median of 7 x 20000 calls, everything in the same process (noise is
+-10%, worse under load):

    path                                                  device in   numpy in
    jax.jit(f)                                                5.9       10.0
    Executable.call(*args)   (C++ pjit fast path, chosen)     5.9       10.3
    Executable.run([args])   (same, via a list)               6.0       10.5
    Executable.run_python    (validating Python path)        12.0       20.6
    execute_sharded + disassemble_into_single_device_arrays   8.4          -
    LoadedExecutable.execute (xla_client's wrapper of above)  8.5          -
    execute_sharded alone (no unpacking: results unusable)    5.0          -
  Interleaved A/B (15 rounds, median): run/jit = 1.06 on device inputs,
  0.99 on numpy inputs; call/jit = 1.00 / 0.97.

Host->device transfer of one 2x2 numpy array (the numpy-input overhead):
    _jax.batched_device_put, cached aval (ZERO_COPY)            4-7
    _jax.batched_device_put (IMMUTABLE_UNTIL_TRANSFER_COMPLETES) 4.7
    to_device() (builds the aval, checks the input)             11
    jax.numpy.asarray                                        19-32
    pxla.shard_args (2 arrays)                                  27
    jax.device_put                                           40-48
    np.asarray(device array) (zero-copy view)                  0.8
    (``backend.buffer_from_pyval`` no longer exists in 0.10.2.)

The pure-Python paths cannot get within 1.2x of jax.jit (raw execute +
unpack alone is 1.4x on device inputs, ~1.6x-2x on numpy inputs), so
``Executable`` drives its LoadedExecutable through jax.jit's own C++
dispatcher (``_jax.pjit`` fed with ``pxla.MeshExecutableFastpathData``): the
first call with a new argument signature (dtype, shape, weak type, committed
device) goes through a Python "cache miss" that validates the arguments and
runs the executable; later calls with that signature stay in C++, numpy
conversion included.  Result: parity with jax.jit.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import hashlib
import math
import os
import re
import select
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.extend.backend as _jex_backend  # not imported by `import jax`
import jaxlib
import numpy as np
from jax._src import core as _core
from jax._src import distributed as _distributed
from jax._src import tree_util as _tree_util
from jax._src import xla_bridge as _xla_bridge
from jax._src.interpreters import mlir as _jax_mlir
from jax._src.interpreters import pxla as _pxla
from jaxlib import _jax
from jaxlib import xla_client as _xc
from jaxlib.mlir import ir
from jaxlib.mlir.dialects import chlo, func, stablehlo

from tfc.backends.xla.host_memory import retain_freed_memory  # absolute: tests load this file on its own

try:  # present in 0.10.2; optional so a slimmer jaxlib does not break import
    from jaxlib.mlir.dialects import arith
except ImportError:  # pragma: no cover
    arith = None  # type: ignore[assignment]

__all__ = [
    "ir", "func", "stablehlo", "chlo", "arith",
    "Device", "CompileError", "Executable",
    "make_context", "get_device", "available_devices", "compile",
    "optimized_hlo_text", "serialize", "deserialize", "to_device",
    "jax_version", "jaxlib_version", "compile_options_fingerprint", "lower_jax", "import_functions", "JaxRuntimeError",
    "is_out_of_memory", "set_cpu_devices", "CPU_DEVICES_VARIABLE",
    "ReplicatedExecutable", "compile_replicated",
    "initialize_distributed", "process_index", "process_count", "global_devices", "broadcast_from_chief",
    "lost_processes", "abandon_distributed", "front_dispatcher",
]

#: jax's device class (what ``get_device`` returns).
Device = _xc.Device
#: Error type raised by XLA at compile and run time (a RuntimeError).
JaxRuntimeError = jax.errors.JaxRuntimeError


class CompileError(RuntimeError):
    """A module failed MLIR verification or XLA compilation (message from XLA)."""


# How jaxlib says it could not get memory: PjRt's status code, XLA:CPU's and the GPU/TPU
# allocators' own wording (0.10.2: "RESOURCE_EXHAUSTED: Out of memory allocating N bytes.").
_OUT_OF_MEMORY = ("RESOURCE_EXHAUSTED", "out of memory", "failed to allocate", "allocation failed", "bad_alloc")


def is_out_of_memory(err: BaseException) -> bool:
    """Whether ``err`` (a JaxRuntimeError or CompileError) reports that XLA ran out of memory."""
    text = str(err).lower()
    return any(marker.lower() in text for marker in _OUT_OF_MEMORY)


# --------------------------------------------------------------------------
# MLIR context
# --------------------------------------------------------------------------

def make_context() -> ir.Context:
    """A fresh MLIR context with the dialects jax lowers to registered.

    Delegates to jax's own ``make_ir_context`` (jax/_src/interpreters/mlir.py)
    rather than copying it: it appends the registry filled by
    ``_jax_mlir_ext.register_dialects`` (func, arith, ...), registers sdy, mpmd,
    mhlo, chlo and stablehlo, and shares one global MLIR thread pool between
    contexts (a bare ``ir.Context()`` would start its own threads and, in this
    jaxlib, does not know ``func``).
    """
    return _jax_mlir.make_ir_context()


# --------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------

_PLATFORM_ALIASES = {"cpu": "cpu", "gpu": "gpu", "cuda": "gpu", "rocm": "gpu",
                     "tpu": "tpu"}


CPU_DEVICES_VARIABLE = "TFC_CPU_DEVICES"


def set_cpu_devices(count: int) -> None:
    """Give XLA's host platform ``count`` devices (cpu:0 ... cpu:count-1). Only before jax starts its
    CPU backend; afterwards ValueError unless it already has ``count``."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"the number of CPU devices must be a positive integer, got {count!r}")
    if _xla_bridge.backends_are_initialized():
        have = len(jax.local_devices(backend="cpu"))
        if have != count:
            raise ValueError(f"cannot make {count} CPU devices: XLA's CPU backend has already started with {have}; call "
                             f"tfc.set_cpu_devices({count}) (or set {CPU_DEVICES_VARIABLE}={count}) before the first use of a device")
        return
    jax.config.update("jax_num_cpu_devices", count)


@functools.cache
def _before_first_device() -> None:
    """What tfc sets up once, before it first asks jax for a device: the host devices asked for in the
    environment, and host memory that XLA:CPU's executions reuse (:mod:`tfc.backends.xla.host_memory`)."""
    _cpu_devices_from_environment()
    retain_freed_memory()


def _cpu_devices_from_environment() -> None:
    """``TFC_CPU_DEVICES=N``: N host devices, as if ``set_cpu_devices(N)`` ran first (checked once,
    before tfc first asks for a device)."""
    text = os.environ.get(CPU_DEVICES_VARIABLE, "").strip()
    if not text:
        return
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{CPU_DEVICES_VARIABLE}={text!r}: expected a positive number of CPU devices")
    set_cpu_devices(int(text))


def available_devices() -> list[str]:
    """Specs ("cpu:0", "gpu:1", ...) of every local device jax can see."""
    _before_first_device()
    out = []
    for backend_name in ("cpu", "gpu", "tpu"):
        try:
            devs = jax.local_devices(backend=backend_name)
        except RuntimeError:
            continue
        out.extend(f"{backend_name}:{i}" for i in range(len(devs)))
    return out


def get_device(spec: str) -> Device:
    """Parse "cpu", "cpu:N", "gpu:N", "tpu:N" into a jax Device.

    N indexes this process's *local* devices of that platform (for CPU in a
    single process that is also the device id).  ``/task:P/device:CPU:N``
    (TensorFlow's form, see :func:`global_devices`) names device N of process P,
    which may be another process's.  Raises ValueError naming the spec and the
    available devices when the platform is absent or N is out of range.
    """
    if not isinstance(spec, str):
        raise TypeError(f"device spec must be a str like 'cpu:0', got {spec!r}")
    _before_first_device()
    text = spec.strip().lower()
    if text.startswith("/task:"):
        return _global_device(spec)
    name, sep, index_text = text.partition(":")
    platform = _PLATFORM_ALIASES.get(name)
    if platform is None or (sep and not index_text.isdigit()):
        raise ValueError(
            f"bad device spec {spec!r}: expected 'cpu', 'cpu:N', 'gpu:N' or "
            f"'tpu:N'; available devices: {available_devices()}")
    index = int(index_text) if sep else 0
    try:
        devices = jax.local_devices(backend=platform)
    except RuntimeError as e:  # "Unknown backend ..." when no plugin/hardware
        raise ValueError(
            f"device {spec!r} does not exist: no {platform} backend "
            f"({e}); available devices: {available_devices()}") from None
    if index >= len(devices):
        raise ValueError(
            f"device {spec!r} does not exist: {len(devices)} {platform} "
            f"device(s); available devices: {available_devices()}")
    return devices[index]


def _as_device(device: Device | str) -> Device:
    return get_device(device) if isinstance(device, str) else device


# --------------------------------------------------------------------------
# Processes: one program over the devices of several processes
# --------------------------------------------------------------------------

_GLOBAL_NAME = re.compile(r"^/task:(\d+)/device:([a-z]+):(\d+)$", re.IGNORECASE)


_joined: list[tuple[int, int]] = []  # (process id, process count) once initialize_distributed has joined
_lifelines: dict[int, socket.socket] = {}  # process id -> a connection that closes when that process ends
_abandoned: list[Any] = []  # jax's client and service after a lost process: never shut down (see abandon_distributed)


def process_index() -> int:
    """This process's id (0 is the chief) once :func:`initialize_distributed` ran, else 0 (starts no backend)."""
    return _joined[0][0] if _joined else 0


def process_count() -> int:
    """How many processes :func:`initialize_distributed` joined, else 1 (starts no backend)."""
    return _joined[0][1] if _joined else 1


def global_devices() -> list[str]:
    """Every process's devices of jax's default platform (GPUs where present, else CPUs), process 0's
    first: ``cpu:0``, ... in a single process; across processes TensorFlow's form
    ``/task:P/device:CPU:N`` (local device N of process P), which :func:`get_device` also reads."""
    _before_first_device()
    devices = sorted(jax.devices(), key=lambda d: (d.process_index, d.id))
    if process_count() == 1:
        return [f"{d.platform}:{i}" for i, d in enumerate(devices)]
    names, counts = [], {}
    for d in devices:
        index = counts[d.process_index] = counts.get(d.process_index, -1) + 1
        names.append(f"/task:{d.process_index}/device:{d.platform.upper()}:{index}")
    return names


def _global_device(spec: str) -> Device:
    """``/task:P/device:CPU:N``: local device N of process P (this process's own, or another's)."""
    match = _GLOBAL_NAME.match(spec.strip())
    platform = _PLATFORM_ALIASES.get(match[2].lower()) if match else None
    if platform is None:
        raise ValueError(f"bad device spec {spec!r}: a device of a process is named like '/task:1/device:CPU:0'; "
                         f"available devices: {global_devices()}")
    task, index = int(match[1]), int(match[3])
    if task == process_index():
        return get_device(f"{platform}:{index}")
    try:
        devices = [d for d in jax.devices(backend=platform) if d.process_index == task]
    except RuntimeError:
        devices = []
    if index >= len(devices):
        raise ValueError(f"device {spec!r} does not exist: process {task} of {process_count()} has {len(devices)} "
                         f"{platform} device(s); available devices: {global_devices()}")
    return devices[index]


def initialize_distributed(coordinator_address: str, num_processes: int, process_id: int, timeout_s: float = 60) -> None:
    """Join this process (``process_id``; 0 is the chief and runs the coordinator) with the others
    into one jax distributed system, with gloo's CPU collectives, before the first use of a device.

    The coordinator listens on ``coordinator_address`` itself (loopback stays loopback; jax's default
    listens on every interface). Every wait is bounded by ``timeout_s``: TimeoutError naming the
    processes that did not join; ValueError for bad arguments or when a backend has already started.
    ``timeout_s`` is also jax's heartbeat timeout: a process that stops answering (killed before
    a collective reaches it, say) ends the others within it, instead of jax's default 100 s."""
    host, port = _split_address(coordinator_address)
    if isinstance(num_processes, bool) or not isinstance(num_processes, int) or num_processes < 1:
        raise ValueError(f"num_processes must be a positive integer, got {num_processes!r}")
    if isinstance(process_id, bool) or not isinstance(process_id, int) or not 0 <= process_id < num_processes:
        raise ValueError(f"process_id must be an integer in 0..{num_processes - 1}, got {process_id!r}")
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
    if _joined or _distributed.global_state.client is not None:
        raise ValueError("this process has already joined a distributed system (initialize_distributed runs once)")
    if _xla_bridge.backends_are_initialized():
        raise ValueError("initialize_distributed must run before the first use of a device: XLA has already started "
                         "this process's devices on their own")
    _before_first_device()
    _rendezvous(host, port, num_processes, process_id, timeout_s)
    seconds = max(1, math.ceil(timeout_s))
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.config.update("jax_enable_preemption_service", False)  # its notifier swallows SIGTERM: a stopped process must stop
    jax.distributed.initialize(coordinator_address, num_processes, process_id, cluster_detection_method="deactivate",
                               initialization_timeout=seconds, coordinator_bind_address=coordinator_address,
                               heartbeat_timeout_seconds=seconds, shutdown_timeout_seconds=seconds)
    _joined.append((process_id, num_processes))
    _watch_lifelines(num_processes)


def _split_address(address: str) -> tuple[str, int]:
    """``host:port`` or ``[v6 host]:port`` as (host, port)."""
    host, sep, port = str(address).rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"coordinator address must be 'host:port' like '127.0.0.1:1234', got {address!r}")
    return host, int(port)


def _rendezvous(host: str, port: int, count: int, me: int, timeout_s: float) -> None:
    """Every process checks in with the chief, on the coordinator's port, before jax's coordination
    service starts there. jax's own wait for a missing process ends in a fatal log that aborts the
    process and names no one (jax 0.10.2, measured); this one raises TimeoutError naming them."""
    if count == 1:
        return
    where = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    if me == 0:
        _chief_waits(host, port, count, timeout_s, where)
    else:
        _check_in(host, port, count, me, timeout_s, where)


def _chief_waits(host: str, port: int, count: int, timeout_s: float, where: str) -> None:
    """The chief's half: admit every other process, then tell them all "go" (or who is missing)."""
    deadline = time.monotonic() + timeout_s
    try:
        server = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as err:
        raise ValueError(f"process 0 cannot listen at {where}: {err}") from None
    joined: dict[int, socket.socket] = {}
    try:
        while len(joined) < count - 1 and (left := deadline - time.monotonic()) > 0:
            server.settimeout(left)
            try:
                conn, _ = server.accept()
            except TimeoutError:
                break
            _admit(conn, joined, count)
        missing = [i for i in range(1, count) if i not in joined]
        for conn in joined.values():
            _send(conn, f"missing {','.join(map(str, missing))}" if missing else "go")
        if missing:
            raise TimeoutError(_missing_message(missing, count, where, timeout_s))
        _lifelines.update(joined)  # kept open: each closes when its process ends (lost_processes)
    finally:
        for conn in joined.values():
            if conn not in _lifelines.values():
                conn.close()
        server.close()


def _admit(conn: socket.socket, joined: dict, count: int) -> None:
    """Read one process's ``tfc-join ID COUNT``; keep its connection, or answer why not."""
    try:
        conn.settimeout(5)
        words = _read_line(conn).split()
    except OSError:
        words = []
    ok = len(words) == 3 and words[0] == "tfc-join" and words[1].isdigit() and words[2].isdigit()
    problem = None if ok else "not a tfc process"
    if ok and int(words[2]) != count:
        problem = f"process {words[1]} expects {words[2]} processes, process 0 expects {count}"
    elif ok and (not 0 < int(words[1]) < count or int(words[1]) in joined):
        problem = f"process id {words[1]} is out of range 1..{count - 1} or taken twice"
    if problem is None:
        joined[int(words[1])] = conn
        return
    with contextlib.suppress(OSError):
        _send(conn, f"error {problem}")
    conn.close()


def _check_in(host: str, port: int, count: int, me: int, timeout_s: float, where: str) -> None:
    """A non-chief's half: connect to the chief (retrying until ``timeout_s``), wait for its answer."""
    deadline = time.monotonic() + timeout_s
    conn = None
    while conn is None:
        try:
            conn = socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic()))
        except OSError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"process 0 of {count} (the chief) did not start the coordinator at {where} "
                                   f"within {timeout_s:g} s") from None
            time.sleep(0.05)
    try:
        conn.settimeout(timeout_s + 5)  # the chief answers within its own timeout
        _send(conn, f"tfc-join {me} {count}")
        reply = _read_line(conn)
    except OSError:
        reply = ""
    if reply == "go":
        _lifelines[0] = conn  # kept open: it closes when the chief ends (lost_processes)
        return
    conn.close()
    if reply.startswith("missing "):
        raise TimeoutError(_missing_message([int(i) for i in reply[8:].split(",")], count, where, timeout_s))
    if reply.startswith("error "):
        raise ValueError(f"process 0 at {where} refused process {me}: {reply[6:]}")
    raise TimeoutError(f"process 0 of {count} (the chief) at {where} did not answer process {me} within {timeout_s:g} s")


def _missing_message(missing: Sequence[int], count: int, where: str, timeout_s: float) -> str:
    who = f"process {missing[0]}" if len(missing) == 1 else f"processes {', '.join(map(str, missing))}"
    return f"{who} of {count} did not join the coordinator at {where} within {timeout_s:g} s"


def lost_processes(wait_s: float = 1.0) -> list[int]:
    """The processes of the job this one sees gone (their connection from the rendezvous closed):
    the chief watches every other process, the others watch the chief. Waits up to ``wait_s`` for
    one to close, since a process killed in a collective may close it just after its peers fail."""
    deadline = time.monotonic() + wait_s
    while True:
        lost = sorted(p for p, conn in _lifelines.items() if _closed(conn))
        if lost or time.monotonic() >= deadline:
            return lost
        time.sleep(0.02)


def _watch_lifelines(count: int) -> None:
    """Say at once, on stderr, when another process of the job is lost. This process's own error
    comes later, or never: a collective over the lost process fails (and names it, :func:`lost_processes`),
    but jax's coordination client aborts every process at once when the chief is lost, with a
    message that calls it "the leader task" (measured, 0.10.2), and one that was killed before its
    first collective leaves the others waiting until jax's heartbeat timeout."""
    exiting = threading.Event()
    atexit.register(exiting.set)  # runs before jax's own exit hook; the others' lifelines close after this

    def watch() -> None:
        watched = dict(_lifelines)
        while watched:
            ready, _, _ = select.select(list(watched.values()), [], [])
            for process in [p for p, conn in watched.items() if conn in ready]:
                if not _closed(watched[process]):
                    with contextlib.suppress(OSError):  # nothing is sent after the rendezvous: drop it
                        watched[process].recv(256, socket.MSG_DONTWAIT)
                    continue
                del watched[process]
                if not exiting.is_set():
                    chief = " (the chief)" if process == 0 else ""
                    os.write(2, f"tfc: error: process {process}{chief} of {count} was lost (it exited or was killed); "
                                f"process {process_index()} cannot go on with the job\n".encode())

    if _lifelines:
        threading.Thread(target=watch, name="tfc-lifelines", daemon=True).start()


def _closed(conn: socket.socket) -> bool:
    """Whether the other end of ``conn`` has gone (nothing is ever sent on it after the rendezvous)."""
    try:
        return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:  # reset: the other end was killed
        return True


def abandon_distributed() -> None:
    """Give up this process's part in a job that lost a process: at exit jax would otherwise wait
    for the lost one at its shutdown barrier, then abort this process (after the shutdown timeout,
    measured on 0.10.2). jax's client and service are kept alive and never shut down, so the
    process ends at once with its own exit status; :func:`process_count` still says the job's."""
    state = _distributed.global_state
    if state.client is None:
        return
    _abandoned.extend(part for part in (state.preemption_sync_manager, state.client, state.service) if part is not None)
    state.preemption_sync_manager = state.client = state.service = None  # jax's exit hook then has nothing to shut down
    for part in _abandoned:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(part))  # not even destroyed at interpreter exit (that shuts down too)


def _send(conn: socket.socket, line: str) -> None:
    conn.sendall(line.encode() + b"\n")


def _read_line(conn: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n") and len(data) < 256:
        chunk = conn.recv(256 - len(data))
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


# --------------------------------------------------------------------------
# Host <-> device
# --------------------------------------------------------------------------

def to_device(array: Any, device: Device | str, *, copy: bool = True) -> jax.Array:
    """numpy (or anything np.asarray accepts) -> a committed array on `device`.

    Uses ``_jax.batched_device_put`` (~5 us) instead of ``jax.device_put``
    (~40 us).  ``enable_x64=True`` keeps 64-bit dtypes even when jax's x64 mode
    is off: without it the buffer is silently narrowed to 32 bits while the
    array still claims float64.  ``copy=False`` lets XLA:CPU alias the numpy
    memory (zero-copy, what jax.device_put does): then mutating the numpy
    array afterwards changes the device array too.
    """
    device = _as_device(device)
    if isinstance(array, _xc.ArrayImpl):
        if array.sharding.device_set == {device}:
            return array
        if len(array.sharding.device_set) == 1:
            [source] = array.sharding.device_set
            return move_to_device(array, device, array.size * array.dtype.itemsize, source.platform == "cpu")
        return jax.device_put(array, device)
    x = np.asarray(array)
    semantics = (_xc.HostBufferSemantics.IMMUTABLE_UNTIL_TRANSFER_COMPLETES
                 if copy else _xc.HostBufferSemantics.ZERO_COPY)
    return _jax.batched_device_put(
        _core.ShapedArray(x.shape, x.dtype), _single_sharding(device), [x],
        [device], committed=True, host_buffer_semantics=semantics,
        enable_x64=True)


_device_lists: dict[Device, Any] = {}


def copy_to_device(array: jax.Array, device: Device) -> jax.Array:
    """A one-device array copied to another device, asynchronously (the copy starts when the
    array is ready; the call returns at once). PJRT's batched copy directly: ~8 us a call against
    ~20 us through ``jax.device_put``, which matters for a program cut into partitions."""
    devices = _device_lists.get(device)
    if devices is None:
        devices = _device_lists[device] = _xc.DeviceList((device,))
    return _xc.batched_copy_array_to_devices_with_sharding(
        [array], [devices], [_single_sharding(device)], [_xc.ArrayCopySemantics.REUSE_INPUT])[0]


HOST_ROUTE_BYTES = 8 << 20
"""Values smaller than this move between two host (CPU) devices through host memory (see below)."""


def move_to_device(array: jax.Array, device: Device, nbytes: int, from_host_platform: bool) -> jax.Array:
    """A value another device made, onto ``device``, as the multi-device executor moves it.

    Between two CPU devices, below :data:`HOST_ROUTE_BYTES`: wait for the value, then one copy of
    its (zero-copy) host view into a fresh buffer: ~6 us plus the memcpy. PJRT's asynchronous
    device-to-device copy costs ~40 us of latency here and reached 25% of memcpy's bandwidth at
    1 MB against ~45% this way (measured, jax 0.10.2, 2 cores; copying into a numpy array the new
    buffer then owns was slower still: freed pages are not reused); at 16 MB both are ~90%. Larger
    values, and other platforms, take the asynchronous copy, which overlaps compute."""
    if from_host_platform and nbytes < HOST_ROUTE_BYTES and device.platform == "cpu":
        return to_device(np.asarray(array), device)
    return copy_to_device(array, device)


_sharding_cache: dict[Device, Any] = {}


def single_sharding(device: Device):
    """The one SingleDeviceSharding object tfc uses for ``device`` (results of its executables
    carry it, so ``array.sharding is single_sharding(device)`` is a cheap "already there")."""
    return _single_sharding(device)


def _single_sharding(device: Device):
    s = _sharding_cache.get(device)
    if s is None:
        s = _sharding_cache[device] = jax.sharding.SingleDeviceSharding(device)
    return s


# --------------------------------------------------------------------------
# Executable
# --------------------------------------------------------------------------

def _program_types(loaded) -> tuple[list[tuple[tuple[int, ...], np.dtype]],
                                    list[tuple[tuple[int, ...], np.dtype]]]:
    """(param types, result types) as (shape, numpy dtype), read from the
    compiled HLO so it also works for deserialized executables (~40 us, and
    more with large constants: it serializes the HLO)."""
    hlo = loaded.hlo_modules()[0]
    shape = _xc.XlaComputation(hlo.as_serialized_hlo_module_proto()).program_shape()

    def conv(s):
        if s.is_tuple():
            raise CompileError(f"tuple-typed parameters/results are not supported: {s}")
        return tuple(s.dimensions()), np.dtype(s.numpy_dtype())

    params = [conv(s) for s in shape.parameter_shapes()]
    result = shape.result_shape()
    results = ([conv(s) for s in result.tuple_shapes()] if result.is_tuple()
               else [conv(result)])
    return params, results


class Executable:
    """A compiled program loaded on exactly one device.

    ``call(*args)`` is the fastest entry point (it *is* the C++ dispatcher),
    ``run(args)`` the list-based one; both take numpy arrays or jax arrays on
    ``device`` and return a list of jax arrays committed to ``device``
    (``np.asarray`` on one is a zero-copy view on CPU).  Argument dtypes and
    shapes must match the program exactly (TypeError otherwise; with jax's x64
    mode off, float64/int64 numpy input for a 32-bit parameter is narrowed like
    jax.jit does).  Donated arguments (see ``compile(donate=...)``) that are
    device arrays are deleted by the call; numpy inputs are never modified.
    """

    __slots__ = ("loaded", "device", "in_types", "out_types", "call",
                 "call_single", "_slow", "__weakref__")

    def __init__(self, loaded, device: Device, types: tuple | None = None):
        self.loaded = loaded           # jaxlib LoadedExecutable
        self.device = device
        self.in_types, self.out_types = types or _program_types(loaded)
        self._slow, self.call = _make_dispatch(loaded, device, self.in_types)
        # For one-output programs, a dispatcher that returns the array itself
        # (no list to build and index on every call).
        self.call_single = (
            _make_dispatch(loaded, device, self.in_types, single=True)[1]
            if len(self.out_types) == 1 else None)

    def run(self, args: Sequence[Any]) -> list[jax.Array]:
        """Run on a list of inputs; returns the list of outputs."""
        return self.call(*args)

    __call__ = run

    def run_python(self, args: Sequence[Any]) -> list[jax.Array]:
        """Same as run() but always through the Python path (for tests and
        benchmarks; ~2 us slower on device inputs, ~4 us per numpy input)."""
        return self._slow(args)

    def __repr__(self) -> str:
        ins = ", ".join(f"{d}{list(s)}" for s, d in self.in_types)
        outs = ", ".join(f"{d}{list(s)}" for s, d in self.out_types)
        return f"<Executable ({ins}) -> ({outs}) on {self.device}>"


# dtypes that jax narrows to 32 bits when its x64 mode is off
_X64_DTYPES = frozenset(map(np.dtype, (np.float64, np.int64, np.uint64,
                                       np.complex128)))


def _make_dispatch(loaded, device: Device, in_types, single: bool = False):
    """Build (python_path, fast_call) for one executable.

    The closures deliberately do not reference the Executable (no cycles).
    """
    nargs = len(in_types)
    prepare = _argument_preparer(device, in_types)
    execute_sharded = loaded.execute_sharded

    def python_path(args):
        if len(args) != nargs:
            raise TypeError(f"expected {nargs} arguments, got {len(args)}")
        bufs = [prepare(i, a) for i, a in enumerate(args)]
        outs = [r[0] for r in
                execute_sharded(bufs).disassemble_into_single_device_arrays()]
        return outs[0] if single else outs

    # With x64 off, jax's C++ dispatcher narrows 64-bit numpy inputs before
    # the executable sees them; keep such programs on the Python path.
    if any(d in _X64_DTYPES for _, d in in_types) and not jax.config.jax_enable_x64:
        return python_path, lambda *args: python_path(args)
    return python_path, _cpp_dispatcher(loaded, device, nargs, python_path, single)


def _argument_preparer(device: Device, in_types):
    """``prepare(i, a)``: argument ``a`` as a device array for parameter ``i``, checked the way
    jax.jit checks (TypeError for a wrong dtype or shape, ValueError for a deleted or misplaced array)."""
    sharding = _single_sharding(device)
    avals = [_core.ShapedArray(s, d) for s, d in in_types]
    zero_copy = _xc.HostBufferSemantics.ZERO_COPY
    ArrayImpl = _xc.ArrayImpl

    def mismatch(i: int, shape, dtype, a) -> TypeError:
        return TypeError(f"argument {i}: expected {dtype}{list(shape)}, got {a.dtype}{list(a.shape)}")

    def prepare(i: int, a: Any):
        shape, dtype = in_types[i]
        if isinstance(a, ArrayImpl):
            if a.is_deleted():
                raise ValueError(f"argument {i} has been deleted (was it donated to an earlier call?)")
            if a.dtype != dtype or a.shape != shape:
                raise mismatch(i, shape, dtype, a)
            devs = a.sharding.device_set
            if devs != {device}:
                if a.committed:
                    raise ValueError(
                        f"argument {i} is on {sorted(devs, key=str)} but the "
                        f"executable runs on {device}; move it with to_device()")
                a = jax.device_put(a, device)  # uncommitted: move, like jit
            return a
        x = np.asarray(a)
        if x.dtype != dtype:
            if (not jax.config.jax_enable_x64
                    and jax.dtypes.canonicalize_dtype(x.dtype) == dtype):
                x = x.astype(dtype)  # what jax.jit's fast path does too
            else:
                raise mismatch(i, shape, dtype, x)
        if x.shape != shape:
            raise mismatch(i, shape, dtype, x)
        return _jax.batched_device_put(avals[i], sharding, [x], [device],
                                       committed=True,
                                       host_buffer_semantics=zero_copy,
                                       enable_x64=True)

    return prepare


def _cpp_dispatcher(loaded, device: Device, nargs: int, python_path, single: bool):
    """jax.jit's own C++ dispatcher around ``python_path``: the first call with a
    new argument signature goes through Python (the "cache miss"), later ones
    stay in C++, numpy conversion included."""
    sharding = _single_sharding(device)
    in_shardings = [sharding] * nargs
    kept = [True] * nargs
    no_layouts = [None] * nargs
    ArrayImpl = _xc.ArrayImpl

    def cache_miss(*args):
        outs = python_path(args)
        fastpath = None
        # Only plain numpy / jax arrays: the C++ signature of those is exactly
        # what prepare() validated (python scalars are weakly typed there).
        if all(type(a) is np.ndarray or type(a) is ArrayImpl for a in args):
            out_tree = _tree_util.dispatch_registry.flatten(outs, None)[1]
            flat = [outs] if single else outs
            fastpath = _pxla.MeshExecutableFastpathData(
                loaded, out_tree, in_shardings, [sharding] * len(flat),
                [o.aval for o in flat], [True] * len(flat), kept, no_layouts,
                [])
        return outs, fastpath, False

    def fun(*args):
        # The C++ cache's identity (held weakly); also what the dispatcher
        # calls directly under `jax.disable_jit()`.
        return python_path(args)

    fast = _jax.pjit(
        "tfc_main", fun, cache_miss, [], [],
        _pxla.JitGlobalCppCacheKeys(device=device), _tree_util.dispatch_registry,
        _pxla.cc_shard_arg, _jax.PjitFunctionCache(capacity=16))
    fast._tfc_fun = fun  # keep `fun` alive as long as the dispatcher
    return fast


def front_dispatcher(general, name: str = "tfc_function"):
    """jax.jit's C++ dispatcher in front of a whole traced function, so a cached call costs what
    jax.jit's does (no Python frame at all).

    ``general(*args, **kwargs)`` returns ``(result, executable, outs)``: what the call gives, and the
    :class:`Executable` that computed it with its raw outputs (``executable`` None when the call
    was not one executable run on ``args`` as they are). Later calls with the same C++ signature run
    that executable directly when every argument was a numpy or device array and ``result``'s
    leaves are ``outs`` in order; anything else stays on ``general``. With x64 off jax's signature
    of a 64-bit numpy array is its 32-bit one, so such arrays are sent back to ``general`` by the
    argument converter (its exception makes the dispatcher take the Python path)."""
    ArrayImpl = _xc.ArrayImpl

    def cache_miss(*args, **kwargs):
        result, executable, outs = general(*args, **kwargs)
        return result, _fastpath(executable, args, kwargs, result, outs, ArrayImpl), False

    def fun(*args, **kwargs):  # the C++ cache's identity; run directly under `jax.disable_jit()`
        return general(*args, **kwargs)[0]

    fast = _jax.pjit(name, fun, cache_miss, [], [], _pxla.JitGlobalCppCacheKeys(), _tree_util.dispatch_registry,
                     _pxla.cc_shard_arg, _jax.PjitFunctionCache(capacity=16))
    fast._tfc_fun = fun  # keep `fun` alive as long as the dispatcher
    return fast


def _fastpath(executable, args, kwargs, result, outs, ArrayImpl):
    """The C++ fast path's data for running ``executable`` on calls like this one, or None."""
    if executable is None or kwargs or executable.call_single is None and executable.call is None:
        return None
    numpy_ok = jax.config.jax_enable_x64  # else a float64 array's signature is float32's: it would run this
    if not all(type(a) is ArrayImpl or (numpy_ok and type(a) is np.ndarray) for a in args):
        return None
    if len(args) != len(executable.in_types) or not _on_cpp_path(executable.in_types):
        return None
    leaves, out_tree = _tree_util.dispatch_registry.flatten(result, None)
    flat = outs if isinstance(outs, list) else [outs]
    if len(leaves) != len(flat) or any(a is not b for a, b in zip(leaves, flat)) or len(flat) != len(executable.out_types):
        return None
    sharding = _single_sharding(executable.device)
    return _pxla.MeshExecutableFastpathData(
        executable.loaded, out_tree, [sharding] * len(args), [sharding] * len(flat), [o.aval for o in flat],
        [True] * len(flat), [True] * len(args), [None] * len(args), [])


def _on_cpp_path(in_types) -> bool:
    """Whether jax's C++ dispatcher may run a program with these parameters (x64 numpy is narrowed)."""
    return jax.config.jax_enable_x64 or not any(d in _X64_DTYPES for _, d in in_types)


# --------------------------------------------------------------------------
# Compilation
# --------------------------------------------------------------------------

def _find_main(module: ir.Module):
    for op in module.body.operations:
        if op.operation.name == "func.func" and \
                ir.StringAttr(op.attributes["sym_name"]).value == "main":
            return op
    raise CompileError("module has no @main function")


def _set_default_int_attr(module: ir.Module, name: str, value: int) -> None:
    attrs = module.operation.attributes
    if name in attrs:
        got = ir.IntegerAttr(attrs[name]).value
        if got != value:
            raise CompileError(
                f"module has {name} = {got}; this adapter compiles for exactly "
                f"one device ({name} = {value})")
    else:
        attrs[name] = ir.IntegerAttr.get(ir.IntegerType.get_signless(32), value)


def _mark_donated(main, donate: Sequence[int]) -> None:
    """Mark donated @main arguments the way jax's lowering does.

    An argument whose type equals a not-yet-aliased result gets
    ``tf.aliasing_output = <result index>`` (a fixed alias); otherwise it gets
    ``jax.buffer_donor = true`` (XLA may reuse it for any result).  Both turn
    into the HLO's input_output_alias and PjRt deletes donated device inputs.
    """
    ftype = ir.FunctionType(ir.TypeAttr(main.attributes["function_type"]).value)
    inputs, results = list(ftype.inputs), list(ftype.results)
    n = len(inputs)
    old = (list(ir.ArrayAttr(main.attributes["arg_attrs"]))
           if "arg_attrs" in main.attributes else [ir.DictAttr.get({})] * n)
    arg_attrs = [{na.name: na.attr for na in ir.DictAttr(d)} for d in old]
    taken = {ir.IntegerAttr(a["tf.aliasing_output"]).value
             for a in arg_attrs if "tf.aliasing_output" in a}
    for i in sorted(set(donate)):
        if not 0 <= i < n:
            raise ValueError(f"donate index {i} out of range for {n} arguments")
        if "tf.aliasing_output" in arg_attrs[i]:
            continue
        for j, rt in enumerate(results):
            if j not in taken and rt == inputs[i]:
                taken.add(j)
                arg_attrs[i]["tf.aliasing_output"] = ir.IntegerAttr.get(
                    ir.IntegerType.get_signless(32), j)
                break
        else:
            arg_attrs[i]["jax.buffer_donor"] = ir.BoolAttr.get(True)
    main.attributes["arg_attrs"] = ir.ArrayAttr.get(
        [ir.DictAttr.get(a) for a in arg_attrs])


def _to_module(module: ir.Module | str | bytes) -> ir.Module:
    if isinstance(module, ir.Module):
        return module
    ctx = make_context()
    with ctx:
        if isinstance(module, (bytes, bytearray)):
            # A portable artifact parses as a *vhlo* module with ir.Module.parse;
            # deserialize_portable_artifact upgrades it (and also accepts plain
            # bytecode/text).
            try:
                return stablehlo.deserialize_portable_artifact(ctx, bytes(module))
            except ValueError:
                pass
        try:
            return ir.Module.parse(module)
        except ir.MLIRError as e:
            raise CompileError(f"cannot parse module: {e}") from None


def _compile_options(device: Device, xla_options: Mapping[str, str] | None = None):
    # Same knobs jax.jit uses (optimization level, debug options, ...), for
    # exactly one replica/partition placed on `device`; `xla_options` set
    # XLA's debug options by flag name, as jax's `compiler_options` do.
    options = _jex_backend.get_compile_options(
        num_replicas=1, num_partitions=1, device_assignment=[device],
        env_options_overrides=dict(xla_options or {}), backend=device.client)
    return options


def _device_list(device: Device):
    return _xc.DeviceList((device,))


def _prepare(module: ir.Module, replicas: int | None, donate: Sequence[int]) -> None:
    """What XLA needs of a module before it compiles: a public @main, the replica and partition
    counts (``replicas``: replace them; None: one, unless the module says), donated arguments
    marked; then MLIR's verifier (CompileError with its message)."""
    with module.context, ir.Location.unknown():
        main = _find_main(module)
        if "sym_visibility" in main.attributes and \
                ir.StringAttr(main.attributes["sym_visibility"]).value != "public":
            raise CompileError("@main must be public (XLA cannot find a private main)")
        if replicas is not None:
            for name in ("mhlo.num_replicas", "mhlo.num_partitions"):
                if name in module.operation.attributes:
                    del module.operation.attributes[name]
        _set_default_int_attr(module, "mhlo.num_replicas", replicas or 1)
        _set_default_int_attr(module, "mhlo.num_partitions", 1)
        if donate:
            _mark_donated(main, donate)
        try:
            module.operation.verify()
        except ir.MLIRError as e:
            raise CompileError(f"module failed verification: {e}") from None


def compile(module: ir.Module | str | bytes, device: Device | str, *,
            donate: Sequence[int] = (), xla_options: Mapping[str, str] | None = None) -> Executable:
    """Compile a StableHLO module (public @main) for exactly `device`.

    Accepts an ir.Module (modified in place: mhlo.num_replicas/num_partitions
    = 1 are added if absent, donation attributes if requested), MLIR text,
    MLIR bytecode or a StableHLO portable artifact.  The DeviceList and
    CompileOptions.device_assignment both name `device` (a mismatch makes
    execution abort the process).  `donate` lists argument indices whose
    buffers XLA may reuse for outputs; `xla_options` set XLA debug options
    by flag name ({"xla_cpu_enable_fast_math": "True"}).  Verification and
    XLA errors (an unknown option among them) raise CompileError carrying
    XLA's message.
    """
    device = _as_device(device)
    module = _to_module(module)
    _prepare(module, None, donate)
    try:
        loaded = device.client.compile_and_load(
            module, _device_list(device), _compile_options(device, xla_options))
    except JaxRuntimeError as e:
        raise CompileError(f"XLA failed to compile the module: {e}") from None
    return Executable(loaded, device)


# --------------------------------------------------------------------------
# Replicas: one program on N devices (data parallelism)
# --------------------------------------------------------------------------

class ReplicatedExecutable:
    """A program compiled once for ``len(devices)`` replicas (replica i on ``devices[i]``), whose
    collectives (``stablehlo.all_reduce``...) run across them.

    ``run(shards)`` takes per argument either one value for every replica (``[x]``, replicated)
    or one value per replica (``[x0, x1, ...]``, e.g. slices of a batch), numpy or jax arrays of
    the program's (per-replica) parameter types; it returns per result the list of the replicas'
    values, each a device array on its replica's device. When ``devices`` span processes, each
    process runs its own replicas (``local_devices``, in order): ``run`` takes and returns theirs,
    and every process must call it, since the collectives wait for all replicas."""

    __slots__ = ("loaded", "devices", "local_devices", "in_types", "out_types", "_mesh")

    def __init__(self, loaded, devices: Sequence[Device]):
        self.loaded = loaded
        self.devices = list(devices)
        me = process_index()
        self.local_devices = [d for d in self.devices if d.process_index == me]
        self.in_types, self.out_types = _program_types(loaded)
        mesh = jax.sharding.Mesh(np.array(self.devices), ("replicas",))
        self._mesh = (jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec()),
                      jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("replicas")))

    def run(self, shards: Sequence[Sequence[Any]]) -> list[list[jax.Array]]:
        if len(shards) != len(self.in_types):
            raise TypeError(f"expected {len(self.in_types)} arguments, got {len(shards)}")
        arrays = [self._put(i, values) for i, values in enumerate(shards)]
        return self.loaded.execute_sharded(arrays).disassemble_into_single_device_arrays()

    def _put(self, index: int, values: Sequence[Any]):
        shape, dtype = self.in_types[index]
        count = len(self.local_devices)
        if len(values) not in (1, count):
            raise TypeError(f"argument {index}: expected 1 value (replicated) or {count} (one per replica), got {len(values)}")
        hosts = []
        for value in values:
            x = np.asarray(value)
            if x.dtype != dtype and not jax.config.jax_enable_x64 and jax.dtypes.canonicalize_dtype(x.dtype) == dtype:
                x = x.astype(dtype)
            if x.dtype != dtype or x.shape != shape:
                raise TypeError(f"argument {index}: expected {dtype}{list(shape)} per replica, got {x.dtype}{list(x.shape)}")
            hosts.append(x)
        split = len(hosts) > 1 and len(shape) > 0
        if split:  # the global array's shape, whose local slices these are
            sharding, aval = self._mesh[1], _core.ShapedArray((shape[0] * len(self.devices), *shape[1:]), dtype)
        else:
            sharding, aval = self._mesh[0], _core.ShapedArray(shape, dtype)
            hosts = hosts * count if len(hosts) == 1 else hosts
        return _jax.batched_device_put(aval, sharding, hosts, self.local_devices, committed=True,
                                       host_buffer_semantics=_xc.HostBufferSemantics.IMMUTABLE_UNTIL_TRANSFER_COMPLETES,
                                       enable_x64=True)

    def __repr__(self) -> str:
        return f"<ReplicatedExecutable on {', '.join(map(str, self.devices))}>"


def compile_replicated(module: ir.Module, devices: Sequence[Device | str], *, donate: Sequence[int] = (),
                       xla_options: Mapping[str, str] | None = None) -> ReplicatedExecutable:
    """Compile a StableHLO module (public @main) as ``len(devices)`` replicas, replica i on
    ``devices[i]``: ``mhlo.num_replicas`` = N (set here, or already N), one partition, and a device
    assignment of N replicas x 1 partition in that order (NOTES-xla: replica mode on host devices)."""
    targets = [_as_device(d) for d in devices]
    if not targets or len({t.id for t in targets}) != len(targets):
        raise ValueError(f"replicas need distinct devices, got {[str(t) for t in targets]}")
    count = len(targets)
    _prepare(module, count, donate)
    client = targets[0].client
    options = _jex_backend.get_compile_options(num_replicas=count, num_partitions=1, backend=client,
                                               env_options_overrides=dict(xla_options or {}))
    options.device_assignment = _xc.DeviceAssignment.create(np.array([[t.id] for t in targets]))
    try:
        loaded = client.compile_and_load(module, _xc.DeviceList(tuple(targets)), options)
    except JaxRuntimeError as e:
        raise CompileError(f"XLA failed to compile the module for {count} replicas: {e}") from None
    return ReplicatedExecutable(loaded, targets)


_broadcasts: dict[tuple, ReplicatedExecutable] = {}


def broadcast_from_chief(values: Sequence[Any], devices: Sequence[Device | str]) -> list[np.ndarray]:
    """``values`` as process 0 holds them, in every process: so replicas start equal. A collective
    over ``devices`` (every process's, as in a replicated program): every process calls it with
    values of the same shapes and dtypes. Exact for every dtype: all replicas gather replica 0's
    values (a sum with zeros from the others would turn -0.0 into 0.0); compiled once per types."""
    hosts = [np.asarray(v) for v in values]
    targets = [_as_device(d) for d in devices]
    if not hosts:
        return []
    key = (tuple((x.shape, x.dtype) for x in hosts), tuple(t.id for t in targets))
    executable = _broadcasts.get(key)
    if executable is None:
        executable = _broadcasts[key] = compile_replicated(_broadcast_module(hosts, len(targets)), targets)
    return [np.asarray(results[0]) for results in executable.run([[x] for x in hosts])]


def _broadcast_module(hosts: Sequence[np.ndarray], count: int) -> ir.Module:
    """StableHLO: each argument gathered from all ``count`` replicas, replica 0's slice returned."""
    groups = f"dense<[[{', '.join(map(str, range(count)))}]]> : tensor<1x{count}xi64>"
    with make_context(), ir.Location.unknown():
        types = [[str(ir.RankedTensorType.get(s, _jax_mlir.dtype_to_ir_type(x.dtype))) for s in (x.shape, (1, *x.shape), (count, *x.shape))]
                 for x in hosts]
    body = []
    for i, ((one, row, rows), x) in enumerate(zip(types, hosts)):
        ones = ", ".join(["1"] * (x.ndim + 1))
        body += [f'%r{i} = "stablehlo.reshape"(%a{i}) : ({one}) -> {row}',
                 f'%g{i} = "stablehlo.all_gather"(%r{i}) {{all_gather_dim = 0 : i64, replica_groups = {groups}}} : ({row}) -> {rows}',
                 f'%s{i} = "stablehlo.slice"(%g{i}) {{start_indices = array<i64: {", ".join(["0"] * (x.ndim + 1))}>, '
                 f'limit_indices = array<i64: {", ".join(map(str, (1, *x.shape)))}>, strides = array<i64: {ones}>}} : ({rows}) -> {row}',
                 f'%o{i} = "stablehlo.reshape"(%s{i}) : ({row}) -> {one}']
    arguments = ", ".join(f"%a{i}: {t[0]}" for i, t in enumerate(types))
    results = ", ".join(t[0] for t in types)
    returned = ", ".join(f"%o{i}" for i in range(len(types)))
    text = "\n".join([f"func.func public @main({arguments}) -> ({results}) {{", *body, f"return {returned} : {results}", "}"])
    return _to_module(text)


# --------------------------------------------------------------------------
# Importing jax functions (how custom ops' kernels are inlined)
# --------------------------------------------------------------------------

def lower_jax(fn, arg_types: Sequence[tuple[tuple[int, ...], np.dtype]],
              platform: str | None = None) -> str:
    """StableHLO text of ``jax.jit(fn)`` for arguments of these (shape, dtype), lowered for
    ``platform`` ("cpu", "gpu"...; None: jax's default backend).

    Only public jax API. Unused arguments are kept (jax drops them by default), so the function
    takes exactly the caller's operands. When an argument is 64-bit, jax's x64 mode is on for this
    lowering only: otherwise jax would narrow it to 32 bits and it would not fit the caller's types.
    """
    avals = [jax.ShapeDtypeStruct(tuple(s), np.dtype(d)) for s, d in arg_types]
    wide = any(np.dtype(d) in _X64_DTYPES for _, d in arg_types)
    with jax.enable_x64(True) if wide else contextlib.nullcontext():
        traced = jax.jit(fn, keep_unused=True).trace(*avals)
        return traced.lower(lowering_platforms=(platform,) if platform else None).as_text()


def import_functions(text: str, target: ir.Module, base: str,
                     taken: set[str]) -> list[ir.Operation]:
    """Parse jax's StableHLO ``text`` into ``target``'s context and move its functions into ``target``.

    Every symbol is renamed ``{base}{n}_{old name}`` with the smallest ``n`` for which no new name
    is in ``taken`` (symbols ``target`` already has or will have) or in the parsed module itself,
    so imported functions never clash with the module's or each other's; uses are renamed with
    them. All become private (XLA's entry stays the module's own ``@main``) and jax's result
    annotations are dropped. ``taken`` gains the new names. Returns the moved functions, jax's
    entry (``main``) first.
    """
    try:
        parsed = ir.Module.parse(text, context=target.context)
    except ir.MLIRError as e:
        raise CompileError(f"cannot parse the jax function's StableHLO: {e}") from None
    ops = list(parsed.body.operations)
    names = [_symbol_name(op) for op in ops]
    old = {n for n in names if n is not None}
    n = 0
    while any(f"{base}{n}_{name}" in taken | old for name in old):
        n += 1
    for name in old:
        ir.SymbolTable.replace_all_symbol_uses(name, f"{base}{n}_{name}", parsed.operation)
    for op, name in zip(ops, names):
        if name is not None:
            ir.SymbolTable.set_symbol_name(op, f"{base}{n}_{name}")
            ir.SymbolTable.set_visibility(op, "private")
            taken.add(f"{base}{n}_{name}")
        target.body.append(op)
    ops.sort(key=lambda op: _symbol_name(op) != f"{base}{n}_main")
    for key in ("arg_attrs", "res_attrs"):
        if ops and key in ops[0].attributes:
            del ops[0].attributes[key]
    return ops


def _symbol_name(op) -> str | None:
    attributes = op.operation.attributes
    return ir.StringAttr(attributes["sym_name"]).value if "sym_name" in attributes else None


# --------------------------------------------------------------------------
# Inspection and (de)serialization
# --------------------------------------------------------------------------

def optimized_hlo_text(executable: Executable) -> str:
    """XLA's optimized HLO (after fusion, layout assignment) as text."""
    return executable.loaded.hlo_modules()[0].to_string()


def serialize(executable: Executable) -> bytes:
    """The compiled executable as bytes, for a disk cache.

    On CPU the bytes contain machine code for this host's CPU: key the cache
    on the machine as well as on ``jax_version()``.
    """
    return executable.device.client.serialize_executable(executable.loaded)


def deserialize(data: bytes, device: Device | str, types: tuple | None = None) -> Executable:
    """Load serialized bytes onto `device` (any device of the same platform,
    not only the one compiled for): ~1-20 ms instead of a compile.

    ``types``: the program's (param types, result types) when known (else
    read from its HLO). Only load bytes you wrote yourself: loading runs
    native code.
    """
    device = _as_device(device)
    try:
        loaded = device.client.deserialize_executable(
            data, _device_list(device), _compile_options(device))
    except JaxRuntimeError as e:
        raise CompileError(f"cannot deserialize executable: {e}") from None
    return Executable(loaded, device, types)


@functools.cache
def jax_version() -> str:
    """"jax=..;jaxlib=..;xla_ext=..": changes whenever compiled artifacts or
    this adapter's assumptions may change.  Use in cache keys."""
    return (f"jax={jax.__version__};jaxlib={jaxlib.__version__};"
            f"xla_ext={getattr(_xc, '_version', 0)}")


def jaxlib_version() -> str:
    """jaxlib's version alone ("0.10.2"): the compile cache keeps one folder per version."""
    return jaxlib.__version__


def compile_options_fingerprint(device: Device | str, xla_options: Mapping[str, str] | None = None) -> str:
    """A digest of the CompileOptions ``compile`` uses for ``device`` (replica and partition counts,
    build and debug options, jax's flags that reach XLA), with the device assignment normalized:
    what a disk cache key needs so that a change of options never loads a stale executable, while
    every device of one kind shares an entry (``deserialize`` places it on the device)."""
    device = _as_device(device)
    options = _compile_options(device, xla_options)
    options.device_assignment = _xc.DeviceAssignment.create(np.array([[0]]))
    return hashlib.sha256(options.SerializeAsString()).hexdigest()
