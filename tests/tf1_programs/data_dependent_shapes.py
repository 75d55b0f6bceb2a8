"""Ops whose output shapes depend on the data, inside training: boolean_mask picks the positive
entries of a batch (Where + Gather), unique counts distinct ids, and a model trains on the masked
values; batches with different numbers of positives give different shapes, run after run."""

import numpy as np

import tfc as tf

RESULTS = {}
x = tf.placeholder(tf.float32, [None])
ids = tf.placeholder(tf.int32, [None])
positive = tf.boolean_mask(x, x > 0)
distinct, index = tf.unique(ids)
where = tf.where(x < 0)
w = tf.Variable(1.5)
loss = tf.reduce_mean(tf.square(positive * w - 1.0)) + tf.cast(tf.size(distinct), tf.float32) * 0.0
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
batches = [([1.0, -1.0, 2.0, 0.5, -3.0], [3, 1, 3, 2, 1]), ([0.25, 0.75, -2.0], [7, 7, 7]), ([4.0, -1.0], [5, 6])]
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step, (values, labels) in enumerate(batches):
        feed = {x: np.array(values, np.float32), ids: np.array(labels, np.int32)}
        got = sess.run([positive, distinct, index, where, loss, train], feed)
        for name, value in zip(("positive", "distinct", "index", "where", "loss"), got):
            RESULTS[f"{name}_{step}"] = value
    RESULTS["w"] = sess.run(w)
