"""Per-call cost of @tfc.compile against jax.jit on the same functions, measured in the same run.

    python benchmarks/dispatch.py [--rounds N]

Prints one line per case: tfc and jax.jit medians (µs per call) and the ratio tfc / jax.jit
(target: <= 1.2). Rounds alternate between the two so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import tfc


def seed_tfc(x):
    return tfc.matmul(x, x) + tfc.matmul(x, [[1, 0], [0, 1]])


def seed_jax(x):
    return jnp.matmul(x, x) + jnp.matmul(x, jnp.asarray([[1, 0], [0, 1]], x.dtype))


def mlp_tfc(x, labels, w1, b1, w2, b2, w3, b3):
    h1 = tfc.relu(tfc.matmul(x, w1) + b1)
    h2 = tfc.relu(tfc.matmul(h1, w2) + b2)
    logits = tfc.matmul(h2, w3) + b3
    return -tfc.mean(tfc.sum(tfc.log_softmax(logits) * labels, axis=1))


def mlp_jax(x, labels, w1, b1, w2, b2, w3, b3):
    h1 = jax.nn.relu(x @ w1 + b1)
    h2 = jax.nn.relu(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * labels, axis=1))


def per_call_us(fn, args, calls: int) -> float:
    fn(*args).block_until_ready()
    start = time.perf_counter()
    for _ in range(calls):
        out = fn(*args)
    out.block_until_ready()
    return (time.perf_counter() - start) / calls * 1e6


def compare(name: str, ours, theirs, args, calls: int, rounds: int) -> None:
    expected = np.asarray(theirs(*args))
    np.testing.assert_allclose(np.asarray(ours(*args)), expected, rtol=1e-4, atol=1e-4)
    tfc_times, jax_times = [], []
    for _ in range(rounds):
        tfc_times.append(per_call_us(ours, args, calls))
        jax_times.append(per_call_us(theirs, args, calls))
    t, j = statistics.median(tfc_times), statistics.median(jax_times)
    print(f"{name:<44} tfc {t:9.1f} us   jax.jit {j:9.1f} us   ratio {t / j:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    print(f"dispatch benchmark: jax {jax.__version__}, device {jax.devices()[0]}, median of {options.rounds} alternating rounds")

    x = np.array([[5, 6], [7, 8]], np.float32)
    seed_ours, seed_theirs = tfc.compile(seed_tfc), jax.jit(seed_jax)
    compare("seed example, numpy input", seed_ours, seed_theirs, (x,), 20000, options.rounds)
    xd = jax.device_put(x)
    compare("seed example, device input", seed_ours, seed_theirs, (xd,), 20000, options.rounds)

    rng = np.random.default_rng(0)
    sizes = [784, 1024, 1024, 10]
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        params.append(jax.device_put((rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)))
        params.append(jax.device_put(np.zeros(fan_out, np.float32)))
    batch = jax.device_put(rng.standard_normal((256, 784)).astype(np.float32))
    labels = jax.device_put(np.eye(10, dtype=np.float32)[rng.integers(0, 10, 256)])
    compare("MLP 784-1024-1024-10 forward+loss, batch 256", tfc.compile(mlp_tfc), jax.jit(mlp_jax), (batch, labels, *params), 30, options.rounds)


if __name__ == "__main__":
    main()
