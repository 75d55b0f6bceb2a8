"""TensorFlow's greedy non-max suppression in its static-shape forms: NonMaxSuppressionV4 and V5 with
``pad_to_max_output_size=True`` (outputs of size ``max_output_size``) and CombinedNonMaxSuppression
(per-class NMS over a batch, outputs of size ``max_total_size``).

The other forms (NonMaxSuppression, V2, V3, NonMaxSuppressionWithOverlaps, unpadded V4/V5) return
as many indices as boxes survive, a data-dependent shape: with constant inputs V1-V3 and
WithOverlaps fold to their selection (computed as the kernel computes it); otherwise they are
errors at legalization.

The CPU kernels take candidates (score > score_threshold) in descending score order, lower index
first among equal scores, and keep one unless its IoU with a box kept before exceeds
iou_threshold, until they have enough boxes. Here the boxes are sorted once (a stable sort keeps
TensorFlow's tie order), the IoU matrix of the sorted boxes is computed with the kernel's float32
arithmetic, and one ``tfc.while`` walks the candidates in order (for every batch entry and class at
once), each deciding from the boxes kept so far. The first kept boxes are the kernel's selection:
later decisions never change earlier ones. Soft-NMS (soft_nms_sigma > 0) re-queues boxes with
decayed scores and is not supported.
"""

from __future__ import annotations

import numpy as np

from tfc.frontend import api as tnp
from tfc.frontend.control import fori_loop
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import tf_op
from .array import const, scalar_int, shape_text, static
from .data_dependent import data_dependent


def _check_boxes(boxes: TensorType, scores: TensorType) -> None:
    if boxes.shape is not None and (len(boxes.shape) != 2 or boxes.shape[1] not in (None, 4)):
        raise ShapeError(f"boxes must have shape [num_boxes, 4], got {shape_text(boxes.shape)}")
    if scores.shape is not None and len(scores.shape) != 1:
        raise ShapeError(f"scores must be a vector, got shape {shape_text(scores.shape)}")
    if boxes.shape is not None and scores.shape is not None and None not in (boxes.shape[0], scores.shape[0]) \
            and boxes.shape[0] != scores.shape[0]:
        raise ShapeError(f"boxes {shape_text(boxes.shape)} and scores {shape_text(scores.shape)} disagree on the number of boxes")


def _padded_size(ctx) -> int | None:
    """max_output_size when the output is padded to it, else None (the output shape is data-dependent)."""
    if not ctx.attrs.get("pad_to_max_output_size", False):
        return None
    value = ctx.constant(2)
    if value is None:
        return None
    size = scalar_int(value, "max_output_size")
    if size < 0:
        raise ShapeError(f"max_output_size must be non-negative, got {size}")
    return size


def _nms_types(with_scores: bool):
    def infer(ctx, boxes, scores, *thresholds):
        _check_boxes(boxes, scores)
        size = _padded_size(ctx)
        outputs = [TensorType(DType.i32, (size,))]
        if with_scores:
            outputs.append(TensorType(scores.dtype, (size,)))
        return outputs + [TensorType(DType.i32, ())]

    return infer


def iou_matrix(y1, x1, y2, x2):
    """IoU of every pair of boxes given by their [..., n] corner coordinates, [..., candidate, other],
    as the kernel's ``IOU`` computes it: corners in either order, 0 when either box is empty."""
    y_lo, x_lo, y_hi, x_hi = tnp.minimum(y1, y2), tnp.minimum(x1, x2), tnp.maximum(y1, y2), tnp.maximum(x1, x2)
    area = (y_hi - y_lo) * (x_hi - x_lo)

    def rows(t):
        return tnp.expand_dims(t, -1)

    def cols(t):
        return tnp.expand_dims(t, -2)

    zero = const(0, DType.f32)
    height = tnp.maximum(tnp.minimum(rows(y_hi), cols(y_hi)) - tnp.maximum(rows(y_lo), cols(y_lo)), zero)
    width = tnp.maximum(tnp.minimum(rows(x_hi), cols(x_hi)) - tnp.maximum(rows(x_lo), cols(x_lo)), zero)
    intersection = height * width
    union = rows(area) + cols(area) - intersection
    nonempty = tnp.logical_and(tnp.greater(rows(area), zero), tnp.greater(cols(area), zero))
    return tnp.where(nonempty, intersection / tnp.where(nonempty, union, const(1, DType.f32)), zero)


def _iota(shape: tuple, axis: int = -1):
    return tnp.emit("tfc.iota", [], {"iota_dimension": axis % len(shape)}, [TensorType(DType.i32, shape)])


def greedy_keep(suppresses, candidate):
    """Which sorted boxes the greedy pass keeps, for every leading (batch, class) index at once: box i
    if it is a candidate and no kept box before it suppresses it (``suppresses[..., i, j]``: the IoU
    of i and j is over the threshold)."""
    n = candidate.shape[-1]
    position = _iota(candidate.shape)

    def visit(i, kept):
        blocked = tnp.any(tnp.logical_and(tnp.take(suppresses, i, suppresses.ndim - 2), kept), axis=-1, keepdims=True)
        keep_i = tnp.logical_and(tnp.take(candidate, tnp.reshape(i, (1,)), candidate.ndim - 1), tnp.logical_not(blocked))
        return tnp.logical_or(kept, tnp.logical_and(tnp.equal(position, i), keep_i))

    return fori_loop(0, n, visit, tnp.broadcast_to(const(False, DType.bool), candidate.shape))


def first_kept(kept, payloads, size: int):
    """Along the last axis, the payloads of the first ``size`` kept entries in order, zero-padded, and
    how many there are (at most ``size``)."""
    n = kept.shape[-1]
    position = _iota(kept.shape)
    key = tnp.where(kept, position, position + const(n, DType.i32))
    _, *ordered = tnp.emit_results("tfc.sort", [key, *payloads], {"dimension": kept.ndim - 1, "is_stable": True})
    count = tnp.minimum(tnp.sum(tnp.astype(kept, DType.i32), axis=-1, keepdims=True), const(size, DType.i32))
    valid = tnp.less(_iota(kept.shape[:-1] + (size,)), count)
    lead = [(0, 0)] * (kept.ndim - 1)
    padded = [tnp.pad(p, [*lead, (0, size - n)]) if size > n else p[..., :size] for p in ordered]
    return [tnp.where(valid, p, const(0, p.dtype)) for p in padded], tnp.reshape(count, kept.shape[:-1])


def _check_thresholds(ctx, soft_nms_sigma) -> None:
    sigma = ctx.constant(5) if soft_nms_sigma else None
    if soft_nms_sigma and (sigma is None or float(sigma) != 0.0):
        raise ShapeError("soft_nms_sigma must be a constant 0 (Soft-NMS is not supported)")
    iou_value = ctx.constant(3)
    if iou_value is not None and not 0 <= float(iou_value) <= 1:
        raise ShapeError(f"iou_threshold must be in [0, 1], got {float(iou_value)}")


def _descending(scores, payloads):
    """``scores`` sorted in descending order along the last axis, lower positions first among equal
    scores (TensorFlow's candidate order), with the payloads in the same order."""
    return tnp.emit_results("tfc.sort", [scores, *payloads], {"dimension": scores.ndim - 1, "descending": True, "is_stable": True})


def _non_max_suppression(with_scores: bool):
    def decompose(ctx, boxes, scores, max_output_size, iou_threshold, score_threshold, *soft_nms_sigma):
        size = _padded_size(ctx)
        if size is None:
            static(ctx, 2, "max_output_size")
            raise data_dependent("the number of selected boxes", "pad_to_max_output_size=True gives a static shape")
        if boxes.dtype is not DType.f32:
            raise ShapeError(f"boxes and scores must be float32, got {boxes.dtype.value}")
        _check_thresholds(ctx, soft_nms_sigma)
        n = boxes.shape[0]
        if n == 0:
            return [*(tnp.broadcast_to(const(0, t.dtype), (size,)) for t in ctx.result_types[:-1]), const(0, DType.i32)]
        corners = [boxes[:, k] for k in range(4)]
        sorted_scores, order, *corners = _descending(scores, [_iota((n,)), *corners])
        suppresses = tnp.greater(iou_matrix(*corners), tnp.astype(iou_threshold, DType.f32))
        kept = greedy_keep(suppresses, tnp.greater(sorted_scores, tnp.astype(score_threshold, DType.f32)))
        selected, count = first_kept(kept, [order, sorted_scores] if with_scores else [order], size)
        return [*selected, count]

    return decompose


# ---- CombinedNonMaxSuppression ------------------------------------------------------------------
def _combined_sizes(ctx, scores) -> tuple[int, int]:
    """(boxes kept per class, detections per batch entry): max_output_size_per_class capped by the
    number of boxes, and max_total_size, capped by per-class * classes when pad_per_class."""
    per_class = scalar_int(static(ctx, 2, "max_output_size_per_class"), "max_output_size_per_class")
    total = scalar_int(static(ctx, 3, "max_total_size"), "max_total_size")
    if per_class < 0 or total <= 0:
        raise ShapeError(f"max_output_size_per_class ({per_class}) must be non-negative and max_total_size ({total}) positive")
    num_boxes, classes = scores.shape[1], scores.shape[2]
    detections = min(total, per_class * classes) if ctx.attrs.get("pad_per_class", False) else total
    return min(per_class, num_boxes), detections


def _combined_type(ctx, boxes, scores, *sizes_and_thresholds):
    if boxes.shape is not None and (len(boxes.shape) != 4 or boxes.shape[3] not in (None, 4)):
        raise ShapeError(f"boxes must have shape [batch, num_boxes, q, 4], got {shape_text(boxes.shape)}")
    if scores.shape is not None and len(scores.shape) != 3:
        raise ShapeError(f"scores must have shape [batch, num_boxes, num_classes], got {shape_text(scores.shape)}")
    batch = None if scores.shape is None else scores.shape[0]
    detections = None
    if scores.shape is not None and None not in scores.shape and ctx.constant(2) is not None and ctx.constant(3) is not None:
        detections = _combined_sizes(ctx, scores)[1]
    return [TensorType(DType.f32, (batch, detections, 4)), TensorType(DType.f32, (batch, detections)),
            TensorType(DType.f32, (batch, detections)), TensorType(DType.i32, (batch,))]


def _class_boxes(boxes, classes: int):
    """The four [batch, classes, boxes] corner coordinates each class's NMS sees (q = 1: shared)."""
    batch, n, q, _ = boxes.shape
    if q not in (1, classes):
        raise ShapeError(f"boxes have q = {q}: it must be 1 or the number of classes ({classes})")
    per_class = tnp.transpose(boxes, (0, 2, 1, 3))  # [batch, q, boxes, 4]
    return [tnp.broadcast_to(per_class[..., k], (batch, classes, n)) for k in range(4)]


def _combined_non_max_suppression(ctx, boxes, scores, max_output_size_per_class, max_total_size, iou_threshold, score_threshold):
    """Per (batch, class): the greedy NMS of V4, kept boxes capped at the per-class size; then per batch
    entry the kept boxes of all classes by descending score (class order among equal scores, which
    TensorFlow's unstable sort leaves unspecified), the first max_total_size of them."""
    per_class, detections = _combined_sizes(ctx, scores)
    batch, n, classes = scores.shape
    if n == 0 or classes == 0 or per_class == 0:
        zeros = [tnp.broadcast_to(const(0, t.dtype), t.shape) for t in ctx.result_types]
        return zeros
    class_scores = tnp.transpose(scores, (0, 2, 1))  # [batch, classes, boxes]
    sorted_scores, *corners = _descending(class_scores, _class_boxes(boxes, classes))
    suppresses = tnp.greater(iou_matrix(*corners), tnp.astype(iou_threshold, DType.f32))
    kept = greedy_keep(suppresses, tnp.greater(sorted_scores, tnp.astype(score_threshold, DType.f32)))
    kept = tnp.logical_and(kept, tnp.less_equal(tnp.cumsum(tnp.astype(kept, DType.i32), axis=2), const(per_class, DType.i32)))
    labels = tnp.astype(_iota((batch, classes, n), axis=1), DType.f32)
    flat = [tnp.reshape(t, (batch, classes * n)) for t in (kept, sorted_scores, labels, *corners)]
    minus_inf = const(-np.inf, DType.f32)
    ranked = _descending(tnp.where(flat[0], flat[1], minus_inf), [tnp.astype(flat[0], DType.i32), *flat[1:]])
    (selected_scores, selected_labels, *selected_corners), count = first_kept(tnp.greater(ranked[1], const(0, DType.i32)), ranked[2:], detections)
    if ctx.attrs.get("clip_boxes", True):
        selected_corners = [tnp.clip(c, 0.0, 1.0) for c in selected_corners]
    return [tnp.stack(selected_corners, axis=-1), selected_scores, selected_labels, count]


tf_op("CombinedNonMaxSuppression", _combined_type, _combined_non_max_suppression,
      outputs=(("nmsed_boxes", 1), ("nmsed_scores", 1), ("nmsed_classes", 1), ("valid_detections", 1)))


# ---- NonMaxSuppression, V2, V3, WithOverlaps: constant inputs only ----------------------------------
def box_iou(boxes: np.ndarray, i: int, j: int) -> np.float32:
    """The kernel's ``IOU`` of boxes i and j in float32: corners in either order, 0 when either is empty."""
    lo = np.minimum(boxes[[i, j], :2], boxes[[i, j], 2:])
    hi = np.maximum(boxes[[i, j], :2], boxes[[i, j], 2:])
    areas = (hi[:, 0] - lo[:, 0]) * (hi[:, 1] - lo[:, 1])
    if areas[0] <= 0 or areas[1] <= 0:
        return np.float32(0)
    extent = np.maximum(np.minimum(hi[0], hi[1]) - np.maximum(lo[0], lo[1]), np.float32(0))
    intersection = extent[0] * extent[1]
    return intersection / (areas[0] + areas[1] - intersection)


def greedy_selection(scores: np.ndarray, similarity, max_output_size: int, threshold: float, score_threshold: float) -> np.ndarray:
    """The indices the kernel selects: candidates (score > score_threshold) by descending score, lower
    index first among equal scores, each kept unless its similarity to a kept one exceeds threshold."""
    order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > np.float32(score_threshold)]
    wanted = min(max_output_size, scores.size)
    selected: list[int] = []
    for i in order:
        if len(selected) >= wanted:
            break
        if all(similarity(i, j) <= np.float32(threshold) for j in selected):
            selected.append(i)
    return np.asarray(selected, np.int32)


def _constant_nms(ctx, name: str, count: int) -> np.ndarray | None:
    """The selection of a NonMaxSuppression (V1-V3) or NonMaxSuppressionWithOverlaps whose ``count``
    inputs are all constants, else None (the number of boxes is then known only at run time)."""
    values = [ctx.constant(k) for k in range(count)]
    if name == "NonMaxSuppression":
        values = values[:3] + [ctx.attrs.get("iou_threshold", 0.5), np.finfo(np.float32).min]
    elif name == "NonMaxSuppressionV2":
        values = values[:4] + [np.finfo(np.float32).min]
    if any(v is None for v in values):
        return None
    first, scores, size, threshold, score_threshold = values
    if name != "NonMaxSuppressionWithOverlaps" and not 0 <= float(threshold) <= 1:
        raise ShapeError(f"iou_threshold must be in [0, 1], got {float(threshold)}")
    first, scores = np.asarray(first, np.float32), np.asarray(scores, np.float32)
    if name == "NonMaxSuppressionWithOverlaps":
        similarity = lambda i, j: first[i, j]
    else:
        similarity = lambda i, j: box_iou(first, i, j)
    return greedy_selection(scores, similarity, scalar_int(size, "max_output_size"), float(threshold), float(score_threshold))


def _unpadded(name: str):
    """An NMS form without a padded output: constant inputs fold to the selection; others are errors."""

    def infer(ctx, *operands):
        selected = _constant_nms(ctx, name, len(operands))
        return TensorType(DType.i32, (None if selected is None else selected.size,))

    def decompose(ctx, *operands):
        selected = _constant_nms(ctx, name, len(operands))
        if selected is None:
            raise data_dependent("the number of selected boxes", f"{name} has no padded form, NonMaxSuppressionV4 and V5 with "
                                 "pad_to_max_output_size=True have one; constant inputs fold")
        return [const(selected, DType.i32)]

    tf_op(name, infer, decompose, outputs=(("selected_indices", 1),))


tf_op("NonMaxSuppressionV4", _nms_types(False), _non_max_suppression(False),
      outputs=(("selected_indices", 1), ("valid_outputs", 1)))
tf_op("NonMaxSuppressionV5", _nms_types(True), _non_max_suppression(True),
      outputs=(("selected_indices", 1), ("selected_scores", 1), ("valid_outputs", 1)))
_unpadded("NonMaxSuppression")
_unpadded("NonMaxSuppressionV2")
_unpadded("NonMaxSuppressionV3")
_unpadded("NonMaxSuppressionWithOverlaps")
