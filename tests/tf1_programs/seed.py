"""The seed's TF1 example, as written."""

import tfc as tf

RESULTS = {}

with tf.Session():
    x = tf.constant([[5, 6], [7, 8]])
    z = tf.matmul(x, x) + tf.matmul(x, [[1, 0], [0, 1]])
    RESULTS["z"] = z.eval()
