"""TensorFlow's activation, BiasAdd, softmax and loss ops (frontend/tf/ops/math_nn.py) against numpy
spellings of TensorFlow's kernels; the helpers are test_math's."""

from __future__ import annotations

import numpy as np
import pytest

from .graphs import GraphBuilder, run_graph
from .test_math import RNG, check, floats, ints, run_op

# ---- activations ---------------------------------------------------------------------------------
SELU_SCALE, SELU_ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
ACTIVATIONS = {
    "Relu": lambda x: np.maximum(x, 0),
    "Relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
    "Elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "Selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "LeakyRelu": lambda x: np.where(x > 0, x, 0.2 * x),
    "Softplus": lambda x: np.logaddexp(0, x),
    "Softsign": lambda x: x / (1 + np.abs(x)),
}


@pytest.mark.parametrize("op", sorted(ACTIVATIONS))
def test_activations(op):
    x = floats(3, 5, low=-8, high=8)
    x[0, :3] = [0.0, 100.0, -100.0]
    check(run_op(op, x, T=np.float32), ACTIVATIONS[op](x.astype(np.float64)).astype(np.float32), rtol=1e-5, atol=1e-6)


def test_leaky_relu_alpha():
    x = floats(4, 3)
    check(run_op("LeakyRelu", x, T=np.float32, alpha=0.05), np.where(x > 0, x, 0.05 * x).astype(np.float32))
    check(run_op("LeakyRelu", x, T=np.float32, alpha=1.5), np.where(x > 0, x, 1.5 * x).astype(np.float32))


def test_relu_ints():
    x = ints(6)
    check(run_op("Relu", x, T=np.int32), np.maximum(x, 0))
    check(run_op("Relu6", x, T=np.int32), np.clip(x, 0, 6))


# ---- BiasAdd -------------------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_bias_add_4d(data_format):
    x = floats(2, 3, 4, 5)
    channels = 5 if data_format == "NHWC" else 3
    b = floats(channels)
    want = x + (b if data_format == "NHWC" else b[:, None, None])
    check(run_op("BiasAdd", x, b, T=np.float32, data_format=data_format), want)


def test_bias_add_2d_and_v1():
    x, b = floats(4, 3), floats(3)
    check(run_op("BiasAdd", x, b, T=np.float32), x + b)
    check(run_op("BiasAdd", x, b, T=np.float32, data_format="NCHW"), x + b)
    check(run_op("BiasAddV1", x, b, T=np.float32), x + b)


def test_bias_add_ncdhw_rank5():
    x, b = floats(1, 3, 2, 2, 2), floats(3)
    check(run_op("BiasAdd", x, b, T=np.float32, data_format="NCHW"), x + b[:, None, None, None])


# ---- softmax and losses --------------------------------------------------------------------------
def np_log_softmax(x, axis=-1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)], ids=str)
def test_softmax(shape):
    x = floats(*shape, low=-10, high=10)
    check(run_op("Softmax", x, T=np.float32), np.exp(np_log_softmax(x)).astype(np.float32), rtol=1e-5, atol=1e-6)
    check(run_op("LogSoftmax", x, T=np.float32), np_log_softmax(x).astype(np.float32), rtol=1e-5, atol=1e-5)


def test_softmax_large_logits_are_stable():
    x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]], np.float32)
    got = run_op("Softmax", x, T=np.float32)
    check(got, np.exp(np_log_softmax(x.astype(np.float64))).astype(np.float32))


def np_xent(logits, labels):
    log_probs = np_log_softmax(logits.astype(np.float64))
    return (-(labels * log_probs).sum(-1)).astype(np.float32), (np.exp(log_probs) - labels).astype(np.float32)


@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
def test_sparse_softmax_cross_entropy(label_dtype):
    logits, labels = floats(4, 5, low=-5, high=5), np.array([0, 4, 2, 2], label_dtype)
    loss, backprop = run_op("SparseSoftmaxCrossEntropyWithLogits", logits, labels, outputs=2, T=np.float32, Tlabels=label_dtype)
    want_loss, want_backprop = np_xent(logits, np.eye(5)[labels])
    check(loss, want_loss, rtol=1e-5, atol=1e-6)
    check(backprop, want_backprop, rtol=1e-5, atol=1e-6)


def test_sparse_softmax_cross_entropy_out_of_range_label_is_nan():
    logits, labels = floats(3, 4), np.array([1, 4, -1], np.int32)
    loss, backprop = run_op("SparseSoftmaxCrossEntropyWithLogits", logits, labels, outputs=2, T=np.float32, Tlabels=np.int32)
    assert np.isfinite(loss[0]) and np.isnan(loss[1:]).all()
    assert np.isfinite(backprop[0]).all() and np.isnan(backprop[1:]).all()


@pytest.mark.parametrize("label_shape", [(3, 4), (1, 4)], ids=str)
def test_softmax_cross_entropy(label_shape):
    logits = floats(3, 4, low=-5, high=5)
    labels = RNG.random(label_shape).astype(np.float32)
    labels /= labels.sum(-1, keepdims=True)
    loss, backprop = run_op("SoftmaxCrossEntropyWithLogits", logits, labels, outputs=2, T=np.float32)
    want_loss, want_backprop = np_xent(logits, np.broadcast_to(labels, (3, 4)))
    check(loss, want_loss, rtol=1e-5, atol=1e-6)
    check(backprop, want_backprop, rtol=1e-5, atol=1e-6)


def test_l2_loss():
    x = floats(3, 4)
    check(run_op("L2Loss", x, T=np.float32), np.float32(np.sum(x.astype(np.float64) ** 2) / 2), rtol=1e-5)


# ---- several ops in one graph --------------------------------------------------------------------
def test_dense_layer_graph():
    """MatMul -> BiasAdd -> Relu -> Sum with keep_dims -> RealDiv, fetched together."""
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [4, 3])
    w_value, b_value = floats(3, 5), floats(5)
    w, b = g.const(w_value), g.const(b_value)
    h = g.op("BiasAdd", [g.op("MatMul", [x, w], T=np.float32), b], T=np.float32)
    r = g.op("Relu", [h], T=np.float32)
    s = g.op("Sum", [r, g.const(np.array([1], np.int32))], T=np.float32, keep_dims=True)
    out = g.op("RealDiv", [r, g.op("Maximum", [s, g.const(np.float32(1e-3))], T=np.float32)], T=np.float32)
    feed = floats(4, 3)
    got_out, got_s = run_graph(g.graph, {"x:0": feed}, [out, s])
    relu = np.maximum(feed @ w_value + b_value, 0)
    total = relu.sum(1, keepdims=True)
    check(got_s, total, rtol=1e-5, atol=1e-5)
    check(got_out, relu / np.maximum(total, np.float32(1e-3)), rtol=1e-5, atol=1e-5)
