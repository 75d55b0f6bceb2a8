"""The canned estimators' model input: the feature columns' dense part built from the features dict's
placeholders with TF1 graph ops.

The Estimator feeds each feature through a placeholder, so host-side lookups (``encode_features``)
never see the values; this first version therefore takes only ``numeric_column``s, whose dense part
is a cast and a reshape (and the column's ``normalizer_fn``). Other columns are refused by name.
"""

from __future__ import annotations

import numpy as np

from tfc.compat.v1 import cast, concat, float32, reshape
from tfc.feature_column.numeric import NumericColumn


def checked_columns(feature_columns, owner: str) -> tuple:
    """``feature_columns`` as a tuple of numeric columns; anything else is a ValueError naming it."""
    if isinstance(feature_columns, NumericColumn):
        feature_columns = [feature_columns]
    columns = tuple(feature_columns or ())
    if not columns:
        raise ValueError(f"{owner}: feature_columns must not be empty")
    unsupported = [repr(column) for column in columns if not isinstance(column, NumericColumn)]
    if unsupported:
        raise ValueError(f"{owner}: only numeric_column feature columns are supported so far (their dense part is built in "
                         f"the TF1 graph); not supported: {unsupported}")
    return columns


def dense_input(features, columns: tuple):
    """The columns' values as one ``[batch, width]`` float32 tensor, in the columns' order."""
    parts = column_inputs(features, columns)
    return parts[0] if len(parts) == 1 else concat(parts, axis=1)


def column_inputs(features, columns: tuple) -> list:
    """Each column's value as a ``[batch, width]`` float32 tensor (linear models weigh them apart)."""
    if not isinstance(features, dict):
        raise TypeError(f"canned estimators need features as a dict keyed by the columns' keys, got {type(features).__name__}")
    parts = []
    for column in columns:
        if column.key not in features:
            raise ValueError(f"feature '{column.key}' of numeric_column '{column.key}' is not in the features {sorted(features)}")
        value = cast(features[column.key], float32)
        if column.normalizer_fn is not None:
            value = column.normalizer_fn(value)
        parts.append(reshape(value, [-1, int(np.prod(column.shape))]))
    return parts


__all__ = ["checked_columns", "column_inputs", "dense_input"]
