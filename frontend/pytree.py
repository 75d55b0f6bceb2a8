"""Nested arguments and results (tuples, lists, dicts of tensors) as flat tensor leaves plus a
hashable description of the rest: what ``@tfc.compile``, ``tfc.grad`` and control flow take apart
and put back together.

``flatten(tree, leaves)`` appends the tensor leaves and returns the structure: ``"T"`` for a leaf,
``(kind, children)`` for a list or tuple, ``("dict", keys, children)``, or ``("static", type, value)``
for anything else (a static argument, keyed by its value).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tfc.diagnostics import TraceError

from .tensor import Tensor


def is_tensor_leaf(x) -> bool:
    """A traced tensor, numpy array or scalar, or an array-like object (a device array)."""
    if isinstance(x, Tensor):
        return True
    return isinstance(x, (np.ndarray, np.generic)) or (hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype"))


def flatten(tree, leaves: list, static_ok: bool = True):
    """Append tensor leaves of ``tree`` to ``leaves``; return a hashable description of the rest.

    A ``tfc.Variable`` passed as an argument is static (keyed by identity) when ``static_ok``: the
    function reads it like a closure, so its value is not a traced argument.
    """
    if is_tensor_leaf(tree):
        if static_ok and type(tree) is not Tensor and getattr(tree, "is_variable", False):
            return ("static", type(tree), tree)
        leaves.append(tree)
        return "T"
    if isinstance(tree, (list, tuple)):
        return (type(tree).__name__, tuple(flatten(t, leaves, static_ok) for t in tree))
    if isinstance(tree, dict):
        keys = sorted(tree, key=repr)
        return ("dict", tuple(keys), tuple(flatten(tree[k], leaves, static_ok) for k in keys))
    try:
        hash(tree)
    except TypeError:
        raise TraceError(f"argument of type {type(tree).__name__} is neither a tensor nor hashable (so it cannot be static)") from None
    return ("static", type(tree), tree)


def unflatten(structure, leaves) -> Any:
    """The inverse of :func:`flatten`: ``structure`` rebuilt with ``leaves`` in order."""
    iterator = iter(leaves)

    def build(s):
        if s == "T":
            return next(iterator)
        kind = s[0]
        if kind == "static":
            return s[2]
        if kind == "dict":
            return {k: build(c) for k, c in zip(s[1], s[2])}
        children = [build(c) for c in s[1]]
        return tuple(children) if kind == "tuple" else children

    return build(structure)


def count_leaves(structure) -> int:
    """How many tensor leaves ``structure`` holds."""
    if structure == "T":
        return 1
    if structure[0] == "static":
        return 0
    children = structure[2] if structure[0] == "dict" else structure[1]
    return sum(count_leaves(c) for c in children)


class Static:
    """Wraps a static argument so :func:`flatten` keys it by value, whatever its type."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __hash__(self):
        return hash(self.value)

    def __eq__(self, other):
        return isinstance(other, Static) and type(other.value) is type(self.value) and other.value == self.value


__all__ = ["Static", "count_leaves", "flatten", "is_tensor_leaf", "unflatten"]
