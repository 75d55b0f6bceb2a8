"""Where a pipeline's elements come from: slices of arrays, one element, a range, a Python generator.

Each source (and each stage in :mod:`.stages`) is a node with ``element_spec``, ``cardinality()``
and ``elements()`` (a fresh pass over its elements); :class:`~tfc.data.Dataset` wraps one node.
"""

from __future__ import annotations

import numpy as np

from tfc.types import STRING

from . import structure

INFINITE = -1
UNKNOWN = -2


class TensorSlices:
    """``from_tensor_slices``: element i holds row i of every leaf."""

    def __init__(self, tensors):
        self.tensors = structure.to_element(tensors)
        leaves = structure.flatten(self.tensors)
        if any(leaf.ndim == 0 for leaf in leaves):
            raise ValueError(f"from_tensor_slices: every component needs a leading dimension to slice; got {structure.describe(self.tensors)}")
        sizes = {leaf.shape[0] for leaf in leaves}
        if len(sizes) != 1:
            raise ValueError(f"from_tensor_slices: the components' leading dimensions differ: {structure.describe(self.tensors)}")
        self.size = sizes.pop()
        self.element_spec = structure.spec_of(self.tensors, batch_dim=True)

    def cardinality(self) -> int:
        return self.size

    def rows(self, start: int, stop: int):
        """Rows ``start:stop`` of every leaf: a batch without stacking."""
        return structure.map_structure(lambda a: a[start:stop], self.tensors)

    def elements(self):
        leaves = structure.flatten(self.tensors)
        for i in range(self.size):
            yield structure.unflatten(self.tensors, [leaf[i, ...] for leaf in leaves])


class Tensors:
    """``from_tensors``: one element."""

    def __init__(self, tensors):
        self.element = structure.to_element(tensors)
        self.element_spec = structure.spec_of(self.element)

    def cardinality(self) -> int:
        return 1

    def elements(self):
        yield self.element


class Range:
    """``range(start, stop, step)`` as 0-d arrays of ``dtype``."""

    def __init__(self, start: int, stop: int, step: int, dtype):
        if step == 0:
            raise ValueError("Dataset.range: step must not be 0")
        self.range, self.dtype = range(start, stop, step), np.dtype(dtype)
        self.element_spec = structure.leaf_spec(np.zeros((), self.dtype))

    def cardinality(self) -> int:
        return len(self.range)

    def elements(self):
        for value in self.range:
            yield np.asarray(value, self.dtype)


class Generator:
    """``from_generator``: each pass calls ``generator(*args)`` and checks what it yields against
    ``output_signature`` (dtypes converted, shapes checked, as TensorFlow does)."""

    def __init__(self, generator, output_signature, args):
        if not callable(generator):
            raise TypeError(f"from_generator: generator must be callable (a generator function), got {type(generator).__name__}")
        self.generator, self.args, self.element_spec = generator, tuple(args or ()), output_signature

    def cardinality(self) -> int:
        return UNKNOWN

    def elements(self):
        for index, value in enumerate(self.generator(*self.args)):
            yield self.conform(value, index)

    def conform(self, value, index: int):
        value = tuple(value) if isinstance(value, list) and isinstance(self.element_spec, tuple) else value
        if not structure.same_structure(self.element_spec, value):
            raise TypeError(f"from_generator: element {index} has structure {structure.describe(structure.to_element(value))}, "
                            f"which does not match output_signature {self.element_spec}")

        def check(spec, leaf):
            array = structure.to_array(leaf)
            array = array if spec.dtype is STRING else array.astype(spec.dtype.numpy, copy=False)
            if spec.shape is not None and (array.ndim != len(spec.shape) or any(d not in (None, n) for d, n in zip(spec.shape, array.shape))):
                raise ValueError(f"from_generator: element {index} has shape {list(array.shape)}, "
                                 f"which does not match the expected shape {list(spec.shape)} of output_signature")
            return array

        return structure.map_structure(check, self.element_spec, value)
