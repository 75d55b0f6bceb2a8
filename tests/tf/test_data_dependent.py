"""Ops whose output shape depends on the input values fail at legalization with an error naming the
node and saying why; on constant inputs Unique* fold (the op suite checks those values)."""

from __future__ import annotations

import numpy as np
import pytest

from tfc.diagnostics import TfcError

from .graphs import GraphBuilder, run_graph
from .test_array import F32, I32, I64, Feed, check, run_op

WHY = "depends on the input values, a data-dependent output shape: XLA compiles static shapes, so a session runs the op on the host"
BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 5, 1, 6]], F32)
SCORES = np.array([0.9, 0.8, 0.7], F32)


@pytest.mark.parametrize("op", ["Unique", "UniqueWithCounts"])
def test_unique_of_a_fed_input(op):
    with pytest.raises(TfcError, match=f"u1.*the number of unique elements.*{WHY}.*only a constant input works"):
        run_op(op, [Feed([1, 2, 1], I32)], name="u1")


def test_unique_v2_errors():
    x = np.array([[1, 2], [1, 2]], I32)
    with pytest.raises(TfcError, match=f"u2.*{WHY}"):
        run_op("UniqueV2", [Feed(x), np.array([0], I32)], name="u2")
    with pytest.raises(TfcError, match="u3.*axis.*must be a constant"):
        run_op("UniqueV2", [x, Feed([0], I32)], name="u3")
    with pytest.raises(TfcError, match=r"u4.*axis must be a vector of at most one element, got \[0, 1\]"):
        run_op("UniqueWithCountsV2", [x, np.array([0, 1], I64)], name="u4")
    with pytest.raises(TfcError, match="u5.*axis 2 is out of range"):
        run_op("UniqueV2", [x, np.array([2], I32)], name="u5")
    with pytest.raises(TfcError, match=r"u6.*without an axis the input must be a vector, got shape \[2, 2\]"):
        run_op("UniqueV2", [x, np.zeros(0, I32)], name="u6")


def test_unique_of_a_constant_folds():
    y, idx, count = run_op("UniqueWithCounts", [np.array([5, 3, 5, 5], I32)], outputs=3, out_idx=I64)
    check(y, np.array([5, 3], I32))
    check(idx, np.array([0, 1, 0, 0], I64))
    check(count, np.array([3, 1], I64))


def test_boolean_mask_pattern_names_the_where():
    """tf.boolean_mask(x, mask) is Where(mask), Squeeze, GatherV2: the Where cannot be compiled."""
    g = GraphBuilder()
    x, mask = g.placeholder("x", F32, [4]), g.placeholder("mask", np.bool_, [4])
    where = g.op("Where", [mask], name="mask_where", T=np.bool_)
    indices = g.op("Squeeze", [where], T=I64, squeeze_dims=[1])
    gathered = g.op("GatherV2", [x, indices, g.const(np.int32(0))], Tparams=F32, Tindices=I64, Taxis=I32)
    feeds = {"x:0": np.arange(4, dtype=F32), "mask:0": np.array([True, False, True, True])}
    with pytest.raises(TfcError, match=f"mask_where.*the number of true elements.*{WHY}.*only a constant condition works"):
        run_graph(g.graph, feeds, [gathered])


@pytest.mark.parametrize("op,extra", [("NonMaxSuppression", []), ("NonMaxSuppressionV2", [np.float32(0.5)]),
                                      ("NonMaxSuppressionV3", [np.float32(0.5), np.float32(0)])])
def test_unpadded_non_max_suppression(op, extra):
    with pytest.raises(TfcError, match=f"n1.*the number of selected boxes.*{WHY}.*V4 and V5 with pad_to_max_output_size=True"):
        run_op(op, [Feed(BOXES), Feed(SCORES), np.int32(2), *extra], name="n1")


def nms_v4(name, max_output_size=2, iou=0.5, pad=True):
    size = max_output_size if isinstance(max_output_size, Feed) else np.int32(max_output_size)
    return run_op("NonMaxSuppressionV4", [Feed(BOXES), Feed(SCORES), size, np.float32(iou), np.float32(0)], outputs=2,
                  name=name, pad_to_max_output_size=pad)


def test_non_max_suppression_v4_errors():
    with pytest.raises(TfcError, match=f"n2.*selected boxes.*{WHY}.*pad_to_max_output_size=True gives a static shape"):
        nms_v4("n2", pad=False)
    with pytest.raises(TfcError, match="n3.*max_output_size.*must be a constant"):
        nms_v4("n3", max_output_size=Feed(np.int32(2)))
    with pytest.raises(TfcError, match=r"n4.*iou_threshold must be in \[0, 1\], got 1.5"):
        nms_v4("n4", iou=1.5)
    with pytest.raises(TfcError, match="n5.*max_output_size must be non-negative, got -1"):
        nms_v4("n5", max_output_size=-1)


def test_non_max_suppression_v4_fed_threshold():
    selected, valid = run_op("NonMaxSuppressionV4", [Feed(BOXES), Feed(SCORES), np.int32(3), Feed(np.float32(0.9)), np.float32(0.75)],
                             outputs=2, pad_to_max_output_size=True)
    check(selected, np.array([0, 1, 0], I32))
    check(valid, np.int32(2))


def test_soft_nms_is_an_error():
    args = [Feed(BOXES), Feed(SCORES), np.int32(2), np.float32(0.5), np.float32(0)]
    with pytest.raises(TfcError, match=r"n6.*soft_nms_sigma must be a constant 0 \(Soft-NMS is not supported\)"):
        run_op("NonMaxSuppressionV5", [*args, np.float32(0.5)], outputs=3, name="n6", pad_to_max_output_size=True)
    with pytest.raises(TfcError, match="n7.*soft_nms_sigma must be a constant 0"):
        run_op("NonMaxSuppressionV5", [*args, Feed(np.float32(0))], outputs=3, name="n7", pad_to_max_output_size=True)


def test_list_diff_errors():
    with pytest.raises(TfcError, match=f"l1.*the number of elements of x not in y.*{WHY}.*only constant x and y work"):
        run_op("ListDiff", [Feed([1, 2, 3], I32), np.array([2], I32)], outputs=2, name="l1")
    with pytest.raises(TfcError, match=r"l2.*y must be a vector, got shape \[1, 1\]"):
        run_op("ListDiff", [np.array([1, 2], I32), np.array([[2]], I32)], outputs=2, name="l2")


def test_dynamic_partition_errors():
    data = Feed(np.arange(4, dtype=F32))
    with pytest.raises(TfcError, match=f"d1.*the size of each partition.*{WHY}.*only constant partitions work"):
        run_op("DynamicPartition", [data, Feed([0, 1, 0, 1], I32)], outputs=2, name="d1", num_partitions=2)
    with pytest.raises(TfcError, match=r"d2.*partitions \[0, 2, 0, 1\] must be in \[0, 2\)"):
        run_op("DynamicPartition", [data, np.array([0, 2, 0, 1], I32)], outputs=2, name="d2", num_partitions=2)
    with pytest.raises(TfcError, match=r"d3.*data of shape \[4\] must start with the partitions' shape \[2, 2\]"):
        run_op("DynamicPartition", [data, np.zeros((2, 2), I32)], outputs=2, name="d3", num_partitions=2)



def test_combined_non_max_suppression_errors():
    boxes, scores = Feed(np.zeros((1, 3, 2, 4), F32)), Feed(np.zeros((1, 3, 3), F32))
    thresholds = [np.float32(0.5), np.float32(0)]
    with pytest.raises(TfcError, match=r"k1.*boxes have q = 2: it must be 1 or the number of classes \(3\)"):
        run_op("CombinedNonMaxSuppression", [boxes, scores, np.int32(2), np.int32(4), *thresholds], outputs=4, name="k1")
    with pytest.raises(TfcError, match="k2.*max_total_size.*must be a constant"):
        run_op("CombinedNonMaxSuppression", [boxes, scores, np.int32(2), Feed(np.int32(4)), *thresholds], outputs=4, name="k2")
    with pytest.raises(TfcError, match=r"k3.*max_output_size_per_class \(2\) must be non-negative and max_total_size \(0\) positive"):
        run_op("CombinedNonMaxSuppression", [boxes, scores, np.int32(2), np.int32(0), *thresholds], outputs=4, name="k3")
    with pytest.raises(TfcError, match=r"k4.*scores must have shape \[batch, num_boxes, num_classes\]"):
        run_op("CombinedNonMaxSuppression", [boxes, Feed(np.zeros((3, 3), F32)), np.int32(2), np.int32(4), *thresholds], outputs=4, name="k4")
