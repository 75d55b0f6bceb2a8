"""The gradient of a loop: an LSTM over T steps written with ``tfc.fori_loop`` (each step read from the
sequence with ``tfc.dynamic_slice``, as tfc.keras' recurrent layers do), differentiated with
``tfc.grad``, against the same LSTM under ``jax.grad`` of ``lax.scan``, both jitted.

Printed per sequence length: ms per gradient step of each (the median of ``--repeats`` rounds, the
two interleaved so machine load hits both alike) and their ratio (target: within 1.2x); and from the
gradient's IR, the loops it holds and how many times the forward recurrence appears in it (the
cell's tanh ops over the forward loop's: 1 when the backward loop reads saved values, 3 when it
replays the body from a stacking copy of the loop).

    python benchmarks/loop_gradient.py [--steps 40 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import tfc
from tfc.frontend.api import emit

BATCH, FEATURES, UNITS = 128, 32, 64


def tfc_loss(xs, w, u, b):
    steps = xs.shape[0]

    def body(t, carry):
        h, c = carry
        zero = tfc.astype(0, tfc.int32)
        row = tfc.reshape(emit("tfc.dynamic_slice", [xs, t, zero, zero], {"slice_sizes": (1, BATCH, FEATURES)}), (BATCH, FEATURES))
        z = tfc.matmul(row, w) + tfc.matmul(h, u) + b
        i, f = tfc.sigmoid(z[:, :UNITS]), tfc.sigmoid(z[:, UNITS:2 * UNITS])
        c = f * c + i * tfc.tanh(z[:, 2 * UNITS:3 * UNITS])
        return tfc.sigmoid(z[:, 3 * UNITS:]) * tfc.tanh(c), c

    zeros = tfc.zeros((BATCH, UNITS), dtype=tfc.float32)
    h, _ = tfc.fori_loop(0, steps, body, (zeros, zeros))
    return tfc.sum(h * h)


def jax_loss(xs, w, u, b):
    def cell(carry, x_t):
        h, c = carry
        z = x_t @ w + h @ u + b
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        return (jax.nn.sigmoid(o) * jnp.tanh(c), c), None

    zeros = jnp.zeros((BATCH, UNITS), jnp.float32)
    (h, _), _ = jax.lax.scan(cell, (zeros, zeros), xs)
    return jnp.sum(h * h)


def arguments(steps: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    shapes = [(steps, BATCH, FEATURES), (FEATURES, 4 * UNITS), (UNITS, 4 * UNITS), (4 * UNITS,)]
    return [rng.normal(0, 0.1, s).astype(np.float32) for s in shapes]


def seconds_per_call(fn, args, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        out = fn(*args)
    jax.block_until_ready(out)
    return (time.perf_counter() - start) / calls


def structure(args) -> tuple[int, int]:
    """(tfc.while ops in the gradient's IR, forward recurrences: its tanh ops over the forward's 2)."""
    text = tfc.compile(tfc.grad(tfc_loss, (0, 1, 2, 3))).lower(*args).as_text()
    return text.count('"tfc.while"'), text.count('"tfc.tanh"') // 2


def report(steps: int, repeats: int) -> None:
    args = arguments(steps)
    ours = tfc.compile(tfc.grad(tfc_loss, (0, 1, 2, 3)))
    theirs = jax.jit(jax.grad(jax_loss, (0, 1, 2, 3)))
    device_args = [jax.device_put(a) for a in args]
    for got, want in zip(ours(*device_args), theirs(*device_args)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-3, atol=2e-5)
    calls = max(3, 2000 // steps)
    times: dict[str, list[float]] = {"tfc": [], "jax": []}
    for _ in range(repeats):
        times["tfc"].append(seconds_per_call(ours, device_args, calls))
        times["jax"].append(seconds_per_call(theirs, device_args, calls))
    mine, base = statistics.median(times["tfc"]), statistics.median(times["jax"])
    loops, recurrences = structure(args)
    print(f"LSTM gradient, {steps} steps (batch {BATCH}, {FEATURES} -> {UNITS} units)")
    print(f"  tfc.grad of fori_loop  {mine * 1e3:8.2f} ms/step   IR: {loops} tfc.while, forward recurrence x{recurrences}")
    print(f"  jax.grad of lax.scan   {base * 1e3:8.2f} ms/step   tfc / jax {mine / base:5.2f}x "
          f"(target <= 1.20x {'holds' if mine / base <= 1.2 else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, nargs="+", default=[40, 200], help="sequence lengths")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved timing rounds per engine (the median is printed)")
    options = parser.parse_args()
    print("loop gradient benchmark: one process, tfc and jax rounds interleaved; shared machine: expect +-10%")
    for steps in options.steps:
        report(steps, options.repeats)


if __name__ == "__main__":
    main()
