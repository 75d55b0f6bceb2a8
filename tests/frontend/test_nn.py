"""``tfc.nn`` inside ``@tfc.compile``: each traced function against the TensorFlow op it stands for,
run as a graph node by a Session (whose decompositions the corpus checks against TensorFlow), and
gradients against ``tf.gradients`` of those nodes."""

from __future__ import annotations

import numpy as np
import pytest

import tfc
from tfc.compat.v1.ops import add

RNG = np.random.default_rng(7)


def normal(*shape) -> np.ndarray:
    return RNG.normal(size=shape).astype(np.float32)


def graph_result(build, *values) -> np.ndarray:
    """``build(*placeholders)``'s value in a TF1 Session, fed ``values``."""
    graph = tfc.Graph()
    with graph.as_default():
        holders = [tfc.placeholder(tfc.float32, v.shape) for v in values]
        out = build(*holders)
    with tfc.Session(graph=graph) as session:
        return session.run(out, dict(zip(holders, values)))


def traced(fn, *values) -> np.ndarray:
    return np.asarray(tfc.compile(fn)(*values))


CONV_CASES = [  # (input, filter, traced call, TF node type, its attributes)
    ((2, 9, 9, 4), (3, 3, 4, 6), lambda x, w: tfc.nn.conv2d(x, w, 2, "SAME"), "Conv2D", {"strides": [1, 2, 2, 1], "padding": "SAME"}),
    ((2, 9, 8, 4), (3, 2, 4, 5), lambda x, w: tfc.nn.conv2d(x, w, [1, 2], "VALID", dilations=[2, 1]), "Conv2D",
     {"strides": [1, 1, 2, 1], "padding": "VALID", "dilations": [1, 2, 1, 1]}),
    ((2, 4, 7, 7), (3, 3, 4, 6), lambda x, w: tfc.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", data_format="NCHW"), "Conv2D",
     {"strides": [1, 1, 1, 1], "padding": "SAME", "data_format": "NCHW"}),
    ((1, 6, 6, 2), (3, 3, 2, 3), lambda x, w: tfc.nn.conv2d(x, w, 1, [[0, 0], [1, 2], [0, 1], [0, 0]]), "Conv2D",
     {"strides": [1, 1, 1, 1], "padding": "EXPLICIT", "explicit_paddings": [0, 0, 1, 2, 0, 1, 0, 0]}),
    ((2, 6, 6, 8), (3, 3, 2, 8), lambda x, w: tfc.nn.conv2d(x, w, 1, "SAME"), "Conv2D", {"strides": [1, 1, 1, 1], "padding": "SAME"}),
    ((2, 5, 6, 7, 3), (2, 3, 2, 3, 4), lambda x, w: tfc.nn.conv3d(x, w, [1, 2, 1, 2, 1], "SAME"), "Conv3D",
     {"strides": [1, 2, 1, 2, 1], "padding": "SAME"}),
    ((2, 8, 8, 3), (3, 3, 3, 2), lambda x, w: tfc.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"), "DepthwiseConv2dNative",
     {"strides": [1, 2, 2, 1], "padding": "SAME"}),
]


@pytest.mark.parametrize("x_shape, w_shape, call, node, attrs", CONV_CASES)
def test_convolutions_equal_tensorflows_ops(x_shape, w_shape, call, node, attrs):
    x, w = normal(*x_shape), normal(*w_shape)
    expected = graph_result(lambda a, b: add(node, [a, b], attrs), x, w)
    np.testing.assert_allclose(traced(call, x, w), expected, rtol=1e-5, atol=1e-5)


def test_conv1d_is_conv2d_over_one_row():
    x, w = normal(2, 11, 3), normal(3, 3, 4)
    expected = graph_result(lambda a, b: add("Conv2D", [tfc.expand_dims(a, 1), tfc.expand_dims(b, 0)], {"strides": [1, 1, 2, 1], "padding": "SAME"}), x, w)
    np.testing.assert_allclose(traced(lambda a, b: tfc.nn.conv1d(a, b, 2, "SAME"), x, w), expected[:, 0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding, stride, out", [("SAME", 2, (2, 9, 9, 4)), ("VALID", 2, (2, 9, 9, 4)), ("SAME", 1, (2, 5, 5, 4))])
def test_conv2d_transpose_equals_the_input_gradient(padding, stride, out):
    w = normal(3, 3, 4, 6)  # [h, w, out channels, in channels]
    probe = normal(*out)
    forward = traced(lambda a, b: tfc.nn.conv2d(a, b, stride, padding), probe, w)
    dy = normal(*forward.shape)
    expected = graph_result(lambda a, b: add("Conv2DBackpropInput", [np.array(out, np.int32), b, a],
                                             {"strides": [1, stride, stride, 1], "padding": padding}), dy, w)
    got = traced(lambda a, b: tfc.nn.conv2d_transpose(a, b, out, stride, padding), dy, w)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_separable_conv2d_is_depthwise_then_pointwise():
    x, dw, pw = normal(1, 7, 7, 3), normal(3, 3, 3, 2), normal(1, 1, 6, 5)
    depthwise = graph_result(lambda a, b: add("DepthwiseConv2dNative", [a, b], {"strides": [1, 1, 1, 1], "padding": "VALID"}), x, dw)
    expected = graph_result(lambda a, b: add("Conv2D", [a, b], {"strides": [1, 1, 1, 1], "padding": "VALID"}), depthwise, pw)
    got = traced(lambda a, b, c: tfc.nn.separable_conv2d(a, b, c, 1, "VALID"), x, dw, pw)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


POOL_CASES = [  # (input, traced call, TF node type, its attributes)
    ((2, 9, 9, 3), lambda x: tfc.nn.max_pool(x, 3, 2, "SAME"), "MaxPool", {"ksize": [1, 3, 3, 1], "strides": [1, 2, 2, 1], "padding": "SAME"}),
    ((2, 9, 9, 3), lambda x: tfc.nn.avg_pool(x, 3, 2, "SAME"), "AvgPool", {"ksize": [1, 3, 3, 1], "strides": [1, 2, 2, 1], "padding": "SAME"}),
    ((2, 8, 7, 3), lambda x: tfc.nn.avg_pool2d(x, [2, 3], [2, 1], "VALID"), "AvgPool",
     {"ksize": [1, 2, 3, 1], "strides": [1, 2, 1, 1], "padding": "VALID"}),
    ((2, 3, 8, 8), lambda x: tfc.nn.max_pool(x, [1, 1, 2, 2], [1, 1, 2, 2], "VALID", data_format="NCHW"), "MaxPool",
     {"ksize": [1, 1, 2, 2], "strides": [1, 1, 2, 2], "padding": "VALID", "data_format": "NCHW"}),
    ((1, 5, 6, 7, 2), lambda x: tfc.nn.max_pool3d(x, 2, 2, "SAME"), "MaxPool3D",
     {"ksize": [1, 2, 2, 2, 1], "strides": [1, 2, 2, 2, 1], "padding": "SAME"}),
    ((1, 5, 6, 7, 2), lambda x: tfc.nn.avg_pool3d(x, 3, 2, "SAME"), "AvgPool3D",
     {"ksize": [1, 3, 3, 3, 1], "strides": [1, 2, 2, 2, 1], "padding": "SAME"}),
]


@pytest.mark.parametrize("x_shape, call, node, attrs", POOL_CASES)
def test_pooling_equals_tensorflows_ops(x_shape, call, node, attrs):
    x = normal(*x_shape)
    expected = graph_result(lambda a: add(node, [a], attrs), x)
    np.testing.assert_allclose(traced(call, x), expected, rtol=1e-6, atol=1e-6)


def test_max_pool1d_over_a_sequence():
    x = normal(2, 10, 3)
    expected = graph_result(lambda a: add("MaxPool", [tfc.expand_dims(a, 1)], {"ksize": [1, 1, 3, 1], "strides": [1, 1, 2, 1], "padding": "VALID"}), x)
    np.testing.assert_allclose(traced(lambda a: tfc.nn.max_pool1d(a, 3, 2, "VALID"), x), expected[:, 0])


def test_bias_add_moments_and_batch_normalization_equal_tf1s():
    x, b = normal(4, 5, 5, 3), normal(3)
    scale, offset = normal(3), normal(3)

    def model(nn, a, bias, gamma, beta):
        mean, variance = nn.moments(a, [0, 1, 2])
        return nn.batch_normalization(nn.bias_add(a, bias), mean, variance, beta, gamma, 1e-3)

    expected = graph_result(lambda *t: model(tfc.nn, *t), x, b, scale, offset)
    np.testing.assert_allclose(traced(lambda *t: model(tfc.nn, *t), x, b, scale, offset), expected, rtol=1e-5, atol=1e-5)
    first = traced(lambda a, bias: tfc.nn.bias_add(a, bias, data_format="NCHW"), x.transpose(0, 3, 1, 2), b)
    np.testing.assert_allclose(first, x.transpose(0, 3, 1, 2) + b[:, None, None])


def test_gradients_equal_tf_gradients():
    x, w = normal(2, 8, 8, 3), normal(3, 3, 3, 4)

    def loss(a, b):
        h = tfc.nn.conv2d(a, b, 2, "SAME")
        mean, variance = tfc.nn.moments(h, [0, 1, 2])
        h = tfc.nn.batch_normalization(h, mean, variance, None, None, 1e-3)
        return tfc.reduce_sum(tfc.square(tfc.nn.avg_pool(tfc.nn.max_pool(h, 2, 1, "SAME"), 2, 2, "VALID")))

    grads = tfc.compile(lambda a, b: tfc.grad(loss, argnums=(0, 1))(a, b))(x, w)
    graph = tfc.Graph()
    with graph.as_default():
        a, b = tfc.placeholder(tfc.float32, x.shape), tfc.placeholder(tfc.float32, w.shape)
        h = tfc.nn.conv2d(a, b, [1, 2, 2, 1], "SAME")
        mean, variance = tfc.nn.moments(h, [0, 1, 2])
        h = tfc.nn.batch_normalization(h, mean, variance, None, None, 1e-3)
        pooled = tfc.nn.avg_pool(tfc.nn.max_pool(h, [1, 2, 2, 1], [1, 1, 1, 1], "SAME"), [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        expected = tfc.gradients(tfc.reduce_sum(tfc.square(pooled)), [a, b])
    with tfc.Session(graph=graph) as session:
        want = session.run(expected, {a: x, b: w})
    for got, ref in zip(grads, want):
        np.testing.assert_allclose(np.asarray(got), ref, rtol=2e-4, atol=2e-4)


def test_eager_calls_compile_the_python_arguments_in():
    x, w = normal(1, 6, 6, 2), normal(3, 3, 2, 2)
    eager = tfc.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    assert isinstance(eager, np.ndarray) and eager.shape == (1, 3, 3, 2)
    np.testing.assert_allclose(eager, traced(lambda a, b: tfc.nn.conv2d(a, b, 2, "SAME"), x, w), rtol=1e-6)
    assert tfc.nn.max_pool(x, 2, 2, "VALID").shape == (1, 3, 3, 2)


@pytest.mark.parametrize("call, message", [
    (lambda x: tfc.nn.conv2d(x, np.ones((3, 3, 5, 2), np.float32), 1, "SAME"), "tf.nn.convolution: input channels 2 do not fit"),
    (lambda x: tfc.nn.conv2d(x, np.ones((3, 3, 2, 2), np.float32), [1, 2, 2, 2], "SAME"), "must be 1 in the batch and channel"),
    (lambda x: tfc.nn.max_pool(x, 2, 2, "FULL"), "pooling padding must be 'SAME' or 'VALID'"),
    (lambda x: tfc.nn.bias_add(x, np.ones(3, np.float32)), "bias of shape [3] must be a vector of the 2 channels"),
])
def test_bad_arguments_name_the_function_and_the_line(call, message):
    with pytest.raises(tfc.TraceError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        tfc.compile(call)(normal(1, 6, 6, 2))
    assert "test_nn.py" in str(info.value)
