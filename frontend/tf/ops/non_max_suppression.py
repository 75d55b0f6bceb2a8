"""TensorFlow's greedy non-max suppression: NonMaxSuppressionV4 and V5 with
``pad_to_max_output_size=True``, whose outputs have the static size ``max_output_size``.

The other forms (NonMaxSuppression, V2, V3, NonMaxSuppressionWithOverlaps, unpadded V4/V5) return
as many indices as boxes survive, a data-dependent shape, and are errors at legalization.

The CPU kernel takes candidates (score > score_threshold) in descending score order, lower index
first among equal scores, and keeps one unless its IoU with a box kept before exceeds
iou_threshold, until it has max_output_size boxes. Here the boxes are sorted once (a stable sort
keeps TensorFlow's tie order), the IoU matrix of the sorted boxes is computed with the kernel's
float32 arithmetic, and one ``tfc.while`` walks the candidates in order, each deciding from the
boxes kept so far. The first max_output_size kept boxes are the kernel's selection: later
decisions never change earlier ones. Soft-NMS (soft_nms_sigma > 0) re-queues boxes with decayed
scores and is not supported.
"""

from __future__ import annotations

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


def iou_matrix(boxes):
    """IoU of every pair of [n, 4] boxes, [candidate, other], as the kernel's ``IOU`` computes it:
    corners in either order, 0 when either box is empty."""
    y_lo, x_lo = tnp.minimum(boxes[:, 0], boxes[:, 2]), tnp.minimum(boxes[:, 1], boxes[:, 3])
    y_hi, x_hi = tnp.maximum(boxes[:, 0], boxes[:, 2]), tnp.maximum(boxes[:, 1], boxes[:, 3])
    area = (y_hi - y_lo) * (x_hi - x_lo)
    rows, cols = (lambda t: tnp.expand_dims(t, 1)), (lambda t: tnp.expand_dims(t, 0))
    zero = const(0, DType.f32)
    height = tnp.maximum(tnp.minimum(rows(y_hi), cols(y_hi)) - tnp.maximum(rows(y_lo), cols(y_lo)), zero)
    width = tnp.maximum(tnp.minimum(rows(x_hi), cols(x_hi)) - tnp.maximum(rows(x_lo), cols(x_lo)), zero)
    intersection = height * width
    union = rows(area) + cols(area) - intersection
    nonempty = tnp.logical_and(tnp.greater(rows(area), zero), tnp.greater(cols(area), zero))
    return tnp.where(nonempty, intersection / tnp.where(nonempty, union, const(1, DType.f32)), zero)


def _iota(n: int):
    return tnp.emit("tfc.iota", [], {"iota_dimension": 0}, [TensorType(DType.i32, (n,))])


def greedy_keep(suppresses, candidate):
    """Which sorted boxes the greedy pass keeps: box i if it is a candidate and no kept box before
    it suppresses it (``suppresses[i, j]``: the IoU of i and j is over the threshold)."""
    n = candidate.shape[0]
    position = _iota(n)

    def visit(i, kept):
        blocked = tnp.any(tnp.logical_and(tnp.take(suppresses, i, 0), kept))
        keep_i = tnp.logical_and(tnp.take(candidate, i, 0), tnp.logical_not(blocked))
        return tnp.logical_or(kept, tnp.logical_and(tnp.equal(position, i), keep_i))

    return fori_loop(0, n, visit, tnp.broadcast_to(const(False, DType.bool), (n,)))


def _first_kept(kept, payloads, size: int):
    """The payloads of the first ``size`` kept boxes in order, zero-padded, and how many there are."""
    n = kept.shape[0]
    position = _iota(n)
    key = tnp.where(kept, position, position + const(n, DType.i32))
    _, *ordered = tnp.emit_results("tfc.sort", [key, *payloads], {"dimension": 0, "is_stable": True})
    count = tnp.minimum(tnp.sum(tnp.astype(kept, DType.i32)), const(size, DType.i32))
    valid = tnp.less(_iota(size), count)
    padded = [tnp.pad(p, [(0, size - n)]) if size > n else p[:size] for p in ordered]
    return [tnp.where(valid, p, const(0, p.dtype)) for p in padded], count


def _non_max_suppression(with_scores: bool):
    def decompose(ctx, boxes, scores, max_output_size, iou_threshold, score_threshold, *soft_nms_sigma):
        size = _padded_size(ctx)
        if size is None:
            static(ctx, 2, "max_output_size")
            raise data_dependent("the number of selected boxes", "pad_to_max_output_size=True gives a static shape")
        if boxes.dtype is not DType.f32:
            raise ShapeError(f"boxes and scores must be float32, got {boxes.dtype.value}")
        sigma = ctx.constant(5) if soft_nms_sigma else None
        if soft_nms_sigma and (sigma is None or float(sigma) != 0.0):
            raise ShapeError("soft_nms_sigma must be a constant 0 (Soft-NMS is not supported)")
        iou_value = ctx.constant(3)
        if iou_value is not None and not 0 <= float(iou_value) <= 1:
            raise ShapeError(f"iou_threshold must be in [0, 1], got {float(iou_value)}")
        n = boxes.shape[0]
        if n == 0:
            return [*(tnp.broadcast_to(const(0, t.dtype), (size,)) for t in ctx.result_types[:-1]), const(0, DType.i32)]
        sorted_scores, order = tnp.emit_results("tfc.sort", [scores, _iota(n)], {"dimension": 0, "descending": True, "is_stable": True})
        suppresses = tnp.greater(iou_matrix(tnp.take(boxes, order, 0)), tnp.astype(iou_threshold, DType.f32))
        kept = greedy_keep(suppresses, tnp.greater(sorted_scores, tnp.astype(score_threshold, DType.f32)))
        selected, count = _first_kept(kept, [order, sorted_scores] if with_scores else [order], size)
        return [*selected, count]

    return decompose


def _unpadded(name: str):
    def decompose(ctx, *operands):
        raise data_dependent("the number of selected boxes", f"{name} has no padded form, NonMaxSuppressionV4 and V5 with "
                             "pad_to_max_output_size=True have one")

    tf_op(name, lambda ctx, *operands: TensorType(DType.i32, (None,)), decompose, outputs=(("selected_indices", 1),))


tf_op("NonMaxSuppressionV4", _nms_types(False), _non_max_suppression(False),
      outputs=(("selected_indices", 1), ("valid_outputs", 1)))
tf_op("NonMaxSuppressionV5", _nms_types(True), _non_max_suppression(True),
      outputs=(("selected_indices", 1), ("selected_scores", 1), ("valid_outputs", 1)))
_unpadded("NonMaxSuppression")
_unpadded("NonMaxSuppressionV2")
_unpadded("NonMaxSuppressionV3")
_unpadded("NonMaxSuppressionWithOverlaps")
