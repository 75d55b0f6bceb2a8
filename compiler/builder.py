"""Creates ops at an insertion point, inferring result types from the registry.

Used by the tracer, the importers and passes, so every op built in tfc goes through the same type
rule the verifier checks.
"""

from __future__ import annotations

from collections.abc import Sequence

from .attributes import to_attribute
from .diagnostics import VerifyError
from .ir import Block, Operation, Region, Value
from .location import UNKNOWN, Location
from .registry import ShapeError, lookup
from .types import Type
from .verifier import check_attributes, infer_types


class Builder:
    """Appends new ops to ``block`` (or inserts them before ``index``)."""

    def __init__(self, block: Block, location: Location = UNKNOWN, index: int | None = None):
        self.block = block
        self.location = location
        self.index = index

    def create(
        self,
        name: str,
        operands: Sequence[Value] = (),
        attributes: dict | None = None,
        result_types: Sequence[Type] | None = None,
        regions: Sequence[Region] = (),
        location: Location | None = None,
        name_hint: str | None = None,
    ) -> Operation:
        """Build op ``name``; result types come from its type rule unless given.

        Raises VerifyError naming the op and location when the operands break the type rule.
        """
        location = location or self.location
        attrs = {k: to_attribute(v) for k, v in (attributes or {}).items()}
        opdef = lookup(name)
        if opdef is None:
            raise VerifyError("is not a registered op (unknown op name)", name, location)
        problem = check_attributes(opdef, attrs)
        if problem:
            raise VerifyError(problem, name, location)
        if opdef.infer is not None:
            try:
                attr_values = {k: v.value for k, v in attrs.items()}
                inferred = infer_types(opdef, [v.type for v in operands], attr_values, result_types, regions, operands)
            except ShapeError as err:
                raise VerifyError(str(err), name, location) from None
            result_types = result_types if result_types is not None else inferred
        elif result_types is None and not opdef.results:
            result_types = []
        elif result_types is None:
            raise VerifyError("has no type rule: pass result_types", name, location)
        names = [name_hint] * len(result_types) if name_hint else None
        op = Operation(name, operands, result_types, attrs, regions, location, names)
        if self.index is None:
            self.block.append(op)
        else:
            self.block.insert(self.index, op)
            self.index += 1
        return op

    def value(self, name: str, *operands: Value, **attributes) -> Value:
        """Shorthand for single-result ops: ``b.value("tfc.add", x, y)``."""
        return self.create(name, operands, attributes).result
