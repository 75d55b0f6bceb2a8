"""Fuzzing the parser with mutated golden files: bad text is a ParseError, never a crash.

Hypothesis deletes, inserts, duplicates and replaces characters and tokens of golden chunks, and
truncates them. Whatever parses must also verify or fail with a TfcError, print text that parses
back to the same text, and — when it verifies — stay valid through ``cse,dce``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfc.diagnostics import ParseError, TfcError
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.printer import print_module
from tfc.tools.cli import split_chunks
from tfc.verifier import verify

from .test_golden import golden_files

SEEDS = [chunk for path in golden_files() for chunk in split_chunks(path.read_text()) if chunk.strip()]

TOKENS = [
    "%0", "%x", "%1x", "%<<UNDEFINED>>", '"tfc.add"', '"tfc.constant"', '"func.return"', '"func.func"', '"builtin.module"',
    '"test.op"', "tensor<?xf32>", "tensor<*xi8>", "tensor<0x3xbf16>", "tensor<2xcomplex<f32>>", "!tfc.token", "!tfc.bogus",
    "dense<", "dense<[", "dense<(1.0, 2.0)>", 'dense<"0x00">', "array<i8: ", "array<f16>", "loc(", 'loc("a"(unknown))',
    "{", "}", "(", ")", "[", "]", "<", ">", ":", "->", ",", "=", "^bb0", "^bb1(%z: tensor<f32>):", "@f", '@"q"', "unit",
    "true", "false", "0x7FC00000", "0xFFFF", "-0.0", "1.5e", "1e400", "007", "+3", "99999999999999999999999", "-", '"',
    '\\', '"\\zz"', '"\\E2\\82"', "i1", "ui64", "f16", "i7", "*x", "?x", "//", "\n", " ", "\x00", "é", "\t", "_attr",
]


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(mutation(text))
    return text


def mutation(text: str):
    n = len(text)
    pos = st.integers(0, n)
    span = st.integers(1, 12)
    return st.one_of(
        st.tuples(pos, span).map(lambda a: text[: a[0]] + text[a[0] + a[1] :]),  # delete
        st.tuples(pos, st.sampled_from(TOKENS)).map(lambda a: text[: a[0]] + a[1] + text[a[0] :]),  # insert token
        st.tuples(pos, st.text(max_size=3)).map(lambda a: text[: a[0]] + a[1] + text[a[0] :]),  # insert chars
        st.tuples(pos, span).map(lambda a: text[: a[0]] + text[a[0] : a[0] + a[1]] * 2 + text[a[0] + a[1] :]),  # duplicate
        st.tuples(pos, st.sampled_from(TOKENS)).map(lambda a: text[: a[0]] + a[1] + text[a[0] + 1 :]),  # replace char
        st.tuples(pos, span, st.sampled_from(TOKENS)).map(lambda a: text[: a[0]] + a[2] + text[a[0] + a[1] :]),  # replace span
        pos.map(lambda p: text[:p]),  # truncate
    )


def check_text(text: str, allow_unregistered: bool) -> None:
    """The whole contract for one input: only TfcErrors, stable printing, passes keep IR valid."""
    try:
        module = parse_module(text, "fuzz.ir")
    except ParseError as err:
        assert err.line >= 1 and err.col >= 1
        assert str(err).startswith(f"fuzz.ir:{err.line}:{err.col}: error: ")
        return
    printed = print_module(module)
    assert print_module(parse_module(printed)) == printed
    try:
        verify(module, allow_unregistered=allow_unregistered)
    except TfcError:
        return
    PassManager("cse,dce", verify_each=True, allow_unregistered=allow_unregistered).run(module)
    printed = print_module(module)
    assert print_module(parse_module(printed)) == printed


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mutated(), st.booleans())
def test_mutated_golden_text_only_raises_tfc_errors(text, allow_unregistered):
    check_text(text, allow_unregistered)


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_every_truncation_of_a_small_seed(seed):
    """Cut a seed at every 7th character: each prefix is an error with a position, or parses."""
    text = SEEDS[seed]
    for end in range(0, len(text), 7 if len(text) < 3000 else 41):
        check_text(text[:end], allow_unregistered=True)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n// only a comment\n",
        '"builtin.module"() ({}) : () -> ()',
        '"builtin.module"() ({\n  %0 = "t.x"() {a = 007} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {s = "\\zz"} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = dense<300> : tensor<i8>} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = 0x1 : i1} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = (i32) -> f32} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = 1e400 : f32, b = -1e400} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = dense<1e400> : tensor<2xf16>} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = array<ui8: -1>} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = dense<[true, 2]> : tensor<2xi1>} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = dense<(1.0, 2.0)> : tensor<2xf32>} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {a = dense<"0xZZ"> : tensor<1xi8>} : () -> ()\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() : () -> () loc("\\zz":1:1)\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() {s = "\\E2\\82", "\\FF" = unit} : () -> () loc("\\C3")\n}) : () -> ()',
        '"builtin.module"() ({\n  "t.x"() : () -> () loc("a"("b"("c":99999999999999999999:1)))\n}) : () -> ()',
    ],
)
def test_known_edge_cases(text):
    check_text(text, allow_unregistered=True)
