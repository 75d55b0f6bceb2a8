"""``shard-batch``: synchronous data parallelism. A function traced at the global batch becomes the
function each of ``replicas`` replicas runs on its slice of the batch, with the all-reduces that make
the replicas' results the whole batch's.

``shard-batch{replicas=4,batch_args=1,2}`` splits arguments 1 and 2 along axis 0 (each replica gets
B/4 rows, replica r rows r*B/4 ...); the other arguments are replicated. Every value is then either
*replicated* (the whole value, the same on every replica) or *split* along one axis (this replica's
slice; the whole is the replicas' slices concatenated in replica order). The split is propagated
forward op by op, by the op's ``split_batch`` hook (``OpDef.split_batch``: reductions, contractions,
shape ops) or, for ``elementwise`` ops, by the trait: the op runs on slices. Where a reduction crosses
the split axis (the loss's sum, a weight's gradient contracting over the batch) the local result is a
partial one and a ``tfc.all_reduce`` combines it; a mean is already a sum divided by the global count
when traced, so it stays right. A replicated operand that must meet a split one is sliced locally
(re-emitted at the local size when it is a broadcast, a splat constant or elementwise on such;
otherwise a ``tfc.dynamic_slice`` at ``tfc.replica_id`` * size). An op without a rule for its case
gets whole operands (``tfc.all_gather``): slower, never wrong.

Before (``shard-batch{replicas=4,batch_args=1}``)::

    ^bb0(%w: tensor<3xf32>, %x: tensor<8x3xf32>):
      %p = "tfc.multiply"(%x, %wb) : (tensor<8x3xf32>, tensor<8x3xf32>) -> tensor<8x3xf32>   // %wb: %w broadcast
      %s = "tfc.reduce"(%p) {dimensions = array<i64: 0>, kind = "sum"} : (tensor<8x3xf32>) -> tensor<3xf32>
      "func.return"(%s, %p) : (tensor<3xf32>, tensor<8x3xf32>) -> ()

After::

    ^bb0(%w: tensor<3xf32>, %x: tensor<2x3xf32>):
      %p = "tfc.multiply"(%x, %wb) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>   // broadcast to 2 rows
      %s = "tfc.reduce"(%p) {dimensions = array<i64: 0>, kind = "sum"} : (tensor<2x3xf32>) -> tensor<3xf32>
      %0 = "tfc.all_reduce"(%s) {reduction = "sum", replicas = 4 : i64} : (tensor<3xf32>) -> tensor<3xf32>
      "func.return"(%0, %p) : (tensor<3xf32>, tensor<2x3xf32>) -> ()
    }) {..., tfc.replicas = 4 : i64, tfc.split_args = array<i64: -1, 0>, tfc.split_results = array<i64: -1, 0>}

Results: the function gets ``tfc.replicas`` and ``tfc.split_results`` (per result, the axis along
which the runtime concatenates the replicas' results, or -1 for a replicated one, taken from replica
0) and ``tfc.split_args`` (per argument, 0 or -1).

Bucketing (``bucket_bytes``, default 25 MiB as PyTorch DDP; 0 turns it off), like Horovod's tensor
fusion: the inserted all-reduces are visited in program order; each waits in an open bucket (one per
reduction and element type) until an op needs one of the bucket's results or the bucket holds at
least ``bucket_bytes``; then the whole bucket becomes one variadic ``tfc.all_reduce``, placed just
before that op (or where it filled). A backward pass's gradients, needed only by the update at the
end, so travel in a few large messages instead of one per weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfc.attributes import to_attribute
from tfc.builder import Builder
from tfc.clone import clone_op
from tfc.diagnostics import TfcError
from tfc.effects import constant_value, is_pure, is_trivially_dead
from tfc.ir import Block, Function, Module, Operation, Value
from tfc.passmanager import Pass, register_pass
from tfc.registry import Trait, lookup
from tfc.rewriter import Rewriter
from tfc.types import FunctionType, TensorType

DEFAULT_BUCKET_BYTES = 25 * 2**20
REPLICAS = "tfc.replicas"
SPLIT_ARGS = "tfc.split_args"
SPLIT_RESULTS = "tfc.split_results"
REPLICATED = -1
_MAX_LOCALIZE_DEPTH = 32  # how far back a replicated value is re-emitted at the local size


class ShardError(TfcError):
    """The function cannot be split as asked (bad argument index, batch not divisible...)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(f"error: shard-batch: {message}")


@register_pass
@dataclass(frozen=True)
class ShardBatch(Pass):
    """Rewrite the entry function into one replica's share of a data-parallel step."""

    name = "shard-batch"
    replicas: int = 1
    """How many replicas run the function (devices)."""
    batch_args: str = ""
    """Argument indices split along axis 0, comma-separated (``batch_args=1,2``)."""
    bucket_bytes: int = DEFAULT_BUCKET_BYTES
    """All-reduces are combined until a bucket holds this many bytes; 0: never combine."""
    entry: str = ""
    """The function to split: ``main``, or the module's only function when empty."""

    def run(self, module: Module) -> None:
        function = _entry(module, self.entry)
        indices = _arg_indices(self.batch_args, function)
        reduces = shard_function(function, self.replicas, indices)
        if self.bucket_bytes > 0:
            bucket_all_reduces(reduces, self.bucket_bytes)


def _entry(module: Module, name: str) -> Function:
    if not name and len(module.functions) == 1:
        return module.functions[0]
    name = name or "main"
    for function in module.functions:
        if function.name == name:
            return function
    raise ShardError(f"no function named '{name}' (functions: {', '.join(f.name for f in module.functions) or 'none'})")


def _arg_indices(text: str, function: Function) -> list[int]:
    indices = []
    for piece in filter(None, (p.strip() for p in text.split(","))):
        if not piece.isdigit() or int(piece) >= len(function.args):
            raise ShardError(f"batch_args are argument indices below {len(function.args)} (batch_args=1,2), got '{piece}'")
        indices.append(int(piece))
    return sorted(set(indices))


# ---- the rewrite ---------------------------------------------------------------------------------
def shard_function(function: Function, replicas: int, batch_args) -> list[Operation]:
    """Make ``function`` one replica's program; returns the ``tfc.all_reduce`` ops it inserted."""
    if replicas < 1:
        raise ShardError(f"replicas must be at least 1, got {replicas}")
    if function.op.attr(REPLICAS) is not None:
        raise ShardError(f"@{function.name} is already split over {function.op.attr(REPLICAS)} replicas")
    old = function.body
    axes = [0 if i in batch_args else None for i in range(len(old.args))]
    types = [_batch_arg_type(a, i, replicas, function) if axis == 0 else a.type for i, (a, axis) in enumerate(zip(old.args, axes))]
    block = Block(types, [a.name_hint for a in old.args])
    sharder = _Sharder(replicas, block)
    for arg, new, axis in zip(old.args, block.args, axes):
        sharder.bind(arg, new, axis)
    for op in old.ops[:-1]:
        sharder.visit(op)
    returned = old.ops[-1]
    block.append(Operation(returned.name, [sharder.new[v] for v in returned.operands], location=returned.location))
    _sweep(block)
    region = function.op.regions[0]
    region.blocks = []
    region.add_block(block)
    function.set_type(FunctionType(tuple(types), tuple(v.type for v in function.return_op.operands)))
    function.op.attributes[REPLICAS] = to_attribute(replicas)
    function.op.attributes[SPLIT_ARGS] = to_attribute(tuple(REPLICATED if a is None else a for a in axes))
    split = tuple(REPLICATED if sharder.axis[v] is None else sharder.axis[v] for v in returned.operands)
    function.op.attributes[SPLIT_RESULTS] = to_attribute(split)
    return [op for op in sharder.all_reduces if op.parent is block]


def _batch_arg_type(arg: Value, index: int, replicas: int, function: Function) -> TensorType:
    t = arg.type
    name = arg.name_hint or f"#{index}"
    if not isinstance(t, TensorType) or not t.is_static or t.rank == 0:
        raise ShardError(f"argument {name} of @{function.name} is split along axis 0, so it must be a tensor of rank >= 1 "
                         f"and static shape, got {t}")
    if t.shape[0] % replicas:
        raise ShardError(f"argument {name} of @{function.name} has batch size {t.shape[0]}, which {replicas} replicas cannot "
                         "share evenly (the batch size must be a multiple of the device count)")
    return local_type(t, 0, replicas)


def local_type(t: TensorType, axis: int, replicas: int) -> TensorType:
    """``t`` with dimension ``axis`` divided among ``replicas``."""
    return t.with_shape([n // replicas if i == axis else n for i, n in enumerate(t.shape)])


def used_values(op: Operation) -> list[Value]:
    """The operands of ``op`` and the values its regions use from outside it."""
    if not op.regions:
        return list(op.operands)
    inner: set = set()
    used: dict = {}
    for nested in op.walk():
        for region in nested.regions:
            for block in region.blocks:
                inner.update(block.args)
        inner.update(nested.results if nested is not op else ())
    for nested in op.walk():
        for v in nested.operands:
            if v not in inner:
                used[v] = None
    return list(used)


def _sweep(block: Block) -> None:
    """Drop what the rewrite left unused (replicated values that were re-emitted sliced)."""
    with Rewriter() as rewriter:
        for op in reversed(block.ops):
            if is_trivially_dead(op):
                rewriter.erase(op)


class _Sharder:
    """Walks the old body in order, building the replica's body; knows each value's split axis."""

    def __init__(self, replicas: int, block: Block):
        self.replicas = replicas
        self.builder = Builder(block)
        self.new: dict = {}  # old value -> its value in the new body (a slice when split)
        self.axis: dict = {}  # old value -> split axis, or None when replicated
        self.local: dict = {}  # (old value, axis) -> a replicated value's slice
        self.whole_of: dict = {}  # old value -> a split value gathered
        self.all_reduces: list[Operation] = []
        self.replica_offset: dict = {}  # axis size -> replica_id * size
        self.depth = 0

    def bind(self, old: Value, new: Value, axis: int | None) -> None:
        self.new[old], self.axis[old] = new, axis

    def visit(self, op: Operation) -> None:
        used = used_values(op)
        self.builder.location = op.location  # what the rewrite adds for ``op`` points at its line
        if all(self.axis[v] is None for v in used):
            return self._copy(op, self.new)
        results = None
        if not op.regions:
            results = self.apply(op, [self.axis[v] for v in op.operands], None)
        if results is None:  # no rule for this case: the op runs on whole values
            return self._copy(op, {v: self.whole(v) for v in used})
        for old, (new, axis) in zip(op.results, results):
            self.bind(old, new, axis)

    def _copy(self, op: Operation, mapping: dict) -> None:
        """``op`` as it is, its operands looked up in ``mapping`` (which gains its results)."""
        self.builder.block.append(clone_op(op, mapping))
        for result in op.results:
            self.bind(result, mapping[result], None)

    def apply(self, op: Operation, axes: list, demand: int | None):
        """The op's rule: [(new value, axis)] per result, or None when it has none for this case."""
        opdef = lookup(op.name)
        if opdef is None or not is_pure(op):
            return None
        context = SplitContext(self, op, axes, demand)
        if opdef.split_batch is not None:
            return opdef.split_batch(context)
        if opdef.has(Trait.ELEMENTWISE):
            return _elementwise(context)
        return None

    def at(self, old: Value, axis: int | None) -> Value:
        """``old``'s value split along ``axis`` (None: whole)."""
        have = self.axis[old]
        if have == axis:
            return self.new[old]
        if axis is None:
            return self.whole(old)
        if have is None:
            return self.localize(old, axis)
        return self.slice(self.whole(old), axis)

    def whole(self, old: Value) -> Value:
        axis = self.axis[old]
        if axis is None:
            return self.new[old]
        if old not in self.whole_of:
            attrs = {"dimension": axis, "replicas": self.replicas}
            self.whole_of[old] = self.builder.create("tfc.all_gather", [self.new[old]], attrs, location=_where(old)).result
        return self.whole_of[old]

    def localize(self, old: Value, axis: int) -> Value:
        """This replica's slice of the replicated ``old``: re-emitted at the local size where its
        producer allows (a broadcast of a scalar gradient), else sliced out of the whole."""
        key = (old, axis)
        if key not in self.local:
            self.local[key] = self._reemit(old, axis) or self.slice(self.new[old], axis)
        return self.local[key]

    def _reemit(self, old: Value, axis: int) -> Value | None:
        owner = getattr(old, "op", None)
        if owner is None or owner.regions or not is_pure(owner) or self.depth >= _MAX_LOCALIZE_DEPTH:
            return None
        splat = constant_value(old)
        if splat is not None:
            if splat.size == 0 or not np.all(splat == splat.flat[0]):
                return None
            shape = local_type(old.type, axis, self.replicas).shape
            return self.builder.create(owner.name, [], {"value": np.full(shape, splat.flat[0], splat.dtype)}, location=owner.location).result
        self.depth += 1
        try:
            results = self.apply(owner, [None] * len(owner.operands), axis)
        finally:
            self.depth -= 1
        if results is None or results[old.index][1] != axis:
            return None
        return results[old.index][0]

    def slice(self, whole: Value, axis: int) -> Value:
        """``dynamic_slice`` of a whole value at ``replica_id * size`` along ``axis``."""
        t = whole.type
        size = t.shape[axis] // self.replicas
        b = self.builder
        if size not in self.replica_offset:
            replica = b.create("tfc.replica_id").result
            self.replica_offset[size] = b.value("tfc.multiply", replica, _scalar(b, size))
        zero = _scalar(b, 0)
        starts = [self.replica_offset[size] if d == axis else zero for d in range(t.rank)]
        sizes = tuple(size if d == axis else n for d, n in enumerate(t.shape))
        return b.create("tfc.dynamic_slice", [whole, *starts], {"slice_sizes": sizes}).result

    def all_reduce(self, values: list[Value], reduction: str, location) -> list[Value]:
        op = self.builder.create("tfc.all_reduce", values, {"reduction": reduction, "replicas": self.replicas}, location=location)
        self.all_reduces.append(op)
        return list(op.results)


def _scalar(builder: Builder, value: int) -> Value:
    return builder.create("tfc.constant", [], {"value": np.array(value, np.int32)}).result


def _where(value: Value):
    owner = getattr(value, "op", None)
    return owner.location if owner is not None else None


class SplitContext:
    """What an op's ``split_batch(ctx)`` hook sees.

    ``axes``: per operand, its split axis or None (replicated). ``demand``: None when some operand
    is split; otherwise all operands are replicated and the pass asks for the results split along
    ``demand`` (a replicated value meeting a split one); a hook that cannot do that returns None.
    The hook returns ``[(value, axis or None)]`` per result, built with ``operand``, ``emit`` and
    ``all_reduce``, or None when it has no rule for the case (the op then gets whole operands).
    """

    def __init__(self, sharder: _Sharder, op: Operation, axes: list, demand: int | None):
        self._sharder = sharder
        self.op = op
        self.axes = axes
        self.demand = demand
        self.replicas = sharder.replicas
        self.attrs = {k: v.value for k, v in op.attributes.items()}
        self.operand_types = [v.type for v in op.operands]
        self.result_types = [r.type for r in op.results]

    def operand(self, index: int, axis: int | None = None) -> Value:
        """Operand ``index`` split along ``axis`` (None: the whole value)."""
        return self._sharder.at(self.op.operands[index], axis)

    def local_type(self, t: TensorType, axis: int | None) -> TensorType:
        return t if axis is None else local_type(t, axis, self.replicas)

    def emit(self, operands: list[Value], attrs: dict | None = None, result_types=None) -> list[Value]:
        """This op again on ``operands`` (its attributes unless ``attrs``); result types from its type
        rule unless given (ops with declared result types need them)."""
        attributes = dict(self.op.attributes) if attrs is None else attrs
        hint = self.op.results[0].name_hint if len(self.op.results) == 1 else None
        op = self._sharder.builder.create(self.op.name, operands, attributes, result_types, location=self.op.location, name_hint=hint)
        return list(op.results)

    def all_reduce(self, values: list[Value], reduction: str) -> list[Value]:
        """Combine the replicas' partial ``values`` (after a reduction over the split axis)."""
        return self._sharder.all_reduce(values, reduction, self.op.location)


def _elementwise(ctx: SplitContext):
    """Elementwise ops run on slices: every operand of the result's rank is split along one axis
    (scalar operands, as ``select``'s predicate may be, stay whole)."""
    rank = ctx.result_types[0].rank
    axis = ctx.demand
    if axis is None:
        axis = next((a for a, t in zip(ctx.axes, ctx.operand_types) if a is not None and t.rank == rank), None)
    if axis is None:
        return None
    operands = [ctx.operand(i, axis if t.rank == rank else None) for i, t in enumerate(ctx.operand_types)]
    return [(v, axis) for v in ctx.emit(operands, result_types=[ctx.local_type(t, axis) for t in ctx.result_types])]


def element_bytes(values) -> int:
    total = 0
    for v in values:
        t = v.type
        total += int(np.prod(t.shape, dtype=np.int64)) * np.dtype(t.dtype.numpy).itemsize
    return total


# ---- bucketing -----------------------------------------------------------------------------------
def bucket_all_reduces(reduces: list[Operation], bucket_bytes: int) -> int:
    """Combine the all-reduces ``reduces`` (of one block) into variadic ones of about ``bucket_bytes``
    (see the module docstring); returns how many combined ops were made.

    Pure ops that need a waiting result are deferred with it (kept in order), so a transpose of a
    gradient does not force its bucket out early; an all-reduce whose operand waits, or a stateful op
    that does, flushes the open buckets first."""
    if len(reduces) < 2:
        return 0
    block = reduces[0].parent
    state = _Buckets(set(reduces), bucket_bytes)
    for op in block.ops[:-1]:
        state.visit(op)
    state.flush()
    with Rewriter() as rewriter:
        for combined, bucket in state.combined:
            results = iter(combined.results)
            for op in bucket:
                rewriter.replace(op, [next(results) for _ in op.results])
        rewriter.move_before(block.ops[-1], state.order)
    return len(state.combined)


class _Buckets:
    """The new order of a block's ops while all-reduces wait in buckets."""

    def __init__(self, mine: set, bucket_bytes: int):
        self.mine, self.bucket_bytes = mine, bucket_bytes
        self.order: list[Operation] = []
        self.deferred: list[Operation] = []
        self.late: set = set()  # results not available before the next flush
        self.open: dict = {}  # (reduction, replicas, dtype) -> [ops]
        self.open_bytes: dict = {}  # the same key -> the bytes its ops reduce
        self.combined: list = []  # (new op, the ops it replaces)

    def visit(self, op: Operation) -> None:
        waits = any(v in self.late for v in used_values(op))
        if op in self.mine:
            if waits:
                self.flush()
            key = (op.attr("reduction"), op.attr("replicas"), op.operands[0].type.dtype)
            self.open.setdefault(key, []).append(op)
            self.open_bytes[key] = self.open_bytes.get(key, 0) + element_bytes(list(op.operands))  # a running sum: linear
            self.late.update(op.results)
            if self.open_bytes[key] >= self.bucket_bytes:
                self.flush()
        elif waits and is_pure(op):
            self.deferred.append(op)
            self.late.update(op.results)
        else:
            if waits:
                self.flush()
            self.order.append(op)

    def flush(self) -> None:
        """Every open bucket as one all-reduce, then the ops that waited for them."""
        for bucket in self.open.values():
            if len(bucket) == 1:
                self.order.append(bucket[0])
                continue
            first = bucket[0]
            operands = [v for op in bucket for v in op.operands]
            combined = Operation(first.name, operands, [v.type for v in operands], dict(first.attributes), location=first.location)
            self.combined.append((combined, bucket))
            self.order.append(combined)
        self.order.extend(self.deferred)
        self.open, self.open_bytes, self.deferred, self.late = {}, {}, [], set()


__all__ = ["DEFAULT_BUCKET_BYTES", "REPLICAS", "SPLIT_ARGS", "SPLIT_RESULTS", "ShardBatch", "ShardError", "SplitContext",
           "bucket_all_reduces", "local_type", "shard_function", "used_values"]
