"""``tf.layers``, ``tf.losses`` and ``tf.metrics`` in ``tfc.compat.v1``: TF1 model code runs by changing
the import, names its variables as TensorFlow does and gives TensorFlow's numbers (recorded by
scripts/generate_tf1_layers_losses_reference.py)."""

from pathlib import Path

import numpy as np
import pytest

import tfc.compat.v1 as tf

DATA = Path(__file__).resolve().parent.parent / "data" / "compat_v1"
REDUCTIONS = ["none", "weighted_sum", "weighted_mean", "weighted_sum_over_batch_size", "weighted_sum_by_nonzero_weights"]


def recorded(name: str) -> dict:
    with np.load(DATA / f"{name}.npz") as data:
        return {k: data[k] for k in data.files}


def conv_net(x, y, init: dict):
    """The generator's net, written as its TF1 code (the same lines)."""
    c = tf.constant_initializer
    net = tf.layers.conv2d(x, 3, 3, padding="same", activation=tf.nn.relu, kernel_initializer=c(init["conv2d/kernel"]),
                           bias_initializer=c(init["conv2d/bias"]))
    net = tf.layers.batch_normalization(net, training=True, name="bn_conv")
    net = tf.layers.max_pooling2d(net, 2, 2)
    net = tf.layers.conv2d(net, 4, 2, kernel_initializer=c(init["conv2d_1/kernel"]), bias_initializer=c(init["conv2d_1/bias"]))
    net = tf.layers.average_pooling2d(net, 2, 1, padding="same")
    net = tf.layers.flatten(net)
    net = tf.layers.dense(net, 5, activation=tf.tanh, kernel_initializer=c(init["dense/kernel"]), bias_initializer=c(init["dense/bias"]),
                          kernel_regularizer=lambda w: 0.01 * tf.nn.l2_loss(w))
    net = tf.layers.batch_normalization(net, training=True, momentum=0.9, gamma_initializer=c(init["batch_normalization/gamma"]),
                                        beta_initializer=c(init["batch_normalization/beta"]))
    net = tf.layers.dropout(net, 0.5, training=False)
    with tf.variable_scope("head"):
        logits = tf.layers.dense(net, 3, kernel_initializer=c(init["head/dense/kernel"]), bias_initializer=c(init["head/dense/bias"]))
    tf.losses.sparse_softmax_cross_entropy(y, logits, weights=tf.constant([1.0, 0.0, 2.0, 0.5]))
    return logits, tf.losses.get_total_loss()


def names(variables) -> list[str]:
    return [v.name.split(":")[0] for v in variables]


def test_conv_net_names_outputs_and_sgd_step_match_tensorflow():
    ref = recorded("tf1_layers")
    init = {k[len("init:"):]: v for k, v in ref.items() if k.startswith("init:")}
    tf.reset_default_graph()
    x, y = tf.placeholder(tf.float32, [None, 6, 6, 2]), tf.placeholder(tf.int32, [None])
    logits, loss = conv_net(x, y, init)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert names(tf.trainable_variables()) == list(ref["trainable_names"])
    assert names(tf.global_variables()) == list(ref["global_names"])
    feed = {x: ref["x"], y: ref["y"]}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, value = sess.run([logits, loss], feed)
        sess.run(step, feed)
        after = sess.run(tf.global_variables())
    np.testing.assert_allclose(out, ref["logits"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(value, ref["loss"], rtol=1e-5, atol=1e-5)
    for name, got in zip(names(tf.global_variables()), after):
        np.testing.assert_allclose(got, ref[f"after:{name}"], rtol=1e-5, atol=1e-5, err_msg=name)


LOSS_NAMES = ["mean_squared_error", "absolute_difference", "log_loss", "hinge_loss", "huber_loss", "sigmoid_cross_entropy",
              "softmax_cross_entropy", "sparse_softmax_cross_entropy", "cosine_distance"]


@pytest.mark.parametrize("loss_name", LOSS_NAMES)
def test_each_loss_under_each_reduction_matches_tensorflow(loss_name):
    ref = recorded("tf1_losses")
    prefix = f"{loss_name}/in:"
    kwargs = {k[len(prefix):]: v for k, v in ref.items() if k.startswith(prefix)}
    tf.reset_default_graph()
    losses = []
    for reduction in REDUCTIONS:
        args = {k: (v.item() if np.ndim(v) == 0 else tf.constant(v)) for k, v in kwargs.items()}
        losses.append(getattr(tf.losses, loss_name)(reduction=reduction, **args))
    assert len(tf.losses.get_losses()) == len(REDUCTIONS)  # each joined tf.GraphKeys.LOSSES
    with tf.Session() as sess:
        values = sess.run(losses)
    for reduction, got in zip(REDUCTIONS, values):
        want = ref[f"{loss_name}/{reduction}"]
        assert np.shape(got) == want.shape, reduction
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=reduction)


def test_reuse_auto_reuse_and_layer_objects_share_weights():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.variable_scope("tower"):
        a = tf.layers.dense(x, 2, name="fc")
    with tf.variable_scope("tower", reuse=True):
        b = tf.layers.dense(x, 2, name="fc")
    for _ in range(2):
        with tf.variable_scope("shared", reuse=tf.AUTO_REUSE):
            tf.layers.dense(x, 2, name="fc")
    layer = tf.layers.Dense(4)
    layer(x), layer(x)
    tf.layers.Dense(4)(x)
    assert names(tf.trainable_variables()) == ["tower/fc/kernel", "tower/fc/bias", "shared/fc/kernel", "shared/fc/bias",
                                               "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    assert names(layer.trainable_variables) == ["dense/kernel", "dense/bias"]
    assert layer.kernel.name == "dense/kernel:0" and layer.bias.name == "dense/bias:0"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_a, got_b = sess.run([a, b], {x: np.ones((2, 3), np.float32)})
    np.testing.assert_array_equal(got_a, got_b)
    with pytest.raises(ValueError, match="already exists"):
        tf.layers.dense(x, 2, name="dense")


def test_batch_normalization_update_ops_move_the_moving_mean():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 2])
    out = tf.layers.batch_normalization(x, training=True, momentum=0.5)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    moving_mean = [v for v in tf.global_variables() if v.name.startswith("batch_normalization/moving_mean")][0]
    data = np.array([[1.0, 10.0], [3.0, 30.0]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        normalized = sess.run(out, {x: data})
        sess.run(updates, {x: data})
        np.testing.assert_allclose(sess.run(moving_mean), [1.0, 10.0], rtol=1e-6)  # 0.5 * 0 + 0.5 * [2, 20]
    np.testing.assert_allclose(normalized.mean(axis=0), [0.0, 0.0], atol=1e-5)


def test_batch_normalization_with_a_training_tensor_chooses_in_the_graph():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 2])
    training = tf.placeholder_with_default(False, [])
    out = tf.layers.batch_normalization(x, training=training, momentum=0.5)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        out_and_update = tf.identity(out)
    data = np.array([[1.0, 10.0], [3.0, 30.0]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        inference = sess.run(out_and_update, {x: data})  # moving mean 0, variance 1: (x - 0) / sqrt(1 + eps)
        np.testing.assert_allclose(inference, data / np.sqrt(1.001), rtol=1e-5)
        train = sess.run(out_and_update, {x: data, training: True})
        np.testing.assert_allclose(train, [[-1.0, -1.0], [1.0, 1.0]], atol=1e-2)
        moving = sess.run([v for v in tf.global_variables() if "moving_mean" in v.name][0])
    np.testing.assert_allclose(moving, [1.0, 10.0], rtol=1e-6)  # only the training run moved it


def test_bad_input_names_the_function_and_the_expectation():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match="tf.losses: invalid reduction 'avg'"):
        tf.losses.mean_squared_error(x, x, reduction="avg")
    with pytest.raises(ValueError, match="tf.losses.get_total_loss: no losses"):
        tf.losses.get_total_loss()
    with pytest.raises(ValueError, match="tf.layers.conv2d: inputs must be 4-D"):
        tf.layers.conv2d(x, 2, 3)
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        tf.layers.max_pooling2d(tf.placeholder(tf.float32, [None, 4, 4, 1]), 2, 2, padding="full")
    with pytest.raises(ValueError, match="kernel constraint is not supported"):
        tf.layers.dense(x, 2, kernel_constraint=lambda w: w)
    with pytest.raises(ValueError, match="labels shape"):
        tf.losses.absolute_difference(x, tf.placeholder(tf.float32, [None, 4]))


def test_mnist_style_tf1_script_trains_and_its_accuracy_rises():
    """A TF1 MNIST tutorial's shape: placeholders, conv2d/max_pooling2d/dense, sparse softmax cross-entropy,
    Adam, tf.metrics.accuracy and a Session loop, on synthetic 8x8 "digits" (a class is a bright quadrant)."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=64).astype(np.int32)
    images = rng.normal(scale=0.3, size=(64, 8, 8, 1)).astype(np.float32)
    for i, label in enumerate(labels):
        r, c = divmod(int(label), 2)
        images[i, 4 * r:4 * r + 4, 4 * c:4 * c + 4, 0] += 1.0
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x, y = tf.placeholder(tf.float32, [None, 8, 8, 1], name="x"), tf.placeholder(tf.int32, [None], name="y")
    training = tf.placeholder_with_default(False, [], name="training")
    net = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    net = tf.layers.max_pooling2d(net, 2, 2)
    net = tf.layers.dense(tf.layers.flatten(net), 16, activation=tf.nn.relu)
    net = tf.layers.dropout(net, rate=0.1, training=training)
    logits = tf.layers.dense(net, 4)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
    accuracy, update_accuracy = tf.metrics.accuracy(labels=y, predictions=tf.argmax(logits, 1))
    assert names(tf.trainable_variables()) == ["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        first = sess.run(loss, {x: images, y: labels})
        for _ in range(40):
            sess.run(train_op, {x: images, y: labels, training: True})
        last = sess.run(loss, {x: images, y: labels})
        sess.run(update_accuracy, {x: images, y: labels})
        acc = sess.run(accuracy)
    assert last < 0.5 * first
    assert acc > 0.9
