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


def test_ops_computing_only_summaries_run_only_when_a_sink_wants_them():
    got, wanted = [], [True]
    sink = lambda names, values: got.append(float(np.asarray(values[0])))
    summaries.add_sink(sink, lambda: wanted[0])
    w = tfc.Variable(np.array([1.0, 2.0, 3.0], np.float32), name="summary_skip_w")

    @tfc.compile
    def step(x):
        loss = tfc.reduce_sum(x * w)
        summaries.record("w_max", "scalars", tfc.max(tfc.exp(w)))
        w.assign(w + 1.0)
        return loss

    try:
        x = np.ones(3, np.float32)
        for want in (True, False, True):
            wanted[0] = want
            step(x)
    finally:
        summaries.remove_sink(sink)
    np.testing.assert_allclose(got, [np.exp(3.0), np.exp(5.0)], rtol=1e-6)  # the second call computed none
    assert step.trace_count == 1
    text = step.lower(x).as_text()
    branch = text[text.index('"tfc.if"(%record_summaries)'):text.index("}, {")]
    assert '"tfc.exp"' in branch and 'kind = "max"' in branch  # moved into the branch taken when recording
    assert '"tfc.multiply"' not in branch and "%record_summaries: tensor<i1>" in text


def test_a_returned_value_that_is_also_a_summary_stays_outside_the_branch(received):
    @tfc.compile
    def mean(x):
        value = tfc.mean(x)
        summaries.record("mean", "scalars", value)
        return value

    assert float(mean(np.arange(4, dtype=np.float32))) == 1.5
    assert float(received[-1][1][0]) == 1.5
