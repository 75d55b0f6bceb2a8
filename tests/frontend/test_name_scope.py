"""``tfc.name_scope`` in traced functions: the IR text names scoped ops with MLIR name locations
that the parser reads back; scopes nest and a re-entered one is uniquified as TensorFlow 2 does;
gradient ops go under ``gradient_tape/``; functions without scopes print as before."""

from __future__ import annotations

import re

import numpy as np

import tfc
from tfc.parser import parse_module
from tfc.printer import print_module

X = np.arange(6, dtype=np.float32).reshape(2, 3)


@tfc.compile
def nested(x):
    with tfc.name_scope("block") as outer:
        with tfc.name_scope("inner") as inner:
            y = tfc.tanh(x)
        with tfc.name_scope("inner") as again:
            y = y + 1.0
    with tfc.name_scope("block") as block_again:
        y = tfc.sum(y * y)
    assert (outer, inner, again, block_again) == ("block/", "block/inner/", "block/inner_1/", "block_1/")
    return y


@tfc.compile
def plain(x):
    return tfc.sum((tfc.tanh(x) + 1.0) ** 2)


def _names(text: str) -> set[str]:
    return set(re.findall(r'loc\("([^"]+)"\(', text))


def test_nested_and_uniquified_scopes_in_the_ir_text():
    text = nested.lower(X).as_text()
    names = _names(text)
    assert {"block/inner/tanh", "block/inner_1/add"} <= names, names
    assert any(name.startswith("block_1/") for name in names), names
    assert all(name.split("/")[0] in ("block", "block_1") for name in names), names


def test_the_text_round_trips_through_the_parser():
    text = nested.lower(X).as_text()
    assert print_module(parse_module(text, "nested.tfc")) == text


def test_scopes_change_names_not_results():
    np.testing.assert_allclose(nested(X), plain(X), rtol=1e-6)


def test_no_scope_no_names():
    assert _names(plain.lower(X).as_text()) == set()


def test_a_scoped_name_ending_in_slash_is_taken_as_is():
    @tfc.compile
    def absolute(x):
        with tfc.name_scope("outer"):
            with tfc.name_scope("top/") as scope:
                assert scope == "top/"
                return tfc.tanh(x)

    assert "top/tanh" in _names(absolute.lower(X).as_text())


def test_eagerly_it_only_yields_the_scope():
    with tfc.name_scope("eager") as scope:
        assert scope == "eager/"
        np.testing.assert_allclose(np.asarray(tfc.tanh(X)), np.tanh(X), rtol=1e-6)


def test_gradient_ops_go_under_gradient_tape():
    @tfc.compile
    def loss_grad(x):
        def loss(x):
            with tfc.name_scope("dense"):
                return tfc.sum(tfc.tanh(x))
        return tfc.grad(loss)(x)

    names = _names(loss_grad.lower(X).as_text())
    grads = {name for name in names if name.startswith("gradient_tape/")}
    assert grads and all(name.startswith("gradient_tape/dense/") for name in grads), names
    assert any(name.startswith("gradient_tape/dense/tanh/") for name in grads), grads
    np.testing.assert_allclose(loss_grad(X), 1.0 - np.tanh(X.astype(np.float64)) ** 2, atol=1e-6)


def test_unscoped_gradients_are_unchanged():
    @tfc.compile
    def loss_grad(x):
        return tfc.grad(lambda x: tfc.sum(tfc.tanh(x)))(x)

    assert _names(loss_grad.lower(X).as_text()) == set()
