"""The canned estimators' optimizer argument: TensorFlow's names ('Adagrad', 'Adam', 'Ftrl',
'RMSProp', 'SGD') with the canned default learning rate, an Optimizer object, or a function
returning one. 'Ftrl' is TensorFlow's default for linear models and baselines."""

from __future__ import annotations

from tfc.compat.v1.train import (
    AdagradOptimizer,
    AdamOptimizer,
    FtrlOptimizer,
    GradientDescentOptimizer,
    Optimizer,
    RMSPropOptimizer,
)

BY_NAME = {"Adagrad": AdagradOptimizer, "Adam": AdamOptimizer, "Ftrl": FtrlOptimizer, "RMSProp": RMSPropOptimizer,
           "SGD": GradientDescentOptimizer}


def get_optimizer(optimizer, learning_rate: float) -> Optimizer:
    """An Optimizer for ``optimizer``; a name gets ``learning_rate`` (TensorFlow's canned default)
    and the optimizer's other defaults.

        get_optimizer("Ftrl", 0.2)   # FtrlOptimizer(0.2)
    """
    if isinstance(optimizer, str):
        if optimizer not in BY_NAME:
            raise ValueError(f"Unsupported optimizer name: {optimizer}. Supported names are: {sorted(BY_NAME)}")
        return BY_NAME[optimizer](learning_rate)
    if callable(optimizer) and not isinstance(optimizer, Optimizer):
        optimizer = optimizer()
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"The given object is not an Optimizer instance. Given: {optimizer!r}")
    return optimizer


__all__ = ["get_optimizer"]
