"""TensorFlow's activation, bias, softmax and loss ops: Relu, Relu6, Elu, Selu, LeakyRelu, Softplus,
Softsign, BiasAdd, Softmax, LogSoftmax, the two softmax cross-entropies and L2Loss.

All are float ops whose results keep the operand dtype. Formulas follow TensorFlow's kernels
(and tf2xla's, where the two agree): Elu and Selu use expm1 for accuracy near zero, softmax and the
cross-entropies subtract the row maximum first, and an out-of-range sparse label gives NaN loss and
backprop for its row instead of failing at run time (what XLA-compiled TensorFlow does).
"""

from __future__ import annotations

from tfc.frontend import api as tnp
from tfc.registry import ShapeError
from tfc.types import DType, TensorType

from ..dialect import broadcast, same_as_first, tf_op, unknown
from .math import emit, full_like, same_dtype

# Selu's fixed point constants (Klambauer et al. 2017), as TensorFlow's kernel spells them.
SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


# ---- activations ---------------------------------------------------------------------------------
def _positive(x):
    return tnp.greater(x, full_like(x, 0))


def _elu(ctx, x):
    """x for x > 0, else e^x - 1."""
    return tnp.where(_positive(x), x, emit("expm1", x))


def _selu(ctx, x):
    negative = tnp.multiply(emit("expm1", x), SELU_ALPHA)
    return tnp.multiply(tnp.where(_positive(x), x, negative), SELU_SCALE)


def _leaky_relu(ctx, x):
    """x for x > 0, else alpha * x (a select, so alpha > 1 works too)."""
    alpha = float(ctx.attrs.get("alpha", 0.2))
    return tnp.where(_positive(x), x, tnp.multiply(x, alpha))


def _softplus(ctx, x):
    """log(1 + e^x) as max(x, 0) + log1p(e^-|x|): no overflow for large x, no underflow to 0 below."""
    return tnp.add(tnp.maximum(x, full_like(x, 0)), emit("log1p", emit("exp", tnp.negative(tnp.abs(x)))))


def _softsign(ctx, x):
    return emit("divide", x, tnp.add(tnp.abs(x), full_like(x, 1)))


_ACTIVATIONS = {
    "Relu": lambda ctx, x: tnp.maximum(x, full_like(x, 0)),
    "Relu6": lambda ctx, x: tnp.minimum(tnp.maximum(x, full_like(x, 0)), full_like(x, 6)),
    "Elu": _elu,
    "Selu": _selu,
    "LeakyRelu": _leaky_relu,
    "Softplus": _softplus,
    "Softsign": _softsign,
}
for _name, _fn in _ACTIVATIONS.items():
    tf_op(_name, same_as_first, _fn, outputs=(("activations", 1),))


# ---- BiasAdd -------------------------------------------------------------------------------------
def _channel_dim(ctx, rank: int) -> int:
    """NHWC: the last dimension; NCHW: dimension 1 (BiasAddV1 has no data_format and is NHWC)."""
    return 1 if str(ctx.attrs.get("data_format", "NHWC")).startswith("NC") else rank - 1


def _bias_add_type(ctx, value, bias):
    same_dtype(ctx, value, bias)
    if value.shape is None or bias.shape is None:
        return value
    if value.rank < 2 or bias.rank != 1:
        raise ShapeError(f"BiasAdd needs a value of rank >= 2 and a vector bias, got {value} and {bias}")
    channels = value.shape[_channel_dim(ctx, value.rank)]
    if None not in (channels, bias.shape[0]) and channels != bias.shape[0]:
        raise ShapeError(f"bias has {bias.shape[0]} entries for {channels} channels ({ctx.attrs.get('data_format', 'NHWC')} value {value})")
    return value


def _bias_add(ctx, value, bias):
    dim = _channel_dim(ctx, value.ndim)
    bias = tnp.reshape(bias, bias.shape + (1,) * (value.ndim - 1 - dim))
    return tnp.add(value, tnp.broadcast_to(bias, value.shape))


tf_op("BiasAdd", _bias_add_type, _bias_add)
tf_op("BiasAddV1", _bias_add_type, _bias_add)


# ---- softmax -------------------------------------------------------------------------------------
def _logits_type(ctx, logits):
    if logits.rank == 0:
        raise ShapeError(f"logits must have rank >= 1, got {logits}")
    return logits


tf_op("Softmax", _logits_type, lambda ctx, x: tnp.softmax(x, -1), outputs=(("softmax", 1),))
tf_op("LogSoftmax", _logits_type, lambda ctx, x: tnp.log_softmax(x, -1), outputs=(("logsoftmax", 1),))


# ---- cross-entropy losses ------------------------------------------------------------------------
_XENT_OUTPUTS = (("loss", 1), ("backprop", 1))


def _cross_entropy(logits, labels):
    """(loss, backprop) per row: loss = sum(labels * (logsumexp - logits)), backprop = softmax - labels."""
    shifted = tnp.subtract(logits, tnp.max(logits, 1, keepdims=True))
    exp = emit("exp", shifted)
    sum_exp = tnp.sum(exp, 1, keepdims=True)
    log_probs = tnp.subtract(shifted, emit("log", sum_exp))
    loss = tnp.negative(tnp.sum(tnp.multiply(labels, log_probs), 1))
    backprop = tnp.subtract(emit("divide", exp, tnp.broadcast_to(sum_exp, exp.shape)), labels)
    return [loss, backprop]


def _xent_type(ctx, features, labels):
    same_dtype(ctx, features, labels)
    pair = broadcast(ctx, features, labels)
    if pair.shape is None:
        return [TensorType(features.dtype, (None,)), pair]
    if pair.rank != 2:
        raise ShapeError(f"logits and labels must broadcast to a matrix [batch, classes], got {features} and {labels}")
    return [TensorType(features.dtype, pair.shape[:1]), pair]


def _xent(ctx, features, labels):
    shape = tnp.broadcast_shapes(features.shape, labels.shape)
    return _cross_entropy(tnp.broadcast_to(features, shape), tnp.broadcast_to(labels, shape))


def _sparse_xent_type(ctx, features, labels):
    if labels.dtype not in (DType.i32, DType.i64):
        raise ShapeError(f"labels must be int32 or int64 class indices, got {labels.dtype.value}")
    if features.shape is None:
        return [unknown(features.dtype) if labels.shape is None else TensorType(features.dtype, labels.shape), features]
    if features.rank != 2 or (labels.shape is not None and labels.rank != 1):
        raise ShapeError(f"logits must be a matrix and labels a vector, got {features} and {labels}")
    if labels.shape is not None and None not in (labels.shape[0], features.shape[0]) and labels.shape[0] != features.shape[0]:
        raise ShapeError(f"logits and labels must have the same batch size, got {features} and {labels}")
    return [TensorType(features.dtype, features.shape[:1]), features]


def _sparse_xent(ctx, features, labels):
    """One-hot labels, with a NaN row for a label outside [0, classes) (tf2xla's contract)."""
    classes = features.shape[1]
    index = tnp.emit("tfc.iota", [], {"iota_dimension": 1}, [TensorType(labels.dtype, features.shape)])
    column = tnp.broadcast_to(tnp.reshape(labels, labels.shape + (1,)), features.shape)
    one_hot = tnp.astype(tnp.equal(column, index), features.dtype)
    invalid = tnp.logical_or(tnp.less(column, full_like(column, 0)), tnp.greater_equal(column, full_like(column, classes)))
    return _cross_entropy(features, tnp.where(invalid, full_like(one_hot, float("nan")), one_hot))


tf_op("SoftmaxCrossEntropyWithLogits", _xent_type, _xent, outputs=_XENT_OUTPUTS)
tf_op("SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_type, _sparse_xent, outputs=_XENT_OUTPUTS)


def _l2_loss(ctx, t):
    """sum(t ** 2) / 2."""
    return tnp.multiply(tnp.sum(tnp.multiply(t, t)), 0.5)


tf_op("L2Loss", lambda ctx, t: TensorType(t.dtype, ()), _l2_loss)
