"""Serialized XLA executables inside an export, so a server runs a signature without compiling it.

``tfc.saved_model.save(..., options=SaveOptions(executables_for_batch_sizes=(1, 8, 32)))`` (or
``tfc export --executables``) specializes each traced signature to every batch size (the leading
``None`` dim of its inputs; a signature whose inputs are all known gets its one shape), compiles it
for ``executable_device`` and stores the serialized executables::

    executables/<signature>/<dims>.bin     e.g. executables/serving_default/8x3_scalar.bin

with an index in ``saved_model.json`` (:mod:`.format`)::

    "executables": {"target": {"platform": "cpu", "device_kind": "cpu", "platform_version": "...",
                               "runtime": "jax=..;jaxlib=..;xla_ext=..", "compile_options": "<sha256>",
                               "xla_flags": "", "host": "x86_64:<cpu flags digest>"},
                    "signatures": {"serving_default": [
                        {"shapes": [[8, 3], []], "file": "executables/serving_default/8x3_scalar.bin",
                         "sha256": "<payload digest>", "program_sha256": "<digest of serving_default.tfc>",
                         "params": [[[8, 3], "float32"], ...], "results": [[[8, 2], "float32"]]}]}}

A loader (:class:`StoredExecutables`) uses an entry only when the running target is exactly the
recorded one (same platform and device kind, jax/jaxlib/XLA versions, compile options, ``XLA_FLAGS``
and, on CPU, the same host CPU features: the bytes are machine code), the payload's and the
program's digests match, and the call's shapes are the entry's. Anything else (another machine, a
jaxlib upgrade, a truncated file) is counted as ``rejected`` and the signature compiles as it would
without executables: a stale executable never makes a model fail to load. The digests catch
damage, not malice: an executable is native code, so load exports only from where you would run
code from.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import Counter
from pathlib import Path

import numpy as np

from tfc.parser import parse_module
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .specialize import specialize

EXECUTABLES_DIR = "executables"
log = logging.getLogger("tfc")

#: What loaders did with stored executables since the process started ("loaded", "rejected"):
#: tests and servers read it to tell a stored executable from a compile.
counts: Counter = Counter()
_counts_lock = threading.Lock()


def count(event: str) -> None:
    with _counts_lock:
        counts[event] += 1


def target_fingerprint(device: str) -> dict:
    """Everything about ``device`` and this runtime that a serialized executable depends on."""
    from tfc.backends.xla import disk_cache
    from tfc.backends.xla import jaxlib_adapter as jx

    target = jx.get_device(device)
    return {"platform": target.platform, "device_kind": target.device_kind,
            "platform_version": str(getattr(target.client, "platform_version", "")), "runtime": jx.jax_version(),
            "compile_options": jx.compile_options_fingerprint(target), "xla_flags": os.environ.get("XLA_FLAGS", ""),
            "host": disk_cache.host_fingerprint() if target.platform == "cpu" else ""}


def batch_shapes(name: str, inputs: dict, batch_sizes) -> list[list[tuple]]:
    """The input shapes to compile signature ``name`` for: each batch size in the leading ``None``
    dims, or the one static shape set. ValueError when another dim (or a rank) is unknown."""
    shapes = []
    for key, info in inputs.items():
        shape = info["shape"]
        if shape is None or None in shape[1:]:
            raise ValueError(f"tfc.saved_model.save: signature '{name}' input '{key}' has shape {shape}; executables need every dim "
                             "known but the leading (batch) one")
        shapes.append(shape)
    if not any(s and s[0] is None for s in shapes):
        return [[tuple(s) for s in shapes]]
    return [[tuple(size if d is None else d for d in s) for s in shapes] for size in batch_sizes]


def shape_file(signature: str, shapes: list[tuple]) -> str:
    """``executables/<signature>/<dims>.bin``, e.g. ``8x3_scalar`` for inputs of shapes (8, 3) and ()."""
    dims = "_".join("x".join(str(d) for d in shape) if shape else "scalar" for shape in shapes) or "noinputs"
    return f"{EXECUTABLES_DIR}/{signature}/{dims}.bin"


def specialized_module(text: str, where: str, entry: str, types: list[TensorType], platform: str):
    """The program ``text`` with its inputs retyped to ``types``, refined and lowered for ``platform``."""
    module = parse_module(text, where)
    specialize(module, entry, types, platform)
    verify(module)
    return module


def compile_signature(name: str, signature: dict, program: str, batch_sizes, device: str) -> tuple[dict, list]:
    """Compile signature ``name`` (its json entry and program text) for each of its
    batch shapes on ``device``; returns (files: path -> bytes, index entries)."""
    from tfc.backends.xla import backend
    from tfc.backends.xla import jaxlib_adapter as jx

    files, entries = {}, []
    program_sha = hashlib.sha256(program.encode()).hexdigest()
    try:
        platform = jx.get_device(device).platform
    except ValueError as err:
        raise ValueError(f"tfc.saved_model.save: executable_device {device!r}: {err}") from None
    dtypes = [DType.from_numpy(np.dtype(info["dtype"])) for info in signature["inputs"].values()]
    for shapes in batch_shapes(name, signature["inputs"], batch_sizes):
        types = [TensorType(dtype, shape) for dtype, shape in zip(dtypes, shapes)]
        module = specialized_module(program, f"{name}.tfc", signature["entry"], types, platform)
        compiled = backend.compile_module(module, device, signature["entry"], cache_dir=False)
        try:
            payload = jx.serialize(compiled.executable)
        except (jx.CompileError, jx.JaxRuntimeError) as err:
            raise ValueError(f"tfc.saved_model.save: device {device} cannot serialize executables: {str(err).splitlines()[0]}") from None
        path = shape_file(name, shapes)
        files[path] = payload
        entries.append({"shapes": [list(s) for s in shapes], "file": path, "sha256": hashlib.sha256(payload).hexdigest(),
                        "program_sha256": program_sha, "params": _types(compiled.executable.in_types),
                        "results": _types(compiled.executable.out_types)})
    return files, entries


def _types(types) -> list:
    return [[list(shape), np.dtype(dtype).name] for shape, dtype in types]


def executables_for(traced: dict, entries: dict, batch_sizes, device: str) -> tuple[dict, dict]:
    """Files and the ``executables`` index for every traced signature (``traced``: name ->
    TracedSignature, ``entries``: name -> its json entry)."""
    files, index = {}, {}
    for name, signature in traced.items():
        more, index[name] = compile_signature(name, entries[name], signature.program, batch_sizes, device)
        files.update(more)
    return files, {"target": target_fingerprint(device), "signatures": index}


class StoredExecutables:
    """A loaded export's executables: :meth:`load` gives one as a backend ``Loaded``, or None."""

    def __init__(self, export_dir: Path, metadata: dict, device: str):
        self.export_dir, self.device = export_dir, device
        index = metadata.get("executables")
        self.index = index if isinstance(index, dict) and isinstance(index.get("signatures"), dict) else None
        self._matches: bool | None = None

    def load(self, signature: str, program_path: Path, entry_name: str, shapes: list[tuple]):
        """The stored executable of ``signature`` (entry function ``entry_name``) for these input
        shapes, when one is valid here; else None (the caller compiles)."""
        if self.index is None:
            return None
        entry = next((e for e in self.index["signatures"].get(signature) or () if _shapes_of(e) == [tuple(s) for s in shapes]), None)
        if entry is None:
            return None
        if not self._target_matches():
            count("rejected")
            return None
        try:
            loaded = self._deserialize(entry, program_path, entry_name)
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as err:
            log.debug("tfc: not using stored executable %s of %s: %s", entry.get("file"), self.export_dir, err)
            loaded = None
        count("loaded" if loaded is not None else "rejected")
        return loaded

    def _target_matches(self) -> bool:
        if self._matches is None:
            try:
                self._matches = self.index.get("target") == target_fingerprint(self.device)
            except (ValueError, RuntimeError):  # an unknown device: compiling says so
                self._matches = False
            if not self._matches:
                log.info("tfc: %s: its executables were built for another target; compiling instead", self.export_dir)
        return self._matches

    def _deserialize(self, entry: dict, program_path: Path, entry_name: str):
        from tfc.backends import Loaded
        from tfc.backends.xla import backend
        from tfc.backends.xla import jaxlib_adapter as jx

        if hashlib.sha256(program_path.read_bytes()).hexdigest() != entry["program_sha256"]:
            raise ValueError(f"{program_path.name} changed since the executable was built")
        path = (self.export_dir / entry["file"]).resolve()
        if self.export_dir.resolve() not in path.parents:
            raise ValueError(f"{entry['file']} is outside the export")
        payload = path.read_bytes()
        if hashlib.sha256(payload).hexdigest() != entry["sha256"]:
            raise ValueError(f"{entry['file']}: digest mismatch (truncated or replaced)")
        types = tuple([(tuple(shape), np.dtype(dtype)) for shape, dtype in entry[kind]] for kind in ("params", "results"))
        executable = jx.deserialize(payload, self.device, types)
        compiled = backend.CompiledModule(executable, entry_name)
        return Loaded(compiled.call, compiled.call_single, "xla", self.device, executable=executable)


def _shapes_of(entry) -> list[tuple] | None:
    try:
        return [tuple(s) for s in entry["shapes"]]
    except (TypeError, KeyError):
        return None


__all__ = ["EXECUTABLES_DIR", "StoredExecutables", "batch_shapes", "compile_signature", "counts", "executables_for", "shape_file",
           "specialized_module", "target_fingerprint"]
