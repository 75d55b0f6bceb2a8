"""``tf.estimator.DNNLinearCombinedRegressor`` and ``DNNLinearCombinedClassifier`` (wide & deep): the
sum of a linear model's logits over ``linear_feature_columns`` (wide) and a DNN's over
``dnn_feature_columns`` (deep), each part trained by its own optimizer (TensorFlow's defaults: Ftrl
for the linear part, Adagrad for the DNN), the global step advancing once per step."""

from __future__ import annotations

from tfc.compat.v1.nn_ops import relu

from . import dnn, linear
from .canned_estimator import CannedClassifier, CannedEstimator, classification_head, regression_head, weight_key
from .feature_input import FeatureEncoder, linear_logits
from .heads import SUM_OVER_BATCH_SIZE


class WideAndDeep:
    """The checked parts of a wide & deep model: its logits_fn, optimizers and host encoder."""

    def __init__(self, owner, linear_feature_columns, linear_optimizer, dnn_feature_columns, dnn_optimizer, dnn_hidden_units,
                 dnn_activation_fn, dnn_dropout, batch_norm, linear_sparse_combiner, weight_column):
        if not linear_feature_columns and not dnn_feature_columns:
            raise ValueError(f"{owner}: Either linear_feature_columns or dnn_feature_columns must be defined.")
        self.linear_columns = linear.checked_linear(owner, linear_feature_columns, linear_sparse_combiner) if linear_feature_columns else ()
        self.network = (dnn.checked_dnn(owner, dnn_hidden_units, dnn_feature_columns, dnn_activation_fn, dnn_dropout, batch_norm)
                        if dnn_feature_columns else None)
        self.combiner = linear_sparse_combiner
        self.optimizers = []
        if self.network is not None:
            self.optimizers.append((dnn.SCOPE, dnn_optimizer, dnn.LEARNING_RATE))
        if self.linear_columns:
            self.optimizers.append((linear.SCOPE, linear_optimizer, linear.learning_rate(self.linear_columns)))
        every = {column.name: column for column in (*self.linear_columns, *(self.network[1] if self.network else ()))}
        self.encode = FeatureEncoder(tuple(every[name] for name in sorted(every)), weight_key(weight_column))

    def logits(self, features, mode, logits_dimension):
        parts = []
        if self.network is not None:
            parts.append(dnn.dnn_logits(features, mode, logits_dimension, self.network))
        if self.linear_columns:
            parts.append(linear_logits(features, self.linear_columns, logits_dimension, self.combiner))
        return parts[0] if len(parts) == 1 else parts[0] + parts[1]


class DNNLinearCombinedRegressor(CannedEstimator):
    """``DNNLinearCombinedRegressor(model_dir=None, linear_feature_columns=None, linear_optimizer='Ftrl',
    dnn_feature_columns=None, dnn_optimizer='Adagrad', dnn_hidden_units=None, dnn_activation_fn=tf.nn.relu,
    dnn_dropout=None, label_dimension=1, weight_column=None, config=None, warm_start_from=None,
    loss_reduction=SUM_OVER_BATCH_SIZE, batch_norm=False, linear_sparse_combiner='sum')``."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl", dnn_feature_columns=None,
                 dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=relu, dnn_dropout=None, label_dimension=1,
                 weight_column=None, config=None, warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE, batch_norm=False,
                 linear_sparse_combiner="sum"):
        model = WideAndDeep("DNNLinearCombinedRegressor", linear_feature_columns, linear_optimizer, dnn_feature_columns, dnn_optimizer,
                            dnn_hidden_units, dnn_activation_fn, dnn_dropout, batch_norm, linear_sparse_combiner, weight_column)
        head = regression_head(label_dimension, weight_column, loss_reduction, "DNNLinearCombinedRegressor")
        super().__init__(model.logits, head, model.optimizers, model.encode, model_dir, config, warm_start_from)


class DNNLinearCombinedClassifier(CannedClassifier):
    """``DNNLinearCombinedClassifier(model_dir=None, linear_feature_columns=None, linear_optimizer='Ftrl',
    dnn_feature_columns=None, dnn_optimizer='Adagrad', dnn_hidden_units=None, dnn_activation_fn=tf.nn.relu,
    dnn_dropout=None, n_classes=2, weight_column=None, label_vocabulary=None, config=None,
    warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE, batch_norm=False, linear_sparse_combiner='sum')``."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl", dnn_feature_columns=None,
                 dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=relu, dnn_dropout=None, n_classes=2,
                 weight_column=None, label_vocabulary=None, config=None, warm_start_from=None, loss_reduction=SUM_OVER_BATCH_SIZE,
                 batch_norm=False, linear_sparse_combiner="sum"):
        model = WideAndDeep("DNNLinearCombinedClassifier", linear_feature_columns, linear_optimizer, dnn_feature_columns, dnn_optimizer,
                            dnn_hidden_units, dnn_activation_fn, dnn_dropout, batch_norm, linear_sparse_combiner, weight_column)
        head = classification_head(n_classes, weight_column, label_vocabulary, loss_reduction, "DNNLinearCombinedClassifier")
        super().__init__(model.logits, head, model.optimizers, model.encode, model_dir, config, warm_start_from)


__all__ = ["DNNLinearCombinedClassifier", "DNNLinearCombinedRegressor"]
