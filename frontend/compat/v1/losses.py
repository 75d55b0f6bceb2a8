"""TensorFlow 1's ``tf.losses``: each loss weighs its per-element losses, reduces them as ``reduction``
says (by default the sum over the number of non-zero weights) and adds the result to the
``loss_collection``, so ``tf.losses.get_total_loss()`` sums what a model made (plus its regularization
losses), as TF1 training code expects.

    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    total = tf.losses.get_total_loss()
"""

from __future__ import annotations

from tfc.types import DType

from . import array_ops, math_ops, nn_ops
from .graph import get_default_graph
from .ops import to_tensor

LOSSES = "losses"  # TF1's GraphKeys.LOSSES
REGULARIZATION_LOSSES = "regularization_losses"  # TF1's GraphKeys.REGULARIZATION_LOSSES


class Reduction:
    """How a weighted loss is reduced (TensorFlow 1's ``tf.losses.Reduction``)."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"tf.losses: invalid reduction {key!r}, expected one of {sorted(set(cls.all()))}")


def _div_no_nan(numerator, denominator):
    """``numerator / denominator``, 0 where the denominator is 0 (TF1's safe mean)."""
    positive = math_ops.greater(denominator, 0.0)
    safe = array_ops.where(positive, denominator, array_ops.ones_like(denominator))
    return array_ops.where(positive, math_ops.divide(numerator, safe), array_ops.zeros_like(numerator))


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``losses * weights`` reduced by ``reduction``; the result joins ``loss_collection`` (None: no collection)."""
    Reduction.validate(reduction)
    with get_default_graph().name_scope(scope or "weighted_loss"):
        losses = to_tensor(losses)
        dtype = losses.dtype
        losses = math_ops.cast(losses, DType.f32)
        weights = math_ops.cast(to_tensor(weights), DType.f32)
        weighted = math_ops.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = math_ops.reduce_sum(weighted)
            broadcast = math_ops.multiply(array_ops.ones_like(losses), weights)
            if reduction == Reduction.MEAN:
                loss = _div_no_nan(loss, math_ops.reduce_sum(broadcast))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _div_no_nan(loss, math_ops.cast(array_ops.size(losses), DType.f32))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                present = math_ops.cast(math_ops.not_equal(broadcast, 0.0), DType.f32)
                loss = _div_no_nan(loss, math_ops.reduce_sum(present))
        loss = math_ops.cast(loss, dtype)
    if loss_collection is not None:
        add_loss(loss, loss_collection)
    return loss


def _checked(labels, predictions, what: str):
    labels, predictions = math_ops.cast(to_tensor(labels), DType.f32), math_ops.cast(to_tensor(predictions), DType.f32)
    a, b = labels.shape.as_list(), predictions.shape.as_list()
    if a is not None and b is not None and (len(a) != len(b) or any(x is not None and y is not None and x != y for x, y in zip(a, b))):
        raise ValueError(f"tf.losses.{what}: labels shape {a} and predictions shape {b} must match")
    return labels, predictions


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``|predictions - labels|``, weighted and reduced."""
    labels, predictions = _checked(labels, predictions, "absolute_difference")
    return compute_weighted_loss(math_ops.abs_(math_ops.subtract(predictions, labels)), weights, scope or "absolute_difference",
                                 loss_collection, reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``(predictions - labels)**2``, weighted and reduced."""
    labels, predictions = _checked(labels, predictions, "mean_squared_error")
    return compute_weighted_loss(math_ops.squared_difference(predictions, labels), weights, scope or "mean_squared_error", loss_collection,
                                 reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Binary cross-entropy of probabilities: ``-y log(p + eps) - (1 - y) log(1 - p + eps)``."""
    labels, predictions = _checked(labels, predictions, "log_loss")
    positive = math_ops.multiply(labels, math_ops.log(math_ops.add_(predictions, epsilon)))
    negative = math_ops.multiply(math_ops.subtract(1.0, labels), math_ops.log(math_ops.add_(math_ops.subtract(1.0, predictions), epsilon)))
    losses = math_ops.subtract(math_ops.negative(positive), negative)
    return compute_weighted_loss(losses, weights, scope or "log_loss", loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``max(0, 1 - (2y - 1) * logits)`` for labels in {0, 1}."""
    labels, logits = _checked(labels, logits, "hinge_loss")
    signs = math_ops.subtract(math_ops.multiply(2.0, labels), 1.0)
    losses = nn_ops.relu(math_ops.subtract(1.0, math_ops.multiply(signs, logits)))
    return compute_weighted_loss(losses, weights, scope or "hinge_loss", loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Quadratic for errors up to ``delta``, linear beyond: ``0.5 q**2 + delta (|e| - q)``, ``q = min(|e|, delta)``."""
    labels, predictions = _checked(labels, predictions, "huber_loss")
    error = math_ops.abs_(math_ops.subtract(predictions, labels))
    quadratic = math_ops.minimum(error, delta)
    linear = math_ops.subtract(error, quadratic)
    losses = math_ops.add_(math_ops.multiply(0.5, math_ops.square(quadratic)), math_ops.multiply(delta, linear))
    return compute_weighted_loss(losses, weights, scope or "huber_loss", loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None, loss_collection=LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Sigmoid cross-entropy of ``logits``; labels smoothed towards 1/2 by ``label_smoothing``."""
    labels, logits = _checked(multi_class_labels, logits, "sigmoid_cross_entropy")
    if label_smoothing > 0:
        labels = math_ops.add_(math_ops.multiply(labels, 1.0 - label_smoothing), 0.5 * label_smoothing)
    losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope or "sigmoid_cross_entropy_loss", loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None, loss_collection=LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross-entropy per row; labels smoothed towards ``1/num_classes`` by ``label_smoothing``."""
    labels, logits = _checked(onehot_labels, logits, "softmax_cross_entropy")
    if label_smoothing > 0:
        classes = labels.shape.as_list()[-1]
        if classes is None:
            raise ValueError("tf.losses.softmax_cross_entropy: label_smoothing needs a known number of classes")
        labels = math_ops.add_(math_ops.multiply(labels, 1.0 - label_smoothing), label_smoothing / classes)
    losses = nn_ops.softmax_cross_entropy_with_logits(labels=array_ops.stop_gradient(labels), logits=logits)
    return compute_weighted_loss(losses, weights, scope or "softmax_cross_entropy_loss", loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross-entropy per row against integer class ``labels`` (shape ``[batch]`` or ``[batch, 1]``)."""
    labels, logits = to_tensor(labels), to_tensor(logits)
    dims = labels.shape.as_list()
    if dims is not None and len(dims) == 2 and dims[-1] == 1:
        labels = array_ops.squeeze(labels, [1])
    losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    weights = to_tensor(weights)
    weight_dims = weights.shape.as_list()
    if weight_dims is not None and len(weight_dims) == 2 and weight_dims[-1] == 1:
        weights = array_ops.squeeze(weights, [1])
    return compute_weighted_loss(losses, weights, scope or "sparse_softmax_cross_entropy_loss", loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None, loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
                    dim=None):
    """``1 - sum(labels * predictions, axis)`` for unit-normalized inputs (``dim`` is the old name of ``axis``)."""
    if dim is not None:
        if axis is not None:
            raise ValueError("tf.losses.cosine_distance: give axis or dim, not both")
        axis = dim
    if axis is None:
        raise ValueError("tf.losses.cosine_distance: you must specify 'axis'")
    labels, predictions = _checked(labels, predictions, "cosine_distance")
    losses = math_ops.subtract(1.0, math_ops.reduce_sum(math_ops.multiply(labels, predictions), axis, keepdims=True))
    return compute_weighted_loss(losses, weights, scope or "cosine_distance_loss", loss_collection, reduction)


def add_loss(loss, loss_collection=LOSSES):
    """Adds ``loss`` to ``loss_collection`` (None adds it nowhere)."""
    if loss_collection is not None:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=LOSSES):
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return get_default_graph().get_collection(REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (0.0 when there are none)."""
    losses = get_regularization_losses(scope)
    return math_ops.add_n(losses, name=name) if losses else array_ops.constant(0.0, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of :func:`get_losses` and, by default, the regularization losses; an error when there are none."""
    losses = get_losses(scope=scope) + (get_regularization_losses(scope) if add_regularization_losses else [])
    if not losses:
        raise ValueError("tf.losses.get_total_loss: no losses have been added to the graph (tf.GraphKeys.LOSSES is empty)")
    return math_ops.add_n(losses, name=name)


__all__ = ["Reduction", "absolute_difference", "add_loss", "compute_weighted_loss", "cosine_distance", "get_losses", "get_regularization_loss",
           "get_regularization_losses", "get_total_loss", "hinge_loss", "huber_loss", "log_loss", "mean_squared_error", "sigmoid_cross_entropy",
           "softmax_cross_entropy", "sparse_softmax_cross_entropy"]
