"""The tensor byte limit (tfc.limits): its setting, and the parser refusing a dense constant over it
from the type alone, before numpy allocates anything."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tfc.diagnostics import ParseError, TfcError
from tfc.limits import (
    DEFAULT_MAX_TENSOR_BYTES,
    MAX_TENSOR_BYTES_ENV,
    LimitError,
    max_tensor_bytes,
    set_max_tensor_bytes,
    tensor_bytes,
    tensor_too_big,
)
from tfc.parser import parse_module
from tfc.tools.cli import cli


@pytest.fixture(autouse=True)
def default_limit(monkeypatch):
    """Every test starts from the default limit and leaves it so."""
    monkeypatch.delenv(MAX_TENSOR_BYTES_ENV, raising=False)
    previous = set_max_tensor_bytes(None)
    yield
    set_max_tensor_bytes(previous)


def test_default_environment_and_override(monkeypatch):
    assert max_tensor_bytes() == DEFAULT_MAX_TENSOR_BYTES == 2 * 1024**3
    monkeypatch.setenv(MAX_TENSOR_BYTES_ENV, "1000")
    assert max_tensor_bytes() == 1000
    assert set_max_tensor_bytes(64) is None
    assert max_tensor_bytes() == 64  # the process setting wins over the environment
    assert set_max_tensor_bytes(None) == 64
    assert max_tensor_bytes() == 1000
    monkeypatch.delenv(MAX_TENSOR_BYTES_ENV)
    assert max_tensor_bytes() == DEFAULT_MAX_TENSOR_BYTES


@pytest.mark.parametrize("text", ["lots", "-5", "0", "1.5"])
def test_a_bad_environment_value_is_a_clean_error(monkeypatch, text):
    monkeypatch.setenv(MAX_TENSOR_BYTES_ENV, text)
    with pytest.raises(LimitError, match=f"{MAX_TENSOR_BYTES_ENV} must be a positive number of bytes, got '{text}'"):
        max_tensor_bytes()
    assert issubclass(LimitError, TfcError)


def test_a_bad_override_is_refused():
    with pytest.raises(ValueError):
        set_max_tensor_bytes(0)


def test_sizes_are_python_ints_whatever_the_dims():
    assert tensor_bytes((2**40, 2**40, 2**40), 8) == 2**123  # an int64 product would have wrapped
    assert tensor_too_big((2**40, 2**40, 2**40), 8, "x").startswith(f"x would hold {2**123} bytes")
    assert tensor_too_big((2, 3), 4, "x") is None


def with_constant(body: str, type_text: str) -> str:
    return (
        '"builtin.module"() ({\n  "func.func"() ({\n'
        f'    %0 = "tfc.constant"() {{value = dense<{body}> : {type_text}}} : () -> {type_text}\n'
        f'    "func.return"(%0) : ({type_text}) -> ()\n'
        f'  }}) {{function_type = () -> {type_text}, sym_name = "main"}} : () -> ()\n}}) : () -> ()\n'
    )


SPLAT = with_constant("1.0", "tensor<1000000x1000000xf32>")


def test_a_splat_of_a_trillion_elements_is_a_parse_error_before_np_full(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("np.full ran")

    monkeypatch.setattr(np, "full", refuse)
    with pytest.raises(ParseError, match="dense constant tensor<1000000x1000000xf32> would hold 4000000000000 bytes, more than") as caught:
        parse_module(SPLAT, "big.ir")
    column = SPLAT.splitlines()[2].index("tensor<1000000") + 1
    assert (caught.value.file, caught.value.line, caught.value.col) == ("big.ir", 3, column)


@pytest.mark.parametrize("body", ['"0x0000803F"', "[1.0, 2.0, 3.0, 4.0, 5.0]", "1.0"])
def test_the_limit_is_exact_for_every_spelling(body):
    set_max_tensor_bytes(16)
    parse_module(with_constant("1.0", "tensor<4xf32>"))  # 16 bytes: at the limit
    with pytest.raises(ParseError, match="dense constant tensor<5xf32> would hold 20 bytes, more than the 16 bytes"):
        parse_module(with_constant(body, "tensor<5xf32>"))


def test_cli_prints_one_line_for_a_constant_over_the_limit(tmp_path):
    path = tmp_path / "big.ir"
    path.write_text(SPLAT)
    result = CliRunner().invoke(cli, ["opt", str(path), "--passes", "canonicalize"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"{path}:3:") and "would hold 4000000000000 bytes" in result.output


def test_cli_takes_the_limit_from_the_environment(tmp_path):
    path = tmp_path / "small.ir"
    path.write_text(with_constant("[1.0, 2.0]", "tensor<2xf32>"))
    assert CliRunner().invoke(cli, ["opt", str(path)], env={MAX_TENSOR_BYTES_ENV: "8"}).exit_code == 0
    result = CliRunner().invoke(cli, ["opt", str(path)], env={MAX_TENSOR_BYTES_ENV: "4"})
    assert result.exit_code == 1 and "would hold 8 bytes, more than the 4 bytes" in result.output
    result = CliRunner().invoke(cli, ["opt", str(path)], env={MAX_TENSOR_BYTES_ENV: "much"})
    assert result.exit_code == 1 and result.output.strip() == f"tfc: error: {MAX_TENSOR_BYTES_ENV} must be a positive number of bytes, got 'much'"
