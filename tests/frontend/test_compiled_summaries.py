"""Summaries recorded inside @tfc.compile (tfc.frontend.summaries): each is a ``tfc.summary`` op
while traced, then an extra result of the function (its ``tfc.summaries`` attribute names them), and
its value goes to the sinks after every call, with no retrace and nothing else returned."""

from __future__ import annotations

import numpy as np
import pytest

import tfc
from tfc.diagnostics import TraceError
from tfc.frontend import summaries


@pytest.fixture
def received():
    got = []
    sink = lambda names, values: got.append((names, [np.asarray(v) for v in values]))
    summaries.add_sink(sink)
    yield got
    summaries.remove_sink(sink)


def test_summaries_leave_as_extra_results_and_reach_the_sinks(received):
    w = tfc.Variable(np.ones(3, np.float32), name="summary_test_w")

    @tfc.compile
    def step(x):
        loss = tfc.reduce_sum(x * w)
        summaries.record("loss", "scalars", loss)
        summaries.record("weights", "histograms", w * 1.0, {"buckets": 4})
        w.assign(w * 0.5)
        return loss

    x = np.arange(3, dtype=np.float32)
    assert float(step(x)) == 3.0 and float(step(x)) == 1.5  # the function's own result only
    assert step.trace_count == 1
    assert [names for names, _ in received] == [[("loss", "scalars", {}), ("weights", "histograms", {"buckets": 4})]] * 2
    assert [float(values[0]) for _, values in received] == [3.0, 1.5]
    np.testing.assert_array_equal(received[1][1][1], [0.5, 0.5, 0.5])
    text = step.lower(x).as_text()
    assert 'tfc.summaries = ["loss", "weights"]' in text and "tfc.summary\"" not in text


def test_a_summary_inside_a_loop_is_refused():
    @tfc.compile
    def looped(x):
        def body(state):
            summaries.record("inside", "scalars", state[1])
            return state[0] + 1, state[1] * 2.0
        return tfc.while_loop(lambda s: s[0] < 3, body, (np.int32(0), x))[1]

    with pytest.raises(TraceError, match="summary recorded inside a loop or a branch"):
        looped(np.float32(1.0))


def test_structured_results_keep_their_structure(received):
    @tfc.compile
    def both(x):
        summaries.record("mean", "scalars", tfc.mean(x))
        return {"double": x * 2.0, "sum": tfc.reduce_sum(x)}

    out = both(np.ones(4, np.float32))
    assert set(out) == {"double", "sum"} and float(out["sum"]) == 4.0
    assert float(received[-1][1][0]) == 1.0
