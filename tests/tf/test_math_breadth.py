"""The math breadth ops (special functions, complex numbers, bit ops, safe math, running products,
gradient ops, Cross): clear errors naming the node for what TensorFlow rejects or tfc cannot compile,
and gradients through imported graphs where the decomposition guards against nan or division. Their
values are checked against TensorFlow by the op suite (families math2, complex, bitwise)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp

from tfc.backends.xla.backend import compile_module
from tfc.frontend.autodiff import add_gradients
from tfc.passmanager import PassManager

from .graphs import GraphBuilder, import_and_legalize

RNG = np.random.default_rng(5)


def floats(*shape, dtype=np.float32, low=-2.0, high=2.0):
    return RNG.uniform(low, high, shape).astype(dtype)


def node_graph(op_type, args, consts=(), **attrs):
    """A graph with one ``op_type`` node on placeholders (``args``) then Consts (``consts``)."""
    g = GraphBuilder()
    names, feeds = [], {}
    for i, arg in enumerate(args):
        names.append(g.placeholder(f"x{i}", arg.dtype.type, arg.shape))
        feeds[f"x{i}:0"] = arg
    names += [g.const(c) for c in consts]
    return g, feeds, g.op(op_type, names, name="node", **attrs)


def legalize(op_type, args, consts=(), **attrs):
    g, feeds, node = node_graph(op_type, args, consts, **attrs)
    return import_and_legalize(g.graph, feeds, [node])


@pytest.mark.parametrize(
    "op_type, args, consts, attrs, message",
    [
        ("Complex", [floats(2, dtype=np.float64), floats(2, dtype=np.float64)], (), {"T": np.float64, "Tout": np.complex64},
         r"makes complex<f64>, not Tout = complex<f32>"),
        ("Real", [floats(2).astype(np.complex64)], (), {"T": np.complex64, "Tout": np.float64}, r"parts of complex<f32> are f32, not Tout = f64"),
        ("Betainc", [floats(2, 3), floats(3), floats(2, 3)], (), {"T": np.float32}, "scalars or have one shape"),
        ("ApproximateEqual", [floats(2, 3), floats(3)], (), {"T": np.float32}, "one shape"),
        ("Cross", [floats(2, 4), floats(2, 4)], (), {"T": np.float32}, r"3 elements in their last dimension, got shape \[2, 4\]"),
        ("SqrtGrad", [floats(2, 3), floats(3, 2)], (), {"T": np.float32}, "do not match"),
        ("Cumprod", [floats(3, 2)], (np.int32(2),), {"T": np.float32, "Tidx": np.int32}, "axis 2 is out of range"),
        ("CumulativeLogsumexp", [floats()], (np.int32(0),), {"T": np.float32, "Tidx": np.int32}, "rank >= 1"),
        ("Bitcast", [np.zeros((2, 3), np.uint8)], (), {"T": np.uint8, "type": np.float32}, "last dimension of 4"),
        ("Igamma", [floats(2, 3), floats(4)], (), {"T": np.float32}, "cannot be broadcast"),
        ("LinSpace", [floats(), floats()], (np.int32(0),), {"T": np.float32, "Tidx": np.int32}, "num must be positive, got 0"),
        ("LinSpace", [floats(2), floats()], (np.int32(3),), {"T": np.float32, "Tidx": np.int32}, "start must be a scalar"),
        ("Bucketize", [floats(3)], (), {"T": np.float32, "boundaries": [0.0, 2.0, 1.0]}, r"boundaries \[0.0, 2.0, 1.0\] must be sorted"),
    ],
    ids=lambda v: v if isinstance(v, str) and v[0].isupper() else "",
)
def test_errors_name_the_node(op_type, args, consts, attrs, message):
    with pytest.raises(Exception, match=message) as info:
        legalize(op_type, args, consts, **attrs)
    assert "node" in str(info.value)


def test_cumulative_axis_must_be_a_constant():
    g = GraphBuilder()
    x, axis = g.placeholder("x", np.float32, (3,)), g.placeholder("axis", np.int32, ())
    node = g.op("Cumprod", [x, axis], name="node", T=np.float32, Tidx=np.int32)
    with pytest.raises(Exception, match="'node'.*axis.*constant"):
        import_and_legalize(g.graph, {"x:0": floats(3), "axis:0": np.int32(0)}, [node])


# ---- gradients through imported graphs -------------------------------------------------------------
def gradient(op_type, args, consts=(), **attrs):
    """d/d(every placeholder) of sum(node), compiled with XLA: (value of the sum, gradients)."""
    g, feeds, node = node_graph(op_type, args, consts, **attrs)
    total = g.op("Sum", [node, g.const(np.arange(args[0].ndim, dtype=np.int32))], name="total", T=args[0].dtype.type, Tidx=np.int32)
    module = import_and_legalize(g.graph, feeds, [total]).module
    wrt = add_gradients(module, wrt=list(range(len(args))))
    PassManager("canonicalize", verify_each=True).run(module)
    results = [np.asarray(v) for v in compile_module(module)(*args)]
    assert len(results) == 1 + len(wrt)
    return results[0], results[1:]


def test_cumprod_gradient_through_zeros_is_exact():
    """No division in the scan: d/dx_k of sum(cumprod(x)) is the sum over i >= k of the product of
    x_j for j <= i, j != k, also where an x is 0."""
    x = np.array([2.0, 0.0, 3.0, 0.5])
    _, [got] = gradient("Cumprod", [x], (np.int32(0),), T=np.float64, Tidx=np.int32)
    want = [sum(np.prod(np.delete(x[: i + 1], k)) for i in range(k, 4)) for k in range(4)]
    np.testing.assert_allclose(got, want)


def test_cumulative_logsumexp_gradient_is_a_running_softmax():
    x = floats(5, dtype=np.float64)
    _, [got] = gradient("CumulativeLogsumexp", [x], (np.int32(0),), T=np.float64, Tidx=np.int32)
    want = [sum(np.exp(x[k]) / np.exp(x[: i + 1]).sum() for i in range(k, 5)) for k in range(5)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_xlogy_and_xdivy_gradients_stay_finite_where_x_is_zero():
    x, y = np.array([0.0, 0.0, 2.0]), np.array([0.0, 3.0, 4.0])
    _, [dx, dy] = gradient("Xlogy", [x, y], T=np.float64)
    np.testing.assert_allclose(dx, [0.0, 0.0, np.log(4.0)])
    np.testing.assert_allclose(dy, [0.0, 0.0, 0.5])
    _, [dx, dy] = gradient("Xdivy", [x, y], T=np.float64)
    np.testing.assert_allclose(dx, [0.0, 0.0, 0.25])
    np.testing.assert_allclose(dy, [0.0, 0.0, -2.0 / 16])


def test_mul_no_nan_gradient_is_tensorflows():
    """d/dx = mul_no_nan(dz, y) (0 where y is 0) and d/dy = x where x is finite, as TensorFlow's."""
    x, y = np.array([2.0, -3.0, np.inf, 4.0]), np.array([0.0, 0.0, 0.0, 5.0])
    value, [dx, dy] = gradient("MulNoNan", [x, y], T=np.float64)
    assert value == 20.0
    np.testing.assert_allclose(dx, [0.0, 0.0, 0.0, 5.0])
    np.testing.assert_allclose(dy, [2.0, -3.0, 0.0, 4.0])


def test_special_function_gradients():
    x = floats(4, dtype=np.float64, low=0.5, high=4.0)
    _, [got] = gradient("Lgamma", [x], T=np.float64)
    np.testing.assert_allclose(got, sp.psi(x), rtol=1e-12)
    a = floats(4, dtype=np.float64, low=0.5, high=4.0)
    _, [_, dx] = gradient("Igamma", [a, x], T=np.float64)
    np.testing.assert_allclose(dx, np.exp(-x + (a - 1) * np.log(x) - sp.gammaln(a)), rtol=1e-10)


def test_complex_abs_gradient_is_the_unit_direction():
    """d|z|/d(re, im) = (re, im) / |z|, through Complex and ComplexAbs."""
    re, im = floats(3), floats(3)
    g = GraphBuilder()
    parts = [g.placeholder("re", np.float32, (3,)), g.placeholder("im", np.float32, (3,))]
    z = g.op("Complex", parts, name="z", T=np.float32, Tout=np.complex64)
    magnitude = g.op("ComplexAbs", [z], name="node", T=np.complex64, Tout=np.float32)
    total = g.op("Sum", [magnitude, g.const(np.int32(0))], name="total", T=np.float32, Tidx=np.int32)
    module = import_and_legalize(g.graph, {"re:0": re, "im:0": im}, [total]).module
    add_gradients(module, wrt=[0, 1])
    _, d_re, d_im = (np.asarray(v) for v in compile_module(module)(re, im))
    np.testing.assert_allclose(d_re, re / np.hypot(re, im), rtol=1e-5)
    np.testing.assert_allclose(d_im, im / np.hypot(re, im), rtol=1e-5)
