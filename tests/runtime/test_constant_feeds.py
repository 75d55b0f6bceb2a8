"""Feeds that determine shapes are compiled in as constants: one program per value, capped."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.errors import SessionError
from tfc.runtime.graph_session import GraphSession

from ..tf.graphs import GraphBuilder, shape_attr

I32, F32 = np.int32, np.float32
X = np.arange(12, dtype=F32)


def graph():
    """r = reshape(x, [n, -1]); range = range(0, n + size(k)); lst = zeros [n, 2] from a TensorList."""
    g = GraphBuilder()
    g.op("Placeholder", name="x", dtype=F32, shape=shape_attr([None]))
    g.op("Placeholder", name="n", dtype=I32, shape=shape_attr([]))
    g.op("Placeholder", name="k", dtype=I32, shape=shape_attr([None]))  # data: only its size matters
    g.op("Placeholder", name="f", dtype=F32, shape=shape_attr([]))
    g.op("Pack", ["n", g.const(I32(-1))], name="shape", T=I32, N=2, axis=0)
    g.op("Reshape", ["x", "shape"], name="r", T=F32, Tshape=I32)
    g.op("AddV2", ["n", g.op("Size", ["k"], name="size", T=I32, out_type=I32)], name="limit", T=I32)
    g.op("Range", [g.const(I32(0)), "limit", g.const(I32(1))], name="range", Tidx=I32)
    g.op("TensorListReserve", [g.const(np.array([2], I32)), "n"], name="list", element_dtype=F32, shape_type=I32)
    g.op("TensorListStack", ["list", g.const(np.array([2], I32))], name="stack", element_dtype=F32, num_elements=-1)
    g.op("Cast", ["f"], name="f_int", SrcT=F32, DstT=I32)
    g.op("Range", [g.const(I32(0)), "f_int", g.const(I32(1))], name="float_range", Tidx=I32)
    return g.graph


@pytest.fixture
def session():
    return GraphSession(GraphImporter(graph()), backend="interp", max_constant_feed_values=3)


def steps(session) -> int:
    return len(session._steps)


def test_a_fed_reshape_target_compiles_once_per_value(session):
    for n in (2, 3, 2):
        (r,) = session.run(["r:0"], {"x": X, "n": I32(n)})
        np.testing.assert_array_equal(r, X.reshape(n, -1))
    assert steps(session) == 2
    assert len(session.constant_feeds.log) == 1 and "n:0" in session.constant_feeds.log[0]
    assert "'tf.Reshape': the shape (operand #1) must be a constant" in session.constant_feeds.log[0]


def test_a_fed_list_length_and_range_limit(session):
    (lst,) = session.run(["stack:0"], {"n": I32(4)})
    np.testing.assert_array_equal(lst, np.zeros((4, 2), F32))
    for k in (np.arange(3, dtype=I32), np.arange(3, dtype=I32) * 7):  # new k values, same size: no new program
        (values,) = session.run(["range:0"], {"n": I32(2), "k": k})
        np.testing.assert_array_equal(values, np.arange(5))
    assert steps(session) == 2 and all("k:0" not in line for line in session.constant_feeds.log)


def test_past_the_cap_the_feed_is_named(session):
    for n in (1, 2, 3):
        session.run(["r:0"], {"x": X, "n": I32(n)})
    with pytest.raises(SessionError, match=r"feed 'n:0' determines a shape, so each of its values compiles a program of its "
                                           r"own; 3 values compiled already \(max_constant_feed_values=3\)"):
        session.run(["r:0"], {"x": X, "n": I32(4)})
    (r,) = session.run(["r:0"], {"x": X, "n": I32(2)})  # a value seen before still runs
    assert r.shape == (2, 6)


def test_a_shape_from_a_float_feed_stays_an_error(session):
    with pytest.raises(TfcError, match="must be a constant"):
        session.run(["float_range:0"], {"f": F32(3.7)})
