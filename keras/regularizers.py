"""``tfc.keras.regularizers``: penalties on weights added to the training loss, by name (``"l2"``),
object (``L2(1e-4)``) or serialized dict (``{"class_name": "L2", "config": {"l2": 1e-4}}``)."""

from __future__ import annotations

import tfc

from .serialization import deserialize_keras_object, serialize_keras_object


class Regularizer:
    """Base: ``regularizer(weight) -> scalar tensor`` added to the loss."""

    def __call__(self, x):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = tfc.add(total, tfc.multiply(self.l1, tfc.sum(tfc.abs(x))))
        if self.l2:
            total = tfc.add(total, tfc.multiply(self.l2, tfc.sum(tfc.square(x))))
        return total

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    return L1L2(l1, l2)


_BY_NAME = {"l1": L1, "l2": L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def serialize(regularizer) -> dict | str | None:
    """``{"class_name": "L2", "config": {"l2": 0.01}}`` (a function: its name; None: None)."""
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None) -> Regularizer:
    return deserialize_keras_object(config, _BY_NAME, custom_objects, "regularizer")


def get(identifier) -> Regularizer | None:
    """The regularizer ``identifier`` names or describes, or the object itself; None for None."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier.lower() == "l1_l2":
        return l1_l2()  # Keras' defaults for the name: 0.01 each (the class' are 0)
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier.lower() if isinstance(identifier, str) and identifier.lower() in _BY_NAME else identifier)
    raise ValueError(f"unknown regularizer {identifier!r} (expected l1, l2, l1_l2, a serialized regularizer or a Regularizer)")
