"""Pre-2017 multi-GPU training as TensorFlow's CIFAR-10 tutorial wrote it, on two CPU devices: the
variables live on /cpu:0, each tower computes its half of the batch on its own device, the towers'
gradients are averaged and applied once; a ConfigProto asks for two CPUs and soft placement."""

import numpy as np

import tfc as tf

RESULTS = {}
TOWERS = 2
rng = np.random.default_rng(3)
images = rng.standard_normal((64, 12)).astype(np.float32)
labels = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 64)]


def tower_loss(x, y):
    with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
        with tf.device("/cpu:0"):
            w1 = tf.get_variable("w1", initializer=tf.constant(rng_w1))
            b1 = tf.get_variable("b1", initializer=tf.zeros([16]))
            w2 = tf.get_variable("w2", initializer=tf.constant(rng_w2))
        hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
        logits = tf.matmul(hidden, w2)
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))


rng_w1 = (rng.standard_normal((12, 16)) / 4).astype(np.float32)
rng_w2 = (rng.standard_normal((16, 3)) / 4).astype(np.float32)
x = tf.placeholder(tf.float32, [64, 12])
y = tf.placeholder(tf.float32, [64, 3])
optimizer = tf.train.GradientDescentOptimizer(0.3)
x_parts, y_parts = tf.split(x, TOWERS), tf.split(y, TOWERS)
tower_grads, losses = [], []
for i in range(TOWERS):
    with tf.device(f"/cpu:{i}"), tf.name_scope(f"tower_{i}"):
        loss = tower_loss(x_parts[i], y_parts[i])
        losses.append(loss)
        tower_grads.append(optimizer.compute_gradients(loss))
with tf.device("/cpu:0"):
    averaged = []
    for grads_and_vars in zip(*tower_grads):
        grads = tf.stack([g for g, _ in grads_and_vars])
        averaged.append((tf.reduce_mean(grads, 0), grads_and_vars[0][1]))
    train_op = optimizer.apply_gradients(averaged)
    total_loss = tf.add_n(losses) / TOWERS

config = tf.ConfigProto(device_count={"CPU": 2}, allow_soft_placement=True)
with tf.Session(config=config) as sess:
    sess.run(tf.global_variables_initializer())
    history = []
    for _ in range(15):
        _, value = sess.run([train_op, total_loss], {x: images, y: labels})
        history.append(value)
    RESULTS["losses"] = np.array(history)
    RESULTS["w1"], RESULTS["w2"] = sess.run([v for v in tf.trainable_variables() if v.name in ("model/w1:0", "model/w2:0")])
    RESULTS["devices"] = np.array(sorted({op.device for op in tf.get_default_graph().get_operations() if op.device}))
