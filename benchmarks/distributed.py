"""Training across processes on this machine, measured in one run with real processes on 127.0.0.1:

- synchronous: per-step time, samples/s and efficiency of the same global batch on 1 and 2
  processes (one host device each), and the time of a cross-process all-reduce per MB;
- asynchronous, TensorFlow 1's way (``tfc launch -n W --ps 1``, variables on a parameter-server task
  held by a Ray actor): per-worker step time and aggregate samples/s of 1 and 2 workers, each on its
  own batches, against the same step in one process without a parameter server; and the cost per MB
  of a parameter pull and push through tfc's parameter-server client (Ray) against a local memcpy.

    python benchmarks/distributed.py [--steps N] [--skip-sync] [--skip-async]

Efficiency is speed-up / processes (or workers). This machine has 2 cores, which every process
shares (one process already uses both within XLA; the asynchronous jobs add the ps actor and Ray's
own processes), so efficiency is bounded by the cores: the figures show what the collectives, the
parameter server and a second process cost, not a speed-up a cluster would give.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GLOBAL_BATCH, FEATURES, HIDDEN = 512, 256, 512
ASYNC_BATCH, ASYNC_WIDTH, WARMUP = 128, 1024, 3  # per worker; an MLP FEATURES-1024-1024-1: 5 MB of parameters
ASYNC_PARAMETERS = FEATURES * ASYNC_WIDTH + ASYNC_WIDTH * ASYNC_WIDTH + ASYNC_WIDTH + 2 * ASYNC_WIDTH + 1
TRANSFER_MEGABYTES = (1.0, 16.0)
PS_TASK = "/job:ps/task:0"
LAUNCH = [sys.executable, "-c", "from tfc.tools.cli import main; main()", "launch"]


def worker(kind: str, steps: int, megabytes: float) -> None:
    """One process of the job: time ``kind`` (train or all-reduce); the chief prints a JSON line."""
    import tfc

    tfc.set_cpu_devices(1)
    tfc.distributed.initialize()
    rank, size = tfc.distributed.rank(), tfc.distributed.size()
    step, args = _train_step(rank, size) if kind == "train" else _all_reduce(rank, size, megabytes)
    for _ in range(3):  # warm up (the first call compiles and broadcasts)
        args = step(*args)
    start = time.perf_counter()
    for _ in range(steps):
        args = step(*args)
    seconds = (time.perf_counter() - start) / steps
    if tfc.distributed.is_chief():
        print(json.dumps({"kind": kind, "processes": size, "step_ms": seconds * 1e3}), flush=True)


def _train_step(rank: int, size: int):
    """An MLP SGD step over this process's rows of one global batch: run(params, x, y) -> the next
    step's arguments."""
    import tfc

    rng = np.random.default_rng(0)
    x = rng.normal(size=(GLOBAL_BATCH, FEATURES)).astype(np.float32)
    y = rng.normal(size=(GLOBAL_BATCH, 1)).astype(np.float32)
    params = [(rng.normal(size=(FEATURES, HIDDEN)) / 16).astype(np.float32), (rng.normal(size=(HIDDEN, 1)) / 16).astype(np.float32)]
    rows = slice(rank * GLOBAL_BATCH // size, (rank + 1) * GLOBAL_BATCH // size)

    def loss_fn(ps, xs, ys):
        return tfc.mean((tfc.tanh(xs @ ps[0]) @ ps[1] - ys) ** 2)

    @tfc.compile(devices="all", batch_argnums=(1, 2))
    def step(ps, xs, ys):
        loss, grads = tfc.value_and_grad(loss_fn)(ps, xs, ys)
        return [p - 0.01 * g for p, g in zip(ps, grads)]

    def run(ps, xs, ys):  # waits for the step: the next one's inputs are its outputs anyway
        return [np.asarray(p) for p in step(ps, xs, ys)], xs, ys

    return run, (params, x[rows], y[rows])


def _all_reduce(rank: int, size: int, megabytes: float):
    """A step that is one all-reduce of ``megabytes`` (the sum over the processes' rows)."""
    import tfc

    width = int(megabytes * (1 << 20) / 4)

    @tfc.compile(devices="all", batch_argnums=(0,))
    def reduce(x):
        return tfc.sum(x, axis=0)

    def run(x):
        np.asarray(reduce(x))
        return (x,)

    return run, (np.full((1, width), rank + 1.0, np.float32),)


# ---- asynchronous training (TensorFlow 1 programs under tfc launch --ps 1) -----------------------
def _async_model(tf, index: int = 0, workers: int = 1):
    """The TF1 graph of an asynchronous SGD step of an MLP FEATURES-W-W-1 (W = ASYNC_WIDTH) that
    fetches the loss, plus how many workers have warmed up and are done timing: the ops worker
    ``index`` runs."""
    x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    hidden = x
    for i, (rows, columns) in enumerate(((FEATURES, ASYNC_WIDTH), (ASYNC_WIDTH, ASYNC_WIDTH), (ASYNC_WIDTH, 1))):
        w = tf.Variable(tf.random_normal([rows, columns], stddev=1.0 / rows**0.5, seed=i), name=f"w{i}")
        b = tf.Variable(tf.zeros([columns]), name=f"b{i}")
        hidden = tf.matmul(hidden, w) + b if columns == 1 else tf.tanh(tf.matmul(hidden, w) + b)
    loss = tf.reduce_mean(tf.square(hidden - y))
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.GradientDescentOptimizer(0.001).minimize(loss, global_step=global_step)
    # one flag per worker, each set by its worker alone: no read-modify-write shared by workers
    ready = [tf.Variable(0, trainable=False, name=f"ready_{i}") for i in range(workers)]
    done = [tf.Variable(0, trainable=False, name=f"done_{i}") for i in range(workers)]
    return {"x": x, "y": y, "step": [train_op, loss], "global_step": global_step, "ready": tf.add_n(ready), "done": tf.add_n(done),
            "arrive": tf.assign(ready[index], 1), "finish": tf.assign(done[index], 1)}


def _async_feeds(ops: dict, seed: int) -> list[dict]:
    """A few batches of this worker's own data (made before timing, so no step pays for making them)."""
    rng = np.random.default_rng(seed)
    return [{ops["x"]: rng.normal(size=(ASYNC_BATCH, FEATURES)).astype(np.float32),
             ops["y"]: rng.normal(size=(ASYNC_BATCH, 1)).astype(np.float32)} for _ in range(4)]


def _tf1_task(tf):
    """This task's server, index and the job's worker count from TF_CONFIG; a ps task serves here
    until the launcher ends it (the call does not return)."""
    tf_config = json.loads(os.environ["TF_CONFIG"])
    cluster = tf.train.ClusterSpec(tf_config["cluster"])
    job, index = tf_config["task"]["type"], tf_config["task"]["index"]
    server = tf.train.Server(cluster, job_name=job, task_index=index)
    if job == "ps":
        server.join()
    return server, cluster, index, len(tf_config["cluster"]["worker"])


def async_worker(steps: int) -> None:
    """A task of the asynchronous job: a worker warms up, waits until every worker has, times
    ``steps`` of its own steps, then trains on until every worker has timed its own (so each timed
    window has every worker running); it prints a JSON line."""
    import tfc as tf

    tf.disable_v2_behavior()
    server, cluster, index, workers = _tf1_task(tf)
    with tf.device(tf.train.replica_device_setter(cluster=cluster, worker_device=f"/job:worker/task:{index}")):
        ops = _async_model(tf, index, workers)
    feeds = _async_feeds(ops, seed=index)
    with tf.train.MonitoredTrainingSession(master=server.target, is_chief=index == 0) as sess:
        for i in range(WARMUP):  # the first runs compile, here and on the ps task
            sess.run(ops["step"], feeds[i % len(feeds)])
        sess.run(ops["arrive"])
        while sess.run(ops["ready"]) < workers:
            time.sleep(0.01)
        start = time.perf_counter()
        for i in range(steps):
            sess.run(ops["step"], feeds[i % len(feeds)])
        seconds = (time.perf_counter() - start) / steps
        sess.run(ops["finish"])
        extra = 0
        while sess.run([ops["step"], ops["done"]], feeds[extra % len(feeds)])[1] < workers:
            extra += 1
        global_step = int(sess.run(ops["global_step"]))
    print(json.dumps({"kind": "async", "worker": index, "workers": workers, "step_ms": seconds * 1e3,
                      "global_step": global_step}), flush=True)


def async_local(steps: int) -> None:
    """The same step in one process without a parameter server (a plain tf.Session): the floor of
    an asynchronous worker's step, which adds the pull and push of the parameters."""
    import tfc as tf

    tf.disable_v2_behavior()
    ops = _async_model(tf)
    feeds = _async_feeds(ops, seed=0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(WARMUP):
            sess.run(ops["step"], feeds[i % len(feeds)])
        start = time.perf_counter()
        for i in range(steps):
            sess.run(ops["step"], feeds[i % len(feeds)])
        seconds = (time.perf_counter() - start) / steps
    print(json.dumps({"kind": "async_local", "step_ms": seconds * 1e3}), flush=True)


def transfer_worker(rounds: int) -> None:
    """Under ``tfc launch -n 1 --ps 1``: the worker sets a variable of each size on the ps task, then
    times pulls (``TaskClient.values``: ray.get of the array the actor holds) and pushes
    (``TaskClient.assign``: the array sent to the actor, stored there) and a local copy of it; first
    a call that moves no array (``values([])``), the part of each call no size pays for."""
    import tfc as tf
    from tfc.runtime import parameter_servers

    tf.disable_v2_behavior()
    _tf1_task(tf)
    server = parameter_servers.client(PS_TASK)
    print(json.dumps({"kind": "call", "call_ms": _median_ms(functools.partial(server.values, []), rounds)}), flush=True)
    for megabytes in TRANSFER_MEGABYTES:
        name = f"transfer_{megabytes:g}mb"
        value = np.random.default_rng(0).normal(size=int(megabytes * (1 << 20) / 4)).astype(np.float32)
        server.assign({name: value})
        pulled = server.values([name])[name]
        if not np.array_equal(pulled, value):
            raise SystemExit(f"{name}: the value pulled back differs from the one pushed")
        pull = _median_ms(functools.partial(server.values, [name]), rounds)
        push = _median_ms(functools.partial(server.assign, {name: value}), rounds)
        print(json.dumps({"kind": "transfer", "megabytes": megabytes, "pull_ms": pull, "push_ms": push,
                          "memcpy_ms": memcpy_ms(megabytes)}), flush=True)


def _median_ms(call, rounds: int) -> float:
    """The median time of ``call()`` over ``rounds`` calls, after one more to warm up."""
    call()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


# ---- the driver --------------------------------------------------------------------------------
def run_job(workers: int, ps: int, kind: str, steps: int, megabytes: float = 0.0) -> list[dict]:
    """Run this file as ``kind`` on ``workers`` workers and ``ps`` parameter servers (no launcher
    for ``async_local``); each JSON line the workers print, in order."""
    env = {k: v for k, v in os.environ.items() if k != "TFC_CPU_DEVICES"}
    mine = [sys.executable, __file__, "--worker", kind, "--steps", str(steps), "--megabytes", str(megabytes)]
    command = mine if kind == "async_local" else [*LAUNCH, "-n", str(workers), "--ps", str(ps), "--timeout", "300", "--", *mine]
    done = subprocess.run(command, capture_output=True, text=True, timeout=360, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{kind} on {workers} worker(s), {ps} ps failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    lines = [line.split("] ", 1)[1] if line.startswith("[") else line for line in done.stdout.splitlines()]
    return [json.loads(line) for line in lines if line.startswith("{")]


def launch(processes: int, kind: str, steps: int, megabytes: float = 0.0) -> dict:
    """Run the synchronous job on ``processes`` processes; the chief's JSON line."""
    return run_job(processes, 0, kind, steps, megabytes)[0]


def sync_figures(steps: int) -> None:
    base = None
    for processes in (1, 2):
        result = launch(processes, "train", steps)
        base = base or result["step_ms"]
        speedup = base / result["step_ms"]
        print(f"sync MLP {FEATURES}-{HIDDEN}-1 SGD step  {processes} process(es)  {result['step_ms']:8.2f} ms/step  "
              f"{GLOBAL_BATCH / result['step_ms'] * 1e3:9.0f} samples/s  speed-up {speedup:4.2f}x  efficiency {speedup / processes:6.1%}")
    for megabytes in (1.0, 16.0):
        result = launch(2, "all_reduce", steps, megabytes)
        memcpy = memcpy_ms(megabytes)
        print(f"cross-process all-reduce of {megabytes:4.0f} MB over 2 processes  {result['step_ms']:8.2f} ms  "
              f"{result['step_ms'] / megabytes:7.3f} ms/MB   local memcpy {memcpy / megabytes:6.3f} ms/MB   ratio {result['step_ms'] / memcpy:6.1f}x")


def async_figures(steps: int) -> None:
    megabytes = ASYNC_PARAMETERS * 4 / (1 << 20)
    local = run_job(1, 0, "async_local", steps)[0]["step_ms"]
    print(f"async MLP {FEATURES}-{ASYNC_WIDTH}-{ASYNC_WIDTH}-1 SGD ({megabytes:.1f} MB of parameters on 1 ps task), "
          f"batch {ASYNC_BATCH} per worker; baseline: the same step in one process without a ps "
          f"{local:8.2f} ms/step {ASYNC_BATCH / local * 1e3:7.0f} samples/s")
    base = None
    for workers in (1, 2):
        results = run_job(workers, 1, "async", steps)
        step_ms = [r["step_ms"] for r in sorted(results, key=lambda r: r["worker"])]
        samples = sum(ASYNC_BATCH / ms * 1e3 for ms in step_ms)
        base = base or samples
        speedup = samples / base
        print(f"async {workers} worker(s) + 1 ps  per-worker step {' / '.join(f'{ms:.2f}' for ms in step_ms)} ms "
              f"(mean {np.mean(step_ms) / local:5.2f}x the no-ps step)  aggregate {samples:7.0f} samples/s  "
              f"speed-up {speedup:4.2f}x vs 1 worker  efficiency {speedup / workers:6.1%}")
    call, *transfers = run_job(1, 1, "transfer", steps)
    print(f"ps call round trip moving no array (TaskClient.values([]))  {call['call_ms']:6.2f} ms")
    for result in transfers:
        mb, memcpy = result["megabytes"], result["memcpy_ms"]
        print(f"ps pull (TaskClient.values, ray.get) of {mb:4.0f} MB  {result['pull_ms'] / mb:7.3f} ms/MB   "
              f"push (TaskClient.assign) {result['push_ms'] / mb:7.3f} ms/MB   local memcpy {memcpy / mb:6.3f} ms/MB   "
              f"ratio to memcpy: pull {result['pull_ms'] / memcpy:6.1f}x push {result['push_ms'] / memcpy:6.1f}x")


def main(steps: int, sync: bool = True, asynchronous: bool = True) -> None:
    print(f"distributed benchmark: 127.0.0.1, one host device per process, {os.cpu_count()} cores; global batch {GLOBAL_BATCH}")
    if sync:
        sync_figures(steps)
    if asynchronous:
        async_figures(steps)
        print(f"note: the {os.cpu_count()} cores are shared by the workers, the ps actor (a Ray worker process) and Ray's own "
              "processes: a second worker gains only what one leaves idle while it waits for the ps, not what a cluster would give")


def memcpy_ms(megabytes: float, rounds: int = 20) -> float:
    """A local copy of the same bytes into a warm buffer: the floor any transfer is compared with."""
    source = np.ones(int(megabytes * (1 << 20) / 4), np.float32)
    target = np.empty_like(source)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        np.copyto(target, source)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


WORKERS = {"async": async_worker, "async_local": async_local, "transfer": transfer_worker}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps of every job (and pulls/pushes timed per size)")
    parser.add_argument("--skip-sync", action="store_true", help="leave out the synchronous figures")
    parser.add_argument("--skip-async", action="store_true", help="leave out the asynchronous (parameter-server) figures")
    parser.add_argument("--worker", choices=["train", "all_reduce", *WORKERS], help=argparse.SUPPRESS)
    parser.add_argument("--megabytes", type=float, default=1.0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker in WORKERS:
        WORKERS[options.worker](options.steps)
    elif options.worker:
        worker(options.worker, options.steps, options.megabytes)
    else:
        main(options.steps, sync=not options.skip_sync, asynchronous=not options.skip_async)
