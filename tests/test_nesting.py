"""Nesting limits (tfc.limits): IR at the limit goes through every stage within Python's recursion
limit, with room to spare; one step past it is a clean error where it is; IR of any depth built in
Python walks and prints (no recursion) and is refused before anything recursive sees it."""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from tfc.attributes import ArrayAttr, IntegerAttr
from tfc.backends import load, stablehlo_text
from tfc.builder import Builder
from tfc.diagnostics import ParseError, VerifyError
from tfc.ir import Block, Function, Module, Region, walk_with_depth
from tfc.limits import MAX_ATTRIBUTE_DEPTH, MAX_LOCATION_DEPTH, MAX_RANK, MAX_REGION_DEPTH
from tfc.location import FileLineColLoc, NameLoc
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.tools.cli import cli
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .test_limits import with_constant

F32 = TensorType(DType.f32, ())
PRED = TensorType(DType.bool, ())

# Frames the deepest stage needs at the limit, measured: the interpreter, 318 (5 a level);
# lowering to StableHLO 265, canonicalize 204, the verifier 139; gradients of traced code 392
# (tests/frontend/test_nesting.py). Every stage below runs with only this many frames above the
# test's own, so at least 1000 - 450 are left to whoever calls tfc.
FRAME_BUDGET = 450
IFS_AT_LIMIT = MAX_REGION_DEPTH - 2  # the module's and the function's regions count too


@contextlib.contextmanager
def frame_budget(frames: int = FRAME_BUDGET):
    """Python's recursion limit set to the current stack depth plus ``frames``."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def nested_ifs(n: int) -> str:
    """``main(%p, %x)``: ``n`` nested ``tfc.if`` on %p, the innermost negating %x, every else %x."""
    lines = ['"builtin.module"() ({', '  "func.func"() ({', "  ^bb0(%p: tensor<i1>, %x: tensor<f32>):"]
    indent = "    "
    for i in range(n):
        lines.append(f'{indent}%r{i} = "tfc.if"(%p) ({{')
        indent += "  "
    lines.append(f'{indent}%n = "tfc.negate"(%x) : (tensor<f32>) -> tensor<f32>')
    inner = "%n"
    for i in reversed(range(n)):
        lines.append(f'{indent}"tfc.yield"({inner}) : (tensor<f32>) -> ()')
        indent = indent[:-2]
        lines += [f"{indent}}}, {{", f'{indent}  "tfc.yield"(%x) : (tensor<f32>) -> ()', f"{indent}}}) : (tensor<i1>) -> tensor<f32>"]
        inner = f"%r{i}"
    lines.append(f'    "func.return"({inner}) : (tensor<f32>) -> ()')
    lines.append('  }) {function_type = (tensor<i1>, tensor<f32>) -> tensor<f32>, sym_name = "main"} : () -> ()')
    lines.append("}) : () -> ()")
    return "\n".join(lines) + "\n"


def position(text: str, needle: str) -> tuple[int, int]:
    """(line, column) of ``needle`` in ``text``, 1-based."""
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_nesting_at_the_limit_goes_through_every_stage():
    text = nested_ifs(IFS_AT_LIMIT)
    args = [np.array(True), np.array(1.5, np.float32)]
    with frame_budget():
        module = parse_module(text)
        assert max(depth for _, depth in walk_with_depth(module.op)) == MAX_REGION_DEPTH
        verify(module)
        PassManager("canonicalize", verify_each=True).run(module)
        printed = print_module(module)
        assert print_module(parse_module(printed)) == printed
        assert "stablehlo.if" in stablehlo_text(module)
        for backend in ("interp", "xla"):
            [got] = load(module, backend=backend).call(*args)
            assert float(np.asarray(got)) == -1.5
            [got] = load(module, backend=backend).call(np.array(False), args[1])
            assert float(np.asarray(got)) == 1.5


@pytest.mark.parametrize("ifs", [IFS_AT_LIMIT + 1, 300, 5000])
def test_one_past_the_limit_is_a_parse_error_at_the_first_op_too_deep(ifs):
    text = nested_ifs(ifs)
    first_too_deep = '%n = "tfc.negate"' if ifs == IFS_AT_LIMIT + 1 else f'%r{IFS_AT_LIMIT + 1} = "tfc.if"'
    with pytest.raises(ParseError, match=f"nested in {MAX_REGION_DEPTH + 1} regions; tfc allows at most {MAX_REGION_DEPTH}") as caught:
        parse_module(text, "deep.ir")
    line, col = position(text, first_too_deep)
    assert (caught.value.line, caught.value.col) == (line, col + first_too_deep.index('"'))


@pytest.mark.parametrize("command", [["opt", "--passes", "canonicalize"], ["translate", "--to", "stablehlo"]])
def test_cli_prints_one_line_for_ir_nested_too_deep(tmp_path, command):
    path = tmp_path / "deep.ir"
    path.write_text(nested_ifs(300))
    result = CliRunner().invoke(cli, [command[0], str(path), *command[1:]])
    assert result.exit_code == 1 and "Traceback" not in result.output
    needle = f'%r{IFS_AT_LIMIT + 1} = "tfc.if"'  # the first op 65 regions deep
    line, col = position(nested_ifs(300), needle)
    col += needle.index('"')
    assert result.output.splitlines() == [f"{path}:{line}:{col}: error: op is nested in 65 regions; tfc allows at most 64 "
                                          "(the module's and the function's included)"]


def nested_ifs_in_python(n: int) -> Module:
    """The same program as :func:`nested_ifs`, built op by op (no parser, no verifier)."""
    module = Module.create()
    function = module.add_function(Function.create("main", [PRED, F32], [F32]))
    pred, x = function.args
    blocks = []
    block = function.body
    for _ in range(n):
        then_block, else_block = Block(), Block()
        Builder(else_block).create("tfc.yield", [x])
        blocks.append((Builder(block), then_block, else_block))
        block = then_block
    inner = Builder(block).value("tfc.negate", x)
    for builder, then_block, else_block in reversed(blocks):
        Builder(then_block).create("tfc.yield", [inner])
        inner = builder.create("tfc.if", [pred], result_types=[F32], regions=[Region([then_block]), Region([else_block])]).result
    Builder(function.body).create("func.return", [inner])
    return module


def test_ir_of_any_depth_built_in_python_walks_prints_and_is_refused_cleanly():
    module = nested_ifs_in_python(3000)
    assert sum(1 for _ in module.walk()) == 3 + 3000 * 3 + 1  # module, func, return; if and two yields a level; negate
    with frame_budget(100):  # walking and printing do not recurse
        text = print_module(module)
    with pytest.raises(ParseError, match="nested in 65 regions"):
        parse_module(text)
    for refuse in (verify, lambda m: load(m, backend="interp"), stablehlo_text, lambda m: PassManager("cse").run(m)):
        with pytest.raises(VerifyError, match=f"'tfc.if' op is nested in 65 regions; tfc allows at most {MAX_REGION_DEPTH}"):
            refuse(module)


def test_python_built_ir_at_the_limit_verifies():
    verify(nested_ifs_in_python(IFS_AT_LIMIT))


# ---- calls count as regions -----------------------------------------------------------------------
def call_chain(n: int, recursive: bool = False) -> str:
    """``main`` calls ``f{n-1}``, which calls ``f{n-2}``, ... ``f0`` negates (or calls ``main``)."""
    sig = "(tensor<f32>) -> tensor<f32>"

    def function(name: str, body: str) -> str:
        return (f'  "func.func"() ({{\n  ^bb0(%x: tensor<f32>):\n{body}    "func.return"(%r) : (tensor<f32>) -> ()\n'
                f'  }}) {{function_type = {sig}, sym_name = "{name}"}} : () -> ()\n')

    def calling(callee: str) -> str:
        return f'    %r = "tfc.call"(%x) {{callee = @{callee}}} : {sig} loc("call_{callee}")\n'

    leaf = calling("main") if recursive else '    %r = "tfc.negate"(%x) : (tensor<f32>) -> tensor<f32>\n'
    functions = [function("main", calling(f"f{n - 1}"))]
    functions += [function(f"f{k}", calling(f"f{k - 1}") if k else leaf) for k in range(n)]
    return '"builtin.module"() ({\n' + "".join(functions) + "}) : () -> ()\n"


def test_calls_nested_to_the_limit_run():
    module = parse_module(call_chain(MAX_REGION_DEPTH - 2))  # main's body is two regions deep
    with frame_budget():
        verify(module)
        PassManager("canonicalize", verify_each=True).run(module)
        for backend in ("interp", "xla"):
            [got] = load(module, backend=backend).call(np.array(1.5, np.float32))
            assert float(np.asarray(got)) == -1.5


@pytest.mark.parametrize("calls", [MAX_REGION_DEPTH - 1, 3000])
def test_calls_nested_one_past_the_limit_are_a_verify_error(calls):
    module = parse_module(call_chain(calls))
    with pytest.raises(VerifyError, match=f"'tfc.call' op calls @f{MAX_REGION_DEPTH - 2}, through which ops are nested 65 regions deep, "
                                          "counting each call as one; tfc allows at most 64"):
        verify(module)
    with pytest.raises(VerifyError, match="nested 65 regions deep"):
        load(module, backend="interp")


def test_a_function_calling_itself_is_a_verify_error():
    with pytest.raises(VerifyError, match=r"'call_f2': error: 'tfc.call' op function @main calls itself \(through this op\); tfc runs no recursion"):
        verify(parse_module(call_chain(3, recursive=True)))


# ---- locations -------------------------------------------------------------------------------------
def with_location(loc_text: str) -> str:
    return (
        '"builtin.module"() ({\n  "func.func"() ({\n  ^bb0(%x: tensor<f32>):\n'
        f'    %0 = "tfc.negate"(%x) : (tensor<f32>) -> tensor<f32> loc({loc_text})\n'
        '    "func.return"(%0) : (tensor<f32>) -> ()\n'
        '  }) {function_type = (tensor<f32>) -> tensor<f32>, sym_name = "main"} : () -> ()\n}) : () -> ()\n'
    )


def nested_names(n: int) -> str:
    return "".join(f'"n{i}"(' for i in range(n - 1)) + f'"n{n - 1}"("f.py":1:2' + ")" * n


def test_location_nesting_at_the_limit_round_trips():
    text = with_location(nested_names(MAX_LOCATION_DEPTH))
    module = parse_module(text)
    verify(module)
    assert print_module(parse_module(print_module(module))) == print_module(module)
    assert "'n63' (f.py:1:2)" in next(op for op in module.walk() if op.name == "tfc.negate").location.describe()


@pytest.mark.parametrize("names", [MAX_LOCATION_DEPTH + 1, 100_000])
def test_location_nested_too_deep_is_a_parse_error(names):
    with pytest.raises(ParseError, match=f"location nests more than {MAX_LOCATION_DEPTH} names"):
        parse_module(with_location(nested_names(names)))


def test_deep_location_built_in_python_prints_and_is_refused():
    location = FileLineColLoc("f.py", 1, 1)
    for i in range(5000):
        location = NameLoc(f"n{i}", location)
    with frame_budget(100):
        assert str(location).count("(") == 5001 and location.describe().startswith("'n4999' ('n4998'")
    module = parse_module(with_location("unknown"))
    next(op for op in module.walk() if op.name == "tfc.negate").location = location
    with pytest.raises(VerifyError, match=f"location nested 5000 names deep; tfc allows at most {MAX_LOCATION_DEPTH}"):
        verify(module)


# ---- attributes and types ------------------------------------------------------------------------
def with_attribute(attribute: str, arg_type: str = "tensor<f32>") -> str:
    return (
        '"builtin.module"() ({\n  "func.func"() ({\n'
        f'  ^bb0(%x: tensor<f32>, %unused: {arg_type}):\n'
        f'    %0 = "tfc.negate"(%x) {{_a = {attribute}}} : (tensor<f32>) -> tensor<f32>\n'
        '    "func.return"(%0) : (tensor<f32>) -> ()\n'
        f'  }}) {{function_type = (tensor<f32>, {arg_type}) -> tensor<f32>, sym_name = "main"}} : () -> ()\n}}) : () -> ()\n'
    )


def nested_function_type(n: int) -> str:
    text = "tensor<f32>"
    for _ in range(n):
        text = f"({text}) -> tensor<f32>"
    return text


@pytest.mark.parametrize("attribute", [
    "[" * MAX_ATTRIBUTE_DEPTH + "1" + "]" * MAX_ATTRIBUTE_DEPTH,
    "{a = " * MAX_ATTRIBUTE_DEPTH + "1" + "}" * MAX_ATTRIBUTE_DEPTH,
    nested_function_type(MAX_ATTRIBUTE_DEPTH),
])
def test_attributes_nested_to_the_limit_round_trip(attribute):
    module = parse_module(with_attribute(attribute))
    verify(module)
    assert print_module(parse_module(print_module(module))) == print_module(module)


@pytest.mark.parametrize("depth", [MAX_ATTRIBUTE_DEPTH + 1, 5000])
@pytest.mark.parametrize("make", [lambda n: "[" * n + "1" + "]" * n, lambda n: "{a = " * n + "1" + "}" * n, nested_function_type])
def test_attribute_nested_too_deep_is_a_parse_error_at_its_op(depth, make):
    text = with_attribute(make(depth))
    with pytest.raises(ParseError, match=f"attribute '_a' nests arrays, dictionaries or function types {depth} deep; tfc allows at most 64"):
        parse_module(text, "attr.ir")


def test_block_argument_type_nested_too_deep_is_a_parse_error_at_the_argument():
    text = with_attribute("1", nested_function_type(5000))
    with pytest.raises(ParseError, match="the type of '%unused' nests function types 5000 deep") as caught:
        parse_module(text)
    assert (caught.value.line, caught.value.col) == position(text, "%unused")


def test_deep_attribute_built_in_python_is_a_verify_error():
    module = parse_module(with_attribute("1"))
    deep = IntegerAttr(1)
    for _ in range(5000):
        deep = ArrayAttr((deep,))
    next(op for op in module.walk() if op.name == "tfc.negate").attributes["_a"] = deep
    with pytest.raises(VerifyError, match=f"has attribute '_a' nested 5000 deep; tfc allows at most {MAX_ATTRIBUTE_DEPTH}"):
        verify(module)


# ---- dense literals and ranks ----------------------------------------------------------------------
def test_dense_literal_of_the_highest_rank_round_trips():
    type_text = "tensor<" + "1x" * MAX_RANK + "f32>"
    module = parse_module(with_constant("[" * MAX_RANK + "2.5" + "]" * MAX_RANK, type_text))
    verify(module)
    [value] = load(module, backend="interp").call()
    assert value.shape == (1,) * MAX_RANK and value.item() == 2.5


def test_dense_literal_nested_deeper_than_any_rank_is_a_parse_error():
    text = with_constant("[" * 100_000 + "1.0" + "]" * 100_000, "tensor<1xf32>")
    with pytest.raises(ParseError, match=f"dense literal nests 100000 lists deep; tensor types have at most {MAX_RANK} dimensions"):
        parse_module(text)


@pytest.mark.parametrize("rank", [MAX_RANK + 1, 100_000])
def test_tensor_type_of_too_high_rank_is_a_parse_error(rank):
    type_text = "tensor<" + "1x" * rank + "f32>"
    with pytest.raises(ParseError, match=f"tensor type has rank {rank}; tfc allows at most {MAX_RANK} dimensions"):
        parse_module(with_constant("1.0", type_text))


def test_result_of_too_high_rank_built_in_python_is_a_verify_error():
    module = Module.create()
    function = module.add_function(Function.create("main", [F32], []))
    big = TensorType(DType.f32, (1,) * (MAX_RANK + 1))
    Builder(function.body).create("tfc.broadcast_in_dim", [function.args[0]], {"broadcast_dimensions": []}, [big])
    Builder(function.body).create("func.return", [])
    with pytest.raises(VerifyError, match=f"result #0 has rank {MAX_RANK + 1}; tfc allows at most {MAX_RANK}"):
        verify(module)
