"""A categorical feature's values as a padded ``[batch, max_len]`` matrix and a validity mask: the form
in which dense, ragged (lists of lists) and ``SparseTensor`` inputs all reach the compiled part."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tfc.data.sparse_tensor import SparseTensor


class Padded(NamedTuple):
    """``values`` (``[batch, max_len]``), ``mask`` (bool, same shape: True where a value is present)."""

    values: np.ndarray
    mask: np.ndarray


class PaddedIds(NamedTuple):
    """``ids`` (int64 ``[batch, max_len]``, -1 where absent) and ``weights`` (float32, 0 where absent)."""

    ids: np.ndarray
    weights: np.ndarray


def _missing(values: np.ndarray) -> np.ndarray:
    """TensorFlow drops -1 from dense integer inputs and '' from string inputs (``to_sparse_input``)."""
    if values.dtype.kind in "iu":
        return values == -1
    if values.dtype.kind in "OSU":
        return np.vectorize(lambda v: v in ("", b""), otypes=[bool])(values) if values.size else np.zeros(values.shape, bool)
    return np.zeros(values.shape, bool)


def _fill(dtype: np.dtype):
    """What pads a row: the value TensorFlow treats as missing for that kind."""
    return "" if dtype.kind in "OSU" else -1


def _from_sparse(value: SparseTensor, key: str) -> Padded:
    if len(value.dense_shape) != 2:
        raise ValueError(f"feature '{key}': a SparseTensor of rank 2 was expected, got dense_shape {value.shape}")
    batch, width = value.shape
    given = np.asarray(value.values)
    values = np.full((batch, width), _fill(given.dtype), dtype=given.dtype)
    mask = np.zeros((batch, width), bool)
    rows, cols = np.asarray(value.indices, np.int64).T
    values[rows, cols] = value.values
    mask[rows, cols] = True
    return Padded(values, mask)


def _from_ragged(rows: list, key: str) -> Padded:
    width = max((len(r) for r in rows), default=0)
    flat = np.asarray([v for r in rows for v in r])
    dtype = flat.dtype if flat.size else np.dtype(np.int64)
    values = np.full((len(rows), width), _fill(dtype), dtype=dtype)
    mask = np.zeros((len(rows), width), bool)
    for i, row in enumerate(rows):
        values[i, : len(row)] = row
        mask[i, : len(row)] = True
    return Padded(values, mask)


def to_padded(value, key: str) -> Padded:
    """The feature ``key``'s values, padded: a ``[batch]`` or ``[batch, k]`` array, a list of lists (one per
    example, lengths may differ) or a ``SparseTensor``."""
    if isinstance(value, SparseTensor):
        return _from_sparse(value, key)
    if isinstance(value, (list, tuple)) and value and all(isinstance(r, (list, tuple, np.ndarray)) for r in value):
        return _from_ragged(list(value), key)
    values = np.asarray(value)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"feature '{key}': categorical values must be [batch] or [batch, k], got shape {values.shape}")
    return Padded(values, ~_missing(values))


__all__ = ["Padded", "PaddedIds", "to_padded"]
