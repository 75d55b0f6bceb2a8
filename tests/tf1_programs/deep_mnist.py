"""TensorFlow's "Deep MNIST for experts" tutorial, scaled down (12x12 images): seeded
truncated_normal weights, constant biases, conv2d/max_pool_2x2 helpers, dropout with a keep_prob
placeholder (fed 1.0 to train deterministically), AdamOptimizer, accuracy by argmax."""

import numpy as np

import tfc as tf

RESULTS = {}
rng = np.random.default_rng(4)
images = rng.standard_normal((20, 144)).astype(np.float32)
labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 20)]

tf.set_random_seed(42)


def weight_variable(shape):
    initial = tf.truncated_normal(shape, stddev=0.1)
    return tf.Variable(initial)


def bias_variable(shape):
    initial = tf.constant(0.1, shape=shape)
    return tf.Variable(initial)


def conv2d(x, W):
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


x = tf.placeholder(tf.float32, shape=[None, 144])
y_ = tf.placeholder(tf.float32, shape=[None, 10])
x_image = tf.reshape(x, [-1, 12, 12, 1])

W_conv1 = weight_variable([5, 5, 1, 8])
b_conv1 = bias_variable([8])
h_conv1 = tf.nn.relu(conv2d(x_image, W_conv1) + b_conv1)
h_pool1 = max_pool_2x2(h_conv1)

W_conv2 = weight_variable([5, 5, 8, 16])
b_conv2 = bias_variable([16])
h_conv2 = tf.nn.relu(conv2d(h_pool1, W_conv2) + b_conv2)
h_pool2 = max_pool_2x2(h_conv2)

W_fc1 = weight_variable([3 * 3 * 16, 32])
b_fc1 = bias_variable([32])
h_pool2_flat = tf.reshape(h_pool2, [-1, 3 * 3 * 16])
h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, W_fc1) + b_fc1)

keep_prob = tf.placeholder(tf.float32)
h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)

W_fc2 = weight_variable([32, 10])
b_fc2 = bias_variable([10])
y_conv = tf.matmul(h_fc1_drop, W_fc2) + b_fc2

cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
train_step = tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)
correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    RESULTS["W_conv1"] = sess.run(W_conv1)
    RESULTS["W_fc2"] = sess.run(W_fc2)
    losses = []
    for i in range(10):
        batch = slice(i % 2 * 10, (i % 2 + 1) * 10)
        train_step.run(feed_dict={x: images[batch], y_: labels[batch], keep_prob: 1.0})
        losses.append(cross_entropy.eval(feed_dict={x: images, y_: labels, keep_prob: 1.0}))
    RESULTS["losses"] = np.array(losses)
    RESULTS["accuracy"] = accuracy.eval(feed_dict={x: images, y_: labels, keep_prob: 1.0})
