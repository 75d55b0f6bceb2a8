"""``tfc ops`` reports coverage from data shipped with the package, and that data is current."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tfc.registry import REGISTRY
from tfc.tools import op_coverage
from tfc.tools.cli import cli
from tfc.tools.op_coverage import render, scan

TESTS = Path(__file__).resolve().parent


def test_shipped_coverage_matches_the_test_suite():
    """Regenerate with `python -m tfc.tools.op_coverage tests --write` when this fails."""
    assert sorted(op_coverage.tested_ops()) == scan(TESTS), "tools/op_coverage.json is stale: run python -m tfc.tools.op_coverage tests --write"


def test_coverage_names_only_registered_ops():
    names = {op.name for op in REGISTRY}
    assert op_coverage.tested_ops() <= names
    assert "tfc.add" in op_coverage.tested_ops() and "tf.MatMul" in op_coverage.tested_ops()


def test_render_is_deterministic():
    assert render(scan(TESTS)) == render(scan(TESTS))


def test_tfc_ops_table_uses_the_shipped_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing beside the working directory: the data comes from the package
    result = CliRunner().invoke(cli, ["ops"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["op", "import", "decomposition", "gradient", "tested"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["tfc.add"][-1] == "yes"
    assert rows["tf.MatMul"][:3] == ["tf.MatMul", "yes", "yes"]
    untested = [name for name, row in rows.items() if row[-1] == "no"]
    assert all(name not in op_coverage.tested_ops() for name in untested)
