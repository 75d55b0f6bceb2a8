"""``tfc.custom_op``: a user-defined op with a jax kernel, through every stage of tfc.

The ops come from ``custom_ops_lib`` (a plain module, as a user library would be); ops made only to
test one rule are registered here under the ``testlib.`` prefix (a name is registered once per process).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

import tfc
from tfc.backends.xla.backend import compile_module
from tfc.backends.xla.lowering import lower_module, stablehlo_text
from tfc.builder import Builder
from tfc.diagnostics import TfcError, TraceError, VerifyError
from tfc.ir import Function, Module
from tfc.parser import parse_module
from tfc.printer import print_module
from tfc.registry import lookup
from tfc.types import DType, TensorType
from tfc.verifier import verify

from .custom_ops_lib import scaled_softplus, softplus_explicit_grad, sum_and_diff

X = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)


def softplus2(x):
    return np.log1p(np.exp(2 * x))


def dsoftplus2(x):
    return 2 / (1 + np.exp(-2 * x))  # 2 * sigmoid(2x)


def model(x):
    return scaled_softplus(x, scale=2.0) * 3


# ---- registration and IR -------------------------------------------------------------------------
def test_decoration_registers_the_op_and_its_vjp_companion():
    opdef = lookup("mylib.scaled_softplus")
    assert opdef.operands == ("x",) and opdef.results == ("results*",)
    assert set(opdef.attributes) == {"scale"} and opdef.attributes["scale"].required
    assert opdef.reference is not None and opdef.lower is not None and opdef.grad is not None
    assert lookup("mylib.scaled_softplus_vjp").operands == ("x", "cotangents*")
    assert lookup("mylib.softplus_explicit_grad_vjp") is None  # an explicit grad= needs no companion
    assert not lookup("mylib.softplus_explicit_grad").attributes["scale"].required
    assert repr(scaled_softplus) == "<tfc.custom_op 'mylib.scaled_softplus'>"
    assert scaled_softplus.__name__ == "scaled_softplus"


def test_ir_shows_the_op_with_its_attribute():
    text = tfc.compile(model).lower(X).as_text()
    assert '"mylib.scaled_softplus"(%x) {scale = 2.0 : f64} : (tensor<3x4xf32>) -> tensor<3x4xf32>' in text


def test_text_round_trips_byte_for_byte():
    def everything(x, y):
        s, d = sum_and_diff(x, y)
        loss = tfc.sum(scaled_softplus(s, scale=0.5) * d) + tfc.sum(softplus_explicit_grad(x))
        return tfc.grad(lambda a: tfc.sum(scaled_softplus(a, scale=2.0)))(x), loss

    text = tfc.compile(everything).lower(X, X + 1).as_text()
    for name in ("mylib.scaled_softplus", "mylib.scaled_softplus_vjp", "mylib.sum_and_diff", "mylib.softplus_explicit_grad"):
        assert f'"{name}"' in text
    module = parse_module(text)
    verify(module)
    assert print_module(module) == text


def test_declared_result_types_are_checked_against_the_kernel():
    f32 = TensorType(DType.f32, (3, 4))
    module = Module.create()
    function = module.add_function(Function.create("f", [f32], [f32], ["x"]))
    builder = Builder(function.body)
    op = builder.create("mylib.scaled_softplus", [function.args[0]], {"scale": 2.0}, [TensorType(DType.f32, (3, 5))])
    builder.create("func.return", [op.results[0]])
    with pytest.raises(VerifyError, match="'mylib.scaled_softplus' op result #0 is declared tensor<3x5xf32> but the operands give tensor<3x4xf32>"):
        verify(module)


# ---- backends --------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_runs_and_matches_numpy(backend):
    f = tfc.compile(model, backend=backend)
    np.testing.assert_allclose(np.asarray(f(X)), 3 * softplus2(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_multi_result_op(backend):
    a, b = X, np.full_like(X, 0.5)
    f = tfc.compile(lambda a, b: sum_and_diff(a, b), backend=backend)
    s, d = f(a, b)
    np.testing.assert_allclose(np.asarray(s), a + b)
    np.testing.assert_allclose(np.asarray(d), a - b)
    g = tfc.compile(tfc.grad(lambda a, b: tfc.sum(tfc.multiply(*sum_and_diff(a, b))), (0, 1)), backend=backend)
    ga, gb = g(a, b)  # d/da (a+b)(a-b) = 2a, d/db = -2b
    np.testing.assert_allclose(np.asarray(ga), 2 * a, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(gb), -2 * b, rtol=1e-6)


def test_stablehlo_inlines_the_kernel_and_xla_compiles_it():
    lowered = tfc.compile(lambda x: scaled_softplus(x, scale=2.0) + scaled_softplus(x, scale=2.0) + scaled_softplus(x, scale=3.0)).lower(X)
    text = lowered.as_stablehlo()
    assert "call @mylib_scaled_softplus_0_main(%arg0)" in text
    assert "func.func private @mylib_scaled_softplus_0_main" in text
    assert "stablehlo.log_plus_one" in text  # the kernel's own ops (jax's softplus)
    # one imported copy per (kernel, attributes, operand types): scale=2.0 twice shares it, 3.0 has its own
    assert text.count("func.func private @mylib_scaled_softplus_0_main") == 1
    assert text.count("call @mylib_scaled_softplus_0_main(") == 2
    assert text.count("func.func private @mylib_scaled_softplus_1_main") == 1
    compiled = compile_module(lowered.module, "cpu", lowered.function_name)
    [out] = compiled(X)
    np.testing.assert_allclose(np.asarray(out), 2 * softplus2(X) + np.log1p(np.exp(3 * X)), rtol=1e-5)


def test_imported_symbols_never_clash_with_the_module():
    """A function already named like the kernel's first choice makes the import pick the next prefix."""
    text = tfc.compile(lambda x: scaled_softplus(x, scale=2.0)).lower(X).as_text()
    module = parse_module(text)
    module.add_function(Function.create("mylib_scaled_softplus_0_main", [TensorType(DType.f32, (1,))], [], ["y"]))
    function = module.functions[-1]
    Builder(function.body).create("func.return", [function.args[0]])
    function.set_type(type(function.type)((TensorType(DType.f32, (1,)),), (TensorType(DType.f32, (1,)),)))
    hlo = stablehlo_text(module, module.functions[0].name)
    assert "call @mylib_scaled_softplus_1_main(" in hlo
    assert "func.func private @mylib_scaled_softplus_0_main(%arg0: tensor<1xf32>)" in hlo


# ---- gradients ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["xla", "interp"])
@pytest.mark.parametrize("op", [scaled_softplus, softplus_explicit_grad], ids=["vjp", "explicit_grad"])
def test_grad_matches_the_analytic_derivative(op, backend):
    g = tfc.compile(tfc.grad(lambda x: tfc.sum(op(x, scale=2.0))), backend=backend)
    np.testing.assert_allclose(np.asarray(g(X)), dsoftplus2(X), rtol=1e-5, atol=1e-6)
    text = g.lower(X).as_text()
    assert ('"mylib.scaled_softplus_vjp"' in text) == (op is scaled_softplus)
    if op is softplus_explicit_grad:
        assert '"tfc.logistic"' in text  # the rule's own core ops


def test_second_order_needs_an_explicit_grad():
    x = np.float32(0.3)
    twice = tfc.compile(tfc.grad(tfc.grad(lambda x: softplus_explicit_grad(x, scale=2.0))))
    s = 1 / (1 + np.exp(-2 * x))
    np.testing.assert_allclose(np.asarray(twice(x)), 4 * s * (1 - s), rtol=1e-5)
    with pytest.raises(TraceError, match="'mylib.scaled_softplus_vjp' has no gradient rule"):
        tfc.compile(tfc.grad(tfc.grad(lambda x: scaled_softplus(x, scale=2.0)))).lower(x)


def test_vjp_companion_keeps_the_attributes():
    text = tfc.compile(tfc.grad(lambda x: tfc.sum(scaled_softplus(x, scale=2.0)))).lower(X).as_text()
    assert '"mylib.scaled_softplus_vjp"(%args, %' in text and "{scale = 2.0 : f64}" in text


def test_explicit_grad_sees_default_attributes():
    g = tfc.compile(tfc.grad(lambda x: tfc.sum(softplus_explicit_grad(x))))
    np.testing.assert_allclose(np.asarray(g(X)), 1 / (1 + np.exp(-X)), rtol=1e-5)


# ---- eager and graphs --------------------------------------------------------------------------------
def test_eager_call_returns_numpy():
    y = scaled_softplus(X, scale=2.0)
    assert isinstance(y, np.ndarray)
    np.testing.assert_allclose(y, softplus2(X), rtol=1e-5)
    s, d = sum_and_diff(X, X)
    assert isinstance(s, np.ndarray) and isinstance(d, np.ndarray)
    np.testing.assert_allclose(s, 2 * X)
    np.testing.assert_allclose(scaled_softplus(X, np.float32(2)), softplus2(X), rtol=1e-5)  # numpy scalar attribute


def test_graph_tensors_are_refused_clearly():
    """Custom ops record into traces and run eagerly; a TF1 graph has no node for them."""
    g = tfc.Graph()
    with g.as_default():
        x = tfc.placeholder(tfc.float32, [3, 4], name="x")
        with pytest.raises(tfc.TraceError, match="cannot pass <tf.Tensor 'x:0'.*gets its value in a Session"):
            scaled_softplus(x, scale=2.0)


def test_float64_operands_stay_float64():
    x = X.astype(np.float64)
    f = tfc.compile(lambda x: (scaled_softplus(x, scale=2.0), tfc.grad(lambda a: tfc.sum(scaled_softplus(a, scale=2.0)))(x)))
    y, dy = f(x)
    assert np.asarray(y).dtype == np.float64 and np.asarray(dy).dtype == np.float64
    np.testing.assert_allclose(np.asarray(y), softplus2(x), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(dy), dsoftplus2(x), rtol=1e-12)


# ---- attributes of every kind ----------------------------------------------------------------------
@tfc.custom_op("testlib.attr_kinds")
def attr_kinds(x, n: int, flag: bool, mode: str, axes: tuple[int, ...], weights: tuple[float, ...] = (1.0, 2.0), *, bias: float = 0.5):
    assert isinstance(n, int) and isinstance(flag, bool) and isinstance(axes, tuple)
    out = jnp.sum(x, axis=axes) * n + bias + sum(weights)
    return jnp.where(flag, out, -out) if mode == "signed" else out


def test_attributes_of_every_kind_print_parse_and_run():
    f = tfc.compile(lambda x: attr_kinds(x, 3, True, "signed", [1], bias=1.5))
    text = f.lower(X).as_text()
    assert '{axes = array<i64: 1>, bias = 1.5 : f64, flag = true, mode = "signed", n = 3 : i64, weights = [1.0 : f64, 2.0 : f64]}' in text
    assert print_module(parse_module(text)) == text
    np.testing.assert_allclose(np.asarray(f(X)), X.sum(axis=1) * 3 + 1.5 + 3.0, rtol=1e-5)


# ---- errors --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, message",
    [
        ("softplus", "needs a dialect prefix.*'dialect.op'"),
        ("mylib.", "needs a dialect prefix"),
        ("tfc.my_softplus", "'tfc.' dialect is tfc's own"),
        ("mylib.scaled_softplus", "'mylib.scaled_softplus' is already registered"),
        ("tfc.add", "tfc's own"),
    ],
)
def test_bad_names(name, message):
    with pytest.raises(TfcError, match=message):
        tfc.custom_op(name)(lambda x: x)


def test_taken_companion_name_is_an_error():
    with pytest.raises(TfcError, match="'mylib.scaled_softplus_vjp' is already registered"):
        tfc.custom_op("mylib.scaled_softplus_vjp")(lambda x: x)
    assert lookup("mylib.scaled_softplus_vjp_vjp") is None  # nothing half-registered


def test_unsupported_annotations():
    with pytest.raises(TfcError, match="'testlib.bad'.*'scale' is annotated .*list.*expected .*float, int, bool, str"):
        @tfc.custom_op("testlib.bad")
        def bad(x, scale: list):
            return x

    with pytest.raises(TfcError, match="'testlib.bad2'.*variadic"):

        @tfc.custom_op("testlib.bad2")
        def bad2(*xs):
            return xs[0]

    with pytest.raises(TfcError, match="'testlib.bad3'.*default of 'n' is 1.5; expected int"):

        @tfc.custom_op("testlib.bad3")
        def bad3(x, n: int = 1.5):
            return x

    for name in ("testlib.bad", "testlib.bad2", "testlib.bad3"):
        assert lookup(name) is None


def test_kernel_that_jax_cannot_evaluate_names_the_op_and_shapes():
    f = tfc.compile(lambda a, b: sum_and_diff(a, b))
    with pytest.raises(TraceError, match=r"'mylib.sum_and_diff': the kernel cannot be evaluated for operands \(tensor<3x4xf32>, tensor<5xf32>\)"):
        f.lower(X, np.ones(5, np.float32))


def test_kernel_returning_a_non_array_is_an_error():
    @tfc.custom_op("testlib.returns_dict")
    def returns_dict(x):
        return {"y": x}

    with pytest.raises(TraceError, match="'testlib.returns_dict': the kernel must return an array or a non-empty tuple"):
        tfc.compile(lambda x: returns_dict(x)).lower(X)


def test_bad_attribute_values_at_the_call():
    with pytest.raises(TraceError, match="'mylib.scaled_softplus': attribute 'scale' expects float, got str 'big'"):
        tfc.compile(lambda x: scaled_softplus(x, scale="big")).lower(X)
    with pytest.raises(TraceError, match="'mylib.scaled_softplus': missing a required argument: 'scale'"):
        tfc.compile(lambda x: scaled_softplus(x)).lower(X)


def test_unknown_dimensions_need_declared_result_types():
    function = Function.create("f", [TensorType(DType.f32, (None, 4))], [], ["x"])
    builder = Builder(function.body)
    with pytest.raises(VerifyError, match="unknown dimensions.*declare the result types"):
        builder.create("mylib.scaled_softplus", [function.args[0]], {"scale": 2.0})
    op = builder.create("mylib.scaled_softplus", [function.args[0]], {"scale": 2.0}, [TensorType(DType.f32, (None, 4))])
    assert op.results[0].type == TensorType(DType.f32, (None, 4))


def test_interpreter_needs_a_reference():
    @tfc.custom_op("testlib.no_reference")
    def no_reference(x):
        return x * 2

    with pytest.raises(TfcError, match="'testlib.no_reference' has no numpy reference"):
        tfc.compile(lambda x: no_reference(x), backend="interp")(X)
    np.testing.assert_allclose(np.asarray(tfc.compile(lambda x: no_reference(x))(X)), 2 * X)


@tfc.custom_op("testlib.scale_by_count", reference=lambda x, counts: (x * counts, counts * 2))
def scale_by_count(x, counts):
    """A float and an integer operand, a float and an integer result."""
    return x * counts, counts * 2


@pytest.mark.parametrize("backend", ["xla", "interp"])
def test_vjp_with_integer_operands_and_results(backend):
    counts = np.arange(12, dtype=np.int32).reshape(3, 4)
    g = tfc.compile(tfc.grad(lambda x, k: tfc.sum(scale_by_count(x, k)[0])), backend=backend)
    text = g.lower(X, counts).as_text()
    assert '"testlib.scale_by_count_vjp"(%args_0, %args_1, %' in text and "-> (tensor<3x4xf32>, tensor<3x4xi32>)" in text
    np.testing.assert_allclose(np.asarray(g(X, counts)), counts.astype(np.float32))


@tfc.custom_op("testlib.cholesky", reference=lambda a: np.linalg.cholesky(a))
def cholesky(a):
    return jnp.linalg.cholesky(a)


def test_kernels_are_lowered_for_the_target_platform():
    """jax lowers some ops to platform-specific calls (LAPACK on CPU): the backend asks for its device's."""
    a = np.array([[4, 2], [2, 3]], np.float32)
    f = tfc.compile(lambda a: cholesky(a))
    np.testing.assert_allclose(np.asarray(f(a)), np.linalg.cholesky(a), rtol=1e-6)
    lowered = f.lower(a)
    assert "lapack" in str(lower_module(lowered.module, lowered.function_name, "cpu"))
