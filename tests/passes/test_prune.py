"""The ``prune`` pass: outputs by index, targets by name, keep_stateful, dce equivalence, meaning
preserved (numpy interpreter), linear time, and TensorFlow-level pruning of corpus graphs."""

from __future__ import annotations

import gc
import json
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfc.backends.interp.interpreter import run as interp_run
from tfc.builder import Builder
from tfc.ir import Function, Module
from tfc.location import NameLoc
from tfc.parser import parse_module
from tfc.passes.prune import PruneError
from tfc.passmanager import PassFailedError, PassManager, count_ops, parse_pipeline
from tfc.printer import print_module
from tfc.registry import REGISTRY, OpDef, Trait
from tfc.types import DType, FunctionType, ResourceType, TensorType
from tfc.verifier import verify

F32 = TensorType(DType.f32, (3,))
ARGS = [np.array([0.5, -1.25, 2.0], np.float32), np.array([1.5, 0.25, -3.0], np.float32)]


def new_function(arg_types=(F32, F32), name: str = "main"):
    module = Module.create()
    names = [f"x{i}" for i in range(len(arg_types))]
    function = module.add_function(Function.create(name, list(arg_types), [], names))
    return module, function, Builder(function.body)


def finish(function: Function, builder: Builder, *results) -> None:
    builder.create("func.return", results)
    function.set_type(FunctionType(function.type.inputs, tuple(r.type for r in results)))


def run(pipeline: str, module: Module) -> Module:
    PassManager(pipeline, verify_each=True, allow_unregistered=True).run(module)
    text = print_module(module)
    assert print_module(parse_module(text)) == text
    return module


def op_names(module: Module) -> list[str]:
    return [op.name for op in module.walk()][1:]


def named(builder: Builder, name: str, op: str, *operands):
    return builder.create(op, operands, location=NameLoc(name)).result


@pytest.fixture
def temp_ops(monkeypatch):
    REGISTRY.get("tfc.add")

    def add(name, traits, operands=("x",), results=("result",)):
        opdef = OpDef(name, "test op", operands=operands, results=results, traits=frozenset(traits))
        monkeypatch.setitem(REGISTRY._ops, name, opdef)
        return opdef

    return add


# ---- outputs -------------------------------------------------------------------------------------
def three_results():
    module, function, b = new_function()
    x, y = function.args
    e = named(b, "e", "tfc.exp", x)
    s = named(b, "s", "tfc.add", x, y)
    m = named(b, "m", "tfc.multiply", s, e)
    finish(function, b, e, s, m)
    return module, function


@pytest.mark.parametrize(
    "outputs, kept, ops",
    [
        ("0", [0], ["tfc.exp"]),
        ("1", [1], ["tfc.add"]),
        ("2,0", [2, 0], ["tfc.exp", "tfc.add", "tfc.multiply"]),
        (" 1 , 0 ", [1, 0], ["tfc.exp", "tfc.add"]),
        ("none", [], []),
        ("", [0, 1, 2], ["tfc.exp", "tfc.add", "tfc.multiply"]),
    ],
)
def test_outputs_keep_the_named_results_in_order(outputs, kept, ops):
    module, function = three_results()
    before = interp_run(module, ARGS)
    pass_text = f"prune{{outputs={outputs}}}" if outputs else "prune"
    run(pass_text, module)
    assert [op.name for op in function.body.ops[:-1]] == ops
    assert len(function.type.results) == len(kept) == len(function.return_op.operands)
    after = interp_run(module, ARGS)
    for got, index in zip(after, kept):
        np.testing.assert_array_equal(got, before[index])


def test_option_values_from_python():
    from tfc.passes.prune import Prune

    module, function = three_results()
    PassManager([Prune(outputs="2")], verify_each=True).run(module)
    assert function.type.results == (F32,)
    assert parse_pipeline("prune{outputs=2,0,targets=a,b,keep_stateful=false,entry=f}") == [
        Prune(outputs="2,0", targets="a,b", keep_stateful=False, entry="f")
    ]


@pytest.mark.parametrize(
    "options, message",
    [
        ("outputs=3", "output 3 does not exist: @main returns 3 values"),
        ("outputs=1,1", "output 1 is named twice"),
        ("outputs=-1", "outputs are func.return operand indices (outputs=0,2), got '-1'"),
        ("outputs=%m", "got '%m'"),
        ("targets=e,q", "no op named 'q' in @main"),
        ("entry=f,outputs=0", "no function named 'f' to prune (functions: main)"),
        ("entry=f,keep_stateful=false", "no function named 'f'"),
    ],
)
def test_bad_options_are_errors(options, message):
    module, _ = three_results()
    text = print_module(module)
    with pytest.raises(PassFailedError) as info:
        run(f"prune{{{options}}}", module)
    assert isinstance(info.value.cause, PruneError)
    assert message in str(info.value)
    assert "[pass 'prune' failed; passes run before it: none]" in str(info.value)
    assert print_module(module) == text  # checked before anything changed


# ---- targets and side effects ----------------------------------------------------------------------
def stateful_module(temp_ops):
    """x -> effect(x) (stateful, unused), a target chain, and one output."""
    temp_ops("test.effect", {Trait.STATEFUL}, results=())
    temp_ops("test.source", {Trait.STATEFUL}, operands=())
    module, function, b = new_function()
    x, y = function.args
    src = b.create("test.source", [], result_types=[F32], location=NameLoc("source")).result
    b.create("test.effect", [src], location=NameLoc("effect"))
    t = named(b, "t_in", "tfc.tanh", y)
    b.create("test.effect", [t], location=NameLoc("train"))
    out = named(b, "out", "tfc.exp", x)
    finish(function, b, out)
    return module, function


def names_of(function: Function) -> list[str]:
    return [op.location.name for op in function.body.ops[:-1]]


def test_stateful_ops_are_roots_by_default(temp_ops):
    module, function = stateful_module(temp_ops)
    run("prune", module)
    assert names_of(function) == ["source", "effect", "t_in", "train", "out"]


def test_keep_stateful_false_keeps_only_outputs_and_targets(temp_ops):
    module, function = stateful_module(temp_ops)
    run("prune{keep_stateful=false}", module)
    assert names_of(function) == ["out"]
    module, function = stateful_module(temp_ops)
    run("prune{keep_stateful=false,targets=train}", module)
    assert names_of(function) == ["t_in", "train", "out"]
    module, function = stateful_module(temp_ops)
    run("prune{keep_stateful=false,targets=effect,outputs=none}", module)
    assert names_of(function) == ["source", "effect"]


def test_unregistered_ops_stay_even_without_stateful_roots():
    from tfc.ir import Operation

    module, function, b = new_function()
    x = function.args[0]
    function.body.append(Operation("test.unknown", [x], [F32]))
    finish(function, b, x)
    run("prune{keep_stateful=false}", module)
    assert op_names(module) == ["func.func", "test.unknown", "func.return"]


def test_every_op_with_a_target_name_is_kept(temp_ops):
    module, function, b = new_function()
    x = function.args[0]
    named(b, "same", "tfc.exp", x)
    named(b, "same", "tfc.negate", x)
    named(b, "other", "tfc.sine", x)
    finish(function, b, x)
    run("prune{targets=same}", module)
    assert [op.name for op in function.body.ops] == ["tfc.exp", "tfc.negate", "func.return"]


def test_other_functions_are_pruned_like_dce():
    module, function, b = new_function()
    finish(function, b, function.args[0])
    helper = module.add_function(Function.create("helper", [F32], [], ["a"]))
    hb = Builder(helper.body)
    hb.value("tfc.exp", helper.args[0])
    finish(helper, hb, helper.args[0])
    run("prune{outputs=none,keep_stateful=false}", module)
    assert op_names(module) == ["func.func", "func.return", "func.func", "func.return"]
    assert function.type.results == () and helper.type.results == (F32,)


# ---- prune is dce without options; meaning is preserved ---------------------------------------------
UNARY = ["tfc.exp", "tfc.negate", "tfc.tanh", "tfc.abs"]
BINARY = ["tfc.add", "tfc.multiply", "tfc.subtract", "tfc.maximum"]


@st.composite
def programs(draw):
    module, function, b = new_function()
    values = list(function.args)
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.booleans()):
            values.append(b.value(draw(st.sampled_from(UNARY)), draw(st.sampled_from(values))))
        else:
            values.append(b.value(draw(st.sampled_from(BINARY)), draw(st.sampled_from(values)), draw(st.sampled_from(values))))
    finish(function, b, *draw(st.lists(st.sampled_from(values), min_size=1, max_size=4)))
    return module


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_prune_without_options_is_dce(module):
    text = print_module(module)
    pruned = run("prune", parse_module(text))
    dced = run("dce", parse_module(text))
    assert print_module(pruned) == print_module(dced)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data())
def test_pruned_outputs_compute_what_they_did(module, data):
    count = len(module.functions[0].return_op.operands)
    chosen = data.draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count))
    before = interp_run(module, ARGS)
    ops_before = count_ops(module)
    outputs = ",".join(map(str, chosen)) or "none"
    run(f"prune{{outputs={outputs},keep_stateful=false}}", module)
    verify(module)
    assert count_ops(module) <= ops_before
    after = interp_run(module, ARGS)
    assert len(after) == len(chosen)
    for got, index in zip(after, chosen):
        np.testing.assert_array_equal(got, before[index])
    once = print_module(module)
    run("prune", module)  # nothing left to remove
    assert print_module(module) == once


# ---- linear time -----------------------------------------------------------------------------------
def long_graph(size: int) -> Module:
    """A chain of ``size`` ops where every other op also feeds a dead branch."""
    module, function, b = new_function()
    x, y = function.args
    value = x
    for _ in range(size // 2):
        value = b.value("tfc.add", value, y)
        b.value("tfc.negate", value)
    finish(function, b, value, x)
    return module


def best_time(size: int, pipeline: str) -> float:
    """The best of 3 runs' CPU time of this process (other processes on a shared machine do not
    count), with the garbage collector off (its pauses are not the pass's complexity)."""
    times = []
    for _ in range(3):
        module = long_graph(size)
        gc.disable()
        try:
            start = time.process_time()
            PassManager(pipeline).run(module)
            times.append(time.process_time() - start)
        finally:
            gc.enable()
    return min(times)


def test_prune_is_linear():
    small = best_time(5_000, "prune{outputs=0,keep_stateful=false}")
    large = best_time(50_000, "prune{outputs=0,keep_stateful=false}")
    assert large / max(small, 1e-4) < 40  # 10x the ops: about 10x the time; quadratic would be 100x (loose: shared machines)


# ---- TensorFlow graphs -----------------------------------------------------------------------------
def import_case(name: str, fetches=None, targets=()):
    """(corpus case, ImportResult) of the case's fetches and targets (or those given)."""
    from tests.tf.corpus import CORPUS, Case
    from tfc.frontend.tf.importer import GraphImporter

    path = CORPUS / name
    assert (path / "case.json").exists(), f"corpus case {name} not found under {CORPUS}"
    case = Case(name, path, json.loads((path / "case.json").read_text()))

    feeds = {k: TensorType(DType.from_numpy(v.dtype), v.shape) for k, v in case.feeds().items()}
    fetches = case.info["fetches"] if fetches is None else fetches
    return case, GraphImporter.from_file(case.graph).import_graph(fetches, list(targets) or case.info["targets"], feeds)


def tf_ops(module: Module) -> list[str]:
    return [op.name for op in module.walk() if op.name.startswith("tf.")]


def test_training_graph_prunes_like_session_run():
    _, imported = import_case("linreg_sgd_train")
    module = imported.module
    text = print_module(module)
    loss = imported.fetches.index("loss:0")

    only_loss = run(f"prune{{outputs={loss},keep_stateful=false}}", parse_module(text))
    assert "tf.ApplyGradientDescent" not in tf_ops(only_loss)
    assert only_loss.functions[0].type.results == (TensorType(DType.f32, ()),)

    only_train = run("prune{outputs=none,targets=train_step,keep_stateful=false}", parse_module(text))
    names = tf_ops(only_train)
    assert names.count("tf.ApplyGradientDescent") == 2 and "tf.Mean" not in names  # the loss value is not needed
    assert only_train.functions[0].type.results == ()

    default = run("prune", parse_module(text))
    assert tf_ops(default).count("tf.ApplyGradientDescent") == 2
    assert len(tf_ops(only_loss)) < len(tf_ops(default))


def test_pruned_corpus_graph_still_computes_the_fetch():
    case, imported = import_case("mlp_dense")
    module = imported.module
    index = imported.fetches.index("Identity_1:0")
    ops_before = count_ops(module)
    run(f"prune{{outputs={index}}}", module)
    assert count_ops(module) < ops_before  # the logits' Identity goes
    run("legalize-tf", module)
    feeds = case.feeds()
    (got,) = interp_run(module, [feeds[name] for name in imported.feeds])
    want = case.expected()["Identity_1:0"]
    np.testing.assert_allclose(got, want, rtol=case.info["rtol"], atol=case.info["atol"])


def test_resource_results_can_be_dropped():
    module, function, b = new_function((F32, ResourceType(F32)))
    finish(function, b, function.args[1], function.args[0])
    run("prune{outputs=1}", module)
    assert function.type.results == (F32,)
