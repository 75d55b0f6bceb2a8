"""Checks that IR is well formed: every error names the op, its location and the broken rule.

Structure: values are defined before use and visible (isolated ops see nothing from outside); blocks
of registered region ops end with a terminator, and a terminator is always the last op of its block
(the backends stop at the first one, so ops after it would silently never run). Schema:
operand/result/region counts, attributes (required ones present, of the right kind; ``_``-prefixed
or dialect-prefixed ones are free-form). Types: declared result types must be compatible with the
op's type rule, and have at most ``MAX_RANK`` dimensions. Limits (:mod:`tfc.limits`): no op nested in
more than ``MAX_REGION_DEPTH`` regions, no location nested more than ``MAX_LOCATION_DEPTH`` names deep,
no attribute or type nested more than ``MAX_ATTRIBUTE_DEPTH`` deep — checked first, without
recursion, so everything after (this verifier included) may recurse.
"""

from __future__ import annotations

from .attributes import ArrayAttr, DictAttr, SymbolRefAttr
from .diagnostics import VerifyError
from .ir import FUNC_OP, MODULE_OP, Module, Operation, Region, Value, block_depth, walk_with_depth
from .limits import MAX_ATTRIBUTE_DEPTH, MAX_LOCATION_DEPTH, MAX_RANK, MAX_REGION_DEPTH, NESTING_KINDS, nesting_depth
from .location import NameLoc
from .registry import OpDef, ShapeError, Trait, lookup
from .types import TensorType


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
    check_nesting(op)
    verifier = _Verifier(allow_unregistered)
    verifier.verify_op(op, set())
    if op.name == MODULE_OP:
        check_rendezvous(verifier.rendezvous)


def check_rendezvous(halves: dict[str, list[Operation]]) -> None:
    """Every rendezvous key of a module names exactly one sending op (no results) and one receiving
    op (one result of the sent value's type): a send nobody receives would block its program forever."""
    for key, ops in halves.items():
        senders = [op for op in ops if not op.results]
        receivers = [op for op in ops if op.results]
        if len(senders) > 1 or len(receivers) > 1:
            extra = (senders if len(senders) > 1 else receivers)[1]
            raise VerifyError(f"rendezvous key '{key}' is used by more than one {'send' if len(senders) > 1 else 'receive'}",
                              extra.name, extra.location)
        if not receivers:
            raise VerifyError(f"rendezvous key '{key}' has no matching receive: nothing takes the value it sends",
                              senders[0].name, senders[0].location)
        if not senders:
            raise VerifyError(f"rendezvous key '{key}' has no matching send: it would wait forever",
                              receivers[0].name, receivers[0].location)
        sent, received = senders[0].operands[0].type if senders[0].operands else None, receivers[0].results[0].type
        if sent is not None and sent != received:
            raise VerifyError(f"rendezvous key '{key}' receives {received} but its send sends {sent}",
                              receivers[0].name, receivers[0].location)


def check_nesting(target: Module | Operation) -> None:
    """Raise :class:`VerifyError` for the first op nested in more than ``MAX_REGION_DEPTH`` regions,
    with a location nested more than ``MAX_LOCATION_DEPTH`` names deep, or with an attribute or a
    result or block argument type nested more than ``MAX_ATTRIBUTE_DEPTH`` deep.

    In a module, a call counts as one more region: the interpreter, the importer and gradients
    recurse through calls as through regions, so no op may be nested in more than
    ``MAX_REGION_DEPTH`` regions counting those around every call that leads to it (and a function
    may not call itself). A call is any op with an attribute naming a function (``@f``).

    The walks are iterative, so this is safe on IR of any depth; every recursive walk in tfc (this
    verifier, passes, interpreter, lowering) stays within Python's recursion limit on IR it accepts.
    The backend loader calls it too, for IR built in Python and never verified."""
    root = target.op if isinstance(target, Module) else target
    limit = MAX_REGION_DEPTH - (block_depth(root.parent) if root.parent is not None else 0)
    calls: list[Operation] = []
    for op, depth in walk_with_depth(root):  # the common case costs a few checks per op
        if depth > limit:
            depth += MAX_REGION_DEPTH - limit
            raise VerifyError(f"is nested in {depth} regions; tfc allows at most {MAX_REGION_DEPTH} "
                              "(the module's and the function's included)", op.name, op.location)
        location = op.location
        if location.__class__ is NameLoc and location.child is not None:
            _check_location(op)
        for value in op.attributes.values():
            if isinstance(value, NESTING_KINDS):
                _check_attributes(op)
                calls.append(op)
                break
            if value.__class__ is SymbolRefAttr:
                calls.append(op)
                break
        if op.regions:
            _check_types(op)
            continue
        for result in op.results:
            if result.type.__class__ is not TensorType:
                _check_types(op)
                break
    if calls and root.name == MODULE_OP:
        _check_call_depth(root, calls)


def _symbols(value) -> list[str]:
    """The function names an attribute refers to (``@f``, also inside arrays and dictionaries)."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, SymbolRefAttr):
            found.append(item.symbol)
        elif isinstance(item, ArrayAttr):
            stack.extend(item.elements)
        elif isinstance(item, DictAttr):
            stack.extend(v for _, v in item.entries)
    return found


def _check_call_depth(module_op: Operation, candidates: list[Operation]) -> None:
    """Depth counting calls: ``reach[f]`` is how many regions deep ops get from ``f``'s body,
    through the calls in it, relative to the module; found for callees before callers (a stack)."""
    functions = {op.attr("sym_name"): op for block in module_op.regions[0].blocks for op in block.ops if op.name == FUNC_OP}
    calls: dict[str, list[tuple[Operation, int, list[str]]]] = {name: [] for name in functions}
    for op in candidates:
        callees = [name for value in op.attributes.values() for name in _symbols(value) if name in functions]
        owner = _enclosing_function(op)
        if callees and owner is not None:
            calls[owner.attr("sym_name")].append((op, block_depth(op.parent), callees))
    reach: dict[str, int] = {}
    for start in [name for name, found in calls.items() if found]:  # functions without calls: checked by the walk
        _settle_reach(start, functions, calls, reach)
    for name, depth in reach.items():
        if depth > MAX_REGION_DEPTH:
            op, _, callees = max(calls[name], key=lambda c: c[1] + max(reach[callee] for callee in c[2]))
            raise VerifyError(f"calls @{callees[0]}, through which ops are nested {depth} regions deep, counting each call as one; "
                              f"tfc allows at most {MAX_REGION_DEPTH}", op.name, op.location)


def _settle_reach(start: str, functions: dict, calls: dict, reach: dict) -> None:
    """Fill ``reach`` for ``start`` and everything it calls, callees first; a cycle is an error."""
    stack, active = [(start, False)], set()
    while stack:
        name, expanded = stack.pop()
        if name in reach:
            continue
        if expanded:
            active.discard(name)
            inner = max((d for _, d in walk_with_depth(functions[name])), default=0) + 1
            through = [depth + reach[callee] - 1 for _, depth, callees in calls[name] for callee in callees]
            reach[name] = max([inner, *through])
            continue
        if name in active:
            op = next(c for c, _, callees in calls[name] if any(callee in active for callee in callees))
            raise VerifyError(f"function @{name} calls itself (through this op); tfc runs no recursion", op.name, op.location)
        active.add(name)
        stack.append((name, True))
        stack.extend((callee, False) for _, _, callees in calls[name] for callee in callees if callee not in reach)


def _enclosing_function(op: Operation) -> Operation | None:
    parent = op.parent_op
    while parent is not None and parent.name != FUNC_OP:
        parent = parent.parent_op
    return parent


def _check_location(op: Operation) -> None:
    names, _ = op.location.chain()
    if len(names) > MAX_LOCATION_DEPTH:
        raise VerifyError(f"has a location nested {len(names)} names deep; tfc allows at most {MAX_LOCATION_DEPTH}",
                          op.name, NameLoc(names[0]))


def _check_attributes(op: Operation) -> None:
    for key, value in op.attributes.items():
        depth = nesting_depth(value)
        if depth > MAX_ATTRIBUTE_DEPTH:
            raise VerifyError(f"has attribute '{key}' nested {depth} deep; tfc allows at most {MAX_ATTRIBUTE_DEPTH}", op.name, op.location)


def _check_types(op: Operation) -> None:
    """The types of ``op``'s results and of its regions' block arguments."""
    values = [*op.results, *(arg for region in op.regions for block in region.blocks for arg in block.args)]
    for value in values:
        depth = nesting_depth(value.type)
        if depth > MAX_ATTRIBUTE_DEPTH:
            raise VerifyError(f"has a result or block argument whose type nests {depth} deep; tfc allows at most {MAX_ATTRIBUTE_DEPTH}",
                              op.name, op.location)


class _Verifier:
    def __init__(self, allow_unregistered: bool):
        self.allow_unregistered = allow_unregistered
        self.rendezvous: dict[str, list[Operation]] = {}  # key -> the transfer ops using it

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
            if opdef.has(Trait.RENDEZVOUS):
                self.rendezvous.setdefault(op.attr("key"), []).append(op)

    def verify_region(self, owner: Operation, opdef: OpDef | None, region: Region, visible: set[Value]) -> None:
        added: list[Value] = []
        try:
            for block in region.blocks:
                for arg in block.args:
                    visible.add(arg)
                    added.append(arg)
                for op in block.ops:
                    self.verify_op(op, visible)
                    if op is not block.ops[-1]:
                        self.check_not_terminator(op)
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

    def check_not_terminator(self, op: Operation) -> None:
        """A terminator before the end of its block would end the block early: the backends never
        run the ops after it, so such IR means something else than it says."""
        opdef = lookup(op.name)
        if opdef is not None and opdef.has(Trait.TERMINATOR):
            self.fail(op, "is a terminator and must be the last op of its block (ops after it would never run)")

    def check_schema(self, op: Operation, opdef: OpDef) -> None:
        for group, actual in (("operands", len(op.operands)), ("results", len(op.results))):
            low, high = opdef.count_range(group)
            if actual < low or (high is not None and actual > high):
                expected = f"{low}" if low == high else f"at least {low}"
                self.fail(op, f"expects {expected} {group[:-1]}{'s' if low != 1 else ''}, got {actual}")
        for index, result in enumerate(op.results):
            if isinstance(result.type, TensorType) and result.type.rank is not None and result.type.rank > MAX_RANK:
                self.fail(op, f"result #{index} has rank {result.type.rank}; tfc allows at most {MAX_RANK} dimensions")
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
            self.fail(op, f"its type rule failed on operands ({operand_types}) and its attributes ({type(err).__name__}: {err}); "
                          "if they are valid, this is a tfc bug")
        if len(inferred) != len(declared):
            self.fail(op, f"type rule gives {len(inferred)} results, op declares {len(declared)}")
        for index, (want, have) in enumerate(zip(inferred, declared)):
            if not want.is_compatible(have):
                self.fail(op, f"result #{index} is declared {have} but the operands give {want}")
