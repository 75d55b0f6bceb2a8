"""``cache``: the first complete pass is kept and later passes replay it, in memory or in a file.

The file (``filename`` + ``.npz``, numpy's zip of arrays, written to a temporary name and renamed
when the pass completes) holds ``count`` and, per component ``j``, either ``c{j}`` (all elements
stacked, when they share a shape) or ``c{j}_{i}`` (element ``i``); strings are stored as numpy
byte strings. Like TensorFlow's file cache it outlives the program: a later pipeline with the same
filename reads the file and not its input. A pass stopped early caches nothing.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from tfc.types import STRING

from . import structure
from .stages import Stage


class Cache(Stage):
    def __init__(self, input_node, filename: str):
        super().__init__(input_node)
        self.path = os.fspath(filename) + ".npz" if filename else None
        self.kept: list | None = None

    def elements(self):
        if self.kept is None and self.path and os.path.exists(self.path):
            self.kept = read(self.path, self.input.element_spec)
        if self.kept is not None:
            yield from self.kept
            return
        seen = []
        for element in self.input.elements():
            seen.append(element)
            yield element
        if self.path:
            write(self.path, seen)
        self.kept = seen


def write(path: str, elements: list) -> None:
    arrays = {"count": np.asarray(len(elements))}
    for j, column in enumerate(zip(*map(structure.flatten, elements))):
        column = [leaf.astype(bytes) if leaf.dtype == object else leaf for leaf in column]
        if all(leaf.shape == column[0].shape for leaf in column):
            arrays[f"c{j}"] = np.stack(column)
        else:
            arrays.update({f"c{j}_{i}": leaf for i, leaf in enumerate(column)})
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".cache-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def read(path: str, spec) -> list:
    try:
        with np.load(path, allow_pickle=False) as stored:
            count, names = int(stored["count"]), set(stored.files)
            columns = []
            for j, leaf_spec in enumerate(structure.flatten(spec)):
                column = stored[f"c{j}"] if f"c{j}" in names else [stored[f"c{j}_{i}"] for i in range(count)]
                columns.append([leaf.astype(object) if leaf_spec.dtype is STRING else leaf for leaf in column])
    except (OSError, KeyError, ValueError) as err:
        raise ValueError(f"cache: {path} is not a tfc.data cache file of these elements ({err})") from None
    return [structure.unflatten(spec, [np.asarray(column[i]) for column in columns]) for i in range(count)]
