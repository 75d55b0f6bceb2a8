"""Traced control flow nested up to tfc's limit compiles, runs and differentiates within Python's
recursion limit; one level deeper is a TraceError at the user's line (tfc.limits.MAX_REGION_DEPTH)."""

from __future__ import annotations

import numpy as np
import pytest

import tfc
from tfc.diagnostics import TraceError
from tfc.limits import MAX_REGION_DEPTH

from ..test_nesting import frame_budget

CONDS_AT_LIMIT = MAX_REGION_DEPTH - 2  # a traced function's body is already two regions deep


def nested_conds(levels: int):
    """``f(p, x)``: ``levels`` nested tfc.cond on p, the innermost doubling x, every other branch x + 1."""

    def nest(k, p, x):
        if k == 0:
            return x * 2.0
        return tfc.cond(p, lambda: nest(k - 1, p, x), lambda: x + 1.0)

    def f(p, x):
        return nest(levels, p, x)

    return f


ARGS = (np.array(True), np.array(1.5, np.float32))


@pytest.mark.parametrize("backend", ["interp", "xla"])
def test_conds_nested_to_the_limit_run(backend):
    f = tfc.compile(nested_conds(CONDS_AT_LIMIT), backend=backend)
    with frame_budget():  # tracing recurses through the user's own nest() too: 5 frames a level
        assert float(np.asarray(f(*ARGS))) == 3.0
        assert float(np.asarray(f(np.array(False), ARGS[1]))) == 2.5


def test_gradient_through_conds_nested_to_the_limit():
    f = nested_conds(CONDS_AT_LIMIT)
    grad = tfc.compile(tfc.grad(lambda p, x: tfc.sum(f(p, x)), argnums=1), backend="interp")
    with frame_budget():  # the deepest user of the stack: 392 frames at this depth (measured)
        assert float(np.asarray(grad(*ARGS))) == 2.0


def test_one_cond_deeper_is_a_trace_error_at_the_users_line():
    f = tfc.compile(nested_conds(CONDS_AT_LIMIT + 1), backend="interp")
    with pytest.raises(TraceError, match=f"control flow nested {MAX_REGION_DEPTH + 1} regions deep; tfc allows at most {MAX_REGION_DEPTH}") as caught:
        f(*ARGS)
    assert caught.value.location.file == __file__
