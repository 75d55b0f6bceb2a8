"""``tf.nn``: activations; 1-, 2- and 3-D convolutions, their transposes and gradients, depthwise,
separable and dilated ones (through space-to-batch, as TensorFlow builds them); pooling; batch and
local response normalization; moments; dropout, losses and embeddings; with TensorFlow 1's argument
names and their deprecated spellings (``dim=``, ``keep_dims=``, ``value=``/``input=``, ``filter=``/``filters=``,
``rate=``/``dilations=``)."""

from __future__ import annotations

import collections

import numpy as np

from tfc.frontend.tensor import as_dtype
from tfc.types import DType

from . import array_ops, clip_ops, math_ops, random_ops
from .graph import get_default_graph
from .layout_ops import depth_to_space as depth_to_space  # tf.nn's block moves are tf's
from .layout_ops import space_to_batch as space_to_batch
from .layout_ops import space_to_depth as space_to_depth
from .ops import add, add_op, check_axes, like, pick, to_tensor
from .tensor import Tensor


def _sequence(value, n: int, channel_index: int, what: str) -> list[int]:
    """TF's per-dimension lists (strides, ksize, dilations): one int, ``n`` spatial values or all ``n + 2``."""
    if value is None:
        return [1] * (n + 2)
    values = [int(v) for v in (np.ravel(value) if not isinstance(value, int) else [value])]
    if len(values) == n + 2:
        return values
    if len(values) == 1:
        values = values * n
    elif len(values) != n:
        raise ValueError(f"{what} should be of length 1, {n} or {n + 2}. Received: {what}={list(values)} of length {len(values)}")
    return [1, 1] + values if channel_index == 1 else [1] + values + [1]


def _channel_index(data_format: str | None, n: int) -> int:
    return 1 if data_format is not None and data_format.startswith("NC") else n + 1


def _padding_attrs(padding) -> dict:
    """``padding`` as attrs: "SAME"/"VALID", or explicit ``[[before, after], ...]`` per dimension."""
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or explicit pairs. Received: padding={padding!r}")
        return {"padding": padding}
    return {"padding": "EXPLICIT", "explicit_paddings": [int(p) for pair in padding for p in pair]}


def _rank_is(x, ranks: tuple, what: str, fn: str) -> None:
    rank = x.shape.ndims
    if rank is not None and rank not in ranks:
        raise ValueError(f"tf.nn.{fn}: '{what}' must have rank {' or '.join(map(str, ranks))}, got shape {x.shape}")


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
        """TensorFlow's op over the last axis; another ``axis`` is swapped with the last around it, as TensorFlow does."""
        logits = to_tensor(logits)
        axis = pick(axis, dim, "axis", "dim")
        rank = logits.shape.ndims
        if axis is None or axis == -1 or (rank is not None and axis == rank - 1):
            return add(op_type, [logits], name=name or op_type)
        if rank is None:
            raise ValueError(f"tf.nn.{op_type.lower()}: 'logits' needs a known rank for axis={axis}")
        if not -rank <= axis < rank:
            raise ValueError(f"tf.nn.{op_type.lower()}: `axis` must be in the range [{-rank}, {rank}) where {rank} is the number of "
                             f"dimensions in the input. Received: axis={axis}")
        perm = list(range(rank))
        perm[axis % rank], perm[-1] = perm[-1], perm[axis % rank]
        swapped = add(op_type, [array_ops.transpose(logits, perm)], name=op_type)
        return array_ops.transpose(swapped, perm, name=name or op_type)

    return fn


softmax = _along_last("Softmax")
log_softmax = _along_last("LogSoftmax")


def bias_add(value, bias, data_format=None, name=None):
    value = to_tensor(value)
    return add("BiasAdd", [value, like(bias, value)], {"data_format": data_format or "NHWC"}, name=name or "BiasAdd")


def xw_plus_b(x, weights, biases, name=None):
    return bias_add(math_ops.matmul(x, weights), biases, name=name or "xw_plus_b")


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
           dilations=(1, 1, 1, 1), name=None, filters=None):
    """2-D convolution (``filter`` or TF2's ``filters``); ``padding`` "SAME", "VALID" or explicit pairs."""
    filter = pick(filter, filters, "filter", "filters")
    attrs = {"strides": list(strides), "data_format": data_format, "dilations": list(dilations),
             "use_cudnn_on_gpu": use_cudnn_on_gpu, **_padding_attrs(padding)}
    x = to_tensor(input)
    return add("Conv2D", [x, like(filter, x)], attrs, name=name or "Conv2D")


def _pool(op_type: str):
    def fn(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
        value = pick(input, value, "input", "value")
        data_format = data_format or "NHWC"
        channel = _channel_index(data_format, 2)
        attrs = {"ksize": _sequence(ksize, 2, channel, "ksize"), "strides": _sequence(strides, 2, channel, "strides"),
                 "data_format": data_format, **_padding_attrs(padding)}
        return add(op_type, [to_tensor(value)], attrs, name=name or op_type)

    fn.__doc__ = f"TensorFlow's {op_type}: ``ksize``/``strides`` one int, two or four values."
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


def _both_given(fn: str, labels, logits) -> None:
    if labels is None or logits is None:
        raise ValueError(f"Both `labels` and `logits` must be provided for {fn}. Received: labels={labels} and logits={logits}")


def softmax_cross_entropy_with_logits(labels=None, logits=None, dim=-1, name=None, axis=None):
    """Per-example cross entropy of ``softmax(logits)`` against the distributions ``labels`` (no gradient into them)."""
    _both_given("softmax_cross_entropy_with_logits", labels, logits)
    logits = to_tensor(logits)
    labels = array_ops.stop_gradient(like(labels, logits), name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels, logits, axis=axis, name=name, dim=None if dim == -1 else dim)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """As the v1 function, but the gradient also flows into ``labels``."""
    logits = to_tensor(logits)
    axis = pick(axis, dim, "axis", "dim")
    if axis not in (None, -1, logits.shape.ndims and logits.shape.ndims - 1):
        raise ValueError(f"softmax_cross_entropy_with_logits: tfc supports only the last axis (got axis={axis})")
    return add_op("SoftmaxCrossEntropyWithLogits", [logits, like(labels, logits)], name=name or "SoftmaxCrossEntropyWithLogits").outputs[0]


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Per-example cross entropy of ``softmax(logits)`` against class indices ``labels``."""
    _both_given("sparse_softmax_cross_entropy_with_logits", labels, logits)
    logits = to_tensor(logits)
    labels = to_tensor(labels, DType.i32) if not hasattr(labels, "dtype") else to_tensor(labels)
    return add_op("SparseSoftmaxCrossEntropyWithLogits", [logits, labels], name=name or "SparseSoftmaxCrossEntropyWithLogits").outputs[0]


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """``max(x, 0) - x * z + log(1 + exp(-|x|))``, TensorFlow's stable form."""
    _both_given("sigmoid_cross_entropy_with_logits", labels, logits)
    logits = to_tensor(logits)
    labels = like(labels, logits)
    zeros = array_ops.zeros_like(logits)
    positive = math_ops.maximum(logits, zeros)
    return math_ops.add_(math_ops.subtract(positive, math_ops.multiply(logits, labels)),
                         math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs_(logits)))), name=name or "logistic_loss")


def l2_loss(t, name=None):
    return add("L2Loss", [to_tensor(t)], name=name or "L2Loss")


def _clip_rows(values, ids, max_norm):
    """Each embedding (the dimensions after ``ids``'s) scaled down to L2 norm ``max_norm`` if above it."""
    if max_norm is None:
        return values
    ids_rank, rank = ids.shape.ndims, values.shape.ndims
    if ids_rank is None or rank is None:
        raise ValueError("tf.nn.embedding_lookup: max_norm needs the ranks of 'ids' and 'params' known")
    return clip_ops.clip_by_norm(values, max_norm, axes=list(range(ids_rank, rank)))


def _partition_ids(flat_ids, params: list, partition_strategy: str):
    """(partition, row within it) of each id: ``id % n`` for "mod"; contiguous ranges, the first ones a row longer, for "div"."""
    n = len(params)
    if partition_strategy == "mod":
        return math_ops.floormod(flat_ids, n), math_ops.floordiv(flat_ids, n)
    if partition_strategy != "div":
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}.Must be one of either `mod` or `div`.")
    sizes = [p.shape.as_list()[0] if p.shape.ndims else None for p in params]
    if None in sizes:
        total = math_ops.reduce_sum(math_ops.cast(array_ops.stack([array_ops.shape(p)[0] for p in params]), flat_ids.dtype))
    else:
        total = to_tensor(sum(sizes), flat_ids.dtype)
    per, extras = math_ops.floordiv(total, n), math_ops.floormod(total, n)
    assignment = math_ops.maximum(math_ops.floordiv(flat_ids, math_ops.add_(per, 1)), math_ops.floordiv(math_ops.subtract(flat_ids, extras), per))
    rows = array_ops.where(math_ops.less(assignment, extras), math_ops.floormod(flat_ids, math_ops.add_(per, 1)),
                           math_ops.floormod(math_ops.subtract(flat_ids, extras), per))
    return assignment, rows


def _lookup_shape(ids, params):
    """``ids``'s shape then a row's: a static list (one unknown size as -1) where the shapes allow, keeping the static shape."""
    element = params.shape.as_list()[1:] if params.shape.ndims is not None else None
    outer = ids.shape.as_list() if ids.shape.ndims is not None else None
    if element is not None and outer is not None and None not in element and outer.count(None) <= 1:
        return [-1 if d is None else d for d in outer] + element
    tail = to_tensor(element, DType.i32) if element is not None and None not in element else array_ops.shape(params)[1:]
    return array_ops.concat([array_ops.shape(ids), tail], 0)


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """Rows ``ids`` of ``params``: one tensor or variable, or a list sharded by ``partition_strategy`` (gathered per
    shard and stitched back, as TensorFlow does); each row clipped to L2 norm ``max_norm`` if given."""
    if params is None:
        raise ValueError("params must be specified")
    params = list(params) if isinstance(params, (list, tuple)) else [params]
    if not params:
        raise ValueError("Length of params is currently 0. Need at least one param.")
    ids = to_tensor(ids)
    with get_default_graph().name_scope(name or "embedding_lookup"):
        if len(params) == 1:
            return array_ops.identity(_clip_rows(array_ops.gather(params[0], ids), ids, max_norm))
        params = [to_tensor(p) for p in params]
        flat_ids = array_ops.reshape(ids, [-1])
        positions = array_ops.range(array_ops.size(flat_ids))
        assignment, rows = _partition_ids(flat_ids, params, partition_strategy)
        assignment = math_ops.cast(assignment, DType.i32)
        n = len(params)
        row_parts = add_op("DynamicPartition", [rows, assignment], {"num_partitions": n}, name="DynamicPartition").outputs
        position_parts = add_op("DynamicPartition", [positions, assignment], {"num_partitions": n}, name="DynamicPartition").outputs
        gathered = [array_ops.gather(p, part) for p, part in zip(params, row_parts)]
        stitched = add("ParallelDynamicStitch", [list(position_parts), gathered], name="ParallelDynamicStitch")
        return _clip_rows(array_ops.reshape(stitched, _lookup_shape(ids, params[0])), ids, max_norm)


def in_top_k(predictions, targets, k, name=None):
    with get_default_graph().name_scope(name or "in_top_k"):  # TensorFlow's node: in_top_k/InTopKV2
        targets = to_tensor(targets)
        return add("InTopKV2", [to_tensor(predictions), targets, to_tensor(k, targets.dtype)], name="InTopKV2")


_TOP_K = collections.namedtuple("TopKV2", ["values", "indices"])  # (values, indices), also by name, as TensorFlow returns them


def top_k(input, k=1, sorted=True, index_type=DType.i32, name=None):
    """The k largest entries of the last axis and their indices (of ``index_type``); also ``tf.math.top_k``."""
    x = to_tensor(input)
    if x.shape.ndims == 0:
        raise ValueError("tf.math.top_k: input must have rank at least 1")
    last = x.shape.dims[-1] if x.shape.ndims else None
    if isinstance(k, int) and (k < 0 or last is not None and k > last):
        raise ValueError(f"tf.math.top_k: k={k} must be in [0, {last}] (the last dimension of input, shape {x.shape})")
    op = add_op("TopKV2", [x, to_tensor(k, DType.i32, "k")], {"sorted": bool(sorted), "index_type": as_dtype(index_type)},
                name=name or "TopKV2")
    return _TOP_K(*op.outputs)


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


# --- convolutions -------------------------------------------------------------------------------

def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None, data_format=None, name=None, input=None,
           dilations=None):
    """A Conv2D over a unit height, as TensorFlow builds it (ExpandDims, Conv2D, Squeeze)."""
    value = to_tensor(pick(input, value, "input", "value"))
    _rank_is(value, (3,), "value", "conv1d")
    if data_format in (None, "NHWC", "NWC"):
        data_format, spatial_start, channel = "NHWC", -3, 2
    elif data_format in ("NCHW", "NCW"):
        data_format, spatial_start, channel = "NCHW", -2, 1
    else:
        raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}")
    strides = [1] + _sequence(stride, 1, channel, "stride")
    dilations = [1] + _sequence(dilations, 1, channel, "dilations")
    with get_default_graph().name_scope(name or "conv1d"):
        x = array_ops.expand_dims(value, spatial_start)
        w = array_ops.expand_dims(like(filters, value), 0)
        y = conv2d(x, w, strides, padding, use_cudnn_on_gpu=True if use_cudnn_on_gpu is None else use_cudnn_on_gpu,
                   data_format=data_format, dilations=dilations, name="Conv2D")
        return array_ops.squeeze(y, [spatial_start])


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None, padding=None, use_cudnn_on_gpu=True,
                          data_format="NHWC", dilations=(1, 1, 1, 1), name=None, filters=None):
    """The gradient of Conv2D with respect to its input (of shape ``input_sizes``)."""
    filter = pick(filter, filters, "filter", "filters")
    dy = to_tensor(out_backprop)
    attrs = {"strides": list(strides), "data_format": data_format, "dilations": list(dilations), "use_cudnn_on_gpu": use_cudnn_on_gpu,
             **_padding_attrs(padding)}
    return add("Conv2DBackpropInput", [to_tensor(input_sizes, DType.i32), like(filter, dy), dy], attrs, name=name or "Conv2DBackpropInput")


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, use_cudnn_on_gpu=True, data_format="NHWC",
                           dilations=(1, 1, 1, 1), name=None):
    """The gradient of Conv2D with respect to its filter (of shape ``filter_sizes``)."""
    x = to_tensor(input)
    attrs = {"strides": list(strides), "data_format": data_format, "dilations": list(dilations), "use_cudnn_on_gpu": use_cudnn_on_gpu,
             **_padding_attrs(padding)}
    return add("Conv2DBackpropFilter", [x, to_tensor(filter_sizes, DType.i32), like(out_backprop, x)], attrs,
               name=name or "Conv2DBackpropFilter")


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME", data_format="NHWC", name=None,
                     input=None, filters=None, dilations=None):
    """The transpose (gradient) of conv2d: Conv2DBackpropInput producing ``output_shape``."""
    value = to_tensor(pick(input, value, "input", "value"))
    filter = pick(filters, filter, "filters", "filter")
    _rank_is(value, (4,), "value", "conv2d_transpose")
    data_format = data_format or "NHWC"
    channel = _channel_index(data_format, 2)
    attrs = {"strides": _sequence(strides, 2, channel, "strides"), "dilations": _sequence(dilations, 2, channel, "dilations"),
             "data_format": data_format, **_padding_attrs(padding)}
    return add("Conv2DBackpropInput", [to_tensor(output_shape, DType.i32, "output_shape"), like(filter, value), value], attrs,
               name=name or "conv2d_transpose")


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC", dilations=None, name=None):
    """conv2d_transpose over a unit height."""
    value = to_tensor(input)
    _rank_is(value, (3,), "input", "conv1d_transpose")
    if data_format in (None, "NWC"):
        data_format, spatial_start, channel = "NHWC", 1, 2
    elif data_format == "NCW":
        data_format, spatial_start, channel = "NCHW", 2, 1
    else:
        raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}")
    strides = [1] + _sequence(strides, 1, channel, "stride")
    dilations = [1] + _sequence(dilations, 1, channel, "dilations")
    with get_default_graph().name_scope(name or "conv1d_transpose"):
        x = array_ops.expand_dims(value, spatial_start)
        w = array_ops.expand_dims(like(filters, value), 0)
        if isinstance(output_shape, Tensor):
            shape = array_ops.concat([output_shape[:spatial_start], to_tensor([1], output_shape.dtype), output_shape[spatial_start:]], 0)
        else:
            shape = list(output_shape)[:spatial_start] + [1] + list(output_shape)[spatial_start:]
        y = conv2d_transpose(x, w, shape, strides, padding, data_format, dilations=dilations, name="conv1d_transpose")
        return array_ops.squeeze(y, [spatial_start])


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC", dilations=(1, 1, 1, 1, 1), name=None, filters=None):
    """3-D convolution."""
    filter = pick(filter, filters, "filter", "filters")
    x = to_tensor(input)
    _rank_is(x, (5,), "input", "conv3d")
    attrs = {"strides": list(strides), "padding": padding, "data_format": data_format, "dilations": list(dilations)}
    return add("Conv3D", [x, like(filter, x)], attrs, name=name or "Conv3D")


def conv3d_backprop_filter_v2(input, filter_sizes, out_backprop, strides, padding, data_format="NDHWC", dilations=(1, 1, 1, 1, 1), name=None):
    """The gradient of Conv3D with respect to its filter (of shape ``filter_sizes``)."""
    x = to_tensor(input)
    attrs = {"strides": list(strides), "padding": padding, "data_format": data_format, "dilations": list(dilations)}
    return add("Conv3DBackpropFilterV2", [x, to_tensor(filter_sizes, DType.i32), like(out_backprop, x)], attrs,
               name=name or "Conv3DBackpropFilterV2")


conv3d_backprop_filter = conv3d_backprop_filter_v2


def conv3d_transpose(value, filter=None, output_shape=None, strides=None, padding="SAME", data_format="NDHWC", name=None, input=None,
                     filters=None, dilations=None):
    """The transpose (gradient) of conv3d: Conv3DBackpropInputV2 producing ``output_shape``."""
    value = to_tensor(pick(input, value, "input", "value"))
    filter = pick(filters, filter, "filters", "filter")
    _rank_is(value, (5,), "value", "conv3d_transpose")
    data_format = data_format or "NDHWC"
    channel = _channel_index(data_format, 3)
    attrs = {"strides": _sequence(strides, 3, channel, "strides"), "dilations": _sequence(dilations, 3, channel, "dilations"),
             "padding": padding, "data_format": data_format}
    return add("Conv3DBackpropInputV2", [to_tensor(output_shape, DType.i32, "output_shape"), like(filter, value), value], attrs,
               name=name or "conv3d_transpose")


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None, dilations=None, name=None):
    """conv1d/2d/3d_transpose, chosen by the length of ``output_shape``."""
    n = (output_shape.shape.as_list()[0] if isinstance(output_shape, Tensor) else len(output_shape)) - 2
    if not 1 <= n <= 3:
        raise ValueError(f"`output_shape` must be of length 3, 4 or 5. Received: output_shape={output_shape} of length {n + 2}.")
    if n == 1:
        return conv1d_transpose(input, filters, output_shape, strides, padding, data_format, dilations, name)
    fn = conv2d_transpose if n == 2 else conv3d_transpose
    return fn(input, filters, output_shape, strides, padding=padding, data_format=data_format, name=name, dilations=dilations)


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC", dilations=(1, 1, 1, 1), name=None):
    """Each input channel convolved with its own ``channel_multiplier`` filters."""
    x = to_tensor(input)
    _rank_is(x, (4,), "input", "depthwise_conv2d_native")
    attrs = {"strides": list(strides), "data_format": data_format, "dilations": list(dilations), **_padding_attrs(padding)}
    return add("DepthwiseConv2dNative", [x, like(filter, x)], attrs, name=name or "DepthwiseConv2dNative")


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding, data_format="NHWC",
                                           dilations=(1, 1, 1, 1), name=None):
    """The gradient of DepthwiseConv2dNative with respect to its input."""
    dy = to_tensor(out_backprop)
    attrs = {"strides": list(strides), "data_format": data_format, "dilations": list(dilations), **_padding_attrs(padding)}
    return add("DepthwiseConv2dNativeBackpropInput", [to_tensor(input_sizes, DType.i32), like(filter, dy), dy], attrs,
               name=name or "DepthwiseConv2dNativeBackpropInput")


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides, padding, data_format="NHWC",
                                            dilations=(1, 1, 1, 1), name=None):
    """The gradient of DepthwiseConv2dNative with respect to its filter."""
    x = to_tensor(input)
    attrs = {"strides": list(strides), "data_format": data_format, "dilations": list(dilations), **_padding_attrs(padding)}
    return add("DepthwiseConv2dNativeBackpropFilter", [x, to_tensor(filter_sizes, DType.i32), like(out_backprop, x)], attrs,
               name=name or "DepthwiseConv2dNativeBackpropFilter")


depthwise_conv2d_backprop_input = depthwise_conv2d_native_backprop_input
depthwise_conv2d_backprop_filter = depthwise_conv2d_native_backprop_filter


def _base_paddings(padding, filter_shape, rate: list[int]) -> list[list[int]]:
    """The padding of each spatial dimension before space-to-batch: none for VALID, the dilated filter's for SAME."""
    if padding == "VALID":
        return [[0, 0] for _ in rate]
    if padding != "SAME":
        raise ValueError(f"padding must be 'SAME' or 'VALID'. Received: padding={padding!r}")
    kernel = None if filter_shape is None else list(np.ravel(filter_shape))[:len(rate)]
    if kernel is None or any(k is None for k in kernel):
        raise ValueError(f"tf.nn.with_space_to_batch: 'SAME' padding needs a static filter_shape (got {filter_shape})")
    totals = [(int(k) - 1) * r for k, r in zip(kernel, rate)]
    return [[t // 2, t - t // 2] for t in totals]


def _block_paddings(x, spatial_dims: list[int], base: list[list[int]], rate: list[int]):
    """(block_shape, paddings, crops) over dimensions 1..max(spatial_dims): each padded size a multiple of
    its rate; computed from the runtime shape where a spatial size is not static."""
    dims = x.shape.as_list() if x.shape.ndims is not None else [None] * (max(spatial_dims) + 1)
    shape = None if all(dims[d] is not None for d in spatial_dims) else array_ops.shape(x)
    by_dim = {d: (r, b) for d, r, b in zip(spatial_dims, rate, base)}
    block, paddings, crops = [], [], []
    for dim in range(1, max(spatial_dims) + 1):
        r, (before, after) = by_dim.get(dim, (1, (0, 0)))
        if shape is None:
            extra = (r - (dims[dim] + before + after) % r) % r
            paddings.append([before, after + extra])
        else:
            extra = math_ops.floormod(math_ops.subtract(r, math_ops.floormod(math_ops.add_(shape[dim], before + after), r)), r)
            paddings.append([before, math_ops.add_(extra, after)])
        block.append(r)
        crops.append([0, extra])
    if shape is None:
        return to_tensor(block, DType.i32), to_tensor(paddings, DType.i32), to_tensor(crops, DType.i32)

    def pairs(rows):
        return array_ops.stack([array_ops.stack([like(a, shape), like(b, shape)]) for a, b in rows])

    return to_tensor(block, DType.i32), pairs(paddings), pairs(crops)


def with_space_to_batch(input, dilation_rate, padding, op, filter_shape=None, spatial_dims=None, data_format=None):
    """``op(input, num_spatial_dims, padding)`` dilated by ``dilation_rate``: SpaceToBatchND, ``op`` with VALID
    padding, BatchToSpaceND (TensorFlow's construction)."""
    x = to_tensor(input)
    rate = [int(r) for r in np.ravel(dilation_rate)]
    n = len(rate)
    if spatial_dims is None:
        spatial_dims = list(range(2, n + 2)) if data_format is not None and data_format.startswith("NC") else list(range(1, n + 1))
    spatial_dims = [int(d) for d in spatial_dims]
    if len(spatial_dims) != n or sorted(set(spatial_dims)) != spatial_dims or spatial_dims[0] < 1:
        raise ValueError(f"spatial_dims must be {n} increasing dimensions after the batch. Received: spatial_dims={spatial_dims}")
    if all(r == 1 for r in rate):
        return op(x, n, padding)
    if min(rate) < 1:
        raise ValueError(f"dilation_rate must be positive. Received: dilation_rate={rate}")
    block, paddings, crops = _block_paddings(x, spatial_dims, _base_paddings(padding, filter_shape, rate), rate)
    spread = add("SpaceToBatchND", [x, block, paddings], name="SpaceToBatchND")
    return add("BatchToSpaceND", [op(spread, n, "VALID"), block, crops], name="BatchToSpaceND")


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None, dilations=None):
    """Depthwise convolution, dilated by ``rate`` through with_space_to_batch as TensorFlow does."""
    rate = pick(dilations, rate, "dilations", "rate")
    x = to_tensor(input)
    _rank_is(x, (4,), "input", "depthwise_conv2d")
    w = like(filter, x)
    with get_default_graph().name_scope(name or "depthwise"):
        def op(converted, _, pad):
            return depthwise_conv2d_native(converted, w, strides, pad, data_format=data_format or "NHWC", name="depthwise")

        return with_space_to_batch(x, [1, 1] if rate is None else rate, padding, op, filter_shape=w.shape.as_list(), data_format=data_format)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None, name=None, data_format=None, dilations=None):
    """A depthwise convolution followed by a 1x1 convolution mixing the channels."""
    rate = pick(dilations, rate, "dilations", "rate")
    x = to_tensor(input)
    pointwise = like(pointwise_filter, x)
    shape = pointwise.shape.as_list() if pointwise.shape.ndims is not None else None
    if shape is None or len(shape) != 4 or shape[0] not in (1, None) or shape[1] not in (1, None):
        raise ValueError(f"tf.nn.separable_conv2d: 'pointwise_filter' must have shape [1, 1, in, out], got {pointwise.shape}")
    with get_default_graph().name_scope(name or "separable_conv2d"):
        depthwise = depthwise_conv2d(x, depthwise_filter, strides, padding, rate=rate, name="depthwise", data_format=data_format)
        return conv2d(depthwise, pointwise, [1, 1, 1, 1], "VALID", data_format=data_format or "NHWC", name="separable_conv2d")


def convolution(input, filter, padding, strides=None, dilation_rate=None, name=None, data_format=None, filters=None, dilations=None):
    """N-D convolution (1, 2 or 3 spatial dimensions, from the filter's rank), dilations native."""
    filter = pick(filter, filters, "filter", "filters")
    dilation_rate = pick(dilation_rate, dilations, "dilation_rate", "dilations")
    x = to_tensor(input)
    w = like(filter, x)
    n = (w.shape.ndims or x.shape.ndims or 0) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"tf.nn.convolution: 'filter' must have rank 3, 4 or 5 (1 to 3 spatial dimensions), got shape {w.shape}")
    _rank_is(x, (n + 2,), "input", "convolution")
    channel = _channel_index(data_format, n)
    strides = _sequence(strides, n, channel, "strides")
    rates = _sequence(dilation_rate, n, channel, "dilation_rate")
    name = name or "convolution"
    if n == 1:
        return conv1d(x, w, strides[1:-1] if channel != 1 else strides[2:], padding, data_format=data_format, name=name,
                      dilations=rates[1:-1] if channel != 1 else rates[2:])
    if n == 2:
        return conv2d(x, w, strides, padding, data_format=data_format or "NHWC", dilations=rates, name=name)
    return conv3d(x, w, strides, padding, data_format=data_format or "NDHWC", dilations=rates, name=name)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """conv2d with both dilation rates ``rate``."""
    return convolution(value, filters, padding, dilation_rate=[int(rate)] * 2, name=name)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose of atrous_conv2d (conv2d_transpose dilated by ``rate``)."""
    if rate < 1:
        raise ValueError(f"`rate` cannot be less than one. Received: rate={rate}")
    return conv2d_transpose(value, filters, output_shape, [1, 1, 1, 1], padding, "NHWC", dilations=[1, rate, rate, 1],
                            name=name or "atrous_conv2d_transpose")


def dilation2d(input, filter=None, strides=None, rates=None, padding=None, name=None, filters=None, dilations=None):
    """Grayscale morphological dilation: the max over the window of ``input + filter``."""
    filter = pick(filter, filters, "filter", "filters")
    rates = pick(rates, dilations, "rates", "dilations")
    x = to_tensor(input)
    _rank_is(x, (4,), "input", "dilation2d")
    return add("Dilation2D", [x, like(filter, x)], {"strides": list(strides), "rates": list(rates), "padding": padding},
               name=name or "Dilation2D")


def erosion2d(value, kernel, strides, rates, padding, name=None):
    """Morphological erosion: ``-dilation2d(-value, reversed kernel)``."""
    x = to_tensor(value)
    with get_default_graph().name_scope(name or "erosion2d"):
        flipped = add("ReverseV2", [like(kernel, x), to_tensor([0, 1], DType.i32)], name="ReverseV2")
        return math_ops.negative(dilation2d(math_ops.negative(x), flipped, strides, rates, padding))



# --- pooling ------------------------------------------------------------------------------------

def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return max_pool(input, ksize, strides, padding, data_format, name)


def avg_pool2d(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    return avg_pool(value, ksize, strides, padding, data_format, name, input)


def _pool_nd(op_type: str, n: int, default_format: str):
    def fn(input, ksize, strides, padding, data_format=default_format, name=None):
        x = to_tensor(input)
        _rank_is(x, (n + 2,), "input", f"{op_type.lower()}")
        data_format = data_format or default_format
        channel = _channel_index(data_format, n)
        attrs = {"ksize": _sequence(ksize, n, channel, "ksize"), "strides": _sequence(strides, n, channel, "strides"),
                 "padding": padding, "data_format": data_format}
        return add(op_type, [x], attrs, name=name or op_type)

    fn.__doc__ = f"TensorFlow's {op_type}: ``ksize``/``strides`` one int, {n} or {n + 2} values."
    return fn


max_pool3d = _pool_nd("MaxPool3D", 3, "NDHWC")
avg_pool3d = _pool_nd("AvgPool3D", 3, "NDHWC")


def _pool1d(pool2d, default_name: str):
    def fn(input, ksize, strides, padding, data_format="NWC", name=None):
        x = to_tensor(input)
        _rank_is(x, (3,), "input", default_name.lower())
        data_format = data_format or "NWC"
        if data_format not in ("NWC", "NCW"):
            raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}")
        channel = 1 if data_format == "NCW" else 2
        ksize = [1] + _sequence(ksize, 1, channel, "ksize")
        strides = [1] + _sequence(strides, 1, channel, "strides")
        expanded = 1 if data_format == "NWC" else 2
        padding = padding if isinstance(padding, str) else [[0, 0]] + list(padding)
        with get_default_graph().name_scope(name or default_name):
            y = pool2d(array_ops.expand_dims(x, expanded), ksize, strides, padding, "NHWC" if data_format == "NWC" else "NCHW")
            return array_ops.squeeze(y, [expanded])

    fn.__doc__ = f"The 2-D pool over a unit height ({default_name})."
    return fn


max_pool1d = _pool1d(max_pool, "MaxPool1d")
avg_pool1d = _pool1d(avg_pool, "AvgPool1D")


def _pool_by_rank(by_rank: dict):
    def fn(input, ksize, strides, padding, data_format=None, name=None):
        x = to_tensor(input)
        n = (x.shape.ndims if x.shape.ndims is not None else len(data_format or "")) - 2
        if not 1 <= n <= 3:
            raise ValueError(f"`input.shape.rank` must be 3, 4 or 5. Received: input.shape={x.shape} of rank {n + 2}.")
        channel = n + 1 if data_format is None else _channel_index(data_format, n)
        ksize, strides = _sequence(ksize, n, channel, "ksize"), _sequence(strides, n, channel, "strides")
        if n == 1:
            return by_rank[1](x, ksize[1:-1] if channel != 1 else ksize[2:], strides[1:-1] if channel != 1 else strides[2:], padding,
                              data_format=data_format or "NWC", name=name)
        return by_rank[n](x, ksize, strides, padding, data_format=data_format or ("NHWC" if n == 2 else "NDHWC"), name=name)

    fn.__doc__ = "The 1-, 2- or 3-D pool matching ``input``'s rank."
    return fn


max_pool_v2 = _pool_by_rank({1: max_pool1d, 2: max_pool, 3: max_pool3d})
avg_pool_v2 = _pool_by_rank({1: avg_pool1d, 2: avg_pool, 3: avg_pool3d})


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None, name=None, output_dtype=None,
                         include_batch_in_index=False):
    """(max pool, flattened index of each max): ``(y * width + x) * channels + c`` (and the batch if asked)."""
    if data_format != "NHWC":
        raise ValueError(f"`data_format` values other than 'NHWC' are not supported. Received: data_format={data_format}")
    Targmax = pick(output_dtype, Targmax, "output_dtype", "Targmax")
    x = to_tensor(input)
    _rank_is(x, (4,), "input", "max_pool_with_argmax")
    attrs = {"ksize": _sequence(ksize, 2, 3, "ksize"), "strides": _sequence(strides, 2, 3, "strides"), "padding": padding,
             "Targmax": as_dtype(Targmax or DType.i64), "include_batch_in_index": include_batch_in_index}
    op = add_op("MaxPoolWithArgmax", [x], attrs, name=name or "MaxPoolWithArgmax")
    return op.outputs[0], op.outputs[1]


def pool(input, window_shape, pooling_type, padding, dilation_rate=None, strides=None, name=None, data_format=None, dilations=None):
    """N-D max or average pooling, dilated through with_space_to_batch as TensorFlow does."""
    dilation_rate = pick(dilations, dilation_rate, "dilations", "dilation_rate")
    x = to_tensor(input)
    window = [int(w) for w in np.ravel(window_shape)]
    n = len(window)
    if not 1 <= n <= 3:
        raise ValueError(f"`len(window_shape)` must be 1, 2, or 3. Received: window_shape={window_shape} of length {n}")
    _rank_is(x, (n + 2,), "input", "pool")
    strides = [1] * n if strides is None else [int(s) for s in np.ravel(strides)]
    rate = [1] * n if dilation_rate is None else [int(r) for r in np.ravel(dilation_rate)]
    if any(r > 1 for r in rate) and any(s > 1 for s in strides):
        raise ValueError(f"`strides` > 1 not supported in conjunction with `dilation_rate` > 1. Received: strides={strides} and "
                         f"dilation_rate={rate}")
    if padding == "SAME" and any(r > 1 for r in rate):
        raise ValueError(f"pooling with 'SAME' padding is not implemented for `dilation_rate` > 1. Received: padding={padding} and "
                         f"dilation_rate={rate}")
    if any(s > w for s, w in zip(strides, window)):
        raise ValueError(f"`strides` > `window_shape` not supported. Received: strides={strides} and window_shape={window}")
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"pooling_type must be 'MAX' or 'AVG'. Received: pooling_type={pooling_type!r}")
    fn = {("MAX", 1): max_pool1d, ("MAX", 2): max_pool, ("MAX", 3): max_pool3d, ("AVG", 1): avg_pool1d, ("AVG", 2): avg_pool,
          ("AVG", 3): avg_pool3d}[pooling_type, n]
    channels_first = data_format is not None and data_format.startswith("NC")
    full = (lambda v: [1, 1] + v) if channels_first else (lambda v: [1] + v + [1])
    with get_default_graph().name_scope(name or f"{pooling_type.lower()}_pool"):
        def op(converted, _, pad):
            if n == 1:
                return fn(converted, window, strides, pad, data_format=data_format or "NWC")
            default = "NHWC" if n == 2 else "NDHWC"
            return fn(converted, full(window), full(strides), pad, data_format=data_format or default)

        return with_space_to_batch(x, rate, padding, op, filter_shape=window, data_format=data_format)


# --- normalization ------------------------------------------------------------------------------

def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):
    """Each value divided by ``(bias + alpha * sum of squares over 2 * depth_radius + 1 channels) ** beta``."""
    x = to_tensor(input)
    _rank_is(x, (4,), "input", "local_response_normalization")
    attrs = {"depth_radius": int(depth_radius), "bias": float(bias), "alpha": float(alpha), "beta": float(beta)}
    return add("LRN", [x], attrs, name=name or "LRN")


lrn = local_response_normalization


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """(y, mean, variance): batch statistics when training (the variance unbiased), else the given ones."""
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
        raise ValueError("Both `mean` and `variance` must be a 1D tensor when `is_training` is False or `exponential_avg_factor` != 1.0. "
                         f"Received: `mean` {mean!r} and `variance` {variance!r}")
    x = to_tensor(x)
    _rank_is(x, (4, 5), "x", "fused_batch_norm")
    scale = to_tensor(scale)
    empty = np.zeros([0], np.float32)
    inputs = [x, scale, like(offset, scale), like(empty if mean is None else mean, scale), like(empty if variance is None else variance, scale)]
    attrs = {"epsilon": float(epsilon), "exponential_avg_factor": float(exponential_avg_factor), "data_format": data_format,
             "is_training": bool(is_training)}
    op = add_op("FusedBatchNormV3", inputs, attrs, name=name or "FusedBatchNormV3")
    return op.outputs[0], op.outputs[1], op.outputs[2]


def batch_norm_with_global_normalization(t=None, m=None, v=None, beta=None, gamma=None, variance_epsilon=None, scale_after_normalization=None,
                                         name=None, input=None, mean=None, variance=None):
    """batch_normalization, ``gamma`` applied only if ``scale_after_normalization``."""
    t, m, v = pick(input, t, "input", "t"), pick(mean, m, "mean", "m"), pick(variance, v, "variance", "v")
    return batch_normalization(t, m, v, beta, gamma if scale_after_normalization else None, variance_epsilon, name)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(|x|**2, axis), epsilon)): unit L2 norm along ``axis`` (every axis when None);
    also ``tf.math.l2_normalize``."""
    axis = pick(axis, dim, "axis", "dim")
    with get_default_graph().name_scope(name or "l2_normalize") as scope:
        x = to_tensor(x, name="x")
        check_axes("l2_normalize", x, axis)
        if x.dtype.is_complex:
            parts = [add(part, [x], {"Tout": DType.f64 if x.dtype == DType.c128 else DType.f32}, name=part) for part in ("Real", "Imag")]
            square_sum = math_ops.reduce_sum(math_ops.add_(math_ops.square(parts[0]), math_ops.square(parts[1])), axis, keepdims=True)
            inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, like(epsilon, square_sum)))
            return add("Complex", [math_ops.multiply(part, inv_norm) for part in parts], {"Tout": x.dtype}, name=scope)
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, like(epsilon, square_sum)))
        return math_ops.multiply(x, inv_norm, name=scope)


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """(count, sum, sum of squares, shift) of ``x`` over ``axes`` (sums of ``x - shift`` when shifted)."""
    axes = sorted(set(axes))
    keepdims = bool(pick(keepdims, keep_dims, "keepdims", "keep_dims"))
    x = to_tensor(x)
    with get_default_graph().name_scope(name or "sufficient_statistics"):
        dims = x.shape.as_list() if x.shape.ndims is not None else None
        if dims is not None and all(dims[d] is not None for d in axes):
            counts = to_tensor(float(np.prod([dims[d] for d in axes])), x.dtype, "count")
        else:
            rank = array_ops.rank(x)
            positive = [math_ops.add_(a, rank) if a < 0 else a for a in axes]
            counts = math_ops.reduce_prod(array_ops.gather(math_ops.cast(array_ops.shape(x), x.dtype), array_ops.stack(positive)), name="count")
        if shift is not None:
            shift = like(shift, x)
            m_ss, v_ss = math_ops.subtract(x, shift), math_ops.squared_difference(x, shift)
        else:
            m_ss, v_ss = x, math_ops.square(x)
        m_ss = math_ops.reduce_sum(m_ss, axes, keepdims=keepdims, name="mean_ss")
        v_ss = math_ops.reduce_sum(v_ss, axes, keepdims=keepdims, name="var_ss")
    return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """(mean, variance) from sufficient_statistics' sums."""
    mean_ss = to_tensor(mean_ss)
    with get_default_graph().name_scope(name or "normalize"):
        divisor = math_ops.reciprocal(like(counts, mean_ss), name="divisor")
        shifted_mean = math_ops.multiply(mean_ss, divisor, name="shifted_mean" if shift is not None else "mean")
        mean = math_ops.add_(shifted_mean, like(shift, mean_ss), name="mean") if shift is not None else shifted_mean
        variance = math_ops.subtract(math_ops.multiply(like(variance_ss, mean_ss), divisor), math_ops.square(shifted_mean), name="variance")
    return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of ``x`` over ``axes``, each element counted ``frequency_weights`` times."""
    keepdims = bool(pick(keepdims, keep_dims, "keepdims", "keep_dims"))
    x = to_tensor(x)
    with get_default_graph().name_scope(name or "weighted_moments"):
        half = x.dtype == DType.f16
        if half:
            x = math_ops.cast(x, DType.f32)
        weights = to_tensor(frequency_weights) if isinstance(frequency_weights, Tensor) else to_tensor(frequency_weights, x.dtype)
        if weights.dtype != x.dtype:
            weights = math_ops.cast(weights, x.dtype)
        weighted_sum = math_ops.reduce_sum(math_ops.multiply(weights, x), axes, keepdims=True, name="weighted_input_sum")
        sum_of_weights = math_ops.reduce_sum(math_ops.add_(weights, array_ops.zeros_like(x)), axes, keepdims=True, name="sum_of_weights")
        mean = add("DivNoNan", [weighted_sum, sum_of_weights], name="DivNoNan")
        distsq = math_ops.reduce_sum(math_ops.multiply(weights, math_ops.squared_difference(x, mean)), axes, keepdims=True, name="weighted_distsq")
        variance = add("DivNoNan", [distsq, sum_of_weights], name="DivNoNan")
        if not keepdims:
            mean, variance = array_ops.squeeze(mean, axis=axes), array_ops.squeeze(variance, axis=axes)
        if half:
            mean, variance = math_ops.cast(mean, DType.f16), math_ops.cast(variance, DType.f16)
    return mean, variance


# --- activations --------------------------------------------------------------------------------

def crelu(features, name=None, axis=-1):
    """``relu(concat([x, -x], axis))``: both signs kept, doubling the ``axis`` dimension."""
    x = to_tensor(features)
    with get_default_graph().name_scope(name or "CRelu"):
        return relu(array_ops.concat([x, math_ops.negative(x)], axis, name="CRelu"))


def swish(features, beta=1.0):
    """``features * sigmoid(beta * features)``."""
    x = to_tensor(features)
    beta = math_ops.cast(to_tensor(beta), x.dtype) if isinstance(beta, Tensor) else to_tensor(beta, x.dtype, "beta")
    return math_ops.multiply(x, math_ops.sigmoid(math_ops.multiply(beta, x)))


silu = swish


def relu_layer(x, weights, biases, name=None):
    """``relu(x @ weights + biases)``."""
    with get_default_graph().name_scope(name or "relu_layer"):
        return relu(xw_plus_b(x, weights, biases), name="Relu")


def zero_fraction(value, name=None):
    """The fraction of ``value``'s elements that are zero, as a float32 scalar."""
    x = to_tensor(value)
    with get_default_graph().name_scope(name or "zero_fraction"):
        size = add("Size", [x], {"out_type": DType.i64}, name="Size")
        nonzero = math_ops.not_equal(x, array_ops.zeros([], x.dtype))
        count = math_ops.cast(math_ops.reduce_sum(math_ops.cast(nonzero, DType.i32), name="nonzero_count"), DType.i64)
        zeros = math_ops.cast(math_ops.subtract(size, count), DType.f32)
        return array_ops.identity(math_ops.divide(zeros, math_ops.cast(size, DType.f32)), name="fraction")


# --- losses -------------------------------------------------------------------------------------

def _same_shape(a, b, what: str, other: str) -> None:
    if a.shape.ndims is not None and b.shape.ndims is not None and not all(
            x is None or y is None or x == y for x, y in zip(a.shape.as_list(), b.shape.as_list())) or (
            a.shape.ndims is not None and b.shape.ndims is not None and a.shape.ndims != b.shape.ndims):
        raise ValueError(f"`{what}` and `{other}` must have the same shape, received ({b.shape} vs {a.shape}).")


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """``exp(log_input) - log_input * targets``, plus Stirling's term for ``targets > 1`` if ``compute_full_loss``."""
    log_input = to_tensor(log_input)
    targets = like(targets, log_input)
    _same_shape(targets, log_input, "log_input", "targets")
    with get_default_graph().name_scope(name or "log_poisson_loss"):
        result = math_ops.subtract(math_ops.exp(log_input), math_ops.multiply(log_input, targets))
        if compute_full_loss:
            half, two_pi = to_tensor(0.5, targets.dtype), to_tensor(2 * np.pi, targets.dtype)
            stirling = math_ops.add_(math_ops.subtract(math_ops.multiply(targets, math_ops.log(targets)), targets),
                                     math_ops.multiply(half, math_ops.log(math_ops.multiply(two_pi, targets))))
            zeros, ones = array_ops.zeros_like(targets), array_ops.ones_like(targets)
            small = math_ops.logical_and(math_ops.greater_equal(targets, zeros), math_ops.less_equal(targets, ones))
            result = math_ops.add_(result, array_ops.where(small, zeros, stirling))
        return result


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """sigmoid cross entropy with the positive term weighted by ``pos_weight``, in TensorFlow's stable form."""
    labels = pick(labels, targets, "labels", "targets")
    logits = to_tensor(logits)
    labels = like(labels, logits)
    _same_shape(labels, logits, "logits", "labels")
    with get_default_graph().name_scope(name or "logistic_loss"):
        log_weight = math_ops.add_(1.0, math_ops.multiply(math_ops.subtract(like(pos_weight, logits), 1.0), labels))
        softplus_neg = math_ops.add_(math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs_(logits)))), relu(math_ops.negative(logits)))
        return math_ops.add_(math_ops.multiply(math_ops.subtract(1.0, labels), logits), math_ops.multiply(log_weight, softplus_neg),
                             name="logistic_loss")


def _weighted(loss, sample_weight):
    """``loss * sample_weight`` in float32, a weight of one more (trailing) or one fewer dimension squeezed or expanded to match."""
    dtype = loss.dtype
    loss = math_ops.cast(loss, DType.f32)
    weight = math_ops.cast(sample_weight if isinstance(sample_weight, Tensor) else to_tensor(sample_weight, DType.f32), DType.f32)
    loss_rank, weight_rank = loss.shape.ndims, weight.shape.ndims
    if loss_rank is not None and weight_rank:
        if weight_rank - loss_rank == 1:
            weight = array_ops.squeeze(weight, [-1])
        elif loss_rank - weight_rank == 1:
            weight = array_ops.expand_dims(weight, -1)
    return math_ops.cast(math_ops.multiply(loss, weight), dtype)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """The summed (weighted) loss divided by the global batch size (the batch size: tfc runs one replica)."""
    loss = to_tensor(per_example_loss)
    if loss.shape.ndims == 0:
        raise ValueError(f"Invalid value passed for `per_example_loss`. Expected a tensor with at least rank 1. Received shape {loss.shape}")
    if sample_weight is not None:
        loss = _weighted(loss, sample_weight)
    if global_batch_size is None:
        global_batch_size = array_ops.shape(loss)[0]
    elif not isinstance(global_batch_size, Tensor) and (np.ndim(global_batch_size) != 0 or not float(global_batch_size).is_integer()
                                                         or global_batch_size < 0):
        raise ValueError(f"global_batch_size must be a non-negative integer scalar. Received: global_batch_size={global_batch_size}")
    batch = math_ops.cast(to_tensor(global_batch_size, None if isinstance(global_batch_size, Tensor) else DType.i32), loss.dtype)
    return add("DivNoNan", [math_ops.reduce_sum(loss), batch], name="DivNoNan")


def scale_regularization_loss(regularization_loss):
    """The summed regularization loss over the number of replicas (one in tfc)."""
    return math_ops.divide(math_ops.reduce_sum(to_tensor(regularization_loss)), 1)


_NOT_EXPORTED = ("annotations", "DType", "Tensor", "add", "add_op", "check_axes", "clip_ops", "like", "pick", "to_tensor", "array_ops", "as_dtype",
                 "get_default_graph", "math_ops", "np", "random_ops", "collections")
__all__ = [name for name in dir() if not name.startswith("_") and name not in _NOT_EXPORTED]
