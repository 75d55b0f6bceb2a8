"""tfc.Variable outside graphs: eager values on the device, read and updated in place by
@tfc.compile functions (lifted to donated arguments and results), plus graph collections."""

from __future__ import annotations

import numpy as np
import pytest

import tfc


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_counter_updates_in_place_across_calls(backend):
    v = tfc.Variable(0.0, name="counter")

    @tfc.compile(backend=backend)
    def step():
        v.assign_add(1.0)
        return v.read_value()

    assert [float(step()) for _ in range(3)] == [1.0, 2.0, 3.0]
    assert v.numpy() == 3.0
    assert step.trace_count == 1
    text = step.lower().as_text()
    name = v.name[: -len(":0")]  # "counter", or "counter_1": eager variable names are unique per process
    assert f'tfc.variables_in = ["{name}"]' in text and "tfc.read_variable" not in text


def test_variable_buffer_is_donated_and_stays_on_the_device():
    acc = tfc.Variable(np.zeros(4, np.float32), name="acc")

    @tfc.compile
    def add(x):
        acc.assign_add(x)
        return tfc.sum(acc.read_value())

    x = np.ones(4, np.float32)
    add(x)
    before = acc._array
    assert float(add(x)) == 8.0
    assert before.is_deleted()  # XLA reused the buffer for the update
    assert type(acc._array).__name__ == "ArrayImpl"
    np.testing.assert_array_equal(acc.numpy(), [2, 2, 2, 2])


def test_reads_see_assigns_in_program_order():
    v = tfc.Variable(np.float32(2.0), name="v")

    @tfc.compile
    def f():
        before = v * 1.0
        v.assign(10.0)
        after = v * 1.0
        v.assign_sub(4.0)
        return before, after, v  # a returned variable gives its final value

    assert [float(a) for a in f()] == [2.0, 10.0, 6.0]
    assert v.numpy() == 6.0


def test_sgd_in_a_traced_function_with_gradients_wrt_variables():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((32, 3)).astype(np.float32)
    labels = features @ np.array([2.0, -1.0, 0.5], np.float32) - 1.0
    w = tfc.Variable(np.zeros(3, np.float32), name="w")
    b = tfc.Variable(0.0, name="b")

    @tfc.compile
    def train(x, y):
        loss = tfc.mean(tfc.square(tfc.sum(x * w, axis=1) + b - y))
        gw, gb = tfc.gradients(loss, [w, b])
        w.assign_sub(0.2 * gw)
        b.assign_sub(0.2 * gb)
        return loss

    for _ in range(150):
        loss = train(features, labels)
    assert float(loss) < 1e-6
    np.testing.assert_allclose(w.numpy(), [2.0, -1.0, 0.5], atol=1e-3)
    assert b.numpy() == pytest.approx(-1.0, abs=1e-3)
    assert train.trace_count == 1


def test_tfc_grad_of_a_function_reading_a_variable():
    scale = tfc.Variable(np.float32(3.0), name="scale")

    @tfc.compile
    def g(x):
        return tfc.grad(lambda x: tfc.sum(tfc.square(x) * scale))(x)

    np.testing.assert_allclose(g(np.array([1.0, 2.0], np.float32)), [6.0, 12.0])
    scale.assign(1.0)  # eager assign: the next call reads the new value, no retrace
    np.testing.assert_allclose(g(np.array([1.0, 2.0], np.float32)), [2.0, 4.0])
    assert g.trace_count == 1


def test_variables_as_arguments_and_eager_use():
    v = tfc.Variable([1.0, 2.0], name="vec")

    @tfc.compile
    def bump(var, amount):
        var.assign_add(amount)
        return var * 2.0

    np.testing.assert_array_equal(bump(v, np.float32(1.0)), [4.0, 6.0])
    np.testing.assert_array_equal(v.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(v + 1.0, [3.0, 4.0])  # eager arithmetic compiles a read
    np.testing.assert_array_equal(np.asarray(v), [2.0, 3.0])
    assert v.assign([0.0, 0.0]) is v and v.assign_sub([1.0, 1.0]) is v
    np.testing.assert_array_equal(v.read_value(), [-1.0, -1.0])
    assert v.dtype == tfc.float32 and v.shape == (2,) and v.name == "vec:0"
    assert "value=[-1. -1.]" in repr(v)
    other = tfc.Variable(0.0)
    assert (v == v) is True and v != other and v in [1, v] and {v: 1}[v] == 1  # identity semantics, as in TF1


def test_assign_errors():
    v = tfc.Variable(np.zeros(2, np.float32), name="e")

    @tfc.compile
    def bad_shape():
        v.assign(np.zeros(3, np.float32))
        return v

    with pytest.raises(tfc.TraceError, match=r"shape \[3\] to variable 'e'"):
        bad_shape()

    @tfc.compile
    def bad_dtype():
        v.assign(np.zeros(2, np.int32))
        return v

    with pytest.raises(tfc.TraceError, match="cannot assign a i32 value to variable 'e'"):
        bad_dtype()
    with pytest.raises(tfc.TraceError, match=r"shape \[3\]"):
        v.assign(np.zeros(3))
    with pytest.raises(tfc.TraceError, match="concrete initial value"):
        tfc.compile(lambda x: tfc.Variable(x))(np.ones(2, np.float32))


def test_graph_and_eager_variables_and_their_collections():
    """tfc.Variable is a TF1 graph variable inside a graph (or from a graph value) and an eager one
    elsewhere; an eager variable a graph op uses gets a stand-in graph variable there."""
    eager = tfc.Variable(1.0, name="outside")
    assert not hasattr(eager, "initializer") and isinstance(eager, tfc.Variable)
    g = tfc.Graph()
    with g.as_default():
        a = tfc.Variable(1.0, name="a")
        b = tfc.Variable(2.0, name="b", trainable=False)
        from_graph_value = tfc.Variable(tfc.zeros([2]), name="z")
        assert tfc.global_variables() == [a, b, from_graph_value]
        assert tfc.trainable_variables() == [a, from_graph_value]
        assert a.graph is g and a.op.name == "a" and a.initial_value.name == "a/initial_value:0"
        assert isinstance(a, tfc.Variable) and not isinstance(a, type(eager))
        doubled = eager * 2.0  # the stand-in 'outside', initialized to the eager value
        assert tfc.global_variables()[-1].name == "outside:0"
        init = tfc.global_variables_initializer()
    with tfc.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(doubled) == 2.0 and eager.eval() == 1.0
        sess.run(tfc.assign(eager, 5.0))
        assert sess.run(eager) == 5.0 and eager.numpy() == 1.0  # the session's value, the eager one
    assert eager * 2.0 == 2.0  # outside graphs, eager arithmetic
