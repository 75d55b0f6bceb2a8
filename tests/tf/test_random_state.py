"""Stateful random ops move on from run to run as TensorFlow's kernels do (frontend/tf/ops/random_state.py):
run k of a seeded op gives TensorFlow's run k numbers, a fresh session starts again from the first,
in GraphSession, ``tfc.compat.v1`` and ``tfc run --steps``. TensorFlow's values were recorded by
scripts/generate_random_state.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tensorboard.compat.proto import graph_pb2

import tfc.compat.v1 as tf
from tfc.diagnostics import VerifyError
from tfc.frontend.tf.importer import GraphImporter
from tfc.parser import parse_module
from tfc.runtime.graph_session import GraphSession
from tfc.runtime.step import build_step
from tfc.runtime.variable_store import VariableStore
from tfc.tools.cli import cli
from tfc.verifier import verify

DATA = Path(__file__).resolve().parent.parent / "data" / "random_state.npz"


def recorded() -> dict[str, dict[str, np.ndarray]]:
    cases: dict[str, dict[str, np.ndarray]] = {}
    with np.load(DATA) as data:
        for key in data.files:
            case, what = key.split("/")
            cases.setdefault(case, {})[what] = data[key]
    return cases


CASES = recorded()
IN_LOOP = CASES.pop("in_loop")


def graph_of(case: dict) -> graph_pb2.GraphDef:
    return graph_pb2.GraphDef.FromString(case["graph"].tobytes())


def runs(case: dict) -> list[np.ndarray]:
    return [case[key] for key in sorted(k for k in case if k.startswith("run"))]


def assert_tf_values(got, want):
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-6 if want.dtype == np.float32 else 1e-12, atol=1e-7)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("backend", ["interp", "xla"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_run_gives_tensorflows_numbers(name, backend):
    case = CASES[name]
    session = GraphSession(GraphImporter(graph_of(case)), backend=backend)
    for want in runs(case):
        assert_tf_values(session.run(["op:0"])[0], want)
    fresh = GraphSession(GraphImporter(graph_of(case)), backend=backend)
    assert_tf_values(fresh.run(["op:0"])[0], case["fresh_session_run1"])


def test_the_position_is_op_state_not_a_variable():
    """Kept in the store's op state: not listed with the variables, not for the user to initialize."""
    session = GraphSession(GraphImporter(graph_of(CASES["uniform_f32"])), backend="interp")
    session.run(["op:0"])
    assert dict(session.variables) == {}
    assert list(session.variables.state) == ["op:philox_position"]
    assert int(session.variables.state["op:philox_position"]) == 5 * 256  # TensorFlow's reservation: 256 blocks a value
    session.variables.clear()
    assert_tf_values(session.run(["op:0"])[0], CASES["uniform_f32"]["run1"])


def test_compat_v1_sessions_advance_and_start_afresh():
    case = CASES["uniform_f32"]  # RandomUniform(seed=7, seed2=3)
    tf.reset_default_graph()
    tf.set_random_seed(7)
    op = tf.random_uniform([5], seed=3)
    with tf.Session() as session:
        assert_tf_values(session.run(op), case["run1"])
        assert_tf_values(session.run(op), case["run2"])
    with tf.Session() as session:
        assert_tf_values(session.run(op), case["run1"])


def test_cli_run_steps_advance(tmp_path):
    """``--steps 2`` runs the op twice, so the fetch is its third run."""
    case = CASES["uniform_int32"]
    graph = tmp_path / "graph.pb"
    graph.write_bytes(graph_of(case).SerializeToString())
    out = tmp_path / "out.npz"
    result = CliRunner().invoke(cli, ["run", str(graph), "--target", "op", "--steps", "2", "--fetch", "op:0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with np.load(out) as values:
        assert_tf_values(values["op:0"], case["run3"])


def test_an_op_in_a_loop_body_repeats_its_first_numbers():
    """A documented limit: op state is not threaded through loop bodies (frontend/tf/ops/random_state.py),
    so such an op runs, but gives its first run's numbers at every iteration of every run."""
    session = GraphSession(GraphImporter(graph_of(IN_LOOP)), backend="interp")
    first, second = (session.run(["op:0"])[0] for _ in range(2))
    np.testing.assert_array_equal(first, second)
    assert session.variables.state == {}


# ---- the mechanism: a tfc.variable with an initial_value is op state -------------------------------
STATE_IR = """
"builtin.module"() ({
  "func.func"() ({
    %h = "tfc.variable"() {initial_value = dense<5> : tensor<ui64>, name = "n:state"} : () -> !tfc.resource<tensor<ui64>>
    %v = "tfc.read_variable"(%h) : (!tfc.resource<tensor<ui64>>) -> tensor<ui64>
    %one = "tfc.constant"() {value = dense<1> : tensor<ui64>} : () -> tensor<ui64>
    %n = "tfc.add"(%v, %one) : (tensor<ui64>, tensor<ui64>) -> tensor<ui64>
    "tfc.assign_variable"(%h, %n) : (!tfc.resource<tensor<ui64>>, tensor<ui64>) -> ()
    "func.return"(%v) : (tensor<ui64>) -> ()
  }) {function_type = () -> tensor<ui64>, sym_name = "main"} : () -> ()
}) : () -> ()
"""


def test_lifting_reports_the_initial_values_and_the_store_creates_the_state():
    module = parse_module(STATE_IR)
    store = VariableStore()
    step = build_step(module, store, backend="interp", device="cpu")
    assert [int(step.run([])[step.offset]) for _ in range(3)] == [5, 6, 7]
    assert dict(store) == {} and int(store.state["n:state"]) == 8


def test_an_initial_value_of_another_type_is_refused():
    with pytest.raises(VerifyError, match="initial_value of dtype int32 and shape \\[\\] does not match"):
        verify(parse_module(STATE_IR.replace("dense<5> : tensor<ui64>", "dense<5> : tensor<i32>")))
