"""Neural-network ops: convolutions (and their input gradients), pooling, batch normalization, LRN,
bias, softmax and the losses built on it.

TensorFlow's CPU kernels refuse some layouts (NCHW convolution and pooling): the generator reports
those cases and leaves them out, so the NCHW variants here are the ones a CPU can record.
"""

import numpy as np
from spec import case, const, f16, f32, f64, family, i32, i32v, i64, i64v, ints

family("nn")

CONV_TOL = dict(rtol=1e-4, atol=1e-5)
S1 = [1, 1, 1, 1]

# ---- Conv2D ---------------------------------------------------------------------------------------
case("Conv2D", "same", **CONV_TOL, input=f32(1, 5, 5, 2), filter=f32(3, 3, 2, 4), strides=S1, padding="SAME")
case("Conv2D", "valid_stride2", **CONV_TOL, input=f32(2, 7, 6, 3), filter=f32(3, 2, 3, 2), strides=[1, 2, 2, 1], padding="VALID")
case("Conv2D", "same_stride2_even", **CONV_TOL, input=f32(1, 6, 6, 1), filter=f32(2, 2, 1, 3), strides=[1, 2, 2, 1], padding="SAME")
case("Conv2D", "dilation2", **CONV_TOL, input=f32(1, 7, 7, 2), filter=f32(3, 3, 2, 2), strides=S1, padding="SAME", dilations=[1, 2, 2, 1])
case("Conv2D", "dilation_valid_rect", **CONV_TOL, input=f32(1, 8, 6, 1), filter=f32(2, 3, 1, 2), strides=S1, padding="VALID", dilations=[1, 3, 1, 1])
case("Conv2D", "explicit", **CONV_TOL, input=f32(1, 4, 5, 2), filter=f32(3, 3, 2, 3), strides=[1, 1, 2, 1], padding="EXPLICIT",
     explicit_paddings=[0, 0, 1, 2, 0, 1, 0, 0])
case("Conv2D", "f64", input=f64(1, 4, 4, 2), filter=f64(2, 2, 2, 2), strides=S1, padding="VALID")
case("Conv2D", "f16", input=f16(1, 4, 4, 2), filter=f16(2, 2, 2, 2), strides=S1, padding="SAME")
case("Conv2D", "nchw", **CONV_TOL, input=f32(1, 2, 5, 5), filter=f32(3, 3, 2, 3), strides=S1, padding="SAME", data_format="NCHW")
# No empty-batch Conv2D: TensorFlow 2.21's CPU kernel returns a (0, 4, 4, 2) result for a (0, 4, 4, 2) input and a
# 2x2x2x3 VALID filter, not the (0, 3, 3, 3) its own shape function (and tfc) give.
case("Conv2D", "grouped", **CONV_TOL, input=f32(1, 5, 5, 4), filter=f32(3, 3, 2, 6), strides=S1, padding="SAME")

# ---- Conv3D ---------------------------------------------------------------------------------------
S3 = [1, 1, 1, 1, 1]
case("Conv3D", "same", **CONV_TOL, input=f32(1, 4, 4, 4, 2), filter=f32(2, 3, 3, 2, 3), strides=S3, padding="SAME")
case("Conv3D", "valid_stride2", **CONV_TOL, input=f32(2, 5, 6, 5, 1), filter=f32(3, 2, 3, 1, 2), strides=[1, 2, 2, 1, 1], padding="VALID")
case("Conv3D", "dilation", **CONV_TOL, input=f32(1, 6, 5, 5, 1), filter=f32(2, 2, 2, 1, 2), strides=S3, padding="VALID", dilations=[1, 2, 1, 2, 1])
case("Conv3D", "f64", input=f64(1, 3, 3, 3, 2), filter=f64(2, 2, 2, 2, 2), strides=S3, padding="SAME")
case("Conv3D", "ncdhw", **CONV_TOL, input=f32(1, 2, 4, 4, 4), filter=f32(2, 2, 2, 2, 2), strides=S3, padding="SAME", data_format="NCDHW")

# ---- DepthwiseConv2dNative ------------------------------------------------------------------------
case("DepthwiseConv2dNative", "same", **CONV_TOL, input=f32(1, 5, 5, 3), filter=f32(3, 3, 3, 1), strides=S1, padding="SAME")
case("DepthwiseConv2dNative", "multiplier2_valid", **CONV_TOL, input=f32(2, 6, 5, 2), filter=f32(2, 3, 2, 2), strides=S1, padding="VALID")
case("DepthwiseConv2dNative", "stride2", **CONV_TOL, input=f32(1, 7, 7, 2), filter=f32(3, 3, 2, 3), strides=[1, 2, 2, 1], padding="SAME")
case("DepthwiseConv2dNative", "dilation2", **CONV_TOL, input=f32(1, 7, 7, 2), filter=f32(3, 3, 2, 1), strides=S1, padding="SAME", dilations=[1, 2, 2, 1])
case("DepthwiseConv2dNative", "explicit", **CONV_TOL, input=f32(1, 4, 4, 2), filter=f32(2, 2, 2, 2), strides=S1, padding="EXPLICIT",
     explicit_paddings=[0, 0, 1, 0, 2, 1, 0, 0])
case("DepthwiseConv2dNative", "f64", input=f64(1, 4, 4, 2), filter=f64(2, 2, 2, 1), strides=S1, padding="VALID")
case("DepthwiseConv2dNative", "nchw", **CONV_TOL, input=f32(1, 2, 5, 5), filter=f32(3, 3, 2, 2), strides=S1, padding="SAME", data_format="NCHW")

# ---- input gradients of the convolutions ----------------------------------------------------------
case("Conv2DBackpropInput", "same_stride1", **CONV_TOL, input_sizes=const(i32v([1, 5, 5, 2])), filter=f32(3, 3, 2, 4),
     out_backprop=f32(1, 5, 5, 4), strides=S1, padding="SAME")
case("Conv2DBackpropInput", "valid_stride2_rect_filter", **CONV_TOL, input_sizes=const(i32v([2, 7, 6, 3])), filter=f32(3, 2, 3, 2),
     out_backprop=f32(2, 3, 3, 2), strides=[1, 2, 2, 1], padding="VALID")
case("Conv2DBackpropInput", "same_stride2_odd", **CONV_TOL, input_sizes=const(i32v([1, 7, 7, 1])), filter=f32(3, 3, 1, 2),
     out_backprop=f32(1, 4, 4, 2), strides=[1, 2, 2, 1], padding="SAME")
case("Conv2DBackpropInput", "dilated", **CONV_TOL, input_sizes=const(i32v([1, 7, 7, 2])), filter=f32(3, 3, 2, 2),
     out_backprop=f32(1, 7, 7, 2), strides=S1, padding="SAME", dilations=[1, 2, 2, 1])
case("Conv2DBackpropInput", "explicit_pads", **CONV_TOL, input_sizes=const(i32v([1, 4, 5, 2])), filter=f32(3, 3, 2, 3),
     out_backprop=f32(1, 5, 2, 3), strides=[1, 1, 2, 1], padding="EXPLICIT", explicit_paddings=[0, 0, 1, 2, 0, 1, 0, 0])
case("Conv2DBackpropInput", "nchw", **CONV_TOL, input_sizes=const(i32v([1, 2, 5, 5])), filter=f32(3, 3, 2, 3),
     out_backprop=f32(1, 3, 5, 5), strides=S1, padding="SAME", data_format="NCHW")
case("Conv3DBackpropInputV2", "same_rect_filter", **CONV_TOL, input_sizes=const(i32v([1, 4, 4, 4, 2])), filter=f32(2, 3, 3, 2, 3),
     out_backprop=f32(1, 4, 4, 4, 3), strides=S3, padding="SAME")
case("Conv3DBackpropInputV2", "valid_stride2_batch2", **CONV_TOL, input_sizes=const(i32v([2, 5, 6, 5, 1])), filter=f32(3, 2, 3, 1, 2),
     out_backprop=f32(2, 2, 3, 3, 2), strides=[1, 2, 2, 1, 1], padding="VALID")
case("Conv3DBackpropInputV2", "i64_sizes", **CONV_TOL, input_sizes=const(i64v([1, 3, 3, 3, 2])),
     filter=f32(2, 2, 2, 2, 2), out_backprop=f32(1, 3, 3, 3, 2), strides=S3, padding="SAME")
case("DepthwiseConv2dNativeBackpropInput", "same_3x3", **CONV_TOL, input_sizes=const(i32v([1, 5, 5, 3])), filter=f32(3, 3, 3, 1),
     out_backprop=f32(1, 5, 5, 3), strides=S1, padding="SAME")
case("DepthwiseConv2dNativeBackpropInput", "multiplier2_stride2", **CONV_TOL, input_sizes=const(i32v([1, 7, 7, 2])),
     filter=f32(3, 3, 2, 2), out_backprop=f32(1, 4, 4, 4), strides=[1, 2, 2, 1], padding="SAME")
case("DepthwiseConv2dNativeBackpropInput", "valid_batch2", **CONV_TOL, input_sizes=const(i32v([2, 6, 5, 2])), filter=f32(2, 3, 2, 1),
     out_backprop=f32(2, 5, 3, 2), strides=S1, padding="VALID")

# ---- pooling --------------------------------------------------------------------------------------
case("MaxPool", "valid_2x2", input=f32(1, 4, 4, 2), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
case("MaxPool", "same_3x3_stride2", input=f32(2, 5, 5, 3), ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME")
case("MaxPool", "rect_stride1", input=f32(1, 5, 6, 1), ksize=[1, 2, 3, 1], strides=S1, padding="VALID")
case("MaxPool", "explicit", input=f32(1, 4, 4, 1), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="EXPLICIT",
     explicit_paddings=[0, 0, 1, 1, 0, 1, 0, 0])
case("MaxPool", "f64", input=f64(1, 4, 4, 2), ksize=[1, 2, 2, 1], strides=[1, 1, 1, 1], padding="SAME")
case("MaxPool", "i32", input=i32(1, 4, 4, 2), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
case("MaxPool", "nchw", input=f32(1, 2, 4, 4), ksize=[1, 1, 2, 2], strides=[1, 1, 2, 2], padding="VALID", data_format="NCHW")
case("MaxPoolV2", "const_ksize", input=f32(1, 5, 5, 2), ksize=const(i32v([1, 3, 3, 1])), strides=const(i32v([1, 2, 2, 1])), padding="SAME")
case("MaxPoolV2", "valid", input=f32(2, 4, 6, 1), ksize=const(i32v([1, 2, 2, 1])), strides=const(i32v([1, 1, 2, 1])), padding="VALID")
case("MaxPool3D", "valid", input=f32(1, 4, 4, 4, 2), ksize=[1, 2, 2, 2, 1], strides=[1, 2, 2, 2, 1], padding="VALID")
case("MaxPool3D", "same_stride1", input=f32(1, 3, 4, 3, 1), ksize=[1, 2, 3, 2, 1], strides=S3, padding="SAME")
case("AvgPool", "valid_2x2", value=f32(1, 4, 4, 2), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
case("AvgPool", "same_3x3_stride2", **CONV_TOL, value=f32(2, 5, 5, 3), ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME")
case("AvgPool", "same_stride1_edges", **CONV_TOL, value=f32(1, 4, 5, 1), ksize=[1, 3, 2, 1], strides=S1, padding="SAME")
case("AvgPool", "f64", value=f64(1, 4, 4, 1), ksize=[1, 2, 2, 1], strides=[1, 1, 1, 1], padding="VALID")
case("AvgPool", "nchw", value=f32(1, 2, 4, 4), ksize=[1, 1, 2, 2], strides=[1, 1, 2, 2], padding="VALID", data_format="NCHW")
case("AvgPool3D", "valid", input=f32(1, 4, 4, 4, 2), ksize=[1, 2, 2, 2, 1], strides=[1, 2, 2, 2, 1], padding="VALID")
case("AvgPool3D", "same_edges", **CONV_TOL, input=f32(1, 3, 4, 3, 1), ksize=[1, 2, 3, 2, 1], strides=S3, padding="SAME")

# ---- batch normalization --------------------------------------------------------------------------
BN_TOL = dict(rtol=1e-4, atol=1e-4)
BN_OUTPUTS = [0, 1, 2]  # y, batch mean, batch variance (the reserve spaces are each kernel's own)
for op in ["FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"]:
    case(op, "inference", **BN_TOL, outputs=BN_OUTPUTS, x=f32(2, 3, 3, 4), scale=f32(4), offset=f32(4), mean=f32(4),
         variance=f32(4, low=0.5, high=2), is_training=False, epsilon=0.001)
    case(op, "training", **BN_TOL, outputs=BN_OUTPUTS, x=f32(2, 3, 3, 4), scale=f32(4), offset=f32(4), mean=f32(0),
         variance=f32(0), is_training=True)
    case(op, "nchw_inference", **BN_TOL, outputs=BN_OUTPUTS, x=f32(2, 3, 2, 2), scale=f32(3), offset=f32(3), mean=f32(3),
         variance=f32(3, low=0.5, high=2), is_training=False, data_format="NCHW")
case("FusedBatchNormV3", "nchw_training", **BN_TOL, outputs=BN_OUTPUTS, x=f32(2, 3, 2, 2), scale=f32(3), offset=f32(3),
     mean=f32(0), variance=f32(0), is_training=True, data_format="NCHW")
case("FusedBatchNormV3", "training_running_average", **BN_TOL, outputs=BN_OUTPUTS, x=f32(4, 2, 2, 3), scale=f32(3),
     offset=f32(3), mean=f32(3), variance=f32(3, low=0.5, high=2), is_training=True, exponential_avg_factor=0.25)
case("FusedBatchNormV3", "f16_inference", rtol=1e-2, atol=1e-2, outputs=BN_OUTPUTS, x=f16(1, 2, 2, 3), scale=f32(3),
     offset=f32(3), mean=f32(3), variance=f32(3, low=0.5, high=2), is_training=False)
case("FusedBatchNormV3", "ndhwc_training", **BN_TOL, outputs=BN_OUTPUTS, x=f32(2, 2, 2, 2, 3), scale=f32(3), offset=f32(3),
     mean=f32(0), variance=f32(0), is_training=True, data_format="NDHWC")

# ---- LRN, bias, softmax, losses -------------------------------------------------------------------
case("LRN", "defaults", **CONV_TOL, input=f32(1, 2, 2, 6))
case("LRN", "radius2", **CONV_TOL, input=f32(2, 3, 3, 7), depth_radius=2, bias=2.0, alpha=0.1, beta=0.75)
case("LRN", "wide_radius", **CONV_TOL, input=f32(1, 1, 2, 4), depth_radius=5, bias=1.0, alpha=0.5, beta=0.5)
case("BiasAdd", "nhwc", value=f32(2, 3, 3, 4), bias=f32(4))
case("BiasAdd", "nchw", value=f32(2, 4, 3, 3), bias=f32(4), data_format="NCHW")
case("BiasAdd", "matrix", value=f32(3, 5), bias=f32(5))
case("BiasAdd", "i32", value=i32(2, 3), bias=i32(3))
case("BiasAdd", "f64_rank5_ncdhw", value=f64(1, 2, 2, 2, 3), bias=f64(2), data_format="NCHW")
case("BiasAdd", "empty", value=f32(0, 3), bias=f32(3))
case("BiasAddV1", "matrix", value=f32(3, 5), bias=f32(5))
case("BiasAddV1", "rank4", value=f64(1, 2, 2, 3), bias=f64(3))
case("Softmax", "matrix", logits=f32(3, 5))
case("Softmax", "rank3_large", logits=f32(2, 2, 4, low=-50, high=50))
case("Softmax", "f64_vector", logits=f64(6))
case("Softmax", "f16", logits=f16(2, 4))
case("Softmax", "empty_batch", logits=f32(0, 4))
case("LogSoftmax", "matrix", logits=f32(3, 5))
case("LogSoftmax", "rank3_large", logits=f32(2, 2, 4, low=-50, high=50))
case("LogSoftmax", "f64_vector", logits=f64(6))
case("LeakyRelu", "default_alpha", features=f32(3, 4))
case("LeakyRelu", "alpha_0_3_f64", features=f64(5), alpha=0.3)
case("LeakyRelu", "alpha_above_one", features=f32(2, 3), alpha=1.5)
case("L2Loss", "f32_matrix", t=f32(3, 4))
case("SoftmaxCrossEntropyWithLogits", "f32_matrix", rtol=1e-5, atol=1e-6,
     features=f32(3, 4), labels=lambda: np.asarray([[0.25] * 4, [1, 0, 0, 0], [0.1, 0.2, 0.3, 0.4]], np.float32))
case("SparseSoftmaxCrossEntropyWithLogits", "i32_labels", rtol=1e-5, atol=1e-6, features=f32(4, 5), labels=i32(4, low=0, high=5))
case("SparseSoftmaxCrossEntropyWithLogits", "i64_labels_f32", rtol=1e-5, atol=1e-6, features=f32(3, 3), labels=i64(3, low=0, high=3))

# ---- edge cases: padding that must not win a max, layouts with strides, special values -------------
case("Conv2D", "explicit_dilated", **CONV_TOL, input=f32(1, 5, 5, 1), filter=f32(2, 2, 1, 2), strides=[1, 2, 1, 1], padding="EXPLICIT",
     explicit_paddings=[0, 0, 2, 1, 1, 1, 0, 0], dilations=[1, 2, 2, 1])
case("Conv2D", "nchw_stride_dilation", **CONV_TOL, input=f32(1, 2, 7, 6), filter=f32(3, 2, 2, 2), strides=[1, 1, 2, 1],
     padding="SAME", dilations=[1, 1, 1, 2], data_format="NCHW")
case("Conv2D", "stride_larger_than_filter", **CONV_TOL, input=f32(1, 7, 7, 1), filter=f32(1, 1, 1, 2), strides=[1, 3, 3, 1], padding="SAME")
case("DepthwiseConv2dNative", "nchw_stride2", **CONV_TOL, input=f32(1, 2, 6, 6), filter=f32(3, 3, 2, 2), strides=[1, 1, 2, 2],
     padding="VALID", data_format="NCHW")
case("MaxPool", "same_all_negative", input=f32(1, 5, 5, 2, low=-5, high=-1), ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME")
case("MaxPool", "explicit_all_negative", input=f32(1, 3, 3, 1, low=-5, high=-1), ksize=[1, 2, 2, 1], strides=S1, padding="EXPLICIT",
     explicit_paddings=[0, 0, 1, 1, 1, 1, 0, 0])
case("MaxPool", "nchw_same_stride", input=f32(1, 2, 5, 5), ksize=[1, 1, 3, 3], strides=[1, 1, 2, 2], padding="SAME", data_format="NCHW")
case("MaxPool", "f16", input=f16(1, 4, 4, 1), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
case("MaxPool3D", "ncdhw", input=f32(1, 2, 4, 4, 4), ksize=[1, 1, 2, 2, 2], strides=[1, 1, 2, 2, 2], padding="VALID", data_format="NCDHW")
case("AvgPool", "nchw_same_stride", **CONV_TOL, value=f32(1, 2, 5, 5), ksize=[1, 1, 3, 3], strides=[1, 1, 2, 2], padding="SAME",
     data_format="NCHW")
case("AvgPool", "f16", rtol=1e-2, atol=1e-2, value=f16(1, 4, 4, 1), ksize=[1, 2, 2, 1], strides=[1, 1, 1, 1], padding="SAME")
case("AvgPool3D", "ncdhw_same", **CONV_TOL, input=f32(1, 2, 3, 4, 3), ksize=[1, 1, 2, 2, 2], strides=[1, 1, 2, 2, 2], padding="SAME",
     data_format="NCDHW")
for op in ["FusedBatchNorm", "FusedBatchNormV2"]:
    case(op, "nchw_training", **BN_TOL, outputs=BN_OUTPUTS, x=f32(2, 3, 2, 2), scale=f32(3), offset=f32(3), mean=f32(0),
         variance=f32(0), is_training=True, data_format="NCHW")
case("FusedBatchNormV3", "f16_training", rtol=1e-2, atol=1e-2, outputs=BN_OUTPUTS, x=f16(2, 2, 2, 3), scale=f32(3),
     offset=f32(3), mean=f32(0), variance=f32(0), is_training=True)
case("FusedBatchNormV3", "large_epsilon_single_pixel", **BN_TOL, outputs=BN_OUTPUTS, x=f32(3, 1, 1, 2), scale=f32(2),
     offset=f32(2), mean=f32(0), variance=f32(0), is_training=True, epsilon=0.5)
case("LRN", "f16", rtol=1e-2, atol=1e-2, input=f16(1, 2, 2, 5), depth_radius=1, alpha=0.2)
case("BiasAdd", "f16_nchw_rank3", value=f16(2, 3, 4), bias=f16(3), data_format="NCHW")
case("Softmax", "with_neg_inf", logits=lambda: np.asarray([[0.0, -np.inf, 1.0], [-np.inf, 2.0, -np.inf]], np.float32))
case("Softmax", "zero_classes", logits=f32(2, 0))
case("LogSoftmax", "with_neg_inf", logits=lambda: np.asarray([[0.0, -np.inf, 1.0], [-np.inf, 2.0, -np.inf]], np.float32))
case("LogSoftmax", "f16", rtol=1e-2, atol=1e-2, logits=f16(3, 4))
case("LeakyRelu", "f16_negative_alpha", rtol=1e-2, atol=1e-2, features=f16(4), alpha=-0.5)
case("SparseSoftmaxCrossEntropyWithLogits", "one_class", features=f32(3, 1), labels=i32(3, low=0, high=1))

# ---- narrow integer dtypes, empty batches, NaN inputs where TensorFlow and tfc agree ----------------
for dtype in [np.int8, np.uint8, np.int16, np.uint16]:
    case("MaxPool", np.dtype(dtype).name, input=ints(1, 4, 4, 1, dtype=dtype, low=0, high=9), ksize=[1, 2, 2, 1],
         strides=[1, 2, 2, 1], padding="SAME")
for dtype in [np.int8, np.uint8, np.int16, np.uint16, np.uint32, np.uint64]:
    case("BiasAdd", np.dtype(dtype).name, value=ints(2, 3, dtype=dtype, low=0, high=9), bias=ints(3, dtype=dtype, low=0, high=9))
# Empty-batch convolutions are left out: TensorFlow's CPU kernels return the input's shape (see Conv2D above).
case("MaxPool", "empty_batch", input=f32(0, 4, 4, 2), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
case("AvgPool", "empty_batch", value=f32(0, 4, 4, 2), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
case("FusedBatchNormV3", "empty_batch_inference", outputs=[0], x=f32(0, 2, 2, 3), scale=f32(3), offset=f32(3), mean=f32(3),
     variance=f32(3, low=0.5, high=2), is_training=False)
case("LRN", "large_beta", **CONV_TOL, input=f32(1, 1, 1, 6, low=-10, high=10), depth_radius=1, bias=0.5, alpha=2.0, beta=2.5)
case("Softmax", "f64_large_logits", logits=f64(2, 3, low=-800, high=800))
case("SoftmaxCrossEntropyWithLogits", "large_logits", features=f32(2, 3, low=-80, high=80),
     labels=lambda: np.asarray([[1, 0, 0], [0, 0.5, 0.5]], np.float32))
case("SparseSoftmaxCrossEntropyWithLogits", "large_logits", features=f32(2, 3, low=-80, high=80), labels=lambda: i32v([2, 0]))
NAN_ROWS = np.asarray([[1.0, np.nan, 3.0, -1.0], [np.nan, np.nan, 0.5, 2.0]], np.float32)
case("AvgPool", "nan", value=lambda: NAN_ROWS.reshape(1, 2, 4, 1), ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
case("LogSoftmax", "nan", logits=lambda: NAN_ROWS)
case("LeakyRelu", "nan", features=lambda: NAN_ROWS)
case("BiasAdd", "nan", value=lambda: NAN_ROWS, bias=f32(4))

# ---- input gradients whose out_backprop is empty (the gradient is all zeros) ------------------------
case("Conv2DBackpropInput", "window_wider_than_input", input_sizes=const(i32v([1, 3, 2, 1])), filter=f32(2, 3, 1, 2),
     out_backprop=f32(1, 1, 0, 2), strides=[1, 1, 2, 1], padding="VALID", dilations=[1, 2, 1, 1])
case("Conv2DBackpropInput", "empty_batch", input_sizes=const(i32v([0, 4, 4, 2])), filter=f32(2, 2, 2, 3),
     out_backprop=f32(0, 3, 3, 3), strides=S1, padding="VALID")
case("Conv3DBackpropInputV2", "empty_batch", input_sizes=const(i32v([0, 3, 3, 3, 1])), filter=f32(2, 2, 2, 1, 2),
     out_backprop=f32(0, 3, 3, 3, 2), strides=S3, padding="SAME")
case("DepthwiseConv2dNativeBackpropInput", "window_wider_than_input", input_sizes=const(i32v([1, 2, 5, 2])),
     filter=f32(3, 2, 2, 1), out_backprop=f32(1, 0, 4, 2), strides=S1, padding="VALID")
