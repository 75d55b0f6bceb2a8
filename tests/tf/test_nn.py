"""TensorFlow's convolution, pooling and normalization ops against naive numpy references.

The references are written from TensorFlow's documented semantics with explicit loops (windows in
data_format order, SAME padding with the extra element after, AvgPool counting only real elements,
FusedBatchNorm's Bessel-corrected batch_variance), independent of how nn.py maps them onto core ops.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tfc.frontend.tf.importer import GraphImporter
from tfc.frontend.tf.ops.nn import tf_window

from .graphs import GraphBuilder, import_and_legalize, run_graph

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    if np.dtype(dtype).kind == "i":
        return RNG.integers(-50, 50, shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def same_pads(size, k, s, d=1):
    """TensorFlow's SAME rule, written out from the documentation."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def nchw(x):
    return np.transpose(x, (0, 3, 1, 2))


def nhwc(x):
    return np.transpose(x, (0, 2, 3, 1))


# ---- numpy references (NHWC input, HWIO filter) ----------------------------------------------------
def conv_ref(x, w, strides, pads, dil=(1, 1)):
    """Grouped 2-D convolution by explicit loops over output positions and kernel taps."""
    kh, kw, cin, cout = w.shape
    groups, per = x.shape[3] // cin, cout // (x.shape[3] // cin)
    xp = np.pad(x.astype(np.float64), ((0, 0), pads[0], pads[1], (0, 0)))
    oh = (xp.shape[1] - (kh - 1) * dil[0] - 1) // strides[0] + 1
    ow = (xp.shape[2] - (kw - 1) * dil[1] - 1) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, cout))
    for i, j, a, b, g in itertools.product(range(oh), range(ow), range(kh), range(kw), range(groups)):
        patch = xp[:, i * strides[0] + a * dil[0], j * strides[1] + b * dil[1], g * cin : (g + 1) * cin]
        out[:, i, j, g * per : (g + 1) * per] += patch @ w[a, b, :, g * per : (g + 1) * per]
    return out


def depthwise_ref(x, w, strides, pads, dil=(1, 1)):
    """out[..., c * M + m] = sum over taps of x[..., c] * w[a, b, c, m]."""
    kh, kw, c, m = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), pads[0], pads[1], (0, 0)))
    oh = (xp.shape[1] - (kh - 1) * dil[0] - 1) // strides[0] + 1
    ow = (xp.shape[2] - (kw - 1) * dil[1] - 1) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, c * m))
    for i, j, a, b, ch, mu in itertools.product(range(oh), range(ow), range(kh), range(kw), range(c), range(m)):
        out[:, i, j, ch * m + mu] += xp[:, i * strides[0] + a * dil[0], j * strides[1] + b * dil[1], ch] * w[a, b, ch, mu]
    return out


def conv_backprop_ref(in_shape, w, dy, strides, pads, dil=(1, 1)):
    """The adjoint of conv_ref: every output gradient scattered back through every kernel tap."""
    kh, kw, cin, cout = w.shape
    groups, per = in_shape[3] // cin, cout // (in_shape[3] // cin)
    n, h, wd, c = in_shape
    dxp = np.zeros((n, h + sum(pads[0]) + kh * dil[0], wd + sum(pads[1]) + kw * dil[1], c))
    for i, j, a, b, g in itertools.product(range(dy.shape[1]), range(dy.shape[2]), range(kh), range(kw), range(groups)):
        grad = dy[:, i, j, g * per : (g + 1) * per].astype(np.float64) @ w[a, b, :, g * per : (g + 1) * per].T
        dxp[:, i * strides[0] + a * dil[0], j * strides[1] + b * dil[1], g * cin : (g + 1) * cin] += grad
    return dxp[:, pads[0][0] : pads[0][0] + h, pads[1][0] : pads[1][0] + wd, :]


def pool_ref(x, ksize, strides, pads, kind):
    """Max or average over windows of a NaN-padded input; NaNs (padding) are left out of both."""
    xp = np.pad(x.astype(np.float64), pads, constant_values=np.nan)
    out_shape = [(n - k) // s + 1 for n, k, s in zip(xp.shape, ksize, strides)]
    out = np.zeros(out_shape)
    for idx in np.ndindex(*out_shape):
        window = xp[tuple(slice(i * s, i * s + k) for i, s, k in zip(idx, strides, ksize))]
        real = window[~np.isnan(window)]
        out[idx] = real.max() if kind == "max" else real.mean()
    return out


# ---- helpers -------------------------------------------------------------------------------------
def run_op(op, inputs, consts=(), fetch_outputs=1, rtol=1e-5, atol=1e-5, **attrs):
    """Build ``op`` on placeholders for ``inputs`` then constants ``consts``; returns its outputs."""
    g = GraphBuilder()
    names = [g.placeholder(f"in{i}", v.dtype.type, v.shape) for i, v in enumerate(inputs)]
    names += [g.const(c) for c in consts]
    node = g.op(op, names, name="node", **attrs)
    fetches = [node] + [f"{node}:{i}" for i in range(1, fetch_outputs)]
    feeds = {f"in{i}:0": v for i, v in enumerate(inputs)}
    return run_graph(g.graph, feeds, fetches, rtol=rtol, atol=atol)


def check(got, want, rtol=1e-4, atol=1e-4):
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=atol)


def explicit_from(pads, data_format="NHWC"):
    """TensorFlow's explicit_paddings list (pairs in data_format order) from spatial (lo, hi) pairs."""
    spatial = [p for pair in pads for p in pair]
    return [0, 0] + spatial + [0, 0] if data_format == "NHWC" else [0, 0, 0, 0] + spatial


# ---- SAME padding --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "size,k,s,d,want",
    [(5, 3, 2, 1, (3, (1, 1))), (6, 3, 2, 1, (3, (0, 1))), (4, 1, 2, 1, (2, (0, 0))), (5, 3, 1, 2, (5, (2, 2))), (7, 4, 3, 1, (3, (1, 2)))],
)
def test_same_window_matches_tensorflow_formula(size, k, s, d, want):
    assert tf_window(size, k, s, d, "SAME") == want


def test_valid_window_sizes():
    assert tf_window(7, 3, 2, 1, "VALID") == (3, (0, 0))
    assert tf_window(6, 3, 1, 2, "VALID") == (2, (0, 0))
    assert tf_window(None, 3, 1, 1, "SAME") == (None, None)


# ---- Conv2D --------------------------------------------------------------------------------------
CONV_CASES = [
    # (input HW, kernel HW, strides, padding, dilations)
    ((5, 5), (3, 3), (1, 1), "SAME", (1, 1)),
    ((7, 7), (3, 3), (2, 2), "SAME", (1, 1)),
    ((6, 6), (3, 3), (2, 2), "SAME", (1, 1)),
    ((5, 6), (4, 2), (2, 3), "SAME", (1, 1)),
    ((7, 6), (3, 2), (2, 2), "VALID", (1, 1)),
    ((7, 7), (3, 3), (1, 1), "SAME", (2, 2)),
    ((8, 7), (2, 3), (2, 1), "VALID", (2, 3)),
]


@pytest.mark.parametrize("hw,k,strides,padding,dil", CONV_CASES)
def test_conv2d_nhwc(hw, k, strides, padding, dil):
    x, w = rand(2, *hw, 3), rand(*k, 3, 4)
    pads = [same_pads(n, kk, s, d) if padding == "SAME" else (0, 0) for n, kk, s, d in zip(hw, k, strides, dil)]
    (got,) = run_op("Conv2D", [x], [w], T=np.float32, strides=[1, *strides, 1], padding=padding, dilations=[1, *dil, 1])
    check(got, conv_ref(x, w, strides, pads, dil))


@pytest.mark.parametrize("hw,k,strides,padding,dil", [CONV_CASES[1], CONV_CASES[2], CONV_CASES[6]])
def test_conv2d_nchw(hw, k, strides, padding, dil):
    x, w = rand(2, *hw, 3), rand(*k, 3, 4)
    pads = [same_pads(n, kk, s, d) if padding == "SAME" else (0, 0) for n, kk, s, d in zip(hw, k, strides, dil)]
    attrs = {"T": np.float32, "strides": [1, 1, *strides], "padding": padding, "dilations": [1, 1, *dil], "data_format": "NCHW"}
    (got,) = run_op("Conv2D", [nchw(x)], [w], **attrs)
    check(got, nchw(conv_ref(x, w, strides, pads, dil)))


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_conv2d_explicit_padding(data_format):
    x, w = rand(1, 5, 6, 2), rand(3, 3, 2, 3)
    pads = [(2, 0), (1, 3)]
    strides = [1, 2, 2, 1] if data_format == "NHWC" else [1, 1, 2, 2]
    feed = x if data_format == "NHWC" else nchw(x)
    attrs = {"T": np.float32, "strides": strides, "padding": "EXPLICIT", "explicit_paddings": explicit_from(pads, data_format), "data_format": data_format}
    (got,) = run_op("Conv2D", [feed], [w], **attrs)
    want = conv_ref(x, w, (2, 2), pads)
    check(got, want if data_format == "NHWC" else nchw(want))


def test_conv2d_grouped():
    """An input depth that is a multiple of the filter depth is a grouped convolution."""
    x, w = rand(1, 5, 5, 6), rand(3, 3, 2, 9)
    (got,) = run_op("Conv2D", [x], [w], T=np.float32, strides=[1, 1, 1, 1], padding="SAME")
    check(got, conv_ref(x, w, (1, 1), [(1, 1), (1, 1)]))


@pytest.mark.parametrize("dtype", [np.int32, np.float64])
def test_conv2d_dtypes(dtype):
    x, w = rand(1, 6, 5, 2, dtype=dtype), rand(3, 2, 2, 3, dtype=dtype)
    (got,) = run_op("Conv2D", [x, w], T=dtype, strides=[1, 2, 2, 1], padding="SAME")
    assert got.dtype == dtype
    check(got, conv_ref(x, w, (2, 2), [same_pads(6, 3, 2), same_pads(5, 2, 2)]))


# ---- DepthwiseConv2dNative -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "multiplier,strides,padding,dil,data_format",
    [(1, (1, 1), "SAME", (1, 1), "NHWC"), (3, (2, 2), "SAME", (1, 1), "NHWC"), (2, (1, 2), "VALID", (1, 1), "NCHW"), (2, (1, 1), "SAME", (2, 2), "NHWC"), (3, (2, 2), "SAME", (1, 1), "NCHW")],
)
def test_depthwise_conv2d(multiplier, strides, padding, dil, data_format):
    x, w = rand(2, 7, 6, 3), rand(3, 3, 3, multiplier)
    pads = [same_pads(n, 3, s, d) if padding == "SAME" else (0, 0) for n, s, d in zip((7, 6), strides, dil)]
    window = lambda v: [1, *v, 1] if data_format == "NHWC" else [1, 1, *v]
    feed = x if data_format == "NHWC" else nchw(x)
    attrs = {"T": np.float32, "strides": window(strides), "padding": padding, "dilations": window(dil), "data_format": data_format}
    (got,) = run_op("DepthwiseConv2dNative", [feed], [w], **attrs)
    want = depthwise_ref(x, w, strides, pads, dil)
    check(got, want if data_format == "NHWC" else nchw(want))


# ---- Conv2DBackpropInput -------------------------------------------------------------------------
BACKPROP_CASES = [
    # (input HW, kernel HW, strides, padding, dilations): 7 and 8 both give 4 outputs at stride 2
    ((7, 7), (3, 3), (2, 2), "SAME", (1, 1)),
    ((8, 8), (3, 3), (2, 2), "SAME", (1, 1)),
    ((6, 5), (4, 2), (2, 3), "SAME", (1, 1)),
    ((7, 8), (3, 3), (2, 2), "VALID", (1, 1)),
    ((7, 6), (2, 3), (1, 1), "SAME", (2, 2)),
]


@pytest.mark.parametrize("hw,k,strides,padding,dil", BACKPROP_CASES)
def test_conv2d_backprop_input(hw, k, strides, padding, dil):
    in_shape = (2, *hw, 3)
    pads = [same_pads(n, kk, s, d) if padding == "SAME" else (0, 0) for n, kk, s, d in zip(hw, k, strides, dil)]
    w = rand(*k, 3, 4)
    out_shape = conv_ref(np.zeros(in_shape, np.float32), w, strides, pads, dil).shape
    dy = rand(*out_shape)
    attrs = {"T": np.float32, "strides": [1, *strides, 1], "padding": padding, "dilations": [1, *dil, 1]}
    got = run_backprop("Conv2DBackpropInput", in_shape, w, dy, **attrs)
    check(got, conv_backprop_ref(in_shape, w, dy, strides, pads, dil))


def run_backprop(op, sizes, w, dy, **attrs):
    """The op with input_sizes constant, filter and out_backprop fed."""
    g = GraphBuilder()
    s = g.const(np.asarray(sizes, np.int32))
    wn, dyn = g.placeholder("w", w.dtype.type, w.shape), g.placeholder("dy", dy.dtype.type, dy.shape)
    node = g.op(op, [s, wn, dyn], name="node", **attrs)
    (got,) = run_graph(g.graph, {"w:0": w, "dy:0": dy}, [node], atol=1e-5)
    return got


def test_conv2d_backprop_input_matches_adjoint():
    """<conv(x), dy> == <x, conv_backprop(dy)>: the op is the transpose of Conv2D."""
    x, w, dy = rand(1, 7, 7, 2), rand(3, 3, 2, 3), rand(1, 4, 4, 3)
    got = run_backprop("Conv2DBackpropInput", x.shape, w, dy, T=np.float32, strides=[1, 2, 2, 1], padding="SAME")
    forward = conv_ref(x, w, (2, 2), [same_pads(7, 3, 2)] * 2)
    np.testing.assert_allclose(np.sum(forward * dy), np.sum(x.astype(np.float64) * got), rtol=1e-4)


def test_conv2d_backprop_input_nchw():
    in_shape, w, dy = (2, 7, 6, 3), rand(3, 3, 3, 4), rand(2, 4, 3, 4)
    attrs = {"T": np.float32, "strides": [1, 1, 2, 2], "padding": "SAME", "data_format": "NCHW"}
    got = run_backprop("Conv2DBackpropInput", nchw(np.zeros(in_shape)).shape, w, nchw(dy), **attrs)
    check(got, nchw(conv_backprop_ref(in_shape, w, dy, (2, 2), [same_pads(7, 3, 2), same_pads(6, 3, 2)])))


def test_conv2d_backprop_input_explicit_and_spatial_sizes():
    """input_sizes may hold only [height, width]; batch comes from out_backprop, depth from the filter."""
    pads = [(1, 2), (0, 1)]
    w, dy = rand(3, 3, 2, 3), rand(2, 3, 3, 3)
    attrs = {"T": np.float32, "strides": [1, 2, 2, 1], "padding": "EXPLICIT", "explicit_paddings": explicit_from(pads)}
    got = run_backprop("Conv2DBackpropInput", [5, 6], w, dy, **attrs)
    check(got, conv_backprop_ref((2, 5, 6, 2), w, dy, (2, 2), pads))


def test_conv2d_backprop_input_grouped():
    w, dy = rand(3, 3, 2, 6), rand(1, 3, 3, 6)
    got = run_backprop("Conv2DBackpropInput", [1, 5, 5, 4], w, dy, T=np.float32, strides=[1, 2, 2, 1], padding="SAME")
    check(got, conv_backprop_ref((1, 5, 5, 4), w, dy, (2, 2), [same_pads(5, 3, 2)] * 2))


def test_depthwise_backprop_input():
    """The depthwise gradient is the grouped one with the [H, W, C, M] filter read as [H, W, 1, C*M]."""
    w, dy = rand(3, 3, 3, 2), rand(1, 3, 4, 6)
    got = run_backprop("DepthwiseConv2dNativeBackpropInput", [1, 6, 7, 3], w, dy, T=np.float32, strides=[1, 2, 2, 1], padding="SAME")
    grouped = w.reshape(3, 3, 1, 6)
    check(got, conv_backprop_ref((1, 6, 7, 3), grouped, dy, (2, 2), [same_pads(6, 3, 2), same_pads(7, 3, 2)]))


@pytest.mark.parametrize("op,sizes,filter_shape,dy_shape", [
    ("Conv2DBackpropInput", [1, 3, 2, 1], (2, 3, 1, 2), (1, 2, 0, 2)),  # width 2 < window 3 at stride 2: no output column
    ("DepthwiseConv2dNativeBackpropInput", [0, 4, 4, 2], (2, 2, 2, 1), (0, 3, 2, 2)),  # an empty batch
])
def test_backprop_input_of_an_empty_out_backprop_is_zero(op, sizes, filter_shape, dy_shape):
    """No output position read the input, so the gradient is all zeros (TensorFlow's kernels agree); the
    transposed convolution's padding would otherwise come out negative."""
    got = run_backprop(op, sizes, rand(*filter_shape), rand(*dy_shape), T=np.float32, strides=[1, 1, 2, 1], padding="VALID")
    np.testing.assert_array_equal(got, np.zeros(sizes, np.float32))


# ---- Conv3D --------------------------------------------------------------------------------------
def conv3d_ref(x, w, strides, pads):
    """Conv3D as a sum of Conv2Ds over depth taps (NDHWC, DHWIO)."""
    xp = np.pad(x.astype(np.float64), ((0, 0), pads[0], (0, 0), (0, 0), (0, 0)))
    od = (xp.shape[1] - w.shape[0]) // strides[0] + 1
    planes = []
    for i in range(od):
        planes.append(sum(conv_ref(xp[:, i * strides[0] + a], w[a], strides[1:], pads[1:]) for a in range(w.shape[0])))
    return np.stack(planes, axis=1)


@pytest.mark.parametrize("data_format,padding", [("NDHWC", "SAME"), ("NCDHW", "VALID")])
def test_conv3d(data_format, padding):
    x, w = rand(1, 5, 6, 4, 2), rand(2, 3, 3, 2, 3)
    strides = (2, 2, 1)
    pads = [same_pads(n, k, s) if padding == "SAME" else (0, 0) for n, k, s in zip((5, 6, 4), (2, 3, 3), strides)]
    last = data_format == "NDHWC"
    to_cf = lambda v: np.transpose(v, (0, 4, 1, 2, 3))
    attrs = {"T": np.float32, "strides": [1, *strides, 1] if last else [1, 1, *strides], "padding": padding, "data_format": data_format}
    (got,) = run_op("Conv3D", [x if last else to_cf(x)], [w], **attrs)
    want = conv3d_ref(x, w, strides, pads)
    check(got, want if last else to_cf(want))


def test_conv3d_backprop_input_matches_adjoint():
    x, w = rand(1, 5, 4, 4, 2), rand(2, 3, 3, 2, 3)
    pads = [same_pads(5, 2, 2), same_pads(4, 3, 2), same_pads(4, 3, 1)]
    dy = rand(*conv3d_ref(x, w, (2, 2, 1), pads).shape)
    got = run_backprop("Conv3DBackpropInputV2", x.shape, w, dy, T=np.float32, strides=[1, 2, 2, 1, 1], padding="SAME")
    forward = conv3d_ref(x, w, (2, 2, 1), pads)
    np.testing.assert_allclose(np.sum(forward * dy), np.sum(x.astype(np.float64) * got), rtol=1e-4)


# ---- pooling -------------------------------------------------------------------------------------
POOL_CASES = [
    # (input shape NHWC, ksize HW, strides HW, padding)
    ((2, 7, 7, 3), (3, 3), (2, 2), "SAME"),
    ((2, 6, 6, 3), (3, 3), (2, 2), "SAME"),
    ((1, 5, 8, 2), (2, 3), (1, 3), "SAME"),
    ((2, 7, 6, 3), (3, 2), (2, 2), "VALID"),
    ((1, 4, 4, 1), (4, 4), (1, 1), "SAME"),
]


def _pool_pads(shape, ksize, strides, padding):
    spatial = [same_pads(n, k, s) if padding == "SAME" else (0, 0) for n, k, s in zip(shape[1:3], ksize, strides)]
    return [(0, 0), *spatial, (0, 0)]


@pytest.mark.parametrize("op,kind", [("MaxPool", "max"), ("AvgPool", "avg")])
@pytest.mark.parametrize("shape,ksize,strides,padding", POOL_CASES)
def test_pool_nhwc(op, kind, shape, ksize, strides, padding):
    x = rand(*shape)
    (got,) = run_op(op, [x], T=np.float32, ksize=[1, *ksize, 1], strides=[1, *strides, 1], padding=padding)
    check(got, pool_ref(x, (1, *ksize, 1), (1, *strides, 1), _pool_pads(shape, ksize, strides, padding), kind))


@pytest.mark.parametrize("op,kind", [("MaxPool", "max"), ("AvgPool", "avg")])
def test_pool_nchw(op, kind):
    x = rand(2, 7, 6, 3)
    attrs = {"T": np.float32, "ksize": [1, 1, 3, 3], "strides": [1, 1, 2, 2], "padding": "SAME", "data_format": "NCHW"}
    (got,) = run_op(op, [nchw(x)], **attrs)
    check(got, nchw(pool_ref(x, (1, 3, 3, 1), (1, 2, 2, 1), _pool_pads(x.shape, (3, 3), (2, 2), "SAME"), kind)))


def test_avg_pool_same_excludes_padding_from_count():
    """A corner window of a 2x2 SAME pool at stride 1 over ones still averages to exactly 1."""
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    (got,) = run_op("AvgPool", [x], T=np.float32, ksize=[1, 3, 3, 1], strides=[1, 1, 1, 1], padding="SAME")
    assert got[0, 0, 0, 0] == pytest.approx((0 + 1 + 3 + 4) / 4)
    assert got[0, 1, 1, 0] == pytest.approx(4.0)
    assert got[0, 2, 2, 0] == pytest.approx((4 + 5 + 7 + 8) / 4)


@pytest.mark.parametrize("dtype", [np.int32, np.int8, np.float64])
def test_max_pool_dtypes(dtype):
    """Padding must never win, even for all-negative integers."""
    x = -np.abs(rand(1, 5, 5, 2, dtype=dtype)) - 1
    (got,) = run_op("MaxPool", [x], T=dtype, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    assert got.dtype == dtype
    check(got, pool_ref(x, (1, 2, 2, 1), (1, 2, 2, 1), [(0, 0), (0, 1), (0, 1), (0, 0)], "max"))


def test_avg_pool_float16():
    x = rand(1, 5, 5, 2, dtype=np.float16)
    (got,) = run_op("AvgPool", [x], T=np.float16, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME", atol=1e-2, rtol=1e-2)
    assert got.dtype == np.float16
    check(got, pool_ref(x, (1, 3, 3, 1), (1, 2, 2, 1), [(0, 0), (1, 1), (1, 1), (0, 0)], "avg"), rtol=1e-2, atol=1e-2)


def test_max_pool_explicit_padding():
    x = rand(1, 5, 6, 2)
    attrs = {"T": np.float32, "ksize": [1, 3, 3, 1], "strides": [1, 2, 2, 1], "padding": "EXPLICIT", "explicit_paddings": [0, 0, 1, 2, 0, 1, 0, 0]}
    (got,) = run_op("MaxPool", [x], **attrs)
    check(got, pool_ref(x, (1, 3, 3, 1), (1, 2, 2, 1), [(0, 0), (1, 2), (0, 1), (0, 0)], "max"))


def test_max_pool_v2_constant_window_operands():
    x = rand(2, 7, 6, 3)
    ksize, strides = np.array([1, 3, 3, 1], np.int32), np.array([1, 2, 2, 1], np.int32)
    (got,) = run_op("MaxPoolV2", [x], [ksize, strides], T=np.float32, padding="SAME")
    check(got, pool_ref(x, (1, 3, 3, 1), (1, 2, 2, 1), _pool_pads(x.shape, (3, 3), (2, 2), "SAME"), "max"))


@pytest.mark.parametrize("op,kind", [("MaxPool3D", "max"), ("AvgPool3D", "avg")])
def test_pool3d(op, kind):
    x = rand(1, 5, 4, 6, 2)
    (got,) = run_op(op, [x], T=np.float32, ksize=[1, 2, 3, 3, 1], strides=[1, 2, 1, 2, 1], padding="SAME")
    pads = [(0, 0), same_pads(5, 2, 2), same_pads(4, 3, 1), same_pads(6, 3, 2), (0, 0)]
    check(got, pool_ref(x, (1, 2, 3, 3, 1), (1, 2, 1, 2, 1), pads, kind))


# ---- FusedBatchNorm ------------------------------------------------------------------------------
def bn_inputs(c, empty_stats=False):
    scale, offset = rand(c), rand(c)
    mean = np.zeros(0, np.float32) if empty_stats else rand(c)
    var = np.zeros(0, np.float32) if empty_stats else np.abs(rand(c)) + 0.5
    return scale, offset, mean, var


def run_bn(op, x, stats, fetch_outputs, **attrs):
    return run_op(op, [x, *stats], fetch_outputs=fetch_outputs, **attrs)


@pytest.mark.parametrize("op,outputs", [("FusedBatchNorm", 5), ("FusedBatchNormV2", 5), ("FusedBatchNormV3", 6)])
@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_batch_norm_inference(op, outputs, data_format):
    x = rand(2, 4, 3, 5)
    scale, offset, mean, var = stats = bn_inputs(5)
    attrs = {"T": np.float32, "epsilon": 0.01, "is_training": False, "data_format": data_format}
    if op != "FusedBatchNorm":
        attrs["U"] = np.float32
    feed = x if data_format == "NHWC" else nchw(x)
    got = run_bn(op, feed, stats, outputs, **attrs)
    want = (x - mean) / np.sqrt(var + 0.01) * scale + offset
    check(got[0], want if data_format == "NHWC" else nchw(want))
    for value, expected in zip(got[1:5], (mean, var, mean, var)):
        check(value, expected.astype(np.float64))
    if outputs == 6:
        assert got[5].shape == (0,)


def _batch_stats(x, axes):
    mean = x.astype(np.float64).mean(axis=axes)
    biased = x.astype(np.float64).var(axis=axes)
    n = x.size // len(mean)
    return mean, biased, biased * n / (n - 1)


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_batch_norm_training_bessel_corrected_variance(data_format):
    x = rand(3, 4, 2, 5) * 2 + 1
    feed = x if data_format == "NHWC" else nchw(x)
    scale, offset, _, _ = stats = bn_inputs(5, empty_stats=True)
    attrs = {"T": np.float32, "U": np.float32, "epsilon": 0.001, "is_training": True, "data_format": data_format}
    y, batch_mean, batch_var, r1, r2, r3 = run_bn("FusedBatchNormV3", feed, stats, 6, **attrs)
    mean, biased, corrected = _batch_stats(x, (0, 1, 2))
    want = (x - mean) / np.sqrt(biased + 0.001) * scale + offset
    check(y, want if data_format == "NHWC" else nchw(want))
    check(batch_mean, mean)
    check(batch_var, corrected)
    check(r1, mean)
    check(r2, biased)
    assert r3.shape == (0,)


def test_batch_norm_training_exponential_average():
    x = rand(2, 3, 3, 4)
    scale, offset, old_mean, old_var = stats = bn_inputs(4)
    attrs = {"T": np.float32, "U": np.float32, "epsilon": 0.001, "is_training": True, "exponential_avg_factor": 0.25}
    y, running_mean, running_var, r1, r2 = run_bn("FusedBatchNormV2", x, stats, 5, **attrs)
    mean, biased, corrected = _batch_stats(x, (0, 1, 2))
    check(y, (x - mean) / np.sqrt(biased + 0.001) * scale + offset)
    check(running_mean, 0.75 * old_mean + 0.25 * mean)
    check(running_var, 0.75 * old_var + 0.25 * corrected)
    check(r1, mean)
    check(r2, biased)


def test_batch_norm_default_is_training():
    """TensorFlow's is_training defaults to true and epsilon to 1e-4 when the GraphDef omits them."""
    x = rand(2, 2, 2, 3)
    scale, offset, _, _ = stats = bn_inputs(3, empty_stats=True)
    y, batch_mean = run_bn("FusedBatchNorm", x, stats, 2, T=np.float32)
    mean, biased, _ = _batch_stats(x, (0, 1, 2))
    check(y, (x - mean) / np.sqrt(biased + 1e-4) * scale + offset)
    check(batch_mean, mean)


def test_batch_norm_half_input_float_statistics():
    x = rand(2, 3, 3, 4, dtype=np.float16)
    scale, offset, mean, var = stats = bn_inputs(4)
    y, batch_mean = run_bn("FusedBatchNormV3", x, stats, 2, T=np.float16, U=np.float32, epsilon=0.001, is_training=False, atol=1e-2, rtol=1e-2)
    assert y.dtype == np.float16 and batch_mean.dtype == np.float32
    check(y, (x.astype(np.float64) - mean) / np.sqrt(var + 0.001) * scale + offset, rtol=1e-2, atol=1e-2)


# ---- LRN -----------------------------------------------------------------------------------------
def lrn_ref(x, r, bias, alpha, beta):
    x = x.astype(np.float64)
    out = np.zeros_like(x)
    for d in range(x.shape[3]):
        sqr = np.sum(x[..., max(d - r, 0) : d + r + 1] ** 2, axis=-1)
        out[..., d] = x[..., d] / (bias + alpha * sqr) ** beta
    return out


@pytest.mark.parametrize("attrs", [{}, {"depth_radius": 2, "bias": 2.0, "alpha": 0.5, "beta": 0.75}])
def test_lrn(attrs):
    x = rand(2, 3, 3, 7)
    (got,) = run_op("LRN", [x], T=np.float32, **attrs)
    full = {"depth_radius": 5, "bias": 1.0, "alpha": 1.0, "beta": 0.5, **attrs}
    check(got, lrn_ref(x, full["depth_radius"], full["bias"], full["alpha"], full["beta"]))


# ---- shapes and errors ---------------------------------------------------------------------------
def _result_type(graph, fetch):
    module = GraphImporter(graph).import_graph([fetch]).module
    return module.functions[0].return_op.operands[0].type


def test_unknown_dims_propagate():
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [None, 7, None, 3])
    w = g.const(rand(3, 3, 3, 4))
    conv = g.op("Conv2D", [x, w], T=np.float32, strides=[1, 2, 2, 1], padding="SAME")
    pool = g.op("MaxPool", [conv], T=np.float32, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    assert _result_type(g.graph, conv).shape == (None, 4, None, 4)
    assert _result_type(g.graph, pool).shape == (None, 2, None, 4)
    unranked = g.placeholder("u", np.float32, None)
    bn = g.op("FusedBatchNormV3", [unranked, *(g.const(v) for v in bn_inputs(3))], T=np.float32, U=np.float32, is_training=False)
    assert _result_type(g.graph, bn).shape is None
    assert _result_type(g.graph, f"{bn}:1").shape == (3,)


def _import_error(build, feeds):
    g = GraphBuilder()
    fetch = build(g)
    with pytest.raises(Exception) as info:
        import_and_legalize(g.graph, feeds, [fetch])
    return str(info.value)


def test_conv_depth_mismatch_is_an_error():
    def build(g):
        x = g.placeholder("x", np.float32, [1, 5, 5, 3])
        return g.op("Conv2D", [x, g.const(rand(3, 3, 2, 4))], name="bad_conv", T=np.float32, strides=[1, 1, 1, 1], padding="SAME")

    message = _import_error(build, {"x:0": rand(1, 5, 5, 3)})
    assert "bad_conv" in message and "divisible" in message


def test_conv_stride_on_batch_is_an_error():
    def build(g):
        x = g.placeholder("x", np.float32, [1, 5, 5, 2])
        return g.op("Conv2D", [x, g.const(rand(3, 3, 2, 4))], name="bad_stride", T=np.float32, strides=[2, 1, 1, 1], padding="SAME")

    message = _import_error(build, {"x:0": rand(1, 5, 5, 2)})
    assert "bad_stride" in message and "batch and feature" in message


def test_bad_data_format_is_an_error():
    def build(g):
        x = g.placeholder("x", np.float32, [1, 5, 5, 2])
        return g.op("MaxPool", [x], name="bad_pool", T=np.float32, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME", data_format="NCHW_VECT_C")

    assert "NCHW_VECT_C" in _import_error(build, {"x:0": rand(1, 5, 5, 2)})


def test_backprop_shape_mismatch_is_an_error():
    def build(g):
        dy = g.placeholder("dy", np.float32, [1, 3, 3, 4])
        sizes = g.const(np.array([1, 8, 8, 2], np.int32))
        return g.op("Conv2DBackpropInput", [sizes, g.const(rand(3, 3, 2, 4)), dy], name="bad_grad", T=np.float32, strides=[1, 2, 2, 1], padding="SAME")

    message = _import_error(build, {"dy:0": rand(1, 3, 3, 4)})
    assert "bad_grad" in message and "out_backprop" in message


def test_runtime_input_sizes_is_an_error():
    def build(g):
        sizes = g.placeholder("sizes", np.int32, [4])
        dy = g.placeholder("dy", np.float32, [1, 3, 3, 4])
        return g.op("Conv2DBackpropInput", [sizes, g.const(rand(3, 3, 2, 4)), dy], name="dyn_grad", T=np.float32, strides=[1, 2, 2, 1], padding="SAME")

    message = _import_error(build, {"sizes:0": np.array([1, 5, 5, 2], np.int32), "dy:0": rand(1, 3, 3, 4)})
    assert "input_sizes" in message and "constant" in message and "dyn_grad" in message


def test_runtime_max_pool_v2_window_is_an_error():
    def build(g):
        x = g.placeholder("x", np.float32, [1, 4, 4, 1])
        k = g.placeholder("k", np.int32, [4])
        return g.op("MaxPoolV2", [x, k, g.const(np.array([1, 1, 1, 1], np.int32))], name="dyn_pool", T=np.float32, padding="VALID")

    message = _import_error(build, {"x:0": rand(1, 4, 4, 1), "k:0": np.array([1, 2, 2, 1], np.int32)})
    assert "ksize" in message and "constant" in message and "dyn_pool" in message


def test_batch_norm_scale_size_mismatch_is_an_error():
    def build(g):
        x = g.placeholder("x", np.float32, [1, 2, 2, 3])
        stats = [g.const(v) for v in bn_inputs(4)]
        return g.op("FusedBatchNormV3", [x, *stats], name="bad_bn", T=np.float32, U=np.float32, is_training=False)

    message = _import_error(build, {"x:0": rand(1, 2, 2, 3)})
    assert "bad_bn" in message and "3 channels" in message
