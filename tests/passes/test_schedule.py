"""The ``schedule`` pass: peak live bytes, lower peaks, valid orders on random graphs (data, regions,
side effects, transfers), deterministic output and near-linear time on 100,000 ops."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfc.backends.interp.interpreter import run as interp_run
from tfc.builder import Builder
from tfc.effects import has_side_effects
from tfc.ir import Block, Function, Module, Operation, OpResult, Region
from tfc.parser import parse_module
from tfc.passes.schedule import Schedule, peak_live_bytes
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.types import DType, FunctionType, ResourceType, TensorType

F32 = TensorType(DType.f32, (3,))  # 12 bytes
BIG = TensorType(DType.f32, (256, 3))  # 3072 bytes
BIG_BYTES = 256 * 3 * 4
VAR = ResourceType(F32)


def new_function(arg_types, name: str = "main"):
    module = Module.create()
    names = [f"x{i}" for i in range(len(arg_types))]
    function = module.add_function(Function.create(name, list(arg_types), [], names))
    return module, function, Builder(function.body)


def finish(function: Function, builder: Builder, *results) -> None:
    builder.create("func.return", results)
    function.set_type(FunctionType(function.type.inputs, tuple(r.type for r in results)))


def schedule(module: Module, memory: bool = True) -> Module:
    PassManager([Schedule(memory=memory)], verify_each=True).run(module)
    return module


def grow(b: Builder, x):
    """A 3 KiB value from a 12-byte one."""
    return b.create("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": (1,)}, result_types=[BIG]).result


def shrink(b: Builder, big):
    return b.create("tfc.reduce", [big], {"dimensions": (0,), "kind": "sum"}).result


# ---- peak_live_bytes -----------------------------------------------------------------------------
def test_peak_live_bytes_of_a_chain():
    module, function, b = new_function([F32, F32])
    x, unused = function.args
    a = b.value("tfc.exp", x)  # an unused argument is dead once the body starts: x and a, 24 bytes
    c = b.value("tfc.add", a, x)  # x, a and c: 36; then x and a are dead
    d = b.value("tfc.negate", c)  # c and d: 24
    finish(function, b, d)
    assert peak_live_bytes(function) == 36


def test_peak_live_bytes_counts_big_values_uses_in_regions_and_returned_values():
    text = """
    "builtin.module"() ({
      "func.func"() ({
      ^bb0(%p: tensor<i1>, %x: tensor<3xf32>, %v: !tfc.resource<tensor<3xf32>>):
        %big = "tfc.broadcast_in_dim"(%x) {broadcast_dimensions = array<i64: 1>} : (tensor<3xf32>) -> tensor<256x3xf32>
        %s = "tfc.reduce"(%big) {dimensions = array<i64: 0>, kind = "sum"} : (tensor<256x3xf32>) -> tensor<3xf32>
        %r = "tfc.if"(%p) ({
          "tfc.yield"(%x) : (tensor<3xf32>) -> ()
        }, {
          "tfc.yield"(%s) : (tensor<3xf32>) -> ()
        }) : (tensor<i1>) -> tensor<3xf32>
        "func.return"(%r, %x) : (tensor<3xf32>, tensor<3xf32>) -> ()
      }) {function_type = (tensor<i1>, tensor<3xf32>, !tfc.resource<tensor<3xf32>>) -> (tensor<3xf32>, tensor<3xf32>), sym_name = "main"} : () -> ()
    }) : () -> ()
    """
    function = parse_module(text).functions[0]
    # at %s: p (1) + x (12) + big (3072) + s (12); the resource counts 0
    assert peak_live_bytes(function) == 1 + 12 + 3072 + 12


def test_peak_live_bytes_of_an_empty_function():
    module, function, b = new_function([])
    finish(function, b)
    assert peak_live_bytes(function) == 0


# ---- lower peaks ---------------------------------------------------------------------------------
def fan_out(width: int) -> tuple[Module, Function]:
    """``width`` big values made first and reduced afterwards: peak ``width`` big values."""
    module, function, b = new_function([F32])
    (x,) = function.args
    bigs = [grow(b, b.value("tfc.sine", x)) for _ in range(width)]
    total = None
    for big in bigs:
        small = shrink(b, big)
        total = small if total is None else b.value("tfc.add", total, small)
    finish(function, b, total)
    return module, function


def test_schedule_lowers_peak_bytes_on_a_fan_out():
    module, function = fan_out(8)
    before = peak_live_bytes(function)
    schedule(module)
    after = peak_live_bytes(function)
    assert before >= 8 * BIG_BYTES
    assert after < 2 * BIG_BYTES


def test_schedule_lowers_peak_bytes_on_two_independent_chains():
    module, function, b = new_function([F32, F32])
    x, y = function.args
    bx, by = grow(b, x), grow(b, y)
    ex, ey = b.value("tfc.exp", bx), b.value("tfc.exp", by)
    sx, sy = shrink(b, ex), shrink(b, ey)
    finish(function, b, b.value("tfc.add", sx, sy))
    before = peak_live_bytes(function)
    schedule(module)
    assert peak_live_bytes(function) < before
    assert [op.name for op in function.body.ops][:3] == ["tfc.broadcast_in_dim", "tfc.exp", "tfc.reduce"]


def test_schedule_keeps_an_order_that_is_already_best():
    module, function = fan_out(1)
    text = print_module(module)
    schedule(module)
    assert print_module(module) == text


# ---- random programs -----------------------------------------------------------------------------
STEP = st.tuples(st.integers(0, 9), st.integers(0, 1 << 16), st.integers(0, 1 << 16))


class RandomProgram:
    """``main(p, x, v)`` from a list of steps: pure ops on small and big values, variable reads and
    writes, sends, receives and ``tfc.if`` ops using outer values inside (one also writing ``v``);
    ``@peer`` holds the other half of each transfer, so the module verifies."""

    def __init__(self, steps, pure_only: bool = False):
        self.module, self.function, self.b = new_function([TensorType(DType.bool, ()), F32] + ([] if pure_only else [VAR]))
        p, x, self.var = [*self.function.args, None][:3]
        self.p, self.small, self.big = p, [x], []
        self.sent, self.received = [], []
        for kind, i, j in steps:
            if pure_only and kind in (4, 5, 6, 7, 9):
                kind = kind % 4  # no variable, no transfer
            self.step(kind, self.small[i % len(self.small)], self.small[j % len(self.small)], i)
        finish(self.function, self.b, *self.small[-3:])
        self.add_peer()

    def step(self, kind, a, c, i) -> None:
        b = self.b
        if kind == 0:
            self.small.append(b.value("tfc.exp", a))
        elif kind == 1:
            self.small.append(b.value("tfc.add", a, c))
        elif kind == 2:
            self.big.append(grow(b, a))
        elif kind == 3:
            self.small.append(shrink(b, self.big[i % len(self.big)]) if self.big else b.value("tfc.negate", a))
        elif kind == 4:
            self.small.append(b.value("tfc.read_variable", self.var))
        elif kind == 5:
            b.create("tfc.assign_variable", [self.var, a])
        elif kind == 6:
            b.create("tfc.send", [a], {"key": f"s{len(self.sent)}", "to": "cpu:1"})
            self.sent.append(a)
        elif kind == 7:
            self.small.append(b.create("tfc.recv", [], {"key": f"r{len(self.received)}", "from": "cpu:1"}, [F32]).result)
            self.received.append(None)
        else:
            self.small.append(self.branch(a, c, writes=kind == 9))

    def branch(self, a, c, writes: bool):
        """A ``tfc.if`` whose then-branch uses ``a`` and ``c`` from outside (and may write ``v``)."""
        then, other = Block(), Block()
        inner = Builder(then)
        total = inner.value("tfc.add", a, c)
        if writes:
            inner.create("tfc.assign_variable", [self.var, total])
        inner.create("tfc.yield", [total])
        Builder(other).create("tfc.yield", [a])
        return self.b.create("tfc.if", [self.p], regions=[Region([then]), Region([other])], result_types=[F32]).result

    def add_peer(self) -> None:
        if not (self.sent or self.received):
            return
        peer = self.module.add_function(Function.create("peer", [F32], [], ["y"]))
        b = Builder(peer.body)
        for index in range(len(self.sent)):
            b.create("tfc.recv", [], {"key": f"s{index}", "from": "cpu:0"}, [F32])
        for index in range(len(self.received)):
            b.create("tfc.send", [peer.args[0]], {"key": f"r{index}", "to": "cpu:0"})
        b.create("func.return", [])


def outer_defs(op: Operation, block: Block) -> list[Operation]:
    """The ops of ``block`` defining values that ``op`` uses, inside its regions too."""
    return [v.op for inner in op.walk() for v in inner.operands if isinstance(v, OpResult) and v.op.parent is block]


def check_order(before: list[Operation], function: Function) -> None:
    """Same ops, defined before used, side effects in their old order, the terminator last."""
    block = function.body
    after = list(block.ops)
    assert sorted(map(id, after)) == sorted(map(id, before)) and after[-1] is before[-1]
    position = {op: k for k, op in enumerate(after)}
    for op in after:
        assert all(position[d] < position[op] for d in outer_defs(op, block)), op
    effects = [op for op in before if has_side_effects(op)]
    assert [op for op in after if has_side_effects(op)] == effects


def check_transfers(function: Function) -> None:
    """Only transfers stand between a send and its last dependency; after a receive comes another
    receive, a user of it, the next op with side effects or the terminator."""
    ops, block = function.body.ops, function.body
    for k, op in enumerate(ops):
        if op.name == "tfc.send":
            last = max([d for d in range(k) if ops[d] in outer_defs(op, block) or has_side_effects(ops[d])], default=-1)
            assert all(o.name in ("tfc.send", "tfc.recv") for o in ops[last + 1 : k])
        elif op.name == "tfc.recv":
            following = ops[k + 1]
            assert following.name == "tfc.recv" or has_side_effects(following) or op in outer_defs(following, block)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=40), st.booleans())
def test_random_programs_get_valid_orders(steps, memory):
    program = RandomProgram(steps)
    main = program.function
    before, peak = list(main.body.ops), peak_live_bytes(main)
    schedule(program.module, memory)
    check_order(before, main)
    check_transfers(main)
    if memory and not (program.sent or program.received):
        assert peak_live_bytes(main) <= peak


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, min_size=1, max_size=30), st.booleans())
def test_random_pure_programs_compute_the_same(steps, predicate):
    module = RandomProgram(steps, pure_only=True).module
    args = [np.array(predicate), np.array([0.5, -1.25, 2.0], np.float32)]
    expected = interp_run(module, args)
    schedule(module)
    for got, want in zip(interp_run(module, args), expected):
        np.testing.assert_array_equal(got, want)


# ---- determinism and time ------------------------------------------------------------------------
def test_same_input_gives_byte_identical_output():
    program = RandomProgram([(k % 10, 7 * k, 3 * k + 1) for k in range(200)])
    text = print_module(program.module)
    first, second = parse_module(text), parse_module(text)
    schedule(first), schedule(second)
    assert print_module(first) == print_module(second)
    assert print_module(first) != text  # it did re-order something


def chain(length: int, send_every: int = 0) -> Module:
    """``length`` ops in a chain from ``x``; with ``send_every``, a send of every such value, whose
    halves are received in ``@peer``."""
    module, function, b = new_function([F32])
    value, keys = function.args[0], []
    for index in range(length):
        value = b.value("tfc.exp" if index % 2 else "tfc.negate", value)
        if send_every and index % send_every == 0:
            keys.append(f"k{index}")
            b.create("tfc.send", [value], {"key": keys[-1], "to": "cpu:1"})
    finish(function, b, value)
    if keys:
        peer = Builder(module.add_function(Function.create("peer", [], [])).body)
        for key in keys:
            peer.create("tfc.recv", [], {"key": key, "from": "cpu:0"}, [F32])
        peer.create("func.return", [])
    return module


def test_a_100000_op_chain_takes_seconds():
    module = chain(100_000)
    function = module.functions[0]
    start = time.perf_counter()
    peak = peak_live_bytes(function)
    Schedule().run(module)
    assert peak_live_bytes(function) == peak == 24
    assert time.perf_counter() - start < 10


def test_100000_ops_with_sends_and_a_wide_fan_out_take_seconds():
    module = chain(50_000, send_every=10)
    wide, function = fan_out(10_000)
    peak = peak_live_bytes(function)  # 10,000 big values
    start = time.perf_counter()
    Schedule().run(module)
    Schedule().run(wide)
    assert time.perf_counter() - start < 10
    assert peak_live_bytes(function) < peak // 100  # the small sines go first, then one big value at a time
