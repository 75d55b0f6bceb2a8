"""A TF1 parameter-server job for the tests in test_parameter_servers.py (run by `tfc launch`).

    count --steps-per-worker K [--die-at D]   every worker applies exactly K updates (worker 1 dies
                                              after D of them first, and does the rest once restarted);
                                              each then waits for global_step to reach W*K and prints it
    kill-ps --steps N --checkpoint-dir DIR    train to global step N; the ps task kills itself once a
                                              checkpoint past step 0 exists (first incarnation only)
"""

import argparse
import glob
import json
import os
import signal
import threading
import time

import numpy as np

import tfc as tf

FEATURES = 4


def graph(index: int, cluster):
    with tf.device(tf.train.replica_device_setter(cluster=cluster, worker_device=f"/job:worker/task:{index}")):
        x = tf.placeholder(tf.float32, [None, FEATURES])
        y = tf.placeholder(tf.float32, [None, 1])
        w = tf.Variable(tf.zeros([FEATURES, 1]), name="w")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        step = tf.train.get_or_create_global_step()
        train = tf.train.GradientDescentOptimizer(0.05).minimize(loss, global_step=step)
    return x, y, loss, step, train


def batch(rng):
    xs = rng.normal(size=(16, FEATURES)).astype(np.float32)
    return xs, xs @ np.arange(1, FEATURES + 1, dtype=np.float32).reshape(FEATURES, 1)


def kill_self_after_checkpoint(directory: str) -> None:
    """The ps task's first incarnation dies (SIGKILL) once the chief saved a checkpoint past step 0."""
    def watch():
        while not [p for p in glob.glob(os.path.join(directory, "model.ckpt-*")) if not p.split("-")[-1].startswith("0.")]:
            time.sleep(0.05)
        print("ps: killing myself", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=watch, daemon=True).start()


def count(args, index, workers, tensors, server):
    x, y, loss, step, train = tensors
    restarted = os.environ["TFC_RESTART"] != "0"
    todo = args.steps_per_worker - (args.die_at if restarted and index == 1 and args.die_at else 0)
    rng = np.random.default_rng(index + 10 * restarted)
    with tf.train.MonitoredTrainingSession(master=server.target, is_chief=index == 0) as sess:
        if index == 0:  # the ps task serves by now (the variables are initialized): claim its task again
            try:
                tf.train.Server(server.server_def, job_name="ps", task_index=0)
            except Exception as err:  # noqa: BLE001 (printed for the test to check)
                print(f"second ps:0: {type(err).__name__}: {err}", flush=True)
        for done in range(todo):
            value, _ = sess.run([loss, train], dict(zip((x, y), batch(rng))))
            if done == 0:
                print(f"worker {index}: first loss {value:.4f} (restarted: {restarted})", flush=True)
            if args.die_at and index == 1 and not restarted and done + 1 == args.die_at:
                os.kill(os.getpid(), signal.SIGKILL)
        deadline = time.monotonic() + 60
        while (final := int(sess.run(step))) < workers * args.steps_per_worker and time.monotonic() < deadline:
            time.sleep(0.05)
    print(f"worker {index}: final global_step {final}", flush=True)


def kill_ps(args, index, tensors, server):
    x, y, loss, step, train = tensors
    rng = np.random.default_rng(index)
    hooks = [tf.train.StopAtStepHook(last_step=args.steps)]
    with tf.train.MonitoredTrainingSession(master=server.target, is_chief=index == 0, checkpoint_dir=args.checkpoint_dir,
                                           save_checkpoint_steps=10, hooks=hooks) as sess:
        while not sess.should_stop():
            value, _, at = sess.run([loss, train, step], dict(zip((x, y), batch(rng))))
    print(f"worker {index}: reached global_step {at + 1}, loss {value:.4f}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["count", "kill-ps"])
    parser.add_argument("--steps-per-worker", type=int, default=20)
    parser.add_argument("--die-at", type=int)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--checkpoint-dir")
    args = parser.parse_args()
    tf.disable_v2_behavior()
    config = json.loads(os.environ["TF_CONFIG"])
    cluster = tf.train.ClusterSpec(config["cluster"])
    job, index = config["task"]["type"], config["task"]["index"]
    server = tf.train.Server(cluster, job_name=job, task_index=index)
    if job == "ps":
        if args.mode == "kill-ps" and os.environ["TFC_RESTART"] == "0":
            kill_self_after_checkpoint(args.checkpoint_dir)
        server.join()
    tensors = graph(index, cluster)
    if args.mode == "count":
        count(args, index, cluster.num_tasks("worker"), tensors, server)
    else:
        kill_ps(args, index, tensors, server)


if __name__ == "__main__":
    main()
