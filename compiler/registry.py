"""The op registry: everything about an op in one declaration.

An :class:`OpDef` holds the op's schema (operands, results, attributes, regions), its traits, its
type rule, its numpy reference, its StableHLO lowering and (later) its gradient rule. Passes,
backends and the verifier ask the registry; they never keep lists of op names.

Callable fields take a context first, so no entry needs to import a backend:

* ``infer(ctx, *operand_types) -> Type | list[Type]`` — ``ctx.attrs`` holds attribute values; raise
  :class:`ShapeError` when the operands do not fit.
* ``reference(ctx, *arrays) -> array | tuple`` — numpy semantics; ``ctx.run_region(i, args)`` runs a region.
* ``lower(ctx, *mlir_values) -> value | list`` — builds StableHLO; ``ctx.hlo`` is the dialect module.
* ``decompose(ctx, *tensors) -> tensor | list`` — for ``tf.*`` import ops: the same computation in core
  ops, written with the tracing API (``tfc.frontend.api``); applied by the ``legalize-tf`` pass.
* ``grad(ctx, *cotangents) -> [cotangent or None per operand]`` — written with ``ctx.api``; ``ctx``
  also offers what rules of ops with regions need (``backprop``, ``new_region``, ``evaluate``).
* ``fold(ctx) -> bool`` — for ops the generic folder cannot evaluate (ops with regions): replace
  ``ctx.op`` through ``ctx.replace(values)`` / ``ctx.inline_region(i)`` when ``ctx.constant(v)``
  decides it; True when it did. Pure region-free ops need no hook: ``fold`` runs their reference.
* ``refine_regions(ctx)`` — shape inference for ops with regions: refine inside
  (``ctx.refine_block``), then the op's results (``ctx.refine``), and name the values whose types
  must stay equal (``ctx.tie``).
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from .attributes import (
    ArrayAttr,
    Attribute,
    BoolAttr,
    DenseArrayAttr,
    DenseElementsAttr,
    DictAttr,
    DTypeAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
)


class Trait(enum.Enum):
    """Properties passes rely on instead of op names."""

    PURE = "pure"  # no side effects: may be merged (CSE), moved, folded or deleted when unused
    COMMUTATIVE = "commutative"  # binary op whose operands may be swapped
    STATEFUL = "stateful"  # reads or writes state, or communicates: never merged, reordered or dropped
    TERMINATOR = "terminator"  # ends a block
    ELEMENTWISE = "elementwise"  # same-shaped operands and results, applied per element
    ISOLATED_FROM_ABOVE = "isolated"  # regions do not see values defined outside the op
    CONSTANT_LIKE = "constant"  # its one result is the tensor in its ``value`` attribute
    RENDEZVOUS = "rendezvous"  # one half of a transfer: meets the op with the same ``key`` in another function


class ShapeError(Exception):
    """Raised by type rules; the verifier or tracer adds the op name and location."""


class AttrKind(enum.Enum):
    INT = (IntegerAttr,)
    FLOAT = (FloatAttr, IntegerAttr)
    BOOL = (BoolAttr,)
    STRING = (StringAttr,)
    INTS = (DenseArrayAttr,)
    ARRAY = (ArrayAttr,)
    DENSE = (DenseElementsAttr,)
    TYPE = (TypeAttr,)
    DTYPE = (DTypeAttr,)
    SYMBOL = (SymbolRefAttr,)
    DICT = (DictAttr,)
    UNIT = (UnitAttr,)
    ANY = (Attribute,)


@dataclass(frozen=True)
class AttrSpec:
    """One attribute of an op's schema: its kind, whether it must be present, and allowed values."""

    kind: AttrKind
    required: bool = True
    choices: tuple | None = None
    default: Any = None

    def check(self, attribute: Attribute) -> str | None:
        """None when ``attribute`` fits, else what was expected."""
        if not isinstance(attribute, self.kind.value):
            return f"expected {self.kind.name.lower()} attribute, got '{attribute}'"
        if self.choices is not None and attribute.value not in self.choices:
            return f"expected one of {', '.join(map(str, self.choices))}, got '{attribute}'"
        return None


def attr(kind: AttrKind, *, choices=None) -> AttrSpec:
    return AttrSpec(kind, True, tuple(choices) if choices else None)


def optional(kind: AttrKind, default=None, *, choices=None) -> AttrSpec:
    return AttrSpec(kind, False, tuple(choices) if choices else None, default)


@dataclass(frozen=True)
class OpDef:
    """The single declaration of an op. Names ending in ``*`` are variadic (at most one group each)."""

    name: str
    summary: str
    operands: tuple[str, ...] = ()
    results: tuple[str, ...] = ("result",)
    attributes: dict[str, AttrSpec] = field(default_factory=dict)
    traits: frozenset[Trait] = frozenset({Trait.PURE})
    regions: int = 0
    infer: Callable | None = None
    reference: Callable | None = None
    lower: Callable | None = None
    grad: Callable | None = None
    verify: Callable | None = None  # extra structural checks: verify(op) -> error text or None
    decompose: Callable | None = None  # tf.* ops: decompose(ctx, *tensors) -> tensors of core ops (legalize-tf)
    output_args: tuple = ()  # tf.* ops: (name, count) per TensorFlow output arg, for "node:arg:i" references
    open_attributes: bool = False  # accept attributes beyond the schema (tf.* ops carry all of TensorFlow's)
    ref_inputs: tuple = ()  # tf.* ops: operand positions that take a variable itself (TF1 ref / TF2 resource)
    fold: Callable | None = None  # fold(ctx) -> bool, for ops with regions (see the module docstring)
    refine_regions: Callable | None = None  # refine_regions(ctx): shape inference through the op's regions
    flops: Callable | None = None  # flops(op) -> estimated arithmetic (placement's cost model); default: one per result element
    rewrite_for: Callable | None = None  # rewrite_for(op, platform, builder) -> the op's results built from ops that platform's
    # compiler handles better (the backend-lowering pass), or None to keep the op
    split_batch: Callable | None = None  # split_batch(ctx) -> [(value, axis)] per result on batch-split operands (the shard-batch pass)

    def has(self, trait: Trait) -> bool:
        return trait in self.traits

    def count_range(self, group: str) -> tuple[int, int | None]:
        """(minimum, maximum or None) number of values for 'operands' or 'results'."""
        names = getattr(self, group)
        fixed = sum(1 for n in names if not n.endswith("*"))
        return fixed, (None if any(n.endswith("*") for n in names) else fixed)


class OpRegistry:
    """Op name → OpDef. One default instance holds every op; tests may build their own."""

    def __init__(self):
        self._ops: dict[str, OpDef] = {}

    def register(self, opdef: OpDef) -> OpDef:
        if opdef.name in self._ops:
            raise ValueError(f"op '{opdef.name}' registered twice")
        self._ops[opdef.name] = opdef
        return opdef

    def get(self, name: str) -> OpDef | None:
        found = self._ops.get(name)
        if found is None and _load_next():  # load op families only as far as needed (start-up cost)
            return self.get(name)
        return found

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[OpDef]:
        while _load_next():
            pass
        return iter(sorted(self._ops.values(), key=lambda d: d.name))


REGISTRY = OpRegistry()


def register(opdef: OpDef) -> OpDef:
    """Add ``opdef`` to the default registry; returns it so modules can keep a handle."""
    return REGISTRY.register(opdef)


def lookup(name: str) -> OpDef | None:
    return REGISTRY.get(name)


# Op definitions load on demand (they register themselves when imported): the core ops every program
# needs first; then, only when an op name is still unknown (or the whole registry is listed), the
# dialects that installed packages declare under the ``tfc.dialects`` entry point group (tfc's own tf
# dialect is one, in pyproject.toml). So tracing a function never pays for the tf dialect, and the
# core names no module above it.
CORE_OPS = "tfc.ops"
DIALECTS_ENTRY_POINT = "tfc.dialects"
_to_load: list[str] = [CORE_OPS]  # modules not imported yet, in order
_dialects_listed = False


def _load_next() -> bool:
    """Import the next op definition module; False when all are loaded."""
    global _dialects_listed
    if not _to_load and not _dialects_listed:
        _dialects_listed = True  # listing entry points costs ~50 ms: only once the core ops did not do
        _to_load.extend(sorted(ep.value for ep in entry_points(group=DIALECTS_ENTRY_POINT)))
    if not _to_load:
        return False
    importlib.import_module(_to_load.pop(0))
    return True
