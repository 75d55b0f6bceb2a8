"""The stages a pipeline passes its elements through: map, filter, take, skip, repeat, shuffle, zip,
concatenate, enumerate, flat_map/interleave and cache (batching in :mod:`.batching`, threads in
:mod:`.threads`). Each is a node like the sources: ``element_spec``, ``cardinality()``, ``elements()``.
"""

from __future__ import annotations

import functools
import itertools
import os

import numpy as np

from tfc.compat import dispatch

from . import structure, threads
from .sources import INFINITE, UNKNOWN

AUTOTUNE = -1


def call(fn, element):
    """``fn`` on an element as tf.data calls it: a (plain) tuple's components as separate arguments;
    TensorFlow's names in it (``tf.cast``...) work on numpy values, as in TensorFlow 2."""
    element = structure.user_view(element)
    with dispatch.eager_functions():
        return fn(*element) if type(element) is tuple else fn(element)


def as_element(value):
    """A function's result as an element: a list is a tuple of components (as tf.data reads it)."""
    return structure.to_element(tuple(value) if isinstance(value, list) else value)


class Stage:
    """A node reading one input node; by default it keeps the input's spec and cardinality."""

    def __init__(self, input_node):
        self.input = input_node

    @property
    def element_spec(self):
        return self.input.element_spec

    def cardinality(self) -> int:
        return self.input.cardinality()


class Map(Stage):
    """``map``: ``fn`` on every element, in order; on ``parallel`` threads when asked (numpy and tfc's
    compiled calls release the interpreter lock, so threads overlap real work); with AUTOTUNE, on
    threads when they turn out faster."""

    def __init__(self, input_node, fn, parallel: int):
        super().__init__(input_node)
        self.fn, self.parallel = fn, parallel

    @functools.cached_property
    def element_spec(self):
        """The spec of the first element's result (tf.data traces the function; tfc runs it)."""
        for element in self.elements():
            return structure.spec_of(element)
        return self.input.element_spec

    def apply(self, element):
        return as_element(call(self.fn, element))

    def elements(self):
        if self.parallel == AUTOTUNE:
            return threads.autotuned_map(self.apply, self.input.elements(), os.cpu_count() or 1)
        if self.parallel > 1:
            return threads.ordered_map(self.apply, self.input.elements(), self.parallel)
        return map(self.apply, self.input.elements())


class Filter(Stage):
    def __init__(self, input_node, predicate):
        super().__init__(input_node)
        self.predicate = predicate

    def cardinality(self) -> int:
        return INFINITE if self.input.cardinality() == INFINITE else UNKNOWN

    def elements(self):
        for element in self.input.elements():
            keep = np.asarray(call(self.predicate, element))
            if keep.shape != () or keep.dtype != np.bool_:
                raise TypeError(f"filter: the predicate must return a scalar bool, got {keep.dtype}{list(keep.shape)}")
            if keep:
                yield element


class Take(Stage):
    def __init__(self, input_node, count: int):
        super().__init__(input_node)
        self.count = count

    def cardinality(self) -> int:
        n = self.input.cardinality()
        if self.count < 0:
            return n
        return self.count if n == INFINITE else (min(n, self.count) if n >= 0 else UNKNOWN)

    def elements(self):
        elements = self.input.elements()
        return elements if self.count < 0 else itertools.islice(elements, self.count)


class Skip(Stage):
    def __init__(self, input_node, count: int):
        super().__init__(input_node)
        self.count = count

    def cardinality(self) -> int:
        n = self.input.cardinality()
        if n < 0:
            return n
        return 0 if self.count < 0 else max(n - self.count, 0)

    def elements(self):
        if self.count < 0:
            return iter(())
        return itertools.islice(self.input.elements(), self.count, None)


class Repeat(Stage):
    """``repeat(count)``: the input ``count`` times over (forever when count is -1), one fresh pass each."""

    def __init__(self, input_node, count: int):
        super().__init__(input_node)
        self.count = count

    def cardinality(self) -> int:
        n = self.input.cardinality()
        if n == 0 or self.count == 0:
            return 0
        if self.count < 0 or n == INFINITE:
            return INFINITE
        return n * self.count if n > 0 else UNKNOWN

    def elements(self):
        passes = itertools.count() if self.count < 0 else range(self.count)
        for _ in passes:
            empty = True
            for element in self.input.elements():
                empty = False
                yield element
            if empty:
                return  # repeating an empty dataset forever would never end


class Shuffle(Stage):
    """TensorFlow's shuffle buffer: fill ``buffer_size`` elements, then repeatedly emit a uniformly
    chosen one and put the next input element in its place; at the end, drain in random order. So
    an element moves at most ``buffer_size - 1`` places earlier. Each pass draws from a Philox stream
    of ``(seed, pass)`` when ``reshuffle`` (another order every epoch), else from ``(seed, 0)``."""

    def __init__(self, input_node, buffer_size: int, seed: int, reshuffle: bool):
        super().__init__(input_node)
        if buffer_size < 1:
            raise ValueError(f"shuffle: buffer_size must be at least 1, got {buffer_size}")
        self.buffer_size, self.seed, self.reshuffle, self.passes = buffer_size, seed, reshuffle, 0

    def elements(self):
        rng = np.random.Generator(np.random.Philox(key=[self.seed, self.passes if self.reshuffle else 0]))
        self.passes += 1
        source, buffer = self.input.elements(), []
        for element in source:
            buffer.append(element)
            if len(buffer) == self.buffer_size:
                break
        for element in source:
            index = int(rng.integers(len(buffer)))
            yield buffer[index]
            buffer[index] = element
        while buffer:
            index = int(rng.integers(len(buffer)))
            buffer[index], buffer[-1] = buffer[-1], buffer[index]
            yield buffer.pop()


class Zip:
    """``zip``: elements of several datasets side by side (as long as the shortest)."""

    def __init__(self, nodes):
        self.nodes = nodes  # a tuple or dict (nested) of nodes

    @property
    def element_spec(self):
        return structure.map_structure(lambda node: node.element_spec, self.nodes)

    def cardinality(self) -> int:
        sizes = [node.cardinality() for node in structure.flatten(self.nodes)]
        finite = [n for n in sizes if n >= 0]
        if finite:
            return min(finite)
        return UNKNOWN if UNKNOWN in sizes else INFINITE

    def elements(self):
        leaves = structure.flatten(self.nodes)
        for parts in zip(*(node.elements() for node in leaves)):
            yield structure.unflatten(self.nodes, parts)


class Concatenate:
    def __init__(self, first, second):
        if not structure.same_structure(first.element_spec, second.element_spec):
            raise TypeError(f"concatenate: the datasets' elements differ: {first.element_spec} and {second.element_spec}")
        self.first, self.second = first, second

    @property
    def element_spec(self):
        return structure.relax(self.first.element_spec, self.second.element_spec)

    def cardinality(self) -> int:
        a, b = self.first.cardinality(), self.second.cardinality()
        if INFINITE in (a, b):
            return INFINITE
        return a + b if a >= 0 and b >= 0 else UNKNOWN

    def elements(self):
        yield from self.first.elements()
        yield from self.second.elements()


class Enumerate(Stage):
    def __init__(self, input_node, start: int):
        super().__init__(input_node)
        self.start = start

    @property
    def element_spec(self):
        return (structure.leaf_spec(np.zeros((), np.int64)), self.input.element_spec)

    def elements(self):
        for index, element in enumerate(self.input.elements(), self.start):
            yield np.asarray(index, np.int64), element


class Interleave(Stage):
    """``interleave``/``flat_map``: ``fn`` makes a dataset of each input element; ``cycle_length`` of
    them are read round robin, ``block_length`` elements at a time, each finished one replaced by the
    next input's. With ``parallel`` threads, each open dataset is read ahead on its own thread (the
    output order stays the same)."""

    def __init__(self, input_node, fn, cycle_length: int, block_length: int, parallel: int):
        super().__init__(input_node)
        self.fn, self.cycle_length, self.block_length, self.parallel = fn, cycle_length, block_length, parallel

    @functools.cached_property
    def element_spec(self):
        for element in self.input.elements():
            return self.open(element).element_spec
        return self.input.element_spec

    def cardinality(self) -> int:
        return UNKNOWN

    def open(self, element):
        dataset = call(self.fn, element)
        if not hasattr(dataset, "node"):
            raise TypeError(f"interleave/flat_map: the function must return a Dataset, got {type(dataset).__name__}")
        return dataset.node

    def iterator(self, element):
        elements = self.open(element).elements()
        return threads.read_ahead(elements, 2 * self.block_length) if self.parallel > 1 else elements

    def elements(self):
        """TensorFlow's cycle: a slot opens the next input's dataset when reached empty; a finished
        dataset leaves its slot empty and the cycle moves on."""
        inputs, slots = self.input.elements(), [None] * self.cycle_length
        slot = block = opened = 0
        end_of_input = False
        while not end_of_input or opened:
            if slots[slot] is not None:
                element = next(slots[slot], _END)
                if element is not _END:
                    yield element
                    block += 1
                    if block < self.block_length:
                        continue
                else:
                    slots[slot], opened = None, opened - 1
            elif not end_of_input:
                following = next(inputs, _END)
                end_of_input = following is _END
                if not end_of_input:
                    slots[slot], opened = self.iterator(following), opened + 1
                continue
            slot, block = (slot + 1) % self.cycle_length, 0


_END = object()


class Prefetch(Stage):
    """``prefetch``: a background thread keeps up to ``buffer_size`` elements ready."""

    def __init__(self, input_node, buffer_size: int):
        super().__init__(input_node)
        self.buffer_size = buffer_size

    def elements(self):
        return threads.read_ahead(self.input.elements(), self.buffer_size)
