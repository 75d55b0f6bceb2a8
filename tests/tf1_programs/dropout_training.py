"""A seeded TF1 training loop with dropout: ``tf.set_random_seed``, truncated_normal weights,
``tf.nn.dropout(h, keep_prob=0.5)`` drawing a new mask every step (TensorFlow's stateful
RandomUniform moves on from run to run), GradientDescentOptimizer; the per-step losses and the
masks of two steps equal TensorFlow's."""

import numpy as np

import tfc as tf

RESULTS = {}
rng = np.random.default_rng(7)
inputs = rng.standard_normal((16, 6)).astype(np.float32)
targets = rng.standard_normal((16, 1)).astype(np.float32)

tf.set_random_seed(1234)
x = tf.placeholder(tf.float32, [None, 6])
y = tf.placeholder(tf.float32, [None, 1])
W1 = tf.Variable(tf.truncated_normal([6, 12], stddev=0.5))
b1 = tf.Variable(tf.zeros([12]))
W2 = tf.Variable(tf.truncated_normal([12, 1], stddev=0.5))
h = tf.nn.relu(tf.matmul(x, W1) + b1)
h_drop = tf.nn.dropout(h, keep_prob=0.5)
prediction = tf.matmul(h_drop, W2)
loss = tf.reduce_mean(tf.square(prediction - y))
train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    losses, kept = [], []
    for _ in range(6):
        _, step_loss, dropped = sess.run([train, loss, h_drop], feed_dict={x: inputs, y: targets})
        losses.append(step_loss)
        kept.append(dropped != 0)
    RESULTS["losses"] = np.array(losses)
    RESULTS["kept_step1"] = kept[0]
    RESULTS["kept_step2"] = kept[1]
    RESULTS["W2"] = sess.run(W2)
