"""What a pass may assume about an op, decided from its registry traits — never from its name.

* :func:`is_pure`: no side effects, so it may be merged (CSE), folded, moved or deleted when unused.
* :func:`has_side_effects`: must stay even when nothing uses its results: stateful or unregistered
  ops (whose effects are unknown), terminators, and ops with such an op nested in their regions.
* :func:`is_trivially_dead`: nothing uses its results and deleting it changes nothing.
* :func:`constant_value`: the value of a result of a ``constant``-like op.

``cse``, ``dce``, ``prune``, ``fold``, ``simplify`` and the tf-level passes all ask these, so they
agree on what may be removed.
"""

from __future__ import annotations

import numpy as np

from .ir import Operation, Value
from .registry import Trait, lookup

_pure_names: dict[str, bool] = {}


def is_pure(op: Operation) -> bool:
    """Registered, ``pure`` and not ``stateful`` (cached per op name: the hot question of every pass)."""
    known = _pure_names.get(op.name)
    if known is None:
        opdef = lookup(op.name)
        if opdef is None:
            return False  # maybe registered later (a custom op): not cached
        known = _pure_names[op.name] = opdef.has(Trait.PURE) and not opdef.has(Trait.STATEFUL)
    return known


def is_terminator(op: Operation) -> bool:
    opdef = lookup(op.name)
    return opdef is not None and opdef.has(Trait.TERMINATOR)


def _removable_inside(op: Operation) -> bool:
    """An op nested in a deleted op may go with it: pure, or the terminator of its block."""
    return is_pure(op) or (is_terminator(op) and not lookup(op.name).has(Trait.STATEFUL))


def has_side_effects(op: Operation) -> bool:
    """True when deleting ``op`` could change what the program does, even with its results unused."""
    if not is_pure(op) or is_terminator(op):
        return True
    walk = op.walk()
    next(walk)  # the op itself
    return not all(_removable_inside(inner) for inner in walk)


def is_trivially_dead(op: Operation) -> bool:
    """No result of ``op`` is used and it has no side effects."""
    return not any(result.uses for result in op.results) and not has_side_effects(op)


def constant_value(value: Value) -> np.ndarray | None:
    """The numpy value of ``value`` when a ``constant``-like op defines it (``tfc.constant``, ``tf.Const``), else None."""
    owner = getattr(value, "op", None)
    if owner is None:
        return None
    opdef = lookup(owner.name)
    if opdef is None or not opdef.has(Trait.CONSTANT_LIKE):
        return None
    found = owner.attr("value")
    return found if isinstance(found, np.ndarray) else None


__all__ = ["constant_value", "has_side_effects", "is_pure", "is_terminator", "is_trivially_dead"]
