"""The pass manager's reporting: --print-ir-after-change, --timing, --stats, failing passes, string
list options, and the named default pipelines."""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from tfc import passmanager
from tfc.attributes import StringAttr
from tfc.builder import Builder
from tfc.diagnostics import TfcError
from tfc.ir import Function, Module
from tfc.parser import parse_module
from tfc.passmanager import (
    DEFAULT_PIPELINE,
    Pass,
    PassFailedError,
    PassManager,
    PassVerifyError,
    PipelineError,
    default_pipeline,
    format_pass,
    format_pipeline,
    parse_pipeline,
)
from tfc.printer import print_module
from tfc.types import DType, FunctionType, TensorType

F32 = TensorType(DType.f32, (3,))


def sample_module() -> Module:
    """exp(x) twice (cse bait), an unused negate (dce bait), their sum returned."""
    module = Module.create()
    function = module.add_function(Function.create("main", [F32], [], ["x"]))
    b = Builder(function.body)
    x = function.args[0]
    a, c = b.value("tfc.exp", x), b.value("tfc.exp", x)
    b.value("tfc.negate", c)
    total = b.value("tfc.add", a, c)
    b.create("func.return", [total])
    function.set_type(FunctionType((F32,), (F32,)))
    return module


@pytest.fixture
def temp_pass(monkeypatch):
    """Register pass classes for one test only."""
    passmanager.available_passes()

    def add(cls):
        monkeypatch.setitem(passmanager._PASSES, cls.name, cls)
        return cls

    return add


@dataclass(frozen=True)
class FailingPass(Pass):
    """Raises a TfcError, as a pass does when its input does not fit."""

    name = "test-fail"

    def run(self, module):
        raise TfcError("error: cannot do this\nsecond line of detail")


@dataclass(frozen=True)
class BuggyPass(Pass):
    """Raises an ordinary exception, as a pass with a bug does."""

    name = "test-bug"

    def run(self, module):
        raise KeyError("oops")


@dataclass(frozen=True)
class RenamePass(Pass):
    """Changes one attribute only: the printed IR differs though no op was added or removed."""

    name = "test-rename"

    def run(self, module):
        module.functions[0].op.attributes["sym_name"] = StringAttr("renamed")


@dataclass(frozen=True)
class SlowPass(Pass):
    """Sleeps, so the timing report has a pass that dominates."""

    name = "test-slow"
    seconds: float = 0.05

    def run(self, module):
        time.sleep(self.seconds)


@dataclass(frozen=True)
class ListPass(Pass):
    """Has a string option that may hold a list and options of other kinds."""

    name = "test-list"
    items: str = ""
    count: int = 0
    other: str = "x"
    flag: bool = False

    def run(self, module):
        pass


def dumps(text: str) -> list[str]:
    return re.findall(r"// -----// IR after (\S+) //----- //", text)


# ---- default pipelines -------------------------------------------------------------------------------
def test_default_pipelines_are_named():
    assert DEFAULT_PIPELINE == "canonicalize"
    assert default_pipeline() == default_pipeline("core") == DEFAULT_PIPELINE
    assert default_pipeline("tf") == "shape-inference,tf-fold,tf-fuse,canonicalize"
    with pytest.raises(ValueError, match="no default pipeline for level 'hlo' .*levels: tf, core"):
        default_pipeline("hlo")


@pytest.mark.parametrize("level", ["tf", "core"])
def test_default_pipelines_parse(level):
    names = default_pipeline(level).split(",")
    assert not [n for n in names if n not in passmanager.available_passes()]
    assert [p.name for p in parse_pipeline(default_pipeline(level))] == names


# ---- print-ir-after-change ---------------------------------------------------------------------------
def test_print_ir_after_change_skips_passes_that_changed_nothing():
    out = io.StringIO()
    module = sample_module()
    PassManager("cse,dce,cse,dce", print_ir_after_change=True, out=out).run(module)
    assert dumps(out.getvalue()) == ["cse", "dce"]
    assert out.getvalue().endswith(print_module(module))


def test_print_ir_after_change_sees_attribute_changes(temp_pass):
    temp_pass(RenamePass)
    out = io.StringIO()
    PassManager("cse,dce,test-rename,test-rename", print_ir_after_change=True, out=out).run(sample_module())
    assert dumps(out.getvalue()) == ["cse", "dce", "test-rename"]
    assert 'sym_name = "renamed"' in out.getvalue()


def test_print_ir_after_all_wins_over_after_change():
    out = io.StringIO()
    PassManager("cse,dce,cse", print_ir_after_all=True, print_ir_after_change=True, out=out).run(sample_module())
    assert dumps(out.getvalue()) == ["cse", "dce", "cse"]


# ---- stats and timing --------------------------------------------------------------------------------
def test_stats_one_line_per_pass():
    out = io.StringIO()
    PassManager("cse,dce,prune", stats=True, out=out).run(sample_module())
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    for line, (name, before, after) in zip(lines, [("cse", 4, 3), ("dce", 3, 2), ("prune", 2, 2)]):
        assert re.fullmatch(rf"{name}: ops {before} -> {after}, \d+\.\d ms", line), line


def test_timing_report_rows_and_shares(temp_pass):
    temp_pass(SlowPass)
    out = io.StringIO()
    PassManager("cse,test-slow,dce", verify_each=True, timing=True, out=out).run(sample_module())
    text = out.getvalue()
    assert "... Execution time report ..." in text
    total = float(re.search(r"Total Execution Time: (\d+\.\d+) seconds", text).group(1))
    rows = re.findall(r"^\s+(\d+\.\d+) \(\s*(\d+\.\d)%\)  (.+)$", text, re.MULTILINE)
    assert [name for _, _, name in rows] == ["cse", "test-slow", "dce", "Verifier", "Rest", "Total"]
    seconds = {name: float(s) for s, _, name in rows}
    shares = {name: float(p) for _, p, name in rows}
    assert seconds["test-slow"] >= 0.05 and shares["test-slow"] > 50
    assert shares["Total"] == 100.0 and seconds["Total"] == total
    assert sum(shares[n] for n in shares if n != "Total") == pytest.approx(100, abs=0.5)


def test_timing_without_verifier_has_no_verifier_row():
    out = io.StringIO()
    PassManager("cse", timing=True, out=out).run(sample_module())
    assert "Verifier" not in out.getvalue()
    assert re.search(r"\(100\.0%\)  Total\n$", out.getvalue())


def test_timing_report_comes_once_per_run():
    out = io.StringIO()
    manager = PassManager("cse", timing=True, out=out)
    manager.run(sample_module())
    manager.run(sample_module())
    assert out.getvalue().count("Execution time report") == 2


# ---- failing passes ----------------------------------------------------------------------------------
def test_failing_pass_names_itself_and_the_passes_before_it(temp_pass):
    temp_pass(FailingPass)
    with pytest.raises(PassFailedError) as info:
        PassManager("cse,dce,test-fail,cse").run(sample_module())
    err = info.value
    assert isinstance(err, TfcError)
    assert err.pass_name == "test-fail" and err.ran_before == ("cse", "dce")
    assert isinstance(err.cause, TfcError) and err.__cause__ is err.cause
    first, *rest = str(err).splitlines()
    assert first == "error: cannot do this [pass 'test-fail' failed; passes run before it: cse, dce]"
    assert rest == ["second line of detail"]


def test_failing_first_pass_says_none_ran_before(temp_pass):
    temp_pass(FailingPass)
    with pytest.raises(PassFailedError, match=r"passes run before it: none\]"):
        PassManager("test-fail").run(sample_module())


def test_pass_options_errors_name_the_pass_too():
    with pytest.raises(PassFailedError) as info:
        PassManager("cse,prune{outputs=4}").run(sample_module())
    assert info.value.pass_name == "prune" and info.value.ran_before == ("cse",)
    assert "output 4 does not exist" in str(info.value)


def test_a_buggy_pass_keeps_its_exception_with_a_note(temp_pass):
    temp_pass(BuggyPass)
    with pytest.raises(KeyError) as info:
        PassManager("dce,test-bug").run(sample_module())
    assert "in pass 'test-bug'; passes run before it: dce" in info.value.__notes__


def test_verify_failure_keeps_its_report():
    @dataclass(frozen=True)
    class Breaking(Pass):
        name = "test-break"

        def run(self, module):
            body = module.functions[0].body
            body.ops.insert(0, body.ops.pop())

    with pytest.raises(PassVerifyError, match=r"IR invalid after pass 'test-break'; passes run before it: cse\]"):
        PassManager([parse_pipeline("cse")[0], Breaking()], verify_each=True).run(sample_module())


def test_cli_reports_a_failing_pass_on_one_line(tmp_path, temp_pass):
    from tfc.tools.cli import cli

    temp_pass(FailingPass)
    path = tmp_path / "m.ir"
    path.write_text(print_module(sample_module()))
    result = CliRunner().invoke(cli, ["opt", str(path), "--passes", "cse,test-fail"])
    assert result.exit_code == 1
    assert result.stderr == "tfc: error: cannot do this [pass 'test-fail' failed; passes run before it: cse]\n"
    assert result.stdout == ""


def test_cli_timing_and_after_change(tmp_path):
    from tfc.tools.cli import cli

    path = tmp_path / "m.ir"
    path.write_text(print_module(sample_module()))
    result = CliRunner().invoke(cli, ["opt", str(path), "--passes", "cse,cse", "--timing", "--print-ir-after-change"])
    assert result.exit_code == 0, result.output
    assert dumps(result.stderr) == ["cse"]
    assert "Total Execution Time" in result.stderr
    assert print_module(parse_module(result.stdout)) == result.stdout


# ---- options -----------------------------------------------------------------------------------------
def test_string_options_take_comma_separated_lists(temp_pass):
    temp_pass(ListPass)
    (p,) = parse_pipeline("test-list{items=a, b ,c,count=2,other=y,z}")
    assert p == ListPass(items="a,b,c", count=2, other="y,z")
    (q,) = parse_pipeline("test-list{count=3,items=p/q:0,r}")
    assert q == ListPass(items="p/q:0,r", count=3)


@pytest.mark.parametrize(
    "text, message",
    [
        ("test-list{count=1,2}", "option '2' of pass 'test-list' needs a value"),
        ("test-list{items=a,flag}", "option 'flag' of pass 'test-list' needs a value"),
        ("test-list{a,items=b}", "option 'a' of pass 'test-list' needs a value"),
        ("test-list{flag=true,x}", "option 'x' of pass 'test-list' needs a value"),
    ],
)
def test_list_continuation_only_after_string_options(temp_pass, text, message):
    temp_pass(ListPass)
    with pytest.raises(PipelineError, match=re.escape(message)):
        parse_pipeline(text)


def test_format_pipeline_round_trips(temp_pass):
    temp_pass(ListPass)
    text = "cse,test-list{items=a,b,count=2,flag=true},prune{outputs=1,0,keep_stateful=false},dce"
    passes = parse_pipeline(text)
    assert format_pipeline(passes) == text
    assert parse_pipeline(format_pipeline(passes)) == passes
    assert format_pass(ListPass()) == "test-list"
    assert PassManager(text).pipeline_text == text


def test_constructor_stays_compatible():
    out = io.StringIO()
    manager = PassManager("cse,dce", True, False, True, out, False)
    assert manager.verify_each and manager.stats and not manager.timing and not manager.print_ir_after_change
    manager.run(sample_module())
    assert out.getvalue().count(" ms\n") == 2
