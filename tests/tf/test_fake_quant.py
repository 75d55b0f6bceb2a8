"""FakeQuant* and QuantizeAndDequantize* beyond the op suite: the gradients of imported graphs (through
legalization) equal TensorFlow's gradient ops, and the errors name the node. The op suite (family
``fake_quant``) checks values against TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.backends import load
from tfc.diagnostics import TfcError
from tfc.frontend.autodiff import add_gradients
from tfc.passmanager import PassManager

from .graphs import GraphBuilder, import_and_legalize
from .test_array import F32, I32, Feed, run_op

RNG = np.random.default_rng(0)
X = np.linspace(-8, 8, 24, dtype=F32).reshape(4, 6)
WEIGHTS = RNG.standard_normal(X.shape).astype(F32)


def _gradients(op, ranges, **attrs):
    """d sum(w * op(x, *ranges)) / d (x, *ranges) by autodiff of the legalized graph, and the
    matching *Gradient op applied to w."""
    g = GraphBuilder()
    names = ["x"] + [f"r{i}" for i in range(len(ranges))]
    inputs = [g.placeholder(name, F32, value.shape) for name, value in zip(names, [X, *ranges])]
    y = g.op(op, inputs, **attrs)
    loss = g.op("Sum", [g.op("Mul", [y, g.const(WEIGHTS)], T=F32), g.const(np.arange(2, dtype=I32))], T=F32, Tidx=I32)
    by_op = g.op(op + "Gradient", [g.const(WEIGHTS), *inputs], **attrs)
    fetches = [f"{loss}:0"] + [f"{by_op}:{i}" for i in range(len(inputs))]
    feeds = {f"{name}:0": value for name, value in zip(names, [X, *ranges])}
    result = import_and_legalize(g.graph, feeds, fetches)
    add_gradients(result.module, wrt=list(range(len(inputs))))
    PassManager("canonicalize", verify_each=True).run(result.module)
    values = [np.asarray(v) for v in load(result.module, backend="xla").call(*[feeds[n] for n in result.feeds])]
    return values[1 + len(inputs):], values[1:1 + len(inputs)]


@pytest.mark.parametrize("op, ranges, attrs", [
    ("FakeQuantWithMinMaxArgs", [], dict(min=-3.0, max=5.0)),
    ("FakeQuantWithMinMaxArgs", [], dict(min=0.5, max=2.0, num_bits=4, narrow_range=True)),
    ("FakeQuantWithMinMaxVars", [np.float32(-2.5), np.float32(4.0)], {}),
    ("FakeQuantWithMinMaxVars", [np.float32(0.0), np.float32(0.0)], {}),
    ("FakeQuantWithMinMaxVarsPerChannel", [np.array([-6, -1, 0, 0.5, -9, 0], F32), np.array([6, 1, 3, 2, -1, 0], F32)],
     dict(num_bits=5)),
])
def test_fake_quant_gradients_are_the_gradient_ops(op, ranges, attrs):
    got, want = _gradients(op, ranges, **attrs)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_fake_quant_errors():
    x = Feed(np.ones(3, F32))
    with pytest.raises(TfcError, match="a1.*num_bits must be between 2 and 16, got 1"):
        run_op("FakeQuantWithMinMaxArgs", [x], name="a1", num_bits=1)
    with pytest.raises(TfcError, match="a2.*min must be smaller than max, got min = 1.0 and max = -2.0"):
        run_op("FakeQuantWithMinMaxArgs", [x], name="a2", min=1.0, max=-2.0)
    with pytest.raises(TfcError, match=r"v1.*min must be a scalar, got shape \[1\]"):
        run_op("FakeQuantWithMinMaxVars", [x, np.zeros(1, F32), np.float32(1)], name="v1")
    with pytest.raises(TfcError, match=r"v2.*gradients \[2\] and inputs \[3\] must have the same shape"):
        run_op("FakeQuantWithMinMaxVarsGradient", [np.ones(2, F32), x, np.float32(0), np.float32(1)], outputs=3, name="v2")
    with pytest.raises(TfcError, match=r"c1.*min must have shape \[3\] \(one per channel of inputs \[3\]\), got \[2\]"):
        run_op("FakeQuantWithMinMaxVarsPerChannel", [x, np.zeros(2, F32), np.ones(3, F32)], name="c1")
    with pytest.raises(TfcError, match="c2.*inputs must have rank >= 1"):
        run_op("FakeQuantWithMinMaxVarsPerChannel", [Feed(np.float32(1)), np.zeros(1, F32), np.ones(1, F32)], name="c2")


def _qdq_input_gradient(op, extra=(), **attrs):
    """d sum(w * op(x, -2, 3, *extra)) / dx through the legalized graph."""
    g = GraphBuilder()
    x = g.placeholder("x", F32, X.shape)
    y = g.op(op, [x, g.const(np.float32(-2)), g.const(np.float32(3)), *[g.const(e) for e in extra]], T=F32, **attrs)
    loss = g.op("Sum", [g.op("Mul", [y, g.const(WEIGHTS)], T=F32), g.const(np.arange(2, dtype=I32))], T=F32, Tidx=I32)
    result = import_and_legalize(g.graph, {"x:0": X}, [f"{loss}:0"])
    add_gradients(result.module)
    return np.asarray(load(result.module, backend="xla").call(X)[1])


@pytest.mark.parametrize("op, extra, attrs", [("QuantizeAndDequantizeV2", (), dict(range_given=True)),
                                              ("QuantizeAndDequantizeV3", (np.int32(4),), {}),
                                              ("QuantizeAndDequantizeV2", (), dict(round_mode="HALF_UP"))])
def test_quantize_and_dequantize_v2_v3_gradients_pass_straight_through(op, extra, attrs):
    np.testing.assert_array_equal(_qdq_input_gradient(op, extra, **attrs), WEIGHTS)


@pytest.mark.parametrize("range_given", [True, False])
def test_quantize_and_dequantize_v4_gradient_is_masked_by_the_given_range(range_given):
    """As QuantizeAndDequantizeV4Grad: inside [input_min, input_max] as given, whatever range_given says."""
    want = np.where((X >= -2) & (X <= 3), WEIGHTS, 0)
    np.testing.assert_array_equal(_qdq_input_gradient("QuantizeAndDequantizeV4", range_given=range_given), want)


def test_quantize_and_dequantize_errors():
    x, low, high = Feed(np.ones(3, F32)), np.float32(-1), np.float32(1)
    with pytest.raises(TfcError, match=r"q1.*num_bits must be in \[1, 61\] with signed_input = True, got 62"):
        run_op("QuantizeAndDequantizeV2", [x, low, high], name="q1", num_bits=62)
    with pytest.raises(TfcError, match="q2.*'round_mode' = 'HALF_DOWN' is not allowed"):
        run_op("QuantizeAndDequantizeV4", [x, low, high], name="q2", round_mode="HALF_DOWN")
    with pytest.raises(TfcError, match=r"q3.*axis must be -1 or a dimension of input \[3\], got 1"):
        run_op("QuantizeAndDequantizeV2", [x, np.zeros(3, F32), np.ones(3, F32)], name="q3", axis=1)
    with pytest.raises(TfcError, match="q4.*range_given with an axis .* is not supported"):
        run_op("QuantizeAndDequantizeV2", [x, np.zeros(3, F32), np.ones(3, F32)], name="q4", axis=0, range_given=True)
    with pytest.raises(TfcError, match="q5.*input_min 1.0 must not be above input_max -1.0"):
        run_op("QuantizeAndDequantizeV2", [x, high, low], name="q5", range_given=True)
    with pytest.raises(TfcError, match=r"q6.*min must be a scalar, got shape \[1\]"):
        run_op("QuantizeAndDequantizeV2", [x, np.zeros(1, F32), high], name="q6", range_given=True)
    with pytest.raises(TfcError, match="q7.*num_bits.*must be a constant"):
        run_op("QuantizeAndDequantizeV3", [x, low, high, Feed(np.int32(8))], name="q7")
    with pytest.raises(TfcError, match=r"q8.*num_bits must be a scalar, got shape \[1\]"):
        run_op("QuantizeAndDequantizeV3", [x, low, high, np.array([8], I32)], name="q8")
    with pytest.raises(TfcError, match="q9.*input must be f32 or f64"):
        run_op("QuantizeAndDequantizeV2", [Feed(np.ones(3, np.float16)), np.float16(-1), np.float16(1)], name="q9")
