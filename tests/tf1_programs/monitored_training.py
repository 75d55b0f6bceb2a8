"""TF1's MonitoredTrainingSession as training loops wrote it: a StopAtStepHook, checkpoints every
few steps and a hook of our own; a second session over the same checkpoint directory resumes from
the last checkpoint, as a restarted job does. And between-graph replication's placement: the devices
replica_device_setter gives variables (round robin over two ps tasks) and the rest (the worker)."""

import tempfile

import numpy as np

import tfc as tf

tf.disable_v2_behavior()  # TensorFlow 1's variables (TensorFlow 2's resource variables clash with device functions)
RESULTS = {}
cluster = tf.train.ClusterSpec({"ps": ["127.0.0.1:2222", "127.0.0.1:2223"], "worker": ["127.0.0.1:2224"]})
rng = np.random.default_rng(5)
features = rng.standard_normal((40, 4)).astype(np.float32)
targets = features @ np.array([[0.5], [-1.0], [2.0], [0.25]], np.float32) + 0.1


class LossHistory(tf.train.SessionRunHook):
    def __init__(self, loss):
        self.loss, self.values = loss, []

    def before_run(self, run_context):
        return tf.train.SessionRunArgs(self.loss)

    def after_run(self, run_context, run_values):
        self.values.append(run_values.results)


def model():
    x = tf.placeholder(tf.float32, [None, 4])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(tf.zeros([4, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    step = tf.train.get_or_create_global_step()
    train_op = tf.train.GradientDescentOptimizer(0.05).minimize(loss, global_step=step)
    return x, y, w, b, step, loss, train_op


def train(checkpoint_dir, last_step):
    tf.reset_default_graph()
    x, y, _, _, _, loss, train_op = model()
    history = LossHistory(loss)
    hooks = [tf.train.StopAtStepHook(last_step=last_step), history]
    with tf.train.MonitoredTrainingSession(checkpoint_dir=checkpoint_dir, save_checkpoint_steps=4, hooks=hooks) as sess:
        while not sess.should_stop():
            sess.run(train_op, {x: features, y: targets})
    return history.values


directory = tempfile.mkdtemp()
RESULTS["first_losses"] = np.array(train(directory, 10))
RESULTS["second_losses"] = np.array(train(directory, 18))
RESULTS["latest"] = np.array(tf.train.latest_checkpoint(directory).rsplit("-", 1)[1])

tf.reset_default_graph()
with tf.device(tf.train.replica_device_setter(cluster=cluster, worker_device="/job:worker/task:0")):
    _, _, w, b, step, loss, train_op = model()
RESULTS["devices"] = np.array([w.device, b.device, step.device, loss.device, train_op.device])
