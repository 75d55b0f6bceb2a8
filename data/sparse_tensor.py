"""``SparseTensor``: TensorFlow's sparse value (``tf.sparse.SparseTensor``) as three numpy arrays.

A ``NamedTuple`` rather than a class of its own, so that it passes through ``tfc.data`` pipelines
(``map``, ``prefetch``, iteration) as a structure of three arrays, as a ``tf.SparseTensor`` does
through tf.data.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class SparseTensor(NamedTuple):
    """``indices`` (int64 ``[N, rank]``: where each value sits), ``values`` (``[N]``) and
    ``dense_shape`` (int64 ``[rank]``), as ``tf.io.parse_example`` returns a ``VarLenFeature``.

    >>> SparseTensor(np.array([[0, 0], [1, 2]]), np.array([7, 8]), np.array([2, 3])).shape
    (2, 3)
    """

    indices: np.ndarray
    values: np.ndarray
    dense_shape: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.dense_shape)


__all__ = ["SparseTensor"]
