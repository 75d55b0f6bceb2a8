"""Tests for backends/xla/jaxlib_adapter.py (the private-jax-API adapter)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

_ADAPTER_PATH = (pathlib.Path(__file__).resolve().parents[2]
                 / "backends" / "xla" / "jaxlib_adapter.py")


def _load_adapter():
    try:
        return importlib.import_module("tfc.backends.xla.jaxlib_adapter")
    except ImportError:
        name = "_tfc_jaxlib_adapter_under_test"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, _ADAPTER_PATH)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod


xa = _load_adapter()
ir, func, stablehlo = xa.ir, xa.func, xa.stablehlo

A = np.array([[5, 6], [7, 8]], np.float32)
EYE = np.eye(2, dtype=np.float32)
EXPECTED = np.array([[72, 84], [98, 114]], np.float32)


# ---------------------------------------------------------------- builders

def _i32(v):
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(32), v)


def _dot(x, y, t):
    dims = stablehlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=[], rhs_batching_dimensions=[],
        lhs_contracting_dimensions=[1], rhs_contracting_dimensions=[0])
    return stablehlo.DotGeneralOp(t, x, y, dims).result


def build_matmul_module(ctx=None):
    """main(x, w) = x @ x + x @ w, built with the bindings, with locations."""
    ctx = ctx or xa.make_context()
    with ctx, ir.Location.file("model.py", 1, 0):
        module = ir.Module.create()
        t = ir.RankedTensorType.get([2, 2], ir.F32Type.get())
        with ir.InsertionPoint(module.body):
            main = func.FuncOp("main", ir.FunctionType.get([t, t], [t]))
            block = main.add_entry_block()
            with ir.InsertionPoint(block):
                x, w = block.arguments
                with ir.Location.name(
                        "square", childLoc=ir.Location.file("model.py", 10, 4)):
                    sq = _dot(x, x, t)
                with ir.Location.name(
                        "matmul", childLoc=ir.Location.file("model.py", 11, 4)):
                    xw = stablehlo.DotOp(t, x, w).result
                with ir.Location.file("model.py", 12, 4):
                    out = stablehlo.AddOp(sq, xw).result
                func.ReturnOp([out])
    return module


def build_binary_module(op, shape, dtype_fn, n_results=1, ctx=None):
    """main(x, y) -> n_results copies of op(x, y)."""
    ctx = ctx or xa.make_context()
    with ctx, ir.Location.unknown():
        module = ir.Module.create()
        t = ir.RankedTensorType.get(list(shape), dtype_fn())
        with ir.InsertionPoint(module.body):
            main = func.FuncOp("main", ir.FunctionType.get([t, t], [t] * n_results))
            block = main.add_entry_block()
            with ir.InsertionPoint(block):
                x, y = block.arguments
                r = op(x, y).result
                func.ReturnOp([r] * n_results)
    return module


@pytest.fixture(scope="module")
def cpu0():
    return xa.get_device("cpu:0")


@pytest.fixture(scope="module")
def matmul_exe(cpu0):
    return xa.compile(build_matmul_module(), cpu0)


# ---------------------------------------------------------------- basics

def test_reexports_and_context():
    for name in ("ir", "func", "stablehlo", "chlo", "arith"):
        assert getattr(xa, name) is not None
    ctx = xa.make_context()
    with ctx:
        m = ir.Module.parse(textwrap.dedent("""
            func.func public @main(%a: tensor<2xf32>) -> tensor<2xf32> {
              %0 = chlo.erf %a : tensor<2xf32> -> tensor<2xf32>
              %1 = stablehlo.add %0, %a : tensor<2xf32>
              return %1 : tensor<2xf32>
            }"""))
    assert "chlo.erf" in str(m)


def test_builder_module_runs_numpy_inputs(matmul_exe):
    for _ in range(3):  # first call: Python cache miss; then the C++ path
        (out,) = matmul_exe.run([A, EYE])
        np.testing.assert_array_equal(np.asarray(out), EXPECTED)
    np.testing.assert_array_equal(np.asarray(out), A @ A + A @ EYE)
    (out,) = matmul_exe.run_python([A, EYE])
    np.testing.assert_array_equal(np.asarray(out), EXPECTED)
    (out,) = matmul_exe.call(A, EYE)
    np.testing.assert_array_equal(np.asarray(out), EXPECTED)


def test_device_inputs_and_zero_copy_output(matmul_exe, cpu0):
    x, w = xa.to_device(A, cpu0), xa.to_device(EYE, cpu0)
    assert x.committed and x.devices() == {cpu0}
    for _ in range(3):
        (out,) = matmul_exe.run([x, w])
        np.testing.assert_array_equal(np.asarray(out), EXPECTED)
    assert out.devices() == {cpu0}
    view = np.asarray(out)
    assert view.ctypes.data == out.unsafe_buffer_pointer()  # zero-copy
    # chaining outputs back in stays on the fast path and is correct
    (out2,) = matmul_exe.run([out, w])
    np.testing.assert_allclose(np.asarray(out2), EXPECTED @ EXPECTED + EXPECTED)


def test_disable_jit_still_runs(matmul_exe):
    import jax
    with jax.disable_jit():  # the C++ dispatcher then calls the Python path
        np.testing.assert_array_equal(np.asarray(matmul_exe.run([A, EYE])[0]), EXPECTED)


def test_non_contiguous_numpy_input(matmul_exe):
    at = np.ascontiguousarray(A.T).T  # same values as A, Fortran order
    bt = A.T                           # a transposed view
    for _ in range(2):
        np.testing.assert_array_equal(np.asarray(matmul_exe.run([at, EYE])[0]), EXPECTED)
        np.testing.assert_array_equal(np.asarray(matmul_exe.run([bt, EYE])[0]),
                                      A.T @ A.T + A.T)


def test_location_survives(cpu0):
    module = build_matmul_module()
    asm = module.operation.get_asm(enable_debug_info=True)
    assert '"model.py":11:4' in asm and '"matmul"' in asm
    exe = xa.compile(module, cpu0)
    hlo = xa.optimized_hlo_text(exe)
    assert "model.py" in hlo
    assert "HloModule" in hlo


def test_argument_validation(matmul_exe, cpu0):
    with pytest.raises(TypeError, match="expected 2 arguments"):
        matmul_exe.run([A])
    with pytest.raises(TypeError, match="argument 1"):
        matmul_exe.run([A, np.eye(3, dtype=np.float32)])
    with pytest.raises(TypeError, match="argument 0"):
        matmul_exe.run([A.astype(np.int32), EYE])
    with pytest.raises(TypeError, match="argument 0"):
        matmul_exe.run([xa.to_device(A.astype(np.int32), cpu0), EYE])
    # the fast path still works after failed calls
    np.testing.assert_array_equal(np.asarray(matmul_exe.run([A, EYE])[0]), EXPECTED)


def test_compile_from_text_and_portable_artifact(cpu0):
    module = build_matmul_module()
    text = str(module)
    exe = xa.compile(text, cpu0)
    np.testing.assert_array_equal(np.asarray(exe.run([A, EYE])[0]), EXPECTED)
    artifact = stablehlo.serialize_portable_artifact_str(
        text, stablehlo.get_current_version())
    exe = xa.compile(artifact, "cpu")
    np.testing.assert_array_equal(np.asarray(exe.run([A, EYE])[0]), EXPECTED)


def test_module_attributes_set(cpu0):
    module = build_matmul_module()
    xa.compile(module, cpu0)
    attrs = module.operation.attributes
    assert xa.ir.IntegerAttr(attrs["mhlo.num_replicas"]).value == 1
    assert xa.ir.IntegerAttr(attrs["mhlo.num_partitions"]).value == 1


def test_multiple_results(cpu0):
    module = build_binary_module(stablehlo.MulOp, (3,), ir.F32Type.get, n_results=2)
    exe = xa.compile(module, cpu0)
    x = np.arange(3, dtype=np.float32)
    for _ in range(2):
        r = exe.run([x, x])
        assert len(r) == 2
        for o in r:
            np.testing.assert_array_equal(np.asarray(o), x * x)


def test_64bit_module(cpu0):
    # with jax's x64 mode off (the default) this takes the Python path
    module = build_binary_module(stablehlo.AddOp, (2,), ir.F64Type.get)
    exe = xa.compile(module, cpu0)
    x = np.array([1.0 + 2**-40, 2.0])
    for args in ([x, x], [xa.to_device(x, cpu0), x]):
        (out,) = exe.run(args)
        assert np.asarray(out).dtype == np.float64
        np.testing.assert_array_equal(np.asarray(out), x + x)
    assert xa.to_device(x, cpu0).dtype == np.float64
    assert np.asarray(xa.to_device(x, cpu0))[0] == x[0]  # not narrowed


# ---------------------------------------------------------------- devices

def test_get_device():
    import jax
    assert xa.get_device("cpu") == jax.devices("cpu")[0]
    assert xa.get_device("cpu:0") == jax.devices("cpu")[0]
    assert isinstance(xa.get_device("CPU:0"), xa.Device)
    n = len(jax.devices("cpu"))
    with pytest.raises(ValueError, match=rf"cpu:{n + 2}.*available devices: \[.*cpu:0"):
        xa.get_device(f"cpu:{n + 2}")
    for bad in ("bogus", "cpu:x", "cpu:-1", ""):
        with pytest.raises(ValueError, match="available devices"):
            xa.get_device(bad)
    if not any(s.startswith("gpu") for s in xa.available_devices()):
        with pytest.raises(ValueError, match=r"'gpu:0'.*available devices"):
            xa.get_device("gpu:0")


# ---------------------------------------------------------------- errors

def test_xla_compile_error_is_python_exception(cpu0):
    text = textwrap.dedent("""
        func.func public @main(%a: tensor<2xf32>) -> tensor<2xf32> {
          %0 = stablehlo.custom_call @tfc_no_such_target(%a) : (tensor<2xf32>) -> tensor<2xf32>
          return %0 : tensor<2xf32>
        }""")
    with pytest.raises(xa.CompileError, match="tfc_no_such_target"):
        xa.compile(text, cpu0)


def test_verification_and_shape_errors(cpu0):
    with pytest.raises(xa.CompileError, match="parse"):
        xa.compile("this is not mlir", cpu0)
    # builder-made module whose return type disagrees with the signature
    ctx = xa.make_context()
    with ctx, ir.Location.file("bad.py", 3, 0):
        module = ir.Module.create()
        t2 = ir.RankedTensorType.get([2], ir.F32Type.get())
        t3 = ir.RankedTensorType.get([3], ir.F32Type.get())
        with ir.InsertionPoint(module.body):
            main = func.FuncOp("main", ir.FunctionType.get([t2], [t3]))
            block = main.add_entry_block()
            with ir.InsertionPoint(block):
                func.ReturnOp([block.arguments[0]])
    with pytest.raises(xa.CompileError, match="verification"):
        xa.compile(module, cpu0)
    with pytest.raises(xa.CompileError, match="public"):
        xa.compile("func.func private @main(%a: tensor<2xf32>) -> tensor<2xf32> "
                   "{ return %a : tensor<2xf32> }", cpu0)
    with pytest.raises(xa.CompileError, match="no @main"):
        xa.compile("func.func public @f(%a: tensor<2xf32>) -> tensor<2xf32> "
                   "{ return %a : tensor<2xf32> }", cpu0)
    with pytest.raises(xa.CompileError, match="num_replicas"):
        xa.compile("module attributes {mhlo.num_replicas = 2 : i32} { "
                   "func.func public @main(%a: tensor<2xf32>) -> tensor<2xf32> "
                   "{ return %a : tensor<2xf32> } }", cpu0)


# ---------------------------------------------------------------- donation

def test_donation_aliasing_output(cpu0):
    shape = (256, 256)
    module = build_binary_module(stablehlo.AddOp, shape, ir.F32Type.get)
    exe = xa.compile(module, cpu0, donate=[0])
    assert "tf.aliasing_output = 0" in str(module)
    assert "input_output_alias" in xa.optimized_hlo_text(exe)
    for _ in range(3):  # cache miss, then the C++ fast path
        x = xa.to_device(np.ones(shape, np.float32), cpu0)
        y = xa.to_device(np.ones(shape, np.float32), cpu0)
        (out,) = exe.run([x, y])
        assert x.is_deleted() and not y.is_deleted()
        np.testing.assert_array_equal(np.asarray(out), 2)
        with pytest.raises((ValueError, RuntimeError)):
            exe.run([x, y])
    for _ in range(3):  # numpy inputs are never clobbered
        xn = np.ones(shape, np.float32)
        (out,) = exe.run([xn, xn])
        np.testing.assert_array_equal(xn, 1)
        np.testing.assert_array_equal(np.asarray(out), 2)


def test_donation_buffer_donor_when_no_matching_output(cpu0):
    ctx = xa.make_context()
    with ctx, ir.Location.unknown():
        module = ir.Module.create()
        t4 = ir.RankedTensorType.get([4], ir.F32Type.get())
        t1 = ir.RankedTensorType.get([], ir.F32Type.get())
        with ir.InsertionPoint(module.body):
            main = func.FuncOp("main", ir.FunctionType.get([t4, t1], [t1]))
            block = main.add_entry_block()
            with ir.InsertionPoint(block):
                x, s = block.arguments
                r = stablehlo.AddOp(s, s).result
                func.ReturnOp([r])
    exe = xa.compile(module, "cpu:0", donate=[0, 1])
    text = str(module)
    assert "jax.buffer_donor = true" in text and "tf.aliasing_output = 0" in text
    x = xa.to_device(np.ones(4, np.float32), "cpu:0")
    (out,) = exe.run([x, np.float32(3)])
    assert float(np.asarray(out)) == 6.0
    with pytest.raises(ValueError, match="out of range"):
        xa.compile(build_matmul_module(), "cpu:0", donate=[5])


# ---------------------------------------------------------------- caching

def test_serialize_roundtrip(matmul_exe, cpu0):
    data = xa.serialize(matmul_exe)
    assert isinstance(data, bytes) and len(data) > 0
    exe2 = xa.deserialize(data, cpu0)
    assert exe2.in_types == matmul_exe.in_types
    assert exe2.out_types == matmul_exe.out_types
    for _ in range(2):
        np.testing.assert_array_equal(np.asarray(exe2.run([A, EYE])[0]), EXPECTED)
    with pytest.raises(xa.CompileError):
        xa.deserialize(b"not an executable", cpu0)


def test_jax_version():
    import jax
    v = xa.jax_version()
    assert jax.__version__ in v and "jaxlib=" in v
    assert xa.jax_version() == v


# ---------------------------------------------------------------- 2 devices

_TWO_DEVICE_SCRIPT = r"""
import importlib.util, sys
import numpy as np
spec = importlib.util.spec_from_file_location("adapter", sys.argv[1])
xa = importlib.util.module_from_spec(spec); spec.loader.exec_module(xa)
import jax
A = np.array([[5, 6], [7, 8]], np.float32); I = np.eye(2, dtype=np.float32)
src = '''
func.func public @main(%x: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = stablehlo.dot %x, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %1 = stablehlo.dot %x, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %2 = stablehlo.add %0, %1 : tensor<2x2xf32>
  return %2 : tensor<2x2xf32>
}'''
d0, d1 = xa.get_device("cpu:0"), xa.get_device("cpu:1")
try:
    xa.get_device("cpu:2"); raise SystemExit("cpu:2 should not exist")
except ValueError as e:
    assert "cpu:1" in str(e), e
exe1 = xa.compile(src, d1)
for _ in range(3):
    out, = exe1.run([A, I])
    assert out.devices() == {d1}, out.devices()
    assert (np.asarray(out) == [[72, 84], [98, 114]]).all()
x1 = xa.to_device(A, d1); assert x1.devices() == {d1}
for _ in range(3):
    assert exe1.run([x1, I])[0].devices() == {d1}
x0 = xa.to_device(A, d0)
for _ in range(2):
    try:
        exe1.run([x0, I]); raise SystemExit("wrong-device input accepted")
    except ValueError as e:
        assert "cpu" in str(e).lower(), e
# uncommitted arrays (jnp.asarray puts them on cpu:0) are moved, like jax.jit
u = jax.numpy.asarray(A)
assert not u.committed and u.devices() == {d0}
for _ in range(3):
    out, = exe1.run([u, I])
    assert out.devices() == {d1}
    assert (np.asarray(out) == [[72, 84], [98, 114]]).all()
# compile once on cpu:0, load the bytes onto cpu:1
exe0 = xa.compile(src, "cpu:0")
exe0_on_1 = xa.deserialize(xa.serialize(exe0), d1)
for _ in range(2):
    out, = exe0_on_1.run([A, I])
    assert out.devices() == {d1}
    assert (np.asarray(out) == [[72, 84], [98, 114]]).all()
out, = exe0.run([A, I]); assert out.devices() == {d0}
print("TWO-DEVICE-OK")
"""


def test_two_cpu_devices_subprocess(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TFC_CPU_DEVICES"}  # the suite's own count would win
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                        " --xla_force_host_platform_device_count=2").strip()
    env["JAX_PLATFORMS"] = "cpu"
    script = tmp_path / "two_devices.py"
    script.write_text(_TWO_DEVICE_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(_ADAPTER_PATH)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "TWO-DEVICE-OK" in proc.stdout, (
        proc.stdout[-3000:] + proc.stderr[-3000:])
