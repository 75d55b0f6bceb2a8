"""``tfc.keras.regularizers`` and ``tfc.keras.constraints``' counterparts for weights: penalties added
to the training loss, by name (``"l2"``) and object (``L2(1e-4)``)."""

from __future__ import annotations

import tfc


class Regularizer:
    """Base: ``regularizer(weight) -> scalar tensor`` added to the loss."""

    def __call__(self, x):
        raise NotImplementedError


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


class L2(L1L2):
    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    return L1L2(l1, l2)


def get(identifier) -> Regularizer | None:
    if identifier is None or callable(identifier):
        return identifier
    by_name = {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01)}
    if isinstance(identifier, str) and identifier.lower() in by_name:
        return by_name[identifier.lower()]()
    raise ValueError(f"unknown regularizer {identifier!r} (expected l1, l2, l1_l2 or a Regularizer)")
