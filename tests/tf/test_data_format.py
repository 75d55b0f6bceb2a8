"""The errors of DataFormatDimMap and DataFormatVecPermute: each names the node and what was expected.
The op suite (family ``data_format``) checks values against TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .test_array import I32, Feed, run_op

V4 = Feed(np.arange(4, dtype=I32))


def test_formats_must_be_permutations_of_4_or_5_letters():
    with pytest.raises(TfcError, match="m1.*dst_format must have 4 or 5 letters, got 'NHW'"):
        run_op("DataFormatDimMap", [V4], name="m1", dst_format="NHW")
    with pytest.raises(TfcError, match="m2.*'NHWC' and dst_format 'ABCD' must be permutations"):
        run_op("DataFormatDimMap", [V4], name="m2", dst_format="ABCD")
    with pytest.raises(TfcError, match="p1.*'NNWC' and dst_format 'NCWN' must be permutations"):
        run_op("DataFormatVecPermute", [V4], name="p1", src_format="NNWC", dst_format="NCWN")


def test_vec_permute_shapes():
    with pytest.raises(TfcError, match=r"p2.*must have 4 or 2 rows for 4-letter formats, got shape \[3\]"):
        run_op("DataFormatVecPermute", [Feed(np.ones(3, I32))], name="p2")
    with pytest.raises(TfcError, match=r"p3.*must have 5 or 3 rows for 5-letter formats, got shape \[4, 2\]"):
        run_op("DataFormatVecPermute", [Feed(np.ones((4, 2), I32))], name="p3", src_format="NDHWC", dst_format="NCDHW")
    with pytest.raises(TfcError, match=r"p4.*a 2-D input must have 2 columns, got shape \[4, 3\]"):
        run_op("DataFormatVecPermute", [Feed(np.ones((4, 3), I32))], name="p4")
    with pytest.raises(TfcError, match=r"p5.*input must be a vector or a 2-D tensor, got shape \[1, 1, 1\]"):
        run_op("DataFormatVecPermute", [Feed(np.ones((1, 1, 1), I32))], name="p5")


def test_dim_map_through_a_fed_index():
    np.testing.assert_array_equal(run_op("DataFormatDimMap", [Feed(np.array([0, 1, 2, 3], I32))], src_format="NCHW",
                                         dst_format="NHWC"), [0, 3, 1, 2])
