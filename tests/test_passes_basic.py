"""The pass manager (pipelines, options, verify-each, IR dumps, stats) and the cse/dce passes.

Passes decide from registry traits, so the tests register throwaway ops (stateful, impure, pure with
regions) for the duration of one test, and check the passes with the numpy interpreter: the
optimized module must compute what the original did.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfc import passmanager
from tfc.builder import Builder
from tfc.diagnostics import TfcError
from tfc.ir import Block, Function, Module, Operation, Region
from tfc.parser import parse_module
from tfc.passmanager import Pass, PassManager, PassVerifyError, PipelineError, count_ops, parse_pipeline, register_pass
from tfc.printer import print_module
from tfc.registry import REGISTRY, OpDef, Trait
from tfc.types import DType, FunctionType, TensorType
from tfc.verifier import verify

F32 = TensorType(DType.f32, (3,))


# ---- helpers -----------------------------------------------------------------------------------------
def new_function(arg_count: int = 2, name: str = "main"):
    """A module with one function of ``arg_count`` f32[3] arguments; returns (module, function, builder)."""
    module = Module.create()
    function = module.add_function(Function.create(name, [F32] * arg_count, [], [f"x{i}" for i in range(arg_count)]))
    return module, function, Builder(function.body)


def finish(function: Function, builder: Builder, *results) -> None:
    builder.create("func.return", results)
    function.set_type(FunctionType(function.type.inputs, tuple(r.type for r in results)))


def op_names(module: Module) -> list[str]:
    return [op.name for op in module.walk()][1:]


def run(pipeline: str, module: Module, **kwargs) -> Module:
    PassManager(pipeline, verify_each=True, allow_unregistered=True, **kwargs).run(module)
    return module


@pytest.fixture
def temp_ops(monkeypatch):
    """Register ops for one test only: ``temp_ops(name, traits, operands, regions)``."""
    REGISTRY.get("tfc.add")  # load the real ops first

    def add(name, traits, operands=("x",), regions=0, results=("result",)):
        opdef = OpDef(name, "test op", operands=operands, results=results, traits=frozenset(traits), regions=regions)
        monkeypatch.setitem(REGISTRY._ops, name, opdef)
        return opdef

    return add


@pytest.fixture
def temp_pass(monkeypatch):
    """Register a pass class for one test only."""

    def add(cls):
        monkeypatch.setitem(passmanager._PASSES, cls.name, cls)
        return cls

    passmanager.available_passes()
    return add


# ---- pipelines -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OptionsPass(Pass):
    """Does nothing; has one option of each kind."""

    name = "test-options"
    limit: int = 4
    ratio: float = 0.5
    verbose: bool = False
    mode: str = "fast"

    def run(self, module):
        pass


def test_builtin_passes_are_registered():
    assert {"cse", "dce"} <= set(passmanager.available_passes())


def test_pipeline_parses_names_and_typed_options(temp_pass):
    temp_pass(OptionsPass)
    passes = parse_pipeline(" cse , test-options{limit=0x10, ratio=2.5e-1,verbose=true, mode=slow} ,dce,test-options{}")
    assert [p.name for p in passes] == ["cse", "test-options", "dce", "test-options"]
    assert passes[1] == OptionsPass(limit=16, ratio=0.25, verbose=True, mode="slow")
    assert passes[3] == OptionsPass()
    assert parse_pipeline("") == []


@pytest.mark.parametrize(
    "text, message",
    [
        ("cse,frob", "unknown pass 'frob' (available: "),
        ("test-options{speed=1}", "pass 'test-options' has no option 'speed' (options: limit, ratio, verbose, mode)"),
        ("test-options{limit=many}", "option 'limit' of pass 'test-options' expects int, got 'many'"),
        ("test-options{verbose=maybe}", "option 'verbose' of pass 'test-options' expects bool, got 'maybe'"),
        ("test-options{ratio=x}", "option 'ratio' of pass 'test-options' expects float, got 'x'"),
        ("test-options{limit}", "option 'limit' of pass 'test-options' needs a value"),
        ("cse,", "pipeline ends with ','"),
        ("cse dce", "expected ',' between passes"),
        ("cse{", "unclosed '{' at '{'"),
        ("cse{a=1", "unclosed '{' at '{a=1'"),
        ("{x=1}", "cannot parse"),
    ],
)
def test_pipeline_errors_name_the_problem(temp_pass, text, message):
    temp_pass(OptionsPass)
    with pytest.raises(PipelineError) as info:
        parse_pipeline(text)
    assert message in str(info.value)
    assert isinstance(info.value, TfcError)


def test_register_pass_rejects_nameless_and_clashing_passes(monkeypatch):
    monkeypatch.setattr(passmanager, "_PASSES", dict(passmanager.available_passes()))
    with pytest.raises(ValueError, match="has no name"):
        register_pass(type("Nameless", (Pass,), {}))
    with pytest.raises(ValueError, match="registered twice"):
        register_pass(type("Impostor", (Pass,), {"name": "cse"}))
    assert register_pass(OptionsPass) is OptionsPass
    assert passmanager.get_pass("test-options") is OptionsPass


def test_passes_are_frozen_dataclasses_with_docstrings():
    for name, cls in passmanager.available_passes().items():
        instance = cls()
        assert instance.name == name
        assert cls.__dataclass_params__.frozen
        doc = __import__(cls.__module__, fromlist=["_"]).__doc__
        assert "Before" in doc and "After" in doc, f"pass {name} needs a before/after docstring"


# ---- the pass manager ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BreakingPass(Pass):
    """Moves the return to the front of the body, so values are used before they are defined."""

    name = "test-break"

    def run(self, module):
        body = module.functions[0].body
        body.ops.insert(0, body.ops.pop())


def sample_module() -> Module:
    module, function, b = new_function()
    x, y = function.args
    s = b.value("tfc.add", x, y)
    t = b.value("tfc.add", y, x)
    finish(function, b, b.value("tfc.multiply", s, t))
    return module


def test_verify_each_names_the_failing_pass_and_those_before(temp_pass):
    temp_pass(BreakingPass)
    with pytest.raises(PassVerifyError) as info:
        PassManager("cse,dce,test-break,cse", verify_each=True).run(sample_module())
    err = info.value
    assert err.pass_name == "test-break" and err.ran_before == ("cse", "dce")
    assert "IR invalid after pass 'test-break'; passes run before it: cse, dce" in str(err)
    assert "used before it is defined" in str(err)


def test_without_verify_each_a_broken_pass_goes_unnoticed(temp_pass):
    temp_pass(BreakingPass)
    PassManager("test-break", verify_each=False).run(sample_module())


def test_print_ir_after_all_and_stats():
    out = io.StringIO()
    module = sample_module()
    PassManager("cse,dce", print_ir_after_all=True, stats=True, out=out).run(module)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("cse: ops 3 -> 2, ") and lines[0].endswith(" ms")
    assert lines[1] == "// -----// IR after cse //----- //"
    assert lines[2] == '"builtin.module"() ({'
    dce_stats = [line for line in lines if line.startswith("dce: ")]
    assert dce_stats and dce_stats[0].startswith("dce: ops 2 -> 2, ")
    assert "// -----// IR after dce //----- //" in lines
    assert out.getvalue().endswith(print_module(module))


def test_pass_objects_instead_of_text():
    module = sample_module()
    PassManager([passmanager.get_pass("cse")()]).run(module)
    assert op_names(module).count("tfc.add") == 1


# ---- dce -----------------------------------------------------------------------------------------
def test_dce_removes_dead_chains_and_keeps_live_ops():
    module, function, b = new_function()
    x, y = function.args
    live = b.value("tfc.exp", x)
    dead = b.value("tfc.add", x, y)
    for _ in range(5):
        dead = b.value("tfc.multiply", dead, live)
    b.value("tfc.constant", value=np.ones(3, np.float32))
    finish(function, b, live)
    run("dce", module)
    assert op_names(module) == ["func.func", "tfc.exp", "func.return"]


def test_dce_keeps_stateful_impure_unregistered_and_terminators(temp_ops):
    temp_ops("test.stateful", {Trait.STATEFUL})
    temp_ops("test.pure_and_stateful", {Trait.PURE, Trait.STATEFUL})
    temp_ops("test.impure", set())
    module, function, b = new_function()
    x = function.args[0]
    for name in ("test.stateful", "test.pure_and_stateful", "test.impure"):
        b.create(name, [x], result_types=[F32])
    function.body.append(Operation("test.unregistered", [x], [F32]))
    finish(function, b)
    run("dce", module)
    assert op_names(module) == ["func.func", "test.stateful", "test.pure_and_stateful", "test.impure", "test.unregistered", "func.return"]


def test_dce_inside_regions_and_pure_region_ops(temp_ops):
    temp_ops("test.pure_region", {Trait.PURE}, operands=(), regions=1)
    temp_ops("test.yield", {Trait.TERMINATOR}, operands=("values*",), results=())
    temp_ops("test.effect", {Trait.STATEFUL}, results=())
    module, function, b = new_function()
    x = function.args[0]

    def region_op(with_effect: bool) -> Operation:
        block = Block()
        inner = Builder(block)
        value = inner.value("tfc.exp", x)
        inner.value("tfc.negate", x)  # dead in any case
        if with_effect:
            inner.create("test.effect", [value])
        inner.create("test.yield", [value])
        return b.create("test.pure_region", regions=[Region([block])], result_types=[F32])

    used = region_op(False)
    region_op(False)  # unused, side-effect free inside: removed whole
    region_op(True)  # unused, but has an effect inside: stays
    finish(function, b, used.result)
    run("dce", module)
    names = op_names(module)
    assert names.count("test.pure_region") == 2
    assert names.count("tfc.negate") == 0
    assert names.count("test.effect") == 1


def test_dce_on_a_long_chain_is_fast():
    module, function, b = new_function(1)
    value = function.args[0]
    for _ in range(20000):
        value = b.value("tfc.negate", value)
    finish(function, b, function.args[0])
    start = time.perf_counter()
    run("dce", module)
    assert time.perf_counter() - start < 5
    assert op_names(module) == ["func.func", "func.return"]


# ---- cse -----------------------------------------------------------------------------------------
def test_cse_merges_commutative_ops_only_when_commutative():
    module, function, b = new_function()
    x, y = function.args
    results = [b.value("tfc.add", x, y), b.value("tfc.add", y, x), b.value("tfc.subtract", x, y), b.value("tfc.subtract", y, x)]
    finish(function, b, *results)
    run("cse", module)
    returned = function.return_op.operands
    assert returned[0] is returned[1] and returned[2] is not returned[3]
    assert op_names(module).count("tfc.add") == 1


def test_cse_never_merges_stateful_impure_or_region_ops(temp_ops):
    temp_ops("test.stateful", {Trait.PURE, Trait.STATEFUL})
    temp_ops("test.impure", set())
    temp_ops("test.region", {Trait.PURE}, operands=(), regions=1)
    temp_ops("test.yield", {Trait.TERMINATOR}, operands=("values*",), results=())
    module, function, b = new_function()
    x = function.args[0]
    made = []
    for name in ("test.stateful", "test.impure"):
        made += [b.create(name, [x], result_types=[F32]).result for _ in range(2)]
    for _ in range(2):
        block = Block()
        Builder(block).create("test.yield", [x])
        made.append(b.create("test.region", regions=[Region([block])], result_types=[F32]).result)
    finish(function, b, *made)
    run("cse", module)
    assert len(set(map(id, function.return_op.operands))) == 6


def test_cse_handles_nan_constants_and_multi_results(temp_ops):
    temp_ops("test.pair", {Trait.PURE}, results=("a", "b"))
    module, function, b = new_function()
    x = function.args[0]
    nan = np.full(3, np.nan, np.float32)
    c1, c2 = b.value("tfc.constant", value=nan), b.value("tfc.constant", value=nan.copy())
    p1 = b.create("test.pair", [x], result_types=[F32, F32])
    p2 = b.create("test.pair", [x], result_types=[F32, F32])
    finish(function, b, c1, c2, p1.results[1], p2.results[1], p2.results[0])
    run("cse", module)
    r = function.return_op.operands
    assert r[0] is r[1] and r[2] is r[3] and r[4] is p1.results[0]


def test_cse_linear_on_many_distinct_and_duplicate_ops():
    module, function, b = new_function()
    x, y = function.args
    values = [x, y]
    for i in range(6000):
        values.append(b.value("tfc.add", values[-1], values[-2]) if i % 2 else b.value("tfc.add", values[-2], values[-1]))
    finish(function, b, values[-1])
    start = time.perf_counter()
    run("cse,dce", module)
    assert time.perf_counter() - start < 5
    # add(a, b) and add(b, a) on the same pair merge, so the chain keeps its structure but no duplicates
    adds = [op for op in module.walk() if op.name == "tfc.add"]
    assert len({tuple(sorted(map(id, op.operands))) for op in adds}) == len(adds)


# ---- passes preserve meaning (checked with the numpy interpreter) ---------------------------------
UNARY = ["tfc.exp", "tfc.negate", "tfc.tanh", "tfc.abs", "tfc.sine"]
BINARY = ["tfc.add", "tfc.multiply", "tfc.subtract", "tfc.maximum", "tfc.minimum", "tfc.divide"]


@st.composite
def redundant_programs(draw):
    """Random programs over two arguments drawing from a small pool, so duplicates and dead ops abound."""
    module, function, b = new_function()
    values = list(function.args)
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.booleans()):
            values.append(b.value(draw(st.sampled_from(UNARY)), draw(st.sampled_from(values))))
        else:
            lhs, rhs = draw(st.sampled_from(values)), draw(st.sampled_from(values))
            values.append(b.value(draw(st.sampled_from(BINARY)), lhs, rhs))
    returned = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))
    finish(function, b, *returned)
    return module


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(redundant_programs(), st.sampled_from(["cse", "dce", "cse,dce", "dce,cse,dce"]))
def test_passes_preserve_results(module, pipeline):
    from tfc.backends.interp.interpreter import run as interp_run

    args = [np.array([0.5, -1.25, 2.0], np.float32), np.array([1.5, 0.25, -3.0], np.float32)]
    before = interp_run(module, args)
    count = count_ops(module)
    text = print_module(module)
    run(pipeline, module)
    verify(module)
    assert count_ops(module) <= count
    after = interp_run(module, args)
    for want, got in zip(before, after):
        np.testing.assert_array_equal(want, got)
    # idempotent: a second run changes nothing, and the text still round-trips
    once = print_module(module)
    run(pipeline, module)
    assert print_module(module) == once
    assert print_module(parse_module(once)) == once
    assert text  # the original printed fine too
