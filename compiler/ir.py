"""The IR core: SSA values with use lists, operations, blocks, regions, functions and modules.

Everything is an :class:`Operation`, as in MLIR: a function is a ``func.func`` op with one region,
a module is a ``builtin.module`` op. :class:`Module` and :class:`Function` are thin views that make
the common cases read well.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from .attributes import Attribute, StringAttr, TypeAttr, to_attribute
from .location import UNKNOWN, Location
from .types import FunctionType, Type


class Value:
    """An SSA value: defined once (op result or block argument), used by any number of operands."""

    __slots__ = ("type", "name_hint", "uses")

    def __init__(self, type: Type, name_hint: str | None = None):
        self.type = type
        self.name_hint = name_hint
        # (op, operand index) -> None; a dict keeps the order deterministic.
        self.uses: dict[tuple[Operation, int], None] = {}

    def replace_all_uses_with(self, new: Value) -> None:
        """Make every user of this value use ``new`` instead."""
        for op, index in list(self.uses):
            op.set_operand(index, new)

    @property
    def has_uses(self) -> bool:
        return bool(self.uses)

    @property
    def users(self) -> list[Operation]:
        seen: dict[Operation, None] = {}
        for op, _ in self.uses:
            seen[op] = None
        return list(seen)


class OpResult(Value):
    """Result ``index`` of ``op``."""

    __slots__ = ("op", "index")

    def __init__(self, type: Type, op: Operation, index: int, name_hint: str | None = None):
        super().__init__(type, name_hint)
        self.op, self.index = op, index

    def __repr__(self) -> str:
        return f"<OpResult {self.op.name}#{self.index}: {self.type}>"


class BlockArgument(Value):
    """Argument ``index`` of ``block`` (function parameters, loop-carried values)."""

    __slots__ = ("block", "index")

    def __init__(self, type: Type, block: Block, index: int, name_hint: str | None = None):
        super().__init__(type, name_hint)
        self.block, self.index = block, index

    def __repr__(self) -> str:
        return f"<BlockArgument #{self.index}: {self.type}>"


class Operation:
    """One op: a name, operands, results, attributes, regions and a location."""

    __slots__ = ("name", "_operands", "results", "attributes", "regions", "location", "parent")

    def __init__(
        self,
        name: str,
        operands: Sequence[Value] = (),
        result_types: Sequence[Type] = (),
        attributes: dict[str, Attribute] | None = None,
        regions: Sequence[Region] = (),
        location: Location = UNKNOWN,
        result_names: Sequence[str | None] | None = None,
    ):
        self.name = name
        self._operands: list[Value] = []
        names = result_names or [None] * len(result_types)
        self.results = [OpResult(t, self, i, n) for i, (t, n) in enumerate(zip(result_types, names))]
        self.attributes = {k: to_attribute(v) for k, v in (attributes or {}).items()}
        self.regions: list[Region] = []
        for region in regions:
            self.add_region(region)
        self.location = location
        self.parent: Block | None = None
        for value in operands:
            self._append_operand(value)

    # operands -----------------------------------------------------------------------------------
    @property
    def operands(self) -> tuple[Value, ...]:
        return tuple(self._operands)

    def _append_operand(self, value: Value) -> None:
        if not isinstance(value, Value):
            raise TypeError(f"operand of '{self.name}' must be a Value, got {type(value).__name__}")
        value.uses[(self, len(self._operands))] = None
        self._operands.append(value)

    def set_operand(self, index: int, value: Value) -> None:
        old = self._operands[index]
        del old.uses[(self, index)]
        self._operands[index] = value
        value.uses[(self, index)] = None

    def set_operands(self, values: Sequence[Value]) -> None:
        self.drop_operands()
        for value in values:
            self._append_operand(value)

    def drop_operands(self) -> None:
        """Remove this op from its operands' use lists (before erasing it)."""
        for index, value in enumerate(self._operands):
            value.uses.pop((self, index), None)
        self._operands = []

    # structure ----------------------------------------------------------------------------------
    @property
    def result(self) -> OpResult:
        if len(self.results) != 1:
            raise ValueError(f"'{self.name}' has {len(self.results)} results, not one")
        return self.results[0]

    def add_region(self, region: Region) -> Region:
        region.parent = self
        self.regions.append(region)
        return region

    def attr(self, key: str, default=None):
        """The Python value of attribute ``key`` (or ``default`` when absent)."""
        attribute = self.attributes.get(key)
        return default if attribute is None else attribute.value

    def walk(self) -> Iterator[Operation]:
        """This op and every op nested in its regions, in pre-order (a stack, not recursion, so any
        nesting depth walks; :func:`walk_with_depth` also says how deep each op is)."""
        for op, _ in walk_with_depth(self):
            yield op

    def erase(self) -> None:
        """Detach from the parent block and from operands' use lists; results must be unused."""
        for result in self.results:
            if result.uses:
                raise ValueError(f"cannot erase '{self.name}': result {result.index} still has uses")
        for op in list(self.walk()):
            op.drop_operands()
        if self.parent is not None:
            self.parent.ops.remove(self)
            self.parent = None

    @property
    def parent_op(self) -> Operation | None:
        block = self.parent
        region = block.parent if block else None
        return region.parent if region else None

    def __repr__(self) -> str:
        return f"<Operation {self.name} at {self.location.describe()}>"


def walk_with_depth(root: Operation) -> Iterator[tuple[Operation, int]]:
    """``(op, depth)`` for ``root`` (depth 0) and every op nested in it, in pre-order, where depth is
    how many of ``root``'s nested regions enclose the op. A stack, not recursion: any nesting walks."""
    yield root, 0
    stack = [_ops_inside(root)] if root.regions else []
    while stack:
        op = next(stack[-1], None)
        if op is None:
            stack.pop()
            continue
        yield op, len(stack)
        if op.regions:
            stack.append(_ops_inside(op))


def uses_from_block(op: Operation, block: Block) -> list[Value]:
    """The values of ``block`` (its arguments, its ops' results) that ``op`` or an op nested in its
    regions uses, each once, in first-use order: what ``op`` needs from around it."""
    if not op.regions:
        return [v for v in dict.fromkeys(op.operands) if _owner(v) is block]
    found: dict[Value, None] = {}
    for inner in op.walk():
        for value in inner.operands:
            if _owner(value) is block:
                found[value] = None
    return list(found)


def _owner(value: Value) -> Block | None:
    return value.block if isinstance(value, BlockArgument) else value.op.parent


def _ops_inside(op: Operation) -> Iterator[Operation]:
    """The ops directly inside ``op``'s regions, in order."""
    return (inner for region in op.regions for block in region.blocks for inner in block.ops)


def block_depth(block: Block) -> int:
    """How many regions enclose the ops of ``block`` (1 for a module's body, 2 for a function's),
    counting only the regions attached so far."""
    depth = 0
    region = block.parent
    while region is not None:
        depth += 1
        owner = region.parent
        region = owner.parent.parent if owner is not None and owner.parent is not None else None
    return depth


class Block:
    """A list of ops with arguments; the last op of a block in a function is its terminator."""

    __slots__ = ("args", "ops", "parent")

    def __init__(self, arg_types: Sequence[Type] = (), arg_names: Sequence[str | None] | None = None):
        names = arg_names or [None] * len(arg_types)
        self.args = [BlockArgument(t, self, i, n) for i, (t, n) in enumerate(zip(arg_types, names))]
        self.ops: list[Operation] = []
        self.parent: Region | None = None

    def add_argument(self, type: Type, name: str | None = None) -> BlockArgument:
        arg = BlockArgument(type, self, len(self.args), name)
        self.args.append(arg)
        return arg

    def append(self, op: Operation) -> Operation:
        op.parent = self
        self.ops.append(op)
        return op

    def insert(self, index: int, op: Operation) -> Operation:
        op.parent = self
        self.ops.insert(index, op)
        return op

    @property
    def terminator(self) -> Operation | None:
        return self.ops[-1] if self.ops else None


class Region:
    """A list of blocks owned by an op (a function body, a branch of ``if``, a loop body)."""

    __slots__ = ("blocks", "parent")

    def __init__(self, blocks: Iterable[Block] = ()):
        self.blocks: list[Block] = []
        self.parent: Operation | None = None
        for block in blocks:
            self.add_block(block)

    def add_block(self, block: Block) -> Block:
        block.parent = self
        self.blocks.append(block)
        return block

    @property
    def block(self) -> Block:
        """The only block (structured regions have exactly one)."""
        return self.blocks[0]


# ---------------------------------------------------------------------------------------------
# Views for the two ops every module has.

MODULE_OP = "builtin.module"
FUNC_OP = "func.func"
RETURN_OP = "func.return"


class Function:
    """View of a ``func.func`` op: a named, typed, single-entry body."""

    __slots__ = ("op",)

    def __init__(self, op: Operation):
        assert op.name == FUNC_OP, op.name
        self.op = op

    @staticmethod
    def create(
        name: str,
        input_types: Sequence[Type],
        result_types: Sequence[Type],
        arg_names: Sequence[str | None] | None = None,
        location: Location = UNKNOWN,
    ) -> Function:
        """A function with an empty entry block whose arguments have ``input_types``."""
        ftype = FunctionType(tuple(input_types), tuple(result_types))
        body = Region([Block(input_types, arg_names)])
        op = Operation(
            FUNC_OP,
            attributes={"sym_name": StringAttr(name), "function_type": TypeAttr(ftype)},
            regions=[body],
            location=location,
        )
        return Function(op)

    @property
    def name(self) -> str:
        return self.op.attr("sym_name")

    @property
    def type(self) -> FunctionType:
        return self.op.attr("function_type")

    def set_type(self, ftype: FunctionType) -> None:
        self.op.attributes["function_type"] = TypeAttr(ftype)

    @property
    def body(self) -> Block:
        return self.op.regions[0].block

    @property
    def args(self) -> list[BlockArgument]:
        return self.body.args

    @property
    def return_op(self) -> Operation:
        return self.body.ops[-1]


class Module:
    """View of a ``builtin.module`` op: an ordered set of functions looked up by name."""

    __slots__ = ("op",)

    def __init__(self, op: Operation):
        assert op.name == MODULE_OP, op.name
        self.op = op

    @staticmethod
    def create(location: Location = UNKNOWN) -> Module:
        return Module(Operation(MODULE_OP, regions=[Region([Block()])], location=location))

    @property
    def body(self) -> Block:
        return self.op.regions[0].block

    @property
    def functions(self) -> list[Function]:
        return [Function(op) for op in self.body.ops if op.name == FUNC_OP]

    def add_function(self, function: Function) -> Function:
        if any(f.name == function.name for f in self.functions):
            raise ValueError(f"module already has a function named '{function.name}'")
        self.body.append(function.op)
        return function

    def function(self, name: str) -> Function:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(f"no function named '{name}' in module (have: {', '.join(f.name for f in self.functions)})")

    def walk(self) -> Iterator[Operation]:
        return self.op.walk()
