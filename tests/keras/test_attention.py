"""MultiHeadAttention beyond the outputs tests/keras/test_against_keras.py compares with Keras: training
(gradients reach every weight, a small model fits), dropout on the attention probabilities, the causal
mask's meaning, functional models (options and the query's mask replayed), calls on arrays,
get_config/from_config, and errors naming the layer and argument."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tfc
from tfc.frontend.variables import gradients

keras = tfc.keras
MHA = keras.layers.MultiHeadAttention
RNG = np.random.default_rng(21)


def sequence(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def test_gradients_reach_every_weight():
    layer = MHA(2, 3, value_dim=4, output_shape=5)
    q, v = sequence(2, 4, 6), sequence(2, 3, 7)
    layer(q, v)

    def grads(q, v):
        return gradients(tfc.sum(tfc.square(layer(q, v))), layer.trainable_weights)

    values = [np.asarray(g) for g in tfc.compile(grads)(q, v)]
    assert [g.shape for g in values] == [w.shape for w in layer.get_weights()]
    assert all(np.abs(g).sum() > 0 for g in values)


def test_a_small_attention_model_fits():
    """Each position's label is its sequence's first feature summed over time: attention must mix positions."""
    x = sequence(96, 5, 4)
    y = np.repeat(x[:, :, :1].sum(1, keepdims=True), 5, axis=1)
    inputs = keras.Input((5, 4))
    attended = MHA(2, 4, seed=1)(inputs, inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(attended))
    model.compile(keras.optimizers.Adam(0.02), "mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.3 * before


def test_dropout_drops_attention_probabilities_in_training_only():
    q = sequence(8, 6, 4)
    layer = MHA(2, 3, dropout=0.5, seed=4)
    plain = MHA(2, 3)
    layer(q, q)
    plain(q, q)
    plain.set_weights(layer.get_weights())

    def call(model, training):
        return tfc.compile(lambda t: model(t, t, return_attention_scores=True, training=training))

    out, scores = call(layer, False)(q)
    plain_out, plain_scores = call(plain, False)(q)
    np.testing.assert_allclose(np.asarray(out), np.asarray(plain_out), rtol=1e-6)
    train_out, train_scores = call(layer, True)(q)
    np.testing.assert_allclose(np.asarray(train_scores), np.asarray(plain_scores), rtol=1e-6)  # the scores before dropout
    assert not np.allclose(np.asarray(train_out), np.asarray(plain_out))
    again = MHA(2, 3, dropout=0.5, seed=4)
    again(q, q)
    again.set_weights(layer.get_weights())
    np.testing.assert_array_equal(np.asarray(call(again, True)(q)[0]), np.asarray(train_out))


def test_causal_mask_hides_later_positions():
    layer = MHA(2, 3)
    q = sequence(2, 6, 4)
    later = q.copy()
    later[:, 3:] = sequence(2, 3, 4)
    step = tfc.compile(lambda t: layer(t, t, use_causal_mask=True, return_attention_scores=True))
    (out, scores), (changed, _) = step(q), step(later)
    np.testing.assert_allclose(np.asarray(changed)[:, :3], np.asarray(out)[:, :3], rtol=1e-5)
    assert not np.allclose(np.asarray(changed)[:, 3:], np.asarray(out)[:, 3:])
    assert np.all(np.triu(np.asarray(scores), 1) == 0)


def test_integer_attention_mask_is_read_as_booleans():
    layer = MHA(2, 3)
    q, v = sequence(2, 4, 3), sequence(2, 5, 3)
    mask = (RNG.random((2, 4, 5)) < 0.5).astype(np.int32)
    mask[..., 0] = 1
    step = tfc.compile(lambda q, v, m: layer(q, v, attention_mask=m))
    np.testing.assert_allclose(np.asarray(step(q, v, mask)), np.asarray(step(q, v, mask.astype(bool))), rtol=1e-6)


def test_functional_model_replays_options_and_masks_the_padding():
    ids = keras.Input((6,), dtype="int32")
    embedded = keras.layers.Embedding(12, 4, mask_zero=True)(ids)
    layer = MHA(2, 3)
    out, scores = layer(embedded, embedded, use_causal_mask=True, return_attention_scores=True)
    model = keras.Model(ids, [out, scores])
    assert out.shape == (None, 6, 4) and scores.shape == (None, 2, 6, 6)
    tokens = np.array([[3, 4, 5, 0, 0, 0], [7, 1, 2, 8, 9, 11]], np.int32)
    got_out, got_scores = model(tokens)
    vectors = np.asarray(tfc.compile(lambda t: model.layers[1](t))(tokens))
    padding = np.repeat((tokens != 0)[:, None, :], 6, axis=1)
    expected = tfc.compile(lambda e, m: layer(e, e, use_causal_mask=True, return_attention_scores=True, mask=[m[:, 0], m[:, 0]]))
    want_out, want_scores = (np.asarray(o) for o in expected(vectors, padding))
    np.testing.assert_allclose(got_out, want_out, rtol=1e-5)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-5)
    np.testing.assert_allclose(got_scores[0, :, 3:], 1 / 6, rtol=1e-6)  # padding's queries are masked whole: uniform, as tf.keras
    assert np.all(np.triu(got_scores[1], 1) == 0)  # causal where nothing is padding


def test_a_shared_layer_keeps_one_set_of_options_per_functional_model():
    a, b = keras.Input((4, 3)), keras.Input((4, 3))
    layer = MHA(1, 2)
    model = keras.Model([a, b], keras.layers.Add()([layer(a, b), layer(b, a)]))  # shared: the same options twice
    x, y = sequence(2, 4, 3), sequence(2, 4, 3)
    direct = tfc.compile(lambda x, y: tfc.add(layer(x, y), layer(y, x)))
    np.testing.assert_allclose(model([x, y]), direct(x, y), rtol=1e-6)
    with pytest.raises(ValueError, match="called again in a functional model with other options"):
        layer(a, b, use_causal_mask=True)


def test_tensors_as_one_list_repeat_the_value_as_key_before_a_mask():
    """The list form [query, value, key, attention_mask] is what a model replays (and what a model
    rebuilt from its config calls): a call with a mask but no key records the value as the key."""
    q, v, m = keras.Input((4, 3)), keras.Input((5, 2)), keras.Input((4, 5), dtype="bool")
    layer = MHA(2, 2)
    out = layer(q, v, attention_mask=m, use_causal_mask=False)
    assert out.inputs == [q, v, v, m] and out.listed
    model = keras.Model([q, v, m], out)
    queries, values = sequence(2, 4, 3), sequence(2, 5, 2)
    mask = RNG.random((2, 4, 5)) < 0.5
    mask[..., 0] = True
    listed = tfc.compile(lambda q, v, m: layer([q, v, v, m]))
    np.testing.assert_allclose(model([queries, values, mask]), listed(queries, values, mask), rtol=1e-6)
    with pytest.raises(TypeError, match="2 to 4 tensors"):
        layer([queries])


def test_called_on_arrays_it_runs_compiled():
    layer = MHA(3, 2, output_shape=(2, 2))
    q, v = sequence(2, 4, 5), sequence(2, 3, 6)
    out, scores = layer(q, v, return_attention_scores=True)
    assert isinstance(out, np.ndarray) and out.shape == (2, 4, 2, 2) and scores.shape == (2, 3, 4, 3)
    np.testing.assert_allclose(scores.sum(-1), 1, rtol=1e-5)
    assert layer.compute_output_shape((None, 4, 5)) == (None, 4, 2, 2)


def test_from_config_rebuilds_an_identical_layer():
    layer = MHA(2, 3, value_dim=4, dropout=0.1, use_bias=False, output_shape=(2, 3), attention_axes=[2], kernel_initializer="he_normal",
                kernel_regularizer="l2", bias_constraint="non_neg", seed=7, name="attend")
    config = layer.get_config()
    json.dumps(config)
    rebuilt = MHA.from_config(config)
    assert rebuilt.get_config() == config
    q = sequence(2, 3, 4, 5)
    layer(q, q)
    rebuilt(q, q)
    rebuilt.set_weights(layer.get_weights())
    np.testing.assert_allclose(rebuilt(q, q), layer(q, q), rtol=1e-6)


@pytest.mark.parametrize("build, message", [
    (lambda: MHA(0, 3), "num_heads must be a positive int, got 0"),
    (lambda: MHA(2, 3.5), "key_dim must be a positive int"),
    (lambda: MHA(2, 3, dropout=1.0), r"dropout must be in \[0, 1\)"),
    (lambda: MHA(2, 3, output_shape=(2, 0)), "output_shape must be a positive int or a tuple"),
    (lambda: MHA(2, 3, attention_axes="time"), "attention_axes must be an int"),
    (lambda: MHA(2, 3, activity_regularizer="l2"), "activity_regularizer is not supported"),
    (lambda: MHA(2, 3, unknown=1), "unexpected keyword argument"),
])
def test_bad_arguments_name_the_argument(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


@pytest.mark.parametrize("call, message", [
    (lambda layer: layer(sequence(2, 4, 3), sequence(2, 5, 3), key=sequence(2, 6, 3)), "value and key must have the query's rank"),
    (lambda layer: layer(sequence(2, 3), sequence(2, 3)), r"query must be \[batch, \.\.\., features\]"),
    (lambda layer: layer(sequence(2, 4, 3)), "missing the value tensor"),
    (lambda layer: layer(sequence(2, 4, 3), sequence(2, 5, 3), attention_mask=np.ones((2, 5, 4), bool)), "does not broadcast"),
    (lambda layer: MHA(1, 2, attention_axes=3)(sequence(2, 4, 3), sequence(2, 4, 3)), "attention_axes \\[3\\] must name axes"),
])
def test_bad_calls_name_the_layer(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(MHA(1, 2, name="attention"))


def test_build_config_makes_the_same_weights():
    layer = MHA(2, 3, value_dim=4)
    layer(keras.Input((None, 6)), keras.Input((5, 3)), key=keras.Input((5, 7)))
    assert layer.get_build_config() == {"query_shape": [None, None, 6], "value_shape": [None, 5, 3], "key_shape": [None, 5, 7]}
    rebuilt = MHA.from_config(layer.get_config())
    assert rebuilt.get_build_config() is None
    rebuilt.build_from_config(layer.get_build_config())
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in layer.get_weights()]


def test_cross_attention_in_a_model_reads_the_values_own_padding_mask():
    """A functional model passes a list call one mask per tensor: the value's padding mask (from its
    own Embedding) masks the keys, as Keras does, not the query's."""
    keras = tfc.keras
    query_in, value_in = keras.Input((5,), dtype="int32"), keras.Input((7,), dtype="int32")
    query_embedding, value_embedding = keras.layers.Embedding(30, 8, mask_zero=True), keras.layers.Embedding(30, 8, mask_zero=True)
    attention = keras.layers.MultiHeadAttention(2, 4)
    model = keras.Model([query_in, value_in], attention(query_embedding(query_in), value_embedding(value_in)))
    rng = np.random.default_rng(0)
    queries, values = rng.integers(1, 30, (3, 5)).astype(np.int32), rng.integers(1, 30, (3, 7)).astype(np.int32)
    queries[:, 3:], values[:, 4:] = 0, 0
    explicit = (queries != 0)[:, :, None] & (values != 0)[:, None, :]
    expected = attention(query_embedding(queries), value_embedding(values), attention_mask=explicit)
    np.testing.assert_allclose(model.predict([queries, values], verbose=0), np.asarray(expected), rtol=1e-6, atol=1e-6)
