"""The CONFIG file of ``tfc tune``: TOML (read with tomllib) or JSON, naming the training function,
the space and how to search it. Paths in it are relative to the file; its folder is importable.

    train = "train_mlp:train"          # module:function, train(hparams, report) -> metric
    objective = "loss"
    direction = "minimize"             # or "maximize"
    method = "tpe"                     # "random", "grid"
    max_trials = 20
    parallel = 2
    logdir = "runs/tune"
    early_stopping = "median"          # or a table of MedianPruner options, or false
    [space]
    learning_rate = {type = "loguniform", low = 1e-4, high = 1e-1}
    units = [32, 64]                   # a list is a choice
    layers = {type = "int", low = 1, high = 3}

A bad file is a :class:`ConfigError` naming the file and the key.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field

from tfc.diagnostics import TfcError

from .space import Choice, IntRange, LogUniform, Uniform

KINDS = {"uniform": Uniform, "loguniform": LogUniform, "int": IntRange, "choice": Choice}
TYPES = {"train": str, "objective": str, "direction": str, "method": str, "max_trials": int, "parallel": int, "logdir": str,
         "seed": int, "grid_points": int, "use_ray": bool, "early_stopping": (str, bool, dict), "space": dict, "env": dict}


class ConfigError(TfcError, ValueError):
    """A CONFIG file that cannot be used: names the file and the key."""


@dataclass
class TuneConfig:
    """The keyword arguments of :func:`tfc.tuning.tune`, read from a file."""

    train: str
    space: dict
    options: dict = field(default_factory=dict)
    """objective, direction, method, max_trials, parallel, logdir, seed, grid_points, use_ray, early_stopping, env."""
    folder: str = "."
    """The file's folder (importable, and the base of a relative logdir)."""


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise ConfigError(f"{path}: error: cannot read: {err.strerror or err}") from None
    try:
        return json.loads(data) if path.endswith(".json") else tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: error: not valid {'JSON' if path.endswith('.json') else 'TOML'}: {err}") from None


def _dimension(path: str, name: str, spec):
    """One entry of [space]: a list (a choice) or a table with ``type``."""
    key = f"space.{name}"
    if isinstance(spec, list):
        spec = {"type": "choice", "values": spec}
    if not isinstance(spec, Mapping) or spec.get("type") not in KINDS:
        raise ConfigError(f"{path}: error: key '{key}': expected a list or a table with type = one of {sorted(KINDS)}, got {spec!r}")
    kind, args = KINDS[spec["type"]], {k: v for k, v in spec.items() if k != "type"}
    expected = {"values"} if kind is Choice else {"low", "high"}
    if set(args) != expected:
        raise ConfigError(f"{path}: error: key '{key}': a {spec['type']} takes {sorted(expected)}, got {sorted(args)}")
    try:
        return kind(**args)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{path}: error: key '{key}': {err}") from None


def load_config(path: str) -> TuneConfig:
    """Read and check a CONFIG file (ConfigError naming the key when something is wrong)."""
    data = _read(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: error: expected a table of keys at the top, got {type(data).__name__}")
    for key, value in data.items():
        if key not in TYPES:
            raise ConfigError(f"{path}: error: unknown key '{key}' (known: {', '.join(sorted(TYPES))})")
        if (isinstance(value, bool) and TYPES[key] is int) or not isinstance(value, TYPES[key]):
            raise ConfigError(f"{path}: error: key '{key}': expected {_kind(TYPES[key])}, got {value!r}")
    for key in ("train", "space"):
        if key not in data:
            raise ConfigError(f"{path}: error: missing key '{key}'")
    if ":" not in data["train"]:
        raise ConfigError(f"{path}: error: key 'train': expected 'module:function', got {data['train']!r}")
    if not data["space"]:
        raise ConfigError(f"{path}: error: key 'space': expected at least one hyperparameter")
    space = {name: _dimension(path, name, spec) for name, spec in data["space"].items()}
    folder = os.path.dirname(os.path.abspath(path))
    options = {k: v for k, v in data.items() if k not in ("train", "space")}
    options["logdir"] = os.path.join(folder, options.get("logdir", "tune_logs"))
    if "env" in options:
        options["env"] = {str(k): str(v) for k, v in options["env"].items()}
    return TuneConfig(data["train"], space, options, folder)


def _kind(types) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", dict: "a table"}
    return " or ".join(names[t] for t in (types if isinstance(types, tuple) else (types,)))


__all__ = ["KINDS", "ConfigError", "TuneConfig", "load_config"]
