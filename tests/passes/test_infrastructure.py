"""The pieces every pass is built from: the rewriter (deferred block rebuild), the effects module,
the fold and region hooks on OpDef, and the one floating-point policy of the rule tables."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.builder import Builder
from tfc.effects import constant_value, has_side_effects, is_pure, is_trivially_dead
from tfc.ir import Block, Function, Module, Operation, Region
from tfc.parser import parse_module
from tfc.passmanager import PassManager, default_pipeline, parse_pipeline
from tfc.printer import print_module
from tfc.registry import REGISTRY
from tfc.rewriter import Rewriter
from tfc.types import DType, TensorType

F32 = TensorType(DType.f32, (2,))


def new_function(*arg_types) -> tuple[Module, Function, Builder]:
    module = Module.create()
    function = module.add_function(Function.create("main", list(arg_types), []))
    return module, function, Builder(function.body)


def names(block: Block) -> list[str]:
    return [op.name for op in block.ops]


# ---- the rewriter --------------------------------------------------------------------------------
def test_edits_show_in_the_block_only_after_commit():
    module, function, b = new_function(F32)
    x = function.args[0]
    first = b.value("tfc.exp", x).op
    second = b.value("tfc.negate", x).op
    rewriter = Rewriter()
    rewriter.insert_before(first, Operation("tfc.log", [x], [F32]))
    rewriter.insert_after(second, Operation("tfc.tanh", [x], [F32]))
    rewriter.erase(first)
    assert names(function.body) == ["tfc.exp", "tfc.negate"]  # nothing moved yet
    assert first.parent is None  # but an erased op says so at once
    rewriter.commit()
    assert names(function.body) == ["tfc.log", "tfc.negate", "tfc.tanh"]
    assert not x.uses.get((first, 0), 0) and all(op.parent is function.body for op in function.body.ops)


def test_inserted_ops_keep_their_order_and_may_anchor_more():
    module, function, b = new_function(F32)
    x = function.args[0]
    anchor = b.value("tfc.exp", x).op
    with Rewriter() as rewriter:
        one = rewriter.insert_before(anchor, Operation("tfc.log", [x], [F32]))
        rewriter.insert_before(anchor, Operation("tfc.tanh", [x], [F32]))
        rewriter.insert_before(one, Operation("tfc.sqrt", [x], [F32]))
        rewriter.insert_after(one, Operation("tfc.abs", [x], [F32]))
    assert names(function.body) == ["tfc.sqrt", "tfc.log", "tfc.abs", "tfc.tanh", "tfc.exp"]


def test_replace_rewires_users_and_erase_refuses_used_results():
    module, function, b = new_function(F32)
    x = function.args[0]
    e = b.value("tfc.exp", x)
    n = b.value("tfc.negate", e)
    with pytest.raises(ValueError, match="still has uses"):
        Rewriter().erase(e.op)
    with Rewriter() as rewriter:
        rewriter.replace(e.op, [x])
    assert n.op.operands == (x,)
    assert names(function.body) == ["tfc.negate"]


def test_inline_block_moves_a_region_before_its_op():
    module, function, b = new_function(F32)
    x = function.args[0]
    region_block = Block([F32])
    inner = Builder(region_block)
    y = inner.value("tfc.exp", region_block.args[0])
    inner.create("tfc.yield", [y])
    holder = b.create("tfc.if", [b.value("tfc.constant", value=np.array(True))], result_types=[F32],
                      regions=[Region([region_block]), Region([Block()])])
    with Rewriter() as rewriter:
        yielded = rewriter.inline_block_before(region_block, holder, [x])
        assert yielded == [y]
        holder.results[0].replace_all_uses_with(y)
        rewriter.erase(holder)
    assert names(function.body) == ["tfc.constant", "tfc.exp"]
    assert y.op.operands == (x,) and y.op.parent is function.body


def test_a_pass_over_a_large_block_rebuilds_it_once():
    """Erasing every other op of 20,000 stays one linear rebuild (no list.remove per op)."""
    module, function, b = new_function(F32)
    x = function.args[0]
    ops = [b.value("tfc.exp", x).op for _ in range(20_000)]
    with Rewriter() as rewriter:
        for op in ops[::2]:
            rewriter.erase(op)
    assert len(function.body.ops) == 10_000 and rewriter.changes == 10_000


# ---- effects ---------------------------------------------------------------------------------------
EFFECTS = """\
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%p: tensor<i1>, %x: tensor<f32>):
    %c = "tfc.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
    %e = "tfc.exp"(%x) : (tensor<f32>) -> tensor<f32>
    %v = "tfc.variable"() {name = "v"} : () -> !tfc.resource<tensor<f32>>
    %r = "tfc.if"(%p) ({
      "tfc.assign_variable"(%v, %x) : (!tfc.resource<tensor<f32>>, tensor<f32>) -> ()
      "tfc.yield"(%x) : (tensor<f32>) -> ()
    }, {
      "tfc.yield"(%x) : (tensor<f32>) -> ()
    }) : (tensor<i1>) -> tensor<f32>
    "func.return"(%e) : (tensor<f32>) -> ()
  }) {function_type = (tensor<i1>, tensor<f32>) -> tensor<f32>, sym_name = "main"} : () -> ()
}) : () -> ()
"""


def test_effects_come_from_traits():
    const, exp, variable, branch, ret = parse_module(EFFECTS).function("main").body.ops
    assert is_pure(exp) and is_pure(const) and not is_pure(variable) and not is_pure(ret)
    assert is_trivially_dead(const) and not is_trivially_dead(exp)  # exp is returned
    assert has_side_effects(branch) and not is_trivially_dead(branch)  # an assign inside
    assert has_side_effects(Operation("mylib.unknown", [], []))  # unknown ops: assume effects
    np.testing.assert_array_equal(constant_value(const.result), 2.0)
    assert constant_value(exp.result) is None


# ---- hooks on OpDef: no pass names an op ---------------------------------------------------------------
def test_region_ops_declare_fold_and_shape_hooks():
    with_regions = [d for d in REGISTRY if d.regions and not d.name.startswith(("builtin.", "func."))]
    assert {d.name for d in with_regions} == {"tfc.if", "tfc.while"}
    assert all(d.fold is not None and d.refine_regions is not None for d in with_regions)


def test_generic_passes_name_no_op_in_their_code():
    """They decide from the registry (traits, references, hooks); only fold creates tfc.constant."""
    import ast
    from pathlib import Path

    passes = Path(__file__).resolve().parents[2] / "passes"
    for name in ("fold.py", "shape_inference.py", "cse.py", "dce.py", "prune.py"):
        tree = ast.parse((passes / name).read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(node) is not None}
        strings = {node.value for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}
        op_names = {s for s in strings if s.startswith(("tfc.", "tf.")) and " " not in s}
        assert op_names <= {"tfc.constant"}, (name, op_names)


# ---- one floating-point policy for every IR level ---------------------------------------------------
ADD_ZERO = """\
"builtin.module"() ({{
  "func.func"() ({{
  ^bb0(%x: tensor<2xf32>):
    %z = "{const}"() {{{dtype}value = dense<{zero}> : tensor<2xf32>}} : () -> tensor<2xf32>
    %s = "{add}"(%x, %z) {{{T}}} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    "func.return"(%s) : (tensor<2xf32>) -> ()
  }}) {{function_type = (tensor<2xf32>) -> tensor<2xf32>, sym_name = "main"}} : () -> ()
}}) : () -> ()
"""
LEVELS = {
    "core": dict(const="tfc.constant", dtype="", add="tfc.add", T=""),
    "tf": dict(const="tf.Const", dtype="dtype = f32, ", add="tf.AddV2", T="T = f32"),
}


@pytest.mark.parametrize("level, pipeline", [("core", "simplify"), ("core", "canonicalize"), ("tf", "simplify"),
                                             ("tf", "canonicalize"), ("tf", "tf-fuse")])
@pytest.mark.parametrize("zero, fast_math, removed", [("0.0", False, False), ("-0.0", False, True), ("0.0", True, True)])
def test_x_plus_zero_follows_one_policy(level, pipeline, zero, fast_math, removed):
    """x + 0.0 stays by default at every level and in every pass (-0.0 + 0.0 is +0.0); x + -0.0 goes."""
    module = parse_module(ADD_ZERO.format(zero=zero, **LEVELS[level]))
    option = "{fast-math=true}" if fast_math else ""
    PassManager(f"{pipeline}{option},dce", verify_each=True).run(module)
    returned = module.function("main").return_op.operands[0]
    assert (returned is module.function("main").args[0]) == removed, print_module(module)


def test_fast_math_is_an_explicit_option_of_the_default_pipelines():
    assert "fast" not in default_pipeline("tf") and "fast" not in default_pipeline("core")
    for level in ("tf", "core"):
        passes = parse_pipeline(default_pipeline(level, fast_math=True))
        assert any(getattr(p, "fast_math", False) for p in passes)
    assert parse_pipeline("simplify{fast-math=true}") == parse_pipeline("simplify{fast_math=true}")


def test_moving_an_op_within_its_block_or_twice_keeps_it_once():
    module, function, b = new_function(F32)
    x = function.args[0]
    first, second, third = (b.value(name, x).op for name in ("tfc.exp", "tfc.negate", "tfc.abs"))
    with Rewriter() as rewriter:
        rewriter.move_before(first, [third])  # within the block
        rewriter.move_before(second, [third])  # and again: the latest placement counts
        moved = rewriter.insert_before(first, Operation("tfc.tanh", [x], [F32]))
        rewriter.move_before(third, [moved])  # an inserted op moved before a moved op
    assert names(function.body) == ["tfc.exp", "tfc.tanh", "tfc.abs", "tfc.negate"]
    with pytest.raises(ValueError, match="takes 0 arguments, 1 given"):
        Rewriter().inline_block_before(Block(), first, [x])
