"""``fold`` and ``simplify`` never make a constant over tfc's tensor byte limit, whatever their own
``max_elements`` option says (tfc.limits)."""

from __future__ import annotations

import pytest

from tfc.limits import set_max_tensor_bytes
from tfc.parser import parse_module
from tfc.passmanager import PassManager
from tfc.printer import print_module


def broadcast_of_constant(n: int) -> str:
    t = f"tensor<{n}xf32>"
    return (
        '"builtin.module"() ({\n  "func.func"() ({\n'
        '    %c = "tfc.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>\n'
        f'    %b = "tfc.broadcast_in_dim"(%c) {{broadcast_dimensions = array<i64>}} : (tensor<f32>) -> {t}\n'
        f'    "func.return"(%b) : ({t}) -> ()\n'
        f'  }}) {{function_type = () -> {t}, sym_name = "main"}} : () -> ()\n}}) : () -> ()\n'
    )


def run(pipeline: str, text: str) -> str:
    """``pipeline`` on ``text`` (parsed with the default limit) under a limit of 64 bytes."""
    module = parse_module(text)
    previous = set_max_tensor_bytes(64)
    try:
        PassManager(pipeline, verify_each=True).run(module)
    finally:
        set_max_tensor_bytes(previous)
    return print_module(module)


@pytest.mark.parametrize("pipeline", ["fold{max_elements=1000000000}", "canonicalize{max_elements=1000000000}"])
def test_fold_never_folds_above_the_limit(pipeline):
    assert '"tfc.broadcast_in_dim"' not in run(pipeline, broadcast_of_constant(16))  # 64 bytes: folds
    assert '"tfc.broadcast_in_dim"' in run(pipeline, broadcast_of_constant(17))  # 68 bytes: stays


def times_zero(n: int) -> str:
    t = f"tensor<{n}xi32>"
    return (
        '"builtin.module"() ({\n  "func.func"() ({\n'
        f'  ^bb0(%x: {t}):\n'
        f'    %z = "tfc.constant"() {{value = dense<0> : {t}}} : () -> {t}\n'
        f'    %m = "tfc.multiply"(%x, %z) : ({t}, {t}) -> {t}\n'
        f'    "func.return"(%m) : ({t}) -> ()\n'
        f'  }}) {{function_type = ({t}) -> {t}, sym_name = "main"}} : () -> ()\n}}) : () -> ()\n'
    )


def test_simplify_never_makes_a_constant_above_the_limit():
    """``x * 0 -> 0`` for integers makes a zero constant of the result's type."""
    assert '"tfc.multiply"' not in run("simplify{max_elements=1000000000}", times_zero(16))
    assert '"tfc.multiply"' in run("simplify{max_elements=1000000000}", times_zero(17))
