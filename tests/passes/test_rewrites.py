"""fold, simplify, shape-inference and canonicalize: one test per rule (applied and not applied), and
hypothesis differential tests that run random graphs on the numpy interpreter before and after each
pass and require bit-identical results (none of these passes reassociates floating-point math).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfc.backends.interp.interpreter import run as interpret
from tfc.builder import Builder
from tfc.ir import Function, Module
from tfc.parser import parse_module
from tfc.passes.fold import fold_module
from tfc.passes.simplify import RULES
from tfc.passmanager import PassManager, parse_pipeline
from tfc.printer import print_module
from tfc.registry import REGISTRY, OpDef, Trait, lookup
from tfc.types import DType, FunctionType, TensorType
from tfc.verifier import verify

I32, F32 = DType.i32, DType.f32


# ---- helpers -------------------------------------------------------------------------------------
def module_text(signature: str, body: str, name: str = "main", extra: str = "") -> str:
    """A module with one function ``name`` of type ``signature`` whose block is ``body``."""
    return (
        '"builtin.module"() ({\n  "func.func"() ({\n' + body.strip("\n") + "\n"
        f'  }}) {{function_type = {signature}, sym_name = "{name}"}} : () -> ()\n' + extra + "}) : () -> ()\n"
    )


def optimize(pipeline: str, text: str) -> Module:
    """Parse, run ``pipeline`` verifying after each pass, and check the output prints back the same."""
    module = parse_module(text)
    PassManager(pipeline, verify_each=True).run(module)
    printed = print_module(module)
    again = parse_module(printed)
    verify(again)
    assert print_module(again) == printed
    return module


def body_ops(module: Module, function: str = "main") -> list[str]:
    return [op.name for op in module.function(function).body.ops]


def returned(module: Module, function: str = "main") -> list:
    return list(module.function(function).return_op.operands)


def const(value, shape: str, dtype: str = "i32", name: str = "c") -> str:
    return f'    %{name} = "tfc.constant"() {{value = dense<{value}> : tensor<{shape}{dtype}>}} : () -> tensor<{shape}{dtype}>\n'


def binary(op: str, a: str, b: str, t: str, name: str = "r") -> str:
    return f'    %{name} = "tfc.{op}"(%{a}, %{b}) : ({t}, {t}) -> {t}\n'


def ret(t: str, *names: str) -> str:
    types = ", ".join([t] * len(names))
    return f'    "func.return"({", ".join("%" + n for n in names)}) : ({types}) -> ()\n'


def one_op(op_line: str, arg: str = "tensor<4xi32>", result: str | None = None, consts: str = "", name: str = "r") -> str:
    """``main(%x: arg) -> result`` computing ``op_line`` (which defines %r) after ``consts``."""
    result = result or arg
    body = f"  ^bb0(%x: {arg}, %y: {arg}):\n" + consts + op_line + ret(result, name)
    return module_text(f"({arg}, {arg}) -> {result}", body)


@pytest.fixture
def temp_op(monkeypatch):
    """Register an op for one test only."""
    REGISTRY.get("tfc.add")

    def add(opdef: OpDef) -> OpDef:
        monkeypatch.setitem(REGISTRY._ops, opdef.name, opdef)
        return opdef

    return add


# ---- simplify: one test per rule ------------------------------------------------------------------
_SIMPLIFIED_TO_X = [
    # (operand type, constants, op line) whose %r simplifies to %x
    ("tensor<4xi32>", const(0, "4x"), binary("add", "x", "c", "tensor<4xi32>")),
    ("tensor<4xi32>", const(0, "4x"), binary("add", "c", "x", "tensor<4xi32>")),
    ("tensor<4xf32>", const("-0.0", "4x", "f32"), binary("add", "x", "c", "tensor<4xf32>")),
    ("tensor<4xi32>", const(0, "4x"), binary("subtract", "x", "c", "tensor<4xi32>")),
    ("tensor<4xf32>", const("0.0", "4x", "f32"), binary("subtract", "x", "c", "tensor<4xf32>")),
    ("tensor<4xi32>", const(1, "4x"), binary("multiply", "x", "c", "tensor<4xi32>")),
    ("tensor<4xf32>", const("1.0", "4x", "f32"), binary("multiply", "c", "x", "tensor<4xf32>")),
    ("tensor<4xf32>", const("1.0", "4x", "f32"), binary("divide", "x", "c", "tensor<4xf32>")),
    ("tensor<4xi32>", const(1, "4x"), binary("divide", "x", "c", "tensor<4xi32>")),
    ("tensor<4xf32>", "", binary("maximum", "x", "x", "tensor<4xf32>")),
    ("tensor<4xf32>", "", binary("minimum", "x", "x", "tensor<4xf32>")),
    ("tensor<4xf32>", "", '    %n = "tfc.negate"(%x) : (tensor<4xf32>) -> tensor<4xf32>\n    %r = "tfc.negate"(%n) : (tensor<4xf32>) -> tensor<4xf32>\n'),
    ("tensor<4xi32>", "", '    %n = "tfc.not"(%x) : (tensor<4xi32>) -> tensor<4xi32>\n    %r = "tfc.not"(%n) : (tensor<4xi32>) -> tensor<4xi32>\n'),
    ("tensor<?xf32>", "", '    %r = "tfc.convert"(%x) : (tensor<?xf32>) -> tensor<?xf32>\n'),
    ("tensor<2x3xf32>", "", '    %r = "tfc.reshape"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>\n'),
    ("tensor<2x3xf32>", "", '    %a = "tfc.reshape"(%x) : (tensor<2x3xf32>) -> tensor<6xf32>\n    %r = "tfc.reshape"(%a) : (tensor<6xf32>) -> tensor<2x3xf32>\n'),
    ("tensor<2x3xf32>", "", '    %r = "tfc.transpose"(%x) {permutation = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>\n'),
    (
        "tensor<2x3xf32>",
        "",
        (
            '    %t = "tfc.transpose"(%x) {permutation = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>\n'
            '    %r = "tfc.transpose"(%t) {permutation = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>\n'
        ),
    ),
    ("tensor<2x3xf32>", "", '    %r = "tfc.broadcast_in_dim"(%x) {broadcast_dimensions = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>\n'),
    (
        "tensor<2x3xf32>",
        "",
        '    %r = "tfc.slice"(%x) {limit_indices = array<i64: 2, 3>, start_indices = array<i64: 0, 0>, strides = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>\n',
    ),
    ("tensor<4xf32>", const("true", "", "i1", "p"), '    %r = "tfc.select"(%p, %x, %y) : (tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n'),
    ("tensor<4xf32>", const("false", "", "i1", "p"), '    %r = "tfc.select"(%p, %y, %x) : (tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n'),
]


@pytest.mark.parametrize("arg, consts, line", _SIMPLIFIED_TO_X)
def test_simplify_rule_applies(arg, consts, line):
    module = optimize("simplify", one_op(line, arg, consts=consts))
    assert returned(module) == [module.function("main").args[0]]


_NOT_SIMPLIFIED = [
    # x + +0.0 maps -0.0 to +0.0; x - -0.0 likewise; float x * 0 and x - x meet nan and inf
    ("tensor<4xf32>", const("0.0", "4x", "f32"), binary("add", "x", "c", "tensor<4xf32>"), "tfc.add"),
    ("tensor<4xf32>", const("-0.0", "4x", "f32"), binary("subtract", "x", "c", "tensor<4xf32>"), "tfc.subtract"),
    ("tensor<4xf32>", const("0.0", "4x", "f32"), binary("multiply", "x", "c", "tensor<4xf32>"), "tfc.multiply"),
    ("tensor<4xf32>", "", binary("subtract", "x", "x", "tensor<4xf32>"), "tfc.subtract"),
    ("tensor<4xi32>", const("[0, 0, 0, 1]", "4x"), binary("add", "x", "c", "tensor<4xi32>"), "tfc.add"),  # not a splat
    ("tensor<4xi32>", const(2, "4x"), binary("multiply", "x", "c", "tensor<4xi32>"), "tfc.multiply"),
    ("tensor<4xi32>", "", binary("maximum", "x", "y", "tensor<4xi32>"), "tfc.maximum"),
    ("tensor<4xi32>", "", '    %r = "tfc.negate"(%x) : (tensor<4xi32>) -> tensor<4xi32>\n', "tfc.negate"),
    ("tensor<4xi32>", "", '    %r = "tfc.convert"(%x) : (tensor<4xi32>) -> tensor<4xf32>\n', "tfc.convert"),
    ("tensor<?xf32>", "", '    %r = "tfc.reshape"(%x) : (tensor<?xf32>) -> tensor<?xf32>\n', "tfc.reshape"),  # ? may hide anything
    ("tensor<3x3xf32>", "", '    %r = "tfc.broadcast_in_dim"(%x) {broadcast_dimensions = array<i64: 1, 0>} : (tensor<3x3xf32>) -> tensor<3x3xf32>\n', "tfc.broadcast_in_dim"),
    (
        "tensor<2x3xf32>",
        "",
        '    %r = "tfc.slice"(%x) {limit_indices = array<i64: 2, 3>, start_indices = array<i64: 0, 1>, strides = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x2xf32>\n',
        "tfc.slice",
    ),
    (
        "tensor<4xf32>",
        '    %p = "tfc.compare"(%x, %y) {comparison_direction = "LT"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>\n',
        '    %r = "tfc.select"(%p, %x, %y) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n',
        "tfc.select",
    ),
]


@pytest.mark.parametrize("arg, consts, line, kept", _NOT_SIMPLIFIED)
def test_simplify_rule_does_not_apply(arg, consts, line, kept):
    result = line.split("-> ")[-1].strip()
    module = optimize("simplify", one_op(line, arg, result, consts=consts))
    assert returned(module)[0].op.name == kept


@pytest.mark.parametrize("line", [binary("multiply", "c", "x", "tensor<2x2xi32>"), binary("subtract", "x", "x", "tensor<2x2xi32>")])
def test_simplify_integer_zero_products_and_differences_are_constants(line):
    module = optimize("simplify", one_op(line, "tensor<2x2xi32>", consts=const(0, "2x2x")))
    value = returned(module)[0]
    assert value.op.name == "tfc.constant" and str(value.type) == "tensor<2x2xi32>"
    assert not value.op.attr("value").any()


def test_simplify_composes_transposes_and_reshapes():
    body = (
        "  ^bb0(%x: tensor<2x3x4xf32>, %y: tensor<2x3x4xf32>):\n"
        '    %a = "tfc.transpose"(%x) {permutation = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>\n'
        '    %b = "tfc.transpose"(%a) {permutation = array<i64: 1, 0, 2>} : (tensor<3x4x2xf32>) -> tensor<4x3x2xf32>\n'
        '    %c = "tfc.reshape"(%b) : (tensor<4x3x2xf32>) -> tensor<24xf32>\n'
        '    %d = "tfc.reshape"(%c) : (tensor<24xf32>) -> tensor<6x4xf32>\n'
        '    "func.return"(%d) : (tensor<6x4xf32>) -> ()\n'
    )
    text = module_text("(tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<6x4xf32>", body)
    module = optimize("simplify,dce", text)
    assert body_ops(module) == ["tfc.transpose", "tfc.reshape", "func.return"]
    transpose = module.function("main").body.ops[0]
    assert transpose.attr("permutation") == (2, 1, 0)  # b[i] = a[q[i]] = x[p[q[i]]]
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(interpret(module, [x, x])[0], interpret(parse_module(text), [x, x])[0])


def test_simplify_broadcast_of_a_scalar_constant_is_a_splat():
    body = (
        "  ^bb0(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>):\n"
        + const("2.5", "", "f32")
        + '    %r = "tfc.broadcast_in_dim"(%c) {broadcast_dimensions = array<i64>} : (tensor<f32>) -> tensor<2x3xf32>\n'
        + ret("tensor<2x3xf32>", "r")
    )
    module = optimize("simplify,dce", module_text("(tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>", body))
    assert "dense<2.5> : tensor<2x3xf32>" in print_module(module)
    small = optimize("simplify{max_elements=5}", module_text("(tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>", body))
    assert returned(small)[0].op.name == "tfc.broadcast_in_dim"  # 6 elements is over the cap


def test_simplify_reaches_a_fixed_point_through_chains():
    lines = "".join(f'    %n{i + 1} = "tfc.negate"(%n{i}) : (tensor<4xi32>) -> tensor<4xi32>\n' for i in range(6))
    body = "  ^bb0(%n0: tensor<4xi32>, %y: tensor<4xi32>):\n" + lines + const(0, "4x") + binary("add", "n6", "c", "tensor<4xi32>") + ret("tensor<4xi32>", "r")
    module = optimize("simplify", module_text("(tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>", body))
    assert returned(module) == [module.function("main").args[0]]


def test_simplify_never_changes_a_result_type():
    # x: tensor<?xi32>, 0: tensor<4xi32> -> the add's result is tensor<4xi32>; replacing it by x would lose the shape
    body = "  ^bb0(%x: tensor<?xi32>, %y: tensor<?xi32>):\n" + const(0, "4x") + '    %r = "tfc.add"(%x, %c) : (tensor<?xi32>, tensor<4xi32>) -> tensor<4xi32>\n' + ret("tensor<4xi32>", "r")
    module = optimize("simplify", module_text("(tensor<?xi32>, tensor<?xi32>) -> tensor<4xi32>", body))
    assert returned(module)[0].op.name == "tfc.add"


def test_simplify_works_inside_regions():
    body = (
        "  ^bb0(%p: tensor<i1>, %x: tensor<4xi32>):\n"
        '    %r = "tfc.if"(%p) ({\n'
        '      %n = "tfc.negate"(%x) : (tensor<4xi32>) -> tensor<4xi32>\n'
        '      %m = "tfc.negate"(%n) : (tensor<4xi32>) -> tensor<4xi32>\n'
        '      "tfc.yield"(%m) : (tensor<4xi32>) -> ()\n'
        "    }, {\n"
        '      "tfc.yield"(%x) : (tensor<4xi32>) -> ()\n'
        "    }) : (tensor<i1>) -> tensor<4xi32>\n" + ret("tensor<4xi32>", "r")
    )
    module = optimize("simplify", module_text("(tensor<i1>, tensor<4xi32>) -> tensor<4xi32>", body))
    if_op = module.function("main").body.ops[0]
    assert if_op.regions[0].block.ops[-1].operands[0] is module.function("main").args[1]


# ---- simplify on tf ops ----------------------------------------------------------------------------
def _tf(body: str, signature: str = "(tensor<2x3xf32>) -> tensor<2x3xf32>") -> Module:
    return optimize("simplify", module_text(signature, "  ^bb0(%x: tensor<2x3xf32>):\n" + body))


def test_simplify_removes_identity_chains_without_control_edges():
    module = _tf(
        '    %a = "tf.Identity"(%x) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>\n'
        '    %c = "tf.Snapshot"(%a) {T = f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>\n'
        '    %d0, %d1 = "tf.IdentityN"(%c, %x) {T = [f32, f32]} : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)\n'
        '    %s = "tf.AddV2"(%d0, %d1) {T = f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>\n'
        '    "func.return"(%s) : (tensor<2x3xf32>) -> ()\n'
    )
    add = returned(module)[0].op
    assert list(add.operands) == [module.function("main").args[0]] * 2


def test_simplify_keeps_identities_with_control_edges():
    module = _tf(
        '    %a, %ctl = "tf.Identity"(%x) {T = f32} : (tensor<2x3xf32>) -> (tensor<2x3xf32>, !tfc.token)\n'
        '    %b = "tf.Identity"(%a, %ctl) {T = f32} : (tensor<2x3xf32>, !tfc.token) -> tensor<2x3xf32>\n'
        '    "func.return"(%b) : (tensor<2x3xf32>) -> ()\n'
    )
    assert body_ops(module) == ["tf.Identity", "tf.Identity", "func.return"]


def test_simplify_identity_with_an_unused_token_goes():
    module = _tf(
        '    %a, %ctl = "tf.Identity"(%x) {T = f32} : (tensor<2x3xf32>) -> (tensor<2x3xf32>, !tfc.token)\n'
        '    "func.return"(%a) : (tensor<2x3xf32>) -> ()\n'
    )
    assert returned(module) == [module.function("main").args[0]]


@pytest.mark.parametrize(
    "op, constant, shape, simplified",
    [
        ("Mul", "1.0", "", True),
        ("Mul", "1.0", "1x3x", True),
        ("AddV2", "-0.0", "3x", True),
        ("AddV2", "0.0", "3x", False),  # +0.0 turns -0.0 into +0.0
        ("Mul", "2.0", "", False),
        ("Mul", "1.0", "2x2x3x", False),  # broadcasting would change the shape
    ],
)
def test_simplify_tf_arithmetic_identities(op, constant, shape, simplified):
    ctype = f"tensor<{shape}f32>"
    out = "tensor<2x2x3xf32>" if shape.startswith("2x2") else "tensor<2x3xf32>"
    module = _tf(
        f'    %c = "tf.Const"() {{dtype = f32, value = dense<{constant}> : {ctype}}} : () -> {ctype}\n'
        f'    %r = "tf.{op}"(%x, %c) {{T = f32}} : (tensor<2x3xf32>, {ctype}) -> {out}\n'
        f'    "func.return"(%r) : ({out}) -> ()\n',
        f"(tensor<2x3xf32>) -> {out}",
    )
    assert (returned(module) == [module.function("main").args[0]]) == simplified


def test_every_rule_names_a_registered_op_and_says_what_it_does():
    for rule in RULES:
        assert lookup(rule.op) is not None, rule
        assert rule.pattern and rule.replacement


# ---- fold ------------------------------------------------------------------------------------------
def test_fold_evaluates_pure_ops_on_constants_keeping_location_and_name():
    body = (
        "  ^bb0(%x: tensor<3xf32>):\n"
        + const("[1.0, 2.0, 3.0]", "3x", "f32", "a")
        + '    %sum = "tfc.add"(%a, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32> loc("sum.py":4:2)\n'
        + '    %e = "tfc.exp"(%sum) : (tensor<3xf32>) -> tensor<3xf32>\n'
        + '    %r = "tfc.add"(%e, %x) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>\n'
        + ret("tensor<3xf32>", "r")
    )
    module = optimize("fold", module_text("(tensor<3xf32>) -> tensor<3xf32>", body))
    ops = module.function("main").body.ops
    assert [op.name for op in ops] == ["tfc.constant"] * 3 + ["tfc.add", "func.return"]
    assert ops[1].results[0].name_hint == "sum" and str(ops[1].location) == 'loc("sum.py":4:2)'
    np.testing.assert_array_equal(ops[2].attr("value"), np.exp(np.array([2, 4, 6], np.float32)))


def test_fold_respects_the_size_cap():
    body = (
        "  ^bb0(%x: tensor<f32>):\n"
        + const("1.0", "", "f32")
        + '    %r = "tfc.broadcast_in_dim"(%c) {broadcast_dimensions = array<i64>} : (tensor<f32>) -> tensor<8xf32>\n'
        + ret("tensor<8xf32>", "r")
    )
    text = module_text("(tensor<f32>) -> tensor<8xf32>", body)
    assert returned(optimize("fold{max_elements=7}", text))[0].op.name == "tfc.broadcast_in_dim"
    assert returned(optimize("fold{max_elements=8}", text))[0].op.name == "tfc.constant"


def test_fold_skips_stateful_ops_even_with_a_reference(temp_op):
    temp_op(OpDef("test.counter", "stateful", operands=("x",), traits=frozenset({Trait.STATEFUL}), infer=lambda ctx, x: x, reference=lambda ctx, x: x + 1))
    body = "  ^bb0(%x: tensor<i32>):\n" + const(1, "") + '    %r = "test.counter"(%c) : (tensor<i32>) -> tensor<i32>\n' + ret("tensor<i32>", "r")
    module = optimize("fold", module_text("(tensor<i32>) -> tensor<i32>", body))
    assert returned(module)[0].op.name == "test.counter"


def test_fold_leaves_ops_whose_reference_fails(temp_op):
    def broken(ctx, x):
        raise ValueError("cannot")

    temp_op(OpDef("test.broken", "pure", operands=("x",), infer=lambda ctx, x: x, reference=broken))
    body = "  ^bb0(%x: tensor<i32>):\n" + const(1, "") + '    %r = "test.broken"(%c) : (tensor<i32>) -> tensor<i32>\n' + ret("tensor<i32>", "r")
    assert returned(optimize("fold", module_text("(tensor<i32>) -> tensor<i32>", body)))[0].op.name == "test.broken"


def test_fold_skips_tf_ops_and_dynamic_results():
    body = (
        "  ^bb0(%x: tensor<?xf32>):\n"
        '    %a = "tf.Const"() {dtype = f32, value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>\n'
        '    %b = "tf.AddV2"(%a, %a) {T = f32} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n'
        '    %c = "tfc.add"(%a, %a) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>\n'
        '    %d = "tfc.convert"(%c) : (tensor<2xf32>) -> tensor<?xf32>\n'
        '    "func.return"(%b, %c, %d) : (tensor<2xf32>, tensor<2xf32>, tensor<?xf32>) -> ()\n'
    )
    module = optimize("fold", module_text("(tensor<?xf32>) -> (tensor<2xf32>, tensor<2xf32>, tensor<?xf32>)", body))
    assert [v.op.name for v in returned(module)] == ["tf.AddV2", "tfc.constant", "tfc.convert"]


def test_fold_evaluates_iota_for_its_users_but_keeps_it():
    body = (
        "  ^bb0(%x: tensor<4xi32>):\n"
        '    %i = "tfc.iota"() {iota_dimension = 0 : i64} : () -> tensor<4xi32>\n'
        + const(10, "4x")
        + binary("add", "i", "c", "tensor<4xi32>")
        + ret("tensor<4xi32>", "r")
    )
    module = optimize("fold", module_text("(tensor<4xi32>) -> tensor<4xi32>", body))
    assert body_ops(module)[0] == "tfc.iota"
    np.testing.assert_array_equal(returned(module)[0].op.attr("value"), [10, 11, 12, 13])


def _if_module(pred: str) -> str:
    body = (
        "  ^bb0(%x: tensor<i32>):\n"
        + const(pred, "", "i1", "p")
        + const(5, "", "i32", "five")
        + '    %r = "tfc.if"(%p) ({\n'
        '      %n = "tfc.negate"(%five) : (tensor<i32>) -> tensor<i32>\n'
        '      "tfc.yield"(%n) : (tensor<i32>) -> ()\n'
        "    }, {\n"
        '      %m = "tfc.multiply"(%x, %five) : (tensor<i32>, tensor<i32>) -> tensor<i32>\n'
        '      "tfc.yield"(%m) : (tensor<i32>) -> ()\n'
        "    }) : (tensor<i1>) -> tensor<i32>\n" + ret("tensor<i32>", "r")
    )
    return module_text("(tensor<i32>) -> tensor<i32>", body)


def test_fold_inlines_the_branch_a_constant_predicate_takes():
    taken = optimize("fold", _if_module("true"))
    assert "tfc.if" not in body_ops(taken)
    assert returned(taken)[0].op.name == "tfc.constant"  # the inlined negate folded too
    assert int(returned(taken)[0].op.attr("value")) == -5
    other = optimize("fold", _if_module("false"))
    assert returned(other)[0].op.name == "tfc.multiply"


def test_fold_inside_a_branch_with_an_unknown_predicate():
    text = _if_module("true").replace(
        '    %p = "tfc.constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>\n', ""
    ).replace("^bb0(%x: tensor<i32>)", "^bb0(%x: tensor<i32>, %p: tensor<i1>)").replace(
        "function_type = (tensor<i32>) -> tensor<i32>", "function_type = (tensor<i32>, tensor<i1>) -> tensor<i32>"
    )
    module = optimize("fold", text)
    if_op = returned(module)[0].op
    assert if_op.name == "tfc.if"
    assert [op.name for op in if_op.regions[0].block.ops] == ["tfc.constant", "tfc.yield"]


def _while_module(limit: int) -> str:
    body = (
        "  ^bb0(%x: tensor<i32>):\n"
        + const(0, "", "i32", "zero")
        + const(limit, "", "i32", "limit")
        + '    %r0, %r1 = "tfc.while"(%zero, %x) ({\n'
        "    ^bb0(%i: tensor<i32>, %v: tensor<i32>):\n"
        '      %lt = "tfc.compare"(%i, %limit) {comparison_direction = "LT"} : (tensor<i32>, tensor<i32>) -> tensor<i1>\n'
        '      "tfc.yield"(%lt) : (tensor<i1>) -> ()\n'
        "    }, {\n"
        "    ^bb0(%i: tensor<i32>, %v: tensor<i32>):\n"
        '      %j = "tfc.add"(%i, %v) : (tensor<i32>, tensor<i32>) -> tensor<i32>\n'
        '      "tfc.yield"(%j, %v) : (tensor<i32>, tensor<i32>) -> ()\n'
        "    }) : (tensor<i32>, tensor<i32>) -> (tensor<i32>, tensor<i32>)\n"
        '    "func.return"(%r0) : (tensor<i32>) -> ()\n'
    )
    return module_text("(tensor<i32>) -> tensor<i32>", body)


def test_fold_drops_a_while_whose_condition_is_false_on_entry():
    module = optimize("fold", _while_module(0))
    assert "tfc.while" not in body_ops(module)
    assert int(returned(module)[0].op.attr("value")) == 0
    assert "tfc.while" in body_ops(optimize("fold", _while_module(3)))


def test_fold_module_counts_changes():
    module = parse_module(_while_module(3))
    assert fold_module(module) == 0
    module = parse_module(_if_module("true"))
    assert fold_module(module) == 2  # the if and the negate


# ---- shape-inference -------------------------------------------------------------------------------
def test_shape_inference_uses_constants_and_updates_the_signature():
    body = (
        "  ^bb0(%x: tensor<6xf32>):\n"
        '    %s = "tf.Const"() {dtype = i32, value = dense<[2, -1]> : tensor<2xi32>} : () -> tensor<2xi32>\n'
        '    %r = "tf.Reshape"(%x, %s) {T = f32, Tshape = i32} : (tensor<6xf32>, tensor<2xi32>) -> tensor<*xf32>\n'
        '    %n = "tfc.negate"(%r) : (tensor<*xf32>) -> tensor<*xf32>\n'
        '    "func.return"(%n) : (tensor<*xf32>) -> ()\n'
    )
    module = optimize("shape-inference", module_text("(tensor<6xf32>) -> tensor<*xf32>", body))
    assert str(module.function("main").type) == "(tensor<6xf32>) -> tensor<2x3xf32>"
    assert str(returned(module)[0].type) == "tensor<2x3xf32>"


def test_shape_inference_never_makes_types_less_specific():
    body = (
        "  ^bb0(%x: tensor<?x3xf32>, %y: tensor<2x?xf32>):\n"
        '    %a = "tfc.add"(%x, %y) : (tensor<?x3xf32>, tensor<2x?xf32>) -> tensor<?x?xf32>\n'
        '    %b = "tfc.negate"(%x) : (tensor<?x3xf32>) -> tensor<2x3xf32>\n'
        '    "func.return"(%a, %b) : (tensor<?x?xf32>, tensor<2x3xf32>) -> ()\n'
    )
    module = optimize("shape-inference", module_text("(tensor<?x3xf32>, tensor<2x?xf32>) -> (tensor<?x?xf32>, tensor<2x3xf32>)", body))
    assert [str(v.type) for v in returned(module)] == ["tensor<2x3xf32>", "tensor<2x3xf32>"]


def _if_types(then_type: str, else_type: str) -> str:
    body = (
        "  ^bb0(%p: tensor<i1>, %x: tensor<2xf32>, %y: tensor<3xf32>):\n"
        '    %r = "tfc.if"(%p) ({\n'
        f'      %a = "tfc.convert"(%{then_type}) : (tensor<{2 if then_type == "x" else 3}xf32>) -> tensor<?xf32>\n'
        '      "tfc.yield"(%a) : (tensor<?xf32>) -> ()\n'
        "    }, {\n"
        f'      %b = "tfc.negate"(%{else_type}) : (tensor<{2 if else_type == "x" else 3}xf32>) -> tensor<?xf32>\n'
        '      "tfc.yield"(%b) : (tensor<?xf32>) -> ()\n'
        "    }) : (tensor<i1>) -> tensor<?xf32>\n" + ret("tensor<?xf32>", "r")
    )
    return module_text("(tensor<i1>, tensor<2xf32>, tensor<3xf32>) -> tensor<?xf32>", body)


def test_shape_inference_refines_if_results_only_when_both_branches_agree():
    module = optimize("shape-inference", _if_types("x", "x"))
    assert str(returned(module)[0].type) == "tensor<2xf32>"
    disagree = optimize("shape-inference", _if_types("x", "y"))
    assert str(returned(disagree)[0].type) == "tensor<?xf32>"
    then_block = returned(disagree)[0].op.regions[0].block
    assert str(then_block.ops[-1].operands[0].type) == "tensor<?xf32>"  # put back: yields must match the result


def test_shape_inference_puts_back_what_a_nested_if_shares_with_a_disagreeing_one():
    body = (
        "  ^bb0(%p: tensor<i1>, %x: tensor<2xf32>, %z: tensor<3xf32>):\n"
        '    %outer = "tfc.if"(%p) ({\n'
        '      %v = "tfc.negate"(%x) : (tensor<2xf32>) -> tensor<?xf32>\n'
        '      %inner = "tfc.if"(%p) ({\n'
        '        "tfc.yield"(%v) : (tensor<?xf32>) -> ()\n'
        "      }, {\n"
        '        "tfc.yield"(%v) : (tensor<?xf32>) -> ()\n'
        "      }) : (tensor<i1>) -> tensor<?xf32>\n"
        '      %s = "tfc.add"(%inner, %v) : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>\n'
        '      "tfc.yield"(%v) : (tensor<?xf32>) -> ()\n'
        "    }, {\n"
        '      %w = "tfc.negate"(%z) : (tensor<3xf32>) -> tensor<?xf32>\n'
        '      "tfc.yield"(%w) : (tensor<?xf32>) -> ()\n'
        "    }) : (tensor<i1>) -> tensor<?xf32>\n" + ret("tensor<?xf32>", "outer")
    )
    module = optimize("shape-inference", module_text("(tensor<i1>, tensor<2xf32>, tensor<3xf32>) -> tensor<?xf32>", body))
    then_ops = returned(module)[0].op.regions[0].block.ops
    assert [str(op.results[0].type) for op in then_ops[:3]] == ["tensor<?xf32>"] * 2 + ["tensor<2xf32>"]


def _loop(body_op: str) -> str:
    body = (
        "  ^bb0(%x: tensor<3xf32>, %n: tensor<i1>):\n"
        '    %v = "tfc.convert"(%x) : (tensor<3xf32>) -> tensor<?xf32>\n'
        '    %r = "tfc.while"(%v) ({\n'
        "    ^bb0(%a: tensor<?xf32>):\n"
        '      "tfc.yield"(%n) : (tensor<i1>) -> ()\n'
        "    }, {\n"
        "    ^bb0(%a: tensor<?xf32>):\n" + body_op + '      "tfc.yield"(%b) : (tensor<?xf32>) -> ()\n'
        "    }) : (tensor<?xf32>) -> tensor<?xf32>\n" + ret("tensor<?xf32>", "r")
    )
    return module_text("(tensor<3xf32>, tensor<i1>) -> tensor<?xf32>", body)


def test_shape_inference_carries_loop_types_the_body_keeps():
    module = optimize("shape-inference", _loop('      %b = "tfc.negate"(%a) : (tensor<?xf32>) -> tensor<?xf32>\n'))
    assert str(module.function("main").type) == "(tensor<3xf32>, tensor<i1>) -> tensor<3xf32>"
    growing = optimize(
        "shape-inference",
        _loop('      %b = "tfc.concatenate"(%a, %a) {dimension = 0 : i64} : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>\n'),
    )
    assert str(growing.function("main").type) == "(tensor<3xf32>, tensor<i1>) -> tensor<?xf32>"
    loop = returned(growing)[0].op
    assert str(loop.regions[1].block.args[0].type) == "tensor<?xf32>"
    assert str(loop.operands[0].type) == "tensor<?xf32>"  # the initial value is put back to match


def test_shape_inference_keeps_the_signature_of_called_functions():
    callee = (
        '  "func.func"() ({\n'
        "  ^bb0(%a: tensor<?xf32>):\n"
        '    "func.return"(%a) : (tensor<?xf32>) -> ()\n'
        '  }) {function_type = (tensor<?xf32>) -> tensor<?xf32>, sym_name = "callee"} : () -> ()\n'
    )
    body = (
        "  ^bb0(%x: tensor<3xf32>):\n"
        '    %v = "tfc.negate"(%x) : (tensor<3xf32>) -> tensor<?xf32>\n'
        '    %r = "tfc.call"(%v) {callee = @callee} : (tensor<?xf32>) -> tensor<?xf32>\n'
        '    %s = "tfc.negate"(%r) : (tensor<?xf32>) -> tensor<?xf32>\n'
        + ret("tensor<?xf32>", "s")
    )
    module = optimize("shape-inference", module_text("(tensor<3xf32>) -> tensor<?xf32>", body, extra=callee))
    assert str(module.function("callee").type) == "(tensor<?xf32>) -> tensor<?xf32>"
    call = returned(module)[0].op.operands[0].op
    assert str(call.operands[0].type) == "tensor<?xf32>"  # must match the callee exactly


# ---- canonicalize ----------------------------------------------------------------------------------
_CANON = module_text(
    "(tensor<i32>) -> tensor<i32>",
    "  ^bb0(%x: tensor<i32>):\n"
    + const(1, "", "i32", "one")
    + binary("add", "one", "one", "tensor<i32>", "two")
    + binary("multiply", "x", "two", "tensor<i32>", "a")
    + binary("multiply", "x", "two", "tensor<i32>", "b")
    + binary("subtract", "a", "b", "tensor<i32>", "d")
    + ret("tensor<i32>", "d"),
)


def test_canonicalize_reaches_a_fixed_point():
    module = optimize("canonicalize", _CANON)
    assert body_ops(module) == ["tfc.constant", "func.return"]
    assert int(returned(module)[0].op.attr("value")) == 0


def test_canonicalize_stops_after_max_iterations():
    module = optimize("canonicalize{max_iterations=1}", _CANON)
    assert returned(module)[0].op.name == "tfc.subtract"  # x - x needs cse before simplify sees it
    assert parse_pipeline("canonicalize{max_elements=16}")[0].max_elements == 16


# ---- differential tests on random graphs ---------------------------------------------------------
_SHAPES = [(2, 3), (3, 2), (6,), ()]
_FLOATS = [0.0, -0.0, 1.0, -1.0, 2.5, np.inf, -np.inf, np.nan]
_INTS = [0, 1, -1, 2, 7, np.iinfo(np.int32).min, np.iinfo(np.int32).max]


class _GraphMaker:
    """Builds a random DAG of core ops with hypothesis' ``draw``; values are pooled by (dtype, shape)."""

    def __init__(self, draw, loosen: bool):
        self.draw, self.loosen = draw, loosen
        self.module = Module.create()
        arg_types = [TensorType(d, s) for d in (F32, I32) for s in ((2, 3), ())]
        self.function = self.module.add_function(Function.create("main", arg_types, [], [f"a{i}" for i in range(4)]))
        self.b = Builder(self.function.body)
        self.pool: dict[tuple, list] = {}
        self.made: list = []
        for arg, t in zip(self.function.args, arg_types):
            self.add(arg, t.dtype, t.shape)

    def add(self, value, dtype, shape) -> None:
        self.pool.setdefault((dtype, shape), []).append(value)
        self.made.append(value)

    def pick(self, dtype=None, shape=None):
        """A pooled value of that dtype and shape (often the newest one, to grow chains)."""
        last = self.made[-1]
        last_key = next(k for k, values in self.pool.items() if last in values)
        if (dtype is None or last_key[0] == dtype) and (shape is None or last_key[1] == shape) and self.draw(st.booleans()):
            return last, last_key
        keys = [k for k in self.pool if (dtype is None or k[0] == dtype) and (shape is None or k[1] == shape)]
        if not keys:
            return None
        key = self.draw(st.sampled_from(sorted(keys, key=str)))
        return self.draw(st.sampled_from(self.pool[key])), key

    def emit(self, name, operands, attrs=None, dtype=None, shape=None, declared=False) -> None:
        """Create op ``name``; its result type is ``dtype[shape]``, made less specific when loosening."""
        result = TensorType(dtype, shape)
        types = [result] if declared else None
        if not declared and self.loosen and self.draw(st.booleans()):
            types = [TensorType(dtype, None) if self.draw(st.booleans()) else TensorType(dtype, (None,) * len(shape))]
        value = self.b.create(name, operands, attrs or {}, result_types=types).result
        self.add(value, dtype, shape)

    def constant(self) -> None:
        dtype = self.draw(st.sampled_from([F32, I32, DType.bool]))
        shape = self.draw(st.sampled_from(_SHAPES))
        elements = {F32: _FLOATS, I32: _INTS, DType.bool: [False, True]}[dtype]
        if self.draw(st.booleans()):
            array = np.full(shape, self.draw(st.sampled_from(elements)), dtype=dtype.numpy)
        else:
            array = np.array(self.draw(st.lists(st.sampled_from(elements), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))), dtype=dtype.numpy).reshape(shape)
        self.add(self.b.create("tfc.constant", [], {"value": array}).result, dtype, shape)

    def with_special_constant(self) -> None:
        """``x op c`` or ``c op x`` with a splat 0, -0.0, 1 or -1 of x's type: where the rules apply."""
        x, (dtype, shape) = self.pick(self.draw(st.sampled_from([F32, I32])))
        element = self.draw(st.sampled_from([0.0, -0.0, 1.0, -1.0]))
        c = self.b.create("tfc.constant", [], {"value": np.full(shape, element, dtype=dtype.numpy)}).result
        operands = [x, c] if self.draw(st.booleans()) else [c, x]
        name = self.draw(st.sampled_from(["add", "subtract", "multiply", "divide"]))
        self.emit(f"tfc.{name}", operands, dtype=dtype, shape=shape)

    def step(self) -> None:
        kind = self.draw(st.sampled_from(["const", "identity", "binary", "unary", "compare", "select", "convert", "reshape", "transpose", "broadcast", "slice"]))
        if kind == "const":
            return self.constant()
        if kind == "identity":
            return self.with_special_constant()
        picked = self.pick(dtype=None if kind in ("convert", "reshape", "transpose", "broadcast", "slice", "select") else self.draw(st.sampled_from([F32, I32])))
        if picked is None:
            return None
        x, (dtype, shape) = picked
        if kind == "binary":
            if dtype is DType.bool:
                return None
            y = x if self.draw(st.booleans()) else self.pick(dtype, shape)[0]
            name = self.draw(st.sampled_from(["add", "subtract", "multiply", "maximum", "minimum", "divide"]))
            return self.emit(f"tfc.{name}", [x, y], dtype=dtype, shape=shape)
        if kind == "unary":
            name = "tfc.not" if dtype is I32 and self.draw(st.booleans()) else "tfc.negate"
            return self.emit(name, [x], dtype=dtype, shape=shape)
        if kind == "compare":
            y, _ = self.pick(dtype, shape)
            direction = self.draw(st.sampled_from(["EQ", "NE", "LT", "GE"]))
            return self.emit("tfc.compare", [x, y], {"comparison_direction": direction}, DType.bool, shape)
        if kind == "select":
            picked = self.pick(DType.bool, self.draw(st.sampled_from([shape, ()])))
            if picked is None or dtype is DType.bool:
                return None
            y, _ = self.pick(dtype, shape)
            return self.emit("tfc.select", [picked[0], x, y], dtype=dtype, shape=shape)
        if kind == "convert":
            target = self.draw(st.sampled_from([dtype, F32, I32]))
            return self.emit("tfc.convert", [x], dtype=target, shape=shape, declared=True)
        if kind == "reshape":
            size = int(np.prod(shape))
            target = self.draw(st.sampled_from([shape] + [s for s in _SHAPES if int(np.prod(s)) == size]))
            return self.emit("tfc.reshape", [x], dtype=dtype, shape=target, declared=True)
        if kind == "transpose":
            perm = self.draw(st.permutations(range(len(shape))))
            return self.emit("tfc.transpose", [x], {"permutation": list(perm)}, dtype, tuple(shape[p] for p in perm))
        if kind == "broadcast":
            if shape == ():
                target = self.draw(st.sampled_from(_SHAPES))
                return self.emit("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": []}, dtype, target, declared=True)
            return self.emit("tfc.broadcast_in_dim", [x], {"broadcast_dimensions": list(range(len(shape)))}, dtype, shape, declared=True)
        if shape == ():
            return None
        limits = [self.draw(st.integers(1, d)) for d in shape]
        attrs = {"start_indices": [0] * len(shape), "limit_indices": limits, "strides": [1] * len(shape)}
        return self.emit("tfc.slice", [x], attrs, dtype, tuple(limits))

    def finish(self) -> Module:
        results = self.made[4:] or self.made
        self.b.create("func.return", results)
        self.function.set_type(FunctionType(self.function.type.inputs, tuple(v.type for v in results)))
        verify(self.module)
        return self.module


@st.composite
def random_graphs(draw):
    maker = _GraphMaker(draw, loosen=draw(st.booleans()))
    for _ in range(draw(st.integers(1, 14))):
        maker.step()
    return maker.finish()


def _inputs(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    floats = np.array(_FLOATS + [3.25, -0.5], np.float32)
    ints = np.array(_INTS + [3, -5], np.int32)
    return [rng.choice(floats, (2, 3)), rng.choice(floats, ()), rng.choice(ints, (2, 3)), rng.choice(ints, ())]


def _bits(array: np.ndarray) -> tuple:
    return array.dtype, array.shape, array.tobytes()


@pytest.mark.parametrize("pipeline", ["fold", "simplify", "canonicalize", "shape-inference"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module=random_graphs(), seed=st.integers(0, 2**16))
def test_passes_preserve_results_bit_for_bit(pipeline, module, seed):
    text = print_module(module)
    args = _inputs(seed)
    expected = interpret(parse_module(text), args)
    optimized = optimize(pipeline, text)
    got = interpret(optimized, args)
    assert [_bits(a) for a in got] == [_bits(a) for a in expected], f"{pipeline} changed the results of\n{text}"
    if pipeline == "shape-inference":  # every type is static again, since the arguments are
        assert all(r.type.is_static for op in optimized.walk() for r in op.results)
