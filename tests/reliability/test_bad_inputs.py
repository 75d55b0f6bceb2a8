"""Every generated bad input, end to end: the real ``tfc`` executable in a subprocess (one error line,
exit 1 or 2, no traceback, no output file left behind) and the Python API (a TfcError naming the
fault), or — for odd but legal inputs — the right result from both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tfc.diagnostics import TfcError

from .bad_inputs import Case, cases

TFC = Path(sys.executable).parent / "tfc"
CASES = cases()


def run_tfc(case: Case, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(TFC), *case.cli], cwd=folder, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", [c for c in CASES if c.cli], ids=lambda c: c.name)
def test_cli(case: Case, tmp_path):
    folder = case.materialize(tmp_path)
    before = {p.relative_to(folder) for p in folder.rglob("*")}
    result = run_tfc(case, folder)
    if case.error is None:
        assert result.returncode == 0, result.stderr
        if case.check:
            case.check(folder, None)
        return
    lines = result.stderr.strip().splitlines()
    assert result.returncode in (1, 2), (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert "error" in lines[0] and case.error in lines[0], lines[0]
    assert {p.relative_to(folder) for p in folder.rglob("*")} == before, "a failed run left files behind"


@pytest.mark.parametrize("case", [c for c in CASES if c.api], ids=lambda c: c.name)
def test_python_api(case: Case, tmp_path):
    folder = case.materialize(tmp_path)
    if case.error is None:
        result = case.api(folder)
        if case.check:
            case.check(folder, result)
        return
    with pytest.raises(TfcError) as caught:
        case.api(folder)
    assert case.error in str(caught.value), str(caught.value)


def test_every_kind_is_covered():
    kinds = {c.name.split("/")[0] for c in CASES}
    assert kinds == {"graphdef", "npz", "ir", "checkpoint"}
    assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"
