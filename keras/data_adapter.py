"""What ``fit``, ``evaluate`` and ``predict`` iterate over: batches ``(x, y, sample_weight)`` cut from
numpy arrays (one, a list, or a dict keyed by input name), or read from a :class:`tfc.data.Dataset`
whose elements are batches, as tf.keras's data adapters give them."""

from __future__ import annotations

import itertools

import numpy as np

from tfc.data import INFINITE_CARDINALITY, Dataset


class ArrayBatches:
    """Batches of ``batch_size`` rows of arrays, in a new random order each epoch when ``shuffle``."""

    def __init__(self, x, y, weights, batch_size: int, shuffle: bool = False):
        self.x, self.y, self.weights, self.batch_size, self.shuffle = x, y, weights, batch_size, shuffle
        self.size = count(x)
        self.steps = -(-self.size // batch_size)
        self.exhausted = False
        self.rng = np.random.default_rng() if shuffle else None

    def epoch(self):
        order = self.rng.permutation(self.size) if self.shuffle else None
        for start in range(0, self.size, self.batch_size):
            rows = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            yield take(self.x, rows), None if self.y is None else self.y[rows], None if self.weights is None else self.weights[rows]


class DatasetBatches:
    """The elements of a dataset of batches, each ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

    Without ``steps`` an epoch is one pass; with it, ``steps`` batches from an iterator that goes on
    across epochs (so an infinite dataset needs ``steps``), and running out ends training, as in Keras."""

    def __init__(self, dataset: Dataset, method: str, steps=None, needs_labels: bool = False, class_weight=None):
        self.dataset, self.method, self.needs_labels, self.class_weight = dataset, method, needs_labels, class_weight
        size = dataset.cardinality()
        if steps is None and size == INFINITE_CARDINALITY:
            raise ValueError(f"{method}(): the dataset is infinite (repeat()); give {'steps_per_epoch' if method == 'fit' else 'steps'}")
        self.steps = steps if steps is not None else (size if size >= 0 else None)
        self.iterator = iter(dataset) if steps is not None else None
        self.exhausted = False

    def epoch(self):
        elements = iter(self.dataset) if self.iterator is None else itertools.islice(self.iterator, self.steps)
        produced = 0
        for element in elements:
            produced += 1
            yield self.unpack(element)
        if self.iterator is not None and produced < self.steps:
            self.exhausted = True
        if self.iterator is None:
            self.steps = produced  # a dataset of unknown length: known after one pass, as Keras learns it

    def unpack(self, element):
        parts = element if type(element) is tuple else (element,)
        if not 1 <= len(parts) <= 3 or (self.needs_labels and len(parts) < 2):
            raise ValueError(f"{self.method}(): the dataset's elements must be (x, y) or (x, y, sample_weight) tuples of batches; "
                             f"got {'a tuple of ' + str(len(parts)) if type(element) is tuple else 'a ' + type(element).__name__}")
        x, y, weights = (*parts, None, None)[:3]
        y = None if y is None else arrays(y, "y")
        if y is not None and (weights is not None or self.class_weight):
            weights = sample_weights(y, weights, self.class_weight)
        return arrays(x, "x"), y, weights


def adapter(method: str, x, y=None, batch_size=None, steps=None, needs_labels=False, sample_weight=None, class_weight=None, shuffle=False):
    """The batches of ``x``/``y``: a Dataset as it is (no ``y``, ``batch_size`` or ``sample_weight``), else arrays."""
    if isinstance(x, Dataset):
        given = {"y": y, "batch_size": batch_size, "sample_weight": sample_weight}
        for name, value in given.items():
            if value is not None:
                raise ValueError(f"{method}(): {name} must not be given when x is a Dataset (its elements are batches of (x, y, sample_weight))")
        return DatasetBatches(x, method, steps, needs_labels, class_weight)
    if steps is not None:
        raise ValueError(f"{method}(): {'steps_per_epoch' if method == 'fit' else 'steps'} is supported for Datasets only (got {steps!r})")
    x = arrays(x, "x")
    y = arrays(y, "y") if y is not None or needs_labels else None
    weights = sample_weights(y, sample_weight, class_weight) if y is not None else None
    return ArrayBatches(x, y, weights, batch_size or 32, shuffle)


def sample_weights(y, sample_weight, class_weight):
    """Per-example weights: ``sample_weight``, times ``class_weight[label]`` (labels or one-hot rows)."""
    weights = None if sample_weight is None else np.asarray(sample_weight, np.float32)
    if class_weight:
        labels = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0].astype(int)
        by_class = np.asarray([class_weight.get(int(label), 1.0) for label in labels], np.float32)
        weights = by_class if weights is None else weights * by_class
    return weights


def arrays(value, what: str):
    """``value`` as a numpy array, a list of them for a model of several inputs, or a dict of them keyed
    by input name (float64 as float32, Keras' floatx)."""
    if value is None:
        raise ValueError(f"{what} is required")
    if isinstance(value, dict):
        if not value:
            raise ValueError(f"{what}: the dict of inputs is empty")
        parts = {key: arrays(v, f"{what}[{key!r}]") for key, v in value.items()}
        _same_length(parts, what)
        return parts
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        parts = [arrays(v, what) for v in value]
        if len({len(a) for a in parts}) != 1:
            raise ValueError(f"{what}: the arrays of a multi-input batch must have one length, got {[len(a) for a in parts]}")
        return parts
    array = np.asarray(value)
    return array.astype(np.float32) if array.dtype == np.float64 else array


def _same_length(parts: dict, what: str) -> None:
    lengths = {key: len(a) if a.ndim else None for key, a in parts.items()}
    if None in lengths.values() or len(set(lengths.values())) != 1:
        raise ValueError(f"{what}: the arrays of a dict of inputs must have one length (examples first), got lengths "
                         f"{', '.join(f'{k!r}: {n}' for k, n in lengths.items())}")


def count(x) -> int:
    """The number of examples in ``x`` (an array, a list or a dict of them)."""
    if isinstance(x, dict):
        return len(next(iter(x.values())))
    return len(x[0]) if isinstance(x, list) else len(x)


def take(x, rows):
    """The examples ``rows`` of ``x`` (an array, a list or a dict of them)."""
    if isinstance(x, dict):
        return {key: a[rows] for key, a in x.items()}
    return [a[rows] for a in x] if isinstance(x, list) else x[rows]
