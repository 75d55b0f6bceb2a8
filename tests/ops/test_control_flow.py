"""tfc.if, tfc.while, tfc.yield and tfc.call: interp vs xla on whole modules, text round trip, and the
type contracts the verify hooks enforce.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfc.attributes import SymbolRefAttr
from tfc.builder import Builder
from tfc.diagnostics import VerifyError
from tfc.ir import Block, Function, Module, Region
from tfc.parser import parse_module
from tfc.registry import Trait, lookup
from tfc.types import DType, FunctionType, TensorType
from tfc.verifier import verify

from .harness import check_module

I32 = TensorType(DType.i32, ())
F32 = TensorType(DType.f32, ())
BOOL = TensorType(DType.bool, ())


def vec(n, dtype=DType.f32):
    return TensorType(dtype, (n,))


# ---- building helpers ----------------------------------------------------------------------------
def function(module, name, arg_types, body):
    """Add ``name(arg_types)`` to ``module``; ``body(builder, *args)`` returns the values to return."""
    fn = Function.create(name, arg_types, [])
    module.add_function(fn)
    b = Builder(fn.body)
    results = list(body(b, *fn.args))
    b.create("func.return", results)
    fn.set_type(FunctionType(tuple(arg_types), tuple(r.type for r in results)))
    return fn


def region(arg_types, body):
    """A one-block region; ``body(builder, *block_args)`` returns the values to yield."""
    block = Block(arg_types)
    b = Builder(block)
    b.create("tfc.yield", list(body(b, *block.args)))
    return Region([block])


def if_(b, pred, then, else_, result_types=None):
    return b.create("tfc.if", [pred], result_types=result_types, regions=[region([], then), region([], else_)]).results


def while_(b, init, cond, body):
    types = [v.type for v in init]
    return b.create("tfc.while", init, regions=[region(types, cond), region(types, body)]).results


def less(b, x, y):
    return b.value("tfc.compare", x, y, comparison_direction="LT")


def counted_loop(b, n, one, init, step):
    """for i in range(n): carried = step(b, i, *carried) — i counts up from zero."""
    zero = b.value("tfc.subtract", one, one)
    results = while_(
        b,
        [zero, *init],
        lambda c, i, *rest: [less(c, i, n)],
        lambda c, i, *rest: [c.value("tfc.add", i, one), *step(c, i, *rest)],
    )
    return results[1:]


def scalars(*values, dtype=np.int32):
    return [np.array(v, dtype) for v in values]


# ---- tfc.if --------------------------------------------------------------------------------------
def _select_module(n):
    """main(a, b, x, y) = a < b ? (x + y, x) : (x * y, y), both branches capturing x and y."""
    module = Module.create()

    def body(b, a, c, x, y):
        pred = less(b, a, c)
        return if_(b, pred, lambda r: [r.value("tfc.add", x, y), x], lambda r: [r.value("tfc.multiply", x, y), y])

    function(module, "main", [F32, F32, vec(n), vec(n)], body)
    return module


@pytest.mark.parametrize("a, c", [(0.0, 1.0), (1.0, 0.0), (1.0, 1.0)])
def test_if_with_captures_takes_the_right_branch(a, c):
    x, y = np.array([1, 2, 3], np.float32), np.array([4, -5, 6], np.float32)
    expected = [x + y, x] if a < c else [x * y, y]
    check_module(_select_module(3), [np.float32(a), np.float32(c), x, y], expected)


def test_if_result_types_come_from_the_then_region_when_not_given():
    module = _select_module(2)
    op = next(o for o in module.walk() if o.name == "tfc.if")
    assert [r.type for r in op.results] == [vec(2), vec(2)]


def test_if_yielding_a_constant_and_mixed_dtypes():
    module = Module.create()

    def body(b, p, k):
        two = lambda r: [r.value("tfc.constant", value=np.array([1, 2], np.int32)), k]
        other = lambda r: [r.value("tfc.constant", value=np.array([7, 8], np.int32)), r.value("tfc.negate", k)]
        return if_(b, p, two, other)

    function(module, "main", [BOOL, vec(0)], body)
    empty = np.zeros(0, np.float32)
    check_module(module, [np.array(True), empty], [np.array([1, 2]), empty])
    check_module(module, [np.array(False), empty], [np.array([7, 8]), empty])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-100, 100, width=32, allow_subnormal=False), min_size=4, max_size=4), st.booleans())
def test_if_hypothesis(values, flip):
    a, c = np.float32(values[0]), np.float32(values[1])
    if flip:
        a, c = c, a
    x, y = np.array(values[2:3], np.float32), np.array(values[3:], np.float32)
    expected = [x + y, x] if a < c else [x * y, y]
    check_module(_select_module(1), [a, c, x, y], expected)


# ---- tfc.while -----------------------------------------------------------------------------------
def _factorial_module():
    module = Module.create()

    def body(b, n, one):
        return counted_loop(b, n, one, [one], lambda c, i, acc: [c.value("tfc.multiply", acc, c.value("tfc.add", i, one))])

    function(module, "main", [I32, I32], body)
    return module


def _fibonacci_module():
    module = Module.create()

    def body(b, n, one):
        zero = b.value("tfc.subtract", one, one)
        return counted_loop(b, n, one, [zero, one], lambda c, i, x, y: [y, c.value("tfc.add", x, y)])[:1]

    function(module, "main", [I32, I32], body)
    return module


def _fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 12))
def test_factorial(n):
    check_module(_factorial_module(), scalars(n, 1), [np.int32(math.factorial(n))])


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 40))
def test_fibonacci(n):
    check_module(_fibonacci_module(), scalars(n, 1), [np.int32(_fib(n))])


def test_factorial_with_scalar_constants():
    module = Module.create()

    def body(b, n):
        one = b.value("tfc.constant", value=np.array(1, np.int32))
        return counted_loop(b, n, one, [one], lambda c, i, acc: [c.value("tfc.multiply", acc, c.value("tfc.add", i, one))])

    function(module, "main", [I32], body)
    check_module(module, scalars(5), [np.int32(120)])


def _affine_loop_module(shape):
    """x = x * w + c, n times, on tensors; w and c are captured by the body."""
    module = Module.create()
    t = TensorType(DType.f32, shape)

    def body(b, n, one, x, w, c):
        return counted_loop(b, n, one, [x], lambda r, i, x: [r.value("tfc.add", r.value("tfc.multiply", x, w), c)])

    function(module, "main", [I32, I32, t, t, t], body)
    return module


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([(2, 2), (3,), (), (0, 3)]), st.integers(0, 6), st.integers(0, 2**31 - 1))
def test_while_carries_a_tensor(shape, n, seed):
    rng = np.random.default_rng(seed)
    x, w, c = (rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(3))
    want = x.copy()
    for _ in range(n):
        want = want * w + c
    check_module(_affine_loop_module(shape), [*scalars(n, 1), x, w, c], [want])


def test_while_with_zero_trips_returns_init():
    x = np.arange(4, dtype=np.float32).reshape(2, 2)
    check_module(_affine_loop_module((2, 2)), [*scalars(0, 1), x, x, x], [x])


def _nested_module():
    """for i in range(n): acc = acc + x if i < k else acc - x — the if captures i, acc, x and k."""
    module = Module.create()

    def step(r, i, acc, x, k):
        return if_(r, less(r, i, k), lambda t: [t.value("tfc.add", acc, x)], lambda e: [e.value("tfc.subtract", acc, x)])

    def body(b, n, k, one, x):
        return counted_loop(b, n, one, [x], lambda r, i, acc: step(r, i, acc, x, k))

    function(module, "main", [I32, I32, I32, vec(3, DType.i32)], body)
    return module


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 8), st.integers(-1, 9), st.lists(st.integers(-1000, 1000), min_size=3, max_size=3))
def test_if_nested_in_while(n, k, values):
    x = np.array(values, np.int32)
    want = x.copy()
    for i in range(n):
        want = want + x if i < k else want - x
    check_module(_nested_module(), [*scalars(n, k, 1), x], [want])


# ---- tfc.call ------------------------------------------------------------------------------------
def call(b, name, args, result_types):
    return b.create("tfc.call", args, {"callee": SymbolRefAttr(name)}, result_types).results


def _add_square_plus(module):
    """@square_plus(x, y) = x * x + y: a private helper function."""
    return function(module, "square_plus", [vec(2), vec(2)], lambda b, x, y: [b.value("tfc.add", b.value("tfc.multiply", x, x), y)])


def test_call_a_second_function():
    module = Module.create()
    function(module, "main", [vec(2), vec(2)], lambda b, x, y: call(b, "square_plus", [x, y], [vec(2)]))
    _add_square_plus(module)
    x, y = np.array([1.5, -2], np.float32), np.array([3, 4], np.float32)
    check_module(module, [x, y], [x * x + y])


def test_call_inside_a_while_body():
    module = Module.create()

    def body(b, n, one, x, y):
        return counted_loop(b, n, one, [x], lambda r, i, acc: call(r, "square_plus", [acc, y], [vec(2)]))

    function(module, "main", [I32, I32, vec(2), vec(2)], body)
    _add_square_plus(module)
    x, y = np.array([0.5, -1], np.float32), np.array([0.25, -0.5], np.float32)
    want = x
    for _ in range(3):
        want = want * want + y
    check_module(module, [*scalars(3, 1), x, y], [want])


def test_parsed_text_runs():
    text = """
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%p: tensor<i1>, %x: tensor<f32>):
    %r = "tfc.if"(%p) ({
      %d = "tfc.call"(%x) {callee = @double} : (tensor<f32>) -> tensor<f32>
      "tfc.yield"(%d) : (tensor<f32>) -> ()
    }, {
      "tfc.yield"(%x) : (tensor<f32>) -> ()
    }) : (tensor<i1>) -> tensor<f32>
    "func.return"(%r) : (tensor<f32>) -> ()
  }) {function_type = (tensor<i1>, tensor<f32>) -> tensor<f32>, sym_name = "main"} : () -> ()
  "func.func"() ({
  ^bb0(%y: tensor<f32>):
    %s = "tfc.add"(%y, %y) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    "func.return"(%s) : (tensor<f32>) -> ()
  }) {function_type = (tensor<f32>) -> tensor<f32>, sym_name = "double"} : () -> ()
}) : () -> ()
"""
    module = parse_module(text)
    check_module(module, [np.array(True), np.float32(3)], [np.float32(6)])
    check_module(module, [np.array(False), np.float32(3)], [np.float32(3)])


def test_traits():
    assert lookup("tfc.yield").traits == frozenset({Trait.TERMINATOR})
    for name in ("tfc.if", "tfc.while", "tfc.call"):
        assert not lookup(name).has(Trait.PURE)
        assert lookup(name).reference is not None and lookup(name).lower is not None


# ---- negative: each names the op and the rule ----------------------------------------------------
def _verify_fails(module, op_name, *fragments):
    with pytest.raises(VerifyError) as err:
        verify(module)
    assert err.value.op_name == op_name, str(err.value)
    for fragment in fragments:
        assert fragment in str(err.value), str(err.value)


def _module(arg_types, body):
    module = Module.create()
    function(module, "main", arg_types, body)
    return module


def test_then_yield_type_mismatch():
    module = _module([BOOL, F32], lambda b, p, x: if_(b, p, lambda r: [x], lambda r: [x], result_types=[I32]))
    _verify_fails(module, "tfc.if", "then region yields (tensor<f32>) but the op returns (tensor<i32>)")


def test_else_yield_type_mismatch():
    module = _module([BOOL, F32, I32], lambda b, p, x, k: if_(b, p, lambda r: [x], lambda r: [k]))
    _verify_fails(module, "tfc.if", "else region yields (tensor<i32>) but the op returns (tensor<f32>)")


def test_if_region_with_block_arguments():
    def body(b, p, x):
        regions = [region([F32], lambda r, a: [a]), region([], lambda r: [x])]
        return b.create("tfc.if", [p], result_types=[F32], regions=regions).results

    _verify_fails(_module([BOOL, F32], body), "tfc.if", "then region takes arguments (tensor<f32>) but must take ()")


def test_missing_terminator():
    def body(b, p, x):
        then = region([], lambda r: [x])
        then.block.ops[-1].erase()
        return b.create("tfc.if", [p], result_types=[F32], regions=[then, region([], lambda r: [x])]).results

    _verify_fails(_module([BOOL, F32], body), "tfc.if", "must end with a terminator")


@pytest.mark.parametrize("pred_type", [F32, vec(1, DType.bool)])
def test_if_predicate_must_be_a_bool_scalar(pred_type):
    fn = Function.create("main", [pred_type, F32], [])
    with pytest.raises(VerifyError, match="'tfc.if' op predicate must be a rank-0 bool tensor"):
        if_(Builder(fn.body), fn.args[0], lambda r: [fn.args[1]], lambda r: [fn.args[1]])


def test_value_from_the_other_branch_is_not_visible():
    def body(b, p, x):
        then = region([], lambda r: [r.value("tfc.negate", x)])
        hidden = then.block.ops[0].result
        return b.create("tfc.if", [p], regions=[then, region([], lambda r: [hidden])]).results

    _verify_fails(_module([BOOL, F32], body), "tfc.yield", "not visible")


def test_cond_yielding_non_bool():
    def body(b, x):
        return while_(b, [x], lambda c, v: [v], lambda c, v: [v])

    _verify_fails(_module([F32], body), "tfc.while", "cond region yields (tensor<f32>) but a loop condition must yield (tensor<i1>)")


def test_body_yield_type_mismatch():
    def body(b, x, k):
        return while_(b, [x], lambda c, v: [less(c, v, x)], lambda c, v: [k])

    _verify_fails(_module([F32, I32], body), "tfc.while", "body region yields (tensor<i32>) but the loop carries (tensor<f32>)")


def test_while_block_arguments_must_match_carried_types():
    def body(b, x):
        regions = [region([I32], lambda c, v: [less(c, v, v)]), region([F32], lambda c, v: [v])]
        return b.create("tfc.while", [x], regions=regions).results

    _verify_fails(_module([F32], body), "tfc.while", "cond region takes arguments (tensor<i32>) but must take (tensor<f32>)")


def test_yield_outside_if_or_while():
    def body(b, x):
        b.create("tfc.yield", [x])
        return [x]

    _verify_fails(_module([F32], body), "tfc.yield", "must be directly inside 'tfc.if' or 'tfc.while'")


def test_yield_must_end_its_block():
    def body(b, p, x):
        then = region([], lambda r: [x])
        Builder(then.block, index=0).create("tfc.yield", [x])
        return b.create("tfc.if", [p], regions=[then, region([], lambda r: [x])]).results

    _verify_fails(_module([BOOL, F32], body), "tfc.yield", "must be the last op of its block")


def test_call_to_missing_function():
    module = _module([F32], lambda b, x: call(b, "nope", [x], [F32]))
    _verify_fails(module, "tfc.call", "callee @nope not found")


def test_call_with_wrong_argument_type():
    module = Module.create()
    function(module, "main", [vec(2), vec(2, DType.i32)], lambda b, x, k: call(b, "square_plus", [x, k], [vec(2)]))
    _add_square_plus(module)
    _verify_fails(module, "tfc.call", "argument #1 has type tensor<2xi32> but @square_plus expects tensor<2xf32>")


def test_call_with_wrong_argument_count_and_result_type():
    module = Module.create()
    function(module, "main", [vec(2)], lambda b, x: call(b, "square_plus", [x], [vec(2)]))
    _add_square_plus(module)
    _verify_fails(module, "tfc.call", "has 1 arguments but @square_plus takes 2")
    module = Module.create()
    function(module, "main", [vec(2)], lambda b, x: call(b, "square_plus", [x, x], [vec(3)]))
    _add_square_plus(module)
    _verify_fails(module, "tfc.call", "result #0 has type tensor<3xf32> but @square_plus returns tensor<2xf32>")


def test_call_needs_result_types():
    fn = Function.create("main", [F32], [])
    with pytest.raises(VerifyError, match="'tfc.call' op needs explicit result types"):
        call(Builder(fn.body), "f", [fn.args[0]], None)
