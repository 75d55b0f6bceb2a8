"""Sessions, GraphSessions, callables and compiled functions shared by threads: every update applies
exactly once, reads see whole updates, donated buffers are never read by another run, and a new
signature compiles once. Feeds convert as TensorFlow converts them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import tfc
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.errors import SessionError
from tfc.runtime.graph_session import GraphSession

from ..tf.graphs import GraphBuilder
from ..tf.test_state import variable

THREADS, STEPS = 8, 100


def hammer(work, threads: int = THREADS, steps: int = STEPS) -> list:
    """Run ``work(thread, step)`` ``steps`` times in each of ``threads`` threads, all started together;
    returns the errors (none expected)."""
    start = threading.Barrier(threads)
    errors: list = []

    def worker(index: int) -> None:
        start.wait(timeout=60)
        try:
            for step in range(steps):
                work(index, step)
        except Exception as err:  # noqa: BLE001 - collected and asserted on
            errors.append(err)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker, i) for i in range(threads)]:
            future.result(timeout=300)
    return errors


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_a_shared_session_applies_every_update_once(backend):
    g = tfc.Graph()
    with g.as_default():
        counter = tfc.Variable(0.0, name="counter")
        other = tfc.Variable(np.zeros(3, np.float32), name="other")
        bump = counter.assign_add(1.0)
        nudge = other.assign_add(np.ones(3, np.float32))
        x = tfc.placeholder(tfc.float32, [3], name="x")
        pure = tfc.exp(x) * 2.0
        init = tfc.global_variables_initializer()
    sess = tfc.Session(graph=g, backend=backend)
    sess.run(init)
    fast = sess.make_callable(pure, [x])

    def work(index, step):
        if index % 4 == 0:
            sess.run(nudge)
        elif index % 4 == 1:
            np.testing.assert_allclose(fast(np.ones(3, np.float32)), 2 * np.e, rtol=1e-6)
        else:
            value = sess.run(bump)
            assert 1.0 <= value <= THREADS * STEPS  # a whole update, never a deleted buffer

    assert hammer(work) == []
    assert sess.run(counter) == THREADS // 2 * STEPS
    np.testing.assert_array_equal(sess.run(other), np.full(3, THREADS // 4 * STEPS))


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_a_shared_graph_session_loses_no_training_step(backend):
    g = GraphBuilder()
    w, init = variable(g, "w", np.zeros(2, np.float32))
    g.op("AssignAdd", [w, g.const(np.array([1.0, 2.0], np.float32))], name="inc", T=np.float32)
    sess = GraphSession(GraphImporter(g.graph), backend=backend)
    sess.run([], targets=[init])
    assert hammer(lambda index, step: sess.run([], targets=["inc"])) == []
    np.testing.assert_array_equal(sess.run(["w:0"])[0], [THREADS * STEPS, 2.0 * THREADS * STEPS])


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_compiled_functions_updating_a_variable_from_threads(backend):
    v = tfc.Variable(0.0, name="shared_count")

    @tfc.compile(backend=backend)
    def step(amount):
        v.assign_add(amount)
        return v.read_value()

    def work(index, i):
        if i % 10 == 0:
            v.assign_add(1.0)  # eager updates take the same lock
        else:
            step(np.float32(1.0))

    assert hammer(work) == []
    assert float(v.numpy()) == THREADS * STEPS
    assert step.trace_count == 1  # one signature, traced once


def test_a_new_signature_compiles_once_however_many_threads_ask():
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [4], name="x")
        y = tfc.tanh(x) + 1.0
    sess = tfc.Session(graph=g)
    assert hammer(lambda index, step: sess.run(y, {x: np.zeros(4, np.float32)}), steps=3) == []
    assert sess.compile_count == 1


def test_graph_session_feeds_convert_to_the_placeholder_type():
    g = GraphBuilder()
    n = g.placeholder("n", np.int32, [2, 2])
    g.op("Mul", [n, g.const(np.int32(2))], name="doubled", T=np.int32)
    x = g.placeholder("x", np.float32, [None])
    g.op("AddV2", [x, g.const(np.float32(1.0))], name="plus_one", T=np.float32)
    sess = GraphSession(GraphImporter(g.graph))
    [doubled] = sess.run(["doubled:0"], {"n": np.array([[1.5, 2.5], [4.9, -7.9]])})
    np.testing.assert_array_equal(doubled, [[2, 4], [8, -14]])  # truncated, as TensorFlow does
    assert doubled.dtype == np.int32
    [plus_one] = sess.run(["plus_one:0"], {"x:0": np.array([1.0, 2.0, 3.0], dtype=">f8")})
    assert plus_one.dtype == np.float32 and list(plus_one) == [2.0, 3.0, 4.0]
    with pytest.raises(SessionError, match="to 'n:0', which has shape \\[2, 2\\]"):
        sess.run(["doubled:0"], {"n": np.ones((3, 2))})
    with pytest.raises(SessionError, match="cannot feed 'x:0'"):
        sess.run(["plus_one:0"], {"x": np.array(["a", "b"])})
