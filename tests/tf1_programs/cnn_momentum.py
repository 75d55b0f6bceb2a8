"""A TF1 convnet trained with MomentumOptimizer: conv2d, bias_add, relu, max_pool, batch
normalization from tf.nn.moments, reshape with -1, sparse softmax cross entropy; weights from
seeded numpy arrays (so TensorFlow and tfc start equal)."""

import numpy as np

import tfc as tf

RESULTS = {}
rng = np.random.default_rng(1)
images = rng.standard_normal((24, 8, 8, 1)).astype(np.float32)
labels = rng.integers(0, 3, 24).astype(np.int64)


def weight(shape):
    return tf.Variable(tf.constant((rng.standard_normal(shape) * 0.3).astype(np.float32)))


with tf.Graph().as_default():
    x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="images")
    y_ = tf.placeholder(tf.int64, [None], name="labels")
    with tf.name_scope("conv1"):
        W_conv1 = weight([3, 3, 1, 4])
        b_conv1 = tf.Variable(tf.constant(0.1, shape=[4]))
        h = tf.nn.conv2d(x, W_conv1, strides=[1, 1, 1, 1], padding="SAME")
        mean, variance = tf.nn.moments(h, axes=[0, 1, 2])
        h = tf.nn.batch_normalization(h, mean, variance, None, None, 1e-3)
        h_conv1 = tf.nn.relu(tf.nn.bias_add(h, b_conv1))
        h_pool1 = tf.nn.max_pool(h_conv1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    with tf.name_scope("fc"):
        W_fc = weight([4 * 4 * 4, 3])
        b_fc = tf.Variable(tf.zeros([3]))
        flat = tf.reshape(h_pool1, [-1, 4 * 4 * 4])
        logits = tf.matmul(flat, W_fc) + b_fc
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_, logits=logits), name="loss")
    step = tf.train.get_or_create_global_step()
    train = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([train, loss], {x: images[i % 2 * 12:(i % 2 + 1) * 12], y_: labels[i % 2 * 12:(i % 2 + 1) * 12]})[1]
                  for i in range(12)]
        RESULTS["losses"] = np.array(losses)
        RESULTS["W_conv1"] = sess.run(W_conv1)
        RESULTS["logits_5"] = sess.run(logits, {x: images[:5]})
        RESULTS["step"] = sess.run(step)
        RESULTS["names"] = np.array([loss.name, logits.name, h_pool1.name, W_fc.name])
