"""TensorFlow's "MNIST for beginners" tutorial, on small synthetic data: [None, ...] placeholders,
zeros-initialized variables, GradientDescentOptimizer with a global step, an InteractiveSession."""

import numpy as np

import tfc as tf

RESULTS = {}
rng = np.random.default_rng(0)
images = rng.standard_normal((96, 20)).astype(np.float32)
labels = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 96)]

x = tf.placeholder(tf.float32, [None, 20])
W = tf.Variable(tf.zeros([20, 5]))
b = tf.Variable(tf.zeros([5]))
y = tf.nn.softmax(tf.matmul(x, W) + b)
y_ = tf.placeholder(tf.float32, [None, 5])
cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
global_step = tf.Variable(0, name="global_step", trainable=False)
train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy, global_step=global_step)

sess = tf.InteractiveSession()
tf.global_variables_initializer().run()
losses = []
for i in range(30):
    batch = slice(i % 3 * 32, (i % 3 + 1) * 32)
    _, loss = sess.run([train_step, cross_entropy], feed_dict={x: images[batch], y_: labels[batch]})
    losses.append(loss)
correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
RESULTS["losses"] = np.array(losses)
RESULTS["accuracy"] = sess.run(accuracy, feed_dict={x: images, y_: labels})
RESULTS["accuracy_17"] = accuracy.eval(feed_dict={x: images[:17], y_: labels[:17]})
RESULTS["W"] = W.eval()
RESULTS["step"] = global_step.eval()
RESULTS["y_shape"] = np.array([-1 if d is None else d for d in y.get_shape().as_list()])
sess.close()
