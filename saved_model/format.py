"""The on-disk layout of a tfc SavedModel: one directory per exported version, written atomically.

An export directory (a server's model base path holds numbered ones: ``<base>/<version>/``)::

    saved_model.json          format name and version, tfc's version, the signatures (below)
    <signature>.tfc           the signature's program as tfc IR text (traced functions: core ops,
                              parameters = inputs then variables, ``?`` for unknown dims;
                              TF1 graphs: the imported tf-level program, informational)
    <signature>.stablehlo.mlir   StableHLO for the shapes it was lowered at (only when every input
                              shape is known; else absent and ``"stablehlo": null``)
    graph.pb                  TF1/Estimator exports: the pruned inference GraphDef
    variables/variables.npz   the variables' values in tfc's checkpoint format
    assets.extra/...          files the exporter was given (``assets_extra``)
    host_features.json        canned estimators over feature columns: the host step (below)
    assets/...                the vocabulary files the host step reads
    executables/<signature>/<dims>.bin   optional: the signature compiled for one input shape set
                              (``8x3_scalar``: inputs of shapes (8, 3) and ()), a serialized XLA
                              executable for the target the ``"executables"`` index names

``saved_model.json``::

    {"format": "tfc.saved_model", "format_version": 1, "tfc_version": "0.1.0",
     "kind": "traced" | "graph", "graph": "graph.pb" | null, "variables": "variables/variables.npz" | null,
     "signatures": {"serving_default": {
         "method_name": "tensorflow/serving/predict",
         "inputs":  {"x": {"name": "x", "dtype": "float32", "shape": [null, 3]}},
         "outputs": {"y": {"name": "y", "dtype": "float32", "shape": [null, 2]}},
         "program": "serving_default.tfc", "stablehlo": null, "entry": "main", "variables": ["w"]}},
     "executables": {"target": {...}, "signatures": {"serving_default": [{"shapes": [[8, 3]], "file": ...}]}}}

An input's or output's ``name`` is the program's (a tensor name like ``features/x:0`` in a graph), a
``shape`` of null is an unknown rank and a null dim an unknown size. A signature's ``variables`` name
the program's parameters after the inputs, in order (a graph export's: its StableHLO's when it has
one, else the graph's variables). ``kind`` says how a loader runs a signature: ``traced`` compiles
the ``.tfc`` program for each call's shapes; ``graph`` runs ``graph.pb`` (feeding the inputs' tensor
names, fetching the outputs'), the ``.tfc`` text there being the imported tf-level program. Everything is written into a
temporary directory beside the target and renamed into place at once, so a reader never sees a
half-written export. Inputs and outputs are listed in the program's parameter and result order.

``executables`` is optional (traced exports only, ``SaveOptions(executables_for_batch_sizes=...)``):
its ``target`` records the platform, device kind, jax/jaxlib/XLA versions, compile options,
``XLA_FLAGS`` and host CPU the executables were built for; each entry records its input shapes, its
file, the sha256 of the file and of the signature's ``.tfc`` program, and the executable's
parameter and result types. A loader uses an entry only when all of that matches where it runs
and compiles otherwise, so a missing or stale executable never stops an export from loading (the
files are not among those :func:`read_metadata` requires). :mod:`.executables` writes and reads them.

A signature with a ``"host_features": {"config": "host_features.json", "inputs": {...}}`` entry (a
canned estimator's graph export over vocabulary, hashed, bucketized, crossed, indicator or embedding
columns) takes the raw features as its ``inputs`` (strings as dtype ``object``, DT_STRING; numbers
as their dtype; shapes ``[null]`` or ``[null, k]``); the loader encodes them on the host with the
columns ``host_features.json`` records, rebuilt by ``tfc.feature_column``'s constructors (vocabulary
files from ``assets/``), and feeds the encoded ids, weights and values to the graph tensors that
``host_features.inputs`` names (:mod:`.host_features`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from tfc.runtime import checkpoint

FORMAT_NAME = "tfc.saved_model"
FORMAT_VERSION = 1
METADATA_FILE = "saved_model.json"
VARIABLES_FILE = "variables/variables.npz"
GRAPH_FILE = "graph.pb"
ASSETS_EXTRA = "assets.extra"
PREDICT_METHOD = "tensorflow/serving/predict"
DEFAULT_SIGNATURE = "serving_default"
KINDS = ("traced", "graph")


class SavedModelError(ValueError):
    """An export that cannot be written, or a directory that is not a readable tfc SavedModel (names the path)."""


def tfc_version() -> str:
    try:
        return version("tfc")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


def tensor_info(name: str, dtype, shape) -> dict:
    """One input or output as the json says it: ``shape`` None (unknown rank) or dims with None for unknown."""
    dims = None if shape is None else [None if d is None or d < 0 else int(d) for d in shape]
    return {"name": str(name), "dtype": np.dtype(dtype).name, "shape": dims}


def new_metadata(kind: str, signatures: dict, graph: bool, variables: bool) -> dict:
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "tfc_version": tfc_version(), "kind": kind,
            "graph": GRAPH_FILE if graph else None, "variables": VARIABLES_FILE if variables else None,
            "signatures": signatures}


# ---- writing -------------------------------------------------------------------------------------
def write_export(export_dir, metadata: dict, files: dict, variables: dict | None = None, assets_extra: dict | None = None) -> Path:
    """Write ``files`` (relative path -> str or bytes), the variables and ``saved_model.json`` into a
    temporary directory beside ``export_dir``, then rename it to ``export_dir`` (which must not exist
    or be an empty directory)."""
    target = Path(os.fspath(export_dir)).absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise SavedModelError(f"export_dir {target} already exists and is not empty; each export gets a new directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        for relative, content in files.items():
            _write(temp / relative, content)
        if variables is not None:
            (temp / VARIABLES_FILE).parent.mkdir(parents=True, exist_ok=True)
            checkpoint.save(temp / VARIABLES_FILE, variables)
        for relative, source in (assets_extra or {}).items():
            destination = temp / ASSETS_EXTRA / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        _write(temp / METADATA_FILE, json.dumps(metadata, indent=1) + "\n")
        if target.exists():
            target.rmdir()
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def _write(path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)


# ---- reading -------------------------------------------------------------------------------------
def read_metadata(export_dir) -> dict:
    """``saved_model.json`` of ``export_dir``, checked: its format, version, kind and signatures, and
    that every file it names is there (SavedModelError naming the path otherwise)."""
    root = Path(os.fsdecode(export_dir))
    if not root.is_dir():
        raise SavedModelError(f"{root}: not a directory (expected a SavedModel export directory)")
    path = root / METADATA_FILE
    if not path.is_file():
        found = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.isdigit())
        hint = f"; it holds versions {found}: load one of them" if found else ""
        raise SavedModelError(f"{root}: no {METADATA_FILE}, so not a tfc SavedModel{hint}")
    try:
        metadata = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SavedModelError(f"{path}: not valid JSON ({err})") from None
    _check_metadata(path, metadata)
    for relative in _named_files(metadata):
        if not (root / relative).is_file():
            raise SavedModelError(f"{root}: {METADATA_FILE} names {relative}, which is missing")
    return metadata


def _check_metadata(path: Path, metadata) -> None:
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise SavedModelError(f"{path}: not a tfc SavedModel (expected \"format\": \"{FORMAT_NAME}\")")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise SavedModelError(f"{path}: format_version {metadata.get('format_version')!r}; this tfc reads version {FORMAT_VERSION}")
    if metadata.get("kind") not in KINDS:
        raise SavedModelError(f"{path}: kind {metadata.get('kind')!r}, expected one of {list(KINDS)}")
    signatures = metadata.get("signatures")
    if not isinstance(signatures, dict) or not signatures:
        raise SavedModelError(f"{path}: \"signatures\" must be a non-empty object")
    for name, signature in signatures.items():
        _check_signature(path, name, signature)


def _check_signature(path: Path, name: str, signature) -> None:
    where = f"{path}: signature '{name}'"
    if not isinstance(signature, dict) or not isinstance(signature.get("program"), str):
        raise SavedModelError(f"{where} must be an object naming its \"program\"")
    for part in ("inputs", "outputs"):
        infos = signature.get(part)
        if not isinstance(infos, dict):
            raise SavedModelError(f"{where}: \"{part}\" must be an object")
        for key, info in infos.items():
            if not _is_tensor_info(info):
                raise SavedModelError(f"{where}: {part[:-1]} '{key}' must have a name, a numpy dtype and a shape (a list or null)")
    if not isinstance(signature.get("variables", []), list):
        raise SavedModelError(f"{where}: \"variables\" must be a list of names")


def _is_tensor_info(info) -> bool:
    if not isinstance(info, dict) or not isinstance(info.get("name"), str):
        return False
    try:
        np.dtype(info.get("dtype"))
    except TypeError:
        return False
    shape = info.get("shape")
    return shape is None or (isinstance(shape, list) and all(d is None or (isinstance(d, int) and d >= 0) for d in shape))


def _named_files(metadata: dict) -> list[str]:
    files = [metadata[key] for key in ("graph", "variables") if metadata.get(key)]
    for signature in metadata["signatures"].values():
        files += [signature[key] for key in ("program", "stablehlo") if signature.get(key)]
    return files


def read_variables(export_dir, metadata: dict) -> dict[str, np.ndarray]:
    """The variables' values (empty when the export has none)."""
    if not metadata.get("variables"):
        return {}
    path = Path(os.fsdecode(export_dir)) / metadata["variables"]
    try:
        return checkpoint.load(path)
    except checkpoint.CheckpointError as err:
        raise SavedModelError(f"{export_dir}: unreadable variables: {err}") from None


__all__ = ["ASSETS_EXTRA", "DEFAULT_SIGNATURE", "FORMAT_NAME", "FORMAT_VERSION", "GRAPH_FILE", "METADATA_FILE", "PREDICT_METHOD",
           "VARIABLES_FILE", "SavedModelError", "new_metadata", "read_metadata", "read_variables", "tensor_info", "tfc_version",
           "write_export"]
