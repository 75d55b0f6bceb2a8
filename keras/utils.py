"""``tfc.keras.utils``: set_random_seed and to_categorical."""

from __future__ import annotations

import random

import numpy as np

from . import initializers


def set_random_seed(seed: int) -> None:
    """Seed Python's, numpy's and the initializers' random streams."""
    random.seed(seed)
    np.random.seed(seed)
    initializers.set_random_seed(seed)


def to_categorical(y, num_classes=None, dtype="float32") -> np.ndarray:
    y = np.asarray(y, dtype=int).reshape(-1)
    num_classes = int(y.max()) + 1 if num_classes is None else num_classes
    return np.eye(num_classes, dtype=dtype)[y]
