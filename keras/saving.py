"""Saving and loading ``tfc.keras`` models: ``model.save("m.keras")``, ``tfc.keras.models.load_model``,
``model.save_weights("w.weights.npz")`` and ``model.load_weights``.

**The model file** (``.keras``, format version :data:`FORMAT_VERSION`) is a zip archive of three
members, always written in this order with fixed timestamps (the same model gives the same bytes):

* ``metadata.json``: ``{"format": "tfc.keras", "format_version": 1, "tfc_version": "0.1.0"}``;
* ``config.json``: the model as ``{"class_name", "config", "module"}`` (a Sequential's or functional
  model's layer graph: see :mod:`.model_config`; a subclassed model's ``get_config()``), plus
  ``build_config`` (the input a subclassed model was first called on, to make its weights again)
  and ``compile_config`` (``{"optimizer": {"class_name", "config"}, "loss": {"function", "name",
  "options"}, "metrics": [{"function", "name"}]}``) when the model was compiled;
* ``model.weights.npz``: an ``.npz`` archive (``np.load`` reads it), one array per variable, in
  ``model.layers`` order: ``layers/<layer name>/vars/<i>`` is the i-th variable of the layer, in the
  order the layer made them (``vars/<i>`` for a model's own); with the optimizer,
  ``optimizer/iterations`` and ``optimizer/layers/<layer name>/vars/<i>/<slot>`` (Adam's ``m`` and
  ``v``...); ``state/<layer name>/<i>`` for what a layer keeps besides weights (a Dropout's draw
  counter, so its next masks are the ones the original would draw). Arrays are stored exactly
  (dtype and bytes), so weights and optimizer state come back bit for bit and training resumes as
  if it had not stopped.

**The weights file** (``.weights.npz``) is that ``.npz`` without the optimizer, plus a
``__metadata__`` array holding ``metadata.json``'s text as ``uint8``. HDF5 (``.h5``) is not written
or read: h5py is not a dependency of tfc.

Loading matches the file's layers to the model's by position (as tf.keras' ``load_weights``;
``by_name=True`` matches names instead) and checks every count and shape before assigning anything;
a mismatch names the layer, the weight and both shapes. Files are written to a temporary file and
renamed (:func:`tfc.files.atomic_write`), so a crash never leaves half a file. Reading never runs
code: classes and functions are looked up by name among tfc.keras' own, ``custom_objects`` and the
registered ones (:mod:`.serialization`), and arrays holding Python objects are refused.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np

from tfc.diagnostics import TfcError
from tfc.files import atomic_write
from tfc.runtime.npz import array_members, open_npz, read_array, write_npz

from . import losses, metrics, optimizers
from .layers.serialization import deserialize, serialize
from .serialization import (
    custom_object_scope,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

FORMAT, FORMAT_VERSION = "tfc.keras", 1
CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.npz"
WEIGHTS_METADATA = "__metadata__"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: saving one model twice gives one file
_KEY = re.compile(r"^(?:layers/(?P<layer>.+)/)?vars/(?P<index>\d+)$")
_STATE = re.compile(r"^state/(?P<layer>.+)/(?P<index>\d+)$")
_SLOT = re.compile(r"^optimizer/(?:layers/(?P<layer>.+)/)?vars/(?P<index>\d+)/(?P<slot>[^/]+)$")


class KerasFileError(TfcError, ValueError):
    """A file that is not a model or weights file tfc.keras wrote, is damaged, or does not fit the model; names the file."""


# ---- saving ------------------------------------------------------------------------------------------
def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True, save_format=None, **unsupported) -> None:
    """Write ``model`` (architecture, weights, compile arguments and optimizer state) to a ``.keras`` file."""
    _refuse(unsupported, "save")
    path = _target(filepath, ".keras", "model.save", save_format, overwrite)
    compiled = include_optimizer and model.optimizer is not None
    config = {**_model_config(model), **({"compile_config": _compile_config(model)} if compiled else {})}
    arrays = {**weight_arrays(model), **_state_arrays(model), **(_optimizer_arrays(model) if compiled else {})}
    members = {METADATA: _json(_metadata(), model), CONFIG: _json(config, model), WEIGHTS: _npz_bytes(arrays)}
    with atomic_write(path) as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data)


def save_weights(model, filepath, overwrite: bool = True, save_format=None, **unsupported) -> None:
    """Write ``model``'s weights (no optimizer state) to a ``.weights.npz`` file."""
    _refuse(unsupported, "save_weights")
    path = _target(filepath, ".weights.npz", "model.save_weights", save_format, overwrite)
    arrays = {WEIGHTS_METADATA: np.frombuffer(json.dumps(_metadata()).encode(), np.uint8), **weight_arrays(model)}
    with atomic_write(path) as stream:
        write_npz(stream, arrays)


def _refuse(unsupported: dict, method: str) -> None:
    for name, value in unsupported.items():
        if name not in ("signatures", "options"):
            raise TypeError(f"{method}() got an unexpected keyword argument '{name}'")
        if value is not None:
            raise ValueError(f"{method}(): {name} is not supported (it belongs to TensorFlow's SavedModel format), got {value!r}")


def _target(filepath, suffix: str, method: str, save_format, overwrite: bool) -> Path:
    """The path to write: it must end in ``suffix``; HDF5 and TensorFlow's SavedModel are not written."""
    path = Path(os.fspath(filepath))
    if save_format not in (None, "keras" if suffix == ".keras" else "npz"):
        raise ValueError(f"{method}: save_format={save_format!r} is not supported; tfc.keras writes its own format (a '{suffix}' file)")
    if path.suffix in (".h5", ".hdf5"):
        raise ValueError(f"{method}: {path}: HDF5 files need h5py, which tfc does not use; name the file '{path.stem}{suffix}'")
    if not path.name.endswith(suffix):
        raise ValueError(f"{method}: {path}: the file name must end in '{suffix}' (tfc.keras' format, described in tfc.keras.saving)")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{method}: {path} exists and overwrite=False")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _metadata() -> dict:
    try:
        version = importlib.metadata.version("tfc")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree that is not installed
        version = "unknown"
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "tfc_version": version}


def _model_config(model) -> dict:
    """``{"class_name", "config", "module", "build_config"}``; a model that cannot describe itself says what to do."""
    try:
        config = serialize(model)
    except (NotImplementedError, ValueError) as err:
        raise ValueError(f"model.save: model '{model.name}' ({type(model).__name__}) cannot be saved: {err}. Save only its weights "
                         "with model.save_weights(), or give its class get_config() (and from_config())") from err
    return {**config, "build_config": model.get_build_config()}


def _json(value, model) -> bytes:
    try:
        return json.dumps(value, indent=1).encode()
    except (TypeError, ValueError) as err:
        raise ValueError(f"model.save: the config of model '{model.name}' holds a value JSON cannot store: {err}") from err


def _npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    write_npz(buffer, arrays)
    return buffer.getvalue()


# ---- which arrays --------------------------------------------------------------------------------------
def weight_groups(model) -> list[tuple[str, list]]:
    """(layer name, its variables) for each layer of ``model`` that has any, in ``model.layers`` order;
    last ("", ...) for variables the model made itself."""
    groups = [(layer.name, layer.all_weights()) for layer in model.layers if layer.all_weights()]
    names = [name for name, _ in groups]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"model '{model.name}': several layers are named {', '.join(duplicated)}; saved weights name each layer once")
    in_layers = {id(w) for _, weights in groups for w in weights}
    own = [w for w in model.all_weights() if id(w) not in in_layers]
    return groups + ([("", own)] if own else [])


def state_groups(model) -> list[tuple[str, list]]:
    """(layer name, its state variables) for each layer that keeps any, nested models' layers included."""
    def walk(layers):
        for layer in layers:
            inner = getattr(layer, "layers", None)
            yield from walk(inner) if isinstance(inner, list) else [layer]

    return [(layer.name, layer.state_variables()) for layer in walk(model.layers) if layer.state_variables()]


def _key(layer: str, index: int) -> str:
    return f"layers/{layer}/vars/{index}" if layer else f"vars/{index}"


def weight_arrays(model) -> dict[str, np.ndarray]:
    """Every variable of ``model`` by its name in the file (module docstring), in order."""
    return {_key(layer, i): w.numpy() for layer, weights in weight_groups(model) for i, w in enumerate(weights)}


def _state_arrays(model) -> dict[str, np.ndarray]:
    return {f"state/{layer}/{i}": v.numpy() for layer, variables in state_groups(model) for i, v in enumerate(variables)}


def _optimizer_arrays(model) -> dict[str, np.ndarray]:
    optimizer = model.optimizer  # a tfc.keras one: _compile_config checked it
    arrays = {"optimizer/iterations": optimizer.iterations.numpy()}
    for layer, weights in weight_groups(model):
        for i, weight in enumerate(weights):
            for slot, variable in optimizer.slot_variables(weight).items():
                arrays[f"optimizer/{_key(layer, i)}/{slot}"] = variable.numpy()
    return arrays


def _compile_config(model) -> dict:
    optimizer = model.optimizer
    if not isinstance(optimizer, optimizers.Optimizer):
        raise ValueError(f"model.save: the optimizer {optimizer!r} is not a tfc.keras optimizer; save with include_optimizer=False")
    loss = {"function": serialize_keras_object(model.loss.fn), "name": model.loss.name, "options": dict(model.loss.options)}
    compiled = [{"function": serialize_keras_object(m.fn), "name": m.name} for m in model.compiled_metrics]
    return {"optimizer": optimizers.serialize(optimizer), "loss": loss, "metrics": compiled}


# ---- loading -------------------------------------------------------------------------------------------
def load_model(filepath, custom_objects=None, compile: bool = True):  # shadows the builtin: Keras names it so
    """The model saved in ``filepath`` by :func:`save_model`: rebuilt, its weights loaded and, when
    ``compile`` and it was compiled, compiled again with its optimizer's state."""
    path = Path(os.fspath(filepath))
    config, arrays = _read_model_file(path)
    with custom_object_scope(custom_objects):
        try:
            model = deserialize(config)
        except (TypeError, ValueError) as err:
            raise KerasFileError(f"{path}: cannot rebuild the model: {err}") from err
        if config.get("build_config") and not model.built:
            model.build_from_config(config["build_config"])
        matched = _assign_weights(model, arrays, path, by_name=False, skip_mismatch=False)
        _assign_state(model, arrays, path)
        if compile and config.get("compile_config"):
            _compile(model, config["compile_config"], path)
            _assign_optimizer_state(model.optimizer, arrays, matched, path)
    return model


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False, **unsupported) -> None:
    """Load the weights in ``filepath`` (a ``.weights.npz`` or a ``.keras`` file) into ``model``."""
    _refuse(unsupported, "load_weights")
    if skip_mismatch and not by_name:
        raise ValueError("load_weights: skip_mismatch=True needs by_name=True (as in tf.keras)")
    path = Path(os.fspath(filepath))
    arrays = _read_model_file(path)[1] if _is_model_file(path) else _read_weights_file(path)
    _assign_weights(model, arrays, path, by_name, skip_mismatch)


def _open(path: Path):
    if path.suffix in (".h5", ".hdf5"):
        raise KerasFileError(f"{path}: HDF5 files need h5py, which tfc does not use; tfc.keras reads the .keras and .weights.npz files it writes")
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise KerasFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise KerasFileError(f"{path}: is a folder (a TensorFlow SavedModel?); tfc.keras reads the .keras files model.save writes") from None
    except OSError as err:
        raise KerasFileError(f"{path}: cannot read: {err.strerror or err}") from None


def _is_model_file(path: Path) -> bool:
    with _open(path) as stream, open_npz(stream, str(path), KerasFileError) as archive:
        return METADATA in archive.namelist()


def _read_model_file(path: Path) -> tuple[dict, dict]:
    """(config.json, the weights' arrays) of a ``.keras`` file, every part checked."""
    with _open(path) as stream:
        head = stream.read(8)
        stream.seek(0)
        if head.startswith(b"\x89HDF"):
            raise KerasFileError(f"{path}: an HDF5 file (Keras' .h5 format), which tfc cannot read")
        if not head.startswith(b"PK"):
            raise KerasFileError(f"{path}: not a .keras file written by tfc.keras (that is a zip archive; this file starts with {head[:4]!r})")
        with open_npz(stream, str(path), KerasFileError) as archive:
            names = archive.namelist()
            if "model.weights.h5" in names:
                raise KerasFileError(f"{path}: a .keras file written by Keras itself (its weights are HDF5); tfc reads the files tfc.keras writes")
            for member in (METADATA, CONFIG, WEIGHTS):
                if member not in names:
                    raise KerasFileError(f"{path}: not a model file written by tfc.keras' model.save (it has no {member})")
            _check_metadata(_json_member(archive, METADATA, path), path)
            config = _json_member(archive, CONFIG, path)
            weights = _member_bytes(archive, WEIGHTS, path)
    with open_npz(io.BytesIO(weights), f"{path}:{WEIGHTS}", KerasFileError) as npz:
        arrays = {name: read_array(npz, info, f"{path}:{WEIGHTS}", KerasFileError) for name, info in array_members(npz, str(path), KerasFileError).items()}
    if not isinstance(config, dict) or "class_name" not in config:
        raise KerasFileError(f"{path}: {CONFIG} must be an object with 'class_name' and 'config'")
    return config, arrays


def _read_weights_file(path: Path) -> dict:
    with _open(path) as stream, open_npz(stream, str(path), KerasFileError) as archive:
        arrays = {name: read_array(archive, info, str(path), KerasFileError) for name, info in array_members(archive, str(path), KerasFileError).items()}
    raw = arrays.pop(WEIGHTS_METADATA, None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise KerasFileError(f"{path}: not a weights file written by tfc.keras' save_weights (no {WEIGHTS_METADATA} array)")
    _check_metadata(_parse_json(raw.tobytes(), WEIGHTS_METADATA, path), path)
    return arrays


def _member_bytes(archive: zipfile.ZipFile, member: str, path: Path) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
        raise KerasFileError(f"{path}: {member} is truncated or corrupt: {err}") from None


def _json_member(archive: zipfile.ZipFile, member: str, path: Path):
    return _parse_json(_member_bytes(archive, member, path), member, path)


def _parse_json(data: bytes, member: str, path: Path):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise KerasFileError(f"{path}: {member} is not JSON: {err}") from None


def _check_metadata(metadata, path: Path) -> None:
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise KerasFileError(f"{path}: not a file written by tfc.keras (its metadata says {metadata!r})")
    version = metadata.get("format_version")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise KerasFileError(f"{path}: format version {version!r} (tfc {metadata.get('tfc_version')}); this tfc reads versions 1 to {FORMAT_VERSION}")


# ---- assigning -----------------------------------------------------------------------------------------
def _saved_groups(arrays: dict, path: Path) -> list[tuple[str, list]]:
    """The file's (layer name, arrays) groups of weights in file order."""
    return _grouped(arrays, _KEY, path, "weights are named layers/<layer>/vars/<i>", skip=("optimizer/", "state/"))


def _grouped(arrays: dict, pattern: re.Pattern, path: Path, expected: str, skip: tuple = ()) -> list[tuple[str, list]]:
    """(layer name, its arrays) for the arrays ``pattern`` names (those starting with ``skip`` left aside), in file order."""
    groups: dict[str, list] = {}
    for name, array in arrays.items():
        if name.startswith(skip):
            continue
        match = pattern.match(name)
        if match is None:
            raise KerasFileError(f"{path}: unexpected array '{name}' ({expected})")
        group = groups.setdefault(match["layer"] or "", [])
        if int(match["index"]) != len(group):
            raise KerasFileError(f"{path}: array '{name}' is out of order (expected index {len(group)})")
        group.append(array)
    return list(groups.items())


def _pairs(model, saved: list, path: Path, by_name: bool) -> list[tuple]:
    """(model layer name, its variables, file layer name, its arrays), by position or by name."""
    targets = weight_groups(model)
    if by_name:
        found = dict(saved)
        return [(name, weights, name, found[name]) for name, weights in targets if name in found]
    if len(targets) != len(saved):
        raise KerasFileError(f"{path}: model '{model.name}' has {len(targets)} layers with weights ({_names(targets)}) but the file holds "
                             f"weights for {len(saved)} ({_names(saved)})")
    return [(name, weights, saved_name, arrays) for (name, weights), (saved_name, arrays) in zip(targets, saved)]


def _names(groups: list) -> str:
    return ", ".join(name or "<model>" for name, _ in groups) or "none"


def _mismatch(name: str, weights: list, saved_name: str, arrays: list, path: Path) -> str | None:
    """What does not fit between a layer's variables and the file's arrays for it; None if all fit."""
    if len(weights) != len(arrays):
        labels = ", ".join(getattr(w, "keras_name", w.name) for w in weights)
        return f"{path}: layer '{name}' has {len(weights)} weights ({labels}) but the file holds {len(arrays)} for layer '{saved_name}'"
    for i, (weight, array) in enumerate(zip(weights, arrays)):
        if tuple(array.shape) != tuple(weight.shape):
            return (f"{path}: layer '{name}' weight '{getattr(weight, 'keras_name', weight.name)}' has shape {tuple(weight.shape)}, but the "
                    f"file holds shape {tuple(array.shape)} (layer '{saved_name}', weight {i})")
    return None


def _assign_weights(model, arrays: dict, path: Path, by_name: bool, skip_mismatch: bool) -> dict:
    """Check every layer's weights against the file, then assign them all; returns file layer name -> model variables."""
    pairs, fitting = _pairs(model, _saved_groups(arrays, path), path, by_name), []
    for name, weights, saved_name, saved in pairs:
        problem = _mismatch(name, weights, saved_name, saved, path)
        if problem and not skip_mismatch:
            raise KerasFileError(problem)
        if problem:
            warnings.warn(f"load_weights: skipping layer '{name}': {problem}", stacklevel=3)
        else:
            fitting.append((weights, saved_name, saved))
    for weights, _, saved in fitting:
        for weight, array in zip(weights, saved):
            weight.assign(array.astype(weight.dtype.numpy, copy=False))
    return {saved_name: weights for weights, saved_name, _ in fitting}


def _assign_state(model, arrays: dict, path: Path) -> None:
    """The layers' state variables (Dropout's draw counters) from the file, layer by layer in order."""
    saved = _grouped({k: v for k, v in arrays.items() if k.startswith("state/")}, _STATE, path, "state is named state/<layer>/<i>")
    targets = state_groups(model)
    if len(saved) != len(targets):
        raise KerasFileError(f"{path}: model '{model.name}' has {len(targets)} layers with state ({_names(targets)}) but the file holds "
                             f"state for {len(saved)} ({_names(saved)})")
    for (name, variables), (saved_name, values) in zip(targets, saved):
        problem = _mismatch(name, variables, saved_name, values, path)
        if problem:
            raise KerasFileError(problem)
        for variable, value in zip(variables, values):
            variable.assign(value)


def _compile(model, config: dict, path: Path) -> None:
    try:
        optimizer = optimizers.deserialize(config["optimizer"])
        loss_config = config["loss"]
        loss = losses.Loss(_function(loss_config["function"], losses.get), loss_config["name"], **loss_config.get("options", {}))
        compiled = [metrics.MeanMetricWrapper(_function(m["function"], metrics.get), m["name"]) for m in config.get("metrics", [])]
    except (KeyError, TypeError, ValueError) as err:
        raise KerasFileError(f"{path}: cannot compile the model again from its compile_config: {err!r} (pass a custom loss or metric "
                             "function in custom_objects, or load with compile=False)") from err
    model.compile(optimizer=optimizer, loss=loss, metrics=compiled)


def _function(name: str, builtin):
    """A loss's or metric's function by name: a custom or registered one, else the built-in."""
    found = get_registered_object(name)
    return found if found is not None else builtin(name).fn


def _assign_optimizer_state(optimizer, arrays: dict, matched: dict, path: Path) -> None:
    """The optimizer's iterations and slots from the file, each slot onto the model variable it belongs to."""
    if "optimizer/iterations" in arrays:
        optimizer.iterations.assign(arrays["optimizer/iterations"].astype(np.int64))
    for name, array in arrays.items():
        match = _SLOT.match(name)
        if match is None:
            continue
        weights = matched.get(match["layer"] or "")
        if weights is None or int(match["index"]) >= len(weights):
            raise KerasFileError(f"{path}: optimizer array '{name}' belongs to no weight of the model")
        weight = weights[int(match["index"])]
        optimizer.build([weight])
        slot = optimizer.slot_variables(weight).get(match["slot"])
        if slot is None or tuple(slot.shape) != array.shape:
            raise KerasFileError(f"{path}: optimizer array '{name}' {array.shape} does not fit {type(optimizer).__name__}'s slots of "
                                 f"'{weight.name}' ({', '.join(optimizer.slot_variables(weight)) or 'none'})")
        slot.assign(array)


__all__ = ["FORMAT_VERSION", "KerasFileError", "custom_object_scope", "get_registered_name", "get_registered_object", "load_weights",
           "register_keras_serializable", "save_model", "save_weights", "weight_arrays", "weight_groups"]
