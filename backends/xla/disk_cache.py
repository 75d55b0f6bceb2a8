"""The persistent compile cache: executables serialized to disk, so a second process skips XLA.

Compiling costs ~0.5 s per 1000 ops; reloading a serialized executable 10-18 ms, also in a fresh
process (NOTES-xla), so the cache is on by default. Where it lives (:func:`default_cache_dir`):

* ``$TFC_CACHE_DIR`` when set (used as it is); set but empty (``TFC_CACHE_DIR=``) turns it off;
* else ``$XDG_CACHE_HOME/tfc/xla/jaxlib-<version>`` (``~/.cache/tfc/xla/jaxlib-<version>`` without
  XDG), one folder per jaxlib version so an upgrade leaves the old entries in a folder one can delete.

An entry is ``<key>.xla``: a header line (format, key, runtime, device kind, payload size and
digest) and the serialized executable. The key (:func:`entry_key`) covers everything that changes
the executable, so an entry is only ever loaded where it was compiled for. An entry whose header
does not match (corrupt, truncated, another jaxlib or device kind, garbage) is ignored and
replaced, never handed to the native loader. Writes go through :func:`tfc.files.write_atomically`
(a temp file in the folder, then ``os.replace``), so concurrent writers never tear an entry. A
folder that cannot be written turns writing off for the process, with one warning.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
import platform
import threading
from collections import Counter
from pathlib import Path

import numpy as np

from tfc.files import write_atomically

from . import jaxlib_adapter as jx

CACHE_VARIABLE = "TFC_CACHE_DIR"
FORMAT = "tfc-xla-cache/2"
SUFFIX = ".xla"

log = logging.getLogger("tfc")

#: What the backend did per executable since the process started ("compiled", "loaded", "stored",
#: "rejected"): tests and benchmarks read it to tell a disk load from a compile.
counts: Counter = Counter()
_counts_lock = threading.Lock()
_unwritable: set[Path] = set()  # folders a write failed in: not tried again in this process
_warned = False


def count(event: str) -> None:
    with _counts_lock:
        counts[event] += 1


def default_cache_dir() -> Path | None:
    """The cache folder the environment asks for; None when ``TFC_CACHE_DIR`` is set but empty.

    XDG says a relative ``XDG_CACHE_HOME`` is invalid and must be ignored, so it is."""
    if CACHE_VARIABLE in os.environ:
        value = os.environ[CACHE_VARIABLE].strip()
        return Path(value).expanduser() if value else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return root / "tfc" / "xla" / f"jaxlib-{jx.jaxlib_version()}"


def resolve(cache_dir) -> Path | None:
    """The folder to use: an explicit ``cache_dir`` wins; None means the default; False or "" means none."""
    if cache_dir is None:
        return default_cache_dir()
    if cache_dir is False or str(cache_dir) == "":
        return None
    return Path(cache_dir)


@functools.cache
def host_fingerprint() -> str:
    """The host CPU's architecture and feature flags: CPU executables hold machine code for them,
    so a cache folder shared between machines (an NFS home) never runs code built for another CPU."""
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            flags = next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        flags = platform.processor()
    return f"{platform.machine()}:{hashlib.sha256(flags.encode()).hexdigest()[:16]}"


def entry_key(program: bytes, entry: str, target, donate, lowering: str = "", xla_options=None) -> str:
    """The digest naming an entry: the program, the entry function, donated arguments, the device's
    platform and kind, the runtime's versions, the compile options (with the module's
    ``xla_options``), ``XLA_FLAGS`` and, on CPU, the host CPU. ``program`` is the StableHLO's bytecode
    (with custom ops' kernels and locations), or the tfc IR's digest with ``lowering`` the
    :func:`lowering_fingerprint` that turns it into StableHLO."""
    host = host_fingerprint() if target.platform == "cpu" else ""
    parts = (FORMAT, len(program), entry, tuple(donate), target.platform, target.device_kind,
             getattr(target.client, "platform_version", ""), jx.jax_version(), jx.compile_options_fingerprint(target, xla_options),
             os.environ.get("XLA_FLAGS", ""), host, lowering)
    digest = hashlib.sha256(repr(parts).encode())
    digest.update(program)  # not through repr: a MobileNet's bytecode is 1.7 MB
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def lowering_fingerprint() -> str:
    """A sha256 of the source of tfc's IR core and backends (1 ms, once a process): what decides the
    StableHLO a module of tfc's own ops lowers to, so an entry keyed on the IR is never loaded by a
    tfc whose lowering differs."""
    digest = hashlib.sha256()
    for package in ("tfc", "tfc.backends"):
        root = Path(importlib.util.find_spec(package).origin).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _header(key: str, target, payload: bytes) -> dict:
    return {"format": FORMAT, "key": key, "runtime": jx.jax_version(), "device_kind": target.device_kind,
            "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}


def _types_field(executable: jx.Executable) -> dict:
    """The program's parameter and result types, stored beside it: reading them back from a loaded
    executable means serializing its HLO, constants included (7 ms for a MobileNet)."""
    return {kind: [[list(shape), str(dtype)] for shape, dtype in types]
            for kind, types in (("params", executable.in_types), ("results", executable.out_types))}


def _types_of(header: dict) -> tuple[list, list]:
    return tuple([(tuple(shape), np.dtype(dtype)) for shape, dtype in header[kind]] for kind in ("params", "results"))


def load(folder: Path, key: str, target) -> jx.Executable | None:
    """The executable stored under ``key`` for ``target``, or None (absent, unreadable, or an entry
    that is not exactly what this key wrote: it is then replaced by the caller's compile)."""
    path = folder / f"{key}{SUFFIX}"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, _, payload = data.partition(b"\n")
    try:
        header = json.loads(head)
        types = _types_of(header)
        del header["params"], header["results"]
    except (ValueError, TypeError, KeyError):
        header = None
    if header != _header(key, target, payload):
        count("rejected")
        log.debug("tfc: ignoring compile cache entry %s (corrupt, truncated or written by another runtime)", path)
        return None
    try:
        executable = jx.deserialize(payload, target, types)
    except (jx.CompileError, jx.JaxRuntimeError) as err:
        count("rejected")
        log.debug("tfc: ignoring compile cache entry %s: %s", path, err)
        return None
    count("loaded")
    log.debug("tfc: loaded executable %s from the compile cache", path)
    return executable


def store(folder: Path, key: str, target, executable: jx.Executable) -> None:
    """Write ``executable`` under ``key``; a folder that cannot be written turns the cache off for
    writing in this process, with one warning for the whole process (never an error)."""
    if folder in _unwritable:
        return
    try:
        payload = jx.serialize(executable)
    except (jx.CompileError, jx.JaxRuntimeError) as err:  # a platform that cannot serialize executables
        log.debug("tfc: cannot serialize executable for the compile cache: %s", err)
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"{key}{SUFFIX}", json.dumps(_header(key, target, payload) | _types_field(executable)).encode() + b"\n" + payload)
    except OSError as err:
        _unwritable.add(folder)
        _warn_once(folder, err)
        return
    count("stored")


def _warn_once(folder: Path, err: OSError) -> None:
    global _warned
    with _counts_lock:
        if _warned:
            return
        _warned = True
    log.warning("tfc: cannot write the compile cache at %s (%s); compiling without it. Set %s to another folder, "
                "or to nothing (%s=) to turn it off.", folder, err.strerror or err, CACHE_VARIABLE, CACHE_VARIABLE)


__all__ = ["CACHE_VARIABLE", "counts", "default_cache_dir", "entry_key", "host_fingerprint", "load", "resolve", "store"]
