"""Every case of the TensorFlow-generated op suite, imported and run on both backends, compared with
the outputs TensorFlow recorded."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.backends import load
from tfc.frontend.tf.importer import GraphImporter
from tfc.runtime.graph_session import GraphSession

from .graphs import import_and_legalize, initial_op_state
from .op_suite import SuiteCase, all_cases

CASES = all_cases()


def tolerance(case: SuiteCase, dtype: np.dtype) -> dict:
    if dtype.kind not in "fc":
        return dict(rtol=0, atol=0)
    default = {2: 1e-2, 4: 1e-5, 8: 1e-12}.get(dtype.itemsize if dtype.kind == "f" else dtype.itemsize // 2, 1e-5)
    return dict(rtol=case.rtol or default, atol=case.atol if case.atol is not None else default)


def run_stateless(case: SuiteCase, backend: str) -> list[np.ndarray]:
    """One run (a stateful random op's first, from its initial op state)."""
    result = import_and_legalize(case.graph, case.feeds, case.fetches)
    state, skip = initial_op_state(result.module)
    args = [case.feeds[name] for name in result.feeds] + state
    return [np.asarray(v) for v in load(result.module, backend=backend).call(*args)][skip:]


def run_in_session(case: SuiteCase, backend: str) -> list[np.ndarray]:
    """As the generator ran it in TensorFlow: ``init`` (if any), then the fetches ``steps`` times (last
    values kept)."""
    session = GraphSession(GraphImporter(case.graph), backend=backend)
    if case.init:
        session.run([], targets=[case.init])
    for _ in range(case.steps):
        got = session.run(case.fetches, case.feeds, case.targets)
    return got


@pytest.mark.parametrize("backend", ["interp", "xla"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: SuiteCase, backend: str):
    got = run_in_session(case, backend) if case.init or case.composite else run_stateless(case, backend)
    assert len(got) == len(case.expected)
    for value, want in zip(got, case.expected):
        assert value.dtype == want.dtype and value.shape == want.shape, (value.dtype, value.shape, want.dtype, want.shape)
        if case.check == "values":
            np.testing.assert_allclose(value, want, equal_nan=True, **tolerance(case, want.dtype))
