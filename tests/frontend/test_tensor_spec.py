"""``@tfc.compile(input_signature=[tfc.TensorSpec(...)])``: None dims accept any size, each size compiles once."""

from __future__ import annotations

import numpy as np
import pytest

import tfc


def make():
    @tfc.compile(input_signature=[tfc.TensorSpec([None, 3], tfc.float32), tfc.TensorSpec([], tfc.int32)])
    def scaled_mean(x, k):
        return tfc.sum(x, axis=0) * tfc.astype(k, tfc.float32) / x.shape[0]

    return scaled_mean


def test_any_batch_compiles_once_per_size():
    f = make()
    for n in (32, 17, 32):
        x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        np.testing.assert_allclose(np.asarray(f(x, np.int32(2))), x.mean(axis=0) * 2, rtol=1e-6)
    assert f.trace_count == 2
    assert f.retrace_reasons == ["tensor argument #0 changed from float32[32, 3] to float32[17, 3]"]


def test_python_values_convert_to_the_spec_dtype():
    f = make()
    np.testing.assert_allclose(np.asarray(f([[1, 2, 3]], 1)), [1, 2, 3])
    assert f.lower([[1.0, 2.0, 3.0]], 1).as_text().count("tensor<1x3xf32>") >= 1


@pytest.mark.parametrize("args, message", [
    ((np.ones((2, 4), np.float32), 1), "argument 'x': shape [2, 4] does not fit [None, 3]"),
    ((np.ones((2, 3)), 1), "argument 'x': expected float32 (input_signature), got float64"),
    ((np.ones((2, 3), np.float32), "two"), "argument 'k': cannot convert str to int32"),
    ((np.ones((2, 3), np.float32),), "missing a required argument: 'k'"),
])
def test_arguments_that_do_not_fit_are_named(args, message):
    with pytest.raises(tfc.TraceError) as info:
        make()(*args)
    assert message in str(info.value)


def test_signature_must_match_the_parameters():
    with pytest.raises(tfc.TraceError, match="input_signature has 1 specs for 2 parameters"):
        tfc.compile(lambda a, b: a, input_signature=[tfc.TensorSpec([2])])
    with pytest.raises(tfc.TraceError, match="sequence of tfc.TensorSpec"):
        tfc.compile(lambda a: a, input_signature=[[2]])


def test_spec_shapes():
    spec = tfc.TensorSpec([None, 3], tfc.float32, name="x")
    assert spec.shape == (None, 3) and spec.is_compatible_with((5, 3)) and not spec.is_compatible_with((5, 3, 1))
    assert tfc.TensorSpec(None).is_compatible_with((1, 2, 3))
    assert repr(spec) == "TensorSpec(shape=[None, 3], dtype=tfc.float32, name='x')"
