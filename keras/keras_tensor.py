"""Symbolic tensors of the functional API: ``Input(shape=(784,))`` and what layers give when called
on them. They hold a shape (batch dimension None), a dtype and where they came from; a functional
``Model`` replays those calls on real tensors."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class KerasTensor:
    """The symbolic output ``index`` of ``layer`` called on ``inputs`` (an Input has no layer call)."""

    shape: tuple
    dtype: str = "float32"
    layer: object = None
    inputs: list = field(default_factory=list)
    index: int = 0
    name: str = ""
    listed: bool = False  # the layer was called with a list of tensors (even of one)
    source: object = None  # for a model input: its InputLayer
    call: object = None  # the layer call that made this tensor (its outputs share it)
    keys: tuple | None = None  # the layer was called with a dict of tensors: its keys, in the order of ``inputs``

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} name={self.name!r}>"


def is_symbolic(value) -> bool:
    """Whether ``value`` (or any element of a list/tuple or value of a dict of them) is a KerasTensor."""
    if isinstance(value, dict):
        return any(is_symbolic(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_symbolic(v) for v in value)
    return isinstance(value, KerasTensor)
