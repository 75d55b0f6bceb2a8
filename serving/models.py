"""The versions of the served models: discovered under each base path, loaded, hot-reloaded, unloaded.

A model's :class:`VersionPolicy` is TF Serving's ``model_version_policy``: ``latest`` (the default,
one version: the highest numbered directory that holds a complete export), ``all``, or ``specific``
version numbers. A poller looks at the base path every ``poll_wait_seconds`` and loads the versions
the policy wants that appeared (compiling each for the input shapes already served, so the switch
costs no request a compile) before the ones it no longer wants are unloaded. In-flight requests keep
the version they started with, so none fails. Exports are renamed into place whole
(``tfc.saved_model.save``), and a directory without its ``saved_model.json`` is never loaded: its
error is kept and shown in the model's status.

:class:`ServedModels` is what a server serves: the managers by name and their ``version_labels``,
from ``--model_name`` or a model config file (:mod:`.model_config`), reconfigured when that changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable
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


@dataclass(frozen=True)
class VersionPolicy:
    """Which versions of a model are loaded and served: TF Serving's ``ServableVersionPolicy``.

    >>> VersionPolicy("latest", num_versions=2).select([1, 2, 3])
    {2, 3}
    """

    kind: str = "latest"
    """``latest`` (the highest numbered versions), ``all``, or ``specific``."""
    num_versions: int = 1
    """How many versions ``latest`` serves."""
    versions: tuple[int, ...] = ()
    """The version numbers ``specific`` serves."""

    def __post_init__(self):
        if self.kind not in ("latest", "all", "specific"):
            raise ValueError(f"model_version_policy must be latest, all or specific, got {self.kind!r}")
        if self.kind == "latest" and (not isinstance(self.num_versions, int) or self.num_versions < 1):
            raise ValueError(f"model_version_policy latest: num_versions must be an integer >= 1, got {self.num_versions!r}")
        if self.kind == "specific" and not self.versions:
            raise ValueError("model_version_policy specific: expected at least one version number, got none")
        if any(not isinstance(v, int) or v < 0 for v in self.versions):
            raise ValueError(f"model_version_policy specific: versions must be integers >= 0, got {list(self.versions)}")

    def select(self, numbers: Iterable[int]) -> set[int]:
        """The versions among ``numbers`` this policy serves."""
        numbers = set(numbers)
        if self.kind == "latest":
            return set(sorted(numbers)[-self.num_versions:])
        if self.kind == "specific":
            return numbers & set(self.versions)
        return numbers

    def __str__(self) -> str:
        return {"latest": f"latest {self.num_versions}", "all": "all"}.get(self.kind, f"specific {sorted(self.versions)}")


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
    """Serves the versions of model ``name`` under ``base_path`` that ``version_policy`` wants (see the module docstring)."""

    def __init__(self, name: str, base_path, poll_wait_seconds: float = 1.0, device: str = "cpu", version_policy: VersionPolicy | None = None):
        if not isinstance(name, str) or not name or "/" in name or ":" in name:
            raise ValueError(f"model_name must be a non-empty name without '/' or ':', got {name!r}")
        if not isinstance(poll_wait_seconds, (int, float)) or poll_wait_seconds < 0:
            raise ValueError(f"file_system_poll_wait_seconds must be a number >= 0, got {poll_wait_seconds!r}")
        if version_policy is not None and not isinstance(version_policy, VersionPolicy):
            raise ValueError(f"version_policy must be a VersionPolicy, got {type(version_policy).__name__}")
        self.name, self.base_path = name, Path(os.fsdecode(base_path))
        if not self.base_path.is_dir():
            raise ValueError(f"model_base_path {self.base_path} is not a directory")
        self.poll_wait_seconds, self.device = float(poll_wait_seconds), device
        self.policy = version_policy or VersionPolicy()
        self.states: dict[int, VersionState] = {}
        self.served_shapes: dict[str, dict[tuple, dict]] = {}
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()  # one poll at a time (the poller's, and a reconfiguration's)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.poll()
        if self.latest() is None:
            raise ValueError(f"model_base_path {self.base_path} has no loadable version of model '{name}' ({self._reasons()})")

    def _reasons(self) -> str:
        reasons = "; ".join(f"{s.version}/: {s.error_message}" for s in self.states.values() if s.error_message)
        if self.policy.kind == "specific":
            missing = sorted(set(self.policy.versions) - set(find_versions(self.base_path)))
            if missing:
                reasons = "; ".join(filter(None, [f"versions {missing} of model_version_policy {self.policy} not found", reasons]))
        return reasons or "no numbered version directories"

    def latest(self) -> VersionState | None:
        with self._lock:
            available = [s for s in self.states.values() if s.state == "AVAILABLE"]
        return max(available, key=lambda s: s.version) if available else None

    def available(self) -> list[int]:
        """The numbers of the versions being served, ascending."""
        with self._lock:
            return sorted(n for n, s in self.states.items() if s.state == "AVAILABLE")

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

    def set_policy(self, policy: VersionPolicy) -> None:
        """Serve the versions ``policy`` wants from now on (a changed model config): loads and unloads at once."""
        if not isinstance(policy, VersionPolicy):
            raise ValueError(f"version_policy must be a VersionPolicy, got {type(policy).__name__}")
        self.policy = policy
        self.poll()

    def poll(self) -> None:
        """Load the versions the policy wants that appeared (or changed since they failed), then unload the ones it no longer wants.

        The versions served never drop to none because their directories vanished or the policy names
        none that exist: the last ones stay until a wanted version loads.
        """
        with self._poll_lock:
            found = find_versions(self.base_path)
            tried = self._load_wanted(found)
            with self._lock:
                self.states.update({s.version: s for s in tried})
                available = {n for n, s in self.states.items() if s.state == "AVAILABLE"}
                keep = self.policy.select(available & set(found)) or available
                for number in sorted(available - keep):
                    LOG.info("model %s version %d unloaded", self.name, number)
                    self.states[number] = VersionState(number, "END")

    def _load_wanted(self, found: dict[int, Path]) -> list[VersionState]:
        """Try each version the policy wants that is not served (newest first; ``latest N`` stops at N served)."""
        served = set(self.available())
        wanted = sorted(set(found) if self.policy.kind != "specific" else set(found) & set(self.policy.versions), reverse=True)
        tried, count = [], 0
        for number in wanted:
            if self.policy.kind == "latest" and count >= self.policy.num_versions:
                break
            if number in served:
                count += 1
                continue
            known = self.states.get(number)
            if known is not None and known.error_message and known.files == _files(found[number]):
                continue  # failed before and nothing changed since: not retried every poll
            state = self._load(number, found[number])
            tried.append(state)
            count += state.state == "AVAILABLE"
        return tried

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
        """Compile the new version for the shapes the old one served (zeros, or empty strings, of those shapes)."""
        for signature, shapes in list(self.served_shapes.items()):
            if signature in model.signatures:
                for arrays in list(shapes.values())[:WARMUP_SHAPES]:
                    model.signatures[signature](**{k: _placeholder_value(a) for k, a in arrays.items()})

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


@dataclass(frozen=True)
class ConfiguredModel:
    """One model a server is told to serve (a ``config`` entry of a model config file, or ``--model_name``)."""

    name: str
    base_path: Path
    version_policy: VersionPolicy = VersionPolicy()
    version_labels: dict = field(default_factory=dict)
    """label -> version number (``/v1/models/NAME/labels/LABEL``)."""
    origin: str = ""
    """Where it was configured (``models.config:3``), which errors start with."""


class ServedModels:
    """The models a server serves, by name, and their version labels; :meth:`configure` changes them while serving.

    >>> models = ServedModels(poll_wait_seconds=1.0)
    >>> models.configure([ConfiguredModel("linear", Path("models/linear"), VersionPolicy("all"), {"stable": 1})])
    >>> models.manager("linear").available(), models.label_version("linear", "stable")
    ([1, 2], 1)
    """

    def __init__(self, poll_wait_seconds: float = 1.0, device: str = "cpu", allow_version_labels_for_unavailable_models: bool = False):
        self.poll_wait_seconds, self.device = poll_wait_seconds, device
        self.allow_unavailable_labels = bool(allow_version_labels_for_unavailable_models)
        self._managers: dict[str, ModelManager] = {}
        self._labels: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()
        self._reconfigure = threading.Lock()
        self._stop = threading.Event()
        self._source: tuple[Callable[[], list | None], float] | None = None
        self._started = False

    @classmethod
    def of(cls, manager: ModelManager) -> ServedModels:
        """Serve one model that is already loaded (``tfc serve --model_name NAME --model_base_path DIR``)."""
        served = cls(manager.poll_wait_seconds, manager.device)
        served._managers[manager.name] = manager
        return served

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._managers)

    def manager(self, name: str) -> ModelManager | None:
        with self._lock:
            return self._managers.get(name)

    def labels(self, name: str) -> dict[str, int]:
        with self._lock:
            return dict(self._labels.get(name, {}))

    def label_version(self, name: str, label: str) -> int:
        """The version ``label`` names for model ``name``, else TF Serving's INVALID_ARGUMENT."""
        with self._lock:
            version = self._labels.get(name, {}).get(label)
        if version is None:
            raise ServingError(f"Unrecognized servable version label: {label}", "INVALID_ARGUMENT")
        return version

    def configure(self, models: list[ConfiguredModel], strict: bool = True) -> None:
        """Serve exactly ``models``: new ones load, removed ones unload, kept ones take their new policy and labels.

        ``strict`` (the first configuration) raises ValueError, naming the model's origin, when a model
        cannot load or a label names a version that is not AVAILABLE; otherwise (a reloaded config) that
        model keeps what it served before (or stays out) and that label its old version, with the error logged.
        """
        names = [m.name for m in models]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate is not None:
            raise ValueError(f"Illegal to list model {duplicate} multiple times in config list")
        with self._reconfigure:
            managers = {}
            for model in models:
                manager = self._manager_for(model, strict)
                if manager is not None:
                    managers[model.name] = manager
            labels = {m.name: self._checked_labels(m, managers.get(m.name), strict) for m in models if m.name in managers}
            with self._lock:
                removed = [m for n, m in self._managers.items() if managers.get(n) is not m]
                self._managers, self._labels = managers, labels
            for manager in removed:
                manager.stop()
                LOG.info("model %s unloaded (no longer in the model config)", manager.name)
            if self._started:
                for manager in managers.values():
                    manager.start()

    def _manager_for(self, model: ConfiguredModel, strict: bool) -> ModelManager | None:
        old = self.manager(model.name)
        try:
            if old is not None and old.base_path == Path(model.base_path):
                old.set_policy(model.version_policy)
                return old
            return ModelManager(model.name, model.base_path, self.poll_wait_seconds, self.device, model.version_policy)
        except (ValueError, OSError) as err:
            message = f"{model.origin}: {err}" if model.origin else str(err)
            if strict:
                raise ValueError(message) from None
            LOG.error("model config not applied to model %s: %s", model.name, message)
            return old

    def _checked_labels(self, model: ConfiguredModel, manager: ModelManager, strict: bool) -> dict[str, int]:
        """The model's labels that name AVAILABLE versions (TF Serving's rule, unless allow_version_labels_for_unavailable_models)."""
        old, labels = self.labels(model.name), {}
        available = set(manager.available())
        for label, version in sorted(model.version_labels.items()):
            if self.allow_unavailable_labels or version in available:
                labels[label] = version
                continue
            message = (f"{model.origin + ': ' if model.origin else ''}Request to assign label to version {version} of model {model.name}, "
                       "which is not currently available for inference")
            if strict:
                raise ValueError(message)
            LOG.error("%s", message)
            if label in old:
                labels[label] = old[label]
        return labels

    def watch(self, read: Callable[[], list | None], poll_wait_seconds: float) -> None:
        """While serving, call ``read`` every ``poll_wait_seconds`` and :meth:`configure` what it returns (None: unchanged)."""
        if not isinstance(poll_wait_seconds, (int, float)) or poll_wait_seconds < 0:
            raise ValueError(f"model_config_file_poll_wait_seconds must be a number >= 0, got {poll_wait_seconds!r}")
        self._source = (read, float(poll_wait_seconds))

    def start(self) -> None:
        """Start every model's poller, and the config's when :meth:`watch` gave one."""
        self._started = True
        with self._lock:
            managers = list(self._managers.values())
        for manager in managers:
            manager.start()
        if self._source is not None and self._source[1] > 0:
            threading.Thread(target=self._watch, name="tfc-serving-model-config", daemon=True).start()

    def _watch(self) -> None:
        read, seconds = self._source
        while not self._stop.wait(seconds):
            try:
                models = read()
                if models is not None:
                    self.configure(models, strict=False)
                    LOG.info("model config reloaded: serving %s", ", ".join(self.names()) or "no model")
            except (ValueError, OSError) as err:  # a bad or unreadable config: keep serving what is served
                LOG.error("model config not reloaded: %s", err)

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            managers = list(self._managers.values())
        for manager in managers:
            manager.stop()



def _placeholder_value(spec) -> np.ndarray:
    """An input of ``spec``'s shape and dtype for a warm-up: zeros, or empty strings for a string input
    (which a model's host feature encoding reads as text)."""
    if spec.dtype.kind in "OSU":
        return np.full(spec.shape, b"", object)
    return np.zeros(spec.shape, spec.dtype)

__all__ = ["ConfiguredModel", "ModelManager", "ServedModels", "ServingError", "VersionPolicy", "VersionState", "find_versions"]
