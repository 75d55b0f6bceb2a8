"""Per-call cost of a cached Session.run against jax.jit of the same step (and TensorFlow's TF1
Session.run when TensorFlow is installed), measured in the same run; and one Session shared by 8
threads against 1 thread.

    python benchmarks/session.py [--rounds N]

Targets: the MLP training step within 1.05x of jax.jit (the same XLA work); cached Session.run
overhead on the tiny seed graph at least 10x lower than TensorFlow's Session.run; pure runs from 8
threads scale with the cores; a stateful run on one thread loses at most 10% to the variable locks
(against the same session with a store that takes no locks).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np

import tfc
from tfc.runtime.variable_store import VariableStore

SIZES = [784, 1024, 1024, 10]
BATCH = 256
LR = 0.01


def per_call_us(fn, calls: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def compare(name: str, ours, theirs, calls: int, rounds: int, tf=None) -> None:
    tfc_times, jax_times, tf_times = [], [], []
    for _ in range(rounds):
        tfc_times.append(per_call_us(ours, calls))
        jax_times.append(per_call_us(theirs, calls))
        if tf is not None:
            tf_times.append(per_call_us(tf, calls))
    t, j = statistics.median(tfc_times), statistics.median(jax_times)
    line = f"{name:<38} Session.run {t:9.1f} us   jax.jit {j:9.1f} us   ratio {t / j:5.2f}x"
    if tf_times:
        f = statistics.median(tf_times)
        line += f"   TF Session.run {f:9.1f} us   TF/tfc {f / t:6.1f}x"
    print(line)


def seed_case(rounds: int, tf_module) -> None:
    x_value = np.array([[5, 6], [7, 8]], np.float32)
    graph = tfc.Graph()
    with graph.as_default():
        x = tfc.placeholder(tfc.float32, [2, 2], name="x")
        z = tfc.matmul(x, x) + tfc.matmul(x, [[1.0, 0.0], [0.0, 1.0]])
    sess = tfc.Session(graph=graph)
    assert np.asarray(sess.run(z, {x: x_value})).tolist() == [[72, 84], [98, 114]]
    run_callable = sess.make_callable(z, [x])
    jitted = jax.jit(lambda v: v @ v + v @ jnp.eye(2, dtype=v.dtype))
    tf_run = _tf_seed(tf_module, x_value) if tf_module else None
    compare("seed example, Session.run", lambda: sess.run(z, {x: x_value}), lambda: np.asarray(jitted(x_value)), 5000, rounds, tf_run)
    compare("seed example, make_callable", lambda: run_callable(x_value), lambda: np.asarray(jitted(x_value)), 5000, rounds)


def _tf_seed(tf, x_value):
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2, 2])
        z = tf.matmul(x, x) + tf.matmul(x, [[1.0, 0.0], [0.0, 1.0]])
    sess = tf.compat.v1.Session(graph=g)
    return lambda: sess.run(z, {x: x_value})


def mlp_case(rounds: int) -> None:
    rng = np.random.default_rng(0)
    init = []
    for fan_in, fan_out in zip(SIZES, SIZES[1:]):
        init.append((rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32))
        init.append(np.zeros(fan_out, np.float32))
    batch = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    labels = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]

    graph = tfc.Graph()
    with graph.as_default():
        x = tfc.placeholder(tfc.float32, batch.shape, name="x")
        y = tfc.placeholder(tfc.float32, labels.shape, name="y")
        params = [tfc.Variable(p, name=f"p{i}") for i, p in enumerate(init)]
        h = x
        for i in range(0, len(params) - 2, 2):
            h = tfc.relu(tfc.matmul(h, params[i]) + params[i + 1])
        logits = tfc.matmul(h, params[-2]) + params[-1]
        loss = -tfc.reduce_mean(tfc.reduce_sum(tfc.log_softmax(logits) * y, axis=1))
        train = tfc.train.GradientDescentOptimizer(LR).minimize(loss)
        initializer = tfc.global_variables_initializer()
    sess = tfc.Session(graph=graph)
    sess.run(initializer)
    step = sess.make_callable(train, [x, y])
    x_dev, y_dev = jax.device_put(batch), jax.device_put(labels)

    def jax_loss(ps, xb, yb):
        h = xb
        for i in range(0, len(ps) - 2, 2):
            h = jax.nn.relu(h @ ps[i] + ps[i + 1])
        return -jnp.mean(jnp.sum(jax.nn.log_softmax(h @ ps[-2] + ps[-1]) * yb, axis=1))

    @jax.jit
    def jax_step(ps, xb, yb):
        grads = jax.grad(jax_loss)(ps, xb, yb)
        return [p - LR * g for p, g in zip(ps, grads)]

    jax_params = [jax.device_put(p) for p in init]
    state = {"params": jax_params}

    def run_jax():
        state["params"] = jax_step(state["params"], x_dev, y_dev)
        state["params"][-1].block_until_ready()

    def run_tfc():
        step(x_dev, y_dev)
        for value in sess.variables.values():
            getattr(value, "block_until_ready", lambda: None)()

    compare("MLP 784-1024-1024-10 SGD step, b256", run_tfc, run_jax, 20, rounds)


class LockFreeStore(VariableStore):
    """The baseline for the locking's cost: the same store, taking no locks (unsafe with threads)."""

    def locks(self, names):
        return []


def throughput(fn, threads: int, calls: int) -> float:
    """Calls per second of ``fn`` run ``calls`` times in total, split across ``threads`` threads."""
    barrier = threading.Barrier(threads + 1)

    def worker():
        barrier.wait()
        for _ in range(calls // threads):
            fn()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    return calls // threads * threads / (time.perf_counter() - start)


def threads_case(rounds: int) -> None:
    graph = tfc.Graph()
    with graph.as_default():
        x = tfc.placeholder(tfc.float32, [256, 256], name="x")
        pure = tfc.tanh(tfc.matmul(tfc.tanh(tfc.matmul(x, x)), x))
        counter = tfc.Variable(0.0, name="counter")
        bump = counter.assign_add(1.0, read_value=False)
        init = tfc.global_variables_initializer()
    sessions = {"locked": tfc.Session(graph=graph), "lock-free": tfc.Session(graph=graph)}
    sessions["lock-free"]._graph_session().variables = LockFreeStore()
    for sess in sessions.values():
        sess.run(init)
    x_value = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32) / 16
    locked = sessions["locked"]
    run_pure = locked.make_callable(pure, [x])
    medians = {}
    for name, fn, calls in (("pure", lambda: run_pure(x_value), 400), ("stateful", lambda: locked.run(bump), 4000)):
        one = statistics.median(throughput(fn, 1, calls) for _ in range(rounds))
        eight = statistics.median(throughput(fn, 8, calls) for _ in range(rounds))
        medians[name] = one
        print(f"8 threads sharing one Session, {name:<9} {eight:9.0f} runs/s   1 thread {one:9.0f} runs/s   ratio {eight / one:5.2f}x")
    unlocked = sessions["lock-free"]
    free = statistics.median(throughput(lambda: unlocked.run(bump), 1, 4000) for _ in range(rounds))
    print(f"stateful run on 1 thread, variable locks  {medians['stateful']:9.0f} runs/s   lock-free store {free:9.0f} runs/s   "
          f"ratio {medians['stateful'] / free:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    try:
        import tensorflow as tf_module  # optional baseline; never a test dependency
    except ImportError:
        tf_module = None
    print(f"session benchmark: jax {jax.__version__}, {jax.devices()[0]}, median of {options.rounds} alternating rounds"
          + ("" if tf_module else "; TensorFlow not installed: no TF Session.run column"))
    seed_case(options.rounds, tf_module)
    mlp_case(options.rounds)
    threads_case(options.rounds)


if __name__ == "__main__":
    main()
