"""The ``tfc`` CLI's error paths and output handling, run in-process with click's test runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tfc.tools.cli import cli, split_chunks

GOOD = """\
"builtin.module"() ({
  "func.func"() ({
  ^bb0(%x: tensor<2xf32>):
    %a = "tfc.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32> loc("m.py":1:1)
    %b = "tfc.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32> loc("m.py":2:1)
    %s = "tfc.add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32> loc(unknown)
    "func.return"(%s) : (tensor<2xf32>) -> () loc(unknown)
  }) {function_type = (tensor<2xf32>) -> tensor<2xf32>, sym_name = "main"} : () -> () loc(unknown)
}) : () -> () loc(unknown)
"""

MALFORMED = GOOD.replace('"tfc.add"(%a, %b)', '"tfc.add"(%a %b)')
UNKNOWN_OP = GOOD.replace('"tfc.add"', '"tfc.frobnicate"')


def invoke(*args, input=None):
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_one_error_line(stderr: str, prefix: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(prefix), stderr
    assert "Traceback" not in stderr


def test_no_passes_reproduces_printer_output_byte_for_byte(tmp_path):
    path = write(tmp_path, "good.ir", GOOD)
    result = invoke("opt", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == GOOD
    assert result.stderr == ""


def test_stdin_input():
    result = invoke("opt", "-", input=GOOD)
    assert result.exit_code == 0
    assert result.stdout == GOOD


def test_malformed_ir_is_one_line_with_position(tmp_path):
    path = write(tmp_path, "bad.ir", MALFORMED)
    result = invoke("opt", str(path))
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, f"{path}:6:23: error: unexpected '%b'")
    assert result.stdout == ""


def test_malformed_stdin_names_stdin():
    result = invoke("opt", "-", input=MALFORMED)
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, "<stdin>:6:23: error:")


def test_show_source_adds_line_and_caret(tmp_path):
    path = write(tmp_path, "bad.ir", MALFORMED)
    lines = invoke("opt", str(path), "--show-source").stderr.splitlines()
    assert len(lines) == 3
    assert lines[1] == MALFORMED.splitlines()[5]
    assert lines[2] == " " * 22 + "^"


def test_unknown_op_is_one_line(tmp_path):
    path = write(tmp_path, "unknown.ir", UNKNOWN_OP)
    result = invoke("opt", str(path))
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, "<unknown>: error: 'tfc.frobnicate' op is not a registered op")


def test_allow_unregistered(tmp_path):
    path = write(tmp_path, "unknown.ir", UNKNOWN_OP)
    result = invoke("opt", str(path), "--allow-unregistered")
    assert result.exit_code == 0
    assert result.stdout == UNKNOWN_OP


def test_missing_file_exits_2_with_one_line(tmp_path):
    missing = tmp_path / "nope.ir"
    result = invoke("opt", str(missing))
    assert result.exit_code == 2
    assert_one_error_line(result.stderr, f"{missing}: error: cannot read: No such file or directory")
    result = invoke("translate", str(missing), "--to", "stablehlo")
    assert result.exit_code == 2


def test_directory_as_input_is_an_io_error(tmp_path):
    result = invoke("opt", str(tmp_path))
    assert result.exit_code == 2
    assert_one_error_line(result.stderr, f"{tmp_path}: error: cannot read: Is a directory")


def test_output_file_written_atomically(tmp_path):
    path = write(tmp_path, "good.ir", GOOD)
    out = tmp_path / "out.ir"
    result = invoke("opt", str(path), "--passes", "cse,dce", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().count('"tfc.exp"') == 1
    assert sorted(os.listdir(tmp_path)) == ["good.ir", "out.ir"]  # no temp files left
    assert out.stat().st_mode & 0o777 == path.stat().st_mode & 0o777  # like any new file, not 0600


def test_failure_writes_no_output_file(tmp_path):
    path = write(tmp_path, "bad.ir", MALFORMED)
    out = tmp_path / "out.ir"
    assert invoke("opt", str(path), "-o", str(out)).exit_code == 1
    assert not out.exists()
    out.write_text("previous")
    assert invoke("opt", str(path), "-o", str(out)).exit_code == 1
    assert out.read_text() == "previous"
    assert sorted(os.listdir(tmp_path)) == ["bad.ir", "out.ir"]


def test_split_failure_writes_no_output_file(tmp_path):
    path = write(tmp_path, "mixed.ir", GOOD + "// -----\n" + MALFORMED)
    out = tmp_path / "out.ir"
    assert invoke("opt", str(path), "--split-input-file", "-o", str(out)).exit_code == 1
    assert not out.exists()


def test_unwritable_output_is_an_io_error(tmp_path):
    path = write(tmp_path, "good.ir", GOOD)
    result = invoke("opt", str(path), "-o", str(tmp_path / "no_such_dir" / "out.ir"))
    assert result.exit_code == 2
    assert_one_error_line(result.stderr, f"{tmp_path / 'no_such_dir' / 'out.ir'}: error: cannot write: No such file or directory")


def test_split_input_file_keeps_line_numbers_and_joins_outputs(tmp_path):
    text = GOOD + "// -----\n" + MALFORMED + "// -----\n" + GOOD
    path = write(tmp_path, "split.ir", text)
    result = invoke("opt", str(path), "--split-input-file")
    assert result.exit_code == 1
    bad_line = len(GOOD.splitlines()) + 1 + 6
    assert_one_error_line(result.stderr, f"{path}:{bad_line}:23: error:")
    assert result.stdout == GOOD + "// -----\n" + GOOD


def test_split_chunks_pads_to_original_lines():
    chunks = split_chunks("a\nb\n// -----\nc\n// -----  \nd")
    assert [c.strip() for c in chunks] == ["a\nb", "c", "d"]
    assert chunks[1].splitlines().index("c") == 3
    assert chunks[2].splitlines().index("d") == 5


def test_bad_pipeline_is_one_line(tmp_path):
    path = write(tmp_path, "good.ir", GOOD)
    result = invoke("opt", str(path), "--passes", "cse,bogus")
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, "tfc: error: bad pass pipeline: unknown pass 'bogus'")
    result = invoke("opt", str(path), "--passes", "dce{x=1}")
    assert_one_error_line(result.stderr, "tfc: error: bad pass pipeline: pass 'dce' has no option 'x'")


def test_stats_and_print_ir_go_to_stderr(tmp_path):
    path = write(tmp_path, "good.ir", GOOD)
    result = invoke("opt", str(path), "--passes", "cse", "--stats", "--print-ir-after-all")
    assert result.exit_code == 0
    assert result.stderr.startswith("cse: ops 3 -> 2, ")
    assert "// -----// IR after cse //----- //\n" in result.stderr
    assert result.stdout.count('"tfc.exp"') == 1


def test_translate_to_stablehlo(tmp_path):
    path = write(tmp_path, "good.ir", GOOD)
    out = tmp_path / "out.mlir"
    result = invoke("translate", str(path), "--to", "stablehlo", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "stablehlo.exponential" in text and "stablehlo.add" in text and text.endswith("\n")


def test_translate_requires_target(tmp_path):
    path = write(tmp_path, "good.ir", GOOD)
    result = invoke("translate", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_translate_malformed_is_one_line(tmp_path):
    path = write(tmp_path, "bad.ir", MALFORMED)
    result = invoke("translate", str(path), "--to", "stablehlo")
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, f"{path}:6:23: error:")


@pytest.mark.parametrize("garbage", ["", "\x00\x01", "}}}}", '"builtin.module"() ({', "\xff\xfe" * 3])
def test_garbage_never_raises(tmp_path, garbage):
    path = tmp_path / "garbage.ir"
    path.write_text(garbage, encoding="utf-8", errors="surrogateescape")
    result = invoke("opt", str(path))
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1


def test_invalid_utf8_is_bad_content_at_its_position(tmp_path):
    path = tmp_path / "latin1.ir"
    path.write_bytes(b"// caf\xc3\xa9\n// na\xefve\n")
    result = invoke("opt", str(path))
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, f"{path}:2:6: error: not UTF-8 text (byte 0xef: invalid continuation byte)")
    lines = invoke("opt", str(path), "--show-source").stderr.splitlines()
    assert lines[1:] == ["// na\ufffdve", "     ^"]
    result = invoke("opt", "-", input=b"\xff")
    assert result.exit_code == 1
    assert_one_error_line(result.stderr, "<stdin>:1:1: error: not UTF-8 text (byte 0xff")


def test_lower_and_run_take_fast_math(tmp_path):
    """IEEE-exact by default; --fast-math lets the tf-level passes fold scales into weights as Grappler
    does: fewer ops, the same values to the case's tolerance."""
    import json
    from pathlib import Path

    import numpy as np

    case = Path(__file__).resolve().parent / "data" / "corpus" / "small_cnn"
    exact = invoke("lower", str(case / "graph.pb"), "--emit", "tf")
    fast = invoke("lower", str(case / "graph.pb"), "--emit", "tf", "--fast-math")
    assert exact.exit_code == 0 and fast.exit_code == 0, exact.stderr + fast.stderr
    assert fast.stdout.count('= "tf.') < exact.stdout.count('= "tf.')
    info = json.loads((case / "case.json").read_text())
    fetch = info["fetches"][0]
    out = tmp_path / "out.npz"
    result = invoke("run", str(case / "graph.pb"), "--inputs", str(case / "inputs.npz"), "--fetch", fetch, "--fast-math", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    with np.load(case / "expected.npz") as expected, np.load(out) as got:
        np.testing.assert_allclose(got[fetch], expected[info["expected_keys"][fetch]], rtol=info["rtol"], atol=info["atol"])


TOO_FEW_INPUTS = GOOD.replace('"tfc.add"(%a, %b) : (tensor<2xf32>, tensor<2xf32>)', '"tf.AddV2"(%a) {T = f32} : (tensor<2xf32>)')
RETURN_MID_BLOCK = GOOD.replace('    %s = ', '    "func.return"(%a) : (tensor<2xf32>) -> () loc("early.py":1:1)\n    %s = ')


@pytest.mark.parametrize("pipeline", ["", "canonicalize", "cse,dce", "legalize-tf,canonicalize"])
@pytest.mark.parametrize("text, error", [
    (TOO_FEW_INPUTS, "'tf.AddV2' op expects 2 inputs, got 1"),
    (RETURN_MID_BLOCK, "early.py:1:1: error: 'func.return' op is a terminator and must be the last op of its block"),
])
def test_what_the_backends_cannot_run_is_refused_before_any_pass(tmp_path, pipeline, text, error):
    path = write(tmp_path, "bad.ir", text)
    result = invoke("opt", str(path), "--passes", pipeline)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and error in lines[0] and "Traceback" not in result.stderr, result.stderr


def test_lower_elides_large_constants_unless_asked_to_print_them_whole(tmp_path):
    graph = Path(__file__).resolve().parent / "data" / "corpus" / "mobilenetv2_a035_96" / "graph.pb"
    elided = invoke("lower", str(graph))
    whole = invoke("lower", str(graph), "--print-constants-whole", "-o", str(tmp_path / "whole.ir"))
    assert elided.exit_code == 0 and whole.exit_code == 0, elided.output + whole.output
    text = (tmp_path / "whole.ir").read_text()
    assert "dense_resource<__elided__>" in elided.output and "__elided__" not in text
    assert len(elided.output) < len(text) / 5  # 3.4 MB whole, about 0.3 MB elided
    body = text.split("\n", 1)[1]  # after the import summary line
    again = invoke("opt", "-", "--print-constants-whole", input=body)
    assert again.exit_code == 0 and again.output == body  # the whole form round-trips
    refused = invoke("opt", "-", input=elided.output.split("\n", 1)[1])
    assert refused.exit_code != 0
    assert "error: this constant was elided when printed (dense_resource<__elided__>)" in refused.output
    assert "--print-constants-whole" in refused.output and "Traceback" not in refused.output
