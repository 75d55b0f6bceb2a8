"""``tfc.toolkit.RNNClassifier``: tf.contrib.estimator's sequence classifier (stacked basic RNN, LSTM
or GRU cells, then a logits layer on the last valid step's output), trained by compiled tfc programs
(:mod:`.rnn_programs`).

tfc has no sequence feature columns yet, so a sequence feature is a ``numeric_column`` whose values
are ``[batch, time, *shape]``; ``features["sequence_length"]`` ([batch] ints, optional) says how many
steps of each example are real, and the padded steps after them change nothing. Context columns are
numeric columns ``[batch, *shape]`` joined to every step's input.
"""

from __future__ import annotations

import numpy as np

from tfc.estimator.canned.heads import ClassificationHead, checked_reduction
from tfc.estimator.mode_keys import ModeKeys
from tfc.feature_column.numeric import NumericColumn, numeric_column
from tfc.keras import optimizers as keras_optimizers
from tfc.keras.layers import GRU, LSTM, RNN, SimpleRNN

from . import rnn_programs as programs
from .estimator_interface import ToolkitEstimator

CELL_TYPES = {"basic_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}
OPTIMIZERS = {"adagrad": keras_optimizers.Adagrad, "adam": keras_optimizers.Adam, "sgd": keras_optimizers.SGD,
              "rmsprop": keras_optimizers.RMSprop}
LEARNING_RATE = 0.05  # TensorFlow's canned estimators' learning rate for an optimizer given by name
ITERATIONS = "training/iterations"


class RNNClassifier(ToolkitEstimator):
    """A recurrent network classifier of sequences (``tf.contrib.estimator.RNNClassifier``).

    Example::

        fc = tfc.feature_column
        model = tfc.toolkit.RNNClassifier([fc.numeric_column("x")], num_units=[16], cell_type="lstm", optimizer="Adam")
        model.fit({"x": x, "sequence_length": lengths}, y, steps=300, batch_size=64)   # x [n, time, 1]
        model.predict({"x": x_test, "sequence_length": lengths_test}), model.predict_proba(...)

    Without ``sequence_feature_columns`` the model takes one array ``[n, time, width]`` (or the
    dict key ``"x"``). ``cell_type`` is 'basic_rnn', 'lstm' or 'gru' (tfc.keras' SimpleRNN, LSTM, GRU
    steps), ``num_units`` the stacked cells' sizes; or ``rnn_cell_fn(mode)`` returns such tfc.keras
    layers. Two classes use one logit and a sigmoid, more a softmax, as TensorFlow's heads. Optimizers by
    name ('Adagrad', 'Adam', 'SGD', 'RMSProp', learning rate 0.05) or a tfc.keras optimizer. The
    starting weights come from ``random_seed`` (else ``config.tf_random_seed``, else 0). Estimator
    interface: ``train``/``evaluate`` (``accuracy``, ``average_loss``, ``loss``)/``predict``
    (``class_ids``, ``classes``, ``logits``, ``probabilities``).
    """

    SEQUENCE_LENGTH_KEY = "sequence_length"
    ARRAY_KEY = "x"

    def __init__(self, sequence_feature_columns=None, context_feature_columns=None, num_units=None, cell_type="basic_rnn",
                 rnn_cell_fn=None, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None, optimizer="Adagrad",
                 loss_reduction=programs.SUM_OVER_BATCH_SIZE, input_layer_partitioner=None, config=None, random_seed=None):
        super().__init__(model_dir, config)
        if input_layer_partitioner is not None:
            raise ValueError("RNNClassifier: input_layer_partitioner is not supported (tfc keeps each weight whole); pass None")
        self.sequence_columns = _columns(sequence_feature_columns, "sequence_feature_columns")
        self.context_columns = _columns(context_feature_columns, "context_feature_columns") or []
        if not self.sequence_columns and self.context_columns:
            raise ValueError("RNNClassifier: context_feature_columns need sequence_feature_columns")
        self.head = ClassificationHead(n_classes, weight_column, label_vocabulary, checked_reduction(loss_reduction, "RNNClassifier"))
        self.weight_column, self.optimizer = weight_column, _optimizer(optimizer)
        cells = _cells(num_units, cell_type, rnn_cell_fn)
        self.network = programs.Network(cells, self.head.logits_dimension, self.optimizer, loss_reduction)
        self.random_seed = int(random_seed if random_seed is not None else getattr(config, "tf_random_seed", None) or 0)

    # ---- the array interface ----------------------------------------------------------------------
    def fit(self, x, y, steps=200, batch_size=32):
        """Train from fresh weights for ``steps`` compiled steps on seeded batches of ``batch_size``
        examples of ``x`` (an array [n, time, width] or a features dict) and ``y`` [n]; returns self."""
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise ValueError(f"RNNClassifier.fit: steps must be a positive integer, got {steps!r}")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"RNNClassifier.fit: batch_size must be a positive integer, got {batch_size!r}")
        inputs, labels = self._weighted_inputs(x), self._labels(y)
        n = _count(inputs, labels)
        state = self._initial_state(x, y)
        batch = min(batch_size, n)
        order = np.concatenate([np.random.default_rng(self.random_seed + 1 + epoch).permutation(n)
                                for epoch in range(-(-steps * batch // n))])
        for step in range(steps):
            rows = order[step * batch:(step + 1) * batch]
            state, _ = self._step(state, tuple(None if a is None else a[rows] for a in inputs), labels[rows])
        self._set_state(state)
        return self

    def predict(self, input_fn=None, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Class ids [n] for an array or features dict; for an input_fn, the estimator's generator of dicts."""
        if callable(input_fn):
            return super().predict(input_fn, predict_keys, hooks, checkpoint_path, yield_single_examples)
        return self._predict_batch(self._get_state(), input_fn)["class_ids"][:, 0]

    def predict_proba(self, x) -> np.ndarray:
        """[n, n_classes]: each class's probability."""
        return self._predict_batch(self._get_state(), x)["probabilities"]

    # ---- the estimator interface's steps ----------------------------------------------------------
    def _initial_state(self, features, labels) -> dict:
        sequence, context, _ = self._inputs(features)
        width = sequence.shape[2] + (0 if context is None else context.shape[1])
        params = programs.initial_weights(self.network, width, self.random_seed)
        state = dict(params)
        for name, value in params.items():
            state.update({_slot_key(name, slot): v for slot, v in self.optimizer.slots(value).items()})
        state[ITERATIONS] = np.zeros((), np.int64)
        return state

    def _train_step(self, state: dict, features, labels) -> tuple[dict, float]:
        inputs = self._weighted_inputs(features)
        ids = self._labels(labels)
        _count(inputs, ids)
        return self._step(state, inputs, ids)

    def _evaluate_batch(self, state: dict, features, labels) -> dict:
        sequence, context, lengths, weights = self._weighted_inputs(features)
        self._check_width(state, (sequence, context))
        ids = self._labels(labels)
        n = _count((sequence, context, lengths, weights), ids)
        loss, correct, total = (float(v) for v in programs.batch_sums(self._params(state), sequence, context, lengths, ids, weights,
                                                                      network=self._evaluation_network()))
        per_batch = 1 if self.network.reduction == programs.SUM else n
        return {"accuracy": (correct, total), "average_loss": (loss, total), "loss": (loss, per_batch)}

    def _predict_batch(self, state: dict, features) -> dict:
        sequence, context, lengths = self._inputs(features)
        self._check_width(state, (sequence, context))
        logits, probabilities, ids = (np.asarray(v) for v in programs.predictions(self._params(state), sequence, context, lengths,
                                                                                   network=self._evaluation_network()))
        class_ids = ids.astype(np.int64).reshape(-1, 1)
        result = {"logits": logits, "probabilities": probabilities, "class_ids": class_ids, "classes": self.head.class_names(class_ids)}
        if self.network.logits == 1:
            result["logistic"] = probabilities[:, 1:]
        return result

    # ---- helpers ----------------------------------------------------------------------------------
    def _step(self, state: dict, inputs: tuple, ids: np.ndarray) -> tuple[dict, float]:
        """One compiled training step on a batch; the new state and the batch's loss."""
        self._check_width(state, inputs)
        params = self._params(state)
        slots = {name: {slot: state[_slot_key(name, slot)] for slot in self.optimizer.slots(params[name])} for name in params}
        rate = np.float32(self.optimizer.learning_rate.numpy())
        sequence, context, lengths, weights = inputs
        new_params, new_slots, iterations, loss = programs.train_step(params, slots, state[ITERATIONS], sequence, context, lengths, ids,
                                                                       weights, rate, network=self.network)
        new_state = {name: np.asarray(value) for name, value in new_params.items()}
        for name, values in new_slots.items():
            new_state.update({_slot_key(name, slot): np.asarray(v) for slot, v in values.items()})
        new_state[ITERATIONS] = np.asarray(iterations)
        return new_state, float(loss)

    def _params(self, state: dict) -> dict:
        names = [n for i in range(len(self.network.cells)) for n in programs.cell_names(i)] + [programs.LOGITS_KERNEL, programs.LOGITS_BIAS]
        missing = [n for n in names if n not in state]
        if missing:
            raise ValueError(f"RNNClassifier: the state has no {missing[0]}: it belongs to another network (its keys: {sorted(state)[:6]}...)")
        return {name: state[name] for name in names}

    def _evaluation_network(self) -> programs.Network:
        """The network without its optimizer: evaluation and prediction programs do not depend on it."""
        return programs.Network(self.network.cells, self.network.logits, None, self.network.reduction)

    def _check_width(self, state: dict, inputs: tuple) -> None:
        sequence, context = inputs[0], inputs[1]
        width = sequence.shape[2] + (0 if context is None else context.shape[1])
        expected = state[programs.cell_names(0)[0]].shape[0]
        if width != expected:
            raise ValueError(f"RNNClassifier: each step has {width} input values (sequence and context features), "
                             f"but the model was trained on {expected}")

    def _labels(self, labels) -> np.ndarray:
        if labels is None:
            raise ValueError("RNNClassifier: labels are needed to train or evaluate, got None")
        return self.head.encode_labels(np.asarray(labels)).reshape(-1).astype(np.int32)

    def _features(self, features) -> dict:
        """The features as a dict: an array is the only sequence column's."""
        if not isinstance(features, dict):
            if len(self.sequence_columns or []) > 1 or self.context_columns:
                raise TypeError("RNNClassifier: features must be a dict of the feature columns' keys when there are several columns, "
                                f"got {type(features).__name__}")
            key = self.sequence_columns[0].key if self.sequence_columns else self.ARRAY_KEY
            features = {key: features}
        return features

    def _inputs(self, features) -> tuple:
        """(sequence [n, time, width] float32, context [n, width] float32 or None, lengths [n] int32)."""
        features = self._features(features)
        columns = self.sequence_columns or [numeric_column(self.ARRAY_KEY)]
        sequence = np.concatenate([_sequence_values(features, c, not self.sequence_columns) for c in columns], axis=2)
        n, time = sequence.shape[0], sequence.shape[1]
        context = np.concatenate([_context_values(features, c, n) for c in self.context_columns], axis=1) if self.context_columns else None
        return sequence, context, _lengths(features.get(self.SEQUENCE_LENGTH_KEY), n, time)

    def _weighted_inputs(self, features) -> tuple:
        """The inputs and each example's weight (training and evaluation need the weight_column)."""
        inputs = self._inputs(features)
        return (*inputs, self._weights(self._features(features), inputs[0].shape[0]))

    def _weights(self, features: dict, n: int) -> np.ndarray:
        if self.weight_column is None:
            return np.ones(n, np.float32)
        key = getattr(self.weight_column, "key", self.weight_column)
        if key not in features:
            raise ValueError(f"RNNClassifier: weight_column '{key}' is not in the features {sorted(features)}")
        weights = np.asarray(features[key], np.float32).reshape(-1)
        if weights.shape[0] != n:
            raise ValueError(f"RNNClassifier: weight_column '{key}' has {weights.shape[0]} values for {n} examples")
        return weights


def _slot_key(name: str, slot: str) -> str:
    return f"{name}/optimizer/{slot}"


def _count(inputs: tuple, labels: np.ndarray) -> int:
    n = inputs[0].shape[0]
    if labels.shape[0] != n:
        raise ValueError(f"RNNClassifier: {labels.shape[0]} labels for {n} examples")
    return n


def _columns(columns, argument: str) -> list[NumericColumn] | None:
    """The numeric columns, sorted by name as TensorFlow's input layer orders them."""
    if columns is None:
        return None
    if isinstance(columns, NumericColumn):
        columns = [columns]
    columns = list(columns)
    for column in columns:
        if not isinstance(column, NumericColumn):
            raise TypeError(f"RNNClassifier: {argument} must be tfc.feature_column.numeric_column(...)s (tfc has no sequence columns "
                            f"yet), got {column!r}")
        if column.normalizer_fn is not None:
            raise ValueError(f"RNNClassifier: numeric_column '{column.key}' in {argument} has a normalizer_fn, which is not supported here")
    return sorted(columns, key=lambda c: c.name)


def _sequence_values(features: dict, column: NumericColumn, any_width: bool) -> np.ndarray:
    """A sequence feature as [n, time, width] float32 ([n, time] is allowed for a column of one value)."""
    if column.key not in features:
        raise ValueError(f"RNNClassifier: sequence feature '{column.key}' is not in the features {sorted(features)}")
    value = _numbers(features[column.key], column.key)
    if value.ndim == 2 and column.width == 1 and not any_width:
        value = value[:, :, None]
    if value.ndim < 3:
        raise ValueError(f"RNNClassifier: sequence feature '{column.key}' must be [batch, time, width], got shape {value.shape}")
    value = value.reshape(value.shape[0], value.shape[1], -1)
    if not any_width and value.shape[2] != column.width:
        raise ValueError(f"RNNClassifier: sequence feature '{column.key}' must have {column.width} values per step "
                         f"(shape {column.shape}), got shape {value.shape}")
    if value.shape[1] < 1:
        raise ValueError(f"RNNClassifier: sequence feature '{column.key}' has no time steps")
    return value


def _context_values(features: dict, column: NumericColumn, n: int) -> np.ndarray:
    if column.key not in features:
        raise ValueError(f"RNNClassifier: context feature '{column.key}' is not in the features {sorted(features)}")
    value = _numbers(features[column.key], column.key)
    value = value.reshape(value.shape[0], -1) if value.ndim else value
    if value.ndim != 2 or value.shape != (n, column.width):
        raise ValueError(f"RNNClassifier: context feature '{column.key}' must be [{n}, {column.width}] (one value set per example), "
                         f"got shape {np.shape(features[column.key])}")
    return value


def _numbers(value, key: str) -> np.ndarray:
    value = np.asarray(value)
    if value.dtype.kind not in "biuf":
        raise TypeError(f"RNNClassifier: feature '{key}' must hold numbers, got an array of {value.dtype}")
    return value.astype(np.float32)


def _lengths(lengths, n: int, time: int) -> np.ndarray:
    """Each example's number of real steps (all of them when not given)."""
    if lengths is None:
        return np.full(n, time, np.int32)
    values = np.asarray(lengths).reshape(-1)
    if values.dtype.kind not in "iu" or values.shape[0] != n:
        raise ValueError(f"RNNClassifier: features['sequence_length'] must be {n} integers, got {values.dtype} of shape {values.shape}")
    if np.any(values < 0) or np.any(values > time):
        raise ValueError(f"RNNClassifier: sequence_length values must be in [0, {time}] (the time steps given), "
                         f"got {sorted(set(values[(values < 0) | (values > time)].tolist()))[:5]}")
    return values.astype(np.int32)


def _cells(num_units, cell_type, rnn_cell_fn) -> tuple:
    """The recurrent layers, bottom first: from rnn_cell_fn, or one ``cell_type`` layer per num_units entry."""
    if rnn_cell_fn is not None:
        if num_units is not None:
            raise ValueError("RNNClassifier: num_units and cell_type must not be specified when using rnn_cell_fn")
        made = rnn_cell_fn(ModeKeys.TRAIN)
        return tuple(_checked_cell(cell) for cell in (made if isinstance(made, (list, tuple)) else [made]))
    if cell_type not in CELL_TYPES:
        raise ValueError(f"RNNClassifier: cell_type must be one of {sorted(CELL_TYPES)}, got {cell_type!r}")
    if num_units is None or isinstance(num_units, (str, bytes)) or not np.iterable(num_units) or len(num_units) == 0:
        raise ValueError(f"RNNClassifier: num_units must be a non-empty list of positive ints (one per stacked cell), got {num_units!r}")
    cells = []
    for units in num_units:
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
            raise ValueError(f"RNNClassifier: num_units entries must be positive ints, got {units!r}")
        cells.append(CELL_TYPES[cell_type](int(units)))
    return tuple(cells)


def _checked_cell(cell):
    if not isinstance(cell, RNN) or type(cell) not in CELL_TYPES.values():
        raise TypeError(f"RNNClassifier: rnn_cell_fn must return tfc.keras.layers SimpleRNN, LSTM or GRU layers, got {cell!r}")
    if not cell.use_bias or cell.dropout or cell.recurrent_dropout or cell.go_backwards:
        raise ValueError(f"RNNClassifier: the rnn_cell_fn layer {cell.name} uses use_bias=False, dropout or go_backwards, "
                         "which RNNClassifier does not support")
    return cell


def _optimizer(optimizer):
    """A tfc.keras optimizer: by name (learning rate 0.05), given, or made by a function."""
    if isinstance(optimizer, str):
        name = optimizer.lower()
        if name not in OPTIMIZERS:
            raise ValueError(f"RNNClassifier: optimizer must be one of 'Adagrad', 'Adam', 'SGD', 'RMSProp' or a tfc.keras optimizer, "
                             f"got {optimizer!r}")
        return OPTIMIZERS[name](learning_rate=LEARNING_RATE)
    if callable(optimizer) and not isinstance(optimizer, keras_optimizers.Optimizer):
        optimizer = optimizer()
    if not isinstance(optimizer, keras_optimizers.Optimizer):
        raise TypeError(f"RNNClassifier: optimizer must be a name or a tfc.keras.optimizers object, got {optimizer!r}")
    return optimizer


__all__ = ["RNNClassifier"]
