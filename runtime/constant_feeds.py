"""Feeds that determine shapes, compiled in as constants — what TensorFlow's XLA bridge does with its
compile-time-constant inputs.

XLA compiles static shapes, so a fed value that sizes something (a Reshape's target, a Range's limit,
a TensorList's length, a trip count that sizes an accumulator) cannot stay an argument. When
legalization reports such an operand (``LegalizationError.constant_required``), the session finds the
feeds it is computed from, compiles them in as constants, and from then on keys that signature's
executables by those feeds' values too. Each new value compiles a new program, so the values per
signature are capped (``max_constant_feed_values``, default 8): past the cap a clear error names the feed.
"""

from __future__ import annotations

import logging

from tfc.attributes import ArrayAttr, SymbolRefAttr
from tfc.diagnostics import TfcError
from tfc.ir import FUNC_OP, BlockArgument, Module, OpResult

from .errors import SessionError, chained_detail

log = logging.getLogger("tfc")


class NeedsConstantFeeds(TfcError):
    """Compiling failed because these feeds determine a shape; compile again with them as constants."""

    def __init__(self, names: list[str], reason: str):
        super().__init__(reason)
        self.names, self.reason = names, reason


class ConstantFeeds:
    """Per run signature: which feeds are compiled in as constants, and which of their values were seen."""

    def __init__(self, max_values: int = 8):
        self.max_values = max_values
        self._names: dict[tuple, tuple[str, ...]] = {}
        self._seen: dict[tuple, set] = {}
        self.log: list[str] = []
        """One line per compilation that made feeds constants: which, and why."""

    def key(self, signature: tuple, feeds: dict) -> tuple:
        """``signature`` plus the values of its constant feeds: what an executable is cached by."""
        names = self._names.get(signature, ())
        return signature + (tuple((name, feeds[name].tobytes()) for name in names),)

    def names(self, signature: tuple) -> tuple[str, ...]:
        return self._names.get(signature, ())

    def admit(self, signature: tuple, key: tuple) -> None:
        """Count a new value of the signature's constant feeds; SessionError past the cap."""
        names = self._names.get(signature, ())
        if not names:
            return
        seen = self._seen.setdefault(signature, set())
        if key not in seen and len(seen) >= self.max_values:
            raise SessionError(f"feed {', '.join(repr(n) for n in names)} determines a shape, so each of its values compiles a "
                               f"program of its own; {len(seen)} values compiled already (max_constant_feed_values={self.max_values})")
        seen.add(key)

    def learn(self, signature: tuple, needed: NeedsConstantFeeds) -> None:
        names = tuple(sorted(set(self._names.get(signature, ())) | set(needed.names)))
        self._names[signature] = names
        line = f"compiling with {', '.join(needed.names)} as compile-time constants: {needed.reason}"
        self.log.append(line)
        log.info("tfc: %s", line)


# Ops whose results depend on their operands' shapes only: a walk for the values behind a shape stops there.
SHAPE_ONLY = frozenset({"tf.Shape", "tf.ShapeN", "tf.Size", "tf.Rank"})


def feeds_behind(value, module: Module, feed_names: list[str]) -> list[str]:
    """The integer feeds (``main``'s arguments, named ``feed_names``) whose values ``value`` is
    computed from: through every op but those that read only shapes, from a region's arguments to
    the operands of the op that holds it (a loop's initial values), and from a function's arguments
    to the operands of the ops that call it (a While's body is a function of its loop variables)."""
    main = module.function("main")
    found, stack, seen = set(), [value], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OpResult):
            if current.op.name not in SHAPE_ONLY:
                stack.extend(current.op.operands)
        elif isinstance(current, BlockArgument):
            if current.block is main.body:
                if current.index < len(feed_names) and current.type.dtype.is_int:
                    found.add(feed_names[current.index])
            elif current.block.parent is not None and current.block.parent.parent is not None:
                holder = current.block.parent.parent
                stack.extend(holder.operands if holder.name != FUNC_OP else _callers_operands(module, holder.attr("sym_name")))
    return sorted(found)


def _callers_operands(module: Module, function: str) -> list:
    """The operands of every op that refers to ``function`` by symbol (calls, While, If)."""
    return [v for op in module.walk() if any(_refers_to(a, function) for a in op.attributes.values()) for v in op.operands]


def _refers_to(attribute, function: str) -> bool:
    if isinstance(attribute, SymbolRefAttr):
        return attribute.symbol == function
    return isinstance(attribute, ArrayAttr) and any(_refers_to(a, function) for a in attribute.elements)


def constant_required(err: BaseException):
    """The operand a failed compilation needed as a constant, from the error's chain; None if that was not why."""
    return chained_detail(err, "constant_required")


__all__ = ["ConstantFeeds", "NeedsConstantFeeds", "constant_required", "feeds_behind"]
