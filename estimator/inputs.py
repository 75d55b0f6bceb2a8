"""An input_fn's result as batches fed through placeholders.

An input_fn returns a ``tfc.data.Dataset`` whose elements are ``(features, labels)`` batches (or
features alone), or one ``(features, labels)`` tuple of arrays (or features alone), which is then
every step's batch: training repeats it, evaluation and prediction read it once. Features and labels
are an array or a dict of arrays. Each gets a placeholder of the first batch's dtype and shape, with
the batch dimension left open, so a smaller last batch feeds the same graph (and compiles once more).
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np

from tfc.compat.v1 import name_scope, placeholder
from tfc.data import Dataset
from tfc.data.sparse_tensor import SparseTensor

from .mode_keys import ModeKeys

INPUT_FN_ARGS = ("mode", "params", "config", "input_context")


def call_input_fn(input_fn, mode: str, params: dict, config):
    """``input_fn`` called with those of ``mode``, ``params`` and ``config`` it declares (as TensorFlow does)."""
    if not callable(input_fn):
        raise TypeError(f"input_fn must be callable, got {type(input_fn).__name__}")
    declared = inspect.signature(input_fn).parameters
    offered = {"mode": mode, "params": params, "config": config, "input_context": None}
    return input_fn(**{name: offered[name] for name in INPUT_FN_ARGS if name in declared})


class InputBatches:
    """The batches of an input_fn's result, and the placeholders (``features``, ``labels``) they feed;
    ``repeats``: the result was arrays, every training step's batch."""

    def __init__(self, result, mode: str, encode=None):
        self.repeats = not isinstance(result, Dataset)
        if isinstance(result, Dataset):
            batches = (split_element(element, "an element of the input_fn's Dataset") for element in result)
        else:
            batch = split_element(result, "the input_fn's result")
            batches = itertools.repeat(batch) if mode == ModeKeys.TRAIN else iter([batch])
        if encode is not None:
            batches = (encode(features, labels) for features, labels in batches)
        first = next(batches, None)
        if first is None:
            raise ValueError("the input_fn's Dataset is empty: no batch to build the model from")
        self._batches = itertools.chain([first], batches)
        self.features = _placeholders(first[0], "features", open_dims=encode is not None)
        self.labels = None if first[1] is None else _placeholders(first[1], "labels")
        self._structure = (_keys(first[0]), _keys(first[1]))

    def __iter__(self):
        """One feed_dict per batch."""
        for features, labels in self._batches:
            if (_keys(features), _keys(labels)) != self._structure:
                raise ValueError(f"the input_fn's batches change structure: first {self._structure}, "
                                 f"then {(_keys(features), _keys(labels))}")
            feeds = _feeds(self.features, features)
            if labels is not None:
                feeds.update(_feeds(self.labels, labels))
            yield feeds


def split_element(element, what: str):
    """``(features, labels)`` from a tuple of two, or ``(features, None)`` from features alone."""
    if isinstance(element, tuple) and len(element) == 2:
        features, labels = element
    elif isinstance(element, (dict, np.ndarray)):
        features, labels = element, None
    else:
        raise TypeError(f"input_fn: {what} must be a tfc.data.Dataset, a (features, labels) tuple, or features "
                        f"(an array or a dict of arrays); got {_describe(element)}")
    _check_values(features, "features")
    if labels is not None:
        _check_values(labels, "labels")
    return features, labels


def _check_values(values, what: str) -> None:
    """Each value is a batch: an array, a list (ragged lists of ids or strings too) or a SparseTensor."""
    items = values.items() if isinstance(values, dict) else [(None, values)]
    for key, value in items:
        where = what if key is None else f"{what}['{key}']"
        if isinstance(value, SparseTensor):
            continue
        if not isinstance(value, (np.ndarray, np.generic, list, int, float)):
            raise TypeError(f"input_fn: {where} must be an array, got {_describe(value)}")
        if (isinstance(value, list) and value) or np.ndim(value) > 0:  # a ragged list has no ndim
            continue
        raise ValueError(f"input_fn: {where} must be a batch (an array with a batch dimension), got a scalar")


def _describe(value) -> str:
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return type(value).__name__


def _keys(values):
    return tuple(values) if isinstance(values, dict) else None if values is None else "array"


def _placeholders(values, name: str, open_dims: bool = False):
    """Placeholders under the scope ``name`` (``features/x``), clear of the model's own op names;
    with ``open_dims`` every dimension is left open (encoded ids vary in width from batch to batch)."""
    with name_scope(name):
        if isinstance(values, dict):
            return {key: _placeholder(value, str(key), open_dims) for key, value in values.items()}
        return _placeholder(values, name, open_dims)


def _placeholder(value, name: str, open_dims: bool = False):
    value = np.asarray(value)
    shape = [None] * value.ndim if open_dims else [None, *value.shape[1:]]
    return placeholder(value.dtype, shape, name=name)


def _feeds(placeholders, values) -> dict:
    if isinstance(placeholders, dict):
        return {placeholders[key]: np.asarray(value) for key, value in values.items()}
    return {placeholders: np.asarray(values)}


__all__ = ["InputBatches", "call_input_fn", "split_element"]
