"""reduce, reduce_window, argmax/argmin, cumsum and sort: xla == interp on generated cases,
independent numpy formulas, and type-rule errors."""

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tfc.builder import Builder
from tfc.diagnostics import VerifyError
from tfc.ir import Function
from tfc.types import DType, TensorType

from .harness import check_op

SETTINGS = settings(max_examples=20, deadline=None)
SPECIALS = [np.nan, np.inf, -np.inf, -0.0]


def _array(rng, shape, dtype, specials=True):
    """Small exact values (sums are exact in any order), ties likely, and for floats some NaN/inf/-0."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        return rng.integers(0 if dtype.kind == "u" else -4, 5, shape).astype(dtype)
    x = (rng.integers(-8, 9, shape) / 4).astype(dtype)
    if specials and x.size and rng.random() < 0.5:
        flat = x.reshape(-1)
        spots = rng.integers(0, flat.size, 1 + flat.size // 4)
        flat[spots] = rng.choice(SPECIALS, spots.size)
    return x


def _shape(data, min_rank=0, max_rank=3, max_size=3):
    return data.draw(st.lists(st.integers(0, max_size), min_size=min_rank, max_size=max_rank))


def _rng(data):
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))


def _build(name, arg_types, attributes, result_types=None):
    function = Function.create("main", arg_types, [])
    return Builder(function.body).create(name, function.args, attributes, result_types)


def _t(dtype, *shape):
    return TensorType(dtype, tuple(shape))


# ---- reduce --------------------------------------------------------------------------------------
_REDUCE_DTYPES = {
    "sum": [np.float32, np.int32, np.float64, np.int64, np.uint8, np.float16],
    "prod": [np.float32, np.int32],
    "max": [np.float32, np.int32, np.bool_, np.uint32],
    "min": [np.float32, np.int16, np.bool_],
    "and": [np.bool_, np.int32, np.uint8],
    "or": [np.bool_, np.int32],
}


@SETTINGS
@given(st.data())
def test_reduce_matches(data):
    kind = data.draw(st.sampled_from(sorted(_REDUCE_DTYPES)))
    dtype = data.draw(st.sampled_from(_REDUCE_DTYPES[kind]))
    shape = _shape(data)
    dims = sorted(data.draw(st.sets(st.integers(0, max(len(shape) - 1, 0)), max_size=len(shape))))
    x = _array(_rng(data), shape, dtype)
    check_op("tfc.reduce", [x], {"dimensions": dims, "kind": kind})


@pytest.mark.parametrize(
    "kind, x, dims, want",
    [
        ("sum", np.arange(6, dtype=np.float32).reshape(2, 3), [1], np.array([3, 12], np.float32)),
        ("sum", np.full((3,), 2**30, np.int32), [0], np.array(-(2**30), np.int32)),  # 3 * 2^30 wraps
        ("prod", np.array([[2, 3], [4, 5]], np.int32), [0, 1], np.array(120, np.int32)),
        ("max", np.array([1, np.nan, 3], np.float32), [0], np.array(np.nan, np.float32)),
        ("max", np.zeros((0, 2), np.float32), [0], np.array([-np.inf, -np.inf], np.float32)),
        ("min", np.zeros((2, 0), np.int32), [1], np.array([2**31 - 1] * 2, np.int32)),
        ("and", np.array([0b1101, 0b0111], np.uint8), [0], np.array(0b0101, np.uint8)),
        ("or", np.array([[True, False], [False, False]]), [1], np.array([True, False])),
    ],
)
def test_reduce_values(kind, x, dims, want):
    check_op("tfc.reduce", [x], {"dimensions": dims, "kind": kind}, expected=[want])


def test_reduce_infers_dynamic_and_unranked():
    assert _build("tfc.reduce", [_t(DType.f32, None, 3, 4)], {"dimensions": [1], "kind": "sum"}).result.type == _t(DType.f32, None, 4)
    assert _build("tfc.reduce", [TensorType(DType.f32, None)], {"dimensions": [1], "kind": "max"}).result.type == TensorType(DType.f32, None)


@pytest.mark.parametrize(
    "operand, attrs, message",
    [
        (_t(DType.f32, 2, 3), {"dimensions": [2], "kind": "sum"}, r"dimensions \[2\]: dimension 2 is out of range for rank 2"),
        (_t(DType.f32, 2, 3), {"dimensions": [0, 0], "kind": "sum"}, "has repeated dimensions"),
        (_t(DType.f32, 2, 3), {"dimensions": [0], "kind": "and"}, "kind 'and' expects integer or bool operands, got f32"),
        (_t(DType.bool, 2), {"dimensions": [0], "kind": "sum"}, "kind 'sum' expects numeric operands, got i1"),
        (_t(DType.c64, 2), {"dimensions": [0], "kind": "max"}, "kind 'max' expects real"),
        (_t(DType.f32, 2), {"dimensions": [0], "kind": "mean"}, "attribute 'kind': expected one of"),
        (_t(DType.f32, 2), {"kind": "sum"}, "requires attribute 'dimensions'"),
    ],
)
def test_reduce_rejects(operand, attrs, message):
    with pytest.raises(VerifyError, match="'tfc.reduce' op .*" + message):
        _build("tfc.reduce", [operand], attrs)


# ---- reduce_window -------------------------------------------------------------------------------
def _naive_reduce_window(x, kind, window, strides, padding, base, dil):
    """Window positions mapped back to operand indices one by one; padding and holes are the init value."""
    init = (-np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min) if kind == "max" else 0
    shape = []
    for n, w, s, lo, hi, b, d in zip(x.shape, window, strides, padding[::2], padding[1::2], base, dil):
        padded = (0 if n == 0 else (n - 1) * b + 1) + lo + hi
        span = (w - 1) * d + 1
        shape.append(0 if padded == 0 or span > padded else (padded - span) // s + 1)
    wide = np.float64 if x.dtype.kind == "f" else np.int64
    out = np.zeros(shape, wide)
    for index in np.ndindex(*shape):
        values = [wide(init)]
        for offset in np.ndindex(*window):
            spot = [i * s + o * d - lo for i, o, s, d, lo in zip(index, offset, strides, dil, padding[::2])]
            if all(0 <= p and p % b == 0 and p // b < n for p, b, n in zip(spot, base, x.shape)):
                values.append(wide(x[tuple(p // b for p, b in zip(spot, base))]))
        if kind == "sum":
            out[index] = sum(values)
        else:
            out[index] = np.nan if any(np.isnan(v) for v in values) else max(values)
    return out.astype(x.dtype)


@SETTINGS
@given(st.data())
def test_reduce_window_matches(data):
    shape = _shape(data, 1, 3, 4)
    rank = len(shape)
    ints = lambda lo, hi, n=rank: data.draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
    window, strides, base, dil, padding = ints(1, 3), ints(1, 2), ints(1, 2), ints(1, 2), ints(-1, 2, 2 * rank)
    for n, b, lo, hi in zip(shape, base, padding[::2], padding[1::2]):
        assume((0 if n == 0 else (n - 1) * b + 1) + lo + hi >= 0)
    kind = data.draw(st.sampled_from(["max", "sum"]))
    dtype = data.draw(st.sampled_from([np.float32, np.int32, np.float64]))
    x = _array(_rng(data), shape, dtype)
    attrs = {"kind": kind, "window_dimensions": window, "window_strides": strides, "padding": padding, "base_dilations": base, "window_dilations": dil}
    check_op("tfc.reduce_window", [x], attrs, expected=[_naive_reduce_window(x, kind, window, strides, padding, base, dil)])


def test_reduce_window_with_negative_padding():
    """Negative padding crops: lowered as a pad first (XLA's simplifier aborted the process on these)."""
    x = np.array([1.5, -2.0, 4.0])
    crop = {"window_dimensions": [1], "window_strides": [1], "padding": [-1, -1]}
    check_op("tfc.reduce_window", [x], dict(kind="sum", **crop), expected=[x[1:2]])
    ints = np.array([3, 7], np.int32)
    check_op("tfc.reduce_window", [ints], dict(kind="max", window_dimensions=[1], window_strides=[1], padding=[-1, 0]), expected=[ints[1:]])
    dilated = {"window_dimensions": [2], "window_strides": [1], "padding": [-1, -2], "base_dilations": [2]}
    check_op("tfc.reduce_window", [x], dict(kind="sum", **dilated), expected=[np.array([-2.0])])  # [1.5, _, -2, _, 4] cropped to [_, -2]


def test_max_pool_and_sum_pool_nhwc():
    x = np.arange(1 * 4 * 4 * 2, dtype=np.float32).reshape(1, 4, 4, 2) * np.array([1, -1], np.float32)
    pool = {"window_dimensions": [1, 2, 2, 1], "window_strides": [1, 2, 2, 1], "padding": [0] * 8}
    blocks = x.reshape(1, 2, 2, 2, 2, 2)
    check_op("tfc.reduce_window", [x], dict(kind="max", **pool), expected=[blocks.max(axis=(2, 4))])
    check_op("tfc.reduce_window", [x], dict(kind="sum", **pool), expected=[blocks.sum(axis=(2, 4))])


def test_max_pool_same_padding_uses_minus_inf():
    x = -np.ones((3,), np.float32)
    attrs = {"kind": "max", "window_dimensions": [2], "window_strides": [2], "padding": [0, 1]}
    check_op("tfc.reduce_window", [x], attrs, expected=[np.array([-1, -1], np.float32)])
    check_op("tfc.reduce_window", [x], dict(attrs, padding=[0, 3]), expected=[np.array([-1, -1, -np.inf], np.float32)])


@pytest.mark.parametrize(
    "attrs, message",
    [
        ({"window_dimensions": [2], "window_strides": [1, 1], "padding": [0, 0, 0, 0]}, "window_dimensions has 1 entries, expected 2"),
        ({"window_dimensions": [2, 0], "window_strides": [1, 1], "padding": [0, 0, 0, 0]}, r"window_dimensions \[2, 0\] must all be positive"),
        ({"window_dimensions": [2, 2], "window_strides": [1, 1], "padding": [0, 0]}, "padding has 2 entries, expected 4"),
        ({"window_dimensions": [2, 2], "window_strides": [1, 1], "padding": [0] * 4, "base_dilations": [0, 1]}, r"base_dilations \[0, 1\] must all be positive"),
        ({"window_dimensions": [2, 2], "window_strides": [1, 1], "padding": [-3, -3, 0, 0]}, "negative size"),
    ],
)
def test_reduce_window_rejects(attrs, message):
    with pytest.raises(VerifyError, match="'tfc.reduce_window' op .*" + message):
        _build("tfc.reduce_window", [_t(DType.f32, 4, 4)], dict(kind="max", **attrs))


# ---- argmax / argmin -----------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_argmax_argmin_match(data):
    name = data.draw(st.sampled_from(["tfc.argmax", "tfc.argmin"]))
    shape = _shape(data, 1, 3, 4)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    dtype = data.draw(st.sampled_from([np.float32, np.int32, np.bool_, np.float16, np.uint8]))
    index = data.draw(st.sampled_from([DType.i32, DType.i64]))
    x = _array(_rng(data), shape, dtype)
    out_shape = tuple(n for i, n in enumerate(shape) if i != axis % len(shape))
    expected = None
    if shape[axis] > 0:
        expected = [(np.argmax if name == "tfc.argmax" else np.argmin)(x.astype(np.float32) if dtype == np.float16 else x, axis=axis)]
    check_op(name, [x], {"axis": axis}, result_types=[TensorType(index, out_shape)], expected=expected)


def test_argmax_first_nan_and_first_tie_win():
    x = np.array([[1, 5, 5, 2], [1, np.nan, 7, np.nan], [-np.inf] * 4], np.float32)
    i32 = lambda *shape: [TensorType(DType.i32, shape)]
    check_op("tfc.argmax", [x], {"axis": 1}, i32(3), expected=[np.array([1, 1, 0], np.int32)])
    check_op("tfc.argmin", [x], {"axis": 1}, i32(3), expected=[np.array([0, 1, 0], np.int32)])
    check_op("tfc.argmin", [x], {"axis": 0}, i32(4), expected=[np.array([2, 1, 2, 1], np.int32)])


@pytest.mark.parametrize(
    "operand, axis, result, message",
    [
        (_t(DType.f32, 2, 3), 1, _t(DType.f32, 2), "result must have an integer element type"),
        (_t(DType.f32, 2, 3), 2, _t(DType.i32, 2), "axis 2 is out of range for rank 2"),
        (_t(DType.f32, 2, 3), 1, _t(DType.i32, 3), r"shapes \[2\] and \[3\] do not match"),
        (_t(DType.f32), 0, _t(DType.i32), "rank at least 1"),
        (_t(DType.c64, 2), 0, _t(DType.i32), "expects real"),
    ],
)
def test_argmax_rejects(operand, axis, result, message):
    with pytest.raises(VerifyError, match="'tfc.argmax' op .*" + message):
        _build("tfc.argmax", [operand], {"axis": axis}, [result])
    with pytest.raises(VerifyError, match="'tfc.argmax' op needs an explicit result type"):
        _build("tfc.argmax", [_t(DType.f32, 2)], {"axis": 0})


# ---- cumsum --------------------------------------------------------------------------------------
def _naive_cumsum(x, axis, reverse, exclusive):
    """Each output as an explicit sum over the index range it covers."""
    out = np.zeros(x.shape, np.float64 if x.dtype.kind == "f" else np.int64)
    n = x.shape[axis]
    for i in range(n):
        lo, hi = (i + exclusive, n) if reverse else (0, i + 1 - exclusive)
        taken = np.take(x, range(lo, hi), axis=axis).astype(out.dtype)
        np.moveaxis(out, axis, 0)[i] = taken.sum(axis=axis)
    return out.astype(x.dtype)


@SETTINGS
@given(st.data())
def test_cumsum_matches(data):
    shape = _shape(data, 1, 3, 4)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    reverse, exclusive = data.draw(st.booleans()), data.draw(st.booleans())
    dtype = data.draw(st.sampled_from([np.float32, np.int32, np.float64, np.int64, np.float16]))
    x = _array(_rng(data), shape, dtype, specials=False)
    expected = _naive_cumsum(x, axis % len(shape), reverse, exclusive)
    check_op("tfc.cumsum", [x], {"axis": axis, "reverse": reverse, "exclusive": exclusive}, expected=[expected])


def test_cumsum_defaults_to_inclusive_forward():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    check_op("tfc.cumsum", [x], {"axis": 1}, expected=[np.cumsum(x, axis=1)])
    check_op("tfc.cumsum", [np.full(3, 2**30, np.int32)], {"axis": 0}, expected=[np.array([2**30, 2**31, 3 * 2**30], np.int64).astype(np.int32)])


@pytest.mark.parametrize(
    "operand, axis, message",
    [(_t(DType.f32, 2), 1, "axis 1 is out of range for rank 1"), (_t(DType.bool, 2), 0, "expects numeric operands"), (_t(DType.f32), 0, "rank at least 1")],
)
def test_cumsum_rejects(operand, axis, message):
    with pytest.raises(VerifyError, match="'tfc.cumsum' op .*" + message):
        _build("tfc.cumsum", [operand], {"axis": axis})


# ---- sort ----------------------------------------------------------------------------------------
def _python_sort(arrays, descending):
    """1-D stable sort with Python's sorted: NaN last (first when descending), -0.0 == 0.0."""
    keys = arrays[0].tolist()

    def rank(i):
        is_nan = isinstance(keys[i], float) and np.isnan(keys[i])
        return (is_nan, 0 if is_nan else keys[i])

    order = sorted(range(len(keys)), key=rank)
    if descending:  # reverse the runs of equal keys, keep each run's order
        runs = [list(run) for _, run in itertools.groupby(order, key=rank)]
        order = [i for run in reversed(runs) for i in run]
    return [p[order] for p in arrays]


@SETTINGS
@given(st.data())
def test_sort_matches(data):
    shape = _shape(data, 1, 3, 5)
    dimension = data.draw(st.integers(-len(shape), len(shape) - 1))
    key_dtype = data.draw(st.sampled_from([np.float32, np.int32, np.bool_, np.uint8, np.float16, np.float64]))
    payload_dtypes = data.draw(st.lists(st.sampled_from([np.int32, np.float32, np.bool_]), max_size=2))
    descending = data.draw(st.booleans())
    rng = _rng(data)
    xs = [_array(rng, shape, key_dtype)] + [_array(rng, shape, d) for d in payload_dtypes]
    attrs = {"dimension": dimension, "descending": descending, "is_stable": True}
    expected = None
    if len(shape) == 1:
        expected = _python_sort(xs, descending)
    check_op("tfc.sort", xs, attrs, expected=expected)


def test_sort_keys_only_unstable_and_by_rows():
    x = np.array([[3, 1, 2], [0, -5, 9]], np.int32)
    check_op("tfc.sort", [x], {"dimension": 1}, expected=[np.sort(x, axis=1)])
    check_op("tfc.sort", [x], {"dimension": 0, "descending": True}, expected=[-np.sort(-x, axis=0)])


def test_sort_floats_total_order_nan_last():
    keys = np.array([2.0, np.nan, -0.0, -np.inf, 0.0, -np.nan, 1.0], np.float32)
    [sorted_keys, perm] = check_op("tfc.sort", [keys, np.arange(7, dtype=np.int32)], {"dimension": 0, "is_stable": True})
    np.testing.assert_array_equal(perm, [3, 2, 4, 6, 0, 1, 5])
    assert np.signbit(sorted_keys[1]) and not np.signbit(sorted_keys[2])  # values keep their sign bits


@pytest.mark.parametrize(
    "operands, attrs, message",
    [
        ([_t(DType.f32, 3), _t(DType.i32, 4)], {"dimension": 0}, r"shapes \[3\] and \[4\] do not match"),
        ([_t(DType.f32, 3)], {"dimension": 1}, "dimension 1 is out of range for rank 1"),
        ([_t(DType.f32)], {"dimension": 0}, "rank at least 1"),
        ([_t(DType.c64, 3)], {"dimension": 0}, "keys .* must be real"),
        ([], {"dimension": 0}, "needs at least one operand"),
    ],
)
def test_sort_rejects(operands, attrs, message):
    with pytest.raises(VerifyError, match="'tfc.sort' op .*" + message):
        _build("tfc.sort", operands, attrs)
