"""The multi-device executor: partitioned programs give the one-device results (XLA on the suite's
four host devices, and the interpreter), cut into segments at receives, with transfers counted;
random placements of random programs agree with the unpartitioned program; a deadlock is an error.
The suite runs with TFC_CPU_DEVICES=4 (tests/conftest.py)."""

import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tfc
from tfc.attributes import StringAttr
from tfc.backends import load
from tfc.backends.segments import cut, partitions_of
from tfc.builder import Builder
from tfc.device_spec import DEVICE_ATTR
from tfc.diagnostics import BackendError
from tfc.ir import Function, Module
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.types import DType, TensorType
from tfc.verifier import verify

F32x4 = TensorType(DType.f32, (4,))
UNARY = ("tfc.exp", "tfc.tanh", "tfc.negate", "tfc.sine")
BINARY = ("tfc.add", "tfc.multiply", "tfc.subtract", "tfc.maximum")
DEVICES = ("cpu:0", "cpu:1", "cpu:2", "cpu:3", "host", None)


def random_program(choices) -> Module:
    """A DAG of elementwise ops on two arguments; each choice is (op index, operand picks, device)."""
    module = Module.create()
    function = Function.create("main", [F32x4, F32x4], [], ["x", "y"])
    module.add_function(function)
    builder = Builder(function.body)
    values = list(function.args)
    for kind, a, b, device in choices:
        name = (UNARY + BINARY)[kind % (len(UNARY) + len(BINARY))]
        operands = [values[a % len(values)]] + ([values[b % len(values)]] if name in BINARY else [])
        op = builder.create(name, operands)
        if device is not None:
            op.attributes[DEVICE_ATTR] = StringAttr(device)
        values.append(op.result)
    outputs = values[-3:]
    builder.create("func.return", outputs, {}, [])
    function.set_type(tfc.types.FunctionType((F32x4, F32x4), tuple(v.type for v in outputs)))
    return module


def partitioned(module: Module, devices: str = "4") -> Module:
    PassManager(f"place{{devices={devices}}},partition,schedule", verify_each=True).run(module)
    return module


INPUTS = [np.linspace(-1, 1, 4, dtype=np.float32), np.linspace(0.5, 2, 4, dtype=np.float32)]


@settings(deadline=None, max_examples=40)  # each example compiles a few XLA executables
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 20), st.integers(0, 20), st.sampled_from(DEVICES)),
                min_size=1, max_size=12))
def test_random_placements_compute_what_one_device_does(choices):
    expected = load(random_program(choices), backend="interp").call(*INPUTS)
    module = partitioned(random_program(choices))
    assert parse_module(print_module(module)) is not None  # the partitioned program parses back
    for backend in ("interp", "xla"):
        got = load(module, backend=backend).call(*INPUTS)
        for want, have in zip(expected, got):
            np.testing.assert_allclose(np.asarray(have), want, rtol=1e-6)


def test_a_zigzag_is_cut_at_its_receives_and_transfers_are_counted():
    module = random_program([(0, 0, 0, "cpu:0"), (1, 2, 0, "cpu:1"), (4, 3, 2, "cpu:0"), (5, 4, 0, "cpu:2")])
    loaded = load(partitioned(module))
    segments = loaded.executor.segments
    assert [(s.device, s.level) for s in segments] == [("cpu:0", 0), ("cpu:1", 1), ("cpu:0", 2), ("cpu:2", 3)]
    loaded.call(*INPUTS)
    stats = loaded.executor.stats
    assert (stats.calls, stats.transfers, stats.transfer_bytes) == (1, 3, 3 * 16)
    assert stats.lines()[-1] == "transfers: 3, 48 bytes"


def test_profiled_runs_time_each_device():
    loaded = load(partitioned(random_program([(0, 0, 0, "cpu:0"), (1, 2, 0, "cpu:1")])))
    loaded.executor.profile = True
    loaded.call(*INPUTS)
    lines = loaded.executor.stats.lines()
    assert lines[0].startswith("cpu:0: ops ") and lines[1].startswith("cpu:1: ops 1, time ")
    assert loaded.executor.stats.seconds["cpu:1"] > 0


def test_results_live_on_the_device_that_made_them():
    loaded = load(partitioned(random_program([(0, 0, 0, "cpu:0"), (1, 2, 0, "cpu:1"), (2, 3, 0, "cpu:3")])))
    results = loaded.call(*INPUTS)
    assert [str(next(iter(r.devices()))) for r in results] == ["cpu:0", "cpu:1", "cpu:3"]


def test_a_receive_before_its_own_send_is_a_deadlock():
    text = """
"builtin.module"() ({
  "func.func"() ({
    %a = "tfc.recv"() {key = "b->cpu:0", from = "cpu:1"} : () -> tensor<4xf32> loc("a.py":1:1)
    "tfc.send"(%a) {key = "a->cpu:1", to = "cpu:1"} : (tensor<4xf32>) -> ()
    "func.return"() : () -> ()
  }) {function_type = () -> (), sym_name = "main.cpu0", tfc.arguments = array<i64>, tfc.device = "cpu:0", tfc.partition_of = "main",
      tfc.program_type = () -> tensor<4xf32>, tfc.results = array<i64>} : () -> ()
  "func.func"() ({
    %b = "tfc.recv"() {key = "a->cpu:1", from = "cpu:0"} : () -> tensor<4xf32>
    "tfc.send"(%b) {key = "b->cpu:0", to = "cpu:0"} : (tensor<4xf32>) -> ()
    "func.return"(%b) : (tensor<4xf32>) -> ()
  }) {function_type = () -> tensor<4xf32>, sym_name = "main.cpu1", tfc.arguments = array<i64>, tfc.device = "cpu:1", tfc.partition_of = "main",
      tfc.program_type = () -> tensor<4xf32>, tfc.results = array<i64: 0>} : () -> ()
}) : () -> ()
"""
    module = parse_module(text)
    verify(module)
    with pytest.raises(BackendError, match=r"a.py:1:1: error: 'tfc.recv' in @main.cpu0 waits for key 'b->cpu:0', which no send can "
                                           r"provide before it: the partitions would deadlock"):
        cut(partitions_of(module))


def test_soft_placement_warns_on_the_tfc_logger(caplog):
    module = random_program([(0, 0, 0, "cpu:9")])
    with caplog.at_level(logging.WARNING, logger="tfc"):
        PassManager("place{devices=2,allow_soft_placement=true}").run(module)
    assert "asks for device 'cpu:9', which does not exist (devices: cpu:0, cpu:1, host); placing it by policy" in caplog.text
    assert module.function("main").body.ops[0].attr(DEVICE_ATTR) == "cpu:0"


def test_the_device_placement_corpus_case_runs_with_tensorflows_numbers():
    from tfc.runtime.graph_session import GraphSession

    case = "tests/data/corpus/device_placement"
    expected = np.load(f"{case}/expected.npz")
    x = np.load(f"{case}/inputs.npz")["x"]
    for backend in ("xla", "interp"):
        session = GraphSession.from_file(f"{case}/graph.pb", backend=backend)
        out, unplaced, h1 = session.run(["out:0", "out_unplaced:0", "h1:0"], {"x:0": x})
        for name, value in (("out__0", out), ("out_unplaced__0", unplaced), ("h1__0", h1)):
            np.testing.assert_allclose(np.asarray(value), expected[name], rtol=1e-5, atol=1e-6)
        [stats] = session.device_stats()
        assert sorted(stats.ops) == ["cpu:0", "cpu:1"] and stats.transfers == 2


def test_a_missing_device_is_an_error_naming_the_node_and_soft_placement_runs_it():
    from tfc.runtime.graph_session import GraphSession

    graph = tfc.Graph()
    with graph.as_default():
        x = tfc.placeholder(tfc.float32, [2], name="x")
        with tfc.device("/device:CPU:6"):
            y = tfc.exp(x, name="far")
    def_ = graph.as_graph_def()
    from tfc.frontend.tf.importer import GraphImporter

    with pytest.raises(tfc.TfcError, match=r"'far': error: 'tfc.exp' op asks for device 'cpu:6', which does not exist "
                                           r"\(devices: cpu:0, cpu:1, cpu:2, cpu:3, host\)"):
        GraphSession(GraphImporter(def_)).run([y.name], {"x:0": np.ones(2, np.float32)})
    soft = GraphSession(GraphImporter(def_), allow_soft_placement=True)
    np.testing.assert_allclose(soft.run([y.name], {"x:0": np.ones(2, np.float32)})[0], np.exp(np.ones(2)), rtol=1e-6)


def test_identical_partitions_compile_once(monkeypatch):
    from tfc.backends.xla import backend, jaxlib_adapter

    compiles = []
    real = jaxlib_adapter.compile
    monkeypatch.setattr(jaxlib_adapter, "compile", lambda *a, **k: compiles.append(1) or real(*a, **k))
    backend.clear_cache()

    @tfc.compile
    def towers(x, ws):
        outs = []
        for i, w in enumerate(ws):
            with tfc.device(f"cpu:{i}"):
                outs.append(tfc.sum(tfc.tanh(x @ w)))  # the same program on four devices
        return outs

    x = np.ones((4, 4), np.float32)
    ws = [np.eye(4, dtype=np.float32) * (i + 1) for i in range(4)]
    results = towers(x, ws)
    np.testing.assert_allclose(results, [np.tanh(x @ w).sum() for w in ws], rtol=1e-6)
    assert len(compiles) == 1  # compiled for cpu:0, loaded onto the others


def test_an_op_xla_cannot_compile_goes_to_the_host_and_transfers_like_any_other():
    from tfc.registry import OpDef, lookup, register

    if lookup("testhost.cumulative_max") is None:  # numpy-only: no lowering, so only the host can run it
        register(OpDef("testhost.cumulative_max", "numpy's maximum.accumulate (a test op with no XLA lowering).",
                       operands=("x",), infer=lambda ctx, x: x,
                       reference=lambda ctx, x: np.maximum.accumulate(x)))
    module = random_program([(0, 0, 0, "cpu:1")])  # exp(x) on cpu:1
    function = module.function("main")
    builder = Builder(function.body, index=len(function.body.ops) - 1)
    peak = builder.create("testhost.cumulative_max", [function.body.ops[0].result])
    after = builder.create("tfc.tanh", [peak.result])
    after.attributes[DEVICE_ATTR] = StringAttr("cpu:2")
    function.return_op.set_operands([after.result])
    function.set_type(tfc.types.FunctionType((F32x4, F32x4), (F32x4,)))
    partitioned(module)
    assert peak.name in print_module(module) and 'sym_name = "main.host"' in print_module(module)
    loaded = load(module)
    assert [s.device for s in loaded.executor.segments] == ["cpu:1", "host", "cpu:2"]
    [got] = loaded.call(*INPUTS)
    np.testing.assert_allclose(np.asarray(got), np.tanh(np.maximum.accumulate(np.exp(INPUTS[0]))), rtol=1e-6)
    assert loaded.executor.stats.transfers == 2


def test_tfc_run_stats_prints_each_devices_ops_and_time_and_the_transfers(tmp_path):
    from click.testing import CliRunner

    from tfc.tools.cli import cli

    case = "tests/data/corpus/device_placement"
    inputs = tmp_path / "in.npz"
    np.savez(inputs, **{"x:0": np.load(f"{case}/inputs.npz")["x"]})
    result = CliRunner().invoke(cli, ["run", f"{case}/graph.pb", "--inputs", str(inputs), "--fetch", "out:0", "--stats"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert [line.split(", time ")[0] for line in lines[:2]] == ["cpu:0: ops 14", "cpu:1: ops 3"]
    assert all(line.endswith(" ms") for line in lines[:2]) and lines[2] == "transfers: 2, 640 bytes"
