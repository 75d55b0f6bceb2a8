"""TensorFlow 1's checkpoint utilities (``tf.train.list_variables``, ``load_variable``,
``load_checkpoint``, ``checkpoint_exists``, ``init_from_checkpoint``) on tfc checkpoints, the files
``tf.train.Saver`` writes (:mod:`tfc.runtime.checkpoint`).

``ckpt_dir_or_file`` is, as in TensorFlow, a checkpoint prefix (``model.ckpt-100``; the ``.npz`` file
itself also works) or a folder, which means the latest checkpoint its ``checkpoint`` file names.

``init_from_checkpoint`` reads the values when it is called and makes each one a constant of the
graph that the variable's new initializer assigns (TensorFlow reads the file when the initializer
runs): running ``tf.global_variables_initializer()`` made afterwards loads them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.runtime.checkpoint import checkpoint_path, load

from ..errors_ns import NotFoundError
from ..graph import get_default_graph
from ..variables import GLOBAL_VARIABLES, Variable, graph_variable
from .saver import latest_checkpoint


def checkpoint_filename(ckpt_dir_or_file) -> str | None:
    """The checkpoint ``ckpt_dir_or_file`` means: the latest in a folder (None when it has none),
    else the path itself."""
    path = os.fspath(ckpt_dir_or_file)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return latest_checkpoint(path) if os.path.isdir(path) else path


def checkpoint_exists(checkpoint_prefix) -> bool:
    """``tf.compat.v1.train.checkpoint_exists``: whether a checkpoint was saved at this prefix."""
    return checkpoint_path(os.fspath(checkpoint_prefix)).is_file()


class CheckpointReader:
    """What ``tf.train.load_checkpoint`` returns: a checkpoint's tensors by name, read once."""

    def __init__(self, filename):
        path = checkpoint_path(os.fspath(filename))
        if not path.is_file():
            raise NotFoundError(None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files for {filename}")
        self._filename = str(filename)
        self._values = load(path)

    def has_tensor(self, tensor_str) -> bool:
        return tensor_str in self._values

    def get_tensor(self, tensor_str) -> np.ndarray:
        """A copy of the tensor's value (NotFoundError naming the checkpoint when it has none)."""
        if tensor_str not in self._values:
            raise NotFoundError(None, None, f"Key {tensor_str} not found in checkpoint {self._filename}")
        return np.array(self._values[tensor_str])

    def get_variable_to_shape_map(self) -> dict:
        return {name: list(value.shape) for name, value in self._values.items()}

    def get_variable_to_dtype_map(self) -> dict:
        return {name: as_dtype(value.dtype) for name, value in self._values.items()}


NewCheckpointReader = CheckpointReader


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader of the checkpoint ``ckpt_dir_or_file`` means (ValueError for a folder without one)."""
    filename = checkpoint_filename(ckpt_dir_or_file)
    if filename is None:
        raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {ckpt_dir_or_file}")
    return CheckpointReader(filename)


def load_variable(ckpt_dir_or_file, name) -> np.ndarray:
    """The value of ``name`` (a trailing ``:0`` is dropped) in the checkpoint."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def list_variables(ckpt_dir_or_file) -> list:
    """``[(name, shape)]`` of the checkpoint's tensors, sorted by name."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(name, shapes[name]) for name in sorted(shapes)]


# ---- init_from_checkpoint ------------------------------------------------------------------------
def is_variable(value) -> bool:
    """A graph ``tf.Variable``, or an eager one a TF1 program uses in its graph."""
    try:
        graph_variable(value)
    except TypeError:
        return False
    return True


def graph_variables_by_name(graph=None) -> dict:
    """The graph's global variables by name (``scope/w``): the names an assignment map may give."""
    return {v.op.name: v for v in (graph or get_default_graph()).get_collection(GLOBAL_VARIABLES) if isinstance(v, Variable)}


def init_from_checkpoint(ckpt_dir_or_file, assignment_map):
    """Replace the initializers of the variables ``assignment_map`` names so that running them
    loads the checkpoint's values.

    ``assignment_map`` (a dict or a list of pairs) maps checkpoint names to variables:
    ``'old/w': 'new/w'`` or ``'old/w': variable``, ``'old_scope/': 'new_scope/'`` (every variable
    under ``new_scope``) and ``'/': 'scope/'`` or ``'/': '/'`` (from the checkpoint's root).
    ValueError naming the tensor and the checkpoint for a name it lacks, or another shape or dtype.
    """
    filename = checkpoint_filename(ckpt_dir_or_file)
    reader = load_checkpoint(ckpt_dir_or_file)
    pairs = assignment_map.items() if isinstance(assignment_map, Mapping) else assignment_map
    by_name = graph_variables_by_name()
    for tensor_name, target in sorted(pairs, key=lambda pair: pair[0]):
        if isinstance(target, (list, tuple)):
            raise TypeError(f"init_from_checkpoint: {tensor_name} maps to a list of variables (a partitioned variable), "
                            "which tfc does not have; map it to one variable")
        variable = graph_variable(target) if is_variable(target) else by_name.get(target)
        if variable is not None:
            if not reader.has_tensor(tensor_name):
                raise ValueError(f"Tensor {tensor_name} is not found in {ckpt_dir_or_file} checkpoint "
                                 f"(to initialize variable {variable.op.name}); it has {sorted(reader.get_variable_to_shape_map())}")
            initialize(variable, reader, tensor_name, filename)
        else:
            for name, full_tensor_name in scope_assignments(tensor_name, target, by_name):
                if not reader.has_tensor(full_tensor_name):
                    raise ValueError(f"Tensor {full_tensor_name} ({name} in {tensor_name}) is not found in {ckpt_dir_or_file} checkpoint")
                initialize(by_name[name], reader, full_tensor_name, filename)


def scope_assignments(tensor_name: str, target, by_name: dict) -> list[tuple[str, str]]:
    """``(variable name, checkpoint name)`` for a scope entry of an assignment map, TensorFlow's way."""
    if not isinstance(target, str):
        raise TypeError(f"init_from_checkpoint: {tensor_name} maps to a {type(target).__name__}; expected a variable or a name")
    scopes = target[:target.rindex("/")] if "/" in target else ""
    if not tensor_name.endswith("/"):
        raise ValueError(f"Assignment map with scope only name {scopes} should map to scope only {tensor_name}. "
                         f"Should be 'scope/': 'other_scope/'. (No variable is named '{target}'.)")
    found = []
    for name in sorted(n for n in by_name if not scopes or n.startswith(scopes + "/")):
        full = name[len(scopes):]
        if target != "/":
            full = full[1:]
        if tensor_name != "/":
            full = tensor_name + full
        found.append((name, full[:-1] if full.endswith("/") else full))
    return found


def initialize(variable: Variable, reader: CheckpointReader, tensor_name: str, filename) -> None:
    """``variable``'s initializer assigns the checkpoint's ``tensor_name`` (checked against its shape and dtype)."""
    value = reader.get_tensor(tensor_name)
    dims = variable.shape.dims
    if dims is not None and (len(dims) != value.ndim or any(d is not None and d != s for d, s in zip(dims, value.shape))):
        raise ValueError(f"Shape of variable {variable.name} ({variable.shape.as_list()}) doesn't match with shape of "
                         f"tensor {tensor_name} ({list(value.shape)}) from checkpoint reader ({filename}).")
    if as_dtype(value.dtype) != variable.dtype:
        raise ValueError(f"dtype of variable {variable.name} ({variable.dtype.numpy.name}) doesn't match with dtype of "
                         f"tensor {tensor_name} ({value.dtype.name}) in checkpoint {filename}.")
    variable.initialize_from(value)


__all__ = ["CheckpointReader", "NewCheckpointReader", "checkpoint_exists", "checkpoint_filename", "init_from_checkpoint",
           "list_variables", "load_checkpoint", "load_variable"]
