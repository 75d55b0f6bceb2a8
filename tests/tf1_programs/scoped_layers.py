"""TF1 layers written with tf.variable_scope/tf.get_variable (CIFAR-10 tutorial style): weight decay
through a 'losses' collection, tf.train.exponential_decay on the global step, reuse for an
evaluation tower, and the [None, ...] batch dimension."""

import numpy as np

import tfc as tf

RESULTS = {}
rng = np.random.default_rng(3)
features = rng.standard_normal((40, 10)).astype(np.float32)
classes = rng.integers(0, 4, 40).astype(np.int32)


def layer(inputs, size, name, activation=True):
    with tf.variable_scope(name, reuse=tf.AUTO_REUSE):
        fan_in = inputs.get_shape()[1]
        init = (rng.standard_normal((fan_in, size)) / np.sqrt(fan_in)).astype(np.float32)
        weights = tf.get_variable("weights", [fan_in, size], initializer=tf.constant_initializer(init))
        biases = tf.get_variable("biases", [size], initializer=tf.zeros_initializer())
        out = tf.matmul(inputs, weights) + biases
        return tf.nn.relu(out) if activation else out


def model(inputs):
    hidden = layer(inputs, 16, "hidden")
    return layer(hidden, 4, "softmax_linear", activation=False)


x = tf.placeholder(tf.float32, [None, 10])
labels = tf.placeholder(tf.int32, [None])
logits = model(x)
for var in tf.trainable_variables():
    if "weights" in var.op.name:
        tf.add_to_collection("losses", tf.multiply(tf.nn.l2_loss(var), 0.004, name="weight_loss"))
cross_entropy = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits), name="cross_entropy")
tf.add_to_collection("losses", cross_entropy)
total_loss = tf.add_n(tf.get_collection("losses"), name="total_loss")
global_step = tf.train.get_or_create_global_step()
lr = tf.train.exponential_decay(0.1, global_step, 5, 0.5, staircase=True)
train_op = tf.train.MomentumOptimizer(lr, 0.9, use_nesterov=True).minimize(total_loss, global_step=global_step)
eval_logits = model(x)  # the same variables, reused
accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(eval_logits, labels, 1), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    losses = []
    for step in range(15):
        batch = slice(step % 2 * 20, (step % 2 + 1) * 20)
        losses.append(sess.run([train_op, total_loss], {x: features[batch], labels: classes[batch]})[1])
    RESULTS["losses"] = np.array(losses)
    RESULTS["lr"] = sess.run(lr)
    RESULTS["accuracy"] = sess.run(accuracy, {x: features, labels: classes})
    RESULTS["names"] = np.array(sorted(v.op.name for v in tf.global_variables()))
