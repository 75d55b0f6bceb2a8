"""Checkpoints: every variable (optimizer slots included) saved atomically, restored with checks.

Format: a numpy ``.npz`` archive, one array per variable keyed by its name, plus a ``__tfc__`` entry
holding a JSON manifest (format version, names, dtypes, shapes). npz because it needs no extra
dependency, is read by any numpy, keeps dtypes and shapes exactly, and is loaded here with
``allow_pickle=False`` so a checkpoint can never run code. Writes go to a temporary file in the
same folder, are flushed to disk, then renamed over the target: a crash mid-save leaves the last
good checkpoint in place (:func:`tfc.files.atomic_write`).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tfc.diagnostics import TfcError
from tfc.files import atomic_write

FORMAT_VERSION = 1
MANIFEST = "__tfc__"


class CheckpointError(TfcError):
    """A checkpoint that cannot be written or read back (truncated, corrupt, mismatched)."""


def save(path: str | Path, values: Mapping[str, object]) -> Path:
    """Write ``values`` (name -> array) to ``path`` atomically; returns the path written."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    arrays = {name: np.asarray(value) for name, value in values.items()}
    if MANIFEST in arrays:
        raise CheckpointError(f"error: '{MANIFEST}' is reserved and cannot be a variable name")
    manifest = {
        "format": FORMAT_VERSION,
        "variables": {name: {"dtype": a.dtype.str, "shape": list(a.shape)} for name, a in sorted(arrays.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        np.savez(f, **arrays, **{MANIFEST: np.frombuffer(json.dumps(manifest).encode(), np.uint8)})
    return path


def load(path: str | Path) -> dict[str, np.ndarray]:
    """Read a checkpoint written by :func:`save`; CheckpointError if it is truncated, corrupt or inconsistent."""
    path = Path(path)
    if not path.exists() and path.with_suffix(path.suffix + ".npz").exists():
        path = path.with_suffix(path.suffix + ".npz")
    try:
        with np.load(path, allow_pickle=False) as data:
            if MANIFEST not in data.files:
                raise CheckpointError(f"{path}: error: not a tfc checkpoint (no manifest)")
            manifest = json.loads(bytes(data[MANIFEST]).decode())
            values = {name: data[name] for name in manifest["variables"]}
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"{path}: error: no such checkpoint") from None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{path}: error: truncated or corrupt checkpoint ({type(err).__name__}: {err})") from None
    for name, meta in manifest["variables"].items():
        value = values[name]
        if value.dtype.str != meta["dtype"] or list(value.shape) != meta["shape"]:
            raise CheckpointError(f"{path}: error: variable '{name}' is {value.dtype}{list(value.shape)} but the manifest says {meta}")
    return values


def check_compatible(path, values: Mapping[str, np.ndarray], expected: Mapping[str, object]) -> None:
    """Every expected variable is present with the same shape and dtype (names the first that is not)."""
    for name, current in expected.items():
        if name not in values:
            raise CheckpointError(f"{path}: error: checkpoint has no variable '{name}'")
        current = np.asarray(current)
        if values[name].shape != current.shape or values[name].dtype != current.dtype:
            raise CheckpointError(
                f"{path}: error: variable '{name}' is {values[name].dtype}{list(values[name].shape)} in the checkpoint "
                f"but {current.dtype}{list(current.shape)} here"
            )


def save_session(session, path: str | Path) -> Path:
    """Save every variable of a ``tfc.Session`` or ``GraphSession`` (optimizer slots included),
    read while no run is updating them."""
    return save(path, {name: np.asarray(value) for name, value in session.variables.snapshot().items()})


def restore_session(session, path: str | Path, *, strict: bool = True) -> None:
    """Load a checkpoint into ``session``'s variables; with ``strict``, the variables the session
    already has must all be in the checkpoint with the same shapes and dtypes."""
    values = load(path)
    if strict:
        check_compatible(path, values, session.variables)
    with session.variables.holding(values):
        session.variables.update(values)
