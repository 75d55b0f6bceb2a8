"""Both backends refuse cleanly what does not fit: the interpreter an op whose declared result is
over tfc's tensor byte limit (before its reference runs), XLA a program whose buffers the device
cannot hold (a BackendError naming the entry function, at compile or at run time)."""

import numpy as np
import pytest

from tfc.backends import load
from tfc.backends.xla import backend
from tfc.backends.xla import jaxlib_adapter as jx
from tfc.diagnostics import BackendError
from tfc.limits import set_max_tensor_bytes
from tfc.parser import parse_module


def broadcast_module(shape: str, name: str = "main") -> str:
    """``@name(x: f32) -> x broadcast to tensor<{shape}xf32>``, the broadcast at big.py:3:4."""
    t = f"tensor<{shape}xf32>"
    return (
        '"builtin.module"() ({\n  "func.func"() ({\n  ^bb0(%x: tensor<f32>):\n'
        f'    %0 = "tfc.broadcast_in_dim"(%x) {{broadcast_dimensions = array<i64>}} : (tensor<f32>) -> {t} loc("big.py":3:4)\n'
        f'    "func.return"(%0) : ({t}) -> ()\n'
        f'  }}) {{function_type = (tensor<f32>) -> {t}, sym_name = "{name}"}} : () -> ()\n}}) : () -> ()\n'
    )


ONE = np.array(1.0, np.float32)


def test_interpreter_refuses_a_result_over_the_limit_before_running_the_reference(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the reference ran")

    monkeypatch.setattr(np, "broadcast_to", refuse)  # what tfc.broadcast_in_dim's reference calls
    loaded = load(parse_module(broadcast_module("1000000x1000000")), backend="interp")
    with pytest.raises(BackendError, match=r"^big.py:3:4: error: the interpreter will not compute 'tfc.broadcast_in_dim': its result "
                                           r"tensor<1000000x1000000xf32> would hold 4000000000000 bytes"):
        loaded.call(ONE)


def test_interpreter_limit_follows_the_setting():
    loaded = load(parse_module(broadcast_module("4x4")), backend="interp")
    previous = set_max_tensor_bytes(64)
    try:
        assert loaded.call(ONE)[0].shape == (4, 4)  # 64 bytes: at the limit
        set_max_tensor_bytes(63)
        with pytest.raises(BackendError, match="would hold 64 bytes, more than the 63 bytes"):
            loaded.call(ONE)
    finally:
        set_max_tensor_bytes(previous)


def test_xla_out_of_memory_at_run_time_names_the_entry_function():
    """2**60 bytes: more than any address space, so the allocation fails at once whatever the
    machine's overcommit policy (XLA:CPU compiles it and fails when it runs; a GPU's allocator
    fails the same way)."""
    module = parse_module(broadcast_module("1073741824x268435456", name="huge"))
    with pytest.raises(BackendError, match=r"XLA ran out of memory (running|compiling) @huge on \w+:0: RESOURCE_EXHAUSTED"):
        load(module, backend="xla", entry="huge").call(ONE)


def test_xla_errors_are_translated_naming_the_entry():
    oom = jx.CompileError("XLA failed to compile the module: RESOURCE_EXHAUSTED: Out of memory allocating 5 bytes.\nmore")
    assert jx.is_out_of_memory(oom)
    error = backend.xla_error(oom, "step", "cpu:0", "compiling")
    assert str(error) == "error: XLA ran out of memory compiling @step on cpu:0: XLA failed to compile the module: " \
                         "RESOURCE_EXHAUSTED: Out of memory allocating 5 bytes."
    other = jx.JaxRuntimeError("INTERNAL: something else")
    assert not jx.is_out_of_memory(other)
    assert str(backend.xla_error(other, "step", "cpu:0", "running")) == "error: XLA failed running @step on cpu:0: INTERNAL: something else"
    assert str(backend.xla_error(jx.CompileError("bad module"), "step", "cpu:0", "compiling")) == "error: bad module"
