"""TensorFlow 1's API inside ``@tfc.compile`` (``import tfc as tf``): the array functions recorded
directly, and every other TF1 function (``tf.nn``'s losses, ``tf.nn.top_k``...) built on a scratch
graph, legalized and inlined into the trace. One model function serves a TF1 Session and a compiled
function."""

import re

import numpy as np
import pytest

import tfc
import tfc as tf
from tfc.diagnostics import TraceError

X = np.arange(24, dtype=np.float32).reshape(4, 6) / 10.0


def array_model(x):
    parts = tf.split(x, 3, axis=1)
    uneven = tf.split(x, [1, -1, 2], axis=1)
    rows = tf.unstack(x, axis=0)
    return (tf.shape(x), tf.size(x), tf.rank(x), tf.tile(parts[0], [2, 3]), uneven[1], rows[2],
            tf.slice(x, [1, 2], [2, -1]), tf.range(2, 11, 3), tf.clip_by_value(x, 0.5, 1.5))


def nn_model(labels, sparse_labels, logits):
    return (tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
            tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits),
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse_labels, logits=logits),
            tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits),
            tf.nn.l2_loss(logits), tf.nn.embedding_lookup(logits, sparse_labels))


def inlined_model(x):
    values, indices = tf.nn.top_k(x, 2)
    return values, indices, tf.squared_difference(x, 1.0), tf.floormod(x, 0.7), tf.nn.xw_plus_b(x, tf.transpose(x), tf.ones([4]))


def in_session(model, *arrays):
    """The model as a TF1 graph, run in a Session (TensorFlow 1's meaning of the same names)."""
    v1 = tfc.compat.v1
    v1.reset_default_graph()
    placeholders = [v1.placeholder(a.dtype, a.shape) for a in arrays]
    outputs = model(*placeholders)
    with v1.Session() as sess:
        return sess.run(list(outputs), dict(zip(placeholders, arrays)))


def test_array_functions_have_tensorflow_s_meaning_inside_a_trace():
    got = [np.asarray(v) for v in tfc.compile(array_model)(X)]
    want = [np.array([4, 6]), 24, 2, np.tile(X[:, :2], [2, 3]), X[:, 1:4], X[2], X[1:3, 2:], np.arange(2, 11, 3), np.clip(X, 0.5, 1.5)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    assert got[0].dtype == np.int32 and got[7].dtype == np.int32
    for g, s in zip(got, in_session(array_model, X)):
        np.testing.assert_allclose(g, s, rtol=1e-6)


def test_nn_losses_inside_a_trace_equal_the_tf1_graph_s():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 5)).astype(np.float32)
    labels = rng.dirichlet(np.ones(5), 4).astype(np.float32)
    sparse = np.array([0, 3, 1, 4], np.int32)
    got = tfc.compile(nn_model)(labels, sparse, logits)
    for g, s in zip(got, in_session(nn_model, labels, sparse, logits)):
        np.testing.assert_allclose(np.asarray(g), s, rtol=1e-5, atol=1e-6)
    softmax = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(np.asarray(got[2]), -np.log(softmax[np.arange(4), sparse]), rtol=1e-5)


def test_the_tf1_cross_entropy_stops_the_labels_gradient_and_v2_does_not():
    logits = np.zeros((2, 3), np.float32)
    labels = np.full((2, 3), 1 / 3, np.float32)
    v1_grad = tfc.compile(tfc.grad(lambda y: tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))))(labels)
    v2_grad = tfc.compile(tfc.grad(lambda y: tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))))(labels)
    np.testing.assert_array_equal(np.asarray(v1_grad), 0.0)
    np.testing.assert_allclose(np.asarray(v2_grad), np.log(3.0), rtol=1e-6)


def test_other_tf1_functions_are_inlined_and_equal_the_session_s():
    got = tfc.compile(inlined_model)(X)
    for g, s in zip(got, in_session(inlined_model, X)):
        np.testing.assert_allclose(np.asarray(g), s, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(got[1]), np.argsort(-X, axis=1)[:, :2])


def test_inlined_ops_differentiate_and_carry_the_node_name_at_the_user_s_line():
    def loss(x):
        with tfc.name_scope("block"):
            return tf.reduce_sum(tf.squared_difference(x, 1.0))

    np.testing.assert_allclose(np.asarray(tfc.compile(tfc.grad(loss))(X)), 2 * (X - 1.0), rtol=1e-6)
    text = tfc.compile(loss).lower(X).as_text()
    assert re.search(r'loc\("block/SquaredDifference"\("[^"]*test_tf1_in_traces.py":\d+:\d+\)\)', text), text


@pytest.mark.parametrize("model, message", [
    (lambda x: tf.placeholder(tf.float32, [2]), "tf.placeholder inside @tfc.compile makes or reads TensorFlow 1 placeholders"),
    (lambda x: tf.boolean_mask(x, x > 1.0), "tf.boolean_mask inside @tfc.compile: .*depends on the input values"),
    (lambda x: x + tf.random_normal([4, 6]), "tf.random_normal has state"),
    (lambda x: tf.tile(x, tf.shape(x)), "tf.tile: 'multiples' must be known when the function is traced"),
    (lambda x: tf.split(x, 4, axis=1), "tf.split: a dim of 6 cannot be split into 4 equal parts"),
    (lambda x: tf.unstack(x, axis=2), "tf.unstack: axis 2 is out of range for a tensor of rank 2"),
    (lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=x, logits=x),
     r"test_tf1_in_traces.py:\d+:\d+: error: tf.nn.sparse_softmax_cross_entropy_with_logits inside @tfc.compile: .*labels must be int32 or int64"),
])
def test_what_a_trace_cannot_do_is_a_trace_error_naming_the_function(model, message):
    with pytest.raises(TraceError, match=message):
        tfc.compile(model)(X)


def test_gather_with_batch_dims_is_tensorflow_s_inside_a_trace():
    params = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    indices = np.array([[0, 2], [1, 1]], np.int32)
    got = tfc.compile(lambda p, i: tf.gather(p, i, axis=1, batch_dims=1))(params, indices)
    np.testing.assert_array_equal(np.asarray(got), np.stack([params[b][indices[b]] for b in range(2)]))


def test_stateless_random_ops_trace_and_draw_the_session_s_numbers():
    seed = np.array([1, 2], np.int32)
    traced = tfc.compile(lambda s: (tf.random.stateless_normal([3], seed=s), tf.random.stateless_uniform([2, 2], seed=s)))(seed)
    for g, s in zip(traced, in_session(lambda s: (tf.random.stateless_normal([3], seed=s), tf.random.stateless_uniform([2, 2], seed=s)), seed)):
        np.testing.assert_allclose(np.asarray(g), s, rtol=1e-6)
