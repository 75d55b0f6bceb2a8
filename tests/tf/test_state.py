"""Variables and optimizer updates in imported graphs: TF1 ref variables and TF2 resource variables,
run step by step through GraphSession and compared with numpy."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession, SessionError

from .graphs import GraphBuilder, attr_value, shape_proto


def variable(g: GraphBuilder, name: str, init: np.ndarray, resource: bool = False) -> tuple[str, str]:
    """A variable with an initializer; returns (variable node, its Assign node)."""
    kind = "VarHandleOp" if resource else "VariableV2"
    node = g.graph.node.add(name=name, op=kind)
    node.attr["dtype"].CopyFrom(attr_value(init.dtype.type))
    node.attr["shape"].shape.CopyFrom(shape_proto(init.shape))
    value = g.const(init, name=f"{name}/initial_value")
    if resource:
        assign = g.op("AssignVariableOp", [name, value], name=f"{name}/Assign", dtype=init.dtype.type)
    else:
        assign = g.op("Assign", [name, value], name=f"{name}/Assign", T=init.dtype.type)
    return name, assign


def session(g) -> GraphSession:
    return GraphSession(GraphImporter(g.graph))


def test_momentum_and_nesterov_steps_match_numpy():
    for nesterov in (False, True):
        g = GraphBuilder()
        w, w_init = variable(g, "w", np.array([1.0, -2.0], np.float32))
        acc, acc_init = variable(g, "acc", np.zeros(2, np.float32))
        grad = g.placeholder("grad", np.float32, [2])
        lr, mom = g.const(np.float32(0.1)), g.const(np.float32(0.9))
        g.op("ApplyMomentum", [w, acc, lr, grad, mom], name="step", T=np.float32, use_nesterov=nesterov)
        g.op("NoOp", [f"^{w_init}", f"^{acc_init}"], name="init")
        sess = session(g)
        sess.run([], targets=["init"])
        want_w, want_acc = np.array([1.0, -2.0], np.float32), np.zeros(2, np.float32)
        for step in range(3):
            grad_value = np.array([0.5, -1.0], np.float32) * (step + 1)
            sess.run([], {"grad": grad_value}, ["step"])
            want_acc = want_acc * 0.9 + grad_value
            want_w = want_w - (0.1 * grad_value + 0.1 * 0.9 * want_acc if nesterov else 0.1 * want_acc)
        w_value, acc_value = sess.run(["w:0", "acc:0"])
        np.testing.assert_allclose(w_value, want_w, rtol=1e-6)
        np.testing.assert_allclose(acc_value, want_acc, rtol=1e-6)


def test_resource_adam_matches_numpy():
    g = GraphBuilder()
    w, w_init = variable(g, "w", np.array([0.5, 1.5, -1.0], np.float32), resource=True)
    m, m_init = variable(g, "m", np.zeros(3, np.float32), resource=True)
    v, v_init = variable(g, "v", np.zeros(3, np.float32), resource=True)
    grad = g.placeholder("grad", np.float32, [3])
    consts = [g.const(np.float32(x)) for x in (0.9, 0.999, 0.01, 0.9, 0.999, 1e-7)]
    g.op("ResourceApplyAdam", [w, m, v, *consts, grad], name="adam", T=np.float32)
    g.op("NoOp", [f"^{w_init}", f"^{m_init}", f"^{v_init}"], name="init")
    read = g.op("ReadVariableOp", [w], name="read_w", dtype=np.float32)
    sess = session(g)
    sess.run([], targets=["init"])
    grad_value = np.array([0.1, -0.2, 0.3], np.float32)
    sess.run([], {"grad:0": grad_value}, ["adam"])
    lr_t = 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9)
    m_new, v_new = 0.1 * grad_value, 0.001 * grad_value**2
    want = np.array([0.5, 1.5, -1.0]) - lr_t * m_new / (np.sqrt(v_new) + 1e-7)
    np.testing.assert_allclose(sess.run([f"{read}:0"])[0], want, rtol=1e-5)


def test_assign_add_and_resource_gather():
    g = GraphBuilder()
    table, init = variable(g, "table", np.arange(12, dtype=np.float32).reshape(4, 3), resource=True)
    ids = g.placeholder("ids", np.int32, [2])
    rows = g.op("ResourceGather", [table, ids], name="rows", dtype=np.float32)
    g.op("AssignAddVariableOp", [table, g.const(np.ones((4, 3), np.float32))], name="bump", dtype=np.float32)
    sess = session(g)
    sess.run([], targets=[init])
    sess.run([], targets=["bump"])
    [got] = sess.run([f"{rows}:0"], {"ids": np.array([3, 0], np.int32)})
    np.testing.assert_array_equal(got, np.arange(12, dtype=np.float32).reshape(4, 3)[[3, 0]] + 1)


def test_reading_an_uninitialized_variable_names_it():
    g = GraphBuilder()
    w, _ = variable(g, "w", np.ones(2, np.float32))
    out = g.op("Identity", [w], name="out", T=np.float32)
    with pytest.raises(SessionError, match="variable 'w' is not initialized"):
        session(g).run([f"{out}:0"])


def test_variables_persist_and_interp_agrees():
    g = GraphBuilder()
    w, init = variable(g, "w", np.zeros(2, np.float32))
    g.op("AssignAdd", [w, g.const(np.array([1.0, 2.0], np.float32))], name="inc", T=np.float32)
    for backend in ("xla", "interp"):
        sess = GraphSession(GraphImporter(g.graph), backend=backend)
        sess.run([], targets=[init])
        for _ in range(3):
            sess.run([], targets=["inc"])
        np.testing.assert_array_equal(sess.run(["w:0"])[0], [3.0, 6.0])


def test_is_initialized_asks_the_store_or_sees_an_earlier_assign():
    for resource, op in ((True, "VarIsInitializedOp"), (False, "IsVariableInitialized")):
        g = GraphBuilder()
        w, init = variable(g, "w", np.ones(2, np.float32), resource)
        attrs = {} if resource else {"dtype": np.float32}
        asked = g.op(op, [w], name="asked", **attrs)
        after_assign = g.op(op, [w, f"^{init}"], name="after_assign", **attrs)
        for backend in ("xla", "interp"):
            sess = GraphSession(GraphImporter(g.graph), backend=backend)
            assert not sess.run([f"{asked}:0"])[0]
            assert sess.run([f"{after_assign}:0"])[0]  # the same step assigns it first
            assert sess.run([f"{asked}:0"])[0]  # the store has it now


@pytest.mark.parametrize("op,resource", [("AssignAdd", False), ("AssignSubVariableOp", True)])
def test_assign_add_and_sub_need_the_variables_shape(op, resource):
    g = GraphBuilder()
    w, _ = variable(g, "w", np.ones((3, 2), np.float32), resource)
    g.op(op, [w, g.const(np.ones(2, np.float32))], name="bump", **{"dtype" if resource else "T": np.float32})
    with pytest.raises(TfcError, match=r"'bump'.*shape \[3, 2\] with a value of shape \[2\]: shapes must be equal"):
        session(g).run([], targets=["bump"])
