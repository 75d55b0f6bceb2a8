"""Every graph in tests/data/corpus imports, legalizes and matches TensorFlow's outputs, through the
Python API on both backends and through ``tfc run``."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tfc.tools.cli import cli

from .corpus import CORPUS, cases, run_case

CASES = cases()
assert CASES, f"no corpus cases found under {CORPUS}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_case_matches_tensorflow(case, backend):
    case.check(run_case(case, backend))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_tfc_run_matches_tensorflow(case, tmp_path):
    info = case.info
    inputs = tmp_path / "in.npz"
    np.savez(inputs, **{name: value for name, value in case.feeds().items()})
    out = tmp_path / "out.npz"
    args = ["run", str(case.graph), "--inputs", str(inputs), "-o", str(out)]
    args += [a for name in info["fetches"] for a in ("--fetch", name)]
    args += [a for name in info.get("targets") or [] for a in ("--target", name)]
    args += [a for name in info.get("init_targets") or [] for a in ("--init", name)]
    if info.get("steps"):
        args += ["--steps", str(info["steps"])]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with np.load(out) as data:
        assert sorted(data.files) == sorted(info["fetches"])
        case.check({name: data[name] for name in data.files})
