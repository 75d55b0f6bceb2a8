"""TensorFlow's indexing ops (Slice, StridedSlice, ReverseV2, Gather*, Where, OneHot, TopKV2) against
numpy implementations of their documented semantics.

StridedSlice is checked two ways: Python index expressions turned into masks exactly as TensorFlow's
``Tensor.__getitem__`` does, against numpy's basic indexing (which TensorFlow's slicing follows),
and raw mask combinations that no Python expression produces, against hand-worked results.
"""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .test_array import F32, I32, I64, Feed, check, run_op

X = np.arange(4 * 5 * 6, dtype=F32).reshape(4, 5, 6)


# ---- Slice ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("begin,size", [([0, 0, 0], [4, 5, 6]), ([1, 2, 3], [2, 2, 2]), ([1, 0, 2], [-1, 3, -1]), ([3, 5, 0], [1, 0, -1])])
def test_slice(begin, size):
    want = X[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]
    check(run_op("Slice", [Feed(X), np.array(begin, I32), np.array(size, I32)], Index=I32), want)
    check(run_op("Slice", [X.astype(I64), np.array(begin, I64), np.array(size, I64)]), want.astype(I64))  # folded


@pytest.mark.parametrize("begin,size", [([0, 0, 0], [5, 1, 1]), ([-1, 0, 0], [1, 1, 1]), ([0, 0], [1, 1])])
def test_slice_errors(begin, size):
    with pytest.raises(TfcError, match="sl"):
        run_op("Slice", [Feed(X), np.array(begin, I32), np.array(size, I32)], name="sl")


# ---- StridedSlice ---------------------------------------------------------------------------------
def tf_slice_spec(index):
    """begin, end, strides and masks for a Python index, as TensorFlow's ``_slice_helper`` builds them."""
    begin, end, strides = [], [], []
    masks = dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"), 0)
    for i, item in enumerate(index):
        bit = 1 << i
        if isinstance(item, slice):
            begin.append(item.start or 0)
            end.append(item.stop or 0)
            strides.append(1 if item.step is None else item.step)
            masks["begin_mask"] |= bit if item.start is None else 0
            masks["end_mask"] |= bit if item.stop is None else 0
        elif item is Ellipsis or item is None:
            begin.append(0), end.append(0), strides.append(1)
            masks["ellipsis_mask" if item is Ellipsis else "new_axis_mask"] |= bit
        else:
            begin.append(item), end.append(item + 1), strides.append(1)
            masks["shrink_axis_mask"] |= bit
    return begin, end, strides, masks


def strided_slice(x, begin, end, strides, feed=True, dtype=I32, **masks):
    operands = [Feed(x) if feed else x] + [np.array(v, dtype).reshape(-1) for v in (begin, end, strides)]
    return run_op("StridedSlice", operands, Index=dtype, **masks)


def args(**kwargs):
    """strided_slice's keyword arguments (begin, end, strides and masks), for the tables below."""
    return kwargs


S = slice
INDEXES = [
    (S(1, 3),), (S(None, None, -1),), (S(-2, None),), (1,), (-1,), (Ellipsis, 2), (Ellipsis,), (None,),
    (None, S(1, None, 2), Ellipsis, None), (S(None), None, 0), (Ellipsis, S(None, None, -2)),
    (S(10, -10, -1),), (S(-100, 100),), (S(3, 1),), (2, Ellipsis, S(4, 0, -2)), (1, 2, 3), (-4, -5, -6),
    (S(None, None, 3), S(1, -1), S(5, None, -3)), (Ellipsis, None), (None, Ellipsis, None, 1),
    (S(1, None), Ellipsis, -1, None), (S(None, 1, -1), S(-1, -6, -2)), (0, S(4, None, -1), Ellipsis),
    (S(2, 2),), (S(None, -1), Ellipsis, S(-3, None, 2)), (Ellipsis, 0, None, S(None, None, -1)),
    (S(3, None, -1), 4, S(1, 100, 7)), (Ellipsis, -1, 2, S(None))
]


@pytest.mark.parametrize("index", INDEXES, ids=str)
def test_strided_slice_like_python_indexing(index):
    begin, end, strides, masks = tf_slice_spec(index)
    check(strided_slice(X, begin, end, strides, **masks), X[index])


@pytest.mark.parametrize("index", [(S(1, 3), -1), (None, S(None, None, -2)), (Ellipsis, S(0, 5, 2))], ids=str)
def test_strided_slice_folds_int64_constants(index):
    x = X.astype(I64)
    begin, end, strides, masks = tf_slice_spec(index)
    check(strided_slice(x, begin, end, strides, feed=False, dtype=I64, **masks), x[index])


def test_strided_slice_of_a_scalar_and_a_vector():
    check(strided_slice(np.float32(5), [0], [0], [1], new_axis_mask=1), np.array([5], F32))
    v = np.arange(7, dtype=I32)
    check(strided_slice(v, [-3], [0], [1], end_mask=1), v[-3:])


# Raw mask combinations with the result TensorFlow's rules give (derived by hand from ValidateStridedSliceOp).
RAW = [
    # begin_mask ignores the begin value; end_mask ignores the end value.
    (args(begin=[3], end=[2], strides=[1], begin_mask=1), X[:2]),
    (args(begin=[1], end=[0], strides=[-1], end_mask=1), X[1::-1]),
    # A shrunk dimension uses its begin even when begin_mask is set, and any positive stride.
    (args(begin=[2], end=[0], strides=[1], begin_mask=1, shrink_axis_mask=1), X[2]),
    (args(begin=[1, 3], end=[0, 0], strides=[1, 5], shrink_axis_mask=2), X[1:0, 3]),
    (args(begin=[0, 3], end=[0, 0], strides=[1, 5], begin_mask=1, end_mask=1, shrink_axis_mask=2), X[:, 3]),
    # Mask bits past the spec's length are ignored (the implicit ellipsis sits at bit len(spec)).
    (args(begin=[1], end=[3], strides=[1], new_axis_mask=2, shrink_axis_mask=4, begin_mask=8), X[1:3]),
    # An ellipsis bit wins over a new-axis bit; a new-axis bit wins over shrink.
    (args(begin=[0, 1], end=[0, 2], strides=[1, 1], ellipsis_mask=1, new_axis_mask=1), X[..., 1:2]),
    (args(begin=[0, 1], end=[0, 2], strides=[1, 1], new_axis_mask=1, shrink_axis_mask=1), X[None, 1:2]),
    # Out-of-range begin/end clamp to the dimension; backwards they clamp to [-1, dim - 1].
    (args(begin=[-100, 2], end=[100, -100], strides=[1, -1]), X[:, 2::-1]),
    (args(begin=[100], end=[-100], strides=[-2]), X[::-2]),
    # Several new axes after the ellipsis still leave the trailing indexed dimension last.
    (args(begin=[0, 0, 0, 1], end=[0, 0, 0, 2], strides=[1, 1, 1, 1], ellipsis_mask=1, new_axis_mask=6, shrink_axis_mask=8), X[..., None, None, 1]),
]


@pytest.mark.parametrize("spec,want", RAW, ids=[str(i) for i in range(len(RAW))])
def test_strided_slice_raw_masks(spec, want):
    check(strided_slice(X, **spec), want)


@pytest.mark.parametrize("spec,message", [
    (args(begin=[2], end=[0], strides=[-1], shrink_axis_mask=1), "negative stride"),
    (args(begin=[0], end=[2], strides=[0]), "must be non-zero"),
    (args(begin=[0, 0], end=[0, 0], strides=[1, 1], ellipsis_mask=3), "more than one ellipsis"),
    (args(begin=[4], end=[5], strides=[1], shrink_axis_mask=1), "out of bounds"),
    (args(begin=[-5], end=[0], strides=[1], shrink_axis_mask=1), "out of bounds"),
    (args(begin=[0, 0, 0, 0], end=[1, 1, 1, 1], strides=[1, 1, 1, 1]), "more dimensions"),
    (args(begin=[0, 0], end=[1], strides=[1, 1]), "same length"),
])
def test_strided_slice_errors(spec, message):
    with pytest.raises(TfcError, match=message):
        strided_slice(X, **spec)


def test_strided_slice_needs_constant_begin():
    with pytest.raises(TfcError, match="ss.*begin.*must be a constant"):
        run_op("StridedSlice", [Feed(X), Feed(np.array([0], I32)), np.array([1], I32), np.array([1], I32)], name="ss")


# ---- ReverseV2 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("axes", [[0], [0, 2], [-1], [], [2, 0, 1]])
def test_reverse(axes):
    check(run_op("ReverseV2", [Feed(X), np.array(axes, I32)], Tidx=I32), np.flip(X, axes) if axes else X)
    check(run_op("ReverseV2", [X.astype(I32), np.array(axes, I64)]), (np.flip(X, axes) if axes else X).astype(I32))


def test_reverse_error():
    with pytest.raises(TfcError, match="rv.*twice"):
        run_op("ReverseV2", [Feed(X), np.array([0, -3], I32)], name="rv")


# ---- GatherV2, Gather, GatherNd -------------------------------------------------------------------
def batched_gather(params, indices, axis, batch_dims):
    """tf.gather's definition: for each batch index, numpy's take along axis - batch_dims."""
    if batch_dims == 0:
        return np.take(params, indices, axis)
    return np.stack([batched_gather(p, i, axis - 1, batch_dims - 1) for p, i in zip(params, indices)])


@pytest.mark.parametrize("axis,batch_dims,indices", [
    (0, 0, [3, 0, 0, 2]), (1, 0, [[4, 0], [1, 1]]), (-1, 0, 5), (2, 0, [[[0]]]),
    (1, 1, [[0, 4], [1, 1], [2, 3], [4, 4]]), (2, 1, [[5, 0, 1], [2, 2, 2], [0, 0, 0], [1, 2, 3]]),
    (2, 2, np.arange(20).reshape(4, 5) % 6), (2, -1, [[0], [1], [2], [3]]),
])
def test_gather_v2(axis, batch_dims, indices):
    indices = np.array(indices, I32)
    want = batched_gather(X, indices, axis % 3, batch_dims + indices.ndim if batch_dims < 0 else batch_dims)
    got = run_op("GatherV2", [Feed(X), Feed(indices), np.array(axis, I32)], batch_dims=batch_dims, Taxis=I32)
    check(got, want)


def test_gather_tf1_and_int64():
    indices = np.array([[1, 0], [3, 3]], I64)
    check(run_op("Gather", [Feed(X), Feed(indices)], validate_indices=True), X[indices])
    xi = X.astype(I64)
    check(run_op("GatherV2", [xi, indices, np.array(1, I64)]), np.take(xi, indices, 1))  # folded


def test_gather_out_of_range():
    # TensorFlow errors on CPU; XLA (and tfc) clamp indices computed at run time into range.
    check(run_op("GatherV2", [Feed(X), Feed(np.array([-1, 7], I32)), np.array(0, I32)]), X[[0, 3]])
    with pytest.raises(TfcError, match="out of range"):
        run_op("GatherV2", [X, np.array([7], I32), np.array(0, I32)])


def test_gather_errors():
    with pytest.raises(TfcError, match="g1.*batch_dims 2 must not exceed axis 1"):
        run_op("GatherV2", [Feed(X), Feed(np.zeros((4, 5), I32)), np.array(1, I32)], batch_dims=2, name="g1")
    with pytest.raises(TfcError, match="g2.*batch dimension 0"):
        run_op("GatherV2", [Feed(X), Feed(np.zeros((3, 2), I32)), np.array(1, I32)], batch_dims=1, name="g2")
    with pytest.raises(TfcError, match="g3.*axis.*must be a constant"):
        run_op("GatherV2", [Feed(X), Feed(np.zeros(2, I32)), Feed(np.int32(0))], name="g3")


@pytest.mark.parametrize("indices", [[[0, 1, 2], [3, 4, 5]], [[1], [3]], [[[1, 2]], [[0, 0]]], [3, 1], [[]]])
def test_gather_nd(indices):
    indices = np.array(indices, I32).reshape(np.array(indices).shape)
    vectors = indices.reshape(int(np.prod(indices.shape[:-1])), indices.shape[-1])
    want = np.array([X[tuple(v)] for v in vectors])
    want = want.reshape(indices.shape[:-1] + X.shape[indices.shape[-1]:])
    check(run_op("GatherNd", [Feed(X), Feed(indices)], Tindices=I32), want)


def test_gather_nd_error():
    with pytest.raises(TfcError, match="gn.*cannot index"):
        run_op("GatherNd", [Feed(X), Feed(np.zeros((2, 4), I32))], name="gn")


# ---- Where ----------------------------------------------------------------------------------------
def test_where_constant_condition():
    cond = np.array([[True, False, True], [False, False, True]])
    check(run_op("Where", [cond]), np.argwhere(cond).astype(I64))
    values = np.array([0.0, 2.0, -1.0, 0.0], F32)
    check(run_op("Where", [values]), np.argwhere(values).astype(I64))
    check(run_op("Where", [np.zeros((2, 2), bool)]), np.zeros((0, 2), I64))


def test_where_runtime_condition_is_an_error():
    with pytest.raises(TfcError, match="wh.*data-dependent"):
        run_op("Where", [Feed(np.array([True, False]))], name="wh")


# ---- OneHot ---------------------------------------------------------------------------------------
def one_hot(indices, depth, on, off, axis):
    hot = indices[..., None] == np.arange(depth)  # negative or too large indices match nothing
    out = np.where(hot, on, off)
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_one_hot(axis):
    indices = np.array([[0, 3, -1], [2, 5, 1]], I32)
    got = run_op("OneHot", [Feed(indices), np.array(4, I32), np.float32(1.5), np.float32(-2)], axis=axis, T=F32, TI=I32)
    check(got, one_hot(indices, 4, np.float32(1.5), np.float32(-2), axis))


def test_one_hot_dtypes():
    indices = np.array([1, 0, 7], I64)
    got = run_op("OneHot", [Feed(indices), np.array(3, I32), Feed(np.int32(5)), Feed(np.int32(0))], axis=-1)
    check(got, one_hot(indices, 3, np.int32(5), np.int32(0), -1))
    got = run_op("OneHot", [Feed(np.uint8(2)), np.array(3, I32), np.array(True), np.array(False)], axis=-1)
    check(got, np.array([False, False, True]))
    indices = np.array([0, 255, 3], np.uint8)  # classes past 255 must not wrap around to match index 0
    got = run_op("OneHot", [Feed(indices), np.array(300, I32), np.float32(1), np.float32(0)], axis=0)
    check(got, one_hot(indices, 300, np.float32(1), np.float32(0), 0))


def test_one_hot_error():
    with pytest.raises(TfcError, match="oh.*axis 3"):
        run_op("OneHot", [Feed(np.zeros((2, 2), I32)), np.array(3, I32), np.float32(1), np.float32(0)], axis=3, name="oh")


# ---- TopKV2 ---------------------------------------------------------------------------------------
def top_k(x, k):
    """Largest k along the last axis, ties broken by the lower index (a stable sort of -x)."""
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, -1), order.astype(I32)


@pytest.mark.parametrize("k", [0, 1, 3, 6])
def test_top_k(k):
    x = np.array([[3, 1, 3, 2, 5, 1], [0, 0, 0, 0, 0, 0], [-1, 4, 4, 9, 4, -2]], F32)
    values, indices = run_op("TopKV2", [Feed(x), np.array(k, I32)], outputs=2, sorted=True, T=F32)
    want_values, want_indices = top_k(x, k)
    check(values, want_values)
    check(indices, want_indices)


def test_top_k_ints_and_rank3():
    x = np.random.default_rng(0).integers(-5, 5, (2, 3, 8)).astype(I64)
    values, indices = run_op("TopKV2", [Feed(x), np.array(4, I32)], outputs=2)
    want_values, want_indices = top_k(x, 4)
    check(values, want_values)
    check(indices, want_indices)


def test_top_k_errors():
    with pytest.raises(TfcError, match="tk.*k = 7"):
        run_op("TopKV2", [Feed(np.zeros((2, 6), F32)), np.array(7, I32)], outputs=2, name="tk")
    with pytest.raises(TfcError, match="tk2.*k.*must be a constant"):
        run_op("TopKV2", [Feed(np.zeros((2, 6), F32)), Feed(np.int32(2))], outputs=2, name="tk2")
