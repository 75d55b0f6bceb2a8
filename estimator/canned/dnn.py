"""``tf.estimator.DNNRegressor`` and ``DNNClassifier``: a feed-forward network over the dense feature
columns (numeric, bucketized, indicator, embedding), with TensorFlow's variable names
(``dnn/input_from_feature_columns/input_layer/<column>/embedding_weights``, ``dnn/hiddenlayer_<i>/kernel``,
``bias``, ``dnn/logits/...``), Glorot-uniform kernels and zero biases as Keras layers start."""

from __future__ import annotations

from tfc.compat.v1 import get_variable, glorot_uniform_initializer, matmul, variable_scope, zeros_initializer
from tfc.compat.v1.nn_ops import dropout as drop
from tfc.compat.v1.nn_ops import relu

from ..mode_keys import ModeKeys
from .canned_estimator import CannedClassifier, CannedEstimator, classification_head, regression_head, weight_key
from .feature_input import FeatureEncoder, checked_columns, dense_input
from .heads import SUM_OVER_BATCH_SIZE

LEARNING_RATE = 0.05  # TensorFlow's default for a DNN's named optimizer
SCOPE = "dnn"


def dense_layer(name: str, inputs, units: int):
    """``inputs @ kernel + bias`` in variable scope ``name``."""
    with variable_scope(name):
        kernel = get_variable("kernel", [int(inputs.shape[1]), units], initializer=glorot_uniform_initializer())
        bias = get_variable("bias", [units], initializer=zeros_initializer())
    return matmul(inputs, kernel) + bias


def dnn_logits(features, mode, logits_dimension, network: tuple):
    """The DNN's logits; ``network``: (hidden units, columns, activation_fn, dropout) — dropout at
    ``rate=dropout`` in training only."""
    hidden_units, columns, activation_fn, dropout = network
    net = dense_input(features, columns, f"{SCOPE}/input_from_feature_columns/input_layer")
    for index, units in enumerate(hidden_units):
        net = activation_fn(dense_layer(f"{SCOPE}/hiddenlayer_{index}", net, units))
        if dropout is not None and mode == ModeKeys.TRAIN:
            net = drop(net, rate=dropout)
    return dense_layer(f"{SCOPE}/logits", net, logits_dimension)


def checked_dnn(owner: str, hidden_units, feature_columns, activation_fn, dropout, batch_norm) -> tuple:
    """The network: (hidden units, columns, activation_fn, dropout); bad units, dropout or
    batch_norm=True are refused by name."""
    units = tuple(hidden_units or ())
    if not units or any(not isinstance(unit, int) or unit < 1 for unit in units):
        raise ValueError(f"{owner}: hidden_units must be a non-empty list of positive ints, got {hidden_units!r}")
    if dropout is not None and not 0.0 <= dropout < 1.0:
        raise ValueError(f"{owner}: dropout must be in [0, 1), got {dropout!r}")
    if batch_norm:
        raise ValueError(f"{owner}: batch_norm=True is not supported yet")
    if not callable(activation_fn):
        raise ValueError(f"{owner}: activation_fn must be callable, got {activation_fn!r}")
    return units, checked_columns(feature_columns, owner, dense_only=True), activation_fn, dropout


def dnn_logits_fn(network: tuple):
    return lambda features, mode, logits_dimension: dnn_logits(features, mode, logits_dimension, network)


class DNNRegressor(CannedEstimator):
    """``DNNRegressor(hidden_units, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
    optimizer='Adagrad', activation_fn=tf.nn.relu, dropout=None, config=None, warm_start_from=None,
    loss_reduction=SUM_OVER_BATCH_SIZE, batch_norm=False)``."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer="Adagrad",
                 activation_fn=relu, dropout=None, config=None, warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE,
                 batch_norm=False):
        network = checked_dnn("DNNRegressor", hidden_units, feature_columns, activation_fn, dropout, batch_norm)
        head = regression_head(label_dimension, weight_column, loss_reduction, "DNNRegressor")
        super().__init__(dnn_logits_fn(network), head, [(SCOPE, optimizer, LEARNING_RATE)], FeatureEncoder(network[1], weight_key(weight_column)),
                         model_dir, config, warm_start_from)


class DNNClassifier(CannedClassifier):
    """``DNNClassifier(hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
    label_vocabulary=None, optimizer='Adagrad', activation_fn=tf.nn.relu, dropout=None, config=None,
    warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE, batch_norm=False)``."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer="Adagrad", activation_fn=relu, dropout=None, config=None, warm_start_from=None,
                 loss_reduction=SUM_OVER_BATCH_SIZE, batch_norm=False):
        network = checked_dnn("DNNClassifier", hidden_units, feature_columns, activation_fn, dropout, batch_norm)
        head = classification_head(n_classes, weight_column, label_vocabulary, loss_reduction, "DNNClassifier")
        super().__init__(dnn_logits_fn(network), head, [(SCOPE, optimizer, LEARNING_RATE)], FeatureEncoder(network[1], weight_key(weight_column)),
                         model_dir, config, warm_start_from)


__all__ = ["DNNClassifier", "DNNRegressor"]
