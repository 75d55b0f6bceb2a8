"""A TF1 MLP trained with AdamOptimizer, then saved and restored with tf.train.Saver; control
dependencies, assign ops and tf.gradients on the way."""

import os
import tempfile

import numpy as np

import tfc as tf

RESULTS = {}
rng = np.random.default_rng(2)
data = rng.standard_normal((32, 6)).astype(np.float32)
target = (data @ rng.standard_normal((6, 1)) + 0.5).astype(np.float32)

tf.reset_default_graph()
x = tf.placeholder(tf.float32, shape=(None, 6), name="x")
t = tf.placeholder(tf.float32, shape=(None, 1), name="t")
w1 = tf.Variable(tf.constant(rng.standard_normal((6, 8)).astype(np.float32) * 0.5), name="w1")
w2 = tf.Variable(tf.constant(rng.standard_normal((8, 1)).astype(np.float32) * 0.5), name="w2")
hidden = tf.tanh(tf.matmul(x, w1))
prediction = tf.matmul(hidden, w2)
loss = tf.reduce_mean(tf.square(prediction - t))
grads = tf.gradients(loss, [w1, w2])
train = tf.train.AdamOptimizer(learning_rate=0.05).minimize(loss)
counter = tf.Variable(0.0, name="counter")
with tf.control_dependencies([train]):
    count = tf.assign_add(counter, 1.0) if hasattr(tf, "assign_add") else counter.assign_add(1.0)
saver = tf.train.Saver()
folder = tempfile.mkdtemp()
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    RESULTS["grads0"] = np.concatenate([g.ravel() for g in sess.run(grads, {x: data, t: target})])
    for _ in range(20):
        sess.run(count, {x: data, t: target})
    RESULTS["loss20"] = sess.run(loss, {x: data, t: target})
    RESULTS["counter"] = sess.run(counter)
    path = saver.save(sess, os.path.join(folder, "model.ckpt"), global_step=20)
    for _ in range(5):
        sess.run(train, {x: data, t: target})
    RESULTS["loss25"] = sess.run(loss, {x: data, t: target})
    saver.restore(sess, tf.train.latest_checkpoint(folder))
    RESULTS["restored_loss"] = sess.run(loss, {x: data, t: target})
    RESULTS["checkpoint_name"] = np.array(os.path.basename(path))
