"""Asynchronous training with a parameter server, the TensorFlow 1 way: a linear model whose
variables live on the ps task while each worker computes gradients on its own batches and applies
them without waiting for the others.

    tfc launch -n 2 --ps 1 -- python examples/async_linear.py --steps 200

The program is TensorFlow 1 code with ``import tfc as tf``: the cluster comes from ``TF_CONFIG``
(the launcher sets it), the ps task serves with ``server.join()``, workers build the graph under
``replica_device_setter`` and train with ``MonitoredTrainingSession`` until the global step reaches
``--steps``. Each worker prints its own step count and final loss; the chief also the weights found.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

import tfc as tf

FEATURES, BATCH = 8, 32
TRUE_W = np.linspace(-1.0, 1.0, FEATURES, dtype=np.float32).reshape(FEATURES, 1)


def batches(seed: int):
    """An endless stream of (x, y) batches of y = x @ TRUE_W + 0.5 + noise; each worker has its own."""
    rng = np.random.default_rng(seed)
    while True:
        x = rng.normal(size=(BATCH, FEATURES)).astype(np.float32)
        yield x, x @ TRUE_W + 0.5 + 0.01 * rng.normal(size=(BATCH, 1)).astype(np.float32)


def model(learning_rate: float):
    x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    w = tf.Variable(tf.zeros([FEATURES, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss, global_step=global_step)
    return x, y, w, b, loss, global_step, train_op


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="the global step to train to")
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--checkpoint-dir", help="where the chief saves checkpoints (and restores from)")
    parser.add_argument("--save-checkpoint-steps", type=int, default=50)
    args = parser.parse_args()

    tf.disable_v2_behavior()
    tf_config = json.loads(os.environ["TF_CONFIG"])
    cluster = tf.train.ClusterSpec(tf_config["cluster"])
    job, index = tf_config["task"]["type"], tf_config["task"]["index"]
    server = tf.train.Server(cluster, job_name=job, task_index=index)
    if job == "ps":
        server.join()  # serves the variables until the launcher ends the job
        return

    with tf.device(tf.train.replica_device_setter(cluster=cluster, worker_device=f"/job:worker/task:{index}")):
        x, y, w, b, loss, global_step, train_op = model(args.learning_rate)
    hooks = [tf.train.StopAtStepHook(last_step=args.steps)]
    data = batches(seed=index)
    local_steps, start = 0, time.perf_counter()
    with tf.train.MonitoredTrainingSession(master=server.target, is_chief=index == 0, checkpoint_dir=args.checkpoint_dir,
                                           save_checkpoint_steps=args.save_checkpoint_steps, hooks=hooks) as sess:
        while not sess.should_stop():
            xs, ys = next(data)
            _, loss_value, step = sess.run([train_op, loss, global_step], {x: xs, y: ys})
            local_steps += 1
        weights = sess.run([w, b]) if index == 0 else None
    elapsed = time.perf_counter() - start
    print(f"worker {index}: {local_steps} steps of {step} in {elapsed:.2f} s ({local_steps / elapsed:.0f} steps/s), "
          f"final loss {loss_value:.6f}")
    if weights is not None:
        print(f"weights {np.round(weights[0].ravel(), 2).tolist()} bias {np.round(weights[1], 2).tolist()}")


if __name__ == "__main__":
    main()
