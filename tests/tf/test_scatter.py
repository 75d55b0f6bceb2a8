"""Scatters, stitches and segment reductions: the errors TensorFlow raises at run time on CPU (indices
outside the tensor, unsorted segment ids...), which tfc raises at legalization for constant indices,
and the shape errors. The op suite (family ``scatter``) checks values against TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .test_array import F32, I32, I64, Feed, run_op
from .test_data_dependent import WHY

UPDATES = Feed(np.ones((2, 3), F32))


def test_scatter_nd_errors():
    shape = np.array([4, 3], I32)
    with pytest.raises(TfcError, match=r"s1.*index \[4\] \(entry 1\) is outside the shape \[4, 3\]"):
        run_op("ScatterNd", [np.array([[0], [4]], I32), UPDATES, shape], name="s1")
    with pytest.raises(TfcError, match=r"s2.*updates \[2, 3\] must have shape \[2\]"):
        run_op("ScatterNd", [np.array([[0, 1], [2, 2]], I64), UPDATES, shape], name="s2")
    with pytest.raises(TfcError, match=r"s3.*index vectors of length 3 cannot index the rank-2 shape"):
        run_op("ScatterNd", [np.zeros((2, 3), I32), UPDATES, shape], name="s3")
    with pytest.raises(TfcError, match=r"s4.*shape must be a vector of non-negative sizes, got \[-1, 3\]"):
        run_op("ScatterNd", [np.zeros((2, 1), I32), UPDATES, np.array([-1, 3], I32)], name="s4")
    with pytest.raises(TfcError, match="s5.*shape.*must be a constant"):
        run_op("ScatterNd", [np.zeros((2, 1), I32), UPDATES, Feed(shape)], name="s5")


@pytest.mark.parametrize("op", ["TensorScatterUpdate", "TensorScatterAdd", "TensorScatterSub", "TensorScatterMax", "TensorScatterMin"])
def test_tensor_scatter_errors(op):
    tensor = Feed(np.zeros((4, 3), F32))
    with pytest.raises(TfcError, match=r"t1.*index \[-1\] \(entry 0\) is outside the shape \[4, 3\]"):
        run_op(op, [tensor, np.array([[-1], [2]], I32), UPDATES], name="t1")
    with pytest.raises(TfcError, match=r"t2.*updates \[2, 3\] must have shape \[3, 3\]"):
        run_op(op, [tensor, np.array([[1], [2], [3]], I32), UPDATES], name="t2")


def test_sparse_to_dense_errors():
    shape, values, default = np.array([5], I32), Feed(np.ones(2, F32)), np.float32(0)
    with pytest.raises(TfcError, match=r"d1.*sparse_indices \[\[3\], \[1\]\] must be in strictly increasing row-major order"):
        run_op("SparseToDense", [np.array([3, 1], I32), shape, values, default], name="d1")
    with pytest.raises(TfcError, match="d2.*default_value must be a scalar"):
        run_op("SparseToDense", [np.array([1, 3], I32), shape, values, np.zeros(1, F32)], name="d2")
    with pytest.raises(TfcError, match=r"d3.*sparse_values \[3\] must be a scalar or have one value per index \(2\)"):
        run_op("SparseToDense", [np.array([1, 3], I32), shape, Feed(np.ones(3, F32)), default], name="d3")
    with pytest.raises(TfcError, match=r"d4.*sparse_indices have 2 coordinates but output_shape \[5\] has rank 1"):
        run_op("SparseToDense", [np.array([[0, 1], [0, 2]], I32), shape, values, default], name="d4")


def test_sparse_to_dense_repeats_allowed_without_validation():
    got = run_op("SparseToDense", [np.array([3, 1, 3], I32), np.array([5], I32), Feed(np.array([1, 2, 3], F32)), np.float32(-1)],
                 validate_indices=False)
    np.testing.assert_array_equal(got, np.array([-1, 2, -1, 3, -1], F32))  # the last update to 3 wins, as on CPU


@pytest.mark.parametrize("op", ["DynamicStitch", "ParallelDynamicStitch"])
def test_stitch_errors(op):
    with pytest.raises(TfcError, match="m1.*indices must be non-negative, got -1"):
        run_op(op, [np.array([0, -1], I32), Feed(np.ones(2, F32))], name="m1", N=1)
    with pytest.raises(TfcError, match=r"m2.*data\[0\] \[3\] must be indices\[0\]'s shape \[2\]"):
        run_op(op, [np.array([0, 1], I32), Feed(np.ones(3, F32))], name="m2", N=1)


def test_segment_errors():
    data = Feed(np.ones((4, 2), F32))
    with pytest.raises(TfcError, match=r"g1.*segment_ids \[0, 2, 1, 1\] must be non-negative and sorted"):
        run_op("SegmentSum", [data, np.array([0, 2, 1, 1], I32)], name="g1")
    with pytest.raises(TfcError, match=f"g2.*the number of segments.*{WHY}.*only constant segment_ids work"):
        run_op("SegmentMax", [data, Feed(np.array([0, 0, 1, 1], I32))], name="g2")
    with pytest.raises(TfcError, match=r"g3.*segment_ids \[0, 3, 1, 1\] must be below num_segments = 3"):
        run_op("UnsortedSegmentSum", [data, np.array([0, 3, 1, 1], I32), np.int32(3)], name="g3")
    with pytest.raises(TfcError, match="g4.*num_segments must be non-negative, got -2"):
        run_op("UnsortedSegmentProd", [data, np.array([0, 0, 1, 1], I32), np.int32(-2)], name="g4")
    with pytest.raises(TfcError, match=r"g5.*segment_ids \[3\] must be a prefix of the data's shape \[4, 2\]"):
        run_op("UnsortedSegmentMin", [data, np.zeros(3, I32), np.int32(2)], name="g5")
