"""Checks that IR is well formed: every error names the op, its location and the broken rule.

Structure: values are defined before use and visible (isolated ops see nothing from outside); blocks
of registered region ops end with a terminator. Schema: operand/result/region counts, attributes
(required ones present, of the right kind; ``_``-prefixed or dialect-prefixed ones are free-form).
Types: declared result types must be compatible with the op's type rule.
"""

from __future__ import annotations

from .diagnostics import VerifyError
from .ir import MODULE_OP, Module, Operation, Region, Value
from .registry import OpDef, ShapeError, Trait, lookup


class InferContext:
    """What a type rule sees besides operand types: attribute values, declared results, regions, and
    the values of operands that are constants (``constant(i)``), so shapes given as tensors resolve."""

    __slots__ = ("op_name", "attrs", "declared", "regions", "operands")

    def __init__(self, op_name: str, attrs: dict, declared=None, regions=(), operands=()):
        self.op_name = op_name
        self.attrs = attrs
        self.declared = declared
        self.regions = regions
        self.operands = operands

    def constant(self, index: int):
        """The numpy value of operand ``index`` if a constant-like op defines it, else None."""
        if index >= len(self.operands):
            return None
        owner = getattr(self.operands[index], "op", None)
        if owner is None:
            return None
        opdef = lookup(owner.name)
        if opdef is None or not opdef.has(Trait.CONSTANT_LIKE):
            return None
        return owner.attr("value")


def infer_types(opdef: OpDef, operand_types, attrs: dict, declared=None, regions=(), operands=()) -> list:
    """Run ``opdef``'s type rule; returns a list of result types (ShapeError when operands do not fit)."""
    ctx = InferContext(opdef.name, attrs, declared, regions, operands)
    result = opdef.infer(ctx, *operand_types)
    return list(result) if isinstance(result, (list, tuple)) else [result]


def check_attributes(opdef: OpDef, attributes: dict) -> str | None:
    """What is wrong with ``attributes`` for ``opdef`` (missing, wrong kind, unknown), or None.

    Names starting with ``_`` or containing a dot (``tfc.device``) are free-form annotations.
    """
    for key, spec in opdef.attributes.items():
        attribute = attributes.get(key)
        if attribute is None:
            if spec.required:
                return f"requires attribute '{key}'"
            continue
        problem = spec.check(attribute)
        if problem:
            return f"attribute '{key}': {problem}"
    for key in attributes:
        if key not in opdef.attributes and not opdef.open_attributes and not key.startswith("_") and "." not in key:
            return f"has unknown attribute '{key}' (allowed: {', '.join(sorted(opdef.attributes)) or 'none'})"
    return None


def verify(target: Module | Operation, allow_unregistered: bool = False) -> None:
    """Raise :class:`VerifyError` for the first broken rule found in ``target``."""
    op = target.op if isinstance(target, Module) else target
    _Verifier(allow_unregistered).verify_op(op, set())


class _Verifier:
    def __init__(self, allow_unregistered: bool):
        self.allow_unregistered = allow_unregistered

    def fail(self, op: Operation, message: str):
        raise VerifyError(message, op.name, op.location)

    def verify_op(self, op: Operation, visible: set[Value]) -> None:
        for index, value in enumerate(op.operands):
            if value not in visible:
                self.fail(op, f"operand #{index} is used before it is defined, or is not visible here")
        opdef = lookup(op.name)
        if opdef is None:
            if not self.allow_unregistered:
                self.fail(op, "is not a registered op (unknown op name)")
        else:
            self.check_schema(op, opdef)
        isolated = opdef is not None and opdef.has(Trait.ISOLATED_FROM_ABOVE)
        for region in op.regions:
            self.verify_region(op, opdef, region, set() if isolated else visible)
        if opdef is not None:
            self.check_types(op, opdef)
            if opdef.verify is not None:
                problem = opdef.verify(op)
                if problem:
                    self.fail(op, problem)

    def verify_region(self, owner: Operation, opdef: OpDef | None, region: Region, visible: set[Value]) -> None:
        added: list[Value] = []
        try:
            for block in region.blocks:
                for arg in block.args:
                    visible.add(arg)
                    added.append(arg)
                for op in block.ops:
                    self.verify_op(op, visible)
                    for result in op.results:
                        visible.add(result)
                        added.append(result)
                if opdef is not None and owner.name != MODULE_OP:
                    last = block.ops[-1] if block.ops else None
                    last_def = lookup(last.name) if last is not None else None
                    if last_def is None or not last_def.has(Trait.TERMINATOR):
                        self.fail(owner, "each block of its regions must end with a terminator")
        finally:
            for value in added:
                visible.discard(value)

    def check_schema(self, op: Operation, opdef: OpDef) -> None:
        for group, actual in (("operands", len(op.operands)), ("results", len(op.results))):
            low, high = opdef.count_range(group)
            if actual < low or (high is not None and actual > high):
                expected = f"{low}" if low == high else f"at least {low}"
                self.fail(op, f"expects {expected} {group[:-1]}{'s' if low != 1 else ''}, got {actual}")
        if len(op.regions) != opdef.regions:
            self.fail(op, f"expects {opdef.regions} region(s), got {len(op.regions)}")
        problem = check_attributes(opdef, op.attributes)
        if problem:
            self.fail(op, problem)

    def check_types(self, op: Operation, opdef: OpDef) -> None:
        if opdef.infer is None:
            return
        attrs = {k: v.value for k, v in op.attributes.items()}
        declared = [r.type for r in op.results]
        try:
            inferred = infer_types(opdef, [v.type for v in op.operands], attrs, declared, op.regions, op.operands)
        except ShapeError as err:
            self.fail(op, str(err))
        except (AttributeError, TypeError, IndexError, KeyError, ValueError) as err:  # operands of a kind the rule never sees
            operand_types = ", ".join(str(v.type) for v in op.operands)
            self.fail(op, f"its type rule cannot take operands ({operand_types}) and these attributes ({type(err).__name__}: {err})")
        if len(inferred) != len(declared):
            self.fail(op, f"type rule gives {len(inferred)} results, op declares {len(declared)}")
        for index, (want, have) in enumerate(zip(inferred, declared)):
            if not want.is_compatible(have):
                self.fail(op, f"result #{index} is declared {have} but the operands give {want}")
