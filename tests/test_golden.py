"""Golden tests: every ``tests/golden/**/*.ir`` file is one pytest test (collected by conftest.py).

A golden file holds IR and ``// RUN:`` lines, as LLVM's lit tests do::

    // RUN: tfc opt %s --passes cse,dce | filecheck %s
    // RUN: not tfc opt %s --split-input-file 2>&1 | filecheck %s
    // REQUIRES-OP: tfc.dot_general

The ``tfc`` command runs in-process (click's test runner: no subprocess per file), ``not`` expects a
failing exit status, ``%S`` is the golden file's folder, ``2>&1`` feeds stderr to the checker too, and the output goes to the ``filecheck``
package's matcher. ``REQUIRES-OP`` skips the file while an op is not in the registry.
The tests at the bottom check the runner itself.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

GOLDEN_DIR = Path(__file__).parent / "golden"
_RUN = re.compile(r"^\s*//\s*RUN:\s?(.*)$")
_REQUIRES_OP = re.compile(r"^\s*//\s*REQUIRES-OP:\s*(.*)$")


class GoldenFailure(Exception):
    """A RUN line did not behave: wrong exit status, an exception, or filecheck mismatch."""


@dataclass
class RunLine:
    """One ``// RUN:`` line: ``[not] tfc ARGS [2>&1] [| filecheck FILECHECK_ARGS]``."""

    text: str
    negate: bool
    args: list[str]
    merge_stderr: bool
    filecheck_args: list[str] | None = field(default=None)


def parse_run_line(text: str, path: Path) -> RunLine:
    """Split a RUN line into the tfc command and the filecheck command; ``%s`` is the file, ``%S``
    its folder (as in lit: ``%S/../../data/corpus/...`` reaches the test data)."""
    tokens = [t.replace("%s", str(path)).replace("%S", str(path.parent)) for t in shlex.split(text)]
    command, _, checker = _split_pipe(tokens)
    negate = bool(command) and command[0] == "not"
    if negate:
        command = command[1:]
    merge = "2>&1" in command
    command = [t for t in command if t != "2>&1"]
    if not command or command[0] != "tfc":
        raise GoldenFailure(f"RUN line must run 'tfc': {text}")
    if checker is not None and (not checker or checker[0] != "filecheck"):
        raise GoldenFailure(f"RUN line may only pipe into 'filecheck': {text}")
    return RunLine(text, negate, command[1:], merge, checker[1:] if checker is not None else None)


def _split_pipe(tokens: list[str]):
    if "|" not in tokens:
        return tokens, None, None
    index = tokens.index("|")
    return tokens[:index], "|", tokens[index + 1 :]


def read_directives(path: Path) -> tuple[list[str], list[str]]:
    """(RUN command texts, required op names) of a golden file; ``\\`` continues a RUN line."""
    runs, requires, pending = [], [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _RUN.match(line)
        if match:
            part = match.group(1).rstrip()
            pending = part if pending is None else pending + " " + part
            if pending.endswith("\\"):
                pending = pending[:-1]
                continue
            runs.append(pending)
            pending = None
            continue
        required = _REQUIRES_OP.match(line)
        if required:
            requires += required.group(1).replace(",", " ").split()
    return runs, requires


# ---- running the pieces ------------------------------------------------------------------------------
def run_tfc(args: list[str]) -> tuple[int, str, str, str]:
    """Run ``tfc ARGS`` in-process: (exit status, stdout, stderr, both interleaved)."""
    from tfc.tools.cli import cli

    result = CliRunner().invoke(cli, args, prog_name="tfc", catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        raise GoldenFailure(f"tfc {shlex.join(args)} raised an exception (never allowed):\n{trace}")
    return result.exit_code, result.stdout, result.stderr, result.output


def run_filecheck(check_file: Path, text: str, args: list[str]) -> tuple[int, str]:
    """Match ``text`` against the CHECK lines of ``check_file``: (status, diagnostics)."""
    from filecheck.finput import FInput
    from filecheck.matcher import Matcher
    from filecheck.options import parse_argv_options
    from filecheck.parser import Parser

    opts = parse_argv_options(["filecheck", *args] if args else ["filecheck", str(check_file)])
    diagnostics = io.StringIO()
    with contextlib.redirect_stderr(diagnostics):
        matcher = Matcher(opts, FInput("<tfc output>", FInput.canonicalize_line_ends(text)), Parser.from_opts(opts))
        matcher.stderr = diagnostics
        status = matcher.run()
    return status, diagnostics.getvalue()


def run_golden(path: Path) -> None:
    """Run every RUN line of ``path``; raise GoldenFailure with the details of the first that fails."""
    runs, _ = read_directives(path)
    if not runs:
        raise GoldenFailure(f"{path} has no '// RUN:' line")
    for text in runs:
        _run_one(parse_run_line(text, path), path)


def _run_one(run: RunLine, path: Path) -> None:
    status, stdout, stderr, merged = run_tfc(run.args)
    failed = status != 0
    if failed != run.negate:
        want = "a failing" if run.negate else "a zero"
        raise GoldenFailure(f"RUN: {run.text}\nexpected {want} exit status, got {status}\n--- stderr ---\n{stderr}--- stdout ---\n{stdout}")
    if run.filecheck_args is None:
        return
    text = merged if run.merge_stderr else stdout
    check_status, diagnostics = run_filecheck(path, text, run.filecheck_args)
    if check_status != 0:
        raise GoldenFailure(
            f"RUN: {run.text}\nfilecheck failed:\n{diagnostics}\n--- input to filecheck ---\n{text}"
            + ("" if run.merge_stderr else f"--- stderr ---\n{stderr}")
        )


def missing_ops(path: Path) -> list[str]:
    from tfc.registry import lookup

    _, requires = read_directives(path)
    return [name for name in requires if lookup(name) is None]


# ---- pytest collection (used from conftest.py) --------------------------------------------------------
class GoldenFile(pytest.File):
    """A ``.ir`` golden file: one test item."""

    def collect(self):
        yield GoldenItem.from_parent(self, name=self.path.relative_to(GOLDEN_DIR).as_posix())


class GoldenItem(pytest.Item):
    def runtest(self) -> None:
        missing = missing_ops(self.path)
        assert not missing, f"{self.path}: REQUIRES-OP names ops that are not registered: {', '.join(missing)}"
        run_golden(self.path)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GoldenFailure):
            return f"{self.path}:\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"golden: {self.name}"


def golden_files() -> list[Path]:
    return sorted(GOLDEN_DIR.rglob("*.ir"))


# ---- tests of the runner itself -----------------------------------------------------------------------
_SAMPLE = """\
// RUN: tfc opt %s | filecheck %s
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<f32>):
    %y = "tfc.negate"(%x) : (tensor<f32>) -> tensor<f32> loc("s.py":1:1)
    "func.return"(%y) : (tensor<f32>) -> () loc(unknown)
  }) {function_type = (tensor<f32>) -> tensor<f32>, sym_name = "main"} : () -> () loc(unknown)
}) : () -> () loc(unknown)
"""


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sample.ir"
    path.write_text(body)
    return path


def test_golden_files_exist_in_every_folder():
    folders = {p.parent.name for p in golden_files()}
    assert {"text", "verify", "parse", "cse", "dce", "translate"} <= folders


def test_runner_passes_matching_checks(tmp_path):
    run_golden(_write(tmp_path, _SAMPLE + "// CHECK: %y = \"tfc.negate\"(%x)\n// CHECK-SAME: loc(\"s.py\":1:1)\n"))


def test_runner_reports_a_check_that_does_not_match(tmp_path):
    path = _write(tmp_path, _SAMPLE + "// CHECK: tfc.exp\n")
    with pytest.raises(GoldenFailure, match="filecheck failed"):
        run_golden(path)


def test_runner_not_expects_failure(tmp_path):
    path = _write(tmp_path, _SAMPLE.replace("RUN: tfc", "RUN: not tfc") + "// CHECK: tfc.negate\n")
    with pytest.raises(GoldenFailure, match="expected a failing exit status"):
        run_golden(path)


def test_runner_merges_stderr(tmp_path):
    body = '// RUN: not tfc opt %s 2>&1 | filecheck %s\n"builtin.module"() ({\n// CHECK: sample.ir:2:{{[0-9]+}}: error:\n'
    run_golden(_write(tmp_path, body))


def test_runner_without_stderr_merge_does_not_see_errors(tmp_path):
    body = '// RUN: not tfc opt %s | filecheck %s\n"builtin.module"() ({\n// CHECK: error:\n'
    with pytest.raises(GoldenFailure, match="filecheck failed"):
        run_golden(_write(tmp_path, body))


def test_run_line_parsing(tmp_path):
    run = parse_run_line("not tfc opt %s --passes cse,dce 2>&1 | filecheck %s --check-prefix=X", tmp_path / "a.ir")
    assert run.negate and run.merge_stderr
    assert run.args == ["opt", str(tmp_path / "a.ir"), "--passes", "cse,dce"]
    assert run.filecheck_args == [str(tmp_path / "a.ir"), "--check-prefix=X"]
