"""The versions of one served model: discovered under the base path, loaded, hot-reloaded, unloaded.

As TensorFlow Serving's default version policy (``latest``), the highest numbered version directory
that holds a complete export is served; a poller looks at the base path every
``poll_wait_seconds`` and, when a newer complete version appears, loads it (and compiles it for the
input shapes already served, so the switch costs no request a compile) before it replaces the old
one, which is then unloaded. In-flight requests keep the version they started with, so none fails.
Exports are renamed into place whole (``tfc.saved_model.save``), and a directory without its
``saved_model.json`` is never loaded: its error is kept and shown in the model's status.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tfc.saved_model import SavedModel, SavedModelError, load
from tfc.saved_model.format import METADATA_FILE

LOG = logging.getLogger("tfc.serving")
WARMUP_SHAPES = 8  # at most this many served shapes per signature are compiled ahead by a new version


class ServingError(Exception):
    """An error a request gets back: TF Serving's message and its canonical code (NOT_FOUND, INVALID_ARGUMENT...)."""

    def __init__(self, message: str, code: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class VersionState:
    """One version's place in the status: AVAILABLE, or END with the error that kept it from loading."""

    version: int
    state: str
    error_message: str = ""
    files: tuple = ()  # the directory's files when it failed: retried once they change (a copy still under way)
    model: SavedModel | None = field(default=None, repr=False)


def find_versions(base_path: Path) -> dict[int, Path]:
    """Numbered subdirectories of ``base_path`` (hidden and temporary ones are not versions)."""
    found = {}
    for entry in os.scandir(base_path):
        if entry.is_dir() and entry.name.isdigit():
            found[int(entry.name)] = Path(entry.path)
    return found


class ModelManager:
    """Serves the latest complete version of model ``name`` under ``base_path`` (see the module docstring)."""

    def __init__(self, name: str, base_path, poll_wait_seconds: float = 1.0, device: str = "cpu"):
        if not isinstance(name, str) or not name or "/" in name or ":" in name:
            raise ValueError(f"model_name must be a non-empty name without '/' or ':', got {name!r}")
        if not isinstance(poll_wait_seconds, (int, float)) or poll_wait_seconds < 0:
            raise ValueError(f"file_system_poll_wait_seconds must be a number >= 0, got {poll_wait_seconds!r}")
        self.name, self.base_path = name, Path(os.fsdecode(base_path))
        if not self.base_path.is_dir():
            raise ValueError(f"model_base_path {self.base_path} is not a directory")
        self.poll_wait_seconds, self.device = float(poll_wait_seconds), device
        self.states: dict[int, VersionState] = {}
        self.served_shapes: dict[str, dict[tuple, dict]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.poll()
        if self.latest() is None:
            reasons = "; ".join(f"{s.version}/: {s.error_message}" for s in self.states.values()) or "no numbered version directories"
            raise ValueError(f"model_base_path {self.base_path} has no loadable version of model '{name}' ({reasons})")

    def latest(self) -> VersionState | None:
        with self._lock:
            available = [s for s in self.states.values() if s.state == "AVAILABLE"]
        return max(available, key=lambda s: s.version) if available else None

    def version(self, number: int | None) -> VersionState:
        """The loaded version ``number`` (None: the latest; ``.model`` is its SavedModel), else ServingError NOT_FOUND as TF Serving says it."""
        if number is None:
            state = self.latest()
        else:
            with self._lock:
                state = self.states.get(number)
        if state is None or state.model is None:
            spec = f"Latest({self.name})" if number is None else f"Specific({self.name}, {number})"
            raise ServingError(f"Servable not found for request: {spec}", "NOT_FOUND")
        return state

    def status(self) -> list[VersionState]:
        """Every version's state (loaded, unloaded, failed), newest first."""
        with self._lock:
            return sorted(self.states.values(), key=lambda s: -s.version)

    def poll(self) -> None:
        """Load a newer complete version if one appeared, then unload every older one."""
        current = self.latest()
        newest = current.version if current else -1
        for number, path in sorted(find_versions(self.base_path).items(), reverse=True):
            if number <= newest:
                break
            known = self.states.get(number)
            if known is not None and known.state == "END" and known.files == _files(path):
                continue  # failed before and nothing changed since: not retried every poll
            state = self._load(number, path)
            if state.state == "AVAILABLE":
                self._swap(state)
                break
            with self._lock:
                self.states[number] = state

    def _load(self, number: int, path: Path) -> VersionState:
        files = _files(path)
        if not (path / METADATA_FILE).is_file():
            return VersionState(number, "END", f"{path}: no {METADATA_FILE}, so not a complete tfc SavedModel; not loaded", files=files)
        try:
            model = load(path, self.device)
            self._warm_up(model)
        except (SavedModelError, ValueError) as err:
            LOG.error("model %s version %d not loaded: %s", self.name, number, err)
            return VersionState(number, "END", str(err), files=files)
        LOG.info("model %s version %d loaded from %s", self.name, number, path)
        return VersionState(number, "AVAILABLE", model=model)

    def _warm_up(self, model: SavedModel) -> None:
        """Compile the new version for the shapes the old one served (zeros of those shapes)."""
        for signature, shapes in list(self.served_shapes.items()):
            if signature in model.signatures:
                for arrays in list(shapes.values())[:WARMUP_SHAPES]:
                    model.signatures[signature](**{k: np.zeros(a.shape, a.dtype) for k, a in arrays.items()})

    def _swap(self, state: VersionState) -> None:
        with self._lock:
            for old in [s for s in self.states.values() if s.state == "AVAILABLE"]:
                LOG.info("model %s version %d unloaded", self.name, old.version)
                self.states[old.version] = VersionState(old.version, "END")
            self.states[state.version] = state

    def record_shapes(self, signature: str, arrays: dict) -> None:
        """Remember a served input shape (for the next version's warm-up)."""
        key = tuple((k, a.shape, a.dtype.str) for k, a in sorted(arrays.items()))
        shapes = self.served_shapes.setdefault(signature, {})
        if key not in shapes and len(shapes) < WARMUP_SHAPES:
            shapes[key] = {k: _Spec(a) for k, a in arrays.items()}

    def start(self) -> None:
        """Poll the base path in a daemon thread until :meth:`stop`."""
        def run():
            while not self._stop.wait(self.poll_wait_seconds):
                try:
                    self.poll()
                except OSError as err:  # the base path vanished or is unreadable for a moment: keep serving
                    LOG.error("polling %s: %s", self.base_path, err)
        if self.poll_wait_seconds > 0 and self._thread is None:
            self._thread = threading.Thread(target=run, name=f"tfc-serving-poll-{self.name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()


def _files(path: Path) -> tuple:
    """(name, size, mtime) of every file under ``path``: what tells a changed directory from the one that failed."""
    found = []
    for root, _dirs, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                info = os.stat(os.path.join(root, name))
                found.append((os.path.relpath(os.path.join(root, name), path), info.st_size, info.st_mtime_ns))
    return tuple(sorted(found))


class _Spec:
    """A shape and dtype (what warm-up makes zeros of)."""

    def __init__(self, array: np.ndarray):
        self.shape, self.dtype = array.shape, array.dtype


__all__ = ["ModelManager", "ServingError", "VersionState", "find_versions"]
