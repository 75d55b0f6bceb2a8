"""``batch``, ``padded_batch`` and ``unbatch``: consecutive elements stacked along a new first axis
(padded to a common shape first for ``padded_batch``), and back."""

from __future__ import annotations

import itertools

import numpy as np

from . import structure, threads
from .sources import INFINITE, TensorSlices
from .stages import Stage


class Batch(Stage):
    """``batch``: ``batch_size`` elements stacked (the last batch smaller unless ``drop_remainder``).
    Straight after ``from_tensor_slices`` a batch is a slice of the arrays, not a stack of rows."""

    def __init__(self, input_node, batch_size: int, drop_remainder: bool, parallel: int = 1):
        super().__init__(input_node)
        if batch_size < 1:
            raise ValueError(f"batch: batch_size must be at least 1, got {batch_size}")
        self.batch_size, self.drop_remainder, self.parallel = batch_size, drop_remainder, parallel

    @property
    def element_spec(self):
        return structure.with_leading(self.input.element_spec, self.batch_size if self.drop_remainder else None)

    def cardinality(self) -> int:
        n = self.input.cardinality()
        if n < 0:
            return n
        return n // self.batch_size if self.drop_remainder else -(-n // self.batch_size)

    def groups(self):
        elements = self.input.elements()
        while group := list(itertools.islice(elements, self.batch_size)):
            if len(group) < self.batch_size and self.drop_remainder:
                return
            yield group

    def elements(self):
        if isinstance(self.input, TensorSlices):
            return self.slices()
        if self.parallel > 1:
            return threads.ordered_map(self.stack, self.groups(), self.parallel)
        return map(self.stack, self.groups())

    def slices(self):
        size = self.input.size - (self.input.size % self.batch_size if self.drop_remainder else 0)
        for start in range(0, size, self.batch_size):
            yield self.input.rows(start, min(start + self.batch_size, size))

    def stack(self, group):
        return structure.unflatten(group[0], [stack_leaves(column, i) for i, column in enumerate(zip(*map(structure.flatten, group)))])


def stack_leaves(column, component: int) -> np.ndarray:
    first = column[0]
    for index, leaf in enumerate(column):
        if leaf.shape != first.shape:
            raise ValueError(f"batch: cannot batch tensors of different shapes in component {component}: the first element has shape "
                             f"{list(first.shape)} and element {index} has shape {list(leaf.shape)} (use padded_batch, or map them to one shape)")
    return np.stack(column)


class PaddedBatch(Batch):
    """``padded_batch``: each component padded with ``padding_values`` (0, or b"" for strings) to
    ``padded_shapes`` (-1 or None dimensions: the longest in the batch) before stacking."""

    def __init__(self, input_node, batch_size: int, padded_shapes, padding_values, drop_remainder: bool):
        super().__init__(input_node, batch_size, drop_remainder)
        self.padded_shapes, self.padding_values = padded_shapes, padding_values

    def component_shapes(self, like) -> list:
        """One padded shape (or None: pad every dimension to the longest) per component of ``like``."""
        leaves = structure.flatten(like)
        if self.padded_shapes is None:
            return [None] * len(leaves)
        if not structure.is_structure(like):
            return [_shape_list(self.padded_shapes)]
        if not structure.same_structure(like, self.padded_shapes):
            raise ValueError(f"padded_batch: padded_shapes must have the elements' structure {structure.describe(like)}")
        return [_shape_list(shape) for shape in structure.flatten(self.padded_shapes)]


    @property
    def element_spec(self):
        spec = self.input.element_spec
        specs = [type(s)((None,) * len(s.shape), s.dtype) if shape is None else type(s)(tuple(None if d is None or d < 0 else int(d) for d in shape), s.dtype)
                 for s, shape in zip(structure.flatten(spec), self.component_shapes(spec))]
        return structure.with_leading(structure.unflatten(spec, specs), self.batch_size if self.drop_remainder else None)

    def elements(self):
        return map(self.stack, self.groups())

    def stack(self, group):
        shapes = self.component_shapes(group[0])
        values = self.padding_values
        values = structure.flatten(values) if structure.is_structure(values) else [values] * len(shapes)
        columns = zip(*map(structure.flatten, group))
        leaves = [pad_and_stack(column, shape, value, i) for i, (column, shape, value) in enumerate(zip(columns, shapes, values))]
        return structure.unflatten(group[0], leaves)


def _shape_list(shape) -> list | None:
    """A padded shape as a list (a bare int is a vector's length, as TensorFlow reads ``padded_shapes=5``)."""
    if shape is None:
        return None
    return [int(shape)] if np.ndim(shape) == 0 else [None if d is None else int(d) for d in shape]


def pad_and_stack(column, shape, value, component: int) -> np.ndarray:
    rank = column[0].ndim
    shape = [None] * rank if shape is None else shape
    if len(shape) != rank:
        raise ValueError(f"padded_batch: padded shape {shape} of component {component} does not have the elements' rank {rank}")
    longest = [max(leaf.shape[d] for leaf in column) for d in range(rank)]
    target = [n if s is None or s < 0 else int(s) for s, n in zip(shape, longest)]
    for leaf in column:
        if any(n > t for n, t in zip(leaf.shape, target)):
            raise ValueError(f"padded_batch: an element of shape {list(leaf.shape)} in component {component} is larger than its padded shape {target}")
    fill = value if value is not None else (b"" if column[0].dtype == object else 0)
    out = np.full((len(column), *target), fill, dtype=column[0].dtype)
    for i, leaf in enumerate(column):
        out[(i, *(slice(0, n) for n in leaf.shape))] = leaf
    return out


class Unbatch(Stage):
    """``unbatch``: each element's rows as elements."""

    @property
    def element_spec(self):
        return structure.map_structure(lambda s: type(s)(None if s.shape is None else s.shape[1:], s.dtype), self.input.element_spec)

    def cardinality(self) -> int:
        return INFINITE if self.input.cardinality() == INFINITE else -2

    def elements(self):
        for element in self.input.elements():
            leaves = structure.flatten(element)
            for i in range(leaves[0].shape[0]):
                yield structure.unflatten(element, [leaf[i, ...] for leaf in leaves])
