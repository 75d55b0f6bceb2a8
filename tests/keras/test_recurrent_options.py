"""The recurrent layers' options beyond what tests/keras/test_against_keras.py compares with Keras:
dropout and recurrent_dropout (Keras' masks, once per sequence, cannot be compared bit for bit, so
their semantics are tested), time_major, unroll with masks, constraints and regularizers, the
unit_forget_bias initial bias, errors naming the argument, and get_config/from_config."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tfc

keras = tfc.keras
layers = keras.layers
RNG = np.random.default_rng(11)


def run(layer, x, training):
    return np.asarray(tfc.compile(lambda t: layer(t, training=training))(x))


def identity_rnn(**kwargs):
    """SimpleRNN(3) with identity kernels, no bias, linear: h_t = x_t + h_(t-1), each under its dropout mask."""
    layer = layers.SimpleRNN(3, activation="linear", use_bias=False, return_sequences=True, **kwargs)
    layer(np.zeros((1, 1, 3), np.float32))
    layer.set_weights([np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32)])
    return layer


def test_input_dropout_mask_is_drawn_once_per_sequence_and_used_at_every_step():
    layer = identity_rnn(dropout=0.5, seed=3)
    layer.set_weights([np.eye(3, dtype=np.float32), np.zeros((3, 3), np.float32)])  # h_t = x_t under the mask
    x = np.ones((64, 6, 3), np.float32)
    out = run(layer, x, training=True)
    assert set(np.unique(out)) == {0.0, 2.0}
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 6, axis=1))  # the same mask at each step
    assert 0.3 < (out == 0).mean() < 0.7 and len({tuple(row) for row in out[:, 0]}) > 1  # masks differ across the batch
    np.testing.assert_array_equal(run(layer, x, training=False), x)


def test_recurrent_dropout_mask_is_the_same_at_every_step():
    layer = identity_rnn(recurrent_dropout=0.5, seed=4)
    x = np.zeros((64, 5, 3), np.float32)
    x[:, 0] = 1.0  # h_1 = 1, then h_t = h_(t-1) * mask: 2^(t-1) where the mask keeps, 0 from the first step it drops
    out = run(layer, x, training=True)
    kept = out[:, 1] != 0
    assert 0.3 < kept.mean() < 0.7
    for t in range(1, 5):
        np.testing.assert_array_equal(out[:, t], np.where(kept, 2.0 ** t, 0.0))


@pytest.mark.parametrize("cls, options", [
    (layers.SimpleRNN, {}), (layers.LSTM, {}), (layers.LSTM, {"implementation": 1}), (layers.GRU, {}),
    (layers.GRU, {"reset_after": False}),
])
def test_dropout_changes_training_only_and_repeats_with_the_seed(cls, options):
    x = RNG.normal(size=(4, 6, 3)).astype(np.float32)

    plain, dropped, again = cls(5, **options), *(cls(5, dropout=0.3, recurrent_dropout=0.4, seed=7, **options) for _ in range(2))
    for layer in (plain, dropped, again):
        layer(x)
        layer.set_weights(plain.get_weights())
    np.testing.assert_allclose(run(dropped, x, training=False), run(plain, x, training=False), rtol=1e-6)
    first = run(dropped, x, training=True)
    assert not np.allclose(first, run(plain, x, training=True))
    assert not np.allclose(first, run(dropped, x, training=True))  # new masks for each call
    np.testing.assert_array_equal(run(again, x, training=True), first)  # the same seed, the same masks


def test_recurrent_dropout_draws_one_mask_per_gate_as_implementation_1():
    sequence = np.ones((5, 8, 3), np.float32)  # [time, batch, features]
    for layer, count in ((layers.LSTM(4, dropout=0.5, seed=1), 1), (layers.LSTM(4, dropout=0.5, implementation=1, seed=1), 4),
                         (layers.GRU(4, dropout=0.5, recurrent_dropout=0.5, seed=1), 3)):
        masks = tfc.compile(lambda s, layer=layer: list(layer.dropout_masks(s, training=True)))(sequence)
        inputs, state = (None if m is None else np.asarray(m) for m in masks)
        assert inputs.shape == (count, 8, 3)
        assert state is None or state.shape == (count, 8, 4)
        if count > 1:
            assert not all(np.array_equal(inputs[0], m) for m in inputs[1:])


def test_dropout_trains_through_fit():
    x = RNG.normal(size=(64, 6, 3)).astype(np.float32)
    y = (x[:, :, 0].sum(1) > 0).astype(np.float32)
    model = keras.Sequential([layers.GRU(8, dropout=0.2, recurrent_dropout=0.2, seed=2, input_shape=(6, 3)),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.02), "binary_crossentropy")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0, shuffle=False)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_time_major_is_the_transposed_layout(cls):
    x = RNG.normal(size=(3, 5, 4)).astype(np.float32)
    batch_major = cls(3, return_sequences=True, return_state=True)
    time_major = cls(3, return_sequences=True, return_state=True, time_major=True)
    batch_major(x)
    time_major(x.transpose(1, 0, 2))
    time_major.set_weights(batch_major.get_weights())
    expected = tfc.compile(lambda t: batch_major(t))(x)
    got = tfc.compile(lambda t: time_major(t))(x.transpose(1, 0, 2))
    np.testing.assert_allclose(np.asarray(got[0]), np.asarray(expected[0]).transpose(1, 0, 2), rtol=1e-5, atol=1e-6)
    for g, e in zip(got[1:], expected[1:]):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-6)


def test_unroll_equals_the_loop_with_a_mask():
    ids = np.array([[3, 5, 2, 0, 0], [1, 4, 4, 4, 7]], np.int32)

    def model(unroll):
        return keras.Sequential([layers.Embedding(9, 4, mask_zero=True, input_length=5),
                                 layers.LSTM(3, return_sequences=True, unroll=unroll, go_backwards=True)])

    looped, unrolled = model(False), model(True)
    unrolled.set_weights(looped.get_weights())
    np.testing.assert_allclose(unrolled.predict(ids, verbose=0), looped.predict(ids, verbose=0), rtol=1e-5, atol=1e-6)


def test_constraints_hold_after_each_step_and_regularizers_add_to_the_loss():
    x = RNG.normal(size=(32, 5, 3)).astype(np.float32)
    y = RNG.normal(size=(32, 1)).astype(np.float32)
    lstm = layers.LSTM(4, kernel_constraint="non_neg", recurrent_constraint=keras.constraints.MaxNorm(0.5),
                       bias_constraint="non_neg", kernel_regularizer="l2", input_shape=(5, 3))
    model = keras.Sequential([lstm, layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    kernel, recurrent, bias = lstm.get_weights()
    assert kernel.min() >= 0 and bias.min() >= 0
    assert np.sqrt((recurrent ** 2).sum(axis=0)).max() <= 0.5 + 1e-5
    mse = np.mean((model.predict(x, verbose=0) - y) ** 2)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + 0.01 * (kernel ** 2).sum(), rel=1e-4)


def test_unit_forget_bias_starts_the_forget_gate_at_one_or_not():
    with_forget, without = layers.LSTM(2), layers.LSTM(2, unit_forget_bias=False)
    for layer in (with_forget, without):
        layer(np.zeros((1, 3, 2), np.float32))
    np.testing.assert_array_equal(with_forget.get_weights()[2], [0, 0, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(without.get_weights()[2], np.zeros(8))


def test_gru_reset_before_has_one_bias_row():
    layer = layers.GRU(3, reset_after=False)
    layer(np.zeros((1, 2, 4), np.float32))
    assert [w.shape for w in layer.get_weights()] == [(4, 9), (3, 9), (9,)]


@pytest.mark.parametrize("build, message", [
    (lambda: layers.LSTM(3, stateful=True), "stateful=True is not supported"),
    (lambda: layers.GRU(3, activity_regularizer="l2"), "activity_regularizer is not supported"),
    (lambda: layers.Embedding(5, 2, activity_regularizer="l1"), "activity_regularizer is not supported"),
    (lambda: layers.LSTM(3, implementation=3), "implementation must be 1 or 2, got 3"),
    (lambda: layers.SimpleRNN(3, dropout=1.0), r"dropout must be in \[0, 1\), got 1.0"),
    (lambda: layers.GRU(3, recurrent_dropout=-0.1), "recurrent_dropout must be in"),
    (lambda: layers.SimpleRNN(3, recurrent_activation="sigmoid"), "recurrent_activation"),
    (lambda: layers.LSTM(0), "units must be a positive int"),
    (lambda: layers.Bidirectional(layers.Dense(3)), "must be SimpleRNN, LSTM or GRU"),
    (lambda: layers.Bidirectional(layers.LSTM(3), merge_mode="max"), "merge_mode must be"),
    (lambda: layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3, return_sequences=True)), "same return_sequences"),
])
def test_bad_arguments_name_the_layer_and_argument(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


CONFIG_CASES = [
    lambda: layers.Embedding(10, 4, mask_zero=True, input_length=6, embeddings_regularizer="l2", name="words"),
    lambda: layers.SimpleRNN(3, activation="relu", dropout=0.1, recurrent_dropout=0.2, seed=5, go_backwards=True, unroll=True),
    lambda: layers.LSTM(4, recurrent_activation="hard_sigmoid", unit_forget_bias=False, implementation=1, kernel_constraint="non_neg",
                        return_sequences=True, return_state=True, time_major=True, input_shape=(5, 3)),
    lambda: layers.GRU(2, reset_after=False, use_bias=False, kernel_initializer="he_normal", recurrent_regularizer="l1", trainable=False),
    lambda: layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="sum"),
    lambda: layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, activation="relu"), merge_mode=None),
]


@pytest.mark.parametrize("make", CONFIG_CASES, ids=["embedding", "simple_rnn", "lstm", "gru", "bidirectional", "bidirectional_backward"])
def test_from_config_rebuilds_an_identical_layer(make):
    layer = make()
    config = layer.get_config()
    json.dumps(config)  # names only: the config is plain data
    rebuilt = type(layer).from_config(config)
    assert rebuilt.get_config() == config
    ids = isinstance(layer, layers.Embedding)
    shape = (5, 2, 3) if getattr(layer, "time_major", False) else (2, 5, 3)
    x = RNG.integers(0, 10, size=(2, 6)).astype(np.int32) if ids else RNG.normal(size=shape).astype(np.float32)
    layer(x)
    rebuilt(x)
    rebuilt.set_weights(layer.get_weights())
    expected, got = tfc.compile(lambda t: layer(t))(x), tfc.compile(lambda t: rebuilt(t))(x)
    for e, g in zip(expected if isinstance(expected, list) else [expected], got if isinstance(got, list) else [got]):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-6)


def test_bidirectional_passes_training_to_both_directions():
    x = RNG.normal(size=(4, 5, 3)).astype(np.float32)
    layer = layers.Bidirectional(layers.LSTM(3, dropout=0.5, seed=9), merge_mode=None)
    forward_inference, backward_inference = (np.asarray(o) for o in tfc.compile(lambda t: layer(t, training=False))(x))
    forward, backward = (np.asarray(o) for o in tfc.compile(lambda t: layer(t, training=True))(x))
    assert not np.allclose(forward, forward_inference) and not np.allclose(backward, backward_inference)
