"""tfc.profile and ``tfc run --profile``: the trace files jax's profiler writes, tfc's annotations in
them, the top-ops table read back from them, and one-line errors for a folder that cannot hold them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import tfc
from tfc.backends import profiler
from tfc.backends.profiler import OpTime, TraceEvent, annotate, format_top_ops, step, top_ops, trace_events
from tfc.diagnostics import BackendError
from tfc.tools.cli import cli

CASE = Path(__file__).resolve().parents[1] / "data" / "corpus" / "small_cnn"


def invoke(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture(scope="module")
def profiled(tmp_path_factory):
    """One profile of a compiled function (first call compiles, then three annotated steps)."""
    log_dir = tmp_path_factory.mktemp("profile")

    @tfc.compile
    def f(x):
        return tfc.tanh(tfc.matmul(x, x)) + 1.0

    x = np.ones((64, 64), np.float32)
    with tfc.profile(log_dir) as run:
        for number in range(3):
            with step("tfc.step", number), annotate("test.span", number=number):
                np.asarray(f(x))
    return run


def test_profile_writes_the_files_tensorboard_and_perfetto_open(profiled):
    names = {p.name for p in profiled.files}
    assert profiled.run_dir.parent.parts[-2:] == ("plugins", "profile")
    assert "perfetto_trace.json.gz" in names
    assert any(n.endswith(".xplane.pb") for n in names) and any(n.endswith(".trace.json.gz") for n in names)
    assert all(p.stat().st_size > 0 for p in profiled.files)
    with gzip.open(profiled.run_dir / "perfetto_trace.json.gz", "rt") as stream:
        perfetto = json.load(stream)
    assert "metadata" not in perfetto and {e.get("name") for e in perfetto["traceEvents"]} >= {"tfc.compile", "test.span"}


def test_tfc_phases_and_steps_are_annotated_in_the_xplane(profiled):
    events = trace_events(profiled.run_dir)
    names = [e.name for e in events]
    assert names.count("tfc.compile") == 1  # compiled once, run three times
    assert names.count("test.span") == 3 and sorted(e.stats["number"] for e in events if e.name == "test.span") == [0, 1, 2]
    steps = [e for e in events if e.name == "tfc.step"]
    assert len(steps) == 3 and all(e.duration_ns > 0 for e in steps)


def test_top_ops_are_measured_xla_ops(profiled):
    ops = top_ops(profiled.run_dir, 5)
    assert 0 < len(ops) <= 5 and all(op.seconds > 0 and op.calls >= 1 for op in ops)
    assert [op.seconds for op in ops] == sorted((op.seconds for op in ops), reverse=True)
    assert 0 < sum(op.share for op in ops) <= 1.0 + 1e-9
    assert ops == profiled.top_ops(5)


def test_self_time_does_not_count_nested_ops_twice(monkeypatch):
    """A while loop's span holds its body's ops: the loop gets only the time outside them."""
    def event(name, start, duration, line="ops"):
        return TraceEvent("/host:CPU", line, name, start, duration, {"hlo_op": name, "hlo_module": "main"})

    events = [event("while", 0, 1000), event("body", 100, 300), event("body", 500, 300), event("other", 0, 50, line="t2")]
    monkeypatch.setattr(profiler, "trace_events", lambda run_dir: events)
    got = {op.name: (op.calls, round(op.seconds * 1e9), round(op.share, 4)) for op in top_ops("unused")}
    assert got == {"body": (2, 600, 0.5714), "while": (1, 400, 0.381), "other": (1, 50, 0.0476)}


def test_device_ops_win_over_the_host_thunks_that_launch_them(monkeypatch):
    events = [TraceEvent("/host:CPU", "t", "launch", 0, 900, {"hlo_op": "fusion"}),
              TraceEvent("/device:GPU:0", "XLA Ops", "fusion", 0, 100, {"hlo_op": "fusion", "hlo_module": "jit_f"})]
    monkeypatch.setattr(profiler, "trace_events", lambda run_dir: events)
    [op] = top_ops("unused")
    assert (op.name, op.module, op.calls, op.share) == ("fusion", "jit_f", 1, 1.0) and op.seconds == pytest.approx(100e-9)


def test_format_top_ops_table():
    lines = format_top_ops([OpTime("dot.1", "main", 4, 0.002, 0.75), OpTime("add", "main", 2, 0.0005, 0.25)])
    assert lines[0] == "profile: top 2 XLA ops by self time (all XLA ops: 2.667 ms)"
    assert lines[2].split() == ["dot.1", "(main)", "2.000", "75.0%", "4", "500.0"]
    assert format_top_ops([]) == ["profile: no XLA ops in the trace"]


def test_one_profile_at_a_time(tmp_path):
    with tfc.profile(tmp_path / "a"), pytest.raises(BackendError, match="cannot start a profile"), tfc.profile(tmp_path / "b"):
        pass


def test_tfc_run_profile_stats_prints_top_ops(tmp_path):
    fetch = json.loads((CASE / "case.json").read_text())["fetches"][0]
    result = invoke("run", str(CASE / "graph.pb"), "--inputs", str(CASE / "inputs.npz"), "--fetch", fetch,
                    "--profile", str(tmp_path / "logs"), "--stats", "-o", str(tmp_path / "out.npz"))
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("profile: top ")))
    rows = lines[header + 2:]
    assert 1 <= len(rows) <= 10 and lines[header + 1].split()[-4:] == ["ms", "share", "calls", "mean", "us"][-4:]
    shares = [float(row.split()[-3].rstrip("%")) for row in rows]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 100.5
    run_dir = profiler.latest_run(tmp_path / "logs")
    assert f"profile: written to {run_dir}" in lines
    assert {"tfc.import", "tfc.passes", "tfc.compile", "tfc.fetch"} <= {e.name for e in trace_events(run_dir)}


@pytest.mark.parametrize("make_bad", [
    lambda tmp: (tmp / "file").write_text("x") and tmp / "file",  # DIR is a file
    lambda tmp: (tmp / "file").write_text("x") and tmp / "file" / "sub",  # DIR under a file
])
def test_bad_profile_dir_is_one_line_and_exit_2(tmp_path, make_bad):
    bad = make_bad(tmp_path)
    result = invoke("run", str(CASE / "graph.pb"), "--profile", str(bad))
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()] and result.stderr.startswith(f"{bad}: error: ")
    assert "Traceback" not in result.stderr
