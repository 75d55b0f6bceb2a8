"""An element of a dataset: a tensor (numpy array), or tuples, namedtuples and dicts of them.

As in ``tf.data``, a Python list is a value, not a structure (``from_tensor_slices([1, 2, 3])``
slices one tensor), and values convert as ``tf.constant`` converts them: Python ints to int32
(int64 when they do not fit), floats to float32, strings to byte strings (numpy ``object`` arrays of
``bytes``, what TensorFlow's ``.numpy()`` gives for ``tf.string``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import tfc
from tfc.types import STRING, DType

INT32 = np.iinfo(np.int32)


def is_structure(value) -> bool:
    return isinstance(value, (tuple, dict))


def map_structure(fn: Callable, *elements):
    """``fn`` applied leaf by leaf to elements of the same structure, the structure kept."""
    first = elements[0]
    if isinstance(first, dict):
        return {key: map_structure(fn, *(e[key] for e in elements)) for key in first}
    if isinstance(first, tuple):
        children = [map_structure(fn, *parts) for parts in zip(*elements)]
        return type(first)(*children) if hasattr(first, "_fields") else tuple(children)
    return fn(*elements)


def flatten(element) -> list:
    """The leaves in order (dicts by their keys' order)."""
    if isinstance(element, dict):
        return [leaf for value in element.values() for leaf in flatten(value)]
    if isinstance(element, tuple):
        return [leaf for value in element for leaf in flatten(value)]
    return [element]


def unflatten(like, leaves) -> object:
    """``like``'s structure holding ``leaves`` in order."""
    iterator = iter(leaves)
    return map_structure(lambda _: next(iterator), like)


def same_structure(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b))
    return not is_structure(b)


def to_array(value) -> np.ndarray:
    """One leaf as a numpy array, converted as ``tf.constant`` would."""
    if isinstance(value, np.ndarray):
        return _bytes_array(value) if value.dtype.kind == "U" else value
    if isinstance(value, np.generic):
        return np.asarray(value)
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple)):
        return np.asarray(value)
    if isinstance(value, (str, bytes)):
        return _bytes_array(np.asarray(value, dtype=object))
    array = np.asarray(value)
    if array.dtype == np.float64:
        return array.astype(np.float32)
    if array.dtype == np.int64 and (array.size == 0 or (array.min() >= INT32.min and array.max() <= INT32.max)):
        return array.astype(np.int32)
    if array.dtype.kind in "UO":
        return _bytes_array(array)
    return array


def _bytes_array(array: np.ndarray) -> np.ndarray:
    encode = np.vectorize(lambda s: s.encode() if isinstance(s, str) else bytes(s), otypes=[object])
    return encode(array) if array.size else array.astype(object)


def to_element(value):
    """A Python value as a dataset element: structures kept, leaves as arrays."""
    return map_structure(to_array, value)


def user_view(element):
    """An element as users (and their functions) see it: what ``.numpy()`` gives in TensorFlow, so
    scalars are numpy scalars and string scalars ``bytes``; arrays stay arrays."""
    if isinstance(element, np.ndarray):
        return element[()] if element.ndim == 0 else element
    return map_structure(lambda a: a[()] if a.ndim == 0 else a, element)


def leaf_spec(array: np.ndarray, shape=None):
    shape = tuple(array.shape) if shape is None else shape
    return tfc.TensorSpec(shape, STRING if array.dtype == object else DType.from_numpy(array.dtype))


def spec_of(element, batch_dim=False):
    """The element's spec: its leaves' shapes and dtypes (``batch_dim``: drop the leading axis)."""
    return map_structure(lambda a: leaf_spec(a, tuple(a.shape[1:]) if batch_dim else None), element)


def relax(spec, other):
    """The most specific spec both fit: dimensions that differ become None."""

    def join(a, b):
        if a.shape is None or b.shape is None or len(a.shape) != len(b.shape):
            return type(a)(None, a.dtype)
        return type(a)(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)), a.dtype)

    return map_structure(join, spec, other)


def with_leading(spec, dim):
    """``spec`` with a leading dimension ``dim`` (an int or None) on every leaf."""
    return map_structure(lambda s: type(s)(None if s.shape is None else (dim, *s.shape), s.dtype), spec)


def describe(element) -> str:
    """A short text of an element's structure, for error messages."""
    if isinstance(element, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v)}" for k, v in element.items()) + "}"
    if isinstance(element, tuple):
        return "(" + ", ".join(describe(v) for v in element) + ")"
    array = np.asarray(element)
    return f"{'string' if array.dtype == object else array.dtype}{list(array.shape)}"
