"""``tf.contrib.learn``'s estimators as the seed used them: ``fit``/``evaluate``/``predict`` taking
arrays (``x``, ``y``, ``batch_size``) or an ``input_fn``, with contrib's constructor arguments, over
tfc's canned estimators.

    columns = [tfc.contrib.layers.real_valued_column("", dimension=4)]
    classifier = tfc.contrib.learn.DNNClassifier(hidden_units=[10, 20, 10], feature_columns=columns, n_classes=3)
    classifier.fit(x=train_x, y=train_y, steps=200)
    classifier.evaluate(x=test_x, y=test_y)["accuracy"]

Arrays ``x`` are the features: a dict, or one array read by the column named "" (contrib's rule).
``fit`` shuffles them (seeded) into batches of ``batch_size`` (all rows when None), repeating.
"""

from __future__ import annotations

import numpy as np

from tfc import data
from tfc.compat.v1.nn_ops import relu
from tfc.estimator import canned

from .sdca_linear import SDCATraining, checked_optimizer

SHUFFLE_SEED = 0


def as_features(x) -> dict:
    """contrib's features: a dict as given, else the one array under the key ""."""
    return dict(x) if isinstance(x, dict) else {"": np.asarray(x)}


def array_input_fn(x, y, batch_size, shuffle: bool, repeat: bool):
    """An input_fn over arrays: ``batch_size`` rows per batch (all when None)."""
    features = as_features(x)
    rows = len(next(iter(features.values())))
    elements = features if y is None else (features, np.asarray(y))

    def input_fn():
        dataset = data.Dataset.from_tensor_slices(elements)
        if shuffle:
            dataset = dataset.shuffle(rows, seed=SHUFFLE_SEED)
        if repeat:
            dataset = dataset.repeat()
        return dataset.batch(batch_size or rows)

    return input_fn


def chosen_input_fn(x, y, input_fn, batch_size, training: bool):
    """``input_fn``, or one over the arrays; an input_fn passed first (``fit(my_input_fn)``) counts as one."""
    if callable(x) and input_fn is None:
        x, input_fn = None, x
    if (x is None) == (input_fn is None):
        raise ValueError("Either x or input_fn must be provided (and not both).")
    if input_fn is not None:
        if y is not None or batch_size is not None:
            raise ValueError("y and batch_size go with x, not with input_fn.")
        return input_fn
    return array_input_fn(x, y, batch_size, shuffle=training, repeat=training)


class ContribEstimator:
    """contrib.learn's methods over a canned estimator (``fit`` is ``train``)."""

    def fit(self, x=None, y=None, input_fn=None, steps=None, batch_size=None, monitors=None, max_steps=None):
        """Train on arrays or an input_fn for ``steps`` more steps (or up to ``max_steps``); returns self."""
        if steps is None and max_steps is None and input_fn is None:
            raise ValueError("fit on arrays repeats them: give steps or max_steps")
        return self.train(chosen_input_fn(x, y, input_fn, batch_size, True), hooks=monitors, steps=steps, max_steps=max_steps)

    def evaluate(self, x=None, y=None, input_fn=None, feed_fn=None, batch_size=None, steps=None, metrics=None, name=None,
                 checkpoint_path=None, hooks=None, log_progress=True):
        """The metrics on arrays (one pass) or an input_fn."""
        if feed_fn is not None or metrics is not None:
            raise ValueError("evaluate: feed_fn and metrics are not supported")
        chosen = chosen_input_fn(x, y, input_fn, batch_size, False)
        return super().evaluate(chosen, steps=steps, hooks=hooks, checkpoint_path=checkpoint_path, name=name)

    def predict(self, x=None, input_fn=None, batch_size=None, outputs=None, as_iterable=True):
        """Predictions on arrays or an input_fn: an iterator of dicts, or (``as_iterable=False``) a
        dict of batch-major arrays."""
        chosen = chosen_input_fn(x, None, input_fn, batch_size, False)
        predictions = super().predict(chosen, predict_keys=outputs)
        if as_iterable:
            return predictions
        rows = list(predictions)
        return {key: np.stack([row[key] for row in rows]) for key in rows[0]}


class ContribRegressor(ContribEstimator):
    def predict_scores(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        scores = (p["predictions"] for p in self.predict(x, input_fn, batch_size, ["predictions"]))
        return (s[0] if s.shape == (1,) else s for s in scores) if as_iterable else np.squeeze(np.stack(list(scores)), -1)


class ContribClassifier(ContribEstimator):
    def predict_classes(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        ids = (int(p["class_ids"][0]) for p in self.predict(x, input_fn, batch_size, ["class_ids"]))
        return ids if as_iterable else np.array(list(ids))

    def predict_proba(self, x=None, input_fn=None, batch_size=None, as_iterable=True):
        rows = (p["probabilities"] for p in self.predict(x, input_fn, batch_size, ["probabilities"]))
        return rows if as_iterable else np.stack(list(rows))


def default(optimizer, name: str):
    return name if optimizer is None else optimizer


class LinearRegressor(SDCATraining, ContribRegressor, canned.LinearRegressor):
    """``tf.contrib.learn.LinearRegressor(feature_columns, model_dir=None, weight_column_name=None,
    optimizer=None, gradient_clip_norm=None, enable_centered_bias=False, label_dimension=1, config=None)``.
    With ``optimizer=tfc.contrib.linear_optimizer.SDCAOptimizer(example_id_column)`` it trains by SDCA
    on the squared loss (:mod:`.sdca_linear`); label_dimension must then be 1."""

    _sdca_loss = "squared_loss"

    def __init__(self, feature_columns, model_dir=None, weight_column_name=None, optimizer=None, gradient_clip_norm=None,
                 enable_centered_bias=False, label_dimension=1, _joint_weights=False, config=None, feature_engineering_fn=None):
        refuse(gradient_clip_norm=gradient_clip_norm, enable_centered_bias=enable_centered_bias, feature_engineering_fn=feature_engineering_fn)
        self._sdca = checked_optimizer(optimizer, "LinearRegressor", label_dimension=(label_dimension, 1, "1"))
        super().__init__(feature_columns, model_dir=model_dir, label_dimension=label_dimension, weight_column=weight_column_name,
                         optimizer=default(None if self._sdca else optimizer, "Ftrl"), config=config)


class LinearClassifier(SDCATraining, ContribClassifier, canned.LinearClassifier):
    """``tf.contrib.learn.LinearClassifier(feature_columns, model_dir=None, n_classes=2, weight_column_name=None,
    optimizer=None, gradient_clip_norm=None, enable_centered_bias=False, config=None)``. With
    ``optimizer=tfc.contrib.linear_optimizer.SDCAOptimizer(example_id_column)`` it trains by SDCA on the
    logistic loss (:mod:`.sdca_linear`), as contrib's: two classes only."""

    _sdca_loss = "logistic_loss"

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column_name=None, optimizer=None, gradient_clip_norm=None,
                 enable_centered_bias=False, _joint_weight=False, config=None, feature_engineering_fn=None, label_keys=None):
        refuse(gradient_clip_norm=gradient_clip_norm, enable_centered_bias=enable_centered_bias, feature_engineering_fn=feature_engineering_fn)
        self._sdca = checked_optimizer(optimizer, "LinearClassifier", n_classes=(n_classes, 2, "2 (SDCA trains binary classifiers)"))
        super().__init__(feature_columns, model_dir=model_dir, n_classes=n_classes, weight_column=weight_column_name,
                         label_vocabulary=label_keys, optimizer=default(None if self._sdca else optimizer, "Ftrl"), config=config)


class DNNRegressor(ContribRegressor, canned.DNNRegressor):
    """``tf.contrib.learn.DNNRegressor(hidden_units, feature_columns, model_dir=None, weight_column_name=None,
    optimizer=None, activation_fn=tf.nn.relu, dropout=None, ..., config=None, label_dimension=1)``."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, weight_column_name=None, optimizer=None, activation_fn=relu,
                 dropout=None, gradient_clip_norm=None, enable_centered_bias=False, config=None, feature_engineering_fn=None,
                 label_dimension=1, embedding_lr_multipliers=None, input_layer_min_slice_size=None):
        refuse(gradient_clip_norm=gradient_clip_norm, enable_centered_bias=enable_centered_bias, feature_engineering_fn=feature_engineering_fn,
               embedding_lr_multipliers=embedding_lr_multipliers)
        super().__init__(hidden_units, feature_columns, model_dir=model_dir, label_dimension=label_dimension, weight_column=weight_column_name,
                         optimizer=default(optimizer, "Adagrad"), activation_fn=activation_fn, dropout=dropout, config=config)


class DNNClassifier(ContribClassifier, canned.DNNClassifier):
    """``tf.contrib.learn.DNNClassifier(hidden_units, feature_columns, model_dir=None, n_classes=2,
    weight_column_name=None, optimizer=None, activation_fn=tf.nn.relu, dropout=None, ..., config=None)``."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column_name=None, optimizer=None,
                 activation_fn=relu, dropout=None, gradient_clip_norm=None, enable_centered_bias=False, config=None,
                 feature_engineering_fn=None, embedding_lr_multipliers=None, input_layer_min_slice_size=None, label_keys=None):
        refuse(gradient_clip_norm=gradient_clip_norm, enable_centered_bias=enable_centered_bias, feature_engineering_fn=feature_engineering_fn,
               embedding_lr_multipliers=embedding_lr_multipliers)
        super().__init__(hidden_units, feature_columns, model_dir=model_dir, n_classes=n_classes, weight_column=weight_column_name,
                         label_vocabulary=label_keys, optimizer=default(optimizer, "Adagrad"), activation_fn=activation_fn, dropout=dropout,
                         config=config)


def refuse(**arguments) -> None:
    """contrib arguments tfc does not implement: given ones are named rather than ignored."""
    given = sorted(name for name, value in arguments.items() if value not in (None, False))
    if given:
        raise ValueError(f"{', '.join(given)}: not supported by tfc.contrib.learn")


__all__ = ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor"]
