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
