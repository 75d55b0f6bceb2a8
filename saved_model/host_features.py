"""The host step of a signature: raw features (strings too) encoded in numpy before the graph runs.

Strings cannot enter a compiled program, so a canned estimator encodes each batch on the host
(vocabulary lookups, hashing, bucketing, crosses) and its graph reads the encoded ids, weights and
numbers. Its export records how, in ``host_features.json``::

    {"format": "tfc.host_features", "format_version": 1, "passthrough": [],
     "columns": [{"type": "categorical_column_with_vocabulary_file", "key": "occupation",
                  "vocabulary_file": "assets/occupations.txt", "dtype": "string", ...}, ...]}

This room sits below the feature columns, so the reader of a format is registered by the room that
knows it (``tfc.estimator.export`` registers ``tfc.host_features``): on import, or found through the
``tfc.host_steps`` entry point group of installed packages, as the registry finds op dialects.
"""

from __future__ import annotations

import importlib
import json
import os
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np

from .format import SavedModelError

HOST_FEATURES_FILE = "host_features.json"
FORMAT_NAME, FORMAT_VERSION = "tfc.host_features", 1
HOST_STEPS_ENTRY_POINT = "tfc.host_steps"
_READERS: dict = {}  # format name -> reader(config dict, export dir) -> encoder (features dict -> encoded dict)
_listed = False


def register_host_step_reader(format_name: str, reader) -> None:
    """Make ``reader(config, export_dir)`` (giving an encoder: a dict of raw feature arrays to the dict
    of encoded arrays) the reader of host-step files whose ``format`` is ``format_name``."""
    _READERS[format_name] = reader


def _reader(format_name: str):
    """The registered reader, importing the modules the entry point group names once if needed."""
    global _listed
    if format_name not in _READERS and not _listed:
        _listed = True
        for module in sorted(ep.value for ep in entry_points(group=HOST_STEPS_ENTRY_POINT)):
            importlib.import_module(module)
    return _READERS.get(format_name)


class HostStep:
    """A signature's host step: raw features -> the feeds (tensor name -> array) its graph reads."""

    def __init__(self, signature: str, encoder, encoded_inputs: dict):
        self.signature, self.encoder, self.encoded_inputs = signature, encoder, encoded_inputs

    def feeds(self, arrays: dict) -> dict:
        """Encode ``arrays`` (the signature's raw inputs) as the model encoded its batches; a value the
        encoder refuses is a ValueError naming the signature (and the column, as the encoder does)."""
        try:
            encoded = self.encoder(arrays)
        except (TypeError, ValueError) as err:
            raise ValueError(f"signature '{self.signature}': {err}") from None
        feeds = {}
        for key, info in self.encoded_inputs.items():
            if key not in encoded:
                raise SavedModelError(f"signature '{self.signature}': the host step gives no '{key}', which the graph reads")
            feeds[info["name"]] = np.asarray(encoded[key], np.dtype(info["dtype"]))
        return feeds


def host_step(export_dir, signature: str, info: dict, graph: bool) -> HostStep | None:
    """The host step a signature's ``host_features`` entry describes (None without one); a
    SavedModelError names a missing or unreadable file, or a format no reader is registered for."""
    entry = info.get("host_features")
    if entry is None:
        return None
    root = Path(os.fsdecode(export_dir))
    if not graph or not isinstance(entry, dict) or not isinstance(entry.get("inputs"), dict):
        raise SavedModelError(f"{root}: signature '{signature}': \"host_features\" needs a graph export and an object of encoded \"inputs\"")
    path = root / entry.get("config", HOST_FEATURES_FILE)
    try:
        config = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SavedModelError(f"{path}: not a readable host-features file ({err})") from None
    if not isinstance(config, dict) or config.get("format_version") != FORMAT_VERSION:
        raise SavedModelError(f"{path}: expected an object with \"format_version\": {FORMAT_VERSION}")
    reader = _reader(config.get("format"))
    if reader is None:
        raise SavedModelError(f"{path}: no reader for host-step format {config.get('format')!r} (readers register on import, or "
                              f"under the '{HOST_STEPS_ENTRY_POINT}' entry point group); for {FORMAT_NAME!r}, import tfc.estimator first")
    try:
        encoder = reader(config, root)
    except ValueError as err:
        raise SavedModelError(f"{path}: {err}") from None
    return HostStep(signature, encoder, entry["inputs"])


__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "HOST_FEATURES_FILE", "HOST_STEPS_ENTRY_POINT", "HostStep", "host_step",
           "register_host_step_reader"]
