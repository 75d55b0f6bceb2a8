"""Color ops: the errors (the op suite checks values against TensorFlow, family ``color``)."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .test_array import F32, Feed, run_op

RGB = np.full((2, 2, 3), 0.5, F32)


@pytest.mark.parametrize("op", ["RGBToHSV", "HSVToRGB"])
def test_colorspace_errors(op):
    with pytest.raises(TfcError, match=r"c1.*images must have rank at least 1 and 3 channels in its last dimension, got shape \[2, 2, 4\]"):
        run_op(op, [Feed(np.zeros((2, 2, 4), F32))], name="c1")
    with pytest.raises(TfcError, match="c2"):  # the schema allows only float types
        run_op(op, [Feed(np.zeros((2, 3), np.int32))], name="c2")


@pytest.mark.parametrize("op,scalar", [("AdjustSaturation", "scale"), ("AdjustHue", "delta"), ("AdjustContrastv2", "contrast_factor")])
def test_adjust_errors(op, scalar):
    with pytest.raises(TfcError, match=f"a1.*{scalar} must be a scalar, got shape \\[2\\]"):
        run_op(op, [Feed(RGB), Feed(np.ones(2, F32))], name="a1")
    with pytest.raises(TfcError, match="a2.*images must be float32 \\(TensorFlow's CPU kernel\\), got f16"):
        run_op(op, [Feed(RGB.astype(np.float16)), np.float32(1)], name="a2")
    with pytest.raises(TfcError, match="a3.*images must have rank at least 3"):
        run_op(op, [Feed(RGB[0]), np.float32(1)], name="a3")


def test_adjust_saturation_needs_rgb():
    with pytest.raises(TfcError, match=r"a4.*3 channels in its last dimension, got shape \[2, 2, 4\]"):
        run_op("AdjustSaturation", [Feed(np.zeros((2, 2, 4), F32)), np.float32(1)], name="a4")
