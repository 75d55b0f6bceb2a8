"""``tfc.saved_model.load``: a SavedModel's signatures as functions of numpy inputs, compiled by XLA.

A traced export's program (``?`` dims for unknown sizes) is parsed once, and specialized to each
call's input shapes (its parameters retyped, then ``shape-inference``), compiled and cached per
shapes; an export's serialized executables (:mod:`.executables`) replace the compile where valid.
A graph export (TF1, Estimator) runs ``graph.pb`` in a GraphSession holding the exported variables, which compiles once
per feed shapes the same way; a canned estimator's export first encodes the raw features (strings too)
on the host as the estimator does (:mod:`.host_features`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from tfc.backends import load as load_program
from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession
from tfc.types import DType, TensorType

from .executables import StoredExecutables, specialized_module
from .format import SavedModelError, read_metadata, read_variables
from .host_features import host_step


class SavedModel:
    """A loaded export: ``signatures[name](**inputs)`` gives a dict of numpy outputs; ``metadata`` is
    its ``saved_model.json``; ``variables`` its variables' values by name."""

    def __init__(self, export_dir, device: str = "cpu"):
        self.export_dir = Path(os.fsdecode(export_dir))
        self.metadata = read_metadata(self.export_dir)
        self.variables = read_variables(self.export_dir, self.metadata)
        self.executables = StoredExecutables(self.export_dir, self.metadata, device)
        session = _graph_session(self.export_dir, self.metadata, self.variables, device) if self.metadata["kind"] == "graph" else None
        self.signatures = {name: Signature(self, name, info, device, session) for name, info in self.metadata["signatures"].items()}

    def __repr__(self) -> str:
        return f"SavedModel({str(self.export_dir)!r}, signatures={sorted(self.signatures)})"


def load(export_dir, device: str = "cpu") -> SavedModel:
    """Load the export in ``export_dir`` (a version directory with ``saved_model.json``).

    >>> model = tfc.saved_model.load("models/linear/1")                   # doctest: +SKIP
    >>> model.signatures["serving_default"](x=np.ones((4, 3), np.float32))  # doctest: +SKIP
    {'y': array(...)}
    """
    return SavedModel(export_dir, device)


def _graph_session(export_dir: Path, metadata: dict, variables: dict, device: str) -> GraphSession:
    path = export_dir / metadata["graph"]
    try:
        session = GraphSession(GraphImporter.from_file(str(path)), device=device)
    except TfcError as err:
        raise SavedModelError(f"{path}: not a readable GraphDef: {err}") from None
    missing = sorted(name for name in _graph_variables(session.importer) if name not in variables)
    if missing:
        raise SavedModelError(f"{export_dir}: graph variables {missing} have no value in {metadata['variables']}")
    session.set_variables(variables)
    return session


def _graph_variables(importer: GraphImporter) -> list[str]:
    return [name for name, node in importer.nodes.items() if node.op in ("VariableV2", "Variable", "VarHandleOp")]


class Signature:
    """One signature: ``signature(**inputs) -> {output key: numpy array}``; ``inputs``/``outputs``
    describe them as the json does."""

    def __init__(self, model: SavedModel, name: str, info: dict, device: str, session: GraphSession | None):
        self.name, self.inputs, self.outputs = name, info["inputs"], info["outputs"]
        self._device, self._session = device, session
        self._variables = [_variable(model, name, key) for key in info.get("variables", [])]
        self._text = None if session is not None else (model.export_dir / info["program"]).read_text()
        self._program_path = str(model.export_dir / info["program"])
        self._entry = info.get("entry", "main")
        self._stored = model.executables
        self._host = host_step(model.export_dir, name, info, graph=session is not None)  # raw features -> the graph's feeds
        self._compiled: dict[tuple, object] = {}
        self._lock = threading.Lock()

    @property
    def compile_count(self) -> int:
        """How many input shapes were compiled (traced exports)."""
        return len(self._compiled)

    def __call__(self, **inputs) -> dict:
        arrays = self.checked_inputs(inputs)
        if self._session is not None:
            fetches = [info["name"] for info in self.outputs.values()]
            if self._host is not None:
                feeds = self._host.feeds(arrays)
            else:
                feeds = {self.inputs[key]["name"]: value for key, value in arrays.items()}
            values = self._session.run(fetches, feeds)
        else:
            ordered = [arrays[key] for key in self.inputs]
            values = self._program_for(ordered).call(*ordered, *self._variables)
        return {key: np.asarray(value) for key, value in zip(self.outputs, values)}

    def checked_inputs(self, inputs: dict) -> dict[str, np.ndarray]:
        """``inputs`` as arrays of the signature's dtypes and shapes (ValueError naming the input)."""
        missing = [key for key in self.inputs if key not in inputs]
        unknown = [key for key in inputs if key not in self.inputs]
        if missing or unknown:
            raise ValueError(f"signature '{self.name}': expected inputs {sorted(self.inputs)}, "
                             f"missing {missing}, unexpected {unknown}")
        arrays = {}
        for key, info in self.inputs.items():
            try:
                array = np.asarray(inputs[key], dtype=np.dtype(info["dtype"]))
            except (TypeError, ValueError) as err:
                raise ValueError(f"signature '{self.name}': input '{key}' is not convertible to {info['dtype']}: {err}") from None
            if array.dtype == np.dtype(object) and not all(isinstance(v, (str, bytes)) for v in array.flat):
                bad = next(v for v in array.flat if not isinstance(v, (str, bytes)))
                raise ValueError(f"signature '{self.name}': input '{key}' is a string input (DT_STRING): expected str or bytes "
                                 f"values, got {type(bad).__name__} {bad!r}")
            shape = info["shape"]
            if shape is not None and (array.ndim != len(shape) or any(d is not None and d != n for d, n in zip(shape, array.shape))):
                raise ValueError(f"signature '{self.name}': input '{key}' has shape {list(array.shape)}, expected "
                                 f"{['None' if d is None else d for d in shape]}")
            arrays[key] = array
        return arrays

    def _program_for(self, arrays: list):
        """The compiled program for these inputs' shapes (specialized and compiled on first use)."""
        key = tuple(a.shape for a in arrays)
        with self._lock:
            loaded = self._compiled.get(key)
            if loaded is None:
                loaded = self._compiled[key] = self._specialize(arrays)
        return loaded

    def _specialize(self, arrays: list):
        """A stored executable for these shapes (:mod:`.executables`) when one is valid here, else compiled."""
        stored = self._stored.load(self.name, Path(self._program_path), self._entry, [a.shape for a in arrays])
        if stored is not None:
            return stored
        try:
            types = [TensorType(DType.from_numpy(a.dtype), a.shape) for a in arrays]
            module = specialized_module(self._text, self._program_path, self._entry, types, self._device.split(":")[0].lower())
            return load_program(module, backend="xla", device=self._device, entry=self._entry)
        except TfcError as err:
            raise SavedModelError(f"{self._program_path}: cannot compile signature '{self.name}' for input shapes "
                                  f"{[list(a.shape) for a in arrays]}: {str(err).splitlines()[0]}") from err


def _variable(model: SavedModel, signature: str, name: str) -> np.ndarray:
    if name not in model.variables:
        raise SavedModelError(f"{model.export_dir}: signature '{signature}' reads variable '{name}', which has no value in variables/")
    return model.variables[name]


__all__ = ["SavedModel", "Signature", "load"]
