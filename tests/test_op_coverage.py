"""``tfc ops`` reports coverage from data shipped with the package, and that data is current."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tfc.registry import REGISTRY
from tfc.tools import op_coverage
from tfc.tools.cli import cli
from tfc.tools.op_coverage import render, scan, scan_suite

TESTS = Path(__file__).resolve().parent


def test_shipped_coverage_matches_the_test_suite():
    """Regenerate with `python -m tfc.tools.op_coverage tests --write` when this fails."""
    stale = "tools/op_coverage.json is stale: run python -m tfc.tools.op_coverage tests --write"
    assert sorted(op_coverage.tested_ops()) == scan(TESTS), stale
    assert sorted(op_coverage.suite_ops()) == scan_suite(TESTS), stale


def test_coverage_names_only_registered_ops():
    names = {op.name for op in REGISTRY}
    assert op_coverage.tested_ops() <= names
    assert "tfc.add" in op_coverage.tested_ops() and "tf.MatMul" in op_coverage.tested_ops()


def test_render_is_deterministic():
    assert render(scan(TESTS), scan_suite(TESTS)) == render(scan(TESTS), scan_suite(TESTS))


def test_tfc_ops_table_uses_the_shipped_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing beside the working directory: the data comes from the package
    result = CliRunner().invoke(cli, ["ops"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["op", "import", "decomposition", "gradient", "tested", "suite", "xla-bridge"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["tfc.add"][-3] == "yes"
    assert rows["tf.MatMul"][:3] == ["tf.MatMul", "yes", "yes"]
    assert rows["tf.AddV2"][-2:] == ["yes", "yes"]  # in the generated suite; TensorFlow's XLA bridge compiles it
    assert rows["tf.Placeholder"][-1] == "no"
    untested = [name for name, row in rows.items() if row[-3] == "no"]
    assert all(name not in op_coverage.tested_ops() for name in untested)


def test_tfc_ops_summary_and_missing():
    summary = CliRunner().invoke(cli, ["ops", "--summary"])
    assert summary.exit_code == 0, summary.output
    supported = sum(1 for op in REGISTRY if op.name.startswith("tf.") and op.name != "tf.TfcGradients")  # tfc's own op
    assert f"TensorFlow op types supported: {supported}" in summary.output
    assert f"in the generated op suite: {len(op_coverage.suite_ops())}" in summary.output
    missing = CliRunner().invoke(cli, ["ops", "--missing"]).output.split()
    assert "MatMul" not in missing and missing == sorted(missing)
    assert f"tfc lacks {len(missing)} of them" in summary.output
