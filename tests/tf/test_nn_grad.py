"""Gradient kernels given inputs TensorFlow would reject, or shapes tfc cannot know statically: one clear
error naming the node and what was expected (their values are checked by the op suite, nn_grad family)."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .graphs import GraphBuilder, import_and_legalize, run_graph

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def error_of(build, feeds: dict) -> str:
    g = GraphBuilder()
    fetch = build(g)
    with pytest.raises(TfcError) as info:
        import_and_legalize(g.graph, feeds, [fetch])
    return str(info.value)


def test_backprop_filter_with_an_out_backprop_of_the_wrong_size():
    def build(g):
        x, dy = g.placeholder("x", np.float32, [1, 5, 5, 2]), g.placeholder("dy", np.float32, [1, 4, 5, 3])
        return g.op("Conv2DBackpropFilter", [x, g.const(np.int32([3, 3, 2, 3])), dy], name="bad_dw", T=np.float32, strides=[1, 1, 1, 1], padding="SAME")

    message = error_of(build, {"x:0": rand(1, 5, 5, 2), "dy:0": rand(1, 4, 5, 3)})
    assert "bad_dw" in message and "out_backprop" in message


def test_backprop_input_sizes_computed_at_run_time():
    def build(g):
        sizes = g.placeholder("sizes", np.int32, [4])
        w, dy = g.const(rand(3, 3, 2, 3)), g.placeholder("dy", np.float32, [1, 5, 5, 3])
        return g.op("Conv2DBackpropInput", [sizes, w, dy], name="dx", T=np.float32, strides=[1, 1, 1, 1], padding="SAME")

    message = error_of(build, {"sizes:0": np.int32([1, 5, 5, 2]), "dy:0": rand(1, 5, 5, 3)})
    assert "dx" in message and "input_sizes" in message and "constant" in message


def test_avg_pool_grad_with_a_bad_orig_input_shape():
    def build(g):
        grad = g.placeholder("grad", np.float32, [1, 2, 2, 1])
        return g.op("AvgPoolGrad", [g.const(np.int32([1, 4, 4])), grad], name="bad_pool", T=np.float32,
                    ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")

    message = error_of(build, {"grad:0": rand(1, 2, 2, 1)})
    assert "bad_pool" in message and "orig_input_shape" in message


def test_max_pool_grad_with_a_grad_of_the_wrong_shape():
    def build(g):
        x, y, grad = (g.placeholder(n, np.float32, s) for n, s in [("x", [1, 4, 4, 1]), ("y", [1, 2, 2, 1]), ("grad", [1, 3, 2, 1])])
        return g.op("MaxPoolGrad", [x, y, grad], name="bad_grad", T=np.float32, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")

    message = error_of(build, {"x:0": rand(1, 4, 4, 1), "y:0": rand(1, 2, 2, 1), "grad:0": rand(1, 3, 2, 1)})
    assert "bad_grad" in message and "grad" in message


def test_broadcast_gradient_args_of_shapes_that_do_not_broadcast():
    def build(g):
        return g.op("BroadcastGradientArgs", [g.const(np.int32([2, 3])), g.const(np.int32([4, 3]))], name="bga", T=np.int32)

    message = error_of(build, {})
    assert "bga" in message and "cannot be broadcast" in message


def test_concat_offset_of_mismatched_shapes():
    def build(g):
        shapes = [g.const(np.int32([2, 3])), g.const(np.int32([3, 4]))]
        return g.op("ConcatOffset", [g.const(np.int32(1)), *shapes], name="offsets", N=2)

    message = error_of(build, {})
    assert "offsets" in message and "must match" in message


def test_strided_slice_grad_with_a_dy_that_is_not_the_slice():
    def build(g):
        dy = g.placeholder("dy", np.float32, [3])
        consts = [g.const(np.int32(v)) for v in ([6], [0], [4], [1])]
        return g.op("StridedSliceGrad", [*consts, dy], name="ssg", T=np.float32, Index=np.int32)

    message = error_of(build, {"dy:0": rand(3)})
    assert "ssg" in message and "dy" in message


def test_strided_slice_grad_shape_folded_during_legalization():
    """The shape comes from Shape of a fed tensor, as in a training graph: only legalize knows it."""
    g = GraphBuilder()
    x = g.placeholder("x", np.float32, [None, 4])
    dy = g.placeholder("dy", np.float32, [None, 2])
    shape = g.op("Shape", [x], T=np.float32, out_type=np.int32)
    begin, end, strides = (g.const(np.int32(v)) for v in ([0, 1], [0, 4], [1, 2]))
    grad = g.op("StridedSliceGrad", [shape, begin, end, strides, dy], T=np.float32, Index=np.int32, begin_mask=1, end_mask=1)
    [got] = run_graph(g.graph, {"x:0": rand(3, 4), "dy:0": np.arange(6, dtype=np.float32).reshape(3, 2)}, [grad])
    np.testing.assert_array_equal(got, [[0, 0, 0, 1], [0, 2, 0, 3], [0, 4, 0, 5]])


def test_mirror_pad_grad_paddings_too_wide_for_reflect():
    def build(g):
        x = g.placeholder("x", np.float32, [5])
        return g.op("MirrorPadGrad", [x, g.const(np.int32([[2, 2]]))], name="mpg", T=np.float32, mode="REFLECT")

    message = error_of(build, {"x:0": rand(5)})
    assert "mpg" in message and "REFLECT" in message


def test_fused_batch_norm_grad_with_a_scale_of_the_wrong_size():
    def build(g):
        dy, x = g.placeholder("dy", np.float32, [2, 2, 2, 3]), g.placeholder("x", np.float32, [2, 2, 2, 3])
        stats = [g.const(np.ones(n, np.float32)) for n in (4, 3, 3)]
        return g.op("FusedBatchNormGrad", [dy, x, *stats], name="bng", T=np.float32)

    message = error_of(build, {"dy:0": rand(2, 2, 2, 3), "x:0": rand(2, 2, 2, 3)})
    assert "bng" in message


def test_max_pool_with_argmax_of_an_empty_input():
    def build(g):
        x = g.placeholder("x", np.float32, [0, 4, 4, 1])
        return g.op("MaxPoolWithArgmax", [x], name="mpa", T=np.float32, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")

    message = error_of(build, {"x:0": rand(0, 4, 4, 1)})
    assert "mpa" in message and "empty" in message


def test_max_pool_with_argmax_pooling_over_channels():
    def build(g):
        x = g.placeholder("x", np.float32, [1, 4, 4, 2])
        return g.op("MaxPoolWithArgmax", [x], name="mpa", T=np.float32, ksize=[1, 2, 2, 2], strides=[1, 2, 2, 1], padding="VALID")

    message = error_of(build, {"x:0": rand(1, 4, 4, 2)})
    assert "mpa" in message and "channel" in message


def test_dilation_with_a_filter_of_another_depth():
    def build(g):
        x = g.placeholder("x", np.float32, [1, 4, 4, 2])
        return g.op("Dilation2D", [x, g.const(rand(2, 2, 3))], name="dil", T=np.float32, strides=[1, 1, 1, 1], rates=[1, 1, 1, 1], padding="SAME")

    message = error_of(build, {"x:0": rand(1, 4, 4, 2)})
    assert "dil" in message and "depth" in message


def test_dilation_backprop_with_an_out_backprop_of_the_wrong_shape():
    def build(g):
        x, dy = g.placeholder("x", np.float32, [1, 4, 4, 2]), g.placeholder("dy", np.float32, [1, 4, 3, 2])
        return g.op("Dilation2DBackpropInput", [x, g.const(rand(2, 2, 2)), dy], name="dil_dx", T=np.float32,
                    strides=[1, 1, 1, 1], rates=[1, 1, 1, 1], padding="SAME")

    message = error_of(build, {"x:0": rand(1, 4, 4, 2), "dy:0": rand(1, 4, 3, 2)})
    assert "dil_dx" in message and "out_backprop" in message


def test_fractional_avg_pool_grad_with_a_short_sequence():
    def build(g):
        dy = g.placeholder("dy", np.float32, [1, 3, 2, 1])
        rows, cols = g.placeholder("rows", np.int64, [3]), g.placeholder("cols", np.int64, [3])
        return g.op("FractionalAvgPoolGrad", [g.const(np.int64([1, 5, 4, 1])), dy, rows, cols], name="fap", T=np.float32)

    message = error_of(build, {"dy:0": rand(1, 3, 2, 1), "rows:0": np.int64([0, 2, 5]), "cols:0": np.int64([0, 2, 4])})
    assert "fap" in message and "row_pooling_sequence" in message


def test_fractional_max_pool_grad_with_mismatched_outputs():
    def build(g):
        x, y, dy = (g.placeholder(n, np.float32, s) for n, s in [("x", [1, 4, 4, 1]), ("y", [1, 2, 2, 1]), ("dy", [1, 2, 3, 1])])
        rows, cols = g.const(np.int64([0, 2, 4])), g.const(np.int64([0, 2, 4]))
        return g.op("FractionalMaxPoolGrad", [x, y, dy, rows, cols], name="fmp", T=np.float32)

    message = error_of(build, {"x:0": rand(1, 4, 4, 1), "y:0": rand(1, 2, 2, 1), "dy:0": rand(1, 2, 3, 1)})
    assert "fmp" in message and "out_backprop" in message
