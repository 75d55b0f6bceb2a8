"""The points a toolkit model is given: checked once on the host, so bad input fails with a clear
error before anything is compiled, rather than as NaN centers or an XLA shape error."""

from __future__ import annotations

import numpy as np


def as_points(points, name: str = "points") -> np.ndarray:
    """``points`` as a C-contiguous float32 [n, d] array; ValueError naming the problem otherwise.

    >>> as_points([[0, 1], [2, 3]]).dtype
    dtype('float32')
    """
    array = np.asarray(points)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{name} must be numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a rank-2 array [num_points, dimension], got rank {array.ndim} (shape {list(array.shape)})")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one point of dimension at least 1, got shape {list(array.shape)}")
    array = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        bad = int(np.argwhere(~np.isfinite(array))[0][0])
        raise ValueError(f"{name} must be finite: row {bad} holds NaN or infinity")
    return array


def features_points(features) -> np.ndarray:
    """An input_fn's features as points: an array, or a dict of arrays ([n] or [n, d] each) side by
    side in key order (contrib's models read one dense input the same way)."""
    if isinstance(features, dict):
        if not features:
            raise ValueError("features must not be an empty dict")
        columns = [np.asarray(features[key]) for key in sorted(features)]
        features = np.concatenate([c.reshape(len(c), -1) for c in columns], axis=1)
    return as_points(features, "features")


def check_enough(points: np.ndarray, num_clusters: int) -> None:
    """Clustering needs at least as many points as clusters."""
    if points.shape[0] < num_clusters:
        raise ValueError(f"num_clusters={num_clusters} is more than the {points.shape[0]} points given")


def check_dimension(points: np.ndarray, dimension: int, name: str = "points") -> None:
    """Points given to a fitted model must have the dimension it was fitted on."""
    if points.shape[1] != dimension:
        raise ValueError(f"{name} have dimension {points.shape[1]}, but the model was fitted on dimension {dimension}")


def check_num_clusters(num_clusters) -> int:
    """num_clusters is a positive Python integer."""
    if isinstance(num_clusters, bool) or not isinstance(num_clusters, int | np.integer) or num_clusters < 1:
        raise ValueError(f"num_clusters must be a positive integer, got {num_clusters!r}")
    return int(num_clusters)


def check_unsupported(**arguments) -> None:
    """Arguments of TensorFlow contrib's signature the direct array interface has no use for yet: any
    that is given (not None) is named in the error, rather than silently ignored."""
    given = sorted(name for name, value in arguments.items() if value is not None)
    if given:
        raise NotImplementedError(f"{', '.join(given)}: not supported by tfc.toolkit's direct array interface yet (pass None)")
