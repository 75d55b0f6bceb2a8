"""TensorFlow 1's "Getting Started With TensorFlow" (the Core tutorial), as written: constants and a
Session, placeholders, Variables made from Python lists, and a linear model trained by gradient descent."""

import tfc as tf

RESULTS = {}

node1 = tf.constant(3.0, dtype=tf.float32)
node2 = tf.constant(4.0)  # also tf.float32 implicitly
RESULTS["names"] = [node1.name, node2.name]

sess = tf.Session()
RESULTS["nodes"] = sess.run([node1, node2])

node3 = tf.add(node1, node2)
RESULTS["node3"] = sess.run(node3)

a = tf.placeholder(tf.float32)
b = tf.placeholder(tf.float32)
adder_node = a + b  # + provides a shortcut for tf.add(a, b)
RESULTS["adder"] = sess.run(adder_node, {a: 3, b: 4.5})
RESULTS["adder_list"] = sess.run(adder_node, {a: [1, 3], b: [2, 4]})

add_and_triple = adder_node * 3.
RESULTS["add_and_triple"] = sess.run(add_and_triple, {a: 3, b: 4.5})

W = tf.Variable([.3], dtype=tf.float32)
b = tf.Variable([-.3], dtype=tf.float32)
x = tf.placeholder(tf.float32)
linear_model = W * x + b

init = tf.global_variables_initializer()
sess.run(init)
RESULTS["linear_model"] = sess.run(linear_model, {x: [1, 2, 3, 4]})

y = tf.placeholder(tf.float32)
squared_deltas = tf.square(linear_model - y)
loss = tf.reduce_sum(squared_deltas)
RESULTS["loss"] = sess.run(loss, {x: [1, 2, 3, 4], y: [0, -1, -2, -3]})

fixW = tf.assign(W, [-1.])
fixb = tf.assign(b, [1.])
sess.run([fixW, fixb])
RESULTS["fixed_loss"] = sess.run(loss, {x: [1, 2, 3, 4], y: [0, -1, -2, -3]})

optimizer = tf.train.GradientDescentOptimizer(0.01)
train = optimizer.minimize(loss)

sess.run(init)  # reset values to incorrect defaults.
for _ in range(1000):
    sess.run(train, {x: [1, 2, 3, 4], y: [0, -1, -2, -3]})

RESULTS["trained"] = sess.run([W, b])
RESULTS["trained_loss"] = sess.run(loss, {x: [1, 2, 3, 4], y: [0, -1, -2, -3]})
