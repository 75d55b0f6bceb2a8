"""Asynchronous training of a small CNN with a parameter server, the TensorFlow 1 way: the
convolution and dense weights live on the ps task; each worker classifies its own batches of
synthetic 16x16 images (which quadrant holds the bright square) and applies its gradients with
Adam without waiting for the others.

    tfc launch -n 2 --ps 1 -- python examples/async_cnn.py --steps 120

TensorFlow 1 code with ``import tfc as tf``, as in ``examples/async_linear.py``: ``TF_CONFIG`` gives
the cluster, the ps task calls ``server.join()``, the workers build the graph under
``replica_device_setter`` (Adam's slots follow their variables onto the ps) and train with
``MonitoredTrainingSession`` until the global step reaches ``--steps``. Each worker prints its step
count, loss and accuracy on a held-out batch.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

import tfc as tf

SIZE, CLASSES, BATCH = 16, 4, 32


def images(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` noisy images with a bright 4x4 square in one quadrant; the label is the quadrant."""
    labels = rng.integers(0, CLASSES, count)
    x = 0.4 * rng.normal(size=(count, SIZE, SIZE, 1)).astype(np.float32)
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 2)
        top, left = row * 8 + rng.integers(0, 4), col * 8 + rng.integers(0, 4)
        x[i, top:top + 4, left:left + 4, 0] += 0.5
    return x, labels.astype(np.int32)


def model(learning_rate: float):
    x = tf.placeholder(tf.float32, [None, SIZE, SIZE, 1], name="images")
    y = tf.placeholder(tf.int32, [None], name="labels")
    init = tf.random_normal_initializer(stddev=0.1, seed=1)
    kernel = tf.get_variable("conv/kernel", [3, 3, 1, 8], initializer=init)
    conv = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=[1, 1, 1, 1], padding="SAME"))
    pooled = tf.nn.max_pool(conv, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    flat = tf.reshape(pooled, [-1, 8 * 8 * 8])
    dense = tf.get_variable("dense/kernel", [8 * 8 * 8, CLASSES], initializer=init)
    bias = tf.get_variable("dense/bias", [CLASSES], initializer=tf.zeros_initializer())
    logits = tf.matmul(flat, dense) + bias
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(tf.argmax(logits, 1), tf.int32), y), tf.float32))
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss, global_step=global_step)
    return x, y, loss, accuracy, global_step, train_op


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=120, help="the global step to train to")
    parser.add_argument("--learning-rate", type=float, default=0.01)
    args = parser.parse_args()

    tf.disable_v2_behavior()
    tf_config = json.loads(os.environ["TF_CONFIG"])
    cluster = tf.train.ClusterSpec(tf_config["cluster"])
    job, index = tf_config["task"]["type"], tf_config["task"]["index"]
    server = tf.train.Server(cluster, job_name=job, task_index=index)
    if job == "ps":
        server.join()
        return

    with tf.device(tf.train.replica_device_setter(cluster=cluster, worker_device=f"/job:worker/task:{index}")):
        x, y, loss, accuracy, global_step, train_op = model(args.learning_rate)
    rng = np.random.default_rng(index)
    held_out = images(np.random.default_rng(100), 256)
    local_steps, start = 0, time.perf_counter()
    with tf.train.MonitoredTrainingSession(master=server.target, is_chief=index == 0,
                                           hooks=[tf.train.StopAtStepHook(last_step=args.steps)]) as sess:
        while not sess.should_stop():
            xs, ys = images(rng, BATCH)
            _, loss_value, step = sess.run([train_op, loss, global_step], {x: xs, y: ys})
            local_steps += 1
        held_out_accuracy = sess.run(accuracy, {x: held_out[0], y: held_out[1]})
    elapsed = time.perf_counter() - start
    print(f"worker {index}: {local_steps} steps of {step} in {elapsed:.2f} s ({local_steps * BATCH / elapsed:.0f} samples/s), "
          f"final loss {loss_value:.4f}, held-out accuracy {held_out_accuracy:.3f}")


if __name__ == "__main__":
    main()
