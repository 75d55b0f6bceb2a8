"""``tfc.data.Dataset``: TensorFlow's input pipeline API over numpy.

A Dataset wraps one node of a pipeline (a source from :mod:`.sources`, or a stage reading another
node); each transformation returns a new Dataset around a new node, and each ``iter()`` starts a
fresh pass. Elements are numpy arrays (what ``.numpy()`` gives in TensorFlow) in tuples and dicts.
Functions given to ``map``/``filter``/``interleave`` run as Python on those arrays (tfc's functions
work on them eagerly, compiled), where tf.data traces them into a graph.
"""

from __future__ import annotations

import glob
import os

import numpy as np

import tfc

from . import batching, cache, sources, stages, structure

AUTOTUNE = stages.AUTOTUNE
INFINITE_CARDINALITY = sources.INFINITE
UNKNOWN_CARDINALITY = sources.UNKNOWN


def parallelism(num_parallel_calls, autotune: bool = False) -> int:
    """Threads for ``num_parallel_calls``; AUTOTUNE: one per core, or (``autotune``) AUTOTUNE itself
    for a stage that chooses (:func:`.threads.autotuned_map`)."""
    if num_parallel_calls is None:
        return 1
    if num_parallel_calls == AUTOTUNE:
        return AUTOTUNE if autotune else os.cpu_count() or 1
    if num_parallel_calls < 1:
        raise ValueError(f"num_parallel_calls must be positive or tf.data.AUTOTUNE, got {num_parallel_calls}")
    return int(num_parallel_calls)


def random_seed(seed) -> int:
    """An op's seed, or one drawn from numpy's global generator (``np.random.seed`` and
    ``tfc.keras.utils.set_random_seed`` make unseeded shuffles repeatable, as tf.random.set_seed does)."""
    return int(seed) if seed is not None else int(np.random.randint(2**63 - 1, dtype=np.int64))


class Dataset:
    """A sequence of elements, built and transformed with TensorFlow's ``tf.data.Dataset`` methods."""

    def __init__(self, node):
        self.node = node

    # ---- sources
    @staticmethod
    def from_tensor_slices(tensors, name=None) -> Dataset:
        return Dataset(sources.TensorSlices(tensors))

    @staticmethod
    def from_tensors(tensors, name=None) -> Dataset:
        return Dataset(sources.Tensors(tensors))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None, output_signature=None, name=None) -> Dataset:
        """Elements from ``generator(*args)``; ``output_signature`` (TensorSpecs) says what they are
        (or the older ``output_types``/``output_shapes``)."""
        if output_signature is None:
            if output_types is None:
                raise TypeError("from_generator: give output_signature (a structure of tfc.TensorSpec) or output_types")
            output_signature = _signature(output_types, output_shapes)
        return Dataset(sources.Generator(generator, output_signature, args))

    @staticmethod
    def range(*args, output_type=np.int64, name=None) -> Dataset:
        """``range(stop)``, ``range(start, stop)`` or ``range(start, stop, step)``."""
        bounds = range(*args)
        return Dataset(sources.Range(bounds.start, bounds.stop, bounds.step, _numpy_dtype(output_type)))

    @staticmethod
    def zip(*args, datasets=None, name=None) -> Dataset:
        """``zip((a, b))``, ``zip(a, b)`` or ``zip({"x": a, "y": b})``: elements side by side."""
        nested = datasets if datasets is not None else (args[0] if len(args) == 1 else args)
        return Dataset(stages.Zip(structure.map_structure(_node_of, nested)))

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None) -> Dataset:
        """The file names matching ``file_pattern`` (a glob or a list of them), as byte strings;
        shuffled unless ``shuffle=False``, as TensorFlow does."""
        patterns = [file_pattern] if isinstance(file_pattern, (str, bytes, os.PathLike)) else list(file_pattern)
        names = sorted({os.fsdecode(path) for pattern in patterns for path in glob.glob(os.fsdecode(pattern))})
        if not names:
            raise ValueError(f"list_files: no files match {file_pattern!r}")
        dataset = Dataset.from_tensor_slices(np.array([n.encode() for n in names], dtype=object))
        return dataset if shuffle is False else dataset.shuffle(len(names), seed=seed)

    # ---- the pipeline
    @property
    def element_spec(self):
        return self.node.element_spec

    def cardinality(self) -> int:
        """The number of elements; ``INFINITE_CARDINALITY`` (-1) or ``UNKNOWN_CARDINALITY`` (-2)."""
        return self.node.cardinality()

    def __iter__(self):
        """A fresh pass: elements as numpy values (scalars as numpy scalars, strings as bytes)."""
        elements = self.node.elements()
        try:
            for element in elements:
                yield structure.user_view(element)
        finally:
            if hasattr(elements, "close"):
                elements.close()  # stops the pipeline's threads now, not when it is collected

    def __len__(self) -> int:
        n = self.cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def as_numpy_iterator(self):
        return iter(self)

    def __repr__(self) -> str:
        return f"<Dataset element_spec={self.element_spec}>"

    # ---- transformations
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        return Dataset(stages.Map(self.node, map_func, parallelism(num_parallel_calls, autotune=True)))

    def filter(self, predicate, name=None) -> Dataset:
        return Dataset(stages.Filter(self.node, predicate))

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        return Dataset(batching.Batch(self.node, int(batch_size), bool(drop_remainder), parallelism(num_parallel_calls)))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False, name=None) -> Dataset:
        return Dataset(batching.PaddedBatch(self.node, int(batch_size), padded_shapes, padding_values, bool(drop_remainder)))

    def unbatch(self, name=None) -> Dataset:
        return Dataset(batching.Unbatch(self.node))

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None) -> Dataset:
        """TensorFlow's buffer shuffle (see :class:`.stages.Shuffle`); a new order each epoch unless
        ``reshuffle_each_iteration=False``."""
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return Dataset(stages.Shuffle(self.node, int(buffer_size), random_seed(seed), reshuffle))

    def repeat(self, count=None, name=None) -> Dataset:
        return Dataset(stages.Repeat(self.node, -1 if count is None else int(count)))

    def take(self, count, name=None) -> Dataset:
        return Dataset(stages.Take(self.node, int(count)))

    def skip(self, count, name=None) -> Dataset:
        return Dataset(stages.Skip(self.node, int(count)))

    def prefetch(self, buffer_size, name=None) -> Dataset:
        """A background thread keeping ``buffer_size`` elements ready (AUTOTUNE: 8)."""
        size = 8 if buffer_size == AUTOTUNE else int(buffer_size)
        return Dataset(stages.Prefetch(self.node, size)) if size else self

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        cycle = (os.cpu_count() or 1) if cycle_length in (None, AUTOTUNE) else int(cycle_length)
        return Dataset(stages.Interleave(self.node, map_func, cycle, int(block_length or 1), parallelism(num_parallel_calls)))

    def flat_map(self, map_func, name=None) -> Dataset:
        return Dataset(stages.Interleave(self.node, map_func, 1, 1, 1))

    def cache(self, filename="", name=None) -> Dataset:
        return Dataset(cache.Cache(self.node, filename))

    def concatenate(self, dataset, name=None) -> Dataset:
        return Dataset(stages.Concatenate(self.node, _node_of(dataset)))

    def enumerate(self, start=0, name=None) -> Dataset:
        return Dataset(stages.Enumerate(self.node, int(start)))

    def apply(self, transformation_func) -> Dataset:
        return transformation_func(self)

    def reduce(self, initial_state, reduce_func):
        """``reduce_func(state, element)`` folded over the elements."""
        state = structure.user_view(structure.to_element(initial_state))
        for element in self:
            state = structure.user_view(stages.as_element(reduce_func(state, element)))
        return state

    # ---- TensorFlow 1's iterators and structure (tf.compat.v1.data.Dataset), see :mod:`.tf1_iterators`
    def make_one_shot_iterator(self):
        """An iterator whose ``get_next()`` tensors a ``tf.Session`` feeds, starting by itself."""
        from . import tf1_iterators  # TF1's graph API, loaded only by programs that use it

        return tf1_iterators.make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name=None):
        """An iterator whose ``initializer`` a Session runs to start (and restart) it."""
        from . import tf1_iterators

        return tf1_iterators.make_initializable_iterator(self, shared_name)

    @property
    def output_types(self):
        from . import tf1_iterators

        return tf1_iterators.get_output_types(self)

    @property
    def output_shapes(self):
        from . import tf1_iterators

        return tf1_iterators.get_output_shapes(self)

    @property
    def output_classes(self):
        from . import tf1_iterators

        return tf1_iterators.get_output_classes(self)


def _node_of(dataset):
    if not isinstance(dataset, Dataset):
        raise TypeError(f"expected a tfc.data.Dataset, got {type(dataset).__name__}")
    return dataset.node


def _numpy_dtype(dtype) -> np.dtype:
    return dtype.numpy if hasattr(dtype, "numpy") and not isinstance(dtype, type) else np.dtype(dtype)


def _signature(output_types, output_shapes):
    """``output_types``/``output_shapes`` (the older from_generator arguments) as TensorSpecs."""

    def spec(dtype, shape=None):
        return tfc.TensorSpec(None if shape is None else shape, dtype)

    if output_shapes is None:
        return structure.map_structure(spec, output_types)
    return structure.map_structure(spec, output_types, output_shapes)
