"""tfc.dot_general and tfc.convolution: xla == interp on generated cases, independent formulas, bad input."""

import itertools

import numpy as np
import pytest
import scipy.signal
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tfc.builder import Builder
from tfc.diagnostics import VerifyError
from tfc.ir import Function
from tfc.types import DType, TensorType

from .harness import check_op

SETTINGS = settings(max_examples=20, deadline=None)


def _array(rng, shape, dtype):
    """Small exact values: integers, or quarters for floats, so sums are exact in any order."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.integers(-8, 9, shape) / 4).astype(dtype)
    return rng.integers(-4, 5, shape).astype(dtype)


def _build(name, arg_types, attributes, result_types=None):
    function = Function.create("main", arg_types, [])
    return Builder(function.body).create(name, function.args, attributes, result_types)


def _t(dtype, *shape):
    return TensorType(dtype, tuple(shape))


# ---- dot_general ---------------------------------------------------------------------------------
def _dot_attrs(lb, rb, lc, rc):
    return {"lhs_batching_dimensions": lb, "rhs_batching_dimensions": rb, "lhs_contracting_dimensions": lc, "rhs_contracting_dimensions": rc}


def _einsum_dot(lhs, rhs, lb, rb, lc, rc):
    """dot_general through np.einsum subscripts: an independent formula for the reference."""
    letters = iter("abcdefghijklmnop")
    ls, rs = [None] * lhs.ndim, [None] * rhs.ndim
    for a, b in itertools.chain(zip(lb, rb), zip(lc, rc)):
        ls[a] = rs[b] = next(letters)
    ls = [s or next(letters) for s in ls]
    rs = [s or next(letters) for s in rs]
    out = [ls[d] for d in lb] + [s for d, s in enumerate(ls) if d not in lb + lc] + [s for d, s in enumerate(rs) if d not in rb + rc]
    wide = np.float64 if lhs.dtype.kind == "f" else np.int64
    return np.einsum(f"{''.join(ls)},{''.join(rs)}->{''.join(out)}", lhs.astype(wide), rhs.astype(wide)).astype(lhs.dtype)


@SETTINGS
@given(st.data())
def test_dot_general_matches(data):
    nb, nc, nl, nr = (data.draw(st.integers(0, 2)) for _ in range(4))
    sizes = lambda n: data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    batch, contract, lfree, rfree = sizes(nb), sizes(nc), sizes(nl), sizes(nr)
    lperm = data.draw(st.permutations(range(nb + nc + nl)))
    rperm = data.draw(st.permutations(range(nb + nc + nr)))
    lshape, rshape = [0] * len(lperm), [0] * len(rperm)
    for position, size in zip(lperm, batch + contract + lfree):
        lshape[position] = size
    for position, size in zip(rperm, batch + contract + rfree):
        rshape[position] = size
    lb, lc = list(lperm[:nb]), list(lperm[nb : nb + nc])
    rb, rc = list(rperm[:nb]), list(rperm[nb : nb + nc])
    dtype = data.draw(st.sampled_from([np.float32, np.int32, np.float64, np.int64, np.float16]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    lhs, rhs = _array(rng, lshape, dtype), _array(rng, rshape, dtype)
    check_op("tfc.dot_general", [lhs, rhs], _dot_attrs(lb, rb, lc, rc), expected=[_einsum_dot(lhs, rhs, lb, rb, lc, rc)])


def test_dot_general_batched_matmul_random_floats():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4, 5)).astype(np.float32), rng.standard_normal((3, 5, 2)).astype(np.float32)
    [got] = check_op("tfc.dot_general", [a, b], _dot_attrs([0], [0], [2], [1]))
    np.testing.assert_allclose(got, np.einsum("bij,bjk->bik", a.astype(np.float64), b.astype(np.float64)), rtol=1e-5, atol=1e-5)


def test_dot_general_int32_wraps_around():
    a = np.array([[2**20, 2**30], [7, -3]], np.int32)
    b = np.array([[2**15, 1], [4, 2**31 - 1]], np.int32)
    want = [[(sum(int(a[i, k]) * int(b[k, j]) for k in range(2)) + 2**31) % 2**32 - 2**31 for j in range(2)] for i in range(2)]
    check_op("tfc.dot_general", [a, b], _dot_attrs([], [], [1], [0]), expected=[np.array(want, np.int32)])


def test_dot_general_bf16_and_outer_product():
    a = np.array([1.5, -2, 0.25], dtype=DType.bf16.numpy)
    b = np.array([4, 0.5], dtype=DType.bf16.numpy)
    check_op("tfc.dot_general", [a, b], _dot_attrs([], [], [], []), expected=[np.outer(a.astype(np.float32), b.astype(np.float32))])


def test_dot_general_infers_dynamic_and_unranked():
    op = _build("tfc.dot_general", [_t(DType.f32, None, 2, 3), _t(DType.f32, 5, 3, None)], _dot_attrs([0], [0], [2], [1]))
    assert op.result.type == _t(DType.f32, 5, 2, None)
    op = _build("tfc.dot_general", [TensorType(DType.f32, None), _t(DType.f32, 3, 4)], _dot_attrs([], [], [0], [0]))
    assert op.result.type == TensorType(DType.f32, None)


@pytest.mark.parametrize(
    "lhs, rhs, attrs, message",
    [
        (_t(DType.f32, 2, 3), _t(DType.f32, 4, 5), _dot_attrs([], [], [1], [0]), "contracting dimension 1 of lhs and 0 of rhs: sizes 3 and 4 differ"),
        (_t(DType.f32, 2, 3), _t(DType.i32, 3, 5), _dot_attrs([], [], [1], [0]), "same element type"),
        (_t(DType.f32, 2, 3), _t(DType.f32, 3, 5), _dot_attrs([], [], [2], [0]), "out of range for rank 2"),
        (_t(DType.f32, 2, 3), _t(DType.f32, 3, 3), _dot_attrs([1], [0], [1], [1]), "must be distinct"),
        (_t(DType.f32, 2, 3), _t(DType.f32, 2, 3), _dot_attrs([0], [], [1], [1]), "must have the same length"),
        (_t(DType.f32, 2, 3), _t(DType.f32, 4, 3), _dot_attrs([0], [0], [1], [1]), "batching dimension 0 of lhs and 0 of rhs: sizes 2 and 4 differ"),
        (_t(DType.bool, 2), _t(DType.bool, 2), _dot_attrs([], [], [0], [0]), "expects numeric operands"),
        (_t(DType.f32, 2), _t(DType.f32, 2), {"lhs_batching_dimensions": []}, "requires attribute 'rhs_batching_dimensions'"),
    ],
)
def test_dot_general_rejects(lhs, rhs, attrs, message):
    with pytest.raises(VerifyError, match="'tfc.dot_general' op .*" + message.replace("(", r"\(").replace(")", r"\)")):
        _build("tfc.dot_general", [lhs, rhs], attrs)


# ---- convolution ---------------------------------------------------------------------------------
def _conv_attrs(k, strides=None, padding=None, lhs_dilation=None, rhs_dilation=None, groups=1, batch_groups=1, layouts=None):
    """Attributes for a k-spatial-dim convolution; ``layouts`` = (input, kernel, output) dimension
    numbers, each (batch, feature, *spatial) / (in feature, out feature, *spatial) positions."""
    canonical = [0, 1, *range(2, k + 2)]
    inp, ker, out = layouts or (canonical, [1, 0, *canonical[2:]], canonical)  # NCHW, OIHW, NCHW
    return {
        "window_strides": list(strides or [1] * k),
        "padding": list(padding or [0] * (2 * k)),
        "lhs_dilation": list(lhs_dilation or [1] * k),
        "rhs_dilation": list(rhs_dilation or [1] * k),
        "feature_group_count": groups,
        "batch_group_count": batch_groups,
        "input_batch_dimension": inp[0],
        "input_feature_dimension": inp[1],
        "input_spatial_dimensions": list(inp[2:]),
        "kernel_input_feature_dimension": ker[0],
        "kernel_output_feature_dimension": ker[1],
        "kernel_spatial_dimensions": list(ker[2:]),
        "output_batch_dimension": out[0],
        "output_feature_dimension": out[1],
        "output_spatial_dimensions": list(out[2:]),
    }


NHWC = ([0, 3, 1, 2], [2, 3, 0, 1], [0, 3, 1, 2])  # TensorFlow: NHWC input, HWIO kernel, NHWC output


def _naive_out_shape(x, w, a):
    shape = [x.shape[0] // a["batch_group_count"], w.shape[0]]
    for d in range(x.ndim - 2):
        dilated = 0 if x.shape[2 + d] == 0 else (x.shape[2 + d] - 1) * a["lhs_dilation"][d] + 1
        padded = dilated + a["padding"][2 * d] + a["padding"][2 * d + 1]
        span = (w.shape[2 + d] - 1) * a["rhs_dilation"][d] + 1
        shape.append(0 if padded == 0 or span > padded else (padded - span) // a["window_strides"][d] + 1)
    return shape


def _naive_conv(x, w, a):
    """The StableHLO spec's formula, element by element, with no padded arrays.

    x is (N, C, *S), w is (O, I, *K), canonical layouts; returns (N / batch_groups, O, *out).
    """
    wide = np.float64 if x.dtype.kind == "f" else np.int64
    k = x.ndim - 2
    strides, lhs_d, rhs_d, lows = a["window_strides"], a["lhs_dilation"], a["rhs_dilation"], a["padding"][::2]
    groups, batch_groups = a["feature_group_count"], a["batch_group_count"]
    n, o, i = x.shape[0], w.shape[0], w.shape[1]
    out = np.zeros(_naive_out_shape(x, w, a), wide)
    per_group = o // (groups * batch_groups)
    for index in np.ndindex(*out.shape):
        b, f, pos = index[0], index[1], index[2:]
        fg, bg = (f // per_group, 0) if groups > 1 else (0, f // per_group)
        for kpos in np.ndindex(*w.shape[2:]):
            where = [pos[d] * strides[d] + kpos[d] * rhs_d[d] - lows[d] for d in range(k)]
            if any(p < 0 or p % lhs_d[d] or p // lhs_d[d] >= x.shape[2 + d] for d, p in enumerate(where)):
                continue  # a padding cell or a hole of the lhs dilation
            spot = tuple(p // lhs_d[d] for d, p in enumerate(where))
            lhs = x[(bg * (n // batch_groups) + b, slice(fg * i, fg * i + i), *spot)].astype(wide)
            out[index] += np.dot(lhs, w[(f, slice(None), *kpos)].astype(wide))
    return out.astype(x.dtype)


def _place(canonical, layout):
    """Transpose a canonical-order array so that canonical axis j lands at position layout[j]."""
    return np.transpose(canonical, np.argsort(layout))


@SETTINGS
@given(st.data())
def test_convolution_matches(data):
    k = data.draw(st.integers(1, 2))
    mode = data.draw(st.sampled_from(["plain", "feature", "batch"]))
    groups = data.draw(st.integers(1, 3)) if mode == "feature" else 1
    batch_groups = data.draw(st.integers(1, 2)) if mode == "batch" else 1
    n = batch_groups * data.draw(st.integers(0, 2))
    c_per, o = data.draw(st.integers(0, 2)), groups * batch_groups * data.draw(st.integers(0, 2))
    spatial = data.draw(st.lists(st.integers(0, 4), min_size=k, max_size=k))
    kernel = data.draw(st.lists(st.integers(1, 3), min_size=k, max_size=k))
    strides = data.draw(st.lists(st.integers(1, 3), min_size=k, max_size=k))
    lhs_d = data.draw(st.lists(st.integers(1, 2), min_size=k, max_size=k))
    rhs_d = data.draw(st.lists(st.integers(1, 2), min_size=k, max_size=k))
    padding = data.draw(st.lists(st.integers(-1, 2), min_size=2 * k, max_size=2 * k))
    for d in range(k):
        dilated = 0 if spatial[d] == 0 else (spatial[d] - 1) * lhs_d[d] + 1
        assume(dilated + padding[2 * d] + padding[2 * d + 1] >= 0)
    layouts = [list(data.draw(st.permutations(range(k + 2)))) for _ in range(3)]
    dtype = data.draw(st.sampled_from([np.float32, np.int32, np.float64, np.float16]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = _array(rng, [n, groups * c_per, *spatial], dtype)
    w = _array(rng, [o, c_per, *kernel], dtype)
    attrs = _conv_attrs(k, strides, padding, lhs_d, rhs_d, groups, batch_groups, layouts)
    expected = _place(_naive_conv(x, w, attrs), layouts[2])
    check_op("tfc.convolution", [_place(x, layouts[0]), _place(w, [layouts[1][1], layouts[1][0], *layouts[1][2:]])], attrs, expected=[expected])


def test_convolution_nhwc_hwio_same_padding_vs_scipy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)  # NHWC
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)  # HWIO
    [got] = check_op("tfc.convolution", [x, w], _conv_attrs(2, padding=[1, 1, 1, 1], layouts=NHWC))
    padded = np.pad(x.astype(np.float64), [(0, 0), (1, 1), (1, 1), (0, 0)])
    want = np.zeros((2, 6, 5, 4))
    for b, ci, co in itertools.product(range(2), range(3), range(4)):
        want[b, :, :, co] += scipy.signal.correlate(padded[b, :, :, ci], w[:, :, ci, co].astype(np.float64), mode="valid")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_convolution_nchw_oihw_agrees_with_nhwc():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 5, 7, 2)).astype(np.float32)
    w = rng.standard_normal((2, 3, 2, 3)).astype(np.float32)
    attrs = {"strides": [2, 1], "padding": [0, 1, 2, -1], "rhs_dilation": [1, 2]}
    [nhwc] = check_op("tfc.convolution", [x, w], _conv_attrs(2, **attrs, layouts=NHWC))
    [nchw] = check_op("tfc.convolution", [x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1)], _conv_attrs(2, **attrs))
    np.testing.assert_allclose(nchw, nhwc.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-5)


def test_depthwise_convolution_nhwc():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 4, 4, 3)).astype(np.float32)
    w = rng.standard_normal((2, 2, 1, 6)).astype(np.float32)  # channel multiplier 2
    [got] = check_op("tfc.convolution", [x, w], _conv_attrs(2, groups=3, layouts=NHWC))
    want = np.zeros((1, 3, 3, 6))
    for co in range(6):
        want[0, :, :, co] = scipy.signal.correlate(x[0, :, :, co // 2].astype(np.float64), w[:, :, 0, co].astype(np.float64), mode="valid")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "attrs, want",
    [
        ({"lhs_dilation": [2]}, [1, 20, 2, 30]),  # transposed conv: x dilated to 1 0 2 0 3
        ({"rhs_dilation": [2]}, [1 + 30]),  # atrous: kernel taps 2 apart
        ({"padding": [-1, 1]}, [2 + 30, 3]),  # crop one low, pad one high
        ({"strides": [2], "padding": [1, 1]}, [10, 2 + 30]),
    ],
)
def test_convolution_1d_by_hand(attrs, want):
    x = np.array([[[1, 2, 3]]], np.int32)  # N=1, C=1, W=3
    w = np.array([[[1, 10]]], np.int32)  # O=1, I=1, K=2
    check_op("tfc.convolution", [x, w], _conv_attrs(1, **attrs), expected=[np.array([[want]], np.int32)])


def test_convolution_batch_group_count():
    x = np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3)  # N=2 split into 2 batch groups
    w = np.arange(4 * 2 * 2, dtype=np.float32).reshape(4, 2, 2)  # O=4: features 0-1 see batch 0, 2-3 batch 1
    [got] = check_op("tfc.convolution", [x, w], _conv_attrs(1, batch_groups=2))
    want = np.zeros((1, 4, 2))
    for o in range(4):
        for p in range(2):
            want[0, o, p] = np.sum(x[o // 2, :, p : p + 2] * w[o])
    np.testing.assert_allclose(got, want)


def test_convolution_infers_dynamic_dims():
    op = _build("tfc.convolution", [_t(DType.f32, None, 5, 5, 3), _t(DType.f32, 3, 3, 3, 8)], _conv_attrs(2, strides=[2, 2], layouts=NHWC))
    assert op.result.type == _t(DType.f32, None, 2, 2, 8)
    op = _build("tfc.convolution", [TensorType(DType.f32, None), _t(DType.f32, 3, 3, 3, 8)], _conv_attrs(2, layouts=NHWC))
    assert op.result.type == _t(DType.f32, None, None, None, 8)


@pytest.mark.parametrize(
    "lhs, rhs, attrs, message",
    [
        ((1, 4, 5), (2, 3, 3), {"groups": 3}, "input feature size 4 is not divisible by feature_group_count 3"),
        ((1, 4, 5), (2, 3, 3), {}, r"kernel input feature size 3 must equal input feature size 4 / feature_group_count 1"),
        ((1, 4, 5), (3, 2, 3), {"groups": 2}, "kernel output feature size 3 is not divisible by feature_group_count 2"),
        ((3, 4, 5), (2, 4, 3), {"batch_groups": 2}, "input batch size 3 is not divisible by batch_group_count 2"),
        ((2, 4, 5), (4, 2, 3), {"groups": 2, "batch_groups": 2}, "cannot both be greater than 1"),
        ((1, 4, 5), (2, 4, 3), {"padding": [-4, -4]}, "negative size"),
        ((1, 4, 5), (2, 4, 3), {"strides": [0]}, r"window_strides \[0\] must all be positive"),
        ((1, 4, 5), (2, 4, 0), {}, "windows must be non-empty"),
        ((1, 4, 5, 5), (2, 4, 3), {}, "lhs has rank 4, but the dimension numbers describe rank 3"),
        ((1, 4, 5), (2, 4, 3), {"layouts": ([0, 0, 2], [1, 0, 2], [0, 1, 2])}, r"input dimension numbers \[0, 0, 2\] must be a permutation of 0..2"),
        ((1, 4, 5), (2, 4, 3), {"padding": [1]}, "padding has 1 entries, expected 2"),
    ],
)
def test_convolution_rejects(lhs, rhs, attrs, message):
    with pytest.raises(VerifyError, match="'tfc.convolution' op .*" + message):
        _build("tfc.convolution", [_t(DType.f32, *lhs), _t(DType.f32, *rhs)], _conv_attrs(1, **attrs))
