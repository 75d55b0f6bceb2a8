"""Space/depth and space/batch rearrangements: NCHW (which TensorFlow's CPU kernels refuse, so the op
suite cannot record it) against NHWC through transposes, as TensorFlow defines it, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .test_array import F32, I32, Feed, check, run_op

X = np.arange(2 * 4 * 6 * 8, dtype=F32).reshape(2, 4, 6, 8)
TO_NCHW, TO_NHWC = (0, 3, 1, 2), (0, 2, 3, 1)


@pytest.mark.parametrize("op", ["DepthToSpace", "SpaceToDepth"])
def test_nchw_is_nhwc_transposed(op):
    want = run_op(op, [Feed(X)], block_size=2).transpose(TO_NCHW)
    check(run_op(op, [Feed(X.transpose(TO_NCHW))], block_size=2, data_format="NCHW"), want)


def test_depth_space_round_trip():
    check(run_op("DepthToSpace", [run_op("SpaceToDepth", [Feed(X)], block_size=2)], block_size=2), X)


def test_depth_space_errors():
    with pytest.raises(TfcError, match="d1.*depth 8 must be divisible by block_size \\* block_size = 9"):
        run_op("DepthToSpace", [Feed(X)], name="d1", block_size=3)
    with pytest.raises(TfcError, match="d2.*width 6 must be divisible by block_size 4"):
        run_op("SpaceToDepth", [Feed(X)], name="d2", block_size=4)
    with pytest.raises(TfcError, match="d3.*input must have rank 4"):
        run_op("SpaceToDepth", [Feed(X[0])], name="d3", block_size=2)
    with pytest.raises(TfcError, match="d4.*NCHW_VECT_C"):
        run_op("DepthToSpace", [Feed(X)], name="d4", block_size=2, data_format="NCHW_VECT_C")


def test_space_batch_round_trip():
    pairs = np.array([[1, 1], [0, 2]], I32)
    batched = run_op("SpaceToBatchND", [Feed(X), np.array([2, 4], I32), pairs])
    assert batched.shape == (16, 3, 2, 8)
    check(run_op("BatchToSpaceND", [Feed(batched), np.array([2, 4], I32), pairs]), X)


def test_space_batch_errors():
    block = np.array([2, 2], I32)
    with pytest.raises(TfcError, match="s1.*padded spatial dimension 1 has size 7, which block size 2 does not divide"):
        run_op("SpaceToBatchND", [Feed(X), block, np.array([[0, 0], [1, 0]], I32)], name="s1")
    with pytest.raises(TfcError, match=r"s2.*paddings must be a non-negative \[2, 2\] matrix"):
        run_op("SpaceToBatchND", [Feed(X), block, np.array([[0, 0], [-1, 1]], I32)], name="s2")
    with pytest.raises(TfcError, match="s3.*block_shape must be a vector of positive sizes"):
        run_op("SpaceToBatchND", [Feed(X), np.array([0, 2], I32), np.zeros((2, 2), I32)], name="s3")
    with pytest.raises(TfcError, match="s4.*paddings.*must be a constant"):
        run_op("SpaceToBatchND", [Feed(X), block, Feed(np.zeros((2, 2), I32))], name="s4")
    with pytest.raises(TfcError, match="b1.*batch 2 must be divisible by the product of block_shape"):
        run_op("BatchToSpaceND", [Feed(X), block, np.zeros((2, 2), I32)], name="b1")
    with pytest.raises(TfcError, match="b2.*crops 5, 4 of spatial dimension 0 exceed its size 8"):
        run_op("BatchToSpaceND", [Feed(X[:1].repeat(4, 0)), block, np.array([[5, 4], [0, 0]], I32)], name="b2")
    with pytest.raises(TfcError, match="b3.*needs rank at least 4 for 3 block dimensions"):
        run_op("BatchToSpaceND", [Feed(X[:, 0]), np.array([1, 1, 1], I32), np.zeros((3, 2), I32)], name="b3")
    with pytest.raises(TfcError, match="b4.*input must have rank 4"):
        run_op("BatchToSpace", [Feed(X[0]), np.zeros((2, 2), I32)], name="b4", block_size=2)
