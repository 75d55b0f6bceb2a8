"""Grappler's fused contraction ops, which TensorFlow's Python API does not expose (the generator
builds them from their OpDefs): ``_FusedConv2D``, ``_FusedDepthwiseConv2dNative`` and ``_FusedMatMul``
with a bias (or an inference batch norm) and each activation tfc fuses that TensorFlow's CPU kernels
run, SAME/VALID, strides and dilations, f32/f64, transposed MatMul operands, an empty MatMul.
(The CPU kernels refuse Tanh and Sigmoid after a convolution; the depthwise one also LeakyRelu, batch
norm and f64; _FusedMatMul f64. The fused convolutions run on oneDNN, whose output for an empty
batch has the input's channels, not the filter's: no empty-batch convolution case.)"""

import numpy as np
from spec import case, const, f32, f64, family

family("internal")

ACTIVATIONS = ("Relu", "Relu6", "Elu", "LeakyRelu", "Tanh", "Sigmoid")
POSITIVE = dict(low=0.5, high=1.5)


def conv_case(op, variant, channels_out, fused_ops, *, make=f32, **attrs):
    """One fused convolution over a 5x5 image with 3 channels (a 3x3 filter)."""
    depthwise = op == "_FusedDepthwiseConv2dNative"
    filter_out = 2 if depthwise else channels_out  # the depthwise channel multiplier
    channels = 3 * filter_out if depthwise else channels_out
    extra = [const(make(channels))] if fused_ops[0] == "BiasAdd" else [
        const(make(channels, **POSITIVE)), const(make(channels)), const(make(channels)), const(make(channels, **POSITIVE))]
    if op == "_FusedConv2D":  # its args are a type list: the count is an attribute of its own
        attrs.update(num_args=len(extra), host_args=[])
    case(op, variant, input=make(2, 5, 5, 3), filter=const(make(3, 3, 3, filter_out)), args=extra,
         fused_ops=fused_ops, strides=attrs.pop("strides", [1, 1, 1, 1]), padding=attrs.pop("padding", "SAME"), **attrs)


for op, activations in (("_FusedConv2D", ("Relu", "Relu6", "Elu", "LeakyRelu")), ("_FusedDepthwiseConv2dNative", ("Relu", "Relu6", "Elu"))):
    conv_case(op, "bias", 4, ["BiasAdd"])
    for activation in activations:
        conv_case(op, f"bias_{activation.lower()}", 2, ["BiasAdd", activation])
    conv_case(op, "valid_strided", 2, ["BiasAdd", "Relu"], padding="VALID", strides=[1, 2, 2, 1])
    conv_case(op, "dilated", 2, ["BiasAdd"], dilations=[1, 2, 2, 1])
conv_case("_FusedConv2D", "bias_leakyrelu_alpha", 2, ["BiasAdd", "LeakyRelu"], leakyrelu_alpha=0.3)
conv_case("_FusedConv2D", "batch_norm", 2, ["FusedBatchNorm"], epsilon=0.001)
conv_case("_FusedConv2D", "batch_norm_relu", 2, ["FusedBatchNorm", "Relu"])
conv_case("_FusedConv2D", "f64", 2, ["BiasAdd", "Relu6"], make=f64)

for activation in (None, *ACTIVATIONS):
    fused_ops = ["BiasAdd"] + ([activation] if activation else [])
    case("_FusedMatMul", f"bias_{(activation or 'only').lower()}", a=f32(3, 4), b=const(f32(4, 5)), args=[const(f32(5))],
         fused_ops=fused_ops)
case("_FusedMatMul", "transposed", a=f32(4, 3), b=const(f32(5, 4)), args=[const(f32(5))], fused_ops=["BiasAdd", "Relu"],
     transpose_a=True, transpose_b=True)
case("_FusedMatMul", "leakyrelu_alpha", a=f32(2, 3), b=const(f32(3, 2)), args=[const(f32(2))],
     fused_ops=["BiasAdd", "LeakyRelu"], leakyrelu_alpha=0.05)
case("_FusedMatMul", "empty_rows", a=np.zeros((0, 3), np.float32), b=const(f32(3, 2)), args=[const(f32(2))],
     fused_ops=["BiasAdd", "Relu"])
