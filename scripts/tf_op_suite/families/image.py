"""Image ops (NHWC): ResizeBilinear, ResizeNearestNeighbor, ResizeBicubic and their gradients with every
align_corners/half_pixel_centers combination TensorFlow accepts (upsampling, downsampling, odd
ratios, integer and float images); CropAndResize; ExtractImagePatches, ExtractVolumePatches;
NonMaxSuppressionV4/V5 padded to max_output_size; NonMaxSuppression, V2, V3 and WithOverlaps (unpadded:
constant inputs, which fold); CombinedNonMaxSuppression."""

import numpy as np
from spec import case, const, f32, f64, family, i32, i32v

family("image")

FLAGS = {"legacy": {}, "align": {"align_corners": True}, "half": {"half_pixel_centers": True}}
SIZES = {"up": ([1, 3, 4, 2], [5, 7]), "down": ([2, 6, 5, 1], [4, 2]), "odd": ([1, 4, 3, 3], [3, 7]),
         "one": ([1, 3, 3, 1], [1, 1])}

# ---- ResizeBilinear, ResizeNearestNeighbor --------------------------------------------------------
for flags_name, flags in FLAGS.items():
    for size_name, (shape, size) in SIZES.items():
        variant = f"{size_name}_{flags_name}"
        case("ResizeBilinear", variant, images=f32(*shape), size=const(i32v(size)), **flags)
        case("ResizeNearestNeighbor", variant, images=f32(*shape), size=const(i32v(size)), **flags)
        case("ResizeBicubic", variant, images=f32(*shape), size=const(i32v(size)), **flags)
    case("ResizeBilinear", f"int_{flags_name}", images=i32(1, 3, 3, 2, low=-50, high=50), size=const(i32v([4, 5])), **flags)
    case("ResizeNearestNeighbor", f"int_{flags_name}", images=i32(2, 3, 4, 1), size=const(i32v([5, 3])), **flags)
case("ResizeBicubic", "int_half", images=i32(1, 4, 3, 2, low=-50, high=50), size=const(i32v([7, 5])), half_pixel_centers=True)
case("ResizeBicubic", "f64_wide", images=f64(1, 2, 6, 1), size=const(i32v([3, 11])))
case("ResizeBicubicGrad", "f64_half", grads=f32(1, 5, 7, 2), original_image=f64(1, 3, 4, 2), half_pixel_centers=True)
case("ResizeBilinear", "f64_same_size", images=f64(1, 3, 4, 2), size=const(i32v([3, 4])))
case("ResizeBilinear", "empty_batch", images=np.zeros((0, 2, 2, 3), np.float32), size=const(i32v([3, 3])))
case("ResizeNearestNeighbor", "f64_same_size", images=f64(1, 3, 4, 2), size=const(i32v([3, 4])), half_pixel_centers=True)

# ---- ResizeBilinearGrad, ResizeNearestNeighborGrad ------------------------------------------------
for flags_name, flags in FLAGS.items():
    for size_name, (shape, size) in SIZES.items():
        variant = f"{size_name}_{flags_name}"
        grads = f32(shape[0], size[0], size[1], shape[3])
        case("ResizeBilinearGrad", variant, grads=grads, original_image=f32(*shape), **flags)
        case("ResizeNearestNeighborGrad", variant, grads=grads, size=const(i32v(shape[1:3])), **flags)
        case("ResizeBicubicGrad", variant, grads=grads, original_image=f32(*shape), **flags)
case("ResizeBilinearGrad", "f64", grads=f32(1, 5, 3, 2), original_image=f64(1, 3, 2, 2), half_pixel_centers=True)
case("ResizeNearestNeighborGrad", "i32", grads=i32(1, 5, 3, 2), size=const(i32v([2, 2])))
case("ResizeNearestNeighborGrad", "f64", grads=f64(2, 2, 5, 1), size=const(i32v([3, 3])), align_corners=True)

# ---- CropAndResize --------------------------------------------------------------------------------
BOXES = np.array([[0.1, 0.2, 0.8, 0.9], [0.0, 0.0, 1.0, 1.0], [0.5, 0.6, 0.2, 0.1], [-0.3, 0.4, 1.2, 1.5]], np.float32)
for method in ["bilinear", "nearest"]:
    case("CropAndResize", f"{method}_fed_boxes", image=f32(2, 5, 6, 3), boxes=BOXES, box_ind=i32v([1, 0, 1, 0]),
         crop_size=const(i32v([3, 4])), method=method)
    case("CropAndResize", f"{method}_extrapolated", image=f32(1, 4, 4, 1), boxes=const(BOXES), box_ind=const(i32v([0] * 4)),
         crop_size=const(i32v([5, 2])), method=method, extrapolation_value=-1.5)
    case("CropAndResize", f"{method}_crop_1x1", image=i32(2, 3, 5, 2), boxes=BOXES[:2], box_ind=i32v([0, 1]),
         crop_size=const(i32v([1, 1])), method=method)
    case("CropAndResize", f"{method}_f64", image=f64(1, 6, 4, 2), boxes=BOXES[:3], box_ind=i32v([0, 0, 0]),
         crop_size=const(i32v([2, 3])), method=method)
case("CropAndResize", "no_boxes", image=f32(1, 3, 3, 2), boxes=np.zeros((0, 4), np.float32), box_ind=np.zeros((0,), np.int32),
     crop_size=const(i32v([2, 2])))

# ---- NonMaxSuppressionV4, V5 padded to max_output_size ---------------------------------------------
# Overlapping clusters, equal scores (lower index first), flipped corners, an empty box, scores under
# the threshold; max_output_size below, at and above the number of boxes.
NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [1, 10.1, 0, 11.1],
                      [0, 100, 1, 101], [0.5, 0.5, 0.5, 0.7], [0, 0, 1, 1]], np.float32)
NMS_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.8, 0.9], np.float32)


def nms_case(op, variant, boxes, scores, size, iou=0.5, score=float("-inf"), **inputs):
    case(op, variant, boxes=boxes, scores=scores, max_output_size=const(np.int32(size)), iou_threshold=np.float32(iou),
         score_threshold=np.float32(score), pad_to_max_output_size=True, **inputs)


V5 = {"soft_nms_sigma": const(np.float32(0))}
nms_case("NonMaxSuppressionV4", "clusters", NMS_BOXES, NMS_SCORES, 5)
nms_case("NonMaxSuppressionV4", "pad_past_boxes", NMS_BOXES, NMS_SCORES, 12)
nms_case("NonMaxSuppressionV4", "iou_0_keeps_disjoint", NMS_BOXES, NMS_SCORES, 8, iou=0.0)
nms_case("NonMaxSuppressionV4", "iou_1_keeps_all_but_duplicates", NMS_BOXES, NMS_SCORES, 8, iou=1.0)
nms_case("NonMaxSuppressionV4", "random", f32(20, 4, low=0, high=3), f32(20, low=0, high=1), 6, iou=0.2)
nms_case("NonMaxSuppressionV4", "none_selected", NMS_BOXES, NMS_SCORES, 3, score=2.0)
nms_case("NonMaxSuppressionV4", "max_0", NMS_BOXES, NMS_SCORES, 0)
nms_case("NonMaxSuppressionV4", "no_boxes", np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), 3)
# ---- NonMaxSuppression, V2, V3, WithOverlaps: unpadded, so only constant inputs compile (they fold) --
def unpadded_case(op, variant, boxes, scores, size, **thresholds):
    case(op, variant, boxes=const(boxes), scores=const(scores), max_output_size=const(np.int32(size)), **thresholds)


unpadded_case("NonMaxSuppression", "clusters", NMS_BOXES, NMS_SCORES, 5)
unpadded_case("NonMaxSuppression", "iou_0_keeps_disjoint", NMS_BOXES, NMS_SCORES, 8, iou_threshold=0.0)
unpadded_case("NonMaxSuppressionV2", "clusters", NMS_BOXES, NMS_SCORES, 12, iou_threshold=const(np.float32(0.5)))
unpadded_case("NonMaxSuppressionV2", "random", f32(20, 4, low=0, high=3), f32(20, low=0, high=1), 6, iou_threshold=const(np.float32(0.2)))
unpadded_case("NonMaxSuppressionV3", "score_threshold", NMS_BOXES, NMS_SCORES, 8, iou_threshold=const(np.float32(0.5)),
              score_threshold=const(np.float32(0.7)))
unpadded_case("NonMaxSuppressionV3", "iou_1_keeps_all_but_duplicates", NMS_BOXES, NMS_SCORES, 8,
              iou_threshold=const(np.float32(1.0)), score_threshold=const(np.float32(-np.inf)))
unpadded_case("NonMaxSuppressionV3", "no_boxes", np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), 3,
              iou_threshold=const(np.float32(0.5)), score_threshold=const(np.float32(0)))
OVERLAPS = f32(8, 8, low=0, high=1)
for variant, threshold, score in (("threshold_0.5", 0.5, -np.inf), ("score_threshold", 0.3, 0.7)):
    case("NonMaxSuppressionWithOverlaps", variant, overlaps=const(OVERLAPS), scores=const(NMS_SCORES), max_output_size=const(np.int32(6)),
         overlap_threshold=const(np.float32(threshold)), score_threshold=const(np.float32(score)))
# V5 shares V4's code (with soft_nms_sigma = 0) and adds the selected scores.
nms_case("NonMaxSuppressionV5", "clusters", NMS_BOXES, NMS_SCORES, 5, **V5)
nms_case("NonMaxSuppressionV5", "score_threshold", const(NMS_BOXES), NMS_SCORES, 8, iou=0.3, score=0.7, **V5)
nms_case("NonMaxSuppressionV5", "random_pad_past_boxes", f32(6, 4, low=0, high=3), f32(6, low=0, high=1), 9, iou=0.2, **V5)
nms_case("NonMaxSuppressionV5", "no_boxes", np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), 2, **V5)

# ---- ExtractImagePatches, ExtractVolumePatches ----------------------------------------------------
def patches(variant, images, k, s, r, padding, op="ExtractImagePatches"):
    if op == "ExtractImagePatches":
        case(op, variant, images=images, ksizes=[1, *k, 1], strides=[1, *s, 1], rates=[1, *r, 1], padding=padding)
    else:
        case(op, variant, input=images, ksizes=[1, *k, 1], strides=[1, *s, 1], padding=padding)


patches("valid_2x2", f32(1, 4, 5, 2), (2, 2), (1, 1), (1, 1), "VALID")
patches("same_3x2_strided", f32(2, 5, 6, 3), (3, 2), (2, 3), (1, 1), "SAME")
patches("valid_dilated_i32", i32(1, 6, 6, 1), (2, 3), (2, 1), (2, 2), "VALID")
patches("same_dilated_f64", f64(1, 4, 4, 2), (2, 2), (3, 2), (2, 3), "SAME")
patches("window_larger_than_image", f32(1, 2, 3, 1), (3, 3), (1, 1), (1, 1), "VALID")
patches("empty_batch", np.zeros((0, 3, 3, 2), np.float32), (2, 2), (1, 1), (1, 1), "SAME")
patches("valid_2x2x2", f32(1, 3, 4, 3, 2), (2, 2, 2), (1, 2, 1), None, "VALID", op="ExtractVolumePatches")
patches("same_strided", f64(2, 4, 3, 5, 1), (3, 1, 2), (2, 1, 3), None, "SAME", op="ExtractVolumePatches")

# ---- CombinedNonMaxSuppression ---------------------------------------------------------------------
# Distinct scores: TensorFlow merges the classes with an unstable sort, so equal scores have no order.
def combined_scores(*shape):
    return lambda: (np.random.default_rng(int(np.prod(shape))).permutation(int(np.prod(shape))).reshape(shape) / np.prod(shape)).astype(np.float32)


def combined_case(variant, boxes, scores, per_class, total, iou=0.5, score=0.0, **attrs):
    case("CombinedNonMaxSuppression", variant, boxes=boxes, scores=scores, max_output_size_per_class=const(np.int32(per_class)),
         max_total_size=const(np.int32(total)), iou_threshold=np.float32(iou), score_threshold=np.float32(score), **attrs)


combined_case("shared_boxes", f32(2, 12, 1, 4, low=-0.2, high=1.2), combined_scores(2, 12, 3), 4, 7)
combined_case("per_class_boxes", f32(1, 10, 2, 4, low=0, high=1), combined_scores(1, 10, 2), 3, 10, iou=0.3, score=0.2)
combined_case("pad_per_class", f32(2, 8, 1, 4, low=0, high=1), combined_scores(2, 8, 2), 2, 20, pad_per_class=True)
combined_case("no_clip", f32(1, 6, 1, 4, low=-1, high=2), combined_scores(1, 6, 2), 5, 4, iou=0.1, clip_boxes=False)
CLUSTER_SCORES = NMS_SCORES.reshape(1, 8, 1) * np.array([1, 0.5], np.float32) + np.arange(16, dtype=np.float32).reshape(1, 8, 2) * 1e-3
combined_case("clusters", NMS_BOXES.reshape(1, 8, 1, 4), CLUSTER_SCORES, 3, 6, score=0.2)
