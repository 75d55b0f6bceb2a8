"""Checkpoints: every variable (optimizer slots included) saved atomically, restored with checks.

Format (version :data:`FORMAT_VERSION`): a zip archive readable by ``np.load`` (an ``.npz``), one
uncompressed ``.npy`` member per variable named after it, plus a ``__tfc__`` member holding a JSON
manifest, UTF-8 text as a ``uint8`` array::

    {"format": 1, "variables": {"w": {"dtype": "<f4", "shape": [2, 3]}, "h": {"dtype": "bfloat16", "shape": []}}}

``dtype`` is numpy's ``dtype.str``, or the dtype's name for ml_dtypes' types (``bfloat16``, whose
``.npy`` header can only say ``V2``); only numbers and booleans are stored. npz because it needs no
extra dependency, is read by any numpy and keeps dtypes and shapes exactly.

Reading checks everything and never runs code: no pickles (object arrays are refused), each
member's ``.npy`` header is checked against its size before any data is read, the manifest must be
a well-formed object of a format version this tfc reads, and the archive's arrays and the manifest's
variables must be the same set, each with the manifest's dtype and shape. Anything else is a
:class:`CheckpointError` naming the file.

Writes go through :func:`tfc.files.atomic_write`: a temporary file in the same folder, flushed to
disk, then renamed over the target, so a crash (even SIGKILL) mid-save leaves the last good
checkpoint in place, and the next save removes the crashed writer's temp file.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import ml_dtypes  # noqa: F401 - registers bfloat16 & co. with numpy, so np.dtype("bfloat16") resolves
import numpy as np

from tfc.diagnostics import TfcError
from tfc.files import atomic_write

from .npz import array_members, open_npz, read_array, write_npz

FORMAT_VERSION = 1
MANIFEST = "__tfc__"


class CheckpointError(TfcError):
    """A checkpoint that cannot be written or read back (truncated, corrupt, mismatched); names the file."""


# ---- dtypes --------------------------------------------------------------------------------------
def _is_extension(dtype: np.dtype) -> bool:
    """ml_dtypes' types (bfloat16, float8_*): numpy sees raw ``V`` bytes with a scalar type of their own."""
    return dtype.kind == "V" and dtype.type is not np.void


def storable(dtype: np.dtype) -> bool:
    """Whether a checkpoint holds arrays of ``dtype``: booleans, integers, floats, complex, ml_dtypes' floats."""
    return dtype.kind in "biufc" or _is_extension(dtype)


def dtype_text(dtype: np.dtype) -> str:
    """How the manifest spells ``dtype`` (``<f4``; ``bfloat16`` for ml_dtypes' types)."""
    return dtype.name if _is_extension(dtype) else dtype.str


# ---- saving --------------------------------------------------------------------------------------
def checkpoint_path(path: str | Path) -> Path:
    """``path`` with an ``.npz`` suffix added when it has another one (or none)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
    return path


def _arrays_to_save(path: Path, values: Mapping[str, object]) -> dict[str, np.ndarray]:
    arrays = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise CheckpointError(f"{path}: error: variable names must be non-empty strings, got {name!r}")
        if name == MANIFEST:
            raise CheckpointError(f"{path}: error: '{MANIFEST}' is reserved and cannot be a variable name")
        array = np.asarray(value)
        if not storable(array.dtype):
            raise CheckpointError(f"{path}: error: variable '{name}' has dtype {array.dtype}; a checkpoint holds numbers and booleans only")
        arrays[name] = array
    return arrays


def save(path: str | Path, values: Mapping[str, object]) -> Path:
    """Write ``values`` (name -> array) to ``path`` atomically; returns the path written (``.npz`` added).

    CheckpointError for a bad name or dtype, or a file that cannot be written (the message names it).
    """
    path = checkpoint_path(path)
    arrays = _arrays_to_save(path, values)
    manifest = {
        "format": FORMAT_VERSION,
        "variables": {name: {"dtype": dtype_text(a.dtype), "shape": list(a.shape)} for name, a in sorted(arrays.items())},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as f:
            write_npz(f, {**arrays, MANIFEST: np.frombuffer(json.dumps(manifest).encode(), np.uint8)})
    except OSError as err:
        raise CheckpointError(f"{path}: error: cannot write checkpoint: {err.strerror or err}") from None
    return path


# ---- reading -------------------------------------------------------------------------------------
def _open_file(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise CheckpointError(f"{path}: error: no such checkpoint") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path}: error: is a folder, not a checkpoint file") from None
    except OSError as err:
        raise CheckpointError(f"{path}: error: cannot read checkpoint: {err.strerror or err}") from None


def _manifest_object(path: Path, raw: np.ndarray) -> dict:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"{path}: error: the manifest is a {raw.dtype}{list(raw.shape)} array, not JSON text (uint8[n])")
    try:
        manifest = json.loads(raw.tobytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise CheckpointError(f"{path}: error: the manifest is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{path}: error: the manifest is not JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise CheckpointError(f"{path}: error: the manifest is not JSON a checkpoint holds (nested too deeply)") from None
    if not isinstance(manifest, dict):
        raise CheckpointError(f"{path}: error: the manifest is a JSON {type(manifest).__name__}, expected an object with 'format' and 'variables'")
    for key in ("format", "variables"):
        if key not in manifest:
            raise CheckpointError(f"{path}: error: the manifest has no '{key}' (expected an object with 'format' and 'variables')")
    return manifest


def _check_format(path: Path, version) -> None:
    if type(version) is not int:
        raise CheckpointError(f"{path}: error: the manifest's 'format' is {json.dumps(version)}, expected an integer version")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: error: checkpoint format version {version} is newer than this tfc reads (version {FORMAT_VERSION}); "
            "load it with a newer tfc"
        )
    if version < 1:
        raise CheckpointError(f"{path}: error: unknown checkpoint format version {version} (this tfc reads version {FORMAT_VERSION})")


def _variable_meta(path: Path, name: str, meta) -> tuple[np.dtype, tuple[int, ...]]:
    where = f"{path}: error: the manifest's entry for '{name}'"
    if name == MANIFEST:
        raise CheckpointError(f"{where}: '{MANIFEST}' is reserved and cannot be a variable name")
    if not isinstance(meta, dict) or "dtype" not in meta or "shape" not in meta:
        raise CheckpointError(f"{where} is {json.dumps(meta)}, expected an object with 'dtype' and 'shape'")
    dtype, shape = meta["dtype"], meta["shape"]
    if not isinstance(dtype, str):
        raise CheckpointError(f"{where}: 'dtype' is {json.dumps(dtype)}, expected a dtype string such as \"<f4\"")
    try:
        parsed = np.dtype(dtype)
    except (TypeError, ValueError):
        raise CheckpointError(f"{where}: unknown dtype {json.dumps(dtype)}") from None
    if not storable(parsed):
        raise CheckpointError(f"{where}: dtype {json.dumps(dtype)} is not one a checkpoint holds (numbers and booleans)")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise CheckpointError(f"{where}: 'shape' is {json.dumps(shape)}, expected a list of non-negative integers")
    return parsed, tuple(shape)


def parse_manifest(path: str | Path, raw: np.ndarray) -> dict[str, tuple[np.dtype, tuple[int, ...]]]:
    """The manifest's variables (name -> (dtype, shape)) from its stored bytes; CheckpointError if malformed."""
    path = Path(path)
    manifest = _manifest_object(path, raw)
    _check_format(path, manifest["format"])
    variables = manifest["variables"]
    if not isinstance(variables, dict):
        raise CheckpointError(f"{path}: error: the manifest's 'variables' is a JSON {type(variables).__name__}, expected an object")
    return {name: _variable_meta(path, name, meta) for name, meta in variables.items()}


def _check_same_names(path: Path, variables: Mapping[str, object], members: Mapping[str, zipfile.ZipInfo]) -> None:
    stored = set(members) - {MANIFEST}
    unlisted, missing = sorted(stored - set(variables)), sorted(set(variables) - stored)
    if unlisted:
        raise CheckpointError(f"{path}: error: array '{unlisted[0]}' is in the file but not in the manifest")
    if missing:
        raise CheckpointError(f"{path}: error: the manifest lists '{missing[0]}' but the file has no such array")


def _read_variable(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, meta) -> np.ndarray:
    dtype, shape = meta
    value = read_array(archive, info, str(path), CheckpointError)
    if _is_extension(dtype) and value.dtype.kind == "V" and value.dtype.names is None and value.dtype.itemsize == dtype.itemsize:
        value = value.view(dtype)  # the .npy header of a bfloat16 array says V2
    if value.dtype != dtype or value.shape != shape:
        raise CheckpointError(
            f"{path}: error: variable '{name}' is {value.dtype}{list(value.shape)} but the manifest says {dtype}{list(shape)}"
        )
    return value


def load(path: str | Path) -> dict[str, np.ndarray]:
    """Read a checkpoint written by :func:`save` (``.npz`` is added when only that file exists).

    CheckpointError (naming the file) if it is missing, truncated, corrupt, of a newer format, or if
    its manifest is malformed or disagrees with the arrays it holds.
    """
    path = Path(path)
    if not path.exists() and path.with_suffix(path.suffix + ".npz").exists():
        path = path.with_suffix(path.suffix + ".npz")
    with _open_file(path) as stream, open_npz(stream, str(path), CheckpointError) as archive:
        members = array_members(archive, str(path), CheckpointError)
        if MANIFEST not in members:
            raise CheckpointError(f"{path}: error: not a tfc checkpoint (no '{MANIFEST}' manifest)")
        variables = parse_manifest(path, read_array(archive, members[MANIFEST], str(path), CheckpointError))
        _check_same_names(path, variables, members)
        return {name: _read_variable(path, archive, members[name], name, meta) for name, meta in variables.items()}


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
