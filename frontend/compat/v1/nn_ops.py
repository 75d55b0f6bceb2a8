"""``tf.nn``: activations, convolution and pooling, dropout, losses and embeddings, with TF1's
argument names (``dim=``, ``keep_prob``, ``_sentinel`` keyword-only calls)."""

from __future__ import annotations

from tfc.types import DType

from . import array_ops, math_ops, random_ops
from .ops import add, add_op, like, pick, to_tensor


def _activation(op_type: str):
    def fn(features, name=None):
        return add(op_type, [to_tensor(features)], name=name or op_type)

    fn.__doc__ = f"TensorFlow's {op_type}."
    return fn


relu = _activation("Relu")
relu6 = _activation("Relu6")
elu = _activation("Elu")
selu = _activation("Selu")
softplus = _activation("Softplus")
softsign = _activation("Softsign")
sigmoid = math_ops.sigmoid
tanh = math_ops.tanh


def leaky_relu(features, alpha=0.2, name=None):
    return add("LeakyRelu", [to_tensor(features)], {"alpha": alpha}, name=name or "LeakyRelu")


def _along_last(op_type: str):
    def fn(logits, axis=None, name=None, dim=None):
        logits = to_tensor(logits)
        axis = pick(axis, dim, "axis", "dim")
        rank = logits.shape.ndims
        if axis is not None and axis not in (-1, None if rank is None else rank - 1):
            raise ValueError(f"tf.nn.{op_type.lower()}: tfc supports only the last axis (got axis={axis})")
        return add(op_type, [logits], name=name or op_type)

    return fn


softmax = _along_last("Softmax")
log_softmax = _along_last("LogSoftmax")


def bias_add(value, bias, data_format=None, name=None):
    value = to_tensor(value)
    return add("BiasAdd", [value, like(bias, value)], {"data_format": data_format or "NHWC"}, name=name or "BiasAdd")


def xw_plus_b(x, weights, biases, name=None):
    return bias_add(math_ops.matmul(x, weights), biases, name=name or "xw_plus_b")


def conv2d(input=None, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
           dilations=(1, 1, 1, 1), name=None, filters=None):
    """2-D convolution (``filter`` or TF2's ``filters``); ``padding`` "SAME", "VALID" or explicit pairs."""
    filter = pick(filter, filters, "filter", "filters")
    attrs = {"strides": list(strides), "data_format": data_format, "dilations": list(dilations),
             "use_cudnn_on_gpu": use_cudnn_on_gpu}
    if isinstance(padding, str):
        attrs["padding"] = padding
    else:
        attrs["padding"], attrs["explicit_paddings"] = "EXPLICIT", [int(p) for pair in padding for p in pair]
    x = to_tensor(input)
    return add("Conv2D", [x, like(filter, x)], attrs, name=name or "Conv2D")


def _pool(op_type: str):
    def fn(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None, input=None):
        value = pick(value, input, "value", "input")
        attrs = {"ksize": list(ksize), "strides": list(strides), "padding": padding, "data_format": data_format}
        return add(op_type, [to_tensor(value)], attrs, name=name or op_type)

    return fn


max_pool = _pool("MaxPool")
avg_pool = _pool("AvgPool")


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """``x / keep_prob`` where a uniform draw keeps it, else 0 (``rate = 1 - keep_prob``)."""
    x = to_tensor(x)
    if keep_prob is None:
        if rate is None:
            raise ValueError("tf.nn.dropout needs keep_prob (or rate)")
        keep_prob = 1 - rate if not hasattr(rate, "dtype") else math_ops.subtract(1.0, rate)
    keep = like(keep_prob, x, "keep_prob")
    shape = array_ops.shape(x) if noise_shape is None else noise_shape
    uniform = random_ops.random_uniform(shape, dtype=x.dtype, seed=seed)
    kept = math_ops.floor(math_ops.add_(keep, uniform))
    return math_ops.multiply(math_ops.divide(x, keep), kept, name=name or "dropout")


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """Per-example cross entropy of ``softmax(logits)`` against the distributions ``labels``."""
    if _sentinel is not None:
        raise ValueError("call tf.nn.softmax_cross_entropy_with_logits with named arguments (labels=..., logits=...)")
    logits = to_tensor(logits)
    axis = pick(None if dim == -1 else dim, axis, "dim", "axis")
    if axis not in (None, -1, logits.shape.ndims and logits.shape.ndims - 1):
        raise ValueError("softmax_cross_entropy_with_logits: tfc supports only the last axis")
    return add_op("SoftmaxCrossEntropyWithLogits", [logits, like(labels, logits)], name=name or "SoftmaxCrossEntropyWithLogits").outputs[0]


softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Per-example cross entropy of ``softmax(logits)`` against class indices ``labels``."""
    if _sentinel is not None:
        raise ValueError("call tf.nn.sparse_softmax_cross_entropy_with_logits with named arguments (labels=..., logits=...)")
    logits = to_tensor(logits)
    labels = to_tensor(labels, DType.i32) if not hasattr(labels, "dtype") else to_tensor(labels)
    return add_op("SparseSoftmaxCrossEntropyWithLogits", [logits, labels], name=name or "SparseSoftmaxCrossEntropyWithLogits").outputs[0]


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """``max(x, 0) - x * z + log(1 + exp(-|x|))``, TensorFlow's stable form."""
    logits = to_tensor(logits)
    labels = like(labels, logits)
    zeros = array_ops.zeros_like(logits)
    positive = math_ops.maximum(logits, zeros)
    return math_ops.add_(math_ops.subtract(positive, math_ops.multiply(logits, labels)),
                         math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs_(logits)))), name=name or "logistic_loss")


def l2_loss(t, name=None):
    return add("L2Loss", [to_tensor(t)], name=name or "L2Loss")


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """Rows ``ids`` of ``params`` (one tensor or variable; sharded lists are not supported)."""
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise ValueError("tf.nn.embedding_lookup: tfc supports one params tensor, not a sharded list")
        params = params[0]
    if max_norm is not None:
        raise ValueError("tf.nn.embedding_lookup: max_norm is not supported")
    return array_ops.gather(params, ids, name=name or "embedding_lookup")


def in_top_k(predictions, targets, k, name=None):
    return add("InTopKV2", [to_tensor(predictions), to_tensor(targets), to_tensor(k, to_tensor(targets).dtype)], name=name or "in_top_k")


def top_k(input, k=1, sorted=True, name=None):
    op = add_op("TopKV2", [to_tensor(input), to_tensor(k, DType.i32, "k")], {"sorted": sorted}, name=name or "TopKV2")
    return op.outputs[0], op.outputs[1]


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of ``x`` over ``axes``."""
    keepdims = bool(pick(keepdims, keep_dims, "keepdims", "keep_dims"))
    x = to_tensor(x)
    mean = math_ops.reduce_mean(x, axes, keepdims=True)
    variance = math_ops.reduce_mean(math_ops.squared_difference(x, array_ops.stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean, variance = array_ops.squeeze(mean, axes), array_ops.squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``(x - mean) * scale / sqrt(variance + epsilon) + offset`` (offset/scale may be None)."""
    x = to_tensor(x)
    inv = math_ops.rsqrt(math_ops.add_(variance, variance_epsilon))
    if scale is not None:
        inv = math_ops.multiply(inv, scale)
    shifted = math_ops.subtract(offset, math_ops.multiply(mean, inv)) if offset is not None else math_ops.negative(math_ops.multiply(mean, inv))
    return math_ops.add_(math_ops.multiply(x, inv), shifted, name=name or "batchnorm")


__all__ = [name for name in dir() if not name.startswith("_") and name not in ("annotations", "DType", "array_ops", "math_ops", "random_ops")]
