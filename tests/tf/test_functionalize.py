"""TensorFlow v1 control flow (Switch/Merge/Enter/Exit/NextIteration/LoopCond) made functional.

The graphs are built node by node as ``tf.compat.v1.while_loop`` and ``tf.compat.v1.cond`` emit
them in graph mode: ``while/Enter`` (frame ``while/while_context``), ``while/Merge`` taking the
``while/NextIteration`` back edge (so the file is not topologically ordered), ``while/LoopCond``,
``while/Switch``, ``while/Identity`` (the body's view of a variable), ``while/Exit``; loop-invariant
values enter through ``Enter`` nodes with ``is_constant``; constants inside a loop or branch hang on
a control edge from the pivot (``^while/Identity``, ``^cond/switch_t``); ``cond/Switch(pred, pred)``
makes the pivots, every outside value reaches a branch through ``Switch(value, cond/pred_id)``, and
``cond/Merge`` takes (false value, true value). Each graph runs on interp and XLA against numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

from tfc.frontend.tf.functionalize import functionalize, functionalize_if_needed
from tfc.frontend.tf.graphdef import GraphImportError

from .graphs import GraphBuilder, run_graph

F32, I32, BOOL = np.float32, np.int32, np.bool_


def _suffix(i: int) -> str:
    return "" if i == 0 else f"_{i}"


class Loop:
    """What a v1 while loop's cond/body functions see: the frame, its pivots and invariant Enters."""

    def __init__(self, g: GraphBuilder, name: str, frame: str | None = None, parallel_iterations: int = 10):
        self.g, self.name, self.frame = g, name, frame or f"{name}/while_context"
        self.parallel_iterations = parallel_iterations
        self.pivot = None
        self.invariants: dict[str, str] = {}

    def enter(self, tensor: str, dtype, constant: bool, name: str) -> str:
        return self.g.op("Enter", [tensor], name=name, T=dtype, frame_name=self.frame, is_constant=constant,
                         parallel_iterations=self.parallel_iterations)

    def outer(self, tensor: str, dtype, scope: str) -> str:
        """An outside value used in the loop: one ``<scope>/Enter`` with is_constant, made once."""
        if tensor not in self.invariants:
            self.invariants[tensor] = self.enter(tensor, dtype, True, f"{self.name}/{scope}/Enter")
        return self.invariants[tensor]

    def const(self, value, dtype, scope: str) -> str:
        array = np.asarray(value, dtype)
        return self.g.op("Const", [f"^{self.pivot}"], name=f"{self.name}/{scope}", value=array, dtype=dtype)


def v1_while(g: GraphBuilder, cond, body, inits: list[str], dtypes: list, name: str = "while", frame: str | None = None) -> list[str]:
    """Emit a v1 while loop; ``cond(loop, merges)`` and ``body(loop, identities)`` build its parts."""
    loop = Loop(g, name, frame)
    enters = [loop.enter(x, dt, False, f"{name}/Enter{_suffix(i)}") for i, (x, dt) in enumerate(zip(inits, dtypes))]
    merges = [g.op("Merge", [e, f"{name}/NextIteration{_suffix(i)}"], name=f"{name}/Merge{_suffix(i)}", T=dt, N=2)
              for i, (e, dt) in enumerate(zip(enters, dtypes))]
    loop.pivot = merges[0]
    loop_cond = g.op("LoopCond", [cond(loop, merges)], name=f"{name}/LoopCond")
    switches = [g.op("Switch", [m, loop_cond], name=f"{name}/Switch{_suffix(i)}", T=dt, _class=[f"loc:@{m}"])
                for i, (m, dt) in enumerate(zip(merges, dtypes))]
    identities = [g.op("Identity", [f"{s}:1"], name=f"{name}/Identity{_suffix(i)}", T=dt) for i, (s, dt) in enumerate(zip(switches, dtypes))]
    loop.pivot = identities[0]
    outputs = body(loop, identities)
    for i, (out, dt) in enumerate(zip(outputs, dtypes)):
        g.op("NextIteration", [out], name=f"{name}/NextIteration{_suffix(i)}", T=dt)
    return [g.op("Exit", [s], name=f"{name}/Exit{_suffix(i)}", T=dt) for i, (s, dt) in enumerate(zip(switches, dtypes))]


class Branch:
    """What a v1 cond branch sees: outside values arrive through Switches on ``pred_id``."""

    def __init__(self, g: GraphBuilder, name: str, side: int, pivot: str, pred_id: str, counter: list):
        self.g, self.name, self.side, self.pivot, self.pred_id, self.counter = g, name, side, pivot, pred_id, counter
        self.switched: dict[str, str] = {}

    def outer(self, tensor: str, dtype) -> str:
        if tensor not in self.switched:
            self.counter[0] += 1
            switch = self.g.op("Switch", [tensor, self.pred_id], name=f"{self.name}/Switch_{self.counter[0]}", T=dtype)
            self.switched[tensor] = f"{switch}:1" if self.side else switch
        return self.switched[tensor]

    def const(self, value, dtype, scope: str) -> str:
        return self.g.op("Const", [f"^{self.pivot}"], name=f"{self.name}/{scope}", value=np.asarray(value, dtype), dtype=dtype)


def v1_cond(g: GraphBuilder, pred: str, true_fn, false_fn, dtypes: list, name: str = "cond") -> list[str]:
    switch = g.op("Switch", [pred, pred], name=f"{name}/Switch", T=BOOL)
    switch_t = g.op("Identity", [f"{switch}:1"], name=f"{name}/switch_t", T=BOOL)
    switch_f = g.op("Identity", [switch], name=f"{name}/switch_f", T=BOOL)
    pred_id = g.op("Identity", [pred], name=f"{name}/pred_id", T=BOOL)
    counter = [0]
    true_out = true_fn(Branch(g, name, 1, switch_t, pred_id, counter))
    false_out = false_fn(Branch(g, name, 0, switch_f, pred_id, counter))
    return [g.op("Merge", [f, t], name=f"{name}/Merge{_suffix(i)}", T=dt, N=2) for i, (f, t, dt) in enumerate(zip(false_out, true_out, dtypes))]


# ---- loops ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("frame", ["while/while_context", "while/while/"])  # TF 1.x, and older releases
def test_counter_loop(frame):
    g = GraphBuilder()
    start = g.const(np.int32(0), name="Const")

    def cond(loop, i):
        return g.op("Less", [i[0], loop.const(10, I32, "Less/y")], name="while/Less", T=I32)

    def body(loop, i):
        return [g.op("AddV2", [i[0], loop.const(1, I32, "add/y")], name="while/add", T=I32)]

    (out,) = v1_while(g, cond, body, [start], [I32], frame=frame)
    (got,) = run_graph(g.graph, {}, [f"{out}:0"])
    assert got == 10 and got.dtype == np.int32
    result = functionalize(g.graph)
    assert [(n.name, n.op) for n in result.node] == [("Const", "Const"), ("while/While", "StatelessWhile"), ("while/Exit", "Identity")]
    assert [f.signature.name for f in result.library.function] == ["while_cond", "while_body"]


def test_two_variables_and_invariants():
    """(i, acc) with the trip count n and a vector x entering as loop invariants."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [3])
    n = g.placeholder("n", I32, [])
    i0, acc0 = g.const(np.int32(0), name="i0"), g.const(np.ones(3, F32), name="acc0")

    def cond(loop, merges):
        return g.op("Less", [merges[0], loop.outer(n, I32, "Less")], name="while/Less", T=I32)

    def body(loop, ids):
        i, acc = ids
        scaled = g.op("Mul", [acc, loop.outer(x, F32, "mul")], name="while/mul", T=F32)
        acc = g.op("AddV2", [scaled, loop.const(1.0, F32, "add/y")], name="while/add", T=F32)
        return [g.op("AddV2", [i, loop.const(1, I32, "add_1/y")], name="while/add_1", T=I32), acc]

    i_out, acc_out = v1_while(g, cond, body, [i0, acc0], [I32, F32])
    xv = np.array([0.5, -1.0, 2.0], F32)
    got_i, got_acc = run_graph(g.graph, {"x:0": xv, "n:0": np.int32(4)}, [i_out, acc_out])
    want = np.ones(3, F32)
    for _ in range(4):
        want = want * xv + 1
    assert got_i == 4
    np.testing.assert_allclose(got_acc, want, rtol=1e-6)


def test_zero_trip_loop_returns_initial_values():
    g = GraphBuilder()
    n = g.placeholder("n", I32, [])
    (out,) = v1_while(
        g,
        lambda loop, m: g.op("Less", [m[0], loop.outer(n, I32, "Less")], name="while/Less", T=I32),
        lambda loop, i: [g.op("AddV2", [i[0], loop.const(3, I32, "add/y")], name="while/add", T=I32)],
        [g.const(np.int32(7), name="start")],
        [I32],
    )
    assert run_graph(g.graph, {"n:0": np.int32(5)}, [out])[0] == 7
    assert run_graph(g.graph, {"n:0": np.int32(9)}, [out])[0] == 10


def test_unconsumed_effects_run_in_the_condition_or_the_body():
    """An Assert nothing consumes stays in the function whose side of the loop it is on; the loop
    becomes a stateful While."""
    g = GraphBuilder()

    def cond(loop, merges):
        nonneg = g.op("GreaterEqual", [merges[0], loop.const(0, I32, "GreaterEqual/y")], name="while/GreaterEqual", T=I32)
        g.op("Assert", [nonneg, merges[0]], name="while/Assert", T=[I32], summarize=3)
        return g.op("Less", [merges[0], loop.const(4, I32, "Less/y")], name="while/Less", T=I32)

    def body(loop, ids):
        small = g.op("Less", [ids[0], loop.const(100, I32, "Less_1/y")], name="while/Less_1", T=I32)
        g.op("Assert", [small, ids[0]], name="while/Assert_1", T=[I32], summarize=3)
        return [g.op("AddV2", [ids[0], loop.const(1, I32, "add/y")], name="while/add", T=I32)]

    (out,) = v1_while(g, cond, body, [g.const(np.int32(0), name="start")], [I32])
    result = functionalize(g.graph)
    assert [n.op for n in result.node if n.name == "while/While"] == ["While"]
    functions = {f.signature.name: f for f in result.library.function}
    assert list(functions["while_cond"].control_ret) == ["while/Assert"]
    assert list(functions["while_body"].control_ret) == ["while/Assert_1"]
    assert run_graph(g.graph, {}, [out])[0] == 4


def test_nested_loops():
    """for i in range(3): for j in range(4): acc += i * j + x (x an outer invariant of both loops)."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    i0, acc0 = g.const(np.int32(0), name="i0"), g.const(np.zeros(2, F32), name="acc0")

    def outer_cond(loop, merges):
        return g.op("Less", [merges[0], loop.const(3, I32, "Less/y")], name="while/Less", T=I32)

    def outer_body(loop, ids):
        i, acc = ids
        x_outer = loop.outer(x, F32, "inner_x")
        j0 = loop.const(0, I32, "while/Const")

        def inner_cond(inner, merges):
            return g.op("Less", [merges[0], inner.const(4, I32, "Less/y")], name="while/while/Less", T=I32)

        def inner_body(inner, inner_ids):
            j, inner_acc = inner_ids
            i_in = inner.outer(i, I32, "mul")
            ij = g.op("Cast", [g.op("Mul", [i_in, j], name="while/while/mul", T=I32)], name="while/while/Cast", SrcT=I32, DstT=F32)
            step = g.op("AddV2", [ij, inner.outer(x_outer, F32, "add")], name="while/while/add", T=F32)
            new_acc = g.op("AddV2", [inner_acc, step], name="while/while/add_1", T=F32)
            return [g.op("AddV2", [j, inner.const(1, I32, "add_2/y")], name="while/while/add_2", T=I32), new_acc]

        _, acc_out = v1_while(g, inner_cond, inner_body, [j0, acc], [I32, F32], name="while/while")
        return [g.op("AddV2", [i, loop.const(1, I32, "add/y")], name="while/add", T=I32), acc_out]

    _, acc = v1_while(g, outer_cond, outer_body, [i0, acc0], [I32, F32])
    xv = np.array([0.25, -2.0], F32)
    want = np.zeros(2, F32)
    for i in range(3):
        for j in range(4):
            want = want + (np.float32(i * j) + xv)
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv}, [acc])[0], want, rtol=1e-6)
    functionalized = functionalize(g.graph)
    ops = sorted(n.op for n in functionalized.node)
    assert "While" not in ops and ops.count("StatelessWhile") == 1 and "Enter" not in ops
    inner = [n for f in functionalized.library.function for n in f.node_def if n.op == "StatelessWhile"]
    assert len(inner) == 1 and len(functionalized.library.function) == 4


def test_sibling_loops_in_a_loop_body():
    """for i in range(2): acc = loop_b(loop_a(acc)): loop_a's Exit enters loop_b, both in the outer body
    (an Exit's value belongs to the outer frame, not to loop_a's)."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])

    def counted(name: str, start: str, scale: float, outer):
        def cond(inner, merges):
            return g.op("Less", [merges[0], inner.const(3, I32, "Less/y")], name=f"{name}/Less", T=I32)

        def body(inner, ids):
            j, value = ids
            scaled = g.op("Mul", [value, inner.const(scale, F32, "mul/y")], name=f"{name}/mul", T=F32)
            return [g.op("AddV2", [j, inner.const(1, I32, "add/y")], name=f"{name}/add", T=I32), scaled]

        return v1_while(g, cond, body, [outer.const(0, I32, f"{name}_j0"), start], [I32, F32], name=name)[1]

    def outer_cond(loop, merges):
        return g.op("Less", [merges[0], loop.const(2, I32, "Less/y")], name="while/Less", T=I32)

    def outer_body(loop, ids):
        i, acc = ids
        acc = counted("while/b", counted("while/a", acc, 2.0, loop), 0.5, loop)
        return [g.op("AddV2", [i, loop.const(1, I32, "add/y")], name="while/add", T=I32), acc]

    _, acc = v1_while(g, outer_cond, outer_body, [g.const(np.int32(0), name="i0"), x], [I32, F32])
    xv = np.array([0.25, -2.0], F32)
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv}, [acc])[0], xv, rtol=1e-6)  # (2**3 * 0.5**3)**2 = 1
    inner = [n for f in functionalize(g.graph).library.function for n in f.node_def if n.op == "StatelessWhile"]
    assert len(inner) == 2


# ---- conditionals ---------------------------------------------------------------------------------
def _cond_graph():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2, 3])
    total = g.op("Sum", [x, g.const(np.array([0, 1], I32))], name="Sum", T=F32, Tidx=I32)
    pred = g.op("Greater", [total, g.const(np.float32(0), name="Greater/y")], name="Greater", T=F32)
    (out,) = v1_cond(
        g, pred,
        lambda b: [g.op("Mul", [b.outer(x, F32), b.const(2.0, F32, "mul/y")], name="cond/mul", T=F32)],
        lambda b: [g.op("AddV2", [b.outer(x, F32), b.const(1.0, F32, "add/y")], name="cond/add", T=F32)],
        [F32],
    )
    return g, out


@pytest.mark.parametrize("sign", [1, -1])
def test_cond(sign):
    g, out = _cond_graph()
    xv = sign * np.abs(np.arange(6, dtype=F32).reshape(2, 3) + 1)
    want = xv * 2 if xv.sum() > 0 else xv + 1
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv}, [out])[0], want)


def test_cond_becomes_if_with_names_kept():
    g, _ = _cond_graph()
    before = g.graph.SerializeToString()
    result = functionalize(g.graph)
    assert g.graph.SerializeToString() == before  # the input GraphDef is left alone
    nodes = {n.name: n for n in result.node}
    assert nodes["cond/Merge"].op == "Identity" and nodes["cond/Merge"].input == ["cond/If"]
    assert nodes["cond/If"].op == "StatelessIf" and nodes["cond/If"].input[0] == "cond/pred_id"
    assert not any(n.op in ("Switch", "Merge") for n in result.node)
    assert {f.signature.name for f in result.library.function} == {"cond_then", "cond_else"}


def test_branch_returning_an_outside_value_and_value_index():
    """true_fn returns x itself (Switch:1 straight into the Merge); Merge:1 says which branch ran."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    p = g.placeholder("p", BOOL, [])
    (out,) = v1_cond(
        g, p,
        lambda b: [b.outer(x, F32)],
        lambda b: [g.op("Neg", [b.outer(x, F32)], name="cond/Neg", T=F32)],
        [F32],
    )
    index = g.op("Cast", [f"{out}:1"], name="index", SrcT=I32, DstT=F32)
    xv = np.array([1.5, -2.0], F32)
    for flag in (True, False):
        got, got_index = run_graph(g.graph, {"x:0": xv, "p:0": np.bool_(flag)}, [out, index])
        np.testing.assert_allclose(got, xv if flag else -xv)
        assert got_index == (1.0 if flag else 0.0)


def test_chained_conds_on_one_predicate():
    """Keras' learning-phase pattern: every layer's tf.cond switches on the same tensor, each on the
    previous one's result. They must become one If each (one If for all would feed itself)."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    training = g.placeholder("training", BOOL, [])
    value = x
    for k, (scale, shift) in enumerate([(2.0, 1.0), (3.0, -1.0), (-1.0, 0.5)]):
        (value,) = v1_cond(
            g, training,
            lambda b, value=value, scale=scale, k=k: [g.op("Mul", [b.outer(value, F32), b.const(scale, F32, "mul/y")], name=f"c{k}/mul", T=F32)],
            lambda b, value=value, shift=shift, k=k: [g.op("AddV2", [b.outer(value, F32), b.const(shift, F32, "add/y")], name=f"c{k}/add", T=F32)],
            [F32], name=f"c{k}",
        )
    assert [n.op for n in functionalize(g.graph).node].count("StatelessIf") == 3
    xv = np.array([1.0, -2.0], F32)
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv, "training:0": np.bool_(True)}, [value])[0], xv * 2 * 3 * -1)
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv, "training:0": np.bool_(False)}, [value])[0], xv + 1 - 1 + 0.5)


def test_nested_conds():
    """cond(a, lambda: cond(b, x * 2, x - 1), x + 10)."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    a, b = g.placeholder("a", BOOL, []), g.placeholder("b", BOOL, [])

    def outer_true(branch):
        x_in, b_in = branch.outer(x, F32), branch.outer(b, BOOL)
        (inner,) = v1_cond(
            g, b_in,
            lambda ib: [g.op("Mul", [ib.outer(x_in, F32), ib.const(2.0, F32, "mul/y")], name="cond/cond/mul", T=F32)],
            lambda ib: [g.op("Sub", [ib.outer(x_in, F32), ib.const(1.0, F32, "sub/y")], name="cond/cond/sub", T=F32)],
            [F32], name="cond/cond",
        )
        return [inner]

    (out,) = v1_cond(
        g, a, outer_true,
        lambda branch: [g.op("AddV2", [branch.outer(x, F32), branch.const(10.0, F32, "add/y")], name="cond/add", T=F32)],
        [F32],
    )
    xv = np.array([3.0, -4.0], F32)
    for av in (True, False):
        for bv in (True, False):
            want = (xv * 2 if bv else xv - 1) if av else xv + 10
            got = run_graph(g.graph, {"x:0": xv, "a:0": np.bool_(av), "b:0": np.bool_(bv)}, [out])[0]
            np.testing.assert_allclose(got, want)


def test_cond_inside_loop_body():
    """for i in range(5): acc = acc + i if i % 2 == 0 else acc * 2."""
    g = GraphBuilder()
    i0, acc0 = g.const(np.int32(0), name="i0"), g.const(np.float32(1), name="acc0")

    def cond(loop, merges):
        return g.op("Less", [merges[0], loop.const(5, I32, "Less/y")], name="while/Less", T=I32)

    def body(loop, ids):
        i, acc = ids
        even = g.op("Equal", [g.op("FloorMod", [i, loop.const(2, I32, "mod/y")], name="while/mod", T=I32), loop.const(0, I32, "Equal/y")],
                    name="while/Equal", T=I32)
        (new_acc,) = v1_cond(
            g, even,
            lambda b: [g.op("AddV2", [b.outer(acc, F32), g.op("Cast", [b.outer(i, I32)], name="while/cond/Cast", SrcT=I32, DstT=F32)],
                            name="while/cond/add", T=F32)],
            lambda b: [g.op("Mul", [b.outer(acc, F32), b.const(2.0, F32, "mul/y")], name="while/cond/mul", T=F32)],
            [F32], name="while/cond",
        )
        return [g.op("AddV2", [i, loop.const(1, I32, "add/y")], name="while/add", T=I32), new_acc]

    _, acc = v1_while(g, cond, body, [i0, acc0], [I32, F32])
    want = np.float32(1)
    for i in range(5):
        want = want + i if i % 2 == 0 else want * 2
    assert run_graph(g.graph, {}, [acc])[0] == want


def test_cond_inside_loop_condition():
    """while (i < 3 if flag else i < 5): i += 1, with flag a loop invariant."""
    g = GraphBuilder()
    flag = g.placeholder("flag", BOOL, [])

    def cond(loop, merges):
        (keep_going,) = v1_cond(
            g, loop.outer(flag, BOOL, "cond/Switch"),
            lambda b: [g.op("Less", [b.outer(merges[0], I32), b.const(3, I32, "Less/y")], name="while/cond/Less", T=I32)],
            lambda b: [g.op("Less", [b.outer(merges[0], I32), b.const(5, I32, "Less_1/y")], name="while/cond/Less_1", T=I32)],
            [BOOL], name="while/cond",
        )
        return keep_going

    (out,) = v1_while(g, cond, lambda loop, ids: [g.op("AddV2", [ids[0], loop.const(1, I32, "add/y")], name="while/add", T=I32)],
                      [g.const(np.int32(0), name="start")], [I32])
    assert run_graph(g.graph, {"flag:0": np.bool_(True)}, [out])[0] == 3
    assert run_graph(g.graph, {"flag:0": np.bool_(False)}, [out])[0] == 5


def test_loop_inside_cond_branch():
    """cond(p, lambda: while i < 3: x = x * 2, lambda: x)."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    p = g.placeholder("p", BOOL, [])

    def true_fn(branch):
        x_in = branch.outer(x, F32)
        _, out = v1_while(
            g,
            lambda loop, m: g.op("Less", [m[0], loop.const(3, I32, "Less/y")], name="cond/while/Less", T=I32),
            lambda loop, ids: [g.op("AddV2", [ids[0], loop.const(1, I32, "add/y")], name="cond/while/add", T=I32),
                               g.op("Mul", [ids[1], loop.const(2.0, F32, "mul/y")], name="cond/while/mul", T=F32)],
            [branch.const(0, I32, "Const"), x_in], [I32, F32], name="cond/while",
        )
        return [out]

    (out,) = v1_cond(g, p, true_fn, lambda branch: [branch.outer(x, F32)], [F32])
    xv = np.array([1.0, -0.5], F32)
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv, "p:0": np.bool_(True)}, [out])[0], xv * 8)
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv, "p:0": np.bool_(False)}, [out])[0], xv)


def test_assert_guard():
    """TF1's tf.Assert on float data: cond(c, no_op, assert) whose branches return their pivots with
    control dependencies, and a consumer that waits for the guard's Merge by a control edge."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    c = g.op("All", [g.op("Greater", [x, g.const(np.float32(-10), name="lo")], name="Greater", T=F32), g.const(np.int32(0))],
             name="All", Tidx=I32, keep_dims=False)

    def passes(branch):
        noop = g.op("NoOp", [f"^{branch.pivot}"], name="AssertGuard/NoOp")
        return [g.op("Identity", [branch.pivot, f"^{noop}"], name="AssertGuard/control_dependency", T=BOOL)]

    def fails(branch):
        check = g.op("Assert", [branch.outer(c, BOOL), branch.outer(x, F32)], name="AssertGuard/Assert", T=[F32], summarize=3)
        return [g.op("Identity", [branch.pivot, f"^{check}"], name="AssertGuard/control_dependency_1", T=BOOL)]

    (guard,) = v1_cond(g, c, passes, fails, [BOOL], name="AssertGuard")
    out = g.op("Mul", [x, x, f"^{guard}"], name="out", T=F32)
    result = functionalize(g.graph)
    assert {n.name: n.op for n in result.node}["AssertGuard/If"] == "If"  # the Assert makes it stateful
    xv = np.array([1.0, -3.0], F32)
    np.testing.assert_allclose(run_graph(g.graph, {"x:0": xv}, [out])[0], xv * xv)


def test_free_constants_inside_a_loop_and_default_outputs():
    """Constants without the pivot control edge (as other writers emit) are copied into the body;
    the rewrite adds no new sinks, so a default import still fetches just the Exit."""
    from tfc.frontend.tf.importer import GraphImporter

    g = GraphBuilder()
    two = g.const(np.float32(2), name="two")
    (out,) = v1_while(
        g,
        lambda loop, m: g.op("Less", [m[0], g.const(np.float32(100), name="limit")], name="while/Less", T=F32),
        lambda loop, ids: [g.op("Mul", [ids[0], two], name="while/mul", T=F32)],
        [g.const(np.float32(3), name="start")],
        [F32],
    )
    assert GraphImporter(g.graph).sinks() == [out]
    assert run_graph(g.graph, {}, [out])[0] == 192


def test_graph_without_v1_control_flow_is_returned_unchanged():
    g = GraphBuilder()
    g.op("Relu", [g.placeholder("x", F32, [2])], T=F32)
    assert functionalize_if_needed(g.graph) is g.graph


# ---- malformed structures -------------------------------------------------------------------------
def test_merge_with_inputs_from_unrelated_frames():
    g = GraphBuilder()
    start = g.const(np.int32(0), name="start")
    a = g.op("Enter", [start], name="a/Enter", T=I32, frame_name="a/while_context", is_constant=False)
    b = g.op("Enter", [start], name="b/Enter", T=I32, frame_name="b/while_context", is_constant=False)
    g.op("Merge", [a, b], name="bad/Merge", T=I32, N=2)
    with pytest.raises(GraphImportError, match=r"model\.pb: node 'bad/Merge': error: .*different loop frames"):
        functionalize(g.graph, "model.pb")


def test_switch_whose_branches_never_merge():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    p = g.placeholder("p", BOOL, [])
    switch = g.op("Switch", [x, p], name="cond/Switch_1", T=F32)
    g.op("Neg", [f"{switch}:1"], name="cond/Neg", T=F32)
    with pytest.raises(GraphImportError, match=r"model\.pb: node 'cond/Switch_1': error: .*never meet in a Merge"):
        functionalize(g.graph, "model.pb")


def test_loop_without_loop_cond():
    g = GraphBuilder()
    enter = g.op("Enter", [g.const(np.int32(0), name="start")], name="while/Enter", T=I32, frame_name="while/while_context", is_constant=False)
    merge = g.op("Merge", [enter, "while/NextIteration"], name="while/Merge", T=I32, N=2)
    g.op("NextIteration", [merge], name="while/NextIteration", T=I32)
    with pytest.raises(GraphImportError, match=r"model\.pb: node 'while/Enter': error: loop 'while/while_context' has no LoopCond"):
        functionalize(g.graph, "model.pb")


def test_merge_of_values_from_the_same_branch():
    g = GraphBuilder()
    x = g.placeholder("x", F32, [2])
    p = g.placeholder("p", BOOL, [])
    switch = g.op("Switch", [x, p], name="Switch", T=F32)
    g.op("Merge", [f"{switch}:1", g.op("Neg", [f"{switch}:1"], name="Neg", T=F32)], name="Merge", T=F32, N=2)
    with pytest.raises(GraphImportError, match=r"node 'Merge': error: its inputs do not come from the two branches"):
        functionalize(g.graph, "model.pb")


def test_errors_reach_the_importer():
    """The importer's hook raises the same error, with the file name it was given."""
    from tfc.frontend.tf.importer import GraphImporter

    g = GraphBuilder()
    switch = g.op("Switch", [g.placeholder("x", F32, [2]), g.placeholder("p", BOOL, [])], name="s", T=F32)
    g.op("Neg", [switch], name="neg", T=F32)
    with pytest.raises(GraphImportError, match=r"graph\.pbtxt: node 's'"):
        GraphImporter(g.graph, "graph.pbtxt")


# ---- TensorArrays in loops ------------------------------------------------------------------------
def tensor_array(g: GraphBuilder, size: int, element_shape, name: str, dtype=F32, **attrs) -> str:
    """``TensorArrayV3`` as tf.compat.v1.TensorArray makes it: outputs handle (:0) and flow (:1)."""
    size_node = g.const(np.int32(size), name=f"{name}/size")
    defaults = {"dtype": dtype, "element_shape": _shape_attr(element_shape), "dynamic_size": False,
                "clear_after_read": True, "identical_element_shapes": True, "tensor_array_name": ""}
    return g.op("TensorArrayV3", [size_node], name=name, **{**defaults, **attrs})


def _shape_attr(shape):
    from tensorboard.compat.proto import attr_value_pb2

    from .graphs import shape_proto

    return attr_value_pb2.AttrValue(shape=shape_proto(shape))


@pytest.mark.parametrize("declared", [[3], None])
def test_tensor_array_cumulative_product_in_a_loop(declared):
    """tf.scan(lambda acc, x: acc * x, xs) as TF1 emits it: unstack xs into one TensorArray, read it
    in the loop, write each running product into another one, stack that after the loop. Without
    declared element shapes (as dynamic_rnn and tf.map_fn make arrays), the input array takes its
    shape from the scatter and the output array the stacking Gather's one."""
    g = GraphBuilder()
    xs = g.placeholder("xs", F32, [5, 3])
    inputs = tensor_array(g, 5, declared, "TensorArray_1")
    shape = g.op("Shape", [xs], name="TensorArrayUnstack/Shape", T=F32, out_type=I32)
    rows = g.op("StridedSlice", [shape, g.const(np.array([0], I32)), g.const(np.array([1], I32)), g.const(np.array([1], I32))],
                name="TensorArrayUnstack/strided_slice", T=I32, Index=I32, shrink_axis_mask=1, begin_mask=0, end_mask=0,
                ellipsis_mask=0, new_axis_mask=0)
    indices = g.op("Range", [g.const(np.int32(0)), rows, g.const(np.int32(1))], name="TensorArrayUnstack/range", Tidx=I32)
    scattered = g.op("TensorArrayScatterV3", [inputs, indices, xs, f"{inputs}:1"],
                     name="TensorArrayUnstack/TensorArrayScatter/TensorArrayScatterV3", T=F32)
    outputs = tensor_array(g, 5, declared, "TensorArray")

    def cond(loop, merges):
        return g.op("Less", [merges[0], loop.const(5, I32, "Less/y")], name="while/Less", T=I32)

    def body(loop, ids):
        i, acc, flow = ids
        row = g.op("TensorArrayReadV3", [loop.outer(inputs, F32, "TensorArrayReadV3"), i, loop.outer(scattered, F32, "TensorArrayReadV3_1")],
                   name="while/TensorArrayReadV3", dtype=F32)
        product = g.op("Mul", [acc, row], name="while/mul", T=F32)
        written = g.op("TensorArrayWriteV3", [loop.outer(outputs, F32, "TensorArrayWrite/TensorArrayWriteV3"), i, product, flow],
                       name="while/TensorArrayWrite/TensorArrayWriteV3", T=F32)
        return [g.op("AddV2", [i, loop.const(1, I32, "add/y")], name="while/add", T=I32), product, written]

    _, _, flow = v1_while(g, cond, body, [g.const(np.int32(0), name="i0"), g.const(np.ones(3, F32), name="acc0"), f"{outputs}:1"],
                          [I32, F32, F32])
    size = g.op("TensorArraySizeV3", [outputs, flow], name="TensorArrayStack/TensorArraySizeV3")
    stack_range = g.op("Range", [g.const(np.int32(0)), size, g.const(np.int32(1))], name="TensorArrayStack/range", Tidx=I32)
    stacked = g.op("TensorArrayGatherV3", [outputs, stack_range, flow], name="TensorArrayStack/TensorArrayGatherV3",
                   dtype=F32, element_shape=_shape_attr([3]))
    xv = np.random.default_rng(1).uniform(0.5, 1.5, (5, 3)).astype(F32)
    np.testing.assert_allclose(run_graph(g.graph, {"xs:0": xv}, [stacked])[0], np.cumprod(xv, axis=0), rtol=1e-6)


def test_tensor_array_ops_outside_loops():
    """Write/Read/Size/Concat/Split/Close on one array, as straight-line code."""
    g = GraphBuilder()
    a, b = g.placeholder("a", F32, [2]), g.placeholder("b", F32, [2])
    ta = tensor_array(g, 3, [2], "ta")
    flow = g.op("TensorArrayWriteV3", [ta, g.const(np.int32(2)), a, f"{ta}:1"], name="w0", T=F32)
    flow = g.op("TensorArrayWriteV3", [ta, g.const(np.int32(0)), b, flow], name="w1", T=F32)
    read = g.op("TensorArrayReadV3", [ta, g.const(np.int32(2)), flow], name="read", dtype=F32)
    size = g.op("TensorArraySizeV3", [ta, flow], name="size")
    concat = g.op("TensorArrayConcatV3", [ta, flow], name="concat", dtype=F32, element_shape_except0=_shape_attr(None))
    g.op("TensorArrayCloseV3", [ta], name="close")
    other = tensor_array(g, 3, [2], "other")
    split = g.op("TensorArraySplitV3", [other, concat, g.const(np.array([2, 2, 2], np.int64)), f"{other}:1"], name="split", T=F32)
    gathered = g.op("TensorArrayGatherV3", [other, g.const(np.array([2, 0], I32)), split], name="gather", dtype=F32,
                    element_shape=_shape_attr([2]))
    av, bv = np.array([1.0, 2.0], F32), np.array([-3.0, 4.0], F32)
    got = run_graph(g.graph, {"a:0": av, "b:0": bv}, [read, size, concat, f"{concat}:1", gathered])
    np.testing.assert_array_equal(got[0], av)
    assert got[1] == 3
    np.testing.assert_array_equal(got[2], np.concatenate([bv, np.zeros(2, F32), av]))
    np.testing.assert_array_equal(got[3], [2, 2, 2])
    np.testing.assert_array_equal(got[4], np.stack([av, bv]))


def test_tensor_array_element_shape_from_its_first_write():
    g = GraphBuilder()
    ta = tensor_array(g, 3, None, "ta")
    flow = g.op("TensorArrayWriteV3", [ta, g.const(np.int32(1)), g.placeholder("a", F32, [2]), f"{ta}:1"], name="w", T=F32)
    stacked = g.op("TensorArrayGatherV3", [ta, g.const(np.array([1, 0], I32)), flow], name="gather", dtype=F32,
                   element_shape=_shape_attr(None))
    got = run_graph(g.graph, {"a:0": np.array([5.0, 6.0], F32)}, [stacked])[0]
    np.testing.assert_array_equal(got, [[5.0, 6.0], [0.0, 0.0]])


@pytest.mark.parametrize(
    "size, attrs, message",
    [
        (3, {"dynamic_size": True}, "dynamic_size TensorArrays are not supported"),
        ("n:0", {}, "TensorArray's size must be a constant"),
    ],
)
def test_tensor_array_that_cannot_be_dense(size, attrs, message):
    from tfc.diagnostics import TfcError

    g = GraphBuilder()
    n = g.placeholder("n", I32, [])
    ta = tensor_array(g, 3, [2], "ta", **attrs)
    if size != 3:
        g.graph.node[-1].input[0] = size
    flow = g.op("TensorArrayWriteV3", [ta, g.const(np.int32(0)), g.placeholder("a", F32, [2]), f"{ta}:1"], name="w", T=F32)
    stacked = g.op("TensorArrayGatherV3", [ta, g.const(np.array([0], I32)), flow], name="gather", dtype=F32, element_shape=_shape_attr([2]))
    with pytest.raises(TfcError, match=message):
        run_graph(g.graph, {"a:0": np.ones(2, F32), n: np.int32(3)}, [stacked])
