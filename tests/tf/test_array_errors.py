"""The errors of the array family (matrix bands and diagonals, searches and counts, reorderings,
creation): each names the node and what was expected. The op suite (family ``array``) checks values
against TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .test_array import F32, I32, I64, Feed, run_op

M = Feed(np.ones((3, 4), F32))


def test_matrix_errors():
    with pytest.raises(TfcError, match="b1.*input must have rank at least 2"):
        run_op("MatrixBandPart", [Feed(np.ones(3, F32)), np.int64(0), np.int64(0)], name="b1")
    with pytest.raises(TfcError, match="b2.*must be a scalar"):
        run_op("MatrixBandPart", [M, np.zeros(2, I64), np.int64(0)], name="b2")
    diag = [Feed(np.ones((2, 3), F32)), np.array([1, -1], I32), np.int32(-1), np.int32(-1), np.float32(0)]
    with pytest.raises(TfcError, match=r"d1.*the lower diagonal 1 must not be above the upper one -1"):
        run_op("MatrixDiagV3", diag, name="d1")
    with pytest.raises(TfcError, match="d2.*'align' = 'MIDDLE' is not allowed"):
        run_op("MatrixDiagV3", [diag[0], np.int32(0), *diag[2:]], name="d2", align="MIDDLE")
    with pytest.raises(TfcError, match=r"d3.*diagonal 5 is out of range for 3x4 matrices"):
        run_op("MatrixDiagPartV3", [M, np.int32(5), np.float32(0)], name="d3")
    with pytest.raises(TfcError, match=r"d4.*diagonal \[4\] must have shape \[3\]"):
        run_op("MatrixSetDiag", [M, Feed(np.ones(4, F32))], name="d4")
    with pytest.raises(TfcError, match="d5.*input must have an even, non-zero rank"):
        run_op("DiagPart", [Feed(np.ones((2, 2, 2), F32))], name="d5")
    with pytest.raises(TfcError, match="c1.*inputs must have 3 elements in their last dimension"):
        run_op("Cross", [M, M], name="c1")


def test_search_errors():
    with pytest.raises(TfcError, match=r"s1.*boundaries \[2.0, 1.0\] must be sorted"):
        run_op("Bucketize", [Feed(np.ones(3, F32))], name="s1", boundaries=[2.0, 1.0])
    with pytest.raises(TfcError, match="s2.*sorted_inputs must have rank 2"):
        run_op("LowerBound", [Feed(np.ones(3, F32)), Feed(np.ones((1, 2), F32))], name="s2")
    with pytest.raises(TfcError, match=r"s3.*predictions \[3, 4\] and targets \[2\] must have the same rows"):
        run_op("InTopKV2", [M, Feed(np.zeros(2, I32)), np.int32(1)], name="s3")
    with pytest.raises(TfcError, match="s4.*size must be non-negative, got -1"):
        run_op("Bincount", [Feed(np.zeros(3, I32)), np.int32(-1), np.zeros(0, F32)], name="s4")
    with pytest.raises(TfcError, match=r"s5.*input \[1, -2\] must be non-negative"):
        run_op("Bincount", [np.array([1, -2], I32), np.int32(3), np.zeros(0, F32)], name="s5")


def test_reorder_errors():
    with pytest.raises(TfcError, match=r"r1.*shift \[2\] and axis \[1\] must have the same shape"):
        run_op("Roll", [M, np.array([1, 2], I32), np.array([0], I32)], name="r1")
    with pytest.raises(TfcError, match="r2.*dims must be a vector of one bool per dimension"):
        run_op("Reverse", [M, np.array([True], np.bool_)], name="r2")
    lengths = np.array([1, 2, 3], I64)
    with pytest.raises(TfcError, match="r3.*seq_dim and batch_dim must differ, both are 0"):
        run_op("ReverseSequence", [M, lengths], name="r3", seq_dim=0, batch_dim=0)
    with pytest.raises(TfcError, match=r"r4.*seq_lengths \[1, 2, 5\] must be in \[0, 4\]"):
        run_op("ReverseSequence", [M, np.array([1, 2, 5], I64)], name="r4", seq_dim=1, batch_dim=0)


def test_creation_errors():
    with pytest.raises(TfcError, match="l1.*num must be positive, got 0"):
        run_op("LinSpace", [np.float32(0), Feed(np.float32(1)), np.int32(0)], name="l1")
    with pytest.raises(TfcError, match=r"l2.*shapes \[2, 3\] and \[4\] are incompatible"):
        run_op("BroadcastArgs", [np.array([2, 3], I32), np.array([4], I32)], name="l2")
    with pytest.raises(TfcError, match=r"l3.*shape \[-1\] must be non-negative"):
        run_op("Empty", [np.array([-1], I32)], name="l3", dtype=F32)
