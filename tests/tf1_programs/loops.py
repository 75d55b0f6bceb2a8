"""TF1 control flow in a training program: tf.while_loop (a recurrence over a fed sequence length,
with maximum_iterations), tf.cond on a fed flag, gradients through both, GradientDescent."""

import numpy as np

import tfc as tf

RESULTS = {}
rng = np.random.default_rng(5)
inputs = rng.standard_normal((6, 4)).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 4], name="x")
training = tf.placeholder(tf.bool, [], name="training")
w = tf.Variable(tf.constant(rng.standard_normal((4, 4)).astype(np.float32) * 0.3), name="w")
u = tf.Variable(tf.constant(rng.standard_normal((4, 4)).astype(np.float32) * 0.3), name="u")
steps = tf.shape(x)[0]


def step(t, h):
    row = tf.reshape(tf.gather(x, t), [1, 4])
    return t + 1, tf.tanh(tf.matmul(row, w) + tf.matmul(h, u))


_, state = tf.while_loop(lambda t, h: t < steps, step, [tf.constant(0), tf.zeros([1, 4])], maximum_iterations=5)
scaled = tf.cond(training, lambda: state * 0.5, lambda: state)
loss = tf.reduce_sum(tf.square(scaled - 1.0))
grad_w, grad_u = tf.gradients(loss, [w, u])
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    RESULTS["state"] = sess.run(state, {x: inputs})
    RESULTS["state_3"] = sess.run(state, {x: inputs[:3]})
    RESULTS["grads"] = np.concatenate([g.ravel() for g in sess.run([grad_w, grad_u], {x: inputs, training: True})])
    RESULTS["losses"] = np.array([sess.run([train, loss], {x: inputs, training: i % 2 == 0})[1] for i in range(6)])
    RESULTS["eval"] = sess.run(scaled, {x: inputs, training: False})
